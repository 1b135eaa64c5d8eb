use time::{Date, OffsetDateTime};

use crate::area::GeoPoint;
use crate::id::{AreaId, OfferId, OrganisationId, ProgrammeId};
use crate::need::NeedDomain;

/// Whether an offer can be joined. Maps to HSDS `active` / `temporarily closed` / `inactive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferStatus {
    /// Running.
    Active,
    /// Paused for now.
    Paused,
    /// No longer offered.
    Ended,
}

impl OfferStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Active, Self::Paused, Self::Ended];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Ended => "ended",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// An offer (Angebot / tilbud) of a provider. The directory issue extends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// Its id.
    pub id: OfferId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// The provider.
    pub provider: OrganisationId,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// The language of title and description (BCP 47).
    pub language: String,
    /// The needs it helps with.
    pub need_domains: Vec<NeedDomain>,
    /// The area it takes place in.
    pub area: Option<AreaId>,
    /// Where it takes place.
    pub location: Option<GeoPoint>,
    /// Free of charge.
    pub free: bool,
    /// Running, paused or ended.
    pub status: OfferStatus,
    /// Whether it is published in the directory.
    pub published: bool,
    /// When its details were last verified with the provider.
    pub last_verified: Option<Date>,
    /// When it was last changed.
    pub updated_at: OffsetDateTime,
}
