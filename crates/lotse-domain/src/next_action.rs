//! What a link worker must do next on a case, and by when.
//!
//! [`schedule`] looks at a case's facts (its referral's state and dates, plain columns the
//! store keeps) and returns the one next action with its due date, or `None` when nothing is
//! due; the store keeps it on the referral's row. [`classify`] is the same action as seen on
//! a date: a first contact due before it is overdue. The worklist sorts cases by
//! [`NextAction`] (earliest due first, ties by [`NextActionKind`] priority) and counts them by
//! kind.
//!
//! The rules, by referral state (all periods in the programme's working days, see
//! [`crate::calendar::WorkingDays`]; the settings are [`NextActionSettings`]):
//!
//! - **issued**: [`New`] (accept or redirect it), due `issued_on` + 1 working day.
//! - **accepted**, no failed attempt: [`FirstContactDue`] on `accepted_on` +
//!   `first_contact_working_days`; once `today` is after that date, [`FirstContactOverdue`]
//!   (same due date).
//! - **accepted**, with failed attempts: [`ContactAttemptDue`] (try again, or mark unreachable)
//!   on `last_attempt_on` + `working_days_between_contact_attempts`.
//! - **unreachable**: [`FollowUpDue`] on `next_follow_up_on` if one is scheduled, else nothing.
//! - **contacted, plan agreed, connected**: the earliest of [`QuestionnaireDue`] (the baseline
//!   on `contacted_on` + `baseline_questionnaire_working_days` until it is done, then
//!   `follow_up_questionnaire_due_on`, which the store fills with
//!   [`follow_up_questionnaire_due`] of the case's latest questionnaire), [`PlanReviewDue`] on
//!   `next_plan_review_on`,
//!   [`FollowUpDue`] on `next_follow_up_on`, [`ProviderSilent`] on `oldest_unanswered_sent_on`
//!   + `provider_silent_working_days` (an onward referral sent and not yet answered) and
//!   [`NextOfferDue`] on `offer_lapsed_on` (an onward referral lapsed and none is open); nothing
//!   if none of them applies.
//!
//! An onward referral sent and still unanswered [`lapses_on`] `onward_lapse_working_days` after
//! it was sent (the follow-up job writes the lapse).
//! - **closed**: nothing.
//!
//! Once an attempt has been made the first-contact deadline counts as met: the case then
//! waits on the next attempt, not on the deadline. Missing dates fall back to the one before
//! them (`accepted_on` to `issued_on`, `last_attempt_on` to `accepted_on`, `contacted_on` to
//! `accepted_on`), so inconsistent rows still get a due date rather than vanishing.
//!
//! [`classify`]: crate::next_action::classify
//! [`schedule`]: crate::next_action::schedule
//! [`NextAction`]: crate::next_action::NextAction
//! [`NextActionKind`]: crate::next_action::NextActionKind
//! [`NextActionSettings`]: crate::next_action::NextActionSettings
//! [`New`]: crate::next_action::NextActionKind::New
//! [`FirstContactDue`]: crate::next_action::NextActionKind::FirstContactDue
//! [`FirstContactOverdue`]: crate::next_action::NextActionKind::FirstContactOverdue
//! [`ContactAttemptDue`]: crate::next_action::NextActionKind::ContactAttemptDue
//! [`FollowUpDue`]: crate::next_action::NextActionKind::FollowUpDue
//! [`QuestionnaireDue`]: crate::next_action::NextActionKind::QuestionnaireDue
//! [`PlanReviewDue`]: crate::next_action::NextActionKind::PlanReviewDue
//! [`ProviderSilent`]: crate::next_action::NextActionKind::ProviderSilent
//! [`NextOfferDue`]: crate::next_action::NextActionKind::NextOfferDue
//! [`lapses_on`]: crate::next_action::lapses_on
//! [`follow_up_questionnaire_due`]: crate::next_action::follow_up_questionnaire_due

use time::Date;

use crate::calendar::WorkingDays;
use crate::referral::ReferralState;

