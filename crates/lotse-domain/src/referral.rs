//! The referral lifecycle (FHIR Task): `issued → accepted (or redirected) → contacted (or
//! unreachable after N attempts) → plan agreed → connected → closed` with a closing reason.

use serde::{Deserialize, Serialize};

use crate::event::{Lifecycle, TransitionError};
use crate::id::OrganisationId;

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralState {
    /// Issued to a link facility, not yet accepted.
    Issued,
    /// Accepted by the link facility; contact not yet made.
    Accepted,
    /// First contact made with the person.
    Contacted,
    /// No contact after the programme's number of attempts.
    Unreachable,
    /// An action plan has been agreed.
    PlanAgreed,
    /// At least one offer has started.
    Connected,
    /// Closed, with a reason.
    Closed(ClosingReason),
}

impl ReferralState {
    /// Every state, for reports and tests (closed with each reason).
    pub const OPEN: [Self; 6] = [
        Self::Issued,
        Self::Accepted,
        Self::Contacted,
        Self::Unreachable,
        Self::PlanAgreed,
        Self::Connected,
    ];

    /// Every state: the open ones, then closed with each reason.
    pub const ALL: [Self; 14] = [
        Self::Issued,
        Self::Accepted,
        Self::Contacted,
        Self::Unreachable,
        Self::PlanAgreed,
        Self::Connected,
        Self::Closed(ClosingReason::GoalsMet),
        Self::Closed(ClosingReason::Declined),
        Self::Closed(ClosingReason::NoContact),
        Self::Closed(ClosingReason::Moved),
        Self::Closed(ClosingReason::ReferredToOtherCare),
        Self::Closed(ClosingReason::ConsentWithdrawn),
        Self::Closed(ClosingReason::Died),
        Self::Closed(ClosingReason::Other),
    ];

    /// The stable code stored in the `referral.state` column.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Accepted => "accepted",
            Self::Contacted => "contacted",
            Self::Unreachable => "unreachable",
            Self::PlanAgreed => "plan_agreed",
            Self::Connected => "connected",
            Self::Closed(_) => "closed",
        }
    }

    /// Reads a stored state code and, for `closed`, its reason code.
    pub fn from_codes(state: &str, reason: Option<&str>) -> Option<Self> {
        Some(match state {
            "issued" => Self::Issued,
            "accepted" => Self::Accepted,
            "contacted" => Self::Contacted,
            "unreachable" => Self::Unreachable,
            "plan_agreed" => Self::PlanAgreed,
            "connected" => Self::Connected,
            "closed" => Self::Closed(ClosingReason::from_code(reason?)?),
            _ => return None,
        })
    }

    /// The closing reason, if closed.
    pub const fn closing_reason(self) -> Option<ClosingReason> {
        match self {
            Self::Closed(reason) => Some(reason),
            _ => None,
        }
    }
}

/// Why a referral was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosingReason {
    /// The person's goals were met.
    GoalsMet,
    /// The person declined support.
    Declined,
    /// No contact could be made.
    NoContact,
    /// The person moved away.
    Moved,
    /// Referred to other (medical or social) care.
    ReferredToOtherCare,
    /// Consent was withdrawn.
    ConsentWithdrawn,
    /// The person died.
    Died,
    /// Another reason.
    Other,
}

