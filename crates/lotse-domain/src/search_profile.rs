//! What a person looks for in an offer beyond their needs and languages: their search profile
//! ("Suchprofil", "søgeprofil"), agreed with the link worker. Interests (offer categories they
//! like), how far they can travel, the accessibility they need, what they can pay, and when
//! they are free. The case's offer search reads it: distance, accessibility and cost limit the
//! results (hard constraints), interests and free times rank matching offers higher (soft
//! preferences). This module parses and checks it; it does no I/O.

use serde::{Deserialize, Serialize};
use time::Weekday;

use crate::field::{FieldError, FieldProblem};
use crate::offer::{AccessibilityFeature, CostKind, DayPart, OfferCategory};
use crate::offer_edit::weekday;

/// The farthest a person may be said to travel, in kilometres (the search's radius limit).
pub const MAX_DISTANCE_KM: u16 = 100;

/// A person's search profile, checked. Lists are in the order of their kind's `ALL`, without
/// repeats.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "ProfileCodes", try_from = "ProfileCodes")]
pub struct SearchProfile {
    /// Kinds of offer the person likes (soft).
    pub interests: Vec<OfferCategory>,
    /// How far from home they can travel, in km (hard, where home is known).
    pub max_distance_km: Option<u16>,
    /// Features an offer must have for them (hard).
    pub accessibility: Vec<AccessibilityFeature>,
    /// The most they can pay (hard: free < reduced < paid).
    pub max_cost: Option<CostKind>,
    /// When they are free (soft).
    pub free_times: Vec<(Weekday, DayPart)>,
}

/// A search profile as a form or an API body gives it: codes, and the distance as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchProfileInput {
    /// `OfferCategory` codes.
    pub interests: Vec<String>,
    /// Whole kilometres, 1 to [`MAX_DISTANCE_KM`]; empty for no limit.
    pub max_distance_km: String,
    /// `AccessibilityFeature` codes.
    pub accessibility: Vec<String>,
    /// A `CostKind` code; empty for no limit.
    pub max_cost: String,
    /// Free times as `<weekday 1–7>-<part of the day>`, e.g. `2-morning` (Tuesday morning).
    pub free_times: Vec<String>,
}

/// The code of a free time: `2-morning` for Tuesday morning.
#[must_use]
pub fn free_time_code(day: Weekday, part: DayPart) -> String {
    format!("{}-{}", day.number_from_monday(), part.code())
}

fn parse_free_time(code: &str) -> Option<(Weekday, DayPart)> {
    let (day, part) = code.trim().split_once('-')?;
    Some((weekday(day)?, DayPart::from_code(part)?))
}

/// Parses each code of a list; one field error if any is unknown. Sorted by `rank`, no repeats.
fn codes<T: Copy + PartialEq>(
    errors: &mut Vec<FieldError>,
    field: &str,
    values: &[String],
    parse: impl Fn(&str) -> Option<T>,
    rank: impl Fn(&T) -> usize,
) -> Vec<T> {
    let mut out = Vec::new();
    for value in values {
        let Some(v) = parse(value.trim()) else {
            errors.push(FieldError::new(field, FieldProblem::UnknownCode));
            return Vec::new();
        };
        out.push(v);
    }
    out.sort_by_key(&rank);
    out.dedup();
    out
}

/// The position of a coded value in its kind's `ALL`.
fn rank_in<T: PartialEq>(all: &'static [T]) -> impl Fn(&T) -> usize {
    move |x| all.iter().position(|a| a == x).unwrap_or(usize::MAX)
}

impl SearchProfile {
    /// Checks a profile: every code known (else `UnknownCode` on its field), the distance a
    /// whole number of km from 1 to [`MAX_DISTANCE_KM`] (`Number` if not a number,
    /// `OutOfRange` outside), at most 21 free times (7 days × 3 parts). Every wrong field is
    /// named at once.
    pub fn parse(input: &SearchProfileInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let interests = codes(
            &mut errors,
            "interests",
            &input.interests,
            OfferCategory::from_code,
            rank_in(OfferCategory::ALL),
        );
        let max_distance_km = match input.max_distance_km.trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(km) if (1..=u32::from(MAX_DISTANCE_KM)).contains(&km) => u16::try_from(km).ok(),
                Ok(_) => {
                    errors.push(FieldError::new("max_distance_km", FieldProblem::OutOfRange));
                    None
                }
                Err(_) => {
                    errors.push(FieldError::new("max_distance_km", FieldProblem::Number));
                    None
                }
            },
        };
        let accessibility = codes(
            &mut errors,
            "accessibility",
            &input.accessibility,
            AccessibilityFeature::from_code,
            rank_in(AccessibilityFeature::ALL),
        );
        let max_cost = match input.max_cost.trim() {
            "" => None,
            code => {
                let cost = CostKind::from_code(code);
                if cost.is_none() {
                    errors.push(FieldError::new("max_cost", FieldProblem::UnknownCode));
                }
                cost
            }
        };
        let free_times = if input.free_times.len() > 7 * DayPart::ALL.len() {
            errors.push(FieldError::new("free_times", FieldProblem::TooMany));
            Vec::new()
        } else {
            let parts = rank_in(DayPart::ALL);
            codes(
                &mut errors,
                "free_times",
                &input.free_times,
                parse_free_time,
                |(day, part)| usize::from(day.number_from_monday()) * 3 + parts(part),
            )
        };
        if errors.is_empty() {
            Ok(Self {
                interests,
                max_distance_km,
                accessibility,
                max_cost,
                free_times,
            })
        } else {
            Err(errors)
        }
    }

    /// The profile as a form shows it (the inverse of [`parse`](Self::parse)).
    #[must_use]
    pub fn input(&self) -> SearchProfileInput {
        ProfileCodes::from(self.clone()).into_input()
    }

    /// Nothing is said.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The stored form: codes (sealed as JSON by the store).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ProfileCodes {
    interests: Vec<String>,
    max_distance_km: Option<u16>,
    accessibility: Vec<String>,
    max_cost: Option<String>,
    free_times: Vec<String>,
}

