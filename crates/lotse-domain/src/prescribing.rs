//! The prescriber's form, checked: the person (minimal data), the consents given at
//! prescription time, and the prescription itself; and the normalised text a person's blind
//! index is computed from (the store keys it, so duplicates are found without decrypting
//! anyone).
//!
//! Each check names every wrong field at once ([`FieldError`]); nothing is half-accepted.

use time::{Date, Month};

use crate::consent::ConsentGiver;
use crate::field::{FieldError, FieldProblem};
use crate::id::OrganisationId;
use crate::need::NeedDomain;
use crate::patient::{Gender, PatientIdentity};
use crate::prescription::Urgency;

/// The version of the consent texts shown at prescription time (the texts are the UI's
/// `consent-*-text` messages in each language; a change of their wording raises this).
pub const CONSENT_TEXT_VERSION: &str = "2026-12";

/// The longest name part, reason and the like accepted.
const MAX_NAME: usize = 100;
/// The longest reason for a prescription.
pub const MAX_REASON: usize = 1000;

/// The languages a person can be registered with: the prescription sheet's languages.
pub const PERSON_LANGUAGES: [&str; 8] = ["de", "da", "en", "tr", "ar", "uk", "ru", "pl"];

/// A person's registration as entered (form fields or an API body, all text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationInput {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// Optional.
    pub phone: String,
    /// Optional; checked against the programme's postcode table by the use case.
    pub postcode: String,
    /// The person's language (a tag of [`PERSON_LANGUAGES`]): the sheet is printed in it.
    pub language: String,
    /// Further languages the person speaks (tags, optional).
    pub other_languages: Vec<String>,
    /// Optional gender code (`female`, `male`, `diverse`, `not_stated`).
    pub gender: String,
}

/// A checked registration.
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    /// Identity (sealed at rest).
    pub identity: PatientIdentity,
    /// The postcode as entered (trimmed), if any.
    pub postcode: Option<String>,
    /// The person's language.
    pub language: String,
    /// Every language the person speaks, theirs first.
    pub languages: Vec<String>,
    /// Gender (not stated when left out).
    pub gender: Gender,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registration(***)")
    }
}

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, required: bool) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        if required {
            errors.push(FieldError {
                field: field.to_owned(),
                problem: FieldProblem::Required,
            });
        }
        return None;
    }
    if value.chars().count() > MAX_NAME {
        errors.push(FieldError {
            field: field.to_owned(),
            problem: FieldProblem::TooLong,
        });
        return None;
    }
    Some(value.to_owned())
}

