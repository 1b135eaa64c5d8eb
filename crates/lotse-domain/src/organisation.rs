use crate::field::{FieldError, FieldProblem};
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

/// The longest name of an organisation, in characters.
pub const MAX_NAME: usize = 120;
/// The longest address or opening hours, in characters (all lines).
pub const MAX_LINES_TEXT: usize = 400;
/// The most lines of an address or of opening hours.
pub const MAX_LINES: usize = 6;

/// A link facility as its coordinator enters it (the form's fields, untrimmed): its name, the
/// area it is in (an area id of the programme, or empty), whom it is for (target group codes),
/// and its public contact details (address and opening hours one line each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacilityInput {
    /// The name.
    pub name: String,
    /// An area id, or empty.
    pub area: String,
    /// Target group codes (none: everyone).
    pub target_groups: Vec<String>,
    /// The postal address, lines separated by line breaks.
    pub address: String,
    /// A telephone number, or empty.
    pub phone: String,
    /// The opening hours, lines separated by line breaks.
    pub opening_hours: String,
}

/// A link facility's details, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityDetails {
    /// The name (trimmed).
    pub name: String,
    /// The area it is in: its place for the facility suggestion is the area's centroid.
    pub area: Option<AreaId>,
    /// Whom it is for (empty: everyone), each once.
    pub target_groups: Vec<crate::offer::TargetGroup>,
    /// Its public contact details (printed on the prescription sheet).
    pub contact: OrganisationContact,
}

/// The non-empty trimmed lines of a text.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl FacilityInput {
    /// The form's fields for stored details.
    pub fn of(details: &FacilityDetails) -> Self {
        Self {
            name: details.name.clone(),
            area: details.area.map(|a| a.to_string()).unwrap_or_default(),
            target_groups: details.target_groups.iter().map(|g| g.code().to_owned()).collect(),
            address: details.contact.address_lines.join("\n"),
            phone: details.contact.phone.clone().unwrap_or_default(),
            opening_hours: details.contact.opening_hours.join("\n"),
        }
    }
}

