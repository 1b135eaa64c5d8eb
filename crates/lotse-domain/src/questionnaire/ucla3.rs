//! UCLA 3-item Loneliness Scale.
//!
//! Source: Hughes M.E., Waite L.J., Hawkley L.C., Cacioppo J.T. (2004), "A short scale for
//! measuring loneliness in large surveys: results from two population-based studies", Research
//! on Aging 26(6):655–672 (items, response scale "Hardly ever" = 1, "Some of the time" = 2,
//! "Often" = 3, total = sum 3..=9).
//!
//! Cut-off: Hughes et al. publish no cut-off. Lotse uses the split 3..=5 not lonely, 6..=9
//! lonely, the convention used in UK work with the English Longitudinal Study of Ageing and
//! commonly attributed to Steptoe A., Shankar A., Demakakos P., Wardle J. (2013), PNAS
//! 110(15):5797–5801. That attribution was not checked against the paper; other studies use
//! ≥ 4 or three bands, so compare bands only between sources using the same split.

use super::score::complete_items;
use super::{Answers, Band, Instrument, Score, ScoreError, ScoreValue};

/// Lowest total read as lonely (the 6..=9 convention, see the module documentation).
pub const LONELY_MIN: u16 = 6;

/// Scores a UCLA-3 response.
///
/// - Response scale: each of the 3 items 1..=3, "Hardly ever" = 1, "Some of the time" = 2,
///   "Often" = 3; all items negatively worded (more often = lonelier), none reversed (Hughes
///   et al. 2004).
/// - Total: the sum, 3..=9 (Hughes et al. 2004).
/// - Band: 6..=9 [`Band::Lonely`], 3..=5 [`Band::NotLonely`] (convention, see the module
///   documentation for its source and uncertainty).
/// - Missing items: Hughes et al. publish no imputation, so a response with any unanswered
///   item is not scored.
pub fn score(answers: &Answers) -> Result<Score, ScoreError> {
    let items = complete_items(
        answers,
        Instrument::Ucla3,
        "the UCLA-3 has no published rule for missing items",
    )?;
    let total: u16 = items.iter().map(|&v| u16::from(v)).sum();
    let band = if total >= LONELY_MIN {
        Band::Lonely
    } else {
        Band::NotLonely
    };
    Ok(Score::new(
        Instrument::Ucla3,
        Some(ScoreValue::Points(total)),
        Some(band),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score_of(items: [u8; 3]) -> Score {
        Answers::parse(Instrument::Ucla3, items.iter().map(|&v| Some(v)).collect())
            .unwrap()
            .score()
            .unwrap()
    }

    #[test]
    fn every_boundary_of_total_and_band() {
        let expected = [
            ([1, 1, 1], 3, "not_lonely"),
            ([1, 2, 2], 5, "not_lonely"),
            ([2, 2, 2], 6, "lonely"),
            ([3, 1, 2], 6, "lonely"),
            ([3, 3, 3], 9, "lonely"),
        ];
        for (items, total, band) in expected {
            let s = score_of(items);
            assert_eq!(s.total, Some(ScoreValue::Points(total)), "{items:?}");
            assert_eq!(s.band.map(Band::code), Some(band), "{items:?}");
        }
    }

    #[test]
    fn any_missing_item_refuses_the_score() {
        let a = Answers::parse(Instrument::Ucla3, vec![Some(3), Some(3), None]).unwrap();
        assert!(matches!(a.score(), Err(ScoreError::MissingItems { instrument: "ucla3", items, .. }) if items == [3]));
    }

    #[test]
    fn out_of_range_answers_never_reach_scoring() {
        assert!(Answers::parse(Instrument::Ucla3, vec![Some(0), Some(1), Some(1)]).is_err());
        assert!(Answers::parse(Instrument::Ucla3, vec![Some(4), Some(1), Some(1)]).is_err());
    }
}