crate::coded_enum! {
    /// The kind of a case's next action. Declared in priority order: when two actions fall
    /// due on the same day the earlier kind comes first (the derived `Ord`). Overdue first
    /// contact leads (a promise already broken); then new referrals, since accepting one starts
    /// its first-contact clock; then reaching people; then a provider that has not answered
    /// and a lapsed offer to replace (the connection the plan waits on); then the running
    /// plans' reviews and follow-ups; questionnaires (measurement, not care) last.
    pub enum NextActionKind {
        /// Accepted, not yet contacted, and the first-contact deadline has passed.
        FirstContactOverdue => "first_contact_overdue",
        /// Issued to the link facility: accept (or redirect) it.
        New => "new",
        /// Accepted, not yet contacted: make the first contact by the deadline.
        FirstContactDue => "first_contact_due",
        /// A contact attempt failed: try again (or mark the person unreachable).
        ContactAttemptDue => "contact_attempt_due",
        /// An onward referral was sent and its provider has not answered: call them.
        ProviderSilent => "provider_silent",
        /// An onward referral lapsed without an answer and no other is open: pick the next offer.
        NextOfferDue => "next_offer_due",
        /// The agreed plan's scheduled review.
        PlanReviewDue => "plan_review_due",
        /// A scheduled follow-up with the person.
        FollowUpDue => "follow_up_due",
        /// The baseline questionnaire (after contact) or a scheduled follow-up questionnaire.
        QuestionnaireDue => "questionnaire_due",
    }
}

/// What the store knows about one case's referral: plain columns, all dates local to the
/// programme (see [`WorkingDays::local_date`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    /// The referral's state.
    pub state: ReferralState,
    /// When it was issued.
    pub issued_on: Date,
    /// When the link facility accepted it.
    pub accepted_on: Option<Date>,
    /// Failed contact attempts since acceptance.
    pub failed_contact_attempts: u32,
    /// When the last failed contact attempt was.
    pub last_attempt_on: Option<Date>,
    /// When contact was made.
    pub contacted_on: Option<Date>,
    /// Whether the baseline questionnaire has been recorded.
    pub baseline_questionnaire_done: bool,
    /// When the next follow-up questionnaire is due, if one is scheduled.
    pub follow_up_questionnaire_due_on: Option<Date>,
    /// When the action plan is next to be reviewed, if scheduled.
    pub next_plan_review_on: Option<Date>,
    /// When the next follow-up with the person is, if scheduled.
    pub next_follow_up_on: Option<Date>,
    /// When the earliest onward referral still waiting for its provider's answer (state
    /// `sent`) was sent.
    pub oldest_unanswered_sent_on: Option<Date>,
    /// When the latest onward referral lapsed, if one did and no onward referral of the case
    /// is open (proposed, accepted, sent, acknowledged or attending).
    pub offer_lapsed_on: Option<Date>,
}

/// A programme's deadlines for the steps of a case, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextActionSettings {
    /// Working days after acceptance by which first contact is due.
    pub first_contact_working_days: u32,
    /// Working days after a failed contact attempt by which the next is due.
    pub working_days_between_contact_attempts: u32,
    /// Working days after contact by which the baseline questionnaire is due.
    pub baseline_questionnaire_working_days: u32,
    /// Working days after sending by which a provider should have answered.
    pub provider_silent_working_days: u32,
    /// Working days after sending at which an unanswered onward referral lapses.
    pub onward_lapse_working_days: u32,
    /// Weeks after a case's latest questionnaire at which the next follow-up questionnaire is
    /// due.
    pub follow_up_questionnaire_weeks: u32,
}

impl Default for NextActionSettings {
    /// First contact within 5 working days, a new attempt every 2, the baseline questionnaire
    /// within 10 working days of contact; a provider silent after 5 working days, its onward
    /// referral lapsed after 15; a follow-up questionnaire every 12 weeks.
    fn default() -> Self {
        Self {
            first_contact_working_days: 5,
            working_days_between_contact_attempts: 2,
            baseline_questionnaire_working_days: 10,
            provider_silent_working_days: 5,
            onward_lapse_working_days: 15,
            follow_up_questionnaire_weeks: 12,
        }
    }
}