impl FacilityDetails {
    /// Checks every field: a name (at most [`MAX_NAME`] characters) not among `taken` (the
    /// names of the programme's other organisations, compared without case and surrounding
    /// space), an area among `areas` (or none), known target groups, an address and opening
    /// hours of at most [`MAX_LINES`] lines and [`MAX_LINES_TEXT`] characters, a telephone
    /// number that looks like one (or none). Each wrong field is named with its problem.
    pub fn parse(input: &FacilityInput, areas: &[AreaId], taken: &[String]) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = input.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", FieldProblem::Required));
        } else if name.chars().count() > MAX_NAME {
            errors.push(FieldError::new("name", FieldProblem::TooLong));
        } else if taken.iter().any(|t| t.trim().to_lowercase() == name.to_lowercase()) {
            errors.push(FieldError::new("name", FieldProblem::NameTaken));
        }
        let area = input.area.trim();
        let area = if area.is_empty() {
            None
        } else {
            let found = crate::id::parse_canonical(area)
                .map(AreaId::from_uuid)
                .filter(|a| areas.contains(a));
            if found.is_none() {
                errors.push(FieldError::new("area", FieldProblem::UnknownCode));
            }
            found
        };
        let mut target_groups = Vec::new();
        for code in &input.target_groups {
            match crate::offer::TargetGroup::from_code(code.trim()) {
                Some(group) if !target_groups.contains(&group) => target_groups.push(group),
                Some(_) => {}
                None => {
                    errors.push(FieldError::new("target_groups", FieldProblem::UnknownCode));
                    break;
                }
            }
        }
        let mut text_lines = |field: &str, text: &str| {
            let found = lines(text);
            if found.len() > MAX_LINES {
                errors.push(FieldError::new(field, FieldProblem::TooMany));
            } else if text.chars().count() > MAX_LINES_TEXT {
                errors.push(FieldError::new(field, FieldProblem::TooLong));
            }
            found
        };
        let address_lines = text_lines("address", &input.address);
        let opening_hours = text_lines("opening_hours", &input.opening_hours);
        let phone = input.phone.trim();
        if !phone.is_empty() && !crate::prescribing::is_phone(phone) {
            errors.push(FieldError::new("phone", FieldProblem::Phone));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name: name.to_owned(),
            area,
            target_groups,
            contact: OrganisationContact {
                address_lines,
                phone: (!phone.is_empty()).then(|| phone.to_owned()),
                opening_hours,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::offer::TargetGroup;

    fn area(n: u128) -> AreaId {
        AreaId::from_uuid(Uuid::from_u128(n))
    }

    fn input(name: &str, area: &str, groups: &[&str], phone: &str) -> FacilityInput {
        FacilityInput {
            name: name.to_owned(),
            area: area.to_owned(),
            target_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            address: " Rather Straße 10 \n\n40476 Düsseldorf".to_owned(),
            phone: phone.to_owned(),
            opening_hours: "Mo–Fr 9–13 Uhr".to_owned(),
        }
    }

    fn problems(result: Result<FacilityDetails, Vec<FieldError>>) -> Vec<(String, FieldProblem)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn good_fields_give_the_details() {
        let areas = [area(1), area(2)];
        let details = FacilityDetails::parse(
            &input(
                " zentrum plus Derendorf ",
                &area(2).to_string(),
                &["older-people", "older-people", "carers"],
                "0211 89-12345",
            ),
            &areas,
            &["zentrum plus Carlstadt".to_owned()],
        )
        .unwrap();
        assert_eq!(details.name, "zentrum plus Derendorf");
        assert_eq!(details.area, Some(area(2)));
        assert_eq!(
            details.target_groups,
            vec![TargetGroup::OlderPeople, TargetGroup::Carers]
        );
        assert_eq!(
            details.contact.address_lines,
            vec!["Rather Straße 10", "40476 Düsseldorf"]
        );
        assert_eq!(details.contact.phone.as_deref(), Some("0211 89-12345"));
        assert_eq!(details.contact.opening_hours, vec!["Mo–Fr 9–13 Uhr"]);
        // No area, no groups, no phone: allowed (everyone, no place).
        let bare = FacilityDetails::parse(&input("Stadtteiltreff", "", &[], ""), &areas, &[]).unwrap();
        assert_eq!(
            (bare.area, bare.target_groups.len(), bare.contact.phone),
            (None, 0, None)
        );
        // The form of stored details gives them back.
        assert_eq!(
            FacilityDetails::parse(&FacilityInput::of(&details), &areas, &[]).unwrap(),
            details
        );
    }

    #[test]
    fn every_wrong_field_is_named() {
        let areas = [area(1), area(0xabc_def)];
        let mut wrong = input(&"x".repeat(MAX_NAME + 1), &area(9).to_string(), &["teenagers"], "12");
        wrong.address = (1..=7).map(|n| format!("Zeile {n}")).collect::<Vec<_>>().join("\n");
        wrong.opening_hours = "y".repeat(MAX_LINES_TEXT + 1);
        assert_eq!(
            problems(FacilityDetails::parse(&wrong, &areas, &[])),
            vec![
                ("name".to_owned(), FieldProblem::TooLong),
                ("area".to_owned(), FieldProblem::UnknownCode),
                ("target_groups".to_owned(), FieldProblem::UnknownCode),
                ("address".to_owned(), FieldProblem::TooMany),
                ("opening_hours".to_owned(), FieldProblem::TooLong),
                ("phone".to_owned(), FieldProblem::Phone),
            ]
        );
        // A name is required, and not one another organisation has (case and spaces aside).
        assert_eq!(
            problems(FacilityDetails::parse(&input("  ", "", &[], ""), &areas, &[])),
            vec![("name".to_owned(), FieldProblem::Required)]
        );
        assert_eq!(
            problems(FacilityDetails::parse(
                &input("Zentrum Plus Carlstadt", "", &[], ""),
                &areas,
                &[" zentrum plus carlstadt".to_owned()]
            )),
            vec![("name".to_owned(), FieldProblem::NameTaken)]
        );
        // An id in another spelling is not an area.
        assert_eq!(
            problems(FacilityDetails::parse(
                &input("Treff", &area(0xabc_def).to_string().to_uppercase(), &[], ""),
                &areas,
                &[]
            )),
            vec![("area".to_owned(), FieldProblem::UnknownCode)]
        );
    }
}
