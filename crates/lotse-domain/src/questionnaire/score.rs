//! A score as stored and shown: the instrument, the version of its rules, a total, named
//! measures (subscales, derived scores, separately reported items) and bands, all as codes and
//! whole numbers.

use std::fmt;

use super::{Answers, Instrument};

/// A score value: whole points, or hundredths where the published score has two decimals
/// (the SWEMWBS metric score). Whole numbers only, so storing and comparing never rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScoreValue {
    /// Whole points (a sum of item scores, a count, a percentage).
    Points(u16),
    /// Hundredths of a point: `Hundredths(2503)` is 25.03.
    Hundredths(u16),
}

impl ScoreValue {
    /// The value in hundredths of a point, whatever its kind (for storage as one integer).
    pub const fn hundredths(self) -> u32 {
        match self {
            Self::Points(p) => p as u32 * 100,
            Self::Hundredths(h) => h as u32,
        }
    }

    /// The stable code of its kind: `points` or `hundredths`.
    pub const fn kind_code(self) -> &'static str {
        match self {
            Self::Points(_) => "points",
            Self::Hundredths(_) => "hundredths",
        }
    }

    /// The stored number: points for `points`, hundredths for `hundredths`.
    pub const fn stored(self) -> u16 {
        match self {
            Self::Points(n) | Self::Hundredths(n) => n,
        }
    }

    /// Rebuilds a value from its kind code and stored number.
    pub fn from_stored(kind_code: &str, stored: u16) -> Option<Self> {
        match kind_code {
            "points" => Some(Self::Points(stored)),
            "hundredths" => Some(Self::Hundredths(stored)),
            _ => None,
        }
    }
}

impl fmt::Display for ScoreValue {
    /// Points as a whole number (`14`), hundredths with two decimals (`25.03`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Points(p) => write!(f, "{p}"),
            Self::Hundredths(h) => write!(f, "{}.{:02}", h / 100, h % 100),
        }
    }
}

crate::coded_enum! {
    /// A published interpretation band. Which bands an instrument uses, and their limits, are
    /// in the instrument's module; the code is stored and used as an i18n key suffix.
    pub enum Band {
        /// WHO-5 raw 13..=25 (percentage above 50): above the cut-off for poor well-being.
        AboveCutOff => "above_cut_off",
        /// WHO-5 raw 8..=12 (percentage 32..=48): poor well-being, screen for depression.
        PoorWellBeing => "poor_well_being",
        /// WHO-5 raw 0..=7 (percentage up to 28): likely depression.
        LikelyDepression => "likely_depression",
        /// Loneliness below the instrument's cut-off.
        NotLonely => "not_lonely",
        /// Lonely (UCLA-3 6..=9; De Jong Gierveld subscale 1..=3).
        Lonely => "lonely",
        /// De Jong Gierveld 6-item total 2..=4.
        ModeratelyLonely => "moderately_lonely",
        /// De Jong Gierveld 6-item total 5..=6.
        SeverelyLonely => "severely_lonely",
        /// ONS anxiety 0..=1.
        VeryLow => "very_low",
        /// ONS satisfaction, worthwhile, happiness 0..=4; anxiety 2..=3.
        Low => "low",
        /// ONS satisfaction, worthwhile, happiness 5..=6; anxiety 4..=5.
        Medium => "medium",
        /// ONS satisfaction, worthwhile, happiness 7..=8; anxiety 6..=10.
        High => "high",
        /// ONS satisfaction, worthwhile, happiness 9..=10.
        VeryHigh => "very_high",
    }
}

/// One named part of a score besides the total: a subscale, a derived score or a separately
/// reported item. `value` is `None` when the published rules leave it unscored (missing items).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Measure {
    /// Its stable code within the instrument (e.g. `percentage`, `emotional`, `anxiety`).
    pub code: &'static str,
    /// The value, if scored.
    pub value: Option<ScoreValue>,
    /// Its band, where the source publishes bands for it.
    pub band: Option<Band>,
}

