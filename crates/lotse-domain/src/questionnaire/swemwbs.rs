//! Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS), 7 items.
//!
//! Sources: Stewart-Brown S., Tennant A., Tennant R., Platt S., Parkinson J., Weich S. (2009),
//! "Internal construct validity of the Warwick-Edinburgh Mental Well-being Scale (WEMWBS): a
//! Rasch analysis using data from the Scottish Health Education Population Survey", Health and
//! Quality of Life Outcomes 7:15 (the 7 items, response scale 1..=5, the Rasch model); Warwick
//! Medical School, WEMWBS "Guidance on scoring": SWEMWBS is scored by summing the seven items
//! and transforming the raw total by the published conversion table ([`METRIC_HUNDREDTHS`]).
//!
//! The item texts are licensed and are never part of this code: scoring uses item numbers
//! only, and [`super::items`] has no texts for SWEMWBS.

use super::score::complete_items;
use super::{Answers, Instrument, Score, ScoreError, ScoreValue};

/// Lowest raw score (7 items × 1).
pub const RAW_MIN: u16 = 7;

/// The published raw-to-metric conversion table in hundredths: entry `i` is the metric score
/// of raw score `7 + i` (raw 7 → 7.00, 8 → 9.51, …, 35 → 35.00). Warwick Medical School,
/// SWEMWBS conversion table (Rasch transformation, Stewart-Brown et al. 2009). Checked against
/// the table as reproduced in independent public analysis code; no disagreement was found.
pub const METRIC_HUNDREDTHS: [u16; 29] = [
    700, 951, 1125, 1240, 1333, 1408, 1475, 1532, 1584, 1636, 1688, 1743, 1798, 1859, 1925, 1998, 2073, 2154, 2235,
    2321, 2411, 2503, 2602, 2703, 2813, 2931, 3070, 3255, 3500,
];

/// The metric score of a raw score, `None` outside 7..=35.
pub fn metric(raw: u16) -> Option<ScoreValue> {
    let index = usize::from(raw.checked_sub(RAW_MIN)?);
    METRIC_HUNDREDTHS.get(index).map(|&h| ScoreValue::Hundredths(h))
}

/// Scores a SWEMWBS response.
///
/// - Response scale: each of the 7 items 1..=5 ("None of the time" = 1 … "All of the time"
///   = 5); all items positively worded, none reversed (Stewart-Brown et al. 2009).
/// - Measure `raw`: the sum of the 7 items, 7..=35 (Warwick scoring guidance).
/// - Total: the metric score from the conversion table, in hundredths (7.00..=35.00),
///   [`METRIC_HUNDREDTHS`] (Warwick scoring guidance: comparisons across studies need the
///   converted score).
/// - No band: Lotse applies no cut-off to SWEMWBS (none is part of the cited sources).
/// - Missing items: the conversion table is defined for complete responses only and Lotse has
///   no published SWEMWBS imputation rule it is certain of, so a response with any unanswered
///   item is not scored.
pub fn score(answers: &Answers) -> Result<Score, ScoreError> {
    let items = complete_items(
        answers,
        Instrument::Swemwbs,
        "the SWEMWBS conversion table is defined for complete responses only",
    )?;
    let raw: u16 = items.iter().map(|&v| u16::from(v)).sum();
    // `Answers` keeps every item in 1..=5, so `raw` is in 7..=35 and `metric` finds it.
    Ok(Score::new(Instrument::Swemwbs, metric(raw), None).with("raw", Some(ScoreValue::Points(raw)), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published table, written out independently of `METRIC_HUNDREDTHS` as the text a
    /// reader would compare with the Warwick table.
    const ORACLE: [(u8, &str); 29] = [
        (7, "7.00"),
        (8, "9.51"),
        (9, "11.25"),
        (10, "12.40"),
        (11, "13.33"),
        (12, "14.08"),
        (13, "14.75"),
        (14, "15.32"),
        (15, "15.84"),
        (16, "16.36"),
        (17, "16.88"),
        (18, "17.43"),
        (19, "17.98"),
        (20, "18.59"),
        (21, "19.25"),
        (22, "19.98"),
        (23, "20.73"),
        (24, "21.54"),
        (25, "22.35"),
        (26, "23.21"),
        (27, "24.11"),
        (28, "25.03"),
        (29, "26.02"),
        (30, "27.03"),
        (31, "28.13"),
        (32, "29.31"),
        (33, "30.70"),
        (34, "32.55"),
        (35, "35.00"),
    ];

    /// Seven answers summing to `raw` (7..=35).
    fn with_raw(raw: u8) -> Answers {
        let mut extra = raw - 7;
        let items = (0..7)
            .map(|_| {
                let v = extra.min(4);
                extra -= v;
                Some(1 + v)
            })
            .collect();
        Answers::parse(Instrument::Swemwbs, items).unwrap()
    }

    #[test]
    fn the_whole_conversion_table_through_scoring() {
        for (raw, metric) in ORACLE {
            let s = with_raw(raw).score().unwrap();
            assert_eq!(
                s.measure("raw").unwrap().value,
                Some(ScoreValue::Points(u16::from(raw)))
            );
            assert_eq!(s.total.unwrap().to_string(), metric, "raw {raw}");
            assert_eq!(s.band, None);
        }
    }

    #[test]
    fn the_table_is_strictly_increasing_and_bounded() {
        assert!(METRIC_HUNDREDTHS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(metric(6), None);
        assert_eq!(metric(36), None);
        assert_eq!(metric(0), None);
    }

    #[test]
    fn order_of_items_does_not_matter() {
        let a = Answers::parse(Instrument::Swemwbs, [5, 1, 4, 2, 3, 3, 2].map(Some).to_vec()).unwrap();
        let s = a.score().unwrap();
        assert_eq!(s.measure("raw").unwrap().value, Some(ScoreValue::Points(20)));
        assert_eq!(s.total, Some(ScoreValue::Hundredths(1859)));
    }

    #[test]
    fn any_missing_item_refuses_the_score() {
        let a = Answers::parse(
            Instrument::Swemwbs,
            vec![Some(3), Some(3), Some(3), None, Some(3), Some(3), Some(3)],
        )
        .unwrap();
        assert!(
            matches!(a.score(), Err(ScoreError::MissingItems { instrument: "swemwbs", items, .. }) if items == [4])
        );
    }

    #[test]
    fn out_of_range_answers_are_refused() {
        for bad in [0, 6] {
            let mut items = vec![Some(3); 7];
            items[6] = Some(bad);
            assert!(Answers::parse(Instrument::Swemwbs, items).is_err(), "{bad}");
        }
    }
}
