//! The message back to the practice when a case closes, shaped like the NHS social prescribing
//! information standard's message back to the GP: why and when the case closed, what was agreed
//! (the latest plan's goals), what was attended (the case's onward referrals that reached a
//! provider's answer), and the outcome scores with their change. [`score_changes`] is the
//! rule for the scores; the app gathers the rest.

use time::OffsetDateTime;

use crate::questionnaire::{Instrument, Timepoint};

/// One scored questionnaire response of the case, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoredResponse {
    /// The instrument.
    pub instrument: Instrument,
    /// Baseline or follow-up.
    pub timepoint: Timepoint,
    /// When it was answered.
    pub answered_at: OffsetDateTime,
    /// The total in hundredths of a point (`None`: not scored, e.g. too many items missing).
    pub score: Option<i64>,
}

/// One instrument's outcome: the baseline score, the latest follow-up score after it, and the
/// change (follow-up minus baseline), all in hundredths of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreChange {
    /// The instrument.
    pub instrument: Instrument,
    /// The first scored baseline response.
    pub baseline: Option<i64>,
    /// The last scored follow-up response answered not before the baseline (any, without one).
    pub follow_up: Option<i64>,
    /// `follow_up − baseline`, when both exist. Whether a rise is better depends on the
    /// instrument (well-being up, loneliness down); the message names the instrument.
    pub change: Option<i64>,
}

/// The outcome of each instrument the case has a scored response for, in the order of
/// [`Instrument::ALL`]. Responses without a score are left out; a follow-up answered before
/// the baseline does not count as its follow-up (one answered at the same time does).
pub fn score_changes(responses: &[ScoredResponse]) -> Vec<ScoreChange> {
    Instrument::ALL
        .iter()
        .filter_map(|&instrument| {
            let scored = || {
                responses
                    .iter()
                    .filter(move |r| r.instrument == instrument)
                    .filter_map(|r| r.score.map(|s| (r.timepoint, r.answered_at, s)))
            };
            let baseline = scored()
                .filter(|(t, _, _)| *t == Timepoint::Baseline)
                .min_by_key(|(_, at, _)| *at);
            let follow_up = scored()
                .filter(|(t, at, _)| *t == Timepoint::FollowUp && baseline.is_none_or(|(_, b, _)| *at >= b))
                .max_by_key(|(_, at, _)| *at);
            if baseline.is_none() && follow_up.is_none() {
                return None;
            }
            let baseline = baseline.map(|(_, _, s)| s);
            let follow_up = follow_up.map(|(_, _, s)| s);
            Some(ScoreChange {
                instrument,
                baseline,
                follow_up,
                change: baseline.zip(follow_up).map(|(b, f)| f - b),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn response(instrument: Instrument, timepoint: Timepoint, day: u8, score: Option<i64>) -> ScoredResponse {
        ScoredResponse {
            instrument,
            timepoint,
            answered_at: datetime!(2026-03-01 10:00 UTC) + time::Duration::days(i64::from(day)),
            score,
        }
    }

    /// (name, responses, expected), written out by hand.
    #[test]
    fn each_instrument_compares_its_first_baseline_with_its_last_follow_up() {
        use Instrument as I;
        use Timepoint::{Baseline as B, FollowUp as F};
        let change = |instrument, baseline, follow_up, change| ScoreChange {
            instrument,
            baseline,
            follow_up,
            change,
        };
        let table: Vec<(&str, Vec<ScoredResponse>, Vec<ScoreChange>)> = vec![
            ("nothing answered", vec![], vec![]),
            (
                "WHO-5 from 32 to 60",
                vec![
                    response(I::Who5, B, 1, Some(3200)),
                    response(I::Who5, F, 90, Some(6000)),
                ],
                vec![change(I::Who5, Some(3200), Some(6000), Some(2800))],
            ),
            (
                "a baseline only",
                vec![response(I::Ucla3, B, 1, Some(700))],
                vec![change(I::Ucla3, Some(700), None, None)],
            ),
            (
                "the first baseline and the last follow-up",
                vec![
                    response(I::Who5, F, 120, Some(7200)),
                    response(I::Who5, B, 5, Some(4000)),
                    response(I::Who5, B, 1, Some(2400)),
                    response(I::Who5, F, 60, Some(5200)),
                ],
                vec![change(I::Who5, Some(2400), Some(7200), Some(4800))],
            ),
            (
                "unscored responses are left out",
                vec![
                    response(I::Who5, B, 1, None),
                    response(I::Who5, B, 2, Some(4400)),
                    response(I::Who5, F, 90, None),
                ],
                vec![change(I::Who5, Some(4400), None, None)],
            ),
            (
                "a follow-up before the baseline is not its follow-up",
                vec![response(I::Ons4, F, 1, Some(2400)), response(I::Ons4, B, 3, Some(2000))],
                vec![change(I::Ons4, Some(2000), None, None)],
            ),
            (
                "a follow-up at the same time as the baseline counts",
                vec![response(I::Who5, B, 1, Some(1600)), response(I::Who5, F, 1, Some(2200))],
                vec![change(I::Who5, Some(1600), Some(2200), Some(600))],
            ),
            (
                "a follow-up without a baseline",
                vec![response(I::DeJongGierveld6, F, 30, Some(300))],
                vec![change(I::DeJongGierveld6, None, Some(300), None)],
            ),
            (
                "loneliness falls: a negative change; instruments in their order",
                vec![
                    response(I::Ucla3, B, 1, Some(800)),
                    response(I::Ucla3, F, 80, Some(500)),
                    response(I::Who5, B, 1, Some(4000)),
                ],
                vec![
                    change(I::Who5, Some(4000), None, None),
                    change(I::Ucla3, Some(800), Some(500), Some(-300)),
                ],
            ),
        ];
        for (name, responses, expected) in table {
            assert_eq!(score_changes(&responses), expected, "{name}");
        }
    }
}
