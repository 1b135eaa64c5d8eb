//! The action plan a link worker agrees with the person (DESIGN §2): goals in the person's
//! words, milestones with dates, obstacles and how to meet them, and when to review it.
//!
//! A plan is versioned: every save is a new version, the old ones stay. Its text is personal
//! (the store seals it); its review date is plain, for the worklist's "plan review due".

use time::Date;

use crate::field::{FieldError, FieldProblem};
use crate::prescribing::parse_date;

/// The most goals, obstacles or milestones a plan holds.
pub const MAX_ITEMS: usize = 10;
/// The longest goal, obstacle or milestone, in characters.
pub const MAX_ITEM_CHARS: usize = 300;
/// How far ahead a review may be set, in days.
pub const MAX_REVIEW_DAYS: i64 = 366;

/// One milestone: what, and by when.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Milestone {
    /// What the person wants to have done.
    pub text: String,
    /// By when.
    pub due_on: Date,
}

/// A plan's content, checked.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActionPlanContent {
    /// Goals in the person's words, one per line as entered (at least one).
    pub goals: Vec<String>,
    /// Milestones, in the order entered.
    pub milestones: Vec<Milestone>,
    /// Obstacles and how to meet them, one per line.
    pub obstacles: Vec<String>,
    /// When the link worker and the person look at the plan again.
    pub review_on: Date,
}

impl std::fmt::Debug for ActionPlanContent {
    /// Never prints the person's words (logs must not hold them).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ActionPlanContent({} goals, {} milestones, {} obstacles, review {})",
            self.goals.len(),
            self.milestones.len(),
            self.obstacles.len(),
            self.review_on
        )
    }
}

/// A plan as the form or an API body sends it: free text, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionPlanInput {
    /// Goals, one per line.
    pub goals: String,
    /// Milestones: (text, date as `YYYY-MM-DD` or `DD.MM.YYYY`); rows with both empty are
    /// skipped.
    pub milestones: Vec<(String, String)>,
    /// Obstacles and how to meet them, one per line.
    pub obstacles: String,
    /// The review date.
    pub review_on: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn check_lines(field: &str, items: &[String], required: bool, errors: &mut Vec<FieldError>) {
    let problem = if required && items.is_empty() {
        Some(FieldProblem::Required)
    } else if items.len() > MAX_ITEMS {
        Some(FieldProblem::TooMany)
    } else if items.iter().any(|l| l.chars().count() > MAX_ITEM_CHARS) {
        Some(FieldProblem::TooLong)
    } else {
        None
    };
    if let Some(problem) = problem {
        errors.push(FieldError {
            field: field.to_owned(),
            problem,
        });
    }
}

