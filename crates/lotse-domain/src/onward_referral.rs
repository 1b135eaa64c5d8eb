//! The onward referral lifecycle: `proposed → accepted / declined by the person → sent →
//! acknowledged by provider → attending → ended` (with reason), or `did not attend`, or
//! `lapsed` (no provider answer).

use serde::{Deserialize, Serialize};

use crate::event::{Lifecycle, TransitionError};
use crate::id::OfferId;

/// Where an onward referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnwardReferralState {
    /// On the shortlist, proposed to the person.
    Proposed,
    /// The person wants it.
    Accepted,
    /// The person declined it (final).
    DeclinedByPerson,
    /// Sent to the provider.
    Sent,
    /// The provider declined it (final).
    DeclinedByProvider,
    /// The provider acknowledged it.
    Acknowledged,
    /// The person attends.
    Attending,
    /// Attendance ended (final).
    Ended(EndReason),
    /// The person did not come (final).
    DidNotAttend,
    /// The provider never answered (final).
    Lapsed,
}

impl OnwardReferralState {
    /// Every state, ended with each reason.
    pub const ALL: [Self; 13] = [
        Self::Proposed,
        Self::Accepted,
        Self::DeclinedByPerson,
        Self::Sent,
        Self::DeclinedByProvider,
        Self::Acknowledged,
        Self::Attending,
        Self::Ended(EndReason::Completed),
        Self::Ended(EndReason::StoppedByPerson),
        Self::Ended(EndReason::OfferEnded),
        Self::Ended(EndReason::Other),
        Self::DidNotAttend,
        Self::Lapsed,
    ];

    /// The stable code stored in `onward_referral.state`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Accepted => "accepted",
            Self::DeclinedByPerson => "declined_by_person",
            Self::Sent => "sent",
            Self::DeclinedByProvider => "declined_by_provider",
            Self::Acknowledged => "acknowledged",
            Self::Attending => "attending",
            Self::Ended(_) => "ended",
            Self::DidNotAttend => "did_not_attend",
            Self::Lapsed => "lapsed",
        }
    }

    /// Whether no further event may follow.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            Self::DeclinedByPerson | Self::DeclinedByProvider | Self::Ended(_) | Self::DidNotAttend | Self::Lapsed
        )
    }

    /// Reads a stored state code and, for `ended`, its reason code.
    pub fn from_codes(state: &str, reason: Option<&str>) -> Option<Self> {
        Some(match state {
            "proposed" => Self::Proposed,
            "accepted" => Self::Accepted,
            "declined_by_person" => Self::DeclinedByPerson,
            "sent" => Self::Sent,
            "declined_by_provider" => Self::DeclinedByProvider,
            "acknowledged" => Self::Acknowledged,
            "attending" => Self::Attending,
            "ended" => Self::Ended(EndReason::from_code(reason?)?),
            "did_not_attend" => Self::DidNotAttend,
            "lapsed" => Self::Lapsed,
            _ => return None,
        })
    }

    /// The end reason, if ended.
    pub const fn end_reason(self) -> Option<EndReason> {
        match self {
            Self::Ended(reason) => Some(reason),
            _ => None,
        }
    }
}

/// Why attendance ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The offer did what it should; the person moved on.
    Completed,
    /// The person stopped going.
    StoppedByPerson,
    /// The offer ended.
    OfferEnded,
    /// Another reason.
    Other,
}

impl EndReason {
    /// Every reason.
    pub const ALL: [Self; 4] = [Self::Completed, Self::StoppedByPerson, Self::OfferEnded, Self::Other];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::StoppedByPerson => "stopped_by_person",
            Self::OfferEnded => "offer_ended",
            Self::Other => "other",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Why the person declined an offer of the shortlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// It is not what the person wants.
    NotInterested,
    /// It meets at times the person cannot make.
    Times,
    /// It is too far, or hard to get to.
    TooFar,
    /// It costs too much.
    Cost,
    /// The person's health does not allow it now.
    Health,
    /// Another reason.
    #[default]
    Other,
}

