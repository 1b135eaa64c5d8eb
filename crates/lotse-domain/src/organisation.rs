use crate::id::{AreaId, OrganisationId, ProgrammeId};

/// What an organisation is in a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganisationKind {
    /// A GP or psychotherapy practice (prescribes; in Norddjurs also employs navigators).
    Practice,
    /// A facility doing link work (Zentrum plus, youth centre, Stadtteiltreff).
    LinkFacility,
    /// A provider of offers (club, centre, self-help group, counselling service).
    OfferProvider,
    /// The coordinating office (health office, municipality).
    CoordinatingOffice,
    /// A research institute evaluating the programme.
    ResearchInstitute,
}

impl OrganisationKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Practice,
        Self::LinkFacility,
        Self::OfferProvider,
        Self::CoordinatingOffice,
        Self::ResearchInstitute,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Practice => "practice",
            Self::LinkFacility => "link_facility",
            Self::OfferProvider => "offer_provider",
            Self::CoordinatingOffice => "coordinating_office",
            Self::ResearchInstitute => "research_institute",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// An organisation taking part in a programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    /// Its id.
    pub id: OrganisationId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// What it is.
    pub kind: OrganisationKind,
    /// Its name.
    pub name: String,
    /// The area it is in.
    pub area: Option<AreaId>,
}

/// An organisation's public contact details (printed on the prescription sheet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationContact {
    /// The postal address, one line each.
    pub address_lines: Vec<String>,
    /// Telephone, if given.
    pub phone: Option<String>,
    /// Opening hours, one line each ("Mo–Fr 9–13 Uhr").
    pub opening_hours: Vec<String>,
}
