//! WHO-5 Well-Being Index, 1998 version (Psychiatric Research Unit, WHO Collaborating Centre
//! in Mental Health, Frederiksborg General Hospital, Hillerød).
//!
//! Sources: the WHO-5 form of the Psychiatric Research Unit (items, six response categories
//! "All of the time" = 5 … "At no time" = 0, raw score = sum, percentage = raw × 4); Topp C.W.,
//! Østergaard S.D., Søndergaard S., Bech P. (2015), "The WHO-5 Well-Being Index: a systematic
//! review of the literature", Psychotherapy and Psychosomatics 84:167–176 (cut-offs).

use super::score::complete_items;
use super::{Answers, Band, Instrument, Score, ScoreError, ScoreValue};

/// Highest raw score (0..=25) read as poor well-being, an indication to screen for depression:
/// raw ≤ 12, percentage ≤ 50 (Topp et al. 2015).
pub const POOR_WELL_BEING_MAX_RAW: u16 = 12;

/// Highest raw score read as likely depression: raw ≤ 7, percentage ≤ 28 (Topp et al. 2015).
pub const LIKELY_DEPRESSION_MAX_RAW: u16 = 7;

/// Scores a WHO-5 response.
///
/// - Response scale: each of the 5 items 0..=5, "At no time" = 0 … "All of the time" = 5; all
///   items positively worded, none reversed (PRU WHO-5 form, 1998 version).
/// - Total: the raw score, the sum of the 5 items, 0..=25 (PRU form).
/// - Measure `percentage`: raw × 4, 0..=100 (PRU form; Topp et al. 2015).
/// - Band of the total (Topp et al. 2015): raw ≤ 7 (percentage ≤ 28) [`Band::LikelyDepression`];
///   raw 8..=12 (percentage 32..=48, i.e. ≤ 50) [`Band::PoorWellBeing`], an indication to
///   screen for depression; raw ≥ 13 [`Band::AboveCutOff`].
/// - Missing items: the WHO-5 has no published imputation, so a response with any unanswered
///   item is not scored ([`ScoreError::MissingItems`] names the items).
pub fn score(answers: &Answers) -> Result<Score, ScoreError> {
    let items = complete_items(
        answers,
        Instrument::Who5,
        "the WHO-5 has no published rule for missing items",
    )?;
    let raw: u16 = items.iter().map(|&v| u16::from(v)).sum();
    let band = if raw <= LIKELY_DEPRESSION_MAX_RAW {
        Band::LikelyDepression
    } else if raw <= POOR_WELL_BEING_MAX_RAW {
        Band::PoorWellBeing
    } else {
        Band::AboveCutOff
    };
    Ok(
        Score::new(Instrument::Who5, Some(ScoreValue::Points(raw)), Some(band)).with(
            "percentage",
            Some(ScoreValue::Points(raw * 4)),
            None,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers summing to `raw` (items filled 5, 5, … then the rest).
    fn with_raw(raw: u8) -> Answers {
        let mut left = raw;
        let items = (0..5)
            .map(|_| {
                let v = left.min(5);
                left -= v;
                Some(v)
            })
            .collect();
        Answers::parse(Instrument::Who5, items).unwrap()
    }

    fn raw_pct_band(raw: u8) -> (String, String, &'static str) {
        let s = with_raw(raw).score().unwrap();
        (
            s.total.unwrap().to_string(),
            s.measure("percentage").unwrap().value.unwrap().to_string(),
            s.band.unwrap().code(),
        )
    }

    #[test]
    fn every_boundary_of_raw_percentage_and_band() {
        // (raw, percentage, band) written out from Topp et al. 2015: ≤ 28 likely depression,
        // ≤ 50 poor well-being.
        let expected = [
            (0, "0", "likely_depression"),
            (7, "28", "likely_depression"),
            (8, "32", "poor_well_being"),
            (12, "48", "poor_well_being"),
            (13, "52", "above_cut_off"),
            (25, "100", "above_cut_off"),
        ];
        for (raw, pct, band) in expected {
            assert_eq!(raw_pct_band(raw), (raw.to_string(), pct.to_owned(), band), "raw {raw}");
        }
    }

    #[test]
    fn the_sum_is_of_all_five_items_unreversed() {
        let a = Answers::parse(Instrument::Who5, vec![Some(5), Some(4), Some(3), Some(2), Some(1)]).unwrap();
        let s = a.score().unwrap();
        assert_eq!(s.total, Some(ScoreValue::Points(15)));
        assert_eq!(s.measure("percentage").unwrap().value, Some(ScoreValue::Points(60)));
        assert_eq!(s.instrument, Instrument::Who5);
        assert_eq!(s.version, Instrument::Who5.version());
    }

    #[test]
    fn any_missing_item_refuses_the_score_and_names_it() {
        let a = Answers::parse(Instrument::Who5, vec![Some(5), None, Some(3), Some(2), None]).unwrap();
        let err = a.score().unwrap_err();
        assert!(matches!(&err, ScoreError::MissingItems { instrument: "who5", items, .. } if items == &[2, 5]));
        assert!(err.to_string().contains("[2, 5]"), "{err}");
    }

    #[test]
    fn out_of_range_answers_never_reach_scoring() {
        assert!(Answers::parse(Instrument::Who5, vec![Some(6), Some(0), Some(0), Some(0), Some(0)]).is_err());
    }
}