impl DeclineReason {
    /// Every reason, in the order of the form's choices.
    pub const ALL: [Self; 6] = [
        Self::NotInterested,
        Self::Times,
        Self::TooFar,
        Self::Cost,
        Self::Health,
        Self::Other,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::NotInterested => "not_interested",
            Self::Times => "times",
            Self::TooFar => "too_far",
            Self::Cost => "cost",
            Self::Health => "health",
            Self::Other => "other",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// How a provider's answer reached Lotse: the event records who recorded it and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerChannel {
    /// A provider user in the UI.
    ProviderAccount,
    /// A single-purpose signed link without an account.
    SignedLink,
    /// The link worker after a phone call.
    RecordedByLinkWorker,
}

impl AnswerChannel {
    /// Every channel.
    pub const ALL: [Self; 3] = [Self::ProviderAccount, Self::SignedLink, Self::RecordedByLinkWorker];

    /// The stable code (as in the event).
    pub const fn code(self) -> &'static str {
        match self {
            Self::ProviderAccount => "provider_account",
            Self::SignedLink => "signed_link",
            Self::RecordedByLinkWorker => "recorded_by_link_worker",
        }
    }
}

/// Why a provider declined an onward referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderDeclineReason {
    /// No place free, and no waiting list.
    Full,
    /// The offer does not suit the person (age, needs, accessibility).
    NotSuitable,
    /// The offer does not run at present.
    NotRunning,
    /// Another reason.
    #[default]
    Other,
}

impl ProviderDeclineReason {
    /// Every reason, in the order forms list them.
    pub const ALL: [Self; 4] = [Self::Full, Self::NotSuitable, Self::NotRunning, Self::Other];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::NotSuitable => "not_suitable",
            Self::NotRunning => "not_running",
            Self::Other => "other",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A provider's answer to an onward referral, however it reached Lotse (its account, its
/// signed link, or the link worker after a call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderAnswer {
    /// The provider takes the person on (`acknowledged`).
    Accept,
    /// The provider cannot, for this reason.
    Decline(ProviderDeclineReason),
    /// The person came and attends.
    Attended,
    /// The person did not come.
    DidNotAttend,
    /// The person attended and stopped.
    Stopped,
}

impl ProviderAnswer {
    /// The stable code of the answer (forms and the API; a decline's reason is separate).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Decline(_) => "decline",
            Self::Attended => "attended",
            Self::DidNotAttend => "did_not_attend",
            Self::Stopped => "stopped",
        }
    }

    /// Reads an answer from its code and, for `decline`, a reason code (`None` or an unknown
    /// one: `None`).
    pub fn parse(code: &str, reason: Option<&str>) -> Option<Self> {
        Some(match code {
            "accept" => Self::Accept,
            "decline" => Self::Decline(ProviderDeclineReason::from_code(reason?)?),
            "attended" => Self::Attended,
            "did_not_attend" => Self::DidNotAttend,
            "stopped" => Self::Stopped,
            _ => return None,
        })
    }

    /// The event this answer writes, received through `channel`.
    pub const fn event(self, channel: AnswerChannel) -> OnwardReferralEvent {
        match self {
            Self::Accept => OnwardReferralEvent::Acknowledged { channel },
            Self::Decline(reason) => OnwardReferralEvent::DeclinedByProvider { channel, reason },
            Self::Attended => OnwardReferralEvent::AttendanceStarted { channel },
            Self::DidNotAttend => OnwardReferralEvent::DidNotAttend { channel },
            Self::Stopped => OnwardReferralEvent::Ended {
                reason: EndReason::StoppedByPerson,
                channel: Some(channel),
            },
        }
    }

    /// The answers possible in `state` through `channel`: a provider answers what was sent to
    /// it; the link worker also records what a provider said about an offer the person
    /// contacted on their own (accepted, never sent).
    pub fn possible(state: OnwardReferralState, channel: AnswerChannel) -> Vec<Self> {
        let all = [
            Self::Accept,
            Self::Decline(ProviderDeclineReason::Other),
            Self::Attended,
            Self::DidNotAttend,
            Self::Stopped,
        ];
        let start = OnwardReferralStatus {
            state,
            offer: OfferId::from_uuid(uuid::Uuid::nil()),
        };
        all.into_iter()
            .filter(|a| start.apply(&a.event(channel)).is_ok())
            .collect()
    }
}

