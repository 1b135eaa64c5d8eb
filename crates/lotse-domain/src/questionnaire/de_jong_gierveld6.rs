//! De Jong Gierveld 6-item Loneliness Scale, with the three answer categories "yes" / "more or
//! less" / "no".
//!
//! Sources: de Jong Gierveld J., van Tilburg T.G. (2006), "A 6-item scale for overall,
//! emotional, and social loneliness: confirmatory tests on survey data", Research on Aging
//! 28(5):582–598 (the items and their subscales); de Jong Gierveld J., van Tilburg T.G. (1999),
//! Manual of the Loneliness Scale, Vrije Universiteit Amsterdam (online edition updated
//! 24-2-2022), section 8 "A short scale": the item order, the dichotomous scoring, the
//! missing-item rule and the categories, all given there as SPSS syntax.
//!
//! Item numbers are the order of the manual's short scale (the order Statistics Netherlands
//! also uses):
//!
//! | item | subscale  | wording         | manual (11-item) number |
//! |------|-----------|-----------------|-------------------------|
//! | 1    | emotional | negative        | 3                       |
//! | 2    | social    | positive        | 4                       |
//! | 3    | social    | positive        | 7                       |
//! | 4    | emotional | negative        | 9                       |
//! | 5    | social    | positive        | 8                       |
//! | 6    | emotional | negative        | 10                      |
//!
//! Answers are stored as 1 = "no", 2 = "more or less", 3 = "yes". This is the coding the
//! manual's syntax assumes: it counts 2 and 3 on the negatively worded items and 1 and 2 on the
//! positively worded ones, and "yes" / "more or less" are the lonely answers to a negative item.

use super::score::{items_of, missing};
use super::{Answers, Band, Instrument, Score, ScoreError, ScoreValue};

/// The stored answer "no".
pub const NO: u8 = 1;
/// The stored answer "more or less".
pub const MORE_OR_LESS: u8 = 2;
/// The stored answer "yes".
pub const YES: u8 = 3;

/// The 1-based items of the emotional loneliness subscale (negatively worded).
pub const EMOTIONAL_ITEMS: [usize; 3] = [1, 4, 6];
/// The 1-based items of the social loneliness subscale (positively worded).
pub const SOCIAL_ITEMS: [usize; 3] = [2, 3, 5];

/// Whether an answer to a 1-based item scores 1 (a lonely answer).
///
/// Negatively worded (emotional) items: "yes" and "more or less" score 1, "no" 0. Positively
/// worded (social) items: "no" and "more or less" score 1, "yes" 0 (manual, section 8; the
/// neutral answer counts as lonely on both).
pub fn item_scores_one(item: usize, answer: u8) -> bool {
    if EMOTIONAL_ITEMS.contains(&item) {
        answer == YES || answer == MORE_OR_LESS
    } else {
        answer == NO || answer == MORE_OR_LESS
    }
}

