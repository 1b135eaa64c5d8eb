//! The settings of a programme's link work that its coordinator changes (the settings page,
//! `lotse programme set`): the holiday calendar its due dates skip, the deadlines of
//! [`NextActionSettings`] in working days, and the failed contact attempts before a person may
//! be marked unreachable. [`LinkWorkSettings::parse`] checks the fields as typed and names
//! every wrong one.

use std::ops::RangeInclusive;

use crate::calendar::HolidayCalendar;
use crate::field::{FieldError, FieldProblem};
use crate::next_action::NextActionSettings;
use crate::programme::Programme;

/// Working days after acceptance by which first contact is due: 1 to 30.
pub const FIRST_CONTACT_WORKING_DAYS: RangeInclusive<u32> = 1..=30;
/// Working days between contact attempts: 1 to 20.
pub const WORKING_DAYS_BETWEEN_CONTACT_ATTEMPTS: RangeInclusive<u32> = 1..=20;
/// Working days after contact by which the baseline questionnaire is due: 1 to 60.
pub const BASELINE_QUESTIONNAIRE_WORKING_DAYS: RangeInclusive<u32> = 1..=60;
/// Failed contact attempts before a person may be marked unreachable: 1 to 10.
pub const CONTACT_ATTEMPTS_BEFORE_UNREACHABLE: RangeInclusive<u32> = 1..=10;
/// Working days after sending by which a provider should have answered (else it is "silent"
/// on the worklist): 1 to 30.
pub const PROVIDER_SILENT_WORKING_DAYS: RangeInclusive<u32> = 1..=30;
/// Working days after sending at which an unanswered onward referral lapses: 2 to 60, and
/// more than [`PROVIDER_SILENT_WORKING_DAYS`]' setting.
pub const ONWARD_LAPSE_WORKING_DAYS: RangeInclusive<u32> = 2..=60;
/// Weeks between a case's questionnaires (the next follow-up after the latest): 4 to 52.
pub const FOLLOW_UP_QUESTIONNAIRE_WEEKS: RangeInclusive<u32> = 4..=52;

/// A programme's link-work settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkWorkSettings {
    /// The public holidays the due dates skip.
    pub holiday_calendar: HolidayCalendar,
    /// The deadlines of the next actions, in working days.
    pub next_action: NextActionSettings,
    /// Failed contact attempts before a person may be marked unreachable.
    pub contact_attempts_before_unreachable: u32,
}

/// The settings as typed (a form's or a command's fields, untrimmed).
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkWorkInput<'a> {
    /// A [`HolidayCalendar`] code.
    pub holiday_calendar: &'a str,
    /// A whole number in [`FIRST_CONTACT_WORKING_DAYS`].
    pub first_contact_working_days: &'a str,
    /// A whole number in [`WORKING_DAYS_BETWEEN_CONTACT_ATTEMPTS`].
    pub working_days_between_contact_attempts: &'a str,
    /// A whole number in [`BASELINE_QUESTIONNAIRE_WORKING_DAYS`].
    pub baseline_questionnaire_working_days: &'a str,
    /// A whole number in [`CONTACT_ATTEMPTS_BEFORE_UNREACHABLE`].
    pub contact_attempts_before_unreachable: &'a str,
    /// A whole number in [`PROVIDER_SILENT_WORKING_DAYS`].
    pub provider_silent_working_days: &'a str,
    /// A whole number in [`ONWARD_LAPSE_WORKING_DAYS`], more than the silence.
    pub onward_lapse_working_days: &'a str,
    /// A whole number in [`FOLLOW_UP_QUESTIONNAIRE_WEEKS`].
    pub follow_up_questionnaire_weeks: &'a str,
}

impl LinkWorkSettings {
    /// The programme's settings now.
    pub const fn of(programme: &Programme) -> Self {
        Self {
            holiday_calendar: programme.holiday_calendar,
            next_action: programme.next_action,
            contact_attempts_before_unreachable: programme.contact_attempts_before_unreachable,
        }
    }