/// Parses `YYYY-MM-DD` (also `DD.MM.YYYY`, as German practices write it).
pub fn parse_date(value: &str) -> Option<Date> {
    let value = value.trim();
    let parts: Vec<&str> = value.split(['-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (year, month, day) = if value.contains('-') { (a, b, c) } else { (c, b, a) };
    if year.len() != 4 || !(1..=2).contains(&month.len()) || !(1..=2).contains(&day.len()) {
        return None;
    }
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// Whether a telephone number looks like one: 6 to 20 digits, and only digits, spaces and
/// `+ - / ( )`, a `+` only first.
pub(crate) fn is_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    (6..=20).contains(&digits)
        && value
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-' | '/' | '(' | ')') || (c == '+' && i == 0))
}

impl Registration {
    /// Checks a registration entered on `today` (the programme's date): names required, a
    /// birth date from 1900 up to today, a telephone number that looks like one, a language of
    /// [`PERSON_LANGUAGES`], a known gender code.
    pub fn parse(input: &RegistrationInput, today: Date) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let given_name = text(&mut errors, "given_name", &input.given_name, true);
        let family_name = text(&mut errors, "family_name", &input.family_name, true);
        let birth_date = if input.birth_date.trim().is_empty() {
            errors.push(FieldError {
                field: "birth_date".into(),
                problem: FieldProblem::Required,
            });
            None
        } else {
            match parse_date(&input.birth_date) {
                None => {
                    errors.push(FieldError {
                        field: "birth_date".into(),
                        problem: FieldProblem::Date,
                    });
                    None
                }
                Some(d) if d > today => {
                    errors.push(FieldError {
                        field: "birth_date".into(),
                        problem: FieldProblem::DateInFuture,
                    });
                    None
                }
                Some(d) if d.year() < 1900 => {
                    errors.push(FieldError {
                        field: "birth_date".into(),
                        problem: FieldProblem::DateTooEarly,
                    });
                    None
                }
                Some(d) => Some(d),
            }
        };
        let phone = input.phone.trim();
        let phone = if phone.is_empty() {
            None
        } else if is_phone(phone) {
            Some(phone.to_owned())
        } else {
            errors.push(FieldError {
                field: "phone".into(),
                problem: FieldProblem::Phone,
            });
            None
        };
        let postcode = text(&mut errors, "postcode", &input.postcode, false);
        let language = input.language.trim().to_ascii_lowercase();
        if language.is_empty() {
            errors.push(FieldError {
                field: "language".into(),
                problem: FieldProblem::Required,
            });
        } else if !PERSON_LANGUAGES.contains(&language.as_str()) {
            errors.push(FieldError {
                field: "language".into(),
                problem: FieldProblem::UnknownCode,
            });
        }
        let mut languages = vec![language.clone()];
        for other in &input.other_languages {
            let other = other.trim().to_ascii_lowercase();
            if other.is_empty() || languages.contains(&other) {
                continue;
            }
            if other.len() > 3 || !other.chars().all(|c| c.is_ascii_lowercase()) {
                errors.push(FieldError {
                    field: "other_languages".into(),
                    problem: FieldProblem::UnknownCode,
                });
                break;
            }
            languages.push(other);
        }
        if languages.len() > 10 {
            errors.push(FieldError {
                field: "other_languages".into(),
                problem: FieldProblem::TooMany,
            });
        }
        let gender = match input.gender.trim() {
            "" => Some(Gender::NotStated),
            code => Gender::from_code(code).or_else(|| {
                errors.push(FieldError {
                    field: "gender".into(),
                    problem: FieldProblem::UnknownCode,
                });
                None
            }),
        };
        match (given_name, family_name, birth_date, gender) {
            (Some(given_name), Some(family_name), Some(birth_date), Some(gender)) if errors.is_empty() => Ok(Self {
                identity: PatientIdentity {
                    given_name,
                    family_name,
                    birth_date,
                    phone,
                },
                postcode,
                language,
                languages,
                gender,
            }),
            _ => Err(errors),
        }
    }
}

/// The text a person's blind index is computed from: family name, given name and birth date,
/// normalised so that spellings of one name meet (case, German umlauts written out or not,
/// accents, spaces, hyphens and apostrophes): `mueller|hans peter` and `Müller|Hans-Peter`
/// give the same text. The store keys it with a secret (HMAC), so the index reveals nothing
/// without the key.
pub fn blind_index_text(identity: &PatientIdentity) -> String {
    format!(
        "{}|{}|{}",
        normalise_name(&identity.family_name),
        normalise_name(&identity.given_name),
        identity.birth_date
    )
}

/// Lower case; `ä ö ü` written `ae oe ue` and `ß` `ss` (so `Müller` meets `Mueller`); `æ ø å`
/// as `ae oe aa` (Danish); other letters without their accents; everything but letters and
/// digits dropped.
fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' | 'æ' => out.push_str("ae"),
            'ö' | 'ø' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'å' => out.push_str("aa"),
            'ß' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'ą' => out.push('a'),
            'ç' | 'ć' | 'č' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'ı' => out.push('i'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ů' => out.push('u'),
            'ś' | 'š' | 'ş' => out.push('s'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'ł' => out.push('l'),
            'ğ' => out.push('g'),
            'ý' | 'ÿ' => out.push('y'),
            c if c.is_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

/// The consents given at prescription time, as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentInput {
    /// Release from medical confidentiality: the link facility may receive the prescription.
    pub transfer: bool,
    /// The link worker may accompany the person.
    pub care: bool,
    /// Research (optional).
    pub research: bool,
    /// Who gave them (`person`, `parent_or_guardian`, `legal_representative`).
    pub given_by: String,
}

/// The prescription as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrescriptionInput {
    /// Need domain codes (at least one).
    pub need_domains: Vec<String>,
    /// A short reason (optional; sealed at rest).
    pub reason: String,
    /// `routine` or `soon` (routine when empty).
    pub urgency: String,
    /// The link facility's id (required with transfer consent).
    pub link_facility: String,
    /// The consents.
    pub consents: ConsentInput,
}

/// The link facility field's value asking for the suggested facility (by the person's age and
/// home, see [`crate::facility_choice`]).
pub const SUGGEST_FACILITY: &str = "suggest";

/// A checked prescription.
#[derive(Clone, PartialEq, Eq)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "three independent consents and the independent choice of the suggested facility"
)]
pub struct PrescriptionRequest {
    /// What the person needs support with.
    pub need_domains: Vec<NeedDomain>,
    /// The reason, if any.
    pub reason: Option<String>,
    /// How soon.
    pub urgency: Urgency,
    /// The link facility printed on the sheet (required with transfer consent, which sends
    /// the referral there; without it the person contacts the facility themselves).
    pub link_facility: Option<OrganisationId>,
    /// The prescriber asked for the suggested facility ([`SUGGEST_FACILITY`]): the use case
    /// fills `link_facility` with the first of `facility_choice::rank`.
    pub suggest_facility: bool,
    /// Transfer consent given.
    pub transfer: bool,
    /// Care consent given.
    pub care: bool,
    /// Research consent given.
    pub research: bool,
    /// Who gave the consents.
    pub given_by: ConsentGiver,
}