impl ActionPlanContent {
    /// Checks a plan entered on `today` (the programme's local date). Every wrong field is
    /// named at once: `goals` (at least one, at most [`MAX_ITEMS`] lines of at most
    /// [`MAX_ITEM_CHARS`] characters), `obstacles` (the same, may be empty),
    /// `milestones[i].text` and `milestones[i].due_on` (both or neither; the date not before
    /// today), `milestones` (at most [`MAX_ITEMS`]) and `review_on` (after today, at most
    /// [`MAX_REVIEW_DAYS`] ahead).
    pub fn parse(input: &ActionPlanInput, today: Date) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let goals = lines(&input.goals);
        check_lines("goals", &goals, true, &mut errors);
        let obstacles = lines(&input.obstacles);
        check_lines("obstacles", &obstacles, false, &mut errors);
        let mut milestones = Vec::new();
        for (i, (text, due)) in input.milestones.iter().enumerate() {
            let (text, due) = (text.trim(), due.trim());
            if text.is_empty() && due.is_empty() {
                continue;
            }
            let mut wrong = |part: &str, problem| {
                errors.push(FieldError {
                    field: format!("milestones[{i}].{part}"),
                    problem,
                });
            };
            if text.is_empty() {
                wrong("text", FieldProblem::Required);
            } else if text.chars().count() > MAX_ITEM_CHARS {
                wrong("text", FieldProblem::TooLong);
            }
            let due_on = if due.is_empty() {
                wrong("due_on", FieldProblem::Required);
                None
            } else {
                match parse_date(due) {
                    None => {
                        wrong("due_on", FieldProblem::Date);
                        None
                    }
                    Some(d) if d < today => {
                        wrong("due_on", FieldProblem::DateInPast);
                        None
                    }
                    Some(d) => Some(d),
                }
            };
            if let Some(due_on) = due_on {
                milestones.push(Milestone {
                    text: text.to_owned(),
                    due_on,
                });
            }
        }
        if milestones.len() > MAX_ITEMS {
            errors.push(FieldError {
                field: "milestones".into(),
                problem: FieldProblem::TooMany,
            });
        }
        let review = input.review_on.trim();
        let review_on = match parse_date(review) {
            _ if review.is_empty() => Err(FieldProblem::Required),
            None => Err(FieldProblem::Date),
            Some(d) if d <= today => Err(FieldProblem::DateNotAfterToday),
            Some(d) if (d - today).whole_days() > MAX_REVIEW_DAYS => Err(FieldProblem::DateTooFar),
            Some(d) => Ok(d),
        };
        let review_on = match review_on {
            Ok(d) => Some(d),
            Err(problem) => {
                errors.push(FieldError {
                    field: "review_on".into(),
                    problem,
                });
                None
            }
        };
        match review_on {
            Some(review_on) if errors.is_empty() => Ok(Self {
                goals,
                milestones,
                obstacles,
                review_on,
            }),
            _ => Err(errors),
        }
    }

    /// The plan as the form shows it again (for a new version).
    pub fn to_input(&self) -> ActionPlanInput {
        ActionPlanInput {
            goals: self.goals.join("\n"),
            milestones: self
                .milestones
                .iter()
                .map(|m| (m.text.clone(), m.due_on.to_string()))
                .collect(),
            obstacles: self.obstacles.join("\n"),
            review_on: self.review_on.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 12 - 03);

    fn input() -> ActionPlanInput {
        ActionPlanInput {
            goals: "Wieder singen\n\n  Jede Woche unter Leute  ".into(),
            milestones: vec![
                ("Chor anschauen".into(), "10.12.2026".into()),
                (String::new(), String::new()),
                ("Erste Probe".into(), "2027-01-07".into()),
            ],
            obstacles: "Treppen – Chor im Erdgeschoss wählen".into(),
            review_on: "03.03.2027".into(),
        }
    }

    fn problems(input: &ActionPlanInput) -> Vec<(String, FieldProblem)> {
        match ActionPlanContent::parse(input, TODAY) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| (e.field, e.problem)).collect(),
        }
    }

    #[test]
    fn a_plan_keeps_the_persons_words_line_by_line() {
        let plan = ActionPlanContent::parse(&input(), TODAY).unwrap();
        assert_eq!(plan.goals, ["Wieder singen", "Jede Woche unter Leute"]);
        assert_eq!(
            plan.milestones
                .iter()
                .map(|m| (m.text.as_str(), m.due_on))
                .collect::<Vec<_>>(),
            [
                ("Chor anschauen", date!(2026 - 12 - 10)),
                ("Erste Probe", date!(2027 - 01 - 07))
            ]
        );
        assert_eq!(plan.obstacles, ["Treppen – Chor im Erdgeschoss wählen"]);
        assert_eq!(plan.review_on, date!(2027 - 03 - 03));
        assert_eq!(
            ActionPlanContent::parse(&plan.to_input(), TODAY).unwrap(),
            plan,
            "the form round-trips"
        );
        assert!(!format!("{plan:?}").contains("singen"), "Debug holds no words");
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let wrong = ActionPlanInput {
            goals: " \n ".into(),
            milestones: vec![
                ("Ohne Datum".into(), String::new()),
                (String::new(), "10.12.2026".into()),
                ("Gestern".into(), "02.12.2026".into()),
                ("Kein Datum".into(), "31.02.2027".into()),
            ],
            obstacles: "x".repeat(MAX_ITEM_CHARS + 1),
            review_on: "03.12.2026".into(),
        };
        assert_eq!(
            problems(&wrong),
            [
                ("goals".to_owned(), FieldProblem::Required),
                ("obstacles".to_owned(), FieldProblem::TooLong),
                ("milestones[0].due_on".to_owned(), FieldProblem::Required),
                ("milestones[1].text".to_owned(), FieldProblem::Required),
                ("milestones[2].due_on".to_owned(), FieldProblem::DateInPast),
                ("milestones[3].due_on".to_owned(), FieldProblem::Date),
                ("review_on".to_owned(), FieldProblem::DateNotAfterToday),
            ]
        );
    }

    #[test]
    fn the_review_date_lies_after_today_and_within_a_year() {
        let with_review = |review: &str| ActionPlanInput {
            review_on: review.into(),
            ..input()
        };
        // 2027-12-04 is 366 days after 2026-12-03; a day later is too far.
        for (review, expected) in [
            ("", Some(FieldProblem::Required)),
            ("bald", Some(FieldProblem::Date)),
            ("2026-12-03", Some(FieldProblem::DateNotAfterToday)),
            ("2026-12-04", None),
            ("2027-12-04", None),
            ("2027-12-05", Some(FieldProblem::DateTooFar)),
        ] {
            let got = problems(&with_review(review)).into_iter().map(|(_, p)| p).next();
            assert_eq!(got, expected, "{review}");
        }
        let many = ActionPlanInput {
            goals: (0..=MAX_ITEMS)
                .map(|i| format!("Ziel {i}"))
                .collect::<Vec<_>>()
                .join("\n"),
            ..input()
        };
        assert_eq!(problems(&many), [("goals".to_owned(), FieldProblem::TooMany)]);
    }
}