    /// Checks every field; the errors name each wrong field (by the names of
    /// [`LinkWorkInput`]'s fields) and how it is wrong: empty ([`FieldProblem::Required`]), not a
    /// calendar ([`FieldProblem::UnknownCode`]), not a whole number ([`FieldProblem::Number`]),
    /// or outside its range ([`FieldProblem::OutOfRange`]); a lapse that does not come after
    /// the silence is [`FieldProblem::LapseNotAfterSilence`] on `onward_lapse_working_days`.
    pub fn parse(input: &LinkWorkInput<'_>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let calendar = input.holiday_calendar.trim();
        let holiday_calendar = if calendar.is_empty() {
            errors.push(FieldError::new("holiday_calendar", FieldProblem::Required));
            None
        } else {
            let found = HolidayCalendar::from_code(calendar);
            if found.is_none() {
                errors.push(FieldError::new("holiday_calendar", FieldProblem::UnknownCode));
            }
            found
        };
        let mut number = |field: &str, value: &str, range: RangeInclusive<u32>| {
            let value = value.trim();
            let problem = if value.is_empty() {
                FieldProblem::Required
            } else if !value.bytes().all(|b| b.is_ascii_digit()) {
                FieldProblem::Number
            } else {
                match value.parse::<u32>() {
                    Ok(n) if range.contains(&n) => return Some(n),
                    _ => FieldProblem::OutOfRange,
                }
            };
            errors.push(FieldError::new(field, problem));
            None
        };
        let first = number(
            "first_contact_working_days",
            input.first_contact_working_days,
            FIRST_CONTACT_WORKING_DAYS,
        );
        let between = number(
            "working_days_between_contact_attempts",
            input.working_days_between_contact_attempts,
            WORKING_DAYS_BETWEEN_CONTACT_ATTEMPTS,
        );
        let baseline = number(
            "baseline_questionnaire_working_days",
            input.baseline_questionnaire_working_days,
            BASELINE_QUESTIONNAIRE_WORKING_DAYS,
        );
        let attempts = number(
            "contact_attempts_before_unreachable",
            input.contact_attempts_before_unreachable,
            CONTACT_ATTEMPTS_BEFORE_UNREACHABLE,
        );
        let silent = number(
            "provider_silent_working_days",
            input.provider_silent_working_days,
            PROVIDER_SILENT_WORKING_DAYS,
        );
        let lapse = number(
            "onward_lapse_working_days",
            input.onward_lapse_working_days,
            ONWARD_LAPSE_WORKING_DAYS,
        );
        let weeks = number(
            "follow_up_questionnaire_weeks",
            input.follow_up_questionnaire_weeks,
            FOLLOW_UP_QUESTIONNAIRE_WEEKS,
        );
        if let (Some(silent), Some(lapse)) = (silent, lapse)
            && lapse <= silent
        {
            errors.push(FieldError::new(
                "onward_lapse_working_days",
                FieldProblem::LapseNotAfterSilence,
            ));
        }
        match (
            holiday_calendar,
            first,
            between,
            baseline,
            attempts,
            silent,
            lapse,
            weeks,
        ) {
            (
                Some(holiday_calendar),
                Some(first),
                Some(between),
                Some(baseline),
                Some(attempts),
                Some(silent),
                Some(lapse),
                Some(weeks),
            ) if errors.is_empty() => Ok(Self {
                holiday_calendar,
                next_action: NextActionSettings {
                    first_contact_working_days: first,
                    working_days_between_contact_attempts: between,
                    baseline_questionnaire_working_days: baseline,
                    provider_silent_working_days: silent,
                    onward_lapse_working_days: lapse,
                    follow_up_questionnaire_weeks: weeks,
                },
                contact_attempts_before_unreachable: attempts,
            }),
            _ => Err(errors),
        }
    }

    /// Whether a change from `self` to `other` moves due dates (the calendar or a deadline
    /// changed), so the stored next actions must be computed again.
    pub fn reschedules(&self, other: &Self) -> bool {
        self.holiday_calendar != other.holiday_calendar || self.next_action != other.next_action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(
        calendar: &'a str,
        first: &'a str,
        between: &'a str,
        baseline: &'a str,
        attempts: &'a str,
    ) -> LinkWorkInput<'a> {
        LinkWorkInput {
            holiday_calendar: calendar,
            first_contact_working_days: first,
            working_days_between_contact_attempts: between,
            baseline_questionnaire_working_days: baseline,
            contact_attempts_before_unreachable: attempts,
            provider_silent_working_days: "5",
            onward_lapse_working_days: "15",
            follow_up_questionnaire_weeks: "12",
        }
    }

    fn problems(result: Result<LinkWorkSettings, Vec<FieldError>>) -> Vec<(String, FieldProblem)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn good_fields_give_the_settings() {
        let settings = LinkWorkSettings::parse(&input(" dk ", "3", " 1 ", "60", "10")).unwrap();
        assert_eq!(settings.holiday_calendar, HolidayCalendar::Denmark);
        assert_eq!(
            settings.next_action,
            NextActionSettings {
                first_contact_working_days: 3,
                working_days_between_contact_attempts: 1,
                baseline_questionnaire_working_days: 60,
                provider_silent_working_days: 5,
                onward_lapse_working_days: 15,
                follow_up_questionnaire_weeks: 12,
            }
        );
        assert_eq!(settings.contact_attempts_before_unreachable, 10);
    }

