//! Questionnaire responses as recorded item answers. Scoring as published comes with the
//! outcomes work; here only the instruments' shapes (item count, response range) are checked.

use time::OffsetDateTime;

use crate::id::{CaseId, ProgrammeId, QuestionnaireResponseId};

/// A validated instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Instrument {
    /// WHO-5 Well-Being Index: 5 items, each 0..=5 (Topp et al. 2015).
    Who5,
    /// UCLA 3-item Loneliness Scale: 3 items, each 1..=3 (Hughes et al. 2004).
    Ucla3,
}

impl Instrument {
    /// Every instrument.
    pub const ALL: [Self; 2] = [Self::Who5, Self::Ucla3];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Who5 => "who5",
            Self::Ucla3 => "ucla3",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }

    /// Number of items.
    pub const fn items(self) -> usize {
        match self {
            Self::Who5 => 5,
            Self::Ucla3 => 3,
        }
    }

    /// The allowed answer range per item.
    pub const fn answer_range(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Self::Who5 => 0..=5,
            Self::Ucla3 => 1..=3,
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