impl ClosingReason {
    /// Every reason, in a stable order.
    pub const ALL: [Self; 8] = [
        Self::GoalsMet,
        Self::Declined,
        Self::NoContact,
        Self::Moved,
        Self::ReferredToOtherCare,
        Self::ConsentWithdrawn,
        Self::Died,
        Self::Other,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::GoalsMet => "goals_met",
            Self::Declined => "declined",
            Self::NoContact => "no_contact",
            Self::Moved => "moved",
            Self::ReferredToOtherCare => "referred_to_other_care",
            Self::ConsentWithdrawn => "consent_withdrawn",
            Self::Died => "died",
            Self::Other => "other",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Why a link facility passed a referral on to another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectReason {
    /// The person lives in another facility's area.
    WrongArea,
    /// The person belongs to a target group another facility serves.
    TargetGroup,
    /// The facility has no capacity now.
    Capacity,
    /// The person asked for another facility.
    PersonAsked,
    /// Another reason.
    #[default]
    Other,
}

impl RedirectReason {
    /// Every reason, in a stable order (the order of the form's choices).
    pub const ALL: [Self; 5] = [
        Self::WrongArea,
        Self::TargetGroup,
        Self::Capacity,
        Self::PersonAsked,
        Self::Other,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::WrongArea => "wrong_area",
            Self::TargetGroup => "target_group",
            Self::Capacity => "capacity",
            Self::PersonAsked => "person_asked",
            Self::Other => "other",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// What a link worker raises with the prescriber (DESIGN §2: the practice hears at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcernKind {
    /// A safeguarding concern (the person may be at risk).
    Safeguarding,
    /// The person's health seems to be getting worse.
    HealthWorse,
}

impl ConcernKind {
    /// Every kind, in the order of the form's choices.
    pub const ALL: [Self; 2] = [Self::Safeguarding, Self::HealthWorse];

    /// The stable code (stored in `referral.concern_kind`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Safeguarding => "safeguarding",
            Self::HealthWorse => "health_worse",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// What happened to a referral. Past tense; stored as the event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReferralEvent {
    /// Issued to a link facility (or a practice navigator's organisation).
    Issued {
        /// The facility that should take it.
        link_facility: OrganisationId,
    },
    /// Passed on to another link facility before acceptance.
    Redirected {
        /// The new facility.
        to: OrganisationId,
        /// Why. Events written before the reason was recorded read as
        /// [`RedirectReason::Other`].
        #[serde(default)]
        reason: RedirectReason,
    },
    /// Taken on by the link facility.
    Accepted,
    /// A contact attempt did not reach the person.
    ContactAttemptFailed,
    /// Contact made.
    Contacted,
    /// Declared unreachable after the programme's number of failed attempts.
    MarkedUnreachable {
        /// The programme's number of contact attempts before "unreachable" when this was
        /// declared (`Programme::contact_attempts_before_unreachable`); `apply` refuses the event
        /// before that many attempts have failed. Events written before the threshold was
        /// recorded read as 1 (at least one failed attempt, the rule then in force).
        #[serde(default = "one_attempt")]
        attempts_required: u32,
    },
    /// An action plan has been agreed with the person.
    PlanAgreed,
    /// At least one offer has started.
    Connected,
    /// Closed.
    Closed {
        /// Why.
        reason: ClosingReason,
    },
    /// The link worker raised a concern with the prescriber. The state does not change; the
    /// referral row keeps the latest concern for the practice's board. Its kind only: what
    /// worries the link worker is said on the phone, not stored in an event.
    ConcernRaised {
        /// Which concern.
        kind: ConcernKind,
    },
}

impl ReferralEvent {
    /// Every kind of event, as [`Self::kind`] returns it.
    pub const KINDS: [&'static str; 10] = [
        "referral.issued",
        "referral.redirected",
        "referral.accepted",
        "referral.contact_attempt_failed",
        "referral.contacted",
        "referral.marked_unreachable",
        "referral.plan_agreed",
        "referral.connected",
        "referral.closed",
        "referral.concern_raised",
    ];

    /// The event's kind: the stream and the payload's `type` (the store derives it when reading events).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Issued { .. } => "referral.issued",
            Self::Redirected { .. } => "referral.redirected",
            Self::Accepted => "referral.accepted",
            Self::ContactAttemptFailed => "referral.contact_attempt_failed",
            Self::Contacted => "referral.contacted",
            Self::MarkedUnreachable { .. } => "referral.marked_unreachable",
            Self::PlanAgreed => "referral.plan_agreed",
            Self::Connected => "referral.connected",
            Self::Closed { .. } => "referral.closed",
            Self::ConcernRaised { .. } => "referral.concern_raised",
        }
    }
}

const fn one_attempt() -> u32 {
    1
}

/// The state of one referral as folded from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralStatus {
    /// Where it stands.
    pub state: ReferralState,
    /// The facility responsible now.
    pub link_facility: OrganisationId,
    /// Failed contact attempts since acceptance.
    pub failed_contact_attempts: u32,
}

