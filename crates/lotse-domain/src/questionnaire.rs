//! Questionnaire responses as recorded item answers, and their scores exactly as published.
//!
//! An [`Answers`] value is checked against its instrument's shape (item count, response
//! range); only checked answers are scored ([`Answers::score`]). Each instrument's rules live in
//! its own module, each rule with its source: [`who5`], [`ucla3`], [`de_jong_gierveld6`],
//! [`ons4`], [`swemwbs`]. A [`Score`] holds codes and whole numbers only (hundredths where the
//! published score has decimals), so it can be stored as it is and shown without rounding.
//! Validated item texts by language are in [`items`].

use time::OffsetDateTime;

use crate::id::{CaseId, ProgrammeId, QuestionnaireResponseId};

pub mod de_jong_gierveld6;
pub mod items;
pub mod ons4;
mod score;
pub mod swemwbs;
pub mod ucla3;
pub mod who5;
pub mod wording;

pub use score::{Band, Measure, Score, ScoreError, ScoreValue};

/// A validated instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Instrument {
    /// WHO-5 Well-Being Index: 5 items, each 0..=5 (Topp et al. 2015).
    Who5,
    /// UCLA 3-item Loneliness Scale: 3 items, each 1..=3 (Hughes et al. 2004).
    Ucla3,
    /// De Jong Gierveld 6-item Loneliness Scale: 6 items, each 1..=3 ("no" / "more or less" /
    /// "yes"; de Jong Gierveld & van Tilburg 2006).
    DeJongGierveld6,
    /// ONS personal well-being (ONS4): 4 items, each 0..=10 (Office for National Statistics).
    Ons4,
    /// Short Warwick-Edinburgh Mental Wellbeing Scale: 7 items, each 1..=5 (Stewart-Brown et al.
    /// 2009).
    Swemwbs,
}

impl Instrument {
    /// Every instrument.
    pub const ALL: [Self; 5] = [
        Self::Who5,
        Self::Ucla3,
        Self::DeJongGierveld6,
        Self::Ons4,
        Self::Swemwbs,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Who5 => "who5",
            Self::Ucla3 => "ucla3",
            Self::DeJongGierveld6 => "djg6",
            Self::Ons4 => "ons4",
            Self::Swemwbs => "swemwbs",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }

    /// The published version and the scoring rules Lotse applies, stored with every score so
    /// that a score can always be traced to its rules. A change of rules gets a new string.
    pub const fn version(self) -> &'static str {
        match self {
            Self::Who5 => "WHO-5 (1998 version, Psychiatric Research Unit, Hillerød); cut-offs Topp et al. 2015",
            Self::Ucla3 => "UCLA 3-item Loneliness Scale (Hughes et al. 2004, Research on Aging 26(6)); lonely 6-9",
            Self::DeJongGierveld6 => {
                "De Jong Gierveld 6-item Loneliness Scale, 3 answer categories (de Jong Gierveld & van Tilburg \
                 2006, Research on Aging 28(5)); scoring and cut-offs per the Manual of the Loneliness Scale \
                 (1999, updated 2022)"
            }
            Self::Ons4 => "ONS personal well-being, 4 questions (ONS Annual Population Survey wording); ONS thresholds",
            Self::Swemwbs => {
                "SWEMWBS (Stewart-Brown et al. 2009, Health Qual Life Outcomes 7:15); Rasch raw-to-metric \
                 conversion table, Warwick Medical School"
            }
        }
    }

    /// Whether the instrument's texts are licensed: never committed, imported by a programme
    /// that holds the licence (`lotse import instrument`), offered only where imported.
    pub const fn is_licensed(self) -> bool {
        matches!(self, Self::Swemwbs)
    }

    /// Number of items.
    pub const fn items(self) -> usize {
        match self {
            Self::Who5 => 5,
            Self::Ucla3 => 3,
            Self::DeJongGierveld6 => 6,
            Self::Ons4 => 4,
            Self::Swemwbs => 7,
        }
    }

    /// The allowed answer range per item (the same for every item of an instrument).
    pub const fn answer_range(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Self::Who5 => 0..=5,
            Self::Ucla3 | Self::DeJongGierveld6 => 1..=3,
            Self::Ons4 => 0..=10,
            Self::Swemwbs => 1..=5,
        }
    }
}

/// When in the case the questionnaire was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timepoint {
    /// At the start.
    Baseline,
    /// At follow-up.
    FollowUp,
}

impl Timepoint {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::FollowUp => "follow_up",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Baseline, Self::FollowUp].into_iter().find(|t| t.code() == code)
    }
}

/// Why answers were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswersError {
    /// Wrong number of answers.
    #[error("{instrument} has {expected} items, {got} answers were given")]
    WrongCount {
        /// The instrument code.
        instrument: &'static str,
        /// Items it has.
        expected: usize,
        /// Answers given.
        got: usize,
    },
    /// An answer out of range.
    #[error("answer {value} to item {item} is outside {min}..={max}")]
    OutOfRange {
        /// 1-based item number.
        item: usize,
        /// The answer.
        value: u8,
        /// Lowest allowed.
        min: u8,
        /// Highest allowed.
        max: u8,
    },
}

