use std::fmt;

use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an id made by the caller (the domain makes no ids itself: that needs randomness).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

/// Parses an id in its one canonical spelling: lower-case hex, hyphenated (`8-4-4-4-12`).
/// Upper case, braces, `urn:uuid:` and the 32-digit form are refused, so an id has exactly one
/// spelling in URLs and forms (and in logs and audit trails that quote them).
pub fn parse_canonical(text: &str) -> Option<Uuid> {
    if text.len() != 36 {
        return None;
    }
    let uuid = Uuid::try_parse(text).ok()?;
    let mut buffer = Uuid::encode_buffer();
    let canonical: &str = uuid.hyphenated().encode_lower(&mut buffer);
    (canonical == text).then_some(uuid)
}

typed_id!(
    /// A programme (tenant).
    ProgrammeId,
    /// A named set of areas within a programme.
    AreaSetId,
    /// An area (Stadtbezirk, Stadtteil, town …).
    AreaId,
    /// An organisation (practice, link facility, provider …).
    OrganisationId,
    /// A user account (installation-wide).
    UserId,
    /// A person receiving support.
    PatientId,
    /// One recorded consent.
    ConsentId,
    /// A prescription (Soziales Rezept / social henvisning).
    PrescriptionId,
    /// A case file.
    CaseId,
    /// A referral to a link facility or navigator.
    ReferralId,
    /// An onward referral from a case to one offer.
    OnwardReferralId,
    /// An offer in the directory.
    OfferId,
    /// An event in the append-only log.
    EventId,
    /// A questionnaire response.
    QuestionnaireResponseId,
    /// A login session.
    SessionId,
    /// An API client (a programme's machine caller with a bearer token).
    ApiClientId,
    /// A capability: a single-use signed link for one purpose and one object.
    CapabilityId,
    /// A conversation note on a case.
    NoteId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_spelling_parses() {
        let id = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let canonical = id.hyphenated().to_string();
        assert_eq!(parse_canonical(&canonical), Some(id));
        for other in [
            canonical.to_uppercase(),
            format!("{{{canonical}}}"),
            format!("urn:uuid:{canonical}"),
            id.simple().to_string(),
            format!(" {canonical}"),
            String::new(),
        ] {
            assert_eq!(parse_canonical(&other), None, "{other}");
        }
    }
}