impl ReferralStatus {
    fn refuse(&self, event: &ReferralEvent) -> TransitionError {
        TransitionError {
            stream: Self::STREAM,
            from: self.state.code().to_owned(),
            event: event.kind(),
        }
    }

    /// Whether the programme's threshold allows declaring the person unreachable now: the
    /// referral is accepted and at least `attempts_before_unreachable` (and at least one)
    /// contact attempts have failed. `apply` enforces it for `MarkedUnreachable`.
    pub const fn may_mark_unreachable(&self, attempts_before_unreachable: u32) -> bool {
        matches!(self.state, ReferralState::Accepted)
            && self.failed_contact_attempts > 0
            && self.failed_contact_attempts >= attempts_before_unreachable
    }
}

impl Lifecycle for ReferralStatus {
    type Event = ReferralEvent;
    const STREAM: &'static str = "referral";

    fn start(event: &ReferralEvent) -> Result<Self, TransitionError> {
        match event {
            ReferralEvent::Issued { link_facility } => Ok(Self {
                state: ReferralState::Issued,
                link_facility: *link_facility,
                failed_contact_attempts: 0,
            }),
            other => Err(TransitionError {
                stream: Self::STREAM,
                from: "new".to_owned(),
                event: other.kind(),
            }),
        }
    }

