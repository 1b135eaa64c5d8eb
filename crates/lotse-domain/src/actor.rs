use std::fmt;

use crate::id::{ApiClientId, CapabilityId, ProgrammeId, UserId};

/// Who acts: a signed-in user, a named system job (CLI commands, background jobs), an API
/// client, or the holder of a capability link.
///
/// A system actor is scoped and audited like a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person with an account.
    User(UserId),
    /// A named job, e.g. `demo`, `migrate`, `retention`.
    System(SystemJob),
    /// An API client (a machine caller with a bearer token), audited like a user.
    ApiClient(ApiClientId),
    /// The holder of a capability link (no account): audited as the capability, never as a
    /// user.
    Capability(CapabilityId),
}

impl Actor {
    /// A stable text form for events and audit entries: `user:<uuid>`, `system:<job>`,
    /// `client:<uuid>` or `capability:<uuid>`.
    /// Holds no personal data: only an id or a job name.
    pub fn reference(&self) -> String {
        match self {
            Self::User(id) => format!("user:{id}"),
            Self::System(job) => format!("system:{}", job.as_str()),
            Self::ApiClient(id) => format!("client:{id}"),
            Self::Capability(id) => format!("capability:{id}"),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reference())
    }
}

/// The named system jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemJob {
    /// `lotse demo` and `lotse serve --demo`.
    Demo,
    /// `lotse user add` and other administration commands.
    Admin,
    /// `lotse audit verify`.
    AuditVerify,
    /// Serving public, non-personal data (published offers, programme names).
    PublicDirectory,
    /// `lotse retention run`: anonymises people after the programme's retention period.
    Retention,
    /// `lotse export research`: a pseudonymised export of consenting people.
    ResearchExport,
    /// `lotse jobs run` and the runner inside `lotse serve`: onward referrals whose provider
    /// never answered lapse.
    FollowUp,
    /// `lotse jobs run` and the runner inside `lotse serve`: e-mails to providers (their signed
    /// links, reminders) go out through the programme's SMTP relay.
    Email,
}

impl SystemJob {
    /// The job's stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::Admin => "admin",
            Self::AuditVerify => "audit-verify",
            Self::PublicDirectory => "public-directory",
            Self::Retention => "retention",
            Self::ResearchExport => "research-export",
            Self::FollowUp => "follow-up",
            Self::Email => "email",
        }
    }
}

/// Permission to read and write one programme's data.
///
/// Every storage function takes a `&ProgrammeScope` first, so a query across programmes
/// cannot be written by accident. A scope can only be obtained from an authorization
/// decision ([`crate::user::authorize_membership`] for users, whose [`crate::user::User`] only
/// the store builds; [`crate::api_client::ApiClient::scope`] for a client the store found by its
/// token, likewise built only by the store; [`crate::capability::Capability::scope`] for a link
/// that passed its check; [`ProgrammeScope::for_system`] for named system jobs, called only by
/// `lotse-app`'s `jobs` module): there is no constructor from a raw id for handlers to call.
///
/// ```compile_fail,E0451
/// use lotse_domain::actor::{Actor, ProgrammeScope};
/// use lotse_domain::id::{ProgrammeId, UserId};
/// let forged = ProgrammeScope {
///     programme: ProgrammeId::from_uuid(uuid::Uuid::nil()),
///     actor: Actor::User(UserId::from_uuid(uuid::Uuid::nil())),
/// };
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeScope {
    programme: ProgrammeId,
    actor: Actor,
}

impl ProgrammeScope {
    /// The scope a named system job gets for a programme it was started for.
    ///
    /// System jobs are started by the operator with explicit programme arguments
    /// (or for every programme, as `audit verify` and `demo` are); their reads and writes
    /// are audited under `system:<job>`.
    ///
    /// Rust cannot limit a `pub fn` to one other crate: `cargo xtask ci` fails if this name
    /// appears anywhere but here, in `lotse-app`'s `jobs.rs` (whose token only the job entry
    /// points start) and in this crate's `test_support` (for tests only).
    pub const fn for_system(job: SystemJob, programme: ProgrammeId) -> Self {
        Self {
            programme,
            actor: Actor::System(job),
        }
    }

    pub(crate) const fn for_user(user: UserId, programme: ProgrammeId) -> Self {
        Self {
            programme,
            actor: Actor::User(user),
        }
    }

    pub(crate) const fn for_api_client(client: ApiClientId, programme: ProgrammeId) -> Self {
        Self {
            programme,
            actor: Actor::ApiClient(client),
        }
    }

    pub(crate) const fn for_capability(capability: CapabilityId, programme: ProgrammeId) -> Self {
        Self {
            programme,
            actor: Actor::Capability(capability),
        }
    }

    /// The programme this scope grants.
    pub const fn programme(&self) -> ProgrammeId {
        self.programme
    }

    /// Who holds it.
    pub const fn actor(&self) -> &Actor {
        &self.actor
    }
}