/// What happened to an onward referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OnwardReferralEvent {
    /// Put on the shortlist for the person.
    Proposed {
        /// The offer.
        offer: OfferId,
    },
    /// The person accepts.
    AcceptedByPerson,
    /// The person declines.
    DeclinedByPerson {
        /// Why. Events written before the reason was recorded read as [`DeclineReason::Other`].
        #[serde(default)]
        reason: DeclineReason,
    },
    /// Sent to the provider (needs the person's sharing consent, checked by the use case).
    Sent,
    /// The provider declines.
    DeclinedByProvider {
        /// How the answer came.
        channel: AnswerChannel,
        /// Why (events recorded before providers gave reasons read as `other`).
        #[serde(default)]
        reason: ProviderDeclineReason,
    },
    /// The provider acknowledges.
    Acknowledged {
        /// How the answer came.
        channel: AnswerChannel,
    },
    /// The person has started attending.
    AttendanceStarted {
        /// How the answer came.
        channel: AnswerChannel,
    },
    /// The person did not come.
    DidNotAttend {
        /// How the answer came.
        channel: AnswerChannel,
    },
    /// Attendance ended.
    Ended {
        /// Why.
        reason: EndReason,
        /// How the answer came, where a provider's answer ended it ("stopped"); events written
        /// before the channel was recorded read as `None`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<AnswerChannel>,
    },
    /// No provider answer within the programme's lapse period.
    Lapsed,
}

impl OnwardReferralEvent {
    /// Every kind of event, as [`Self::kind`] returns it.
    pub const KINDS: [&'static str; 10] = [
        "onward_referral.proposed",
        "onward_referral.accepted_by_person",
        "onward_referral.declined_by_person",
        "onward_referral.sent",
        "onward_referral.declined_by_provider",
        "onward_referral.acknowledged",
        "onward_referral.attendance_started",
        "onward_referral.did_not_attend",
        "onward_referral.ended",
        "onward_referral.lapsed",
    ];

    /// How a provider's answer came; `None` for every other event.
    pub const fn channel(&self) -> Option<AnswerChannel> {
        match self {
            Self::DeclinedByProvider { channel, .. }
            | Self::Acknowledged { channel }
            | Self::AttendanceStarted { channel }
            | Self::DidNotAttend { channel } => Some(*channel),
            Self::Ended { channel, .. } => *channel,
            _ => None,
        }
    }

    /// Whether this is the provider's answer to a sent onward referral (what its reply time is
    /// measured to).
    pub const fn is_provider_answer(&self) -> bool {
        matches!(
            self,
            Self::DeclinedByProvider { .. }
                | Self::Acknowledged { .. }
                | Self::AttendanceStarted { .. }
                | Self::DidNotAttend { .. }
        )
    }

    /// The event's kind: the stream and the payload's `type` (the store derives it when reading events).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Proposed { .. } => "onward_referral.proposed",
            Self::AcceptedByPerson => "onward_referral.accepted_by_person",
            Self::DeclinedByPerson { .. } => "onward_referral.declined_by_person",
            Self::Sent => "onward_referral.sent",
            Self::DeclinedByProvider { .. } => "onward_referral.declined_by_provider",
            Self::Acknowledged { .. } => "onward_referral.acknowledged",
            Self::AttendanceStarted { .. } => "onward_referral.attendance_started",
            Self::DidNotAttend { .. } => "onward_referral.did_not_attend",
            Self::Ended { .. } => "onward_referral.ended",
            Self::Lapsed => "onward_referral.lapsed",
        }
    }
}

/// The state of one onward referral as folded from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnwardReferralStatus {
    /// Where it stands.
    pub state: OnwardReferralState,
    /// The offer it goes to.
    pub offer: OfferId,
}

impl Lifecycle for OnwardReferralStatus {
    type Event = OnwardReferralEvent;
    const STREAM: &'static str = "onward_referral";

    fn start(event: &OnwardReferralEvent) -> Result<Self, TransitionError> {
        match event {
            OnwardReferralEvent::Proposed { offer } => Ok(Self {
                state: OnwardReferralState::Proposed,
                offer: *offer,
            }),
            other => Err(TransitionError {
                stream: Self::STREAM,
                from: "new".to_owned(),
                event: other.kind(),
            }),
        }
    }

