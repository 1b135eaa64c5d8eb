//! Consent by purpose and recipient, each recorded with text version, language, time, who
//! recorded it and who gave it; withdrawal is honoured at once.

use time::OffsetDateTime;

use crate::id::{ConsentId, OnwardReferralId, PatientId, ProgrammeId, UserId};

/// What the person agreed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentPurpose {
    /// Transfer from the practice to the link facility (release from medical confidentiality).
    Transfer,
    /// Care and link work on the case.
    Care,
    /// Sharing named data with the provider of one onward referral.
    ProviderSharing,
    /// Use of pseudonymised data in research.
    Research,
}

/// The kind of the timeline entry a withdrawal shows as.
pub const WITHDRAWN_EVENT: &str = "consent.withdrawn";

impl ConsentPurpose {
    /// Every purpose.
    pub const ALL: [Self; 4] = [Self::Transfer, Self::Care, Self::ProviderSharing, Self::Research];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::Care => "care",
            Self::ProviderSharing => "provider_sharing",
            Self::Research => "research",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Who gave the consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentGiver {
    /// The person themselves.
    Person,
    /// A parent or guardian.
    ParentOrGuardian,
    /// A legal representative.
    LegalRepresentative,
}

impl ConsentGiver {
    /// Every giver.
    pub const ALL: [Self; 3] = [Self::Person, Self::ParentOrGuardian, Self::LegalRepresentative];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::ParentOrGuardian => "parent_or_guardian",
            Self::LegalRepresentative => "legal_representative",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// One recorded consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Its id.
    pub id: ConsentId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// Whose consent.
    pub patient: PatientId,
    /// For what.
    pub purpose: ConsentPurpose,
    /// For provider sharing: the onward referral it covers.
    pub onward_referral: Option<OnwardReferralId>,
    /// The version of the consent text shown.
    pub text_version: String,
    /// The language of the text shown.
    pub language: String,
    /// Who gave it.
    pub given_by: ConsentGiver,
    /// Who recorded it.
    pub recorded_by: UserId,
    /// When it was given.
    pub given_at: OffsetDateTime,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<OffsetDateTime>,
    /// Its version: 1 when recorded, raised by each change (a withdrawal names the version it
    /// saw, so a stale one is refused instead of overwriting).
    pub version: i64,
}

impl Consent {
    /// Whether the consent holds at `at`: given before, not withdrawn before.
    pub fn is_active_at(&self, at: OffsetDateTime) -> bool {
        self.given_at <= at && self.withdrawn_at.is_none_or(|w| at < w)
    }
}

/// Whether any active consent covers a purpose at `at` (for provider sharing, the given
/// onward referral).
pub fn permits(
    consents: &[Consent],
    purpose: ConsentPurpose,
    onward_referral: Option<OnwardReferralId>,
    at: OffsetDateTime,
) -> bool {
    consents.iter().any(|c| {
        c.purpose == purpose
            && (purpose != ConsentPurpose::ProviderSharing || c.onward_referral == onward_referral)
            && c.is_active_at(at)
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;

    fn consent(purpose: ConsentPurpose) -> Consent {
        Consent {
            id: ConsentId::from_uuid(Uuid::from_u128(1)),
            programme: ProgrammeId::from_uuid(Uuid::from_u128(2)),
            patient: PatientId::from_uuid(Uuid::from_u128(3)),
            purpose,
            onward_referral: None,
            text_version: "2026-01".into(),
            language: "de".into(),
            given_by: ConsentGiver::Person,
            recorded_by: UserId::from_uuid(Uuid::from_u128(4)),
            given_at: datetime!(2026-01-10 09:00 UTC),
            withdrawn_at: None,
            version: 1,
        }
    }

    #[test]
    fn withdrawal_ends_consent_at_once() {
        let mut c = consent(ConsentPurpose::Research);
        let before = datetime!(2026-01-09 09:00 UTC);
        let during = datetime!(2026-02-01 09:00 UTC);
        assert!(!c.is_active_at(before));
        assert!(c.is_active_at(during));
        c.withdrawn_at = Some(during);
        assert!(!c.is_active_at(during));
        assert!(!permits(&[c], ConsentPurpose::Research, None, during));
    }

    #[test]
    fn provider_sharing_covers_only_its_onward_referral() {
        let mut c = consent(ConsentPurpose::ProviderSharing);
        let or1 = OnwardReferralId::from_uuid(Uuid::from_u128(10));
        let or2 = OnwardReferralId::from_uuid(Uuid::from_u128(11));
        c.onward_referral = Some(or1);
        let at = datetime!(2026-02-01 09:00 UTC);
        assert!(permits(
            std::slice::from_ref(&c),
            ConsentPurpose::ProviderSharing,
            Some(or1),
            at
        ));
        assert!(!permits(
            std::slice::from_ref(&c),
            ConsentPurpose::ProviderSharing,
            Some(or2),
            at
        ));
        assert!(!permits(&[c], ConsentPurpose::Care, None, at));
    }
}