impl ProfileCodes {
    fn into_input(self) -> SearchProfileInput {
        SearchProfileInput {
            interests: self.interests,
            max_distance_km: self.max_distance_km.map(|km| km.to_string()).unwrap_or_default(),
            accessibility: self.accessibility,
            max_cost: self.max_cost.unwrap_or_default(),
            free_times: self.free_times,
        }
    }
}

impl From<SearchProfile> for ProfileCodes {
    fn from(p: SearchProfile) -> Self {
        Self {
            interests: p.interests.iter().map(|c| c.code().to_owned()).collect(),
            max_distance_km: p.max_distance_km,
            accessibility: p.accessibility.iter().map(|a| a.code().to_owned()).collect(),
            max_cost: p.max_cost.map(|c| c.code().to_owned()),
            free_times: p.free_times.iter().map(|(d, part)| free_time_code(*d, *part)).collect(),
        }
    }
}

impl TryFrom<ProfileCodes> for SearchProfile {
    type Error = String;

    fn try_from(codes: ProfileCodes) -> Result<Self, Self::Error> {
        Self::parse(&codes.into_input()).map_err(|errors| {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            format!("a stored search profile has wrong fields: {}", fields.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(interests: &[&str], km: &str, access: &[&str], cost: &str, times: &[&str]) -> SearchProfileInput {
        let v = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect();
        SearchProfileInput {
            interests: v(interests),
            max_distance_km: km.to_owned(),
            accessibility: v(access),
            max_cost: cost.to_owned(),
            free_times: v(times),
        }
    }

    #[test]
    fn a_profile_parses_sorted_without_repeats_and_reads_back() {
        let parsed = SearchProfile::parse(&input(
            &["sport", "group", "sport"],
            " 5 ",
            &["step-free"],
            "reduced",
            &["3-evening", "1-morning", "1-morning"],
        ))
        .unwrap();
        assert_eq!(parsed.interests, [OfferCategory::Group, OfferCategory::Sport]);
        assert_eq!(parsed.max_distance_km, Some(5));
        assert_eq!(parsed.accessibility, [AccessibilityFeature::StepFree]);
        assert_eq!(parsed.max_cost, Some(CostKind::Reduced));
        assert_eq!(
            parsed.free_times,
            [
                (Weekday::Monday, DayPart::Morning),
                (Weekday::Wednesday, DayPart::Evening)
            ]
        );
        assert_eq!(SearchProfile::parse(&parsed.input()).unwrap(), parsed);
        let json = serde_json::to_string(&parsed).unwrap();
        assert_eq!(
            json,
            r#"{"interests":["group","sport"],"max_distance_km":5,"accessibility":["step-free"],"max_cost":"reduced","free_times":["1-morning","3-evening"]}"#
        );
        assert_eq!(serde_json::from_str::<SearchProfile>(&json).unwrap(), parsed);
        assert!(SearchProfile::parse(&SearchProfileInput::default()).unwrap().is_empty());
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        // (distance as typed, the problem expected): a table written by hand.
        for (km, problem) in [
            ("0", Some(FieldProblem::OutOfRange)),
            ("1", None),
            ("100", None),
            ("101", Some(FieldProblem::OutOfRange)),
            ("-3", Some(FieldProblem::Number)),
            ("2.5", Some(FieldProblem::Number)),
            ("weit", Some(FieldProblem::Number)),
            ("", None),
        ] {
            let got = SearchProfile::parse(&input(&[], km, &[], "", &[])).err();
            assert_eq!(
                got,
                problem.map(|p| vec![FieldError::new("max_distance_km", p)]),
                "{km:?}"
            );
        }
        let errors =
            SearchProfile::parse(&input(&["opera"], "", &["lift"], "cheap", &["8-morning", "1-night"])).unwrap_err();
        let named: Vec<(&str, FieldProblem)> = errors.iter().map(|e| (e.field.as_str(), e.problem)).collect();
        assert_eq!(
            named,
            [
                ("interests", FieldProblem::UnknownCode),
                ("accessibility", FieldProblem::UnknownCode),
                ("max_cost", FieldProblem::UnknownCode),
                ("free_times", FieldProblem::UnknownCode),
            ]
        );
        let all_week: Vec<&str> = ["1-morning"; 22].to_vec();
        let too_many = SearchProfile::parse(&input(&[], "", &[], "", &all_week)).unwrap_err();
        assert_eq!(too_many, [FieldError::new("free_times", FieldProblem::TooMany)]);
        let corrupt =
            r#"{"interests":["opera"],"max_distance_km":null,"accessibility":[],"max_cost":null,"free_times":[]}"#;
        assert!(serde_json::from_str::<SearchProfile>(corrupt).is_err());
    }
}
