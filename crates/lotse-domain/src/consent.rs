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

/// What a provider may see of a person, where the person consented to share it for one onward
/// referral. Nothing else ever reaches a provider: not the reason for the prescription, the
/// notes, the scores or the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SharedField {
    /// Given and family name.
    Name,
    /// The phone number, so the provider can call.
    Phone,
    /// The languages the person speaks.
    Languages,
    /// The need domains of the prescription (no free text).
    Needs,
}

impl SharedField {
    /// Every field, in the order forms and pages list them.
    pub const ALL: [Self; 4] = [Self::Name, Self::Phone, Self::Languages, Self::Needs];

    /// The stable code (stored, in forms and the API).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Phone => "phone",
            Self::Languages => "languages",
            Self::Needs => "needs",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The stored form of a set of fields: their codes in [`SharedField::ALL`] order, joined
    /// by commas (empty for none).
    pub fn join(fields: &[Self]) -> String {
        Self::ALL
            .into_iter()
            .filter(|f| fields.contains(f))
            .map(Self::code)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads [`SharedField::join`]'s form; `None` if a code is unknown.
    pub fn split(stored: &str) -> Option<Vec<Self>> {
        stored
            .split(',')
            .filter(|c| !c.is_empty())
            .map(Self::from_code)
            .collect()
    }
}

/// The person's consent to send one onward referral to its provider, as the link worker
/// records it: which details the provider may see, and who gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sharing {
    /// What the provider may see (at least one field, each once, in [`SharedField::ALL`]
    /// order).
    pub fields: Vec<SharedField>,
    /// Who gave the consent.
    pub given_by: ConsentGiver,
}

impl Sharing {
    /// Checks a sharing form: `fields` are the codes ticked (`shared_fields`), `given_by` the
    /// giver's code. Every wrong field is named: none ticked (`shared_fields` required), an
    /// unknown code, an unknown giver.
    pub fn parse(fields: &[String], given_by: &str) -> Result<Self, Vec<crate::field::FieldError>> {
        use crate::field::{FieldError, FieldProblem};
        let mut errors = Vec::new();
        let mut chosen = Vec::new();
        for code in fields {
            match SharedField::from_code(code.trim()) {
                Some(field) if !chosen.contains(&field) => chosen.push(field),
                Some(_) => {}
                None => errors.push(FieldError::new("shared_fields", FieldProblem::UnknownCode)),
            }
        }
        if fields.is_empty() {
            errors.push(FieldError::new("shared_fields", FieldProblem::Required));
        }
        let giver = ConsentGiver::from_code(given_by.trim());
        if giver.is_none() {
            let problem = if given_by.trim().is_empty() {
                FieldProblem::Required
            } else {
                FieldProblem::UnknownCode
            };
            errors.push(FieldError::new("given_by", problem));
        }
        match giver {
            Some(given_by) if errors.is_empty() => {
                chosen.sort();
                Ok(Self {
                    fields: chosen,
                    given_by,
                })
            }
            _ => {
                errors.dedup();
                Err(errors)
            }
        }
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
    /// For provider sharing: what the provider may see of the person (empty for the other
    /// purposes).
    pub shared: Vec<SharedField>,
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
            shared: Vec::new(),
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

    #[test]
    fn shared_fields_are_stored_in_one_order_and_read_back() {
        use SharedField as F;
        let table: [(&[SharedField], &str); 4] = [
            (&[], ""),
            (&[F::Phone, F::Name], "name,phone"),
            (&[F::Needs, F::Languages, F::Name, F::Name], "name,languages,needs"),
            (
                &[F::Name, F::Phone, F::Languages, F::Needs],
                "name,phone,languages,needs",
            ),
        ];
        for (fields, stored) in table {
            assert_eq!(SharedField::join(fields), stored);
            let mut sorted = fields.to_vec();
            sorted.sort();
            sorted.dedup();
            assert_eq!(SharedField::split(stored), Some(sorted));
        }
        assert_eq!(SharedField::split("name,address"), None, "an unknown code is no field");
    }

    /// What a sharing form should give: the stored fields, or the problems in order.
    type Expected = Result<&'static str, &'static [(&'static str, crate::field::FieldProblem)]>;

    #[test]
    fn a_sharing_form_names_every_wrong_field() {
        use crate::field::FieldProblem as P;
        let codes = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // (ticked, giver) → the stored fields, or the problems (field, code) in order.
        let table: [(&[&str], &str, Expected); 6] = [
            (&["phone", "name"], "person", Ok("name,phone")),
            (&[" needs ", "needs"], "legal_representative", Ok("needs")),
            (&[], "person", Err(&[("shared_fields", P::Required)])),
            (
                &["address", "iban"],
                "person",
                Err(&[("shared_fields", P::UnknownCode)]),
            ),
            (&["name"], "", Err(&[("given_by", P::Required)])),
            (
                &[],
                "neighbour",
                Err(&[("shared_fields", P::Required), ("given_by", P::UnknownCode)]),
            ),
        ];
        for (ticked, giver, expected) in table {
            let got = Sharing::parse(&codes(ticked), giver);
            match expected {
                Ok(stored) => assert_eq!(got.map(|s| SharedField::join(&s.fields)), Ok(stored.to_owned())),
                Err(problems) => {
                    let errors = got.unwrap_err();
                    let named: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.problem)).collect();
                    assert_eq!(named, problems, "{ticked:?} {giver:?}");
                }
            }
        }
    }
}