/// Scores a De Jong Gierveld 6-item response.
///
/// - Response scale: 1 = "no", 2 = "more or less", 3 = "yes" per item (see the module
///   documentation for why this coding).
/// - Item scores (manual, section 8): each item scores 0 or 1 by [`item_scores_one`]; items
///   2, 3 and 5 are positively worded and so reversed.
/// - Total: the number of items scoring 1, 0..=6. Missing items (manual's syntax): the total is
///   scored when at most one of the six items is unanswered, as the count over the answered
///   items, with no imputation; with two or more unanswered it is not scored.
/// - Measures `emotional` (items 1, 4, 6) and `social` (items 2, 3, 5), each 0..=3, scored
///   only when all three of their items are answered (manual's syntax).
/// - Bands (manual's syntax, categories of the six-item scale): total 0..=1
///   [`Band::NotLonely`], 2..=4 [`Band::ModeratelyLonely`], 5..=6 [`Band::SeverelyLonely`];
///   each subscale 0 [`Band::NotLonely`], 1..=3 [`Band::Lonely`].
/// - A response of which neither the total nor a subscale can be scored is refused.
pub fn score(answers: &Answers) -> Result<Score, ScoreError> {
    let items = items_of(answers, Instrument::DeJongGierveld6)?;
    let unanswered = missing(items);
    let count = |numbers: &mut dyn Iterator<Item = usize>| -> u16 {
        numbers
            .filter(|&n| {
                items
                    .get(n - 1)
                    .copied()
                    .flatten()
                    .is_some_and(|a| item_scores_one(n, a))
            })
            .map(|_| 1)
            .sum()
    };
    let total = (unanswered.len() <= 1).then(|| count(&mut (1..=6)));
    let subscale = |numbers: [usize; 3]| -> Option<u16> {
        numbers
            .iter()
            .all(|n| !unanswered.contains(n))
            .then(|| count(&mut numbers.into_iter()))
    };
    let emotional = subscale(EMOTIONAL_ITEMS);
    let social = subscale(SOCIAL_ITEMS);
    if total.is_none() && emotional.is_none() && social.is_none() {
        return Err(ScoreError::MissingItems {
            instrument: Instrument::DeJongGierveld6.code(),
            items: unanswered,
            rule: "the manual scores the total with at most one item missing and a subscale with none",
        });
    }
    let total_band = total.map(|t| match t {
        0..=1 => Band::NotLonely,
        2..=4 => Band::ModeratelyLonely,
        _ => Band::SeverelyLonely,
    });
    let sub_band = |v: Option<u16>| v.map(|v| if v == 0 { Band::NotLonely } else { Band::Lonely });
    Ok(
        Score::new(Instrument::DeJongGierveld6, total.map(ScoreValue::Points), total_band)
            .with("emotional", emotional.map(ScoreValue::Points), sub_band(emotional))
            .with("social", social.map(ScoreValue::Points), sub_band(social)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score_of(items: [Option<u8>; 6]) -> Result<Score, ScoreError> {
        Answers::parse(Instrument::DeJongGierveld6, items.to_vec())
            .unwrap()
            .score()
    }

    fn points(s: &Score, code: &str) -> Option<u16> {
        s.measure(code).unwrap().value.map(|v| match v {
            ScoreValue::Points(p) => p,
            ScoreValue::Hundredths(_) => panic!("hundredths"),
        })
    }

    #[test]
    fn each_items_coding_for_each_answer() {
        // Written out from the manual: negative items (1, 4, 6) count yes and more-or-less;
        // positive items (2, 3, 5) count no and more-or-less.
        let lonely_answers: [(usize, [bool; 3]); 6] = [
            // item, [no, more or less, yes]
            (1, [false, true, true]),
            (2, [true, true, false]),
            (3, [true, true, false]),
            (4, [false, true, true]),
            (5, [true, true, false]),
            (6, [false, true, true]),
        ];
        for (item, expected) in lonely_answers {
            for (answer, lonely) in [NO, MORE_OR_LESS, YES].into_iter().zip(expected) {
                assert_eq!(item_scores_one(item, answer), lonely, "item {item} answer {answer}");
                // And through the whole scoring: the one item alone on top of a not-lonely
                // baseline (emotional items "no", social items "yes").
                let mut items = [Some(NO), Some(YES), Some(YES), Some(NO), Some(YES), Some(NO)];
                items[item - 1] = Some(answer);
                let s = score_of(items).unwrap();
                assert_eq!(
                    s.total,
                    Some(ScoreValue::Points(u16::from(lonely))),
                    "item {item} answer {answer}"
                );
            }
        }
    }

    #[test]
    fn totals_zero_and_six_with_subscales_and_bands() {
        let none = score_of([Some(NO), Some(YES), Some(YES), Some(NO), Some(YES), Some(NO)]).unwrap();
        assert_eq!(none.total, Some(ScoreValue::Points(0)));
        assert_eq!(none.band, Some(Band::NotLonely));
        assert_eq!(
            (points(&none, "emotional"), points(&none, "social")),
            (Some(0), Some(0))
        );
        assert_eq!(none.measure("emotional").unwrap().band, Some(Band::NotLonely));

        let all = score_of([Some(YES), Some(NO), Some(NO), Some(YES), Some(NO), Some(YES)]).unwrap();
        assert_eq!(all.total, Some(ScoreValue::Points(6)));
        assert_eq!(all.band, Some(Band::SeverelyLonely));
        assert_eq!((points(&all, "emotional"), points(&all, "social")), (Some(3), Some(3)));
        assert_eq!(all.measure("social").unwrap().band, Some(Band::Lonely));

        let neutral = score_of([Some(MORE_OR_LESS); 6]).unwrap();
        assert_eq!(neutral.total, Some(ScoreValue::Points(6)));
    }

    #[test]
    fn subscales_are_scored_from_their_own_items() {
        // Emotionally lonely only: items 1, 4, 6 "yes", social items "yes" (not lonely).
        let s = score_of([Some(YES), Some(YES), Some(YES), Some(YES), Some(YES), Some(YES)]).unwrap();
        assert_eq!((points(&s, "emotional"), points(&s, "social")), (Some(3), Some(0)));
        // Socially lonely on one item: item 3 "no".
        let s = score_of([Some(NO), Some(YES), Some(NO), Some(NO), Some(YES), Some(NO)]).unwrap();
        assert_eq!((points(&s, "emotional"), points(&s, "social")), (Some(0), Some(1)));
        assert_eq!(s.measure("social").unwrap().band, Some(Band::Lonely));
    }

    #[test]
    fn total_band_boundaries() {
        // Make `n` emotional-then-social items lonely on a not-lonely baseline.
        let order = [1, 4, 6, 2, 3, 5];
        let expected = [
            (0, Band::NotLonely),
            (1, Band::NotLonely),
            (2, Band::ModeratelyLonely),
            (4, Band::ModeratelyLonely),
            (5, Band::SeverelyLonely),
            (6, Band::SeverelyLonely),
        ];
        for (n, band) in expected {
            let mut items = [Some(NO), Some(YES), Some(YES), Some(NO), Some(YES), Some(NO)];
            for &item in &order[..n] {
                items[item - 1] = Some(if EMOTIONAL_ITEMS.contains(&item) { YES } else { NO });
            }
            let s = score_of(items).unwrap();
            assert_eq!(s.total, Some(ScoreValue::Points(n as u16)));
            assert_eq!(s.band, Some(band), "total {n}");
        }
    }

    #[test]
    fn missing_items_follow_the_manual() {
        // One missing (a social item): total over the five answered, social unscored.
        let s = score_of([Some(YES), None, Some(NO), Some(YES), Some(NO), Some(YES)]).unwrap();
        assert_eq!(s.total, Some(ScoreValue::Points(5)));
        assert_eq!(s.band, Some(Band::SeverelyLonely));
        assert_eq!((points(&s, "emotional"), points(&s, "social")), (Some(3), None));
        assert_eq!(s.measure("social").unwrap().band, None);
        // Two missing, both social: no total, emotional still scored.
        let s = score_of([Some(YES), None, None, Some(NO), Some(NO), Some(YES)]).unwrap();
        assert_eq!(s.total, None);
        assert_eq!(s.band, None);
        assert_eq!((points(&s, "emotional"), points(&s, "social")), (Some(2), None));
        // Two missing, one in each subscale: nothing to score.
        let err = score_of([None, None, Some(NO), Some(YES), Some(NO), Some(YES)]).unwrap_err();
        assert!(matches!(err, ScoreError::MissingItems { instrument: "djg6", items, .. } if items == [1, 2]));
    }

    #[test]
    fn out_of_range_answers_never_reach_scoring() {
        assert!(Answers::parse(Instrument::DeJongGierveld6, vec![Some(0); 6]).is_err());
        assert!(Answers::parse(Instrument::DeJongGierveld6, vec![Some(4); 6]).is_err());
    }
}
