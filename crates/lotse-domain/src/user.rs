use crate::actor::ProgrammeScope;
use crate::id::{OrganisationId, ProgrammeId, UserId};

/// What a user does in a programme. Link work is a role, not a type of person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// GP, psychotherapist, practice nurse.
    Prescriber,
    /// Link worker / Lotsin / social navigatør.
    LinkWorker,
    /// Staff of an offer provider.
    OfferProvider,
    /// Programme coordinator (health office, municipality).
    Coordinator,
    /// Evaluator / researcher: aggregates and pseudonymised data only.
    Evaluator,
    /// Outcome payer: outcome metrics only.
    OutcomePayer,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 6] = [
        Self::Prescriber,
        Self::LinkWorker,
        Self::OfferProvider,
        Self::Coordinator,
        Self::Evaluator,
        Self::OutcomePayer,
    ];

    /// The stable code (also used in the CLI: `--role link-worker`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Prescriber => "prescriber",
            Self::LinkWorker => "link-worker",
            Self::OfferProvider => "offer-provider",
            Self::Coordinator => "coordinator",
            Self::Evaluator => "evaluator",
            Self::OutcomePayer => "outcome-payer",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A user's role in one organisation of one programme.
///
/// The policy trusts it, so its fields are crate-private: outside this crate a membership is only
/// read ([`Membership::programme`] …), never built or changed, except by the store loading it
/// ([`Membership::from_storage`]). Made up elsewhere, it does not compile:
///
/// ```compile_fail,E0451
/// use lotse_domain::id::ProgrammeId;
/// use lotse_domain::user::{Membership, Role};
/// let forged = Membership {
///     programme: ProgrammeId::from_uuid(uuid::Uuid::nil()),
///     organisation: None,
///     role: Role::Coordinator,
/// };
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub(crate) programme: ProgrammeId,
    pub(crate) organisation: Option<OrganisationId>,
    pub(crate) role: Role,
}

impl Membership {
    /// A membership as the store reads it from its table. Only `lotse-store` calls this
    /// (`cargo xtask ci` checks the call sites; see SECURITY.md).
    pub const fn from_storage(programme: ProgrammeId, organisation: Option<OrganisationId>, role: Role) -> Self {
        Self {
            programme,
            organisation,
            role,
        }
    }

    /// The programme.
    pub const fn programme(&self) -> ProgrammeId {
        self.programme
    }

    /// The organisation the user acts for (none for programme-wide roles).
    pub const fn organisation(&self) -> Option<OrganisationId> {
        self.organisation
    }

    /// The role.
    pub const fn role(&self) -> Role {
        self.role
    }
}

/// A login name: 3 to 64 characters of a-z, 0-9, `.`, `-`, `_`, `@`; compared lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

/// Why a username was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a username has 3 to 64 characters: letters a-z, digits and . - _ @")]
pub struct UsernameError;

impl Username {
    /// Validates and lowercases.
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let lower = input.trim().to_ascii_lowercase();
        let ok = (3..=64).contains(&lower.len())
            && lower
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | '@'));
        if ok { Ok(Self(lower)) } else { Err(UsernameError) }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy (length only, as NIST SP 800-63B advises).
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than 12 characters.
    #[error("a password needs at least 12 characters")]
    TooShort,
    /// Longer than 256 characters.
    #[error("a password has at most 256 characters")]
    TooLong,
}

impl NewPassword {
    /// Checks the policy.
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        match input.chars().count() {
            0..12 => Err(PasswordError::TooShort),
            12..=256 => Ok(Self(input.to_owned())),
            _ => Err(PasswordError::TooLong),
        }
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A user account as the domain sees it (no password hash: that stays in storage and auth).
///
/// [`authorize_membership`] trusts its id and memberships, so its fields are private: outside
/// this crate a user is only read, never built or changed, except by the store loading it
/// ([`User::from_storage`]). A loaded user cannot be given another membership:
///
/// ```compile_fail,E0616
/// fn widen(mut user: lotse_domain::user::User, other: lotse_domain::user::Membership) {
///     user.memberships.push(other);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub(crate) id: UserId,
    pub(crate) username: Username,
    pub(crate) display_name: String,
    pub(crate) memberships: Vec<Membership>,
}

impl User {
    /// An account as the store reads it from its tables. Only `lotse-store` calls this
    /// (`cargo xtask ci` checks the call sites; see SECURITY.md).
    pub const fn from_storage(
        id: UserId,
        username: Username,
        display_name: String,
        memberships: Vec<Membership>,
    ) -> Self {
        Self {
            id,
            username,
            display_name,
            memberships,
        }
    }

    /// Its id.
    pub const fn id(&self) -> UserId {
        self.id
    }

    /// Its login name.
    pub const fn username(&self) -> &Username {
        &self.username
    }

    /// The name shown in the UI.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// Its memberships.
    pub fn memberships(&self) -> &[Membership] {
        &self.memberships
    }
}

/// The policy's first gate: a user may act in a programme only through a membership there.
/// Returns the scope for that programme, or `None` (deny).
pub fn authorize_membership(user: &User, programme: ProgrammeId) -> Option<(ProgrammeScope, &Membership)> {
    user.memberships
        .iter()
        .find(|m| m.programme == programme)
        .map(|m| (ProgrammeScope::for_user(user.id, programme), m))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn a_scope_is_granted_only_for_a_programme_the_user_belongs_to() {
        let p1 = ProgrammeId::from_uuid(Uuid::from_u128(1));
        let p2 = ProgrammeId::from_uuid(Uuid::from_u128(2));
        let user = User {
            id: UserId::from_uuid(Uuid::from_u128(9)),
            username: Username::parse("Anna.Lotsin").unwrap(),
            display_name: "Anna".into(),
            memberships: vec![Membership {
                programme: p1,
                organisation: None,
                role: Role::LinkWorker,
            }],
        };
        assert_eq!(user.username.as_str(), "anna.lotsin");
        let (scope, membership) = authorize_membership(&user, p1).unwrap();
        assert_eq!(scope.programme(), p1);
        assert_eq!(membership.role, Role::LinkWorker);
        assert!(authorize_membership(&user, p2).is_none());
    }

    #[test]
    fn usernames_and_passwords_are_validated() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("anna lotsin").is_err());
        assert!(matches!(NewPassword::parse("short"), Err(PasswordError::TooShort)));
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
    }
}