/// Answers to one instrument, checked against its shape (`None` = item not answered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    instrument: Instrument,
    items: Vec<Option<u8>>,
}

impl Answers {
    /// Validates answers.
    pub fn parse(instrument: Instrument, items: Vec<Option<u8>>) -> Result<Self, AnswersError> {
        if items.len() != instrument.items() {
            return Err(AnswersError::WrongCount {
                instrument: instrument.code(),
                expected: instrument.items(),
                got: items.len(),
            });
        }
        let range = instrument.answer_range();
        for (i, value) in items.iter().enumerate() {
            if let Some(v) = value
                && !range.contains(v)
            {
                return Err(AnswersError::OutOfRange {
                    item: i + 1,
                    value: *v,
                    min: *range.start(),
                    max: *range.end(),
                });
            }
        }
        Ok(Self { instrument, items })
    }

    /// The instrument.
    pub const fn instrument(&self) -> Instrument {
        self.instrument
    }

    /// The item answers in order.
    pub fn items(&self) -> &[Option<u8>] {
        &self.items
    }

    /// Scores the answers by the instrument's published rules (see the instrument's module:
    /// [`who5::score`], [`ucla3::score`], [`de_jong_gierveld6::score`], [`ons4::score`],
    /// [`swemwbs::score`]). Refused when items the rules need are missing.
    pub fn score(&self) -> Result<Score, ScoreError> {
        match self.instrument {
            Instrument::Who5 => who5::score(self),
            Instrument::Ucla3 => ucla3::score(self),
            Instrument::DeJongGierveld6 => de_jong_gierveld6::score(self),
            Instrument::Ons4 => ons4::score(self),
            Instrument::Swemwbs => swemwbs::score(self),
        }
    }
}

/// A recorded questionnaire response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionnaireResponse {
    /// Its id.
    pub id: QuestionnaireResponseId,
    /// Its programme.
    pub programme: ProgrammeId,
    /// The case.
    pub case: CaseId,
    /// When in the case.
    pub timepoint: Timepoint,
    /// The answers.
    pub answers: Answers,
    /// When answered.
    pub answered_at: OffsetDateTime,
    /// Who gave the answers.
    pub answered_by: AnsweredBy,
}

/// Who gave a questionnaire's answers: the person alone (through a self-completion link), or
/// the link worker with the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnsweredBy {
    /// The person, on their own device.
    Person,
    /// The link worker, asking the person.
    LinkWorkerWithPerson,
}

impl AnsweredBy {
    /// The stable code (stored in `questionnaire_response.answered_by`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::LinkWorkerWithPerson => "link_worker_with_person",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Person, Self::LinkWorkerWithPerson]
            .into_iter()
            .find(|a| a.code() == code)
    }
}

impl Timepoint {
    /// Every timepoint.
    pub const ALL: [Self; 2] = [Self::Baseline, Self::FollowUp];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_every_instrument_has_its_shape_and_version() {
        let codes: Vec<_> = Instrument::ALL.iter().map(|i| i.code()).collect();
        assert_eq!(codes, ["who5", "ucla3", "djg6", "ons4", "swemwbs"]);
        let shapes: Vec<_> = Instrument::ALL.iter().map(|i| (i.items(), i.answer_range())).collect();
        assert_eq!(shapes, [(5, 0..=5), (3, 1..=3), (6, 1..=3), (4, 0..=10), (7, 1..=5)]);
        for i in Instrument::ALL {
            assert_eq!(Instrument::from_code(i.code()), Some(i));
            assert!(!i.version().is_empty());
        }
        assert_eq!(Instrument::from_code("ucla20"), None);
    }

    #[test]
    fn a_score_carries_the_instrument_and_its_version() {
        let items = |i: Instrument| vec![Some(*i.answer_range().start()); i.items()];
        for i in Instrument::ALL {
            let s = Answers::parse(i, items(i)).unwrap().score().unwrap();
            assert_eq!((s.instrument, s.version), (i, i.version()));
        }
    }

    #[test]
    fn answers_are_checked_against_the_instrument() {
        assert!(Answers::parse(Instrument::Who5, vec![Some(3); 5]).is_ok());
        assert!(Answers::parse(Instrument::Who5, vec![Some(3), None, Some(0), Some(5), Some(1)]).is_ok());
        assert_eq!(
            Answers::parse(Instrument::Ucla3, vec![Some(1); 4]),
            Err(AnswersError::WrongCount {
                instrument: "ucla3",
                expected: 3,
                got: 4
            })
        );
        assert_eq!(
            Answers::parse(Instrument::Ucla3, vec![Some(1), Some(0), Some(2)]),
            Err(AnswersError::OutOfRange {
                item: 2,
                value: 0,
                min: 1,
                max: 3
            })
        );
    }
}
