//! ONS personal well-being: the four questions of the Office for National Statistics (life
//! satisfaction, worthwhile, happiness yesterday, anxiety yesterday), each answered 0..=10.
//!
//! Sources: ONS, Personal well-being user guidance and the Government Statistical Service
//! harmonised standard "Personal well-being" (questions as on the Annual Population Survey);
//! ONS thresholds as used in the Personal well-being in the UK bulletins: life satisfaction,
//! worthwhile and happiness 0–4 low, 5–6 medium, 7–8 high, 9–10 very high; anxiety 0–1 very
//! low, 2–3 low, 4–5 medium, 6–10 high.

use super::score::items_of;
use super::{Answers, Band, Instrument, Score, ScoreError, ScoreValue};

/// The measure codes in item order: item 1 life satisfaction, 2 worthwhile, 3 happiness,
/// 4 anxiety.
pub const MEASURES: [&str; 4] = ["life_satisfaction", "worthwhile", "happiness", "anxiety"];

/// The ONS band of a 0..=10 rating of life satisfaction, worthwhile or happiness: 0..=4
/// [`Band::Low`], 5..=6 [`Band::Medium`], 7..=8 [`Band::High`], 9..=10 [`Band::VeryHigh`].
pub const fn positive_band(rating: u8) -> Band {
    match rating {
        0..=4 => Band::Low,
        5..=6 => Band::Medium,
        7..=8 => Band::High,
        _ => Band::VeryHigh,
    }
}

/// The ONS band of a 0..=10 anxiety rating: 0..=1 [`Band::VeryLow`], 2..=3 [`Band::Low`],
/// 4..=5 [`Band::Medium`], 6..=10 [`Band::High`].
pub const fn anxiety_band(rating: u8) -> Band {
    match rating {
        0..=1 => Band::VeryLow,
        2..=3 => Band::Low,
        4..=5 => Band::Medium,
        _ => Band::High,
    }
}

/// Scores an ONS4 response.
///
/// - Response scale: each item 0..=10, 0 "not at all", 10 "completely" (ONS wording).
/// - No total: ONS reports the four measures separately and publishes no composite (ONS
///   personal well-being FAQ). [`Score::total`] and [`Score::band`] are `None`.
/// - Measures in [`MEASURES`] order, each the rating itself with its ONS band
///   ([`positive_band`] for items 1–3, [`anxiety_band`] for item 4). Anxiety is not reversed:
///   a higher rating is more anxiety.
/// - Missing items: each measure stands alone, so an unanswered item leaves only its measure
///   unscored. A response with no item answered is refused.
pub fn score(answers: &Answers) -> Result<Score, ScoreError> {
    let items = items_of(answers, Instrument::Ons4)?;
    if items.iter().all(Option::is_none) {
        return Err(ScoreError::MissingItems {
            instrument: Instrument::Ons4.code(),
            items: (1..=MEASURES.len()).collect(),
            rule: "each ONS measure needs its own item and none was answered",
        });
    }
    Ok(MEASURES
        .iter()
        .zip(items)
        .fold(Score::new(Instrument::Ons4, None, None), |score, (&code, &rating)| {
            let band = |r: u8| {
                if code == "anxiety" {
                    anxiety_band(r)
                } else {
                    positive_band(r)
                }
            };
            score.with(code, rating.map(|r| ScoreValue::Points(u16::from(r))), rating.map(band))
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score_of(items: [Option<u8>; 4]) -> Score {
        Answers::parse(Instrument::Ons4, items.to_vec())
            .unwrap()
            .score()
            .unwrap()
    }

    #[test]
    fn every_threshold_of_the_positive_measures() {
        let expected = [
            (0, Band::Low),
            (4, Band::Low),
            (5, Band::Medium),
            (6, Band::Medium),
            (7, Band::High),
            (8, Band::High),
            (9, Band::VeryHigh),
            (10, Band::VeryHigh),
        ];
        for (rating, band) in expected {
            let s = score_of([Some(rating), Some(rating), Some(rating), Some(0)]);
            for code in ["life_satisfaction", "worthwhile", "happiness"] {
                let m = s.measure(code).unwrap();
                assert_eq!(m.value, Some(ScoreValue::Points(u16::from(rating))));
                assert_eq!(m.band, Some(band), "{code} {rating}");
            }
        }
    }

    #[test]
    fn every_threshold_of_anxiety() {
        let expected = [
            (0, Band::VeryLow),
            (1, Band::VeryLow),
            (2, Band::Low),
            (3, Band::Low),
            (4, Band::Medium),
            (5, Band::Medium),
            (6, Band::High),
            (10, Band::High),
        ];
        for (rating, band) in expected {
            let s = score_of([Some(10), Some(10), Some(10), Some(rating)]);
            let m = s.measure("anxiety").unwrap();
            assert_eq!(m.value, Some(ScoreValue::Points(u16::from(rating))));
            assert_eq!(m.band, Some(band), "anxiety {rating}");
        }
    }

    #[test]
    fn no_total_and_the_measures_in_item_order() {
        let s = score_of([Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(s.total, None);
        assert_eq!(s.band, None);
        let got: Vec<_> = s.measures.iter().map(|m| (m.code, m.value)).collect();
        assert_eq!(
            got,
            [
                ("life_satisfaction", Some(ScoreValue::Points(1))),
                ("worthwhile", Some(ScoreValue::Points(2))),
                ("happiness", Some(ScoreValue::Points(3))),
                ("anxiety", Some(ScoreValue::Points(4))),
            ]
        );
    }

    #[test]
    fn a_missing_item_leaves_only_its_measure_unscored() {
        let s = score_of([Some(8), None, Some(6), Some(2)]);
        assert_eq!(s.measure("worthwhile").unwrap().value, None);
        assert_eq!(s.measure("worthwhile").unwrap().band, None);
        assert_eq!(s.measure("life_satisfaction").unwrap().band, Some(Band::High));
        assert_eq!(s.measure("happiness").unwrap().band, Some(Band::Medium));
        assert_eq!(s.measure("anxiety").unwrap().band, Some(Band::Low));
        let none = Answers::parse(Instrument::Ons4, vec![None; 4]).unwrap();
        assert!(matches!(
            none.score(),
            Err(ScoreError::MissingItems { instrument: "ons4", .. })
        ));
    }

    #[test]
    fn out_of_range_answers_never_reach_scoring() {
        assert!(Answers::parse(Instrument::Ons4, vec![Some(11), Some(0), Some(0), Some(0)]).is_err());
    }
}