    /// Every boundary of every range, against a table written here: (field index, value,
    /// accepted).
    #[test]
    fn each_number_is_checked_at_its_boundaries() {
        let table: [(usize, &str, bool); 16] = [
            (0, "0", false),
            (0, "1", true),
            (0, "30", true),
            (0, "31", false),
            (1, "0", false),
            (1, "1", true),
            (1, "20", true),
            (1, "21", false),
            (2, "0", false),
            (2, "1", true),
            (2, "60", true),
            (2, "61", false),
            (3, "0", false),
            (3, "1", true),
            (3, "10", true),
            (3, "11", false),
        ];
        let names = [
            "first_contact_working_days",
            "working_days_between_contact_attempts",
            "baseline_questionnaire_working_days",
            "contact_attempts_before_unreachable",
        ];
        for (index, value, accepted) in table {
            let mut fields = ["5", "2", "10", "3"];
            fields[index] = value;
            let result = LinkWorkSettings::parse(&input("de-nw", fields[0], fields[1], fields[2], fields[3]));
            if accepted {
                assert!(result.is_ok(), "{} = {value}", names[index]);
            } else {
                assert_eq!(
                    problems(result),
                    vec![(names[index].to_owned(), FieldProblem::OutOfRange)],
                    "{} = {value}",
                    names[index]
                );
            }
        }
    }

    /// The follow-up questionnaire's weeks at their boundaries: (weeks, accepted).
    #[test]
    fn the_follow_up_weeks_are_checked_at_their_boundaries() {
        for (weeks, accepted) in [("3", false), ("4", true), ("52", true), ("53", false)] {
            let result = LinkWorkSettings::parse(&LinkWorkInput {
                follow_up_questionnaire_weeks: weeks,
                ..input("de-nw", "5", "2", "10", "3")
            });
            let expected = if accepted {
                vec![]
            } else {
                vec![("follow_up_questionnaire_weeks".to_owned(), FieldProblem::OutOfRange)]
            };
            assert_eq!(problems(result), expected, "{weeks} weeks");
        }
    }

    /// The silence and the lapse at their boundaries, and the lapse against the silence:
    /// (silence, lapse, the problems expected).
    #[test]
    fn the_lapse_comes_after_the_silence() {
        let table = [
            ("1", "2", None),
            ("30", "60", None),
            (
                "0",
                "15",
                Some(("provider_silent_working_days", FieldProblem::OutOfRange)),
            ),
            (
                "31",
                "40",
                Some(("provider_silent_working_days", FieldProblem::OutOfRange)),
            ),
            ("1", "1", Some(("onward_lapse_working_days", FieldProblem::OutOfRange))),
            ("5", "61", Some(("onward_lapse_working_days", FieldProblem::OutOfRange))),
            (
                "10",
                "10",
                Some(("onward_lapse_working_days", FieldProblem::LapseNotAfterSilence)),
            ),
            (
                "12",
                "11",
                Some(("onward_lapse_working_days", FieldProblem::LapseNotAfterSilence)),
            ),
        ];
        for (silent, lapse, expected) in table {
            let result = LinkWorkSettings::parse(&LinkWorkInput {
                provider_silent_working_days: silent,
                onward_lapse_working_days: lapse,
                ..input("de-nw", "5", "2", "10", "3")
            });
            let expected: Vec<(String, FieldProblem)> = expected.into_iter().map(|(f, p)| (f.to_owned(), p)).collect();
            assert_eq!(problems(result), expected, "silent {silent}, lapse {lapse}");
        }
    }

    #[test]
    fn every_wrong_field_is_named_with_its_problem() {
        assert_eq!(
            problems(LinkWorkSettings::parse(&input(
                "bavaria",
                "",
                "zwei",
                "-1",
                "99999999999"
            ))),
            vec![
                ("holiday_calendar".to_owned(), FieldProblem::UnknownCode),
                ("first_contact_working_days".to_owned(), FieldProblem::Required),
                ("working_days_between_contact_attempts".to_owned(), FieldProblem::Number),
                ("baseline_questionnaire_working_days".to_owned(), FieldProblem::Number),
                (
                    "contact_attempts_before_unreachable".to_owned(),
                    FieldProblem::OutOfRange
                ),
            ]
        );
        assert_eq!(
            problems(LinkWorkSettings::parse(&input(" ", "5", "2", "10", "3"))),
            vec![("holiday_calendar".to_owned(), FieldProblem::Required)]
        );
    }

    #[test]
    fn only_the_calendar_and_the_deadlines_reschedule() {
        let before = LinkWorkSettings::parse(&input("de-nw", "5", "2", "10", "3")).unwrap();
        let fewer_attempts = LinkWorkSettings {
            contact_attempts_before_unreachable: 2,
            ..before
        };
        assert!(!before.reschedules(&fewer_attempts));
        let other_calendar = LinkWorkSettings {
            holiday_calendar: HolidayCalendar::WeekendsOnly,
            ..before
        };
        assert!(before.reschedules(&other_calendar));
        let sooner = LinkWorkSettings::parse(&input("de-nw", "4", "2", "10", "3")).unwrap();
        assert!(before.reschedules(&sooner));
    }
}