/// When the next follow-up questionnaire of a case is due, its latest questionnaire answered on
/// `last_on`: `follow_up_questionnaire_weeks` weeks later, or the first working day after that
/// when it falls on a weekend or holiday.
pub fn follow_up_questionnaire_due(last_on: Date, settings: &NextActionSettings, working_days: &WorkingDays) -> Date {
    let due = last_on + time::Duration::weeks(i64::from(settings.follow_up_questionnaire_weeks));
    if working_days.is_working_day(due) {
        due
    } else {
        working_days.add_working_days(due, 1)
    }
}

/// The programme-local day on which an onward referral sent on `sent_on` and still unanswered
/// lapses: `onward_lapse_working_days` working days later.
pub fn lapses_on(sent_on: Date, settings: &NextActionSettings, working_days: &WorkingDays) -> Date {
    working_days.add_working_days(sent_on, i64::from(settings.onward_lapse_working_days))
}

/// The programme-local day from which an onward referral sent on `sent_on` and still
/// unanswered counts as "provider silent" (the worklist flags it, and where the programme has
/// an e-mail relay the provider is reminded): `provider_silent_working_days` working days later.
pub fn silent_on(sent_on: Date, settings: &NextActionSettings, working_days: &WorkingDays) -> Date {
    working_days.add_working_days(sent_on, i64::from(settings.provider_silent_working_days))
}

/// A case's next action and when it is due. Orders as the worklist does: by due date, then
/// by kind priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NextAction {
    /// When it is due (a programme-local date).
    pub due_on: Date,
    /// What is to be done.
    pub kind: NextActionKind,
}

impl NextAction {
    /// Whether it is overdue on `today`: due before it.
    pub fn is_overdue(self, today: Date) -> bool {
        self.due_on < today
    }

    /// The action as seen on `today`: a [`NextActionKind::FirstContactDue`] due before `today`
    /// is [`NextActionKind::FirstContactOverdue`]; every other action is unchanged.
    #[must_use]
    pub fn on(self, today: Date) -> Self {
        match self.kind {
            NextActionKind::FirstContactDue if self.is_overdue(today) => Self {
                kind: NextActionKind::FirstContactOverdue,
                ..self
            },
            _ => self,
        }
    }
}

/// The next action on a case, or `None` when nothing is due (closed, unreachable without a
/// scheduled follow-up, or contacted with nothing scheduled). `today` is the programme's
/// local date (`working_days.local_date(now)`); it only decides whether a first contact is
/// overdue. The rules are in the [module documentation](self): [`schedule`] as seen
/// [`on`](NextAction::on) `today`.
pub fn classify(
    case: &CaseFacts,
    settings: &NextActionSettings,
    working_days: &WorkingDays,
    today: Date,
) -> Option<NextAction> {
    schedule(case, settings, working_days).map(|action| action.on(today))
}

