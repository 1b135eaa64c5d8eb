//! API clients: a programme's machine callers. A client acts like a membership (a role and, for
//! organisation roles, an organisation) and is further limited by scopes; each scope allows one
//! policy [`Action`]. The policy still decides every record by role × relationship × programme.

use std::fmt;

use crate::actor::ProgrammeScope;
use crate::id::{ApiClientId, ProgrammeId};
use crate::policy::{Action, role_may};
use crate::user::{Membership, Role};

/// What an API client may be allowed to do (a client holds one or more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiScope {
    /// `worklist:read`: the worklist.
    WorklistRead,
    /// `case:read`: one case record.
    CaseRead,
    /// `consent:write`: record a consent withdrawal.
    ConsentWrite,
    /// `export:read`: a person's data export (a data-subject access request).
    ExportRead,
    /// `directory:read`: search the programme's offer directory (`GET /api/v1/offers`).
    DirectoryRead,
    /// `offer:write`: read and change offers of the directory (a provider its own, a
    /// coordinator any of the programme).
    OfferWrite,
    /// `case:work`: the link worker's work on a case its facility holds (the referral's steps,
    /// the shortlist, questionnaires taken with the person, reading notes and plan versions),
    /// and registering a person who comes without a prescription (intake).
    CaseWork,
    /// `prescription:write`: prescribe for the client's practice, and read its board.
    PrescriptionWrite,
    /// `onward:answer`: a provider's own software answers onward referrals sent to its
    /// organisation (accept, decline with a reason, attendance), as its account does on the
    /// case page.
    OnwardAnswer,
}

impl ApiScope {
    /// Every scope.
    pub const ALL: [Self; 9] = [
        Self::WorklistRead,
        Self::CaseRead,
        Self::ConsentWrite,
        Self::ExportRead,
        Self::DirectoryRead,
        Self::OfferWrite,
        Self::CaseWork,
        Self::PrescriptionWrite,
        Self::OnwardAnswer,
    ];

    /// The stable code (`worklist:read` …).
    pub const fn code(self) -> &'static str {
        match self {
            Self::WorklistRead => "worklist:read",
            Self::CaseRead => "case:read",
            Self::ConsentWrite => "consent:write",
            Self::ExportRead => "export:read",
            Self::DirectoryRead => "directory:read",
            Self::OfferWrite => "offer:write",
            Self::CaseWork => "case:work",
            Self::PrescriptionWrite => "prescription:write",
            Self::OnwardAnswer => "onward:answer",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the scope allows `action`: its [`ApiScope::action`], and for `case:work` also
    /// the intake ([`Action::RegisterReferral`], the same role's other daily work).
    pub fn allows(self, action: Action) -> bool {
        self.action() == action || (self == Self::CaseWork && action == Action::RegisterReferral)
    }

    /// The policy action the scope allows (the route guard's action).
    pub const fn action(self) -> Action {
        match self {
            Self::WorklistRead => Action::ViewWorklist,
            Self::CaseRead => Action::ViewCase,
            Self::ConsentWrite => Action::WithdrawConsent,
            Self::ExportRead => Action::ExportPersonData,
            Self::DirectoryRead => Action::ViewProgramme,
            Self::OfferWrite => Action::ManageOffer,
            Self::CaseWork => Action::WorkCase,
            Self::PrescriptionWrite => Action::Prescribe,
            Self::OnwardAnswer => Action::AnswerOnwardReferral,
        }
    }
}

impl fmt::Display for ApiScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a client's definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiClientError {
    /// A scope code that does not exist.
    #[error(
        "unknown scope {0:?}: the scopes are worklist:read, case:read, consent:write, export:read, directory:read, offer:write, case:work, prescription:write, onward:answer"
    )]
    UnknownScope(String),
    /// No scope given.
    #[error("give at least one scope with --scopes")]
    NoScope,
    /// The role may never do what the scope allows.
    #[error("the role {role} may never use the scope {scope}")]
    ScopeNotForRole {
        /// The role code.
        role: &'static str,
        /// The scope code.
        scope: &'static str,
    },
    /// A name outside the rule.
    #[error("a client name has 1 to 64 characters: letters a-z, digits and - _ .")]
    InvalidName,
}

