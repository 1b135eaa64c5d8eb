//! A person receiving support. Identity (name, birth date, contact) is kept apart from the
//! derived attributes reports use (age band, gender, language): the identity row is what
//! erasure and retention overwrite; reports never read it.

use time::Date;

use crate::id::{AreaId, PatientId, ProgrammeId};

/// Identifying data. Lives in its own table; every read and write is audited.
#[derive(Clone, PartialEq, Eq)]
pub struct PatientIdentity {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub birth_date: Date,
    /// Phone number, if the person gave one.
    pub phone: Option<String>,
}

impl std::fmt::Debug for PatientIdentity {
    /// Never prints personal data (logs must not hold it).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PatientIdentity(***)")
    }
}

/// Gender as recorded for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Diverse / non-binary.
    Diverse,
    /// Not stated.
    NotStated,
}

impl Gender {
    /// Every value.
    pub const ALL: [Self; 4] = [Self::Female, Self::Male, Self::Diverse, Self::NotStated];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Diverse => "diverse",
            Self::NotStated => "not_stated",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// The age band at referral, as reports use it.
pub fn age_band(birth_date: Date, on: Date) -> &'static str {
    let mut age = on.year() - birth_date.year();
    if (on.month() as u8, on.day()) < (birth_date.month() as u8, birth_date.day()) {
        age -= 1;
    }
    match age {
        ..18 => "0-17",
        18..=29 => "18-29",
        30..=44 => "30-44",
        45..=64 => "45-64",
        65..=79 => "65-79",
        _ => "80+",
    }
}

/// What reports may know about a person: derived, not identifying on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientProfile {
    /// Its id.
    pub id: PatientId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// Age band at first referral.
    pub age_band: String,
    /// Gender.
    pub gender: Gender,
    /// Preferred language (BCP 47 tag; may be a sheet language such as `tr`).
    pub language: String,
    /// Home postcode (a postcode of the programme's table): its centroid is the person's home
    /// for search. Cleared by erasure.
    pub home_postcode: Option<String>,
    /// Home area (the finest area of the administrative set), for search without a postcode
    /// and for equity reports.
    pub home_area: Option<AreaId>,
    /// Every language the person speaks, theirs first (empty: only `language` is known).
    pub languages: Vec<String>,
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn age_bands_count_birthdays() {
        assert_eq!(age_band(date!(1960 - 05 - 10), date!(2025 - 05 - 09)), "45-64");
        assert_eq!(age_band(date!(1960 - 05 - 10), date!(2025 - 05 - 10)), "65-79");
        assert_eq!(age_band(date!(2010 - 01 - 01), date!(2025 - 05 - 10)), "0-17");
        let identity = PatientIdentity {
            given_name: "Erika".into(),
            family_name: "Mustermann".into(),
            birth_date: date!(1950 - 01 - 01),
            phone: None,
        };
        assert!(!format!("{identity:?}").contains("Erika"));
    }
}