    fn apply(&self, event: &OnwardReferralEvent) -> Result<Self, TransitionError> {
        use OnwardReferralEvent as E;
        use OnwardReferralState as S;
        let state = match (self.state, event) {
            (S::Proposed, E::AcceptedByPerson) => S::Accepted,
            (S::Proposed | S::Accepted, E::DeclinedByPerson { .. }) => S::DeclinedByPerson,
            (S::Accepted, E::Sent) => S::Sent,
            // From `accepted` only as recorded by the link worker: the referral was not sent (no
            // sharing consent), the person went on their own, and the link worker records what
            // came of it.
            (S::Sent, E::DeclinedByProvider { .. })
            | (
                S::Accepted,
                E::DeclinedByProvider {
                    channel: AnswerChannel::RecordedByLinkWorker,
                    ..
                },
            ) => S::DeclinedByProvider,
            (S::Sent, E::Acknowledged { .. }) => S::Acknowledged,
            (S::Sent, E::Lapsed) => S::Lapsed,
            (S::Sent | S::Acknowledged, E::AttendanceStarted { .. })
            | (
                S::Accepted,
                E::AttendanceStarted {
                    channel: AnswerChannel::RecordedByLinkWorker,
                },
            ) => S::Attending,
            (S::Sent | S::Acknowledged, E::DidNotAttend { .. })
            | (
                S::Accepted,
                E::DidNotAttend {
                    channel: AnswerChannel::RecordedByLinkWorker,
                },
            ) => S::DidNotAttend,
            (S::Attending, E::Ended { reason, .. }) => S::Ended(*reason),
            _ => {
                return Err(TransitionError {
                    stream: Self::STREAM,
                    from: self.state.code().to_owned(),
                    event: event.kind(),
                });
            }
        };
        Ok(Self { state, ..*self })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn offer() -> OfferId {
        OfferId::from_uuid(Uuid::from_u128(7))
    }

    /// Which answers each state allows through a channel, written out by hand.
    #[test]
    fn the_answers_possible_in_each_state_and_channel() {
        let table = [
            ("proposed", AnswerChannel::SignedLink, ""),
            ("accepted", AnswerChannel::SignedLink, ""),
            ("accepted", AnswerChannel::ProviderAccount, ""),
            (
                "accepted",
                AnswerChannel::RecordedByLinkWorker,
                "decline attended did_not_attend",
            ),
            (
                "sent",
                AnswerChannel::SignedLink,
                "accept decline attended did_not_attend",
            ),
            (
                "sent",
                AnswerChannel::RecordedByLinkWorker,
                "accept decline attended did_not_attend",
            ),
            ("acknowledged", AnswerChannel::SignedLink, "attended did_not_attend"),
            ("attending", AnswerChannel::SignedLink, "stopped"),
            ("declined_by_provider", AnswerChannel::SignedLink, ""),
            ("did_not_attend", AnswerChannel::RecordedByLinkWorker, ""),
            ("lapsed", AnswerChannel::SignedLink, ""),
        ];
        for (state, channel, expected) in table {
            let state = OnwardReferralState::from_codes(state, None).unwrap();
            let codes: Vec<_> = ProviderAnswer::possible(state, channel)
                .into_iter()
                .map(ProviderAnswer::code)
                .collect();
            assert_eq!(codes.join(" "), expected, "{state:?} through {channel:?}");
        }
        assert_eq!(
            ProviderAnswer::parse("decline", Some("full")),
            Some(ProviderAnswer::Decline(ProviderDeclineReason::Full))
        );
        assert_eq!(
            ProviderAnswer::parse("decline", None),
            None,
            "a decline needs its reason"
        );
        assert_eq!(ProviderAnswer::parse("decline", Some("busy")), None);
        assert_eq!(ProviderAnswer::parse("accepted", None), None);
        assert_eq!(
            ProviderAnswer::Stopped.event(AnswerChannel::SignedLink),
            OnwardReferralEvent::Ended {
                reason: EndReason::StoppedByPerson,
                channel: Some(AnswerChannel::SignedLink),
            }
        );
        assert_eq!(
            ProviderAnswer::Stopped.event(AnswerChannel::SignedLink).channel(),
            Some(AnswerChannel::SignedLink),
            "a provider's \"stopped\" says how it came"
        );
        // An end stored before the channel was recorded reads without one.
        let old: OnwardReferralEvent = serde_json::from_str(r#"{"type":"ended","reason":"completed"}"#).unwrap();
        assert_eq!(
            old,
            OnwardReferralEvent::Ended {
                reason: EndReason::Completed,
                channel: None
            }
        );
        // An event stored before providers gave reasons reads as `other`.
        let old: OnwardReferralEvent =
            serde_json::from_str(r#"{"type":"declined_by_provider","channel":"signed_link"}"#).unwrap();
        assert_eq!(
            old,
            OnwardReferralEvent::DeclinedByProvider {
                channel: AnswerChannel::SignedLink,
                reason: ProviderDeclineReason::Other
            }
        );
    }

    #[test]
    fn kinds_and_states_are_complete() {
        let channel = AnswerChannel::ProviderAccount;
        let events = [
            OnwardReferralEvent::Proposed { offer: offer() },
            OnwardReferralEvent::AcceptedByPerson,
            OnwardReferralEvent::DeclinedByPerson {
                reason: DeclineReason::Cost,
            },
            OnwardReferralEvent::Sent,
            OnwardReferralEvent::DeclinedByProvider {
                channel,
                reason: ProviderDeclineReason::Other,
            },
            OnwardReferralEvent::Acknowledged { channel },
            OnwardReferralEvent::AttendanceStarted { channel },
            OnwardReferralEvent::DidNotAttend { channel },
            OnwardReferralEvent::Ended {
                reason: EndReason::Other,
                channel: None,
            },
            OnwardReferralEvent::Lapsed,
        ];
        let kinds: Vec<_> = events.iter().map(OnwardReferralEvent::kind).collect();
        assert_eq!(kinds, OnwardReferralEvent::KINDS);
        // The store keeps no kind: it reads it back as the stream and the payload's `type`.
        for event in &events {
            let payload = serde_json::to_value(event).unwrap();
            let tag = payload["type"].as_str().unwrap();
            assert_eq!(format!("onward_referral.{tag}"), event.kind());
        }
        for state in OnwardReferralState::ALL {
            let reason = state.end_reason().map(EndReason::code);
            assert_eq!(OnwardReferralState::from_codes(state.code(), reason), Some(state));
        }
    }

    fn candidates() -> Vec<OnwardReferralEvent> {
        use OnwardReferralEvent as E;
        let c = AnswerChannel::SignedLink;
        let mut all = vec![
            E::Proposed { offer: offer() },
            E::AcceptedByPerson,
            E::DeclinedByPerson {
                reason: DeclineReason::Other,
            },
            E::Sent,
            E::DeclinedByProvider {
                channel: c,
                reason: ProviderDeclineReason::Full,
            },
            E::Acknowledged {
                channel: AnswerChannel::ProviderAccount,
            },
            E::AttendanceStarted {
                channel: AnswerChannel::RecordedByLinkWorker,
            },
            E::DidNotAttend { channel: c },
            E::Lapsed,
        ];
        all.extend(EndReason::ALL.map(|reason| E::Ended { reason, channel: None }));
        for channel in AnswerChannel::ALL {
            all.extend([
                E::DeclinedByProvider {
                    channel,
                    reason: ProviderDeclineReason::Other,
                },
                E::Acknowledged { channel },
                E::AttendanceStarted { channel },
                E::DidNotAttend { channel },
            ]);
        }
        all
    }

    #[test]
    fn final_states_accept_nothing() {
        let proposed = OnwardReferralStatus::start(&OnwardReferralEvent::Proposed { offer: offer() }).unwrap();
        let declined = proposed
            .apply(&OnwardReferralEvent::DeclinedByPerson {
                reason: DeclineReason::TooFar,
            })
            .unwrap();
        assert!(declined.state.is_final());
        for event in candidates() {
            assert!(declined.apply(&event).is_err());
        }
        let err = proposed.apply(&OnwardReferralEvent::Sent).unwrap_err();
        assert_eq!(
            err.to_string(),
            "onward_referral.sent is not allowed when the onward_referral is proposed"
        );
    }

    #[test]
    fn codes_round_trip() {
        for event in candidates() {
            let payload = crate::event::to_payload(&event).unwrap();
            assert_eq!(
                crate::event::from_payload::<OnwardReferralEvent>(payload).unwrap(),
                event
            );
        }
        for reason in EndReason::ALL {
            let s = OnwardReferralState::Ended(reason);
            assert_eq!(OnwardReferralState::from_codes(s.code(), Some(reason.code())), Some(s));
        }
        assert_eq!(
            OnwardReferralState::from_codes("lapsed", None),
            Some(OnwardReferralState::Lapsed)
        );
    }

    /// The transition table, written out by hand from the lifecycle in the module docs,
    /// independently of `apply`: (state code, event kind, channel) → state code after it, where
    /// the channel `*` is any (and events without one). Every triple not listed is refused.
    /// `ended` is written with its reason.
    const TABLE: &[(&str, &str, &str, &str)] = &[
        ("proposed", "onward_referral.accepted_by_person", "*", "accepted"),
        (
            "proposed",
            "onward_referral.declined_by_person",
            "*",
            "declined_by_person",
        ),
        (
            "accepted",
            "onward_referral.declined_by_person",
            "*",
            "declined_by_person",
        ),
        ("accepted", "onward_referral.sent", "*", "sent"),
        (
            "accepted",
            "onward_referral.declined_by_provider",
            "recorded_by_link_worker",
            "declined_by_provider",
        ),
        (
            "accepted",
            "onward_referral.attendance_started",
            "recorded_by_link_worker",
            "attending",
        ),
        (
            "accepted",
            "onward_referral.did_not_attend",
            "recorded_by_link_worker",
            "did_not_attend",
        ),
        (
            "sent",
            "onward_referral.declined_by_provider",
            "*",
            "declined_by_provider",
        ),
        ("sent", "onward_referral.acknowledged", "*", "acknowledged"),
        ("sent", "onward_referral.lapsed", "*", "lapsed"),
        ("sent", "onward_referral.attendance_started", "*", "attending"),
        ("sent", "onward_referral.did_not_attend", "*", "did_not_attend"),
        ("acknowledged", "onward_referral.attendance_started", "*", "attending"),
        ("acknowledged", "onward_referral.did_not_attend", "*", "did_not_attend"),
        ("attending", "onward_referral.ended", "*", "ended:*"),
    ];

    fn channel_of(event: &OnwardReferralEvent) -> &'static str {
        use OnwardReferralEvent as E;
        match event {
            E::DeclinedByProvider { channel, .. }
            | E::Acknowledged { channel }
            | E::AttendanceStarted { channel }
            | E::DidNotAttend { channel } => channel.code(),
            _ => "none",
        }
    }

    fn observe(state: OnwardReferralState) -> String {
        match state.end_reason() {
            Some(reason) => format!("ended:{}", reason.code()),
            None => state.code().to_owned(),
        }
    }

    fn oracle(from: &str, event: &OnwardReferralEvent) -> Option<String> {
        let channel = channel_of(event);
        let (_, _, _, to) = TABLE
            .iter()
            .find(|(f, kind, c, _)| *f == from && *kind == event.kind() && (*c == "*" || *c == channel))?;
        Some(match (to, event) {
            (&"ended:*", OnwardReferralEvent::Ended { reason, .. }) => format!("ended:{}", reason.code()),
            _ => (*to).to_owned(),
        })
    }

    #[test]
    fn apply_agrees_with_the_table_in_every_reachable_state() {
        let mut frontier =
            vec![OnwardReferralStatus::start(&OnwardReferralEvent::Proposed { offer: offer() }).unwrap()];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(status) = frontier.pop() {
            let from = observe(status.state);
            if !seen.insert(from.clone()) {
                continue;
            }
            for event in candidates() {
                let actual = status.apply(&event).ok();
                assert_eq!(
                    actual.map(|s| observe(s.state)),
                    oracle(&from, &event),
                    "{from} + {event:?}"
                );
                assert_eq!(
                    actual.map(|s| s.offer),
                    actual.map(|_| offer()),
                    "the offer never changes"
                );
                frontier.extend(actual);
            }
            assert_eq!(
                status.state.is_final(),
                !TABLE.iter().any(|(f, _, _, _)| *f == from),
                "{from}: final exactly when the table has no way out"
            );
        }
        assert_eq!(seen.len(), 9 + EndReason::ALL.len(), "every state reached: {seen:?}");
    }

    proptest! {
        /// Any sequence of candidate events, valid or not: `apply` agrees with the table at
        /// every step, and replaying the accepted events equals applying them step by step.
        #[test]
        fn replay_equals_stepwise_application(choices in proptest::collection::vec(any::<proptest::sample::Index>(), 0..30)) {
            let first = OnwardReferralEvent::Proposed { offer: offer() };
            let mut state = OnwardReferralStatus::start(&first).unwrap();
            let mut events = vec![first];
            let all = candidates();
            for choice in choices {
                let event = *choice.get(&all);
                let expected = oracle(&observe(state.state), &event);
                let next = state.apply(&event).ok();
                prop_assert_eq!(next.map(|n| observe(n.state)), expected);
                if let Some(next) = next {
                    state = next;
                    events.push(event);
                    prop_assert_eq!(OnwardReferralStatus::replay(&events).unwrap(), state);
                }
            }
        }
    }
}