    fn apply(&self, event: &ReferralEvent) -> Result<Self, TransitionError> {
        use ReferralEvent as E;
        use ReferralState as S;
        let next = |state| Ok(Self { state, ..*self });
        match (self.state, event) {
            (S::Issued, E::Redirected { to, .. }) if *to != self.link_facility => Ok(Self {
                link_facility: *to,
                ..*self
            }),
            (S::Issued, E::Accepted) => next(S::Accepted),
            (S::Accepted, E::ContactAttemptFailed) => Ok(Self {
                failed_contact_attempts: self.failed_contact_attempts.saturating_add(1),
                ..*self
            }),
            (S::Accepted | S::Unreachable, E::Contacted) => next(S::Contacted),
            (S::Accepted, E::MarkedUnreachable { attempts_required })
                if self.may_mark_unreachable(*attempts_required) =>
            {
                next(S::Unreachable)
            }
            (S::Contacted, E::PlanAgreed) => next(S::PlanAgreed),
            (S::PlanAgreed, E::Connected) => next(S::Connected),
            (S::Accepted | S::Contacted | S::Unreachable | S::PlanAgreed | S::Connected, E::ConcernRaised { .. }) => {
                Ok(*self)
            }
            (S::Closed(_), _) => Err(self.refuse(event)),
            (_, E::Closed { reason }) => next(S::Closed(*reason)),
            _ => Err(self.refuse(event)),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn org(n: u128) -> OrganisationId {
        OrganisationId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn kinds_and_states_are_complete() {
        let events = [
            ReferralEvent::Issued { link_facility: org(1) },
            ReferralEvent::Redirected {
                to: org(2),
                reason: RedirectReason::Capacity,
            },
            ReferralEvent::Accepted,
            ReferralEvent::ContactAttemptFailed,
            ReferralEvent::Contacted,
            ReferralEvent::MarkedUnreachable { attempts_required: 1 },
            ReferralEvent::PlanAgreed,
            ReferralEvent::Connected,
            ReferralEvent::Closed {
                reason: ClosingReason::Other,
            },
            ReferralEvent::ConcernRaised {
                kind: ConcernKind::Safeguarding,
            },
        ];
        let kinds: Vec<_> = events.iter().map(ReferralEvent::kind).collect();
        assert_eq!(kinds, ReferralEvent::KINDS);
        // The store keeps no kind: it reads it back as the stream and the payload's `type`.
        for event in &events {
            let payload = serde_json::to_value(event).unwrap();
            let tag = payload["type"].as_str().unwrap();
            assert_eq!(format!("referral.{tag}"), event.kind());
        }
        for state in ReferralState::ALL {
            let reason = state.closing_reason().map(ClosingReason::code);
            assert_eq!(ReferralState::from_codes(state.code(), reason), Some(state));
        }
        assert_eq!(
            ReferralState::ALL.len(),
            ReferralState::OPEN.len() + ClosingReason::ALL.len()
        );
    }

    /// Every event the generator may try: valid or not, from any state.
    fn candidates() -> Vec<ReferralEvent> {
        let mut all = vec![
            ReferralEvent::Issued { link_facility: org(1) },
            ReferralEvent::Redirected {
                to: org(1),
                reason: RedirectReason::Capacity,
            },
            ReferralEvent::Redirected {
                to: org(2),
                reason: RedirectReason::Capacity,
            },
            ReferralEvent::Accepted,
            ReferralEvent::ContactAttemptFailed,
            ReferralEvent::Contacted,
            ReferralEvent::MarkedUnreachable { attempts_required: 1 },
            ReferralEvent::MarkedUnreachable { attempts_required: 2 },
            ReferralEvent::MarkedUnreachable { attempts_required: 3 },
            ReferralEvent::MarkedUnreachable { attempts_required: 0 },
            ReferralEvent::PlanAgreed,
            ReferralEvent::Connected,
            ReferralEvent::ConcernRaised {
                kind: ConcernKind::Safeguarding,
            },
            ReferralEvent::ConcernRaised {
                kind: ConcernKind::HealthWorse,
            },
        ];
        all.extend(ClosingReason::ALL.map(|reason| ReferralEvent::Closed { reason }));
        all
    }

    #[test]
    fn the_happy_path_reaches_closed() {
        let events = [
            ReferralEvent::Issued { link_facility: org(1) },
            ReferralEvent::Accepted,
            ReferralEvent::ContactAttemptFailed,
            ReferralEvent::Contacted,
            ReferralEvent::PlanAgreed,
            ReferralEvent::Connected,
            ReferralEvent::Closed {
                reason: ClosingReason::GoalsMet,
            },
        ];
        let status = ReferralStatus::replay(&events).unwrap();
        assert_eq!(status.state, ReferralState::Closed(ClosingReason::GoalsMet));
        assert_eq!(status.failed_contact_attempts, 1);
    }

    #[test]
    fn invalid_transitions_are_rejected_with_a_clear_error() {
        let issued = ReferralStatus::start(&ReferralEvent::Issued { link_facility: org(1) }).unwrap();
        let err = issued.apply(&ReferralEvent::Connected).unwrap_err();
        assert_eq!(
            err.to_string(),
            "referral.connected is not allowed when the referral is issued"
        );
        assert!(
            issued
                .apply(&ReferralEvent::Redirected {
                    to: org(1),
                    reason: RedirectReason::Capacity,
                })
                .is_err(),
            "redirect to itself"
        );
        assert!(ReferralStatus::start(&ReferralEvent::Accepted).is_err());
        let accepted = issued.apply(&ReferralEvent::Accepted).unwrap();
        assert!(
            accepted
                .apply(&ReferralEvent::MarkedUnreachable { attempts_required: 0 })
                .is_err(),
            "no attempt yet"
        );
        let failed_twice = accepted
            .apply(&ReferralEvent::ContactAttemptFailed)
            .and_then(|s| s.apply(&ReferralEvent::ContactAttemptFailed))
            .unwrap();
        let err = failed_twice
            .apply(&ReferralEvent::MarkedUnreachable { attempts_required: 3 })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "referral.marked_unreachable is not allowed when the referral is accepted",
            "two failed attempts where the programme asks for three"
        );
        assert_eq!(
            failed_twice
                .apply(&ReferralEvent::MarkedUnreachable { attempts_required: 2 })
                .unwrap()
                .state,
            ReferralState::Unreachable
        );
        let closed = accepted
            .apply(&ReferralEvent::Closed {
                reason: ClosingReason::Moved,
            })
            .unwrap();
        assert!(
            closed
                .apply(&ReferralEvent::Closed {
                    reason: ClosingReason::Died
                })
                .is_err()
        );
        assert!(ReferralStatus::replay(&[]).is_err());
    }

    #[test]
    fn state_codes_round_trip() {
        for state in ReferralState::OPEN {
            assert_eq!(ReferralState::from_codes(state.code(), None), Some(state));
        }
        for reason in ClosingReason::ALL {
            let state = ReferralState::Closed(reason);
            assert_eq!(ReferralState::from_codes("closed", Some(reason.code())), Some(state));
        }
        assert_eq!(ReferralState::from_codes("closed", None), None);
        assert_eq!(ReferralState::from_codes("lost", None), None);
    }

    #[test]
    fn payload_round_trips() {
        for event in candidates() {
            let payload = crate::event::to_payload(&event).unwrap();
            assert_eq!(crate::event::from_payload::<ReferralEvent>(payload).unwrap(), event);
        }
        // Written before the threshold was recorded in the event: the rule then in force.
        assert_eq!(
            crate::event::from_payload::<ReferralEvent>(serde_json::json!({"type": "marked_unreachable"})).unwrap(),
            ReferralEvent::MarkedUnreachable { attempts_required: 1 }
        );
        // Written before the redirect reason was recorded.
        let to = org(2);
        assert_eq!(
            crate::event::from_payload::<ReferralEvent>(serde_json::json!({"type": "redirected", "to": to})).unwrap(),
            ReferralEvent::Redirected {
                to,
                reason: RedirectReason::Other
            }
        );
        for reason in RedirectReason::ALL {
            assert_eq!(RedirectReason::from_code(reason.code()), Some(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.code());
        }
    }

    /// The transition table, written out by hand from the lifecycle in the module docs,
    /// independently of `apply`: the state a referral is in (its
    /// code, its facility, its failed attempts) × an event → the state after it, or `None`
    /// when the event is refused.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Model {
        state: &'static str,
        facility: u128,
        failed: u32,
    }

    fn facility_of(org: OrganisationId) -> u128 {
        org.as_uuid().as_u128()
    }

    /// (from, event kind) → to, for the transitions that need no guard. Anything not listed
    /// (and not handled by a guarded rule below) is refused.
    const TABLE: &[(&str, &str, &str)] = &[
        ("issued", "referral.accepted", "accepted"),
        ("accepted", "referral.contacted", "contacted"),
        ("unreachable", "referral.contacted", "contacted"),
        ("contacted", "referral.plan_agreed", "plan_agreed"),
        ("plan_agreed", "referral.connected", "connected"),
        // A concern changes nothing, once the facility has taken the referral on.
        ("accepted", "referral.concern_raised", "accepted"),
        ("contacted", "referral.concern_raised", "contacted"),
        ("unreachable", "referral.concern_raised", "unreachable"),
        ("plan_agreed", "referral.concern_raised", "plan_agreed"),
        ("connected", "referral.concern_raised", "connected"),
    ];
    const OPEN: &[&str] = &[
        "issued",
        "accepted",
        "contacted",
        "unreachable",
        "plan_agreed",
        "connected",
    ];
    const CODES: &[&str] = &[
        "issued",
        "accepted",
        "contacted",
        "unreachable",
        "plan_agreed",
        "connected",
        "closed:goals_met",
        "closed:declined",
        "closed:no_contact",
        "closed:moved",
        "closed:referred_to_other_care",
        "closed:consent_withdrawn",
        "closed:died",
        "closed:other",
    ];

    fn oracle(model: Model, event: &ReferralEvent) -> Option<Model> {
        match (model.state, event) {
            ("issued", ReferralEvent::Redirected { to, .. }) => (facility_of(*to) != model.facility).then_some(Model {
                facility: facility_of(*to),
                ..model
            }),
            ("accepted", ReferralEvent::ContactAttemptFailed) => Some(Model {
                failed: model.failed + 1,
                ..model
            }),
            ("accepted", ReferralEvent::MarkedUnreachable { attempts_required }) => {
                (model.failed >= 1 && model.failed >= *attempts_required).then_some(Model {
                    state: "unreachable",
                    ..model
                })
            }
            (from, ReferralEvent::Closed { reason }) if OPEN.contains(&from) => Some(Model {
                state: match reason {
                    ClosingReason::GoalsMet => "closed:goals_met",
                    ClosingReason::Declined => "closed:declined",
                    ClosingReason::NoContact => "closed:no_contact",
                    ClosingReason::Moved => "closed:moved",
                    ClosingReason::ReferredToOtherCare => "closed:referred_to_other_care",
                    ClosingReason::ConsentWithdrawn => "closed:consent_withdrawn",
                    ClosingReason::Died => "closed:died",
                    ClosingReason::Other => "closed:other",
                },
                ..model
            }),
            (from, event) => TABLE
                .iter()
                .find(|(f, kind, _)| *f == from && *kind == event.kind())
                .map(|(_, _, to)| Model { state: to, ..model }),
        }
    }

    fn observe(status: &ReferralStatus) -> (String, u128, u32) {
        let state = match status.state.closing_reason() {
            Some(reason) => format!("closed:{}", reason.code()),
            None => status.state.code().to_owned(),
        };
        (state, facility_of(status.link_facility), status.failed_contact_attempts)
    }

    #[test]
    fn the_table_covers_every_state_and_event_pair() {
        // Reach every state with 0..=3 failed attempts, then try every candidate from it, so
        // every (state, event) pair of the table is compared at least once.
        let accepted = ReferralStatus::start(&ReferralEvent::Issued { link_facility: org(1) })
            .and_then(|s| s.apply(&ReferralEvent::Accepted))
            .unwrap();
        let mut seen = std::collections::BTreeSet::new();
        let mut frontier = vec![
            ReferralStatus::start(&ReferralEvent::Issued { link_facility: org(1) }).unwrap(),
            accepted,
        ];
        while let Some(status) = frontier.pop() {
            let (state, facility, failed) = observe(&status);
            if !seen.insert((state.clone(), facility, failed)) || failed > 3 {
                continue;
            }
            let model = Model {
                state: CODES.iter().copied().find(|c| *c == state).unwrap(),
                facility,
                failed,
            };
            for event in candidates().iter().skip(1) {
                let expected = oracle(model, event);
                let actual = status.apply(event).ok();
                assert_eq!(
                    actual.as_ref().map(observe),
                    expected.map(|m| (m.state.to_owned(), m.facility, m.failed)),
                    "{model:?} + {event:?}"
                );
                frontier.extend(actual);
            }
        }
        let states: std::collections::BTreeSet<_> = seen
            .iter()
            .map(|(s, _, _)| s.split(':').next().unwrap_or("").to_owned())
            .collect();
        assert_eq!(states.len(), 7, "every state reached: {states:?}");
    }

    proptest! {
        /// Any sequence of candidate events, valid or not: `apply` agrees with the table at
        /// every step (the store test `an_invalid_transition_is_refused_and_writes_nothing`
        /// shows that a refused event changes nothing stored); replaying the accepted events
        /// equals applying them step by step.
        #[test]
        fn apply_agrees_with_the_transition_table(choices in proptest::collection::vec(any::<(proptest::sample::Index, proptest::sample::Index)>(), 0..60)) {
            let first = ReferralEvent::Issued { link_facility: org(1) };
            let mut state = ReferralStatus::start(&first).unwrap();
            let mut model = Model { state: "issued", facility: 1, failed: 0 };
            let mut events = vec![first];
            // Closing events end a sequence, so they share one slot of the choice (its
            // reason drawn apart); the other candidates keep a fair chance to be tried.
            let open: Vec<_> = candidates().into_iter().filter(|e| !matches!(e, ReferralEvent::Closed { .. })).collect();
            for (choice, reason) in choices {
                let event = if choice.index(open.len() + 1) == open.len() {
                    ReferralEvent::Closed { reason: *reason.get(&ClosingReason::ALL) }
                } else {
                    *choice.get(&open)
                };
                match (state.apply(&event), oracle(model, &event)) {
                    (Ok(next), Some(expected)) => {
                        prop_assert_eq!(observe(&next), (expected.state.to_owned(), expected.facility, expected.failed));
                        state = next;
                        model = expected;
                        events.push(event);
                        prop_assert_eq!(ReferralStatus::replay(&events).unwrap(), state);
                    }
                    (Err(_), None) => {}
                    (actual, expected) => prop_assert!(false, "{:?} + {:?}: apply gave {:?}, the table {:?}", model, event, actual, expected),
                }
            }
            prop_assert_eq!(ReferralStatus::replay(&events).unwrap(), state);
        }
    }
}