/// Parses a comma- or space-separated list of scope codes and checks each against the role.
/// Duplicates are dropped; the result is sorted.
pub fn parse_scopes(role: Role, input: &str) -> Result<Vec<ApiScope>, ApiClientError> {
    let mut scopes = Vec::new();
    for code in input.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
        let scope = ApiScope::from_code(code).ok_or_else(|| ApiClientError::UnknownScope(code.to_owned()))?;
        if !role_may(role, scope.action()) {
            return Err(ApiClientError::ScopeNotForRole {
                role: role.code(),
                scope: scope.code(),
            });
        }
        scopes.push(scope);
    }
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiClientError::NoScope);
    }
    Ok(scopes)
}

/// Checks a client name: 1 to 64 of a-z, 0-9, `-`, `_`, `.` (compared as given).
pub fn parse_name(input: &str) -> Result<String, ApiClientError> {
    let ok = (1..=64).contains(&input.len())
        && input
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(input.to_owned())
    } else {
        Err(ApiClientError::InvalidName)
    }
}

/// A live (not revoked) API client, as the bearer check finds it.
///
/// Its scope is trusted ([`ApiClient::scope`]), so its fields are crate-private: outside this crate
/// a client is only read, never built or changed, except by the store loading it
/// ([`ApiClient::from_storage`]). A loaded client cannot be given another membership:
///
/// ```compile_fail,E0616
/// fn widen(mut client: lotse_domain::api_client::ApiClient, other: lotse_domain::user::Membership) {
///     client.membership = other;
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub(crate) id: ApiClientId,
    pub(crate) name: String,
    pub(crate) membership: Membership,
    pub(crate) scopes: Vec<ApiScope>,
}

impl ApiClient {
    /// A client as the store reads it from its table. Only `lotse-store` calls this
    /// (`cargo xtask ci` checks the call sites; see SECURITY.md).
    pub const fn from_storage(id: ApiClientId, name: String, membership: Membership, scopes: Vec<ApiScope>) -> Self {
        Self {
            id,
            name,
            membership,
            scopes,
        }
    }

    /// Its id.
    pub const fn id(&self) -> ApiClientId {
        self.id
    }

    /// Its name (unique in the programme).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The membership it acts under (its programme, role and organisation).
    pub const fn membership(&self) -> &Membership {
        &self.membership
    }

    /// What it may do.
    pub fn scopes(&self) -> &[ApiScope] {
        &self.scopes
    }

    /// The programme it belongs to.
    pub const fn programme(&self) -> ProgrammeId {
        self.membership.programme()
    }

    /// Whether the client holds the scope for an action (and its role may do it).
    pub fn may(&self, action: Action) -> bool {
        role_may(self.membership.role(), action) && self.scopes.iter().any(|s| s.allows(action))
    }

    /// The scope for the client's own programme, audited as `client:<id>`.
    pub const fn scope(&self) -> ProgrammeScope {
        ProgrammeScope::for_api_client(self.id, self.membership.programme())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_the_role_may_never_use_is_refused() {
        assert_eq!(
            parse_scopes(Role::Prescriber, "worklist:read,export:read"),
            Err(ApiClientError::ScopeNotForRole {
                role: "prescriber",
                scope: "export:read"
            })
        );
        assert_eq!(
            parse_scopes(Role::LinkWorker, "case:read consent:write,case:read"),
            Ok(vec![ApiScope::CaseRead, ApiScope::ConsentWrite])
        );
        assert_eq!(parse_scopes(Role::LinkWorker, " , "), Err(ApiClientError::NoScope));
        assert_eq!(
            parse_scopes(Role::LinkWorker, "case:write"),
            Err(ApiClientError::UnknownScope("case:write".into()))
        );
    }

    #[test]
    fn names_follow_the_rule() {
        assert!(parse_name("his-bridge_1.0").is_ok());
        assert!(parse_name("").is_err());
        assert!(parse_name("Anna Müller").is_err());
        assert!(parse_name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn every_scope_code_round_trips() {
        for s in ApiScope::ALL {
            assert_eq!(ApiScope::from_code(s.code()), Some(s));
        }
    }
}