/// The next action on a case whatever the date: what the store keeps on the referral's row.
/// A first contact is always [`NextActionKind::FirstContactDue`] here; [`NextAction::on`] makes
/// it overdue once its date has passed, the only rule that depends on today.
pub fn schedule(case: &CaseFacts, settings: &NextActionSettings, working_days: &WorkingDays) -> Option<NextAction> {
    use NextActionKind as K;
    let after = |date: Date, days: u32| working_days.add_working_days(date, i64::from(days));
    let action = |kind, due_on| NextAction { due_on, kind };
    let accepted_on = case.accepted_on.unwrap_or(case.issued_on);
    match case.state {
        ReferralState::Issued => Some(action(K::New, after(case.issued_on, 1))),
        ReferralState::Accepted if case.failed_contact_attempts > 0 => {
            let last = case.last_attempt_on.unwrap_or(accepted_on);
            Some(action(
                K::ContactAttemptDue,
                after(last, settings.working_days_between_contact_attempts),
            ))
        }
        ReferralState::Accepted => Some(action(
            K::FirstContactDue,
            after(accepted_on, settings.first_contact_working_days),
        )),
        ReferralState::Unreachable => case.next_follow_up_on.map(|due| action(K::FollowUpDue, due)),
        ReferralState::Contacted | ReferralState::PlanAgreed | ReferralState::Connected => {
            let questionnaire = if case.baseline_questionnaire_done {
                case.follow_up_questionnaire_due_on
            } else {
                let contacted_on = case.contacted_on.unwrap_or(accepted_on);
                Some(after(contacted_on, settings.baseline_questionnaire_working_days))
            };
            [
                questionnaire.map(|due| action(K::QuestionnaireDue, due)),
                case.next_plan_review_on.map(|due| action(K::PlanReviewDue, due)),
                case.next_follow_up_on.map(|due| action(K::FollowUpDue, due)),
                case.oldest_unanswered_sent_on
                    .map(|sent| action(K::ProviderSilent, after(sent, settings.provider_silent_working_days))),
                case.offer_lapsed_on.map(|on| action(K::NextOfferDue, on)),
            ]
            .into_iter()
            .flatten()
            .min()
        }
        ReferralState::Closed(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::calendar::HolidayCalendar;
    use crate::referral::ClosingReason;

    fn nrw() -> WorkingDays {
        WorkingDays::new(HolidayCalendar::GermanyNrw, "Europe/Berlin").unwrap()
    }

    /// A date in 2026.
    fn d(month: u8, day: u8) -> Date {
        Date::from_calendar_date(2026, time::Month::try_from(month).unwrap(), day).unwrap()
    }

    /// A case in `state` issued on Monday 2 March 2026, with nothing else recorded.
    fn case(state: ReferralState) -> CaseFacts {
        CaseFacts {
            state,
            issued_on: date!(2026 - 03 - 02),
            accepted_on: None,
            failed_contact_attempts: 0,
            last_attempt_on: None,
            contacted_on: None,
            baseline_questionnaire_done: false,
            follow_up_questionnaire_due_on: None,
            next_plan_review_on: None,
            next_follow_up_on: None,
            oldest_unanswered_sent_on: None,
            offer_lapsed_on: None,
        }
    }

    fn issued(on: Date) -> CaseFacts {
        CaseFacts {
            issued_on: on,
            ..case(ReferralState::Issued)
        }
    }

    fn accepted(on: Date) -> CaseFacts {
        CaseFacts {
            accepted_on: Some(on),
            ..case(ReferralState::Accepted)
        }
    }

    fn attempted(attempts: u32, last: Date) -> CaseFacts {
        CaseFacts {
            failed_contact_attempts: attempts,
            last_attempt_on: Some(last),
            ..accepted(date!(2026 - 03 - 02))
        }
    }

    fn contacted(state: ReferralState, on: Date) -> CaseFacts {
        CaseFacts {
            state,
            accepted_on: Some(date!(2026 - 03 - 02)),
            contacted_on: Some(on),
            ..case(state)
        }
    }

    fn in_plan(
        state: ReferralState,
        review: Option<Date>,
        follow_up: Option<Date>,
        questionnaire: Option<Date>,
    ) -> CaseFacts {
        CaseFacts {
            baseline_questionnaire_done: true,
            next_plan_review_on: review,
            next_follow_up_on: follow_up,
            follow_up_questionnaire_due_on: questionnaire,
            ..contacted(state, date!(2026 - 03 - 02))
        }
    }

    #[test]
    fn kind_codes_are_stable() {
        let codes: Vec<_> = NextActionKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(
            codes,
            [
                "first_contact_overdue",
                "new",
                "first_contact_due",
                "contact_attempt_due",
                "provider_silent",
                "next_offer_due",
                "plan_review_due",
                "follow_up_due",
                "questionnaire_due",
            ]
        );
        for kind in NextActionKind::ALL {
            assert_eq!(NextActionKind::from_code(kind.code()), Some(*kind));
        }
    }

    /// The table: a case, today, and the next action counted by hand on a 2026 calendar
    /// (NRW: Good Friday 3 April, Easter Monday 6 April, Christmas 25–26 December; 2 March is
    /// a Monday), with the settings 5 / 2 / 10 working days.
    #[test]
    fn classify_agrees_with_the_table() {
        use NextActionKind as K;
        use ReferralState as S;
        let wd = nrw();
        let settings = NextActionSettings::default();
        let due = |kind, due_on| Some(NextAction { due_on, kind });
        #[rustfmt::skip]
        let cases: Vec<(&str, CaseFacts, Date, Option<NextAction>)> = vec![
            // New: the next working day.
            ("issued Monday", issued(d(3, 2)), d(3, 2), due(K::New, d(3, 3))),
            ("issued Friday: Monday", issued(d(3, 6)), d(3, 6), due(K::New, d(3, 9))),
            ("issued Saturday: Monday", issued(d(3, 7)), d(3, 7), due(K::New, d(3, 9))),
            ("issued Maundy Thursday: Tuesday after Easter", issued(d(4, 2)), d(4, 2), due(K::New, d(4, 7))),
            ("new stays new when late", issued(d(3, 2)), d(3, 20), due(K::New, d(3, 3))),
            // First contact: accepted Monday 2 March + 5 working days = Monday 9 March.
            ("due in a week", accepted(d(3, 2)), d(3, 2), due(K::FirstContactDue, d(3, 9))),
            ("due tomorrow (today Sunday)", accepted(d(3, 2)), d(3, 8), due(K::FirstContactDue, d(3, 9))),
            ("due today", accepted(d(3, 2)), d(3, 9), due(K::FirstContactDue, d(3, 9))),
            ("due yesterday", accepted(d(3, 2)), d(3, 10), due(K::FirstContactOverdue, d(3, 9))),
            ("long overdue", accepted(d(3, 2)), d(6, 1), due(K::FirstContactOverdue, d(3, 9))),
            // Accepted Monday 30 March: 31, 1, 2, (3–6 off), 7, 8 April.
            ("across Easter, due today", accepted(d(3, 30)), d(4, 8), due(K::FirstContactDue, d(4, 8))),
            ("across Easter, calendar days would be late", accepted(d(3, 30)), d(4, 7), due(K::FirstContactDue, d(4, 8))),
            ("across Easter, overdue", accepted(d(3, 30)), d(4, 9), due(K::FirstContactOverdue, d(4, 8))),
            // Accepted Tuesday 22 December: 23, 24, (25–27 off), 28, 29, 30.
            ("across Christmas", accepted(d(12, 22)), d(12, 30), due(K::FirstContactDue, d(12, 30))),
            ("across Christmas, overdue", accepted(d(12, 22)), d(12, 31), due(K::FirstContactOverdue, d(12, 30))),
            ("accepted date missing: from issued", case(S::Accepted), d(3, 2), due(K::FirstContactDue, d(3, 9))),
            // Failed attempts: 2 working days after the last.
            ("attempt Monday: Wednesday", attempted(1, d(3, 2)), d(3, 2), due(K::ContactAttemptDue, d(3, 4))),
            ("attempt Friday: Tuesday", attempted(1, d(3, 6)), d(3, 6), due(K::ContactAttemptDue, d(3, 10))),
            ("attempt before Easter: Wednesday after", attempted(2, d(4, 2)), d(4, 2), due(K::ContactAttemptDue, d(4, 8))),
            ("attempt after the first-contact deadline", attempted(3, d(3, 10)), d(3, 20), due(K::ContactAttemptDue, d(3, 12))),
            ("attempt date missing: from accepted", CaseFacts { failed_contact_attempts: 1, ..accepted(d(3, 2)) }, d(3, 2), due(K::ContactAttemptDue, d(3, 4))),
            // Unreachable.
            ("unreachable, nothing scheduled", case(S::Unreachable), d(3, 2), None),
            ("unreachable, follow-up", CaseFacts { next_follow_up_on: Some(d(5, 4)), ..case(S::Unreachable) }, d(3, 2), due(K::FollowUpDue, d(5, 4))),
            // Baseline questionnaire: contacted Monday 2 March + 10 working days = Monday 16 March.
            ("baseline after contact", contacted(S::Contacted, d(3, 2)), d(3, 2), due(K::QuestionnaireDue, d(3, 16))),
            ("baseline late stays questionnaire", contacted(S::Contacted, d(3, 2)), d(3, 17), due(K::QuestionnaireDue, d(3, 16))),
            // Contacted Friday 27 March: 30, 31, 1, 2, (3–6 off), 7, 8, 9, 10, 13, 14 April.
            ("baseline across Easter", contacted(S::Contacted, d(3, 27)), d(3, 27), due(K::QuestionnaireDue, d(4, 14))),
            ("contact date missing: from accepted", CaseFacts { contacted_on: None, ..contacted(S::Connected, d(3, 27)) }, d(3, 27), due(K::QuestionnaireDue, d(3, 16))),
            ("contacted, baseline done, nothing scheduled", in_plan(S::Contacted, None, None, None), d(3, 2), None),
            ("contacted, follow-up", in_plan(S::Contacted, None, Some(d(3, 20)), None), d(3, 2), due(K::FollowUpDue, d(3, 20))),
            // Plans: the earliest scheduled date; ties by priority.
            ("plan review first", in_plan(S::PlanAgreed, Some(d(4, 10)), Some(d(4, 20)), None), d(3, 2), due(K::PlanReviewDue, d(4, 10))),
            ("follow-up first", in_plan(S::Connected, Some(d(4, 10)), Some(d(4, 9)), Some(d(5, 1))), d(3, 2), due(K::FollowUpDue, d(4, 9))),
            ("questionnaire first", in_plan(S::Connected, Some(d(6, 1)), None, Some(d(5, 1))), d(3, 2), due(K::QuestionnaireDue, d(5, 1))),
            ("tie: review before follow-up", in_plan(S::PlanAgreed, Some(d(4, 10)), Some(d(4, 10)), None), d(3, 2), due(K::PlanReviewDue, d(4, 10))),
            ("tie: follow-up before questionnaire", in_plan(S::Connected, None, Some(d(5, 1)), Some(d(5, 1))), d(3, 2), due(K::FollowUpDue, d(5, 1))),
            ("tie: review before baseline", CaseFacts { next_plan_review_on: Some(d(3, 16)), ..contacted(S::PlanAgreed, d(3, 2)) }, d(3, 2), due(K::PlanReviewDue, d(3, 16))),
            ("baseline before the follow-up questionnaire", CaseFacts { follow_up_questionnaire_due_on: Some(d(3, 5)), ..contacted(S::Connected, d(3, 2)) }, d(3, 2), due(K::QuestionnaireDue, d(3, 16))),
            ("past dates are kept", in_plan(S::Connected, Some(d(1, 5)), None, None), d(3, 2), due(K::PlanReviewDue, d(1, 5))),
            // Onward referrals: sent Monday 2 March, silent 5 working days later (Monday 9 March).
            ("provider silent", CaseFacts { oldest_unanswered_sent_on: Some(d(3, 2)), ..in_plan(S::PlanAgreed, None, None, None) }, d(3, 2), due(K::ProviderSilent, d(3, 9))),
            // Sent Thursday 2 April: 3 and 6 April are holidays, so 7, 8, 9, 10, 13 April.
            ("provider silent across Easter", CaseFacts { oldest_unanswered_sent_on: Some(d(4, 2)), ..in_plan(S::PlanAgreed, None, None, None) }, d(4, 2), due(K::ProviderSilent, d(4, 13))),
            ("silence stays silence when late", CaseFacts { oldest_unanswered_sent_on: Some(d(3, 2)), ..in_plan(S::Connected, None, None, None) }, d(5, 4), due(K::ProviderSilent, d(3, 9))),
            ("review before the provider's silence", CaseFacts { oldest_unanswered_sent_on: Some(d(3, 2)), ..in_plan(S::PlanAgreed, Some(d(3, 6)), None, None) }, d(3, 2), due(K::PlanReviewDue, d(3, 6))),
            ("tie: silence before review", CaseFacts { oldest_unanswered_sent_on: Some(d(3, 2)), ..in_plan(S::PlanAgreed, Some(d(3, 9)), None, None) }, d(3, 2), due(K::ProviderSilent, d(3, 9))),
            ("a lapsed offer: the next one", CaseFacts { offer_lapsed_on: Some(d(3, 23)), ..in_plan(S::PlanAgreed, Some(d(4, 20)), None, None) }, d(3, 23), due(K::NextOfferDue, d(3, 23))),
            ("tie: silence before the next offer", CaseFacts { oldest_unanswered_sent_on: Some(d(3, 16)), offer_lapsed_on: Some(d(3, 23)), ..in_plan(S::PlanAgreed, None, None, None) }, d(3, 23), due(K::ProviderSilent, d(3, 23))),
            ("unreachable: no provider action", CaseFacts { oldest_unanswered_sent_on: Some(d(3, 2)), ..case(S::Unreachable) }, d(3, 2), None),
        ];
        for (name, facts, today, expected) in cases {
            assert_eq!(classify(&facts, &settings, &wd, today), expected, "{name}");
            // What the store keeps: the same action, a first contact never yet overdue.
            let kept = expected.map(|a| match a.kind {
                K::FirstContactOverdue => NextAction {
                    kind: K::FirstContactDue,
                    ..a
                },
                _ => a,
            });
            assert_eq!(schedule(&facts, &settings, &wd), kept, "{name}, kept");
        }
    }

    #[test]
    fn closed_cases_have_no_next_action() {
        let wd = nrw();
        let settings = NextActionSettings::default();
        let busy = CaseFacts {
            accepted_on: Some(date!(2026 - 03 - 02)),
            failed_contact_attempts: 2,
            last_attempt_on: Some(date!(2026 - 03 - 03)),
            contacted_on: Some(date!(2026 - 03 - 04)),
            next_plan_review_on: Some(date!(2026 - 03 - 05)),
            next_follow_up_on: Some(date!(2026 - 03 - 06)),
            follow_up_questionnaire_due_on: Some(date!(2026 - 03 - 07)),
            ..case(ReferralState::Issued)
        };
        for reason in ClosingReason::ALL {
            let closed = CaseFacts {
                state: ReferralState::Closed(reason),
                ..busy
            };
            assert_eq!(
                classify(&closed, &settings, &wd, date!(2026 - 03 - 10)),
                None,
                "{reason:?}"
            );
        }
    }

    #[test]
    fn the_programme_calendar_moves_the_deadline() {
        // Accepted Wednesday 1 April 2026. NRW works on Maundy Thursday (2 April), Denmark
        // does not: 2, 7, 8, 9, 10 April against 7, 8, 9, 10, 13 April.
        let facts = accepted(date!(2026 - 04 - 01));
        let settings = NextActionSettings::default();
        let dk = WorkingDays::new(HolidayCalendar::Denmark, "Europe/Copenhagen").unwrap();
        let today = date!(2026 - 04 - 13);
        assert_eq!(
            classify(&facts, &settings, &nrw(), today),
            Some(NextAction {
                due_on: date!(2026 - 04 - 10),
                kind: NextActionKind::FirstContactOverdue
            })
        );
        assert_eq!(
            classify(&facts, &settings, &dk, today),
            Some(NextAction {
                due_on: date!(2026 - 04 - 13),
                kind: NextActionKind::FirstContactDue
            })
        );
        // Other settings: first contact within 1 working day.
        let strict = NextActionSettings {
            first_contact_working_days: 1,
            ..settings
        };
        assert_eq!(
            classify(&facts, &strict, &dk, today).map(|a| a.due_on),
            Some(date!(2026 - 04 - 07))
        );
    }

    #[test]
    fn the_worklist_orders_by_due_date_then_priority() {
        use NextActionKind as K;
        let at = |kind, due_on| NextAction { due_on, kind };
        let mut list = vec![
            at(K::QuestionnaireDue, date!(2026 - 03 - 03)),
            at(K::FollowUpDue, date!(2026 - 03 - 04)),
            at(K::New, date!(2026 - 03 - 03)),
            at(K::PlanReviewDue, date!(2026 - 03 - 03)),
            at(K::FirstContactOverdue, date!(2026 - 03 - 03)),
            at(K::ContactAttemptDue, date!(2026 - 03 - 03)),
            at(K::FirstContactDue, date!(2026 - 03 - 03)),
            at(K::FollowUpDue, date!(2026 - 03 - 03)),
            at(K::NextOfferDue, date!(2026 - 03 - 03)),
            at(K::ProviderSilent, date!(2026 - 03 - 03)),
            at(K::QuestionnaireDue, date!(2026 - 03 - 02)),
        ];
        list.sort();
        assert_eq!(
            list,
            [
                at(K::QuestionnaireDue, date!(2026 - 03 - 02)),
                at(K::FirstContactOverdue, date!(2026 - 03 - 03)),
                at(K::New, date!(2026 - 03 - 03)),
                at(K::FirstContactDue, date!(2026 - 03 - 03)),
                at(K::ContactAttemptDue, date!(2026 - 03 - 03)),
                at(K::ProviderSilent, date!(2026 - 03 - 03)),
                at(K::NextOfferDue, date!(2026 - 03 - 03)),
                at(K::PlanReviewDue, date!(2026 - 03 - 03)),
                at(K::FollowUpDue, date!(2026 - 03 - 03)),
                at(K::QuestionnaireDue, date!(2026 - 03 - 03)),
                at(K::FollowUpDue, date!(2026 - 03 - 04)),
            ]
        );
        let overdue = at(K::New, date!(2026 - 03 - 03));
        assert!(!overdue.is_overdue(date!(2026 - 03 - 03)));
        assert!(overdue.is_overdue(date!(2026 - 03 - 04)));
    }

    /// (latest questionnaire, weeks, next follow-up due), counted by hand on the NRW calendar.
    #[test]
    fn a_follow_up_questionnaire_is_due_weeks_after_the_latest_on_a_working_day() {
        let wd = nrw();
        let table = [
            // Monday 2 March + 12 weeks: Monday 25 May 2026 (Whit Monday, a holiday): Tuesday.
            (d(3, 2), 12, d(5, 26)),
            // Tuesday 3 March + 12 weeks: Tuesday 26 May.
            (d(3, 3), 12, d(5, 26)),
            // Saturday 7 March + 4 weeks: Saturday 4 April (Easter weekend, Monday 6 April a
            // holiday): Tuesday 7 April.
            (d(3, 7), 4, d(4, 7)),
            // Wednesday 2 September + 52 weeks: Wednesday 1 September 2027.
            (d(9, 2), 52, date!(2027 - 09 - 01)),
        ];
        for (last, weeks, expected) in table {
            let settings = NextActionSettings {
                follow_up_questionnaire_weeks: weeks,
                ..NextActionSettings::default()
            };
            assert_eq!(
                follow_up_questionnaire_due(last, &settings, &wd),
                expected,
                "{last} + {weeks} weeks"
            );
        }
    }

    /// (sent on, lapse period, lapses on), counted by hand on the NRW calendar of 2026.
    #[test]
    fn an_unanswered_onward_referral_lapses_after_its_working_days() {
        let wd = nrw();
        let table = [
            // Monday 2 March + 15 working days: three whole weeks, Monday 23 March.
            (d(3, 2), 15, d(3, 23)),
            // Friday 6 March + 2: Tuesday 10 March.
            (d(3, 6), 2, d(3, 10)),
            // Saturday 7 March + 2: Tuesday 10 March as well.
            (d(3, 7), 2, d(3, 10)),
            // Monday 30 March + 5: 31, 1, 2, (3–6 off), 7, 8 April.
            (d(3, 30), 5, d(4, 8)),
            // Monday 21 December + 10: 22, 23, 24, (25–27 off), 28, 29, 30, 31, (1–3 January
            // off: New Year's Day on a Friday, then the weekend), Monday 4, Tuesday 5,
            // Wednesday 6 January 2027.
            (d(12, 21), 10, date!(2027 - 01 - 06)),
        ];
        for (sent_on, days, expected) in table {
            let settings = NextActionSettings {
                onward_lapse_working_days: days,
                ..NextActionSettings::default()
            };
            assert_eq!(lapses_on(sent_on, &settings, &wd), expected, "{sent_on} + {days}");
        }
    }
}
