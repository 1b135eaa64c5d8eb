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
);