impl std::fmt::Debug for PrescriptionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrescriptionRequest")
            .field("need_domains", &self.need_domains)
            .field("reason", &self.reason.as_ref().map(|_| "***"))
            .field("urgency", &self.urgency)
            .field("link_facility", &self.link_facility)
            .field("transfer", &self.transfer)
            .finish_non_exhaustive()
    }
}

impl PrescriptionRequest {
    /// Checks a prescription: at least one known need domain, a reason of at most
    /// [`MAX_REASON`] characters, a known urgency; with transfer consent a link facility (an
    /// id, or [`SUGGEST_FACILITY`]; the use case checks that it is one of the programme's link
    /// facilities, or finds the suggestion); care and
    /// research consent only together with transfer (without it nothing leaves the practice;
    /// a facility may still be named, for the sheet).
    pub fn parse(input: &PrescriptionInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, problem| {
            errors.push(FieldError {
                field: field.to_owned(),
                problem,
            });
        };
        let mut need_domains = Vec::new();
        for code in input.need_domains.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            match NeedDomain::from_code(code) {
                Some(n) if !need_domains.contains(&n) => need_domains.push(n),
                Some(_) => {}
                None => fail("need_domains", FieldProblem::UnknownCode),
            }
        }
        if need_domains.is_empty() && input.need_domains.iter().all(|c| c.trim().is_empty()) {
            fail("need_domains", FieldProblem::Required);
        }
        let reason = input.reason.trim();
        if reason.chars().count() > MAX_REASON {
            fail("reason", FieldProblem::TooLong);
        }
        let urgency = match input.urgency.trim() {
            "" => Some(Urgency::Routine),
            code => Urgency::from_code(code).or_else(|| {
                fail("urgency", FieldProblem::UnknownCode);
                None
            }),
        };
        let consents = &input.consents;
        let given_by = match consents.given_by.trim() {
            "" => Some(ConsentGiver::Person),
            code => ConsentGiver::from_code(code).or_else(|| {
                fail("consent_given_by", FieldProblem::UnknownCode);
                None
            }),
        };
        if (consents.care || consents.research) && !consents.transfer {
            fail("consent_transfer", FieldProblem::ConsentRequired);
        }
        let id = input.link_facility.trim();
        let suggest_facility = id == SUGGEST_FACILITY;
        let link_facility = if suggest_facility {
            None
        } else if id.is_empty() {
            if consents.transfer {
                fail("link_facility", FieldProblem::Required);
            }
            None
        } else if let Ok(uuid) = uuid::Uuid::parse_str(id) {
            Some(OrganisationId::from_uuid(uuid))
        } else {
            fail("link_facility", FieldProblem::UnknownCode);
            None
        };
        match (urgency, given_by) {
            (Some(urgency), Some(given_by)) if errors.is_empty() => Ok(Self {
                need_domains,
                reason: (!reason.is_empty()).then(|| reason.to_owned()),
                urgency,
                link_facility,
                suggest_facility,
                transfer: consents.transfer,
                care: consents.care,
                research: consents.research,
                given_by,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 12 - 03);

    fn person() -> RegistrationInput {
        RegistrationInput {
            given_name: " Erika ".into(),
            family_name: "Mustermann".into(),
            birth_date: "1950-03-14".into(),
            phone: "+49 211 123456".into(),
            postcode: "40210".into(),
            language: "tr".into(),
            other_languages: vec!["de".into(), "tr".into()],
            gender: String::new(),
        }
    }

    fn problems(errors: &[FieldError]) -> Vec<(&str, FieldProblem)> {
        errors.iter().map(|e| (e.field.as_str(), e.problem)).collect()
    }

    #[test]
    fn a_complete_registration_is_accepted_and_trimmed() {
        let r = Registration::parse(&person(), TODAY).unwrap();
        assert_eq!(r.identity.given_name, "Erika");
        assert_eq!(r.identity.birth_date, date!(1950 - 03 - 14));
        assert_eq!(r.languages, ["tr", "de"]);
        assert_eq!(r.gender, Gender::NotStated);
        assert!(!format!("{r:?}").contains("Erika"));
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let input = RegistrationInput {
            given_name: "  ".into(),
            family_name: "x".repeat(101),
            birth_date: "14/03/1950".into(),
            phone: "call me".into(),
            language: "xx".into(),
            gender: "robot".into(),
            ..RegistrationInput::default()
        };
        let errors = Registration::parse(&input, TODAY).unwrap_err();
        assert_eq!(
            problems(&errors),
            [
                ("given_name", FieldProblem::Required),
                ("family_name", FieldProblem::TooLong),
                ("birth_date", FieldProblem::Date),
                ("phone", FieldProblem::Phone),
                ("language", FieldProblem::UnknownCode),
                ("gender", FieldProblem::UnknownCode),
            ]
        );
    }

    #[test]
    fn birth_dates_at_their_boundaries() {
        let at = |birth: &str| {
            Registration::parse(
                &RegistrationInput {
                    birth_date: birth.into(),
                    ..person()
                },
                TODAY,
            )
            .map(|r| r.identity.birth_date)
            .map_err(|e| problems(&e).into_iter().map(|(_, p)| p).collect::<Vec<_>>())
        };
        assert_eq!(at("2026-12-03"), Ok(TODAY));
        assert_eq!(at("2026-12-04"), Err(vec![FieldProblem::DateInFuture]));
        assert_eq!(at("1900-01-01"), Ok(date!(1900 - 01 - 01)));
        assert_eq!(at("1899-12-31"), Err(vec![FieldProblem::DateTooEarly]));
        assert_eq!(at("14.03.1950"), Ok(date!(1950 - 03 - 14)));
        assert_eq!(at("1950-02-30"), Err(vec![FieldProblem::Date]));
        assert_eq!(at(""), Err(vec![FieldProblem::Required]));
    }

    #[test]
    fn telephone_numbers() {
        for good in ["0211 123456", "+45 86 12 34 56", "(0211) 12-34/56"] {
            assert!(is_phone(good), "{good}");
        }
        for bad in ["12345", "0211 12345678901234567", "0211+123456", "0211 12345 x"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn spellings_of_one_name_give_one_blind_index_text() {
        let id = |given: &str, family: &str| PatientIdentity {
            given_name: given.into(),
            family_name: family.into(),
            birth_date: date!(1950 - 03 - 14),
            phone: None,
        };
        let table = [
            (id("Hans-Peter", "Müller"), "mueller|hanspeter|1950-03-14"),
            (id("hans peter", "MUELLER"), "mueller|hanspeter|1950-03-14"),
            (id("Søren", "Kierkegård"), "kierkegaard|soeren|1950-03-14"),
            (id("Zoë", "O'Brien"), "obrien|zoe|1950-03-14"),
            (id("Łukasz", "Wąsik"), "wasik|lukasz|1950-03-14"),
            (id("Erika", "Mustermann"), "mustermann|erika|1950-03-14"),
        ];
        for (identity, expected) in table {
            assert_eq!(blind_index_text(&identity), expected);
        }
        assert_ne!(
            blind_index_text(&id("Erika", "Mustermann")),
            blind_index_text(&id("Erik", "Mustermann"))
        );
    }

    fn prescription() -> PrescriptionInput {
        PrescriptionInput {
            need_domains: vec!["loneliness".into(), "physical-activity".into()],
            reason: "Seit dem Tod des Mannes allein.".into(),
            urgency: String::new(),
            link_facility: "018f0000-0000-7000-8000-000000000001".into(),
            consents: ConsentInput {
                transfer: true,
                care: true,
                research: false,
                given_by: String::new(),
            },
        }
    }

    #[test]
    fn a_prescription_with_transfer_goes_to_its_facility() {
        let need = NeedDomain::ALL[0];
        let input = PrescriptionInput {
            need_domains: vec![need.code().into(), need.code().into()],
            ..prescription()
        };
        let p = PrescriptionRequest::parse(&input).unwrap();
        assert_eq!(p.need_domains, [need]);
        assert_eq!(p.urgency, Urgency::Routine);
        assert!(p.link_facility.is_some());
        assert!(!p.suggest_facility);
        assert_eq!(p.given_by, ConsentGiver::Person);
        assert!(!format!("{p:?}").contains("Mann"));
        // Asking for the suggestion names no facility yet, and is no missing field.
        let suggest = PrescriptionInput {
            link_facility: format!(" {SUGGEST_FACILITY} "),
            ..prescription()
        };
        let p = PrescriptionRequest::parse(&suggest).unwrap();
        assert_eq!((p.link_facility, p.suggest_facility), (None, true));
    }

    #[test]
    fn without_transfer_nothing_goes_anywhere_and_care_is_refused() {
        let mut input = prescription();
        input.need_domains = vec![NeedDomain::ALL[1].code().into()];
        input.consents.transfer = false;
        input.consents.care = false;
        let p = PrescriptionRequest::parse(&input).unwrap();
        assert!(p.link_facility.is_some(), "named for the sheet");
        assert!(!p.transfer);
        input.link_facility = String::new();
        assert_eq!(PrescriptionRequest::parse(&input).unwrap().link_facility, None);
        input.consents.care = true;
        let errors = PrescriptionRequest::parse(&input).unwrap_err();
        assert_eq!(problems(&errors), [("consent_transfer", FieldProblem::ConsentRequired)]);
    }

    #[test]
    fn a_wrong_prescription_names_every_field() {
        let input = PrescriptionInput {
            need_domains: vec!["juggling".into()],
            reason: "x".repeat(MAX_REASON + 1),
            urgency: "yesterday".into(),
            link_facility: String::new(),
            consents: ConsentInput {
                transfer: true,
                care: false,
                research: false,
                given_by: "neighbour".into(),
            },
        };
        let errors = PrescriptionRequest::parse(&input).unwrap_err();
        assert_eq!(
            problems(&errors),
            [
                ("need_domains", FieldProblem::UnknownCode),
                ("reason", FieldProblem::TooLong),
                ("urgency", FieldProblem::UnknownCode),
                ("consent_given_by", FieldProblem::UnknownCode),
                ("link_facility", FieldProblem::Required),
            ]
        );
        let none = PrescriptionInput {
            need_domains: vec![" ".into()],
            ..prescription()
        };
        assert_eq!(
            problems(&PrescriptionRequest::parse(&none).unwrap_err()),
            [("need_domains", FieldProblem::Required)]
        );
    }
}