/// A scored response: built only by [`Answers::score`] from checked answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Score {
    /// The instrument.
    pub instrument: Instrument,
    /// The rules it was scored by ([`Instrument::version`]), to be stored with it.
    pub version: &'static str,
    /// The total, if the instrument has one and it was scored.
    pub total: Option<ScoreValue>,
    /// The total's band, where the source publishes bands.
    pub band: Option<Band>,
    /// Other measures in a fixed order per instrument.
    pub measures: Vec<Measure>,
}

impl Score {
    /// The measure with this code.
    pub fn measure(&self, code: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.code == code)
    }

    pub(super) fn new(instrument: Instrument, total: Option<ScoreValue>, band: Option<Band>) -> Self {
        Self {
            instrument,
            version: instrument.version(),
            total,
            band,
            measures: Vec::new(),
        }
    }

    pub(super) fn with(mut self, code: &'static str, value: Option<ScoreValue>, band: Option<Band>) -> Self {
        self.measures.push(Measure { code, value, band });
        self
    }
}

/// Why answers were not scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// Items the published rules need were not answered.
    #[error("{instrument} is not scored: item(s) {items:?} not answered and {rule}")]
    MissingItems {
        /// The instrument code.
        instrument: &'static str,
        /// The 1-based numbers of the unanswered items.
        items: Vec<usize>,
        /// The missing-item rule applied, in words.
        rule: &'static str,
    },
    /// Answers to another instrument were given to its scoring function.
    #[error("answers to {got} cannot be scored as {expected}")]
    WrongInstrument {
        /// The instrument the function scores.
        expected: &'static str,
        /// The instrument of the answers.
        got: &'static str,
    },
}

/// The 1-based numbers of unanswered items.
pub(super) fn missing(items: &[Option<u8>]) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_none())
        .map(|(i, _)| i + 1)
        .collect()
}

/// The items of `answers` if they are answers to `instrument`.
pub(super) fn items_of(answers: &Answers, instrument: Instrument) -> Result<&[Option<u8>], ScoreError> {
    if answers.instrument() == instrument {
        Ok(answers.items())
    } else {
        Err(ScoreError::WrongInstrument {
            expected: instrument.code(),
            got: answers.instrument().code(),
        })
    }
}

/// The items of `answers` as numbers when every item is answered (for instruments without a
/// published missing-item rule), else the error naming the missing items.
pub(super) fn complete_items(
    answers: &Answers,
    instrument: Instrument,
    rule: &'static str,
) -> Result<Vec<u8>, ScoreError> {
    let items = items_of(answers, instrument)?;
    let missing = missing(items);
    if missing.is_empty() {
        Ok(items.iter().flatten().copied().collect())
    } else {
        Err(ScoreError::MissingItems {
            instrument: instrument.code(),
            items: missing,
            rule,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_display_and_store_without_rounding() {
        assert_eq!(ScoreValue::Points(14).to_string(), "14");
        assert_eq!(ScoreValue::Hundredths(2503).to_string(), "25.03");
        assert_eq!(ScoreValue::Hundredths(700).to_string(), "7.00");
        assert_eq!(ScoreValue::Points(14).hundredths(), 1400);
        assert_eq!(ScoreValue::Hundredths(951).hundredths(), 951);
        for v in [ScoreValue::Points(52), ScoreValue::Hundredths(3255)] {
            assert_eq!(ScoreValue::from_stored(v.kind_code(), v.stored()), Some(v));
        }
        assert_eq!(ScoreValue::from_stored("percent", 1), None);
    }

    #[test]
    fn band_codes_round_trip() {
        for b in Band::ALL {
            assert_eq!(Band::from_code(b.code()), Some(*b));
        }
    }

    #[test]
    fn scoring_functions_refuse_answers_to_another_instrument() {
        let ucla = Answers::parse(Instrument::Ucla3, vec![Some(1); 3]).unwrap();
        assert_eq!(
            super::super::who5::score(&ucla),
            Err(ScoreError::WrongInstrument {
                expected: "who5",
                got: "ucla3"
            })
        );
    }
}
