//! Plausible lifecycles for demo referrals and onward referrals. Every story is a valid event
//! sequence (the store folds it again and refuses it otherwise) and stops at `now`.

use lotse_domain::id::{OfferId, OrganisationId};
use lotse_domain::onward_referral::{AnswerChannel, DeclineReason, EndReason, OnwardReferralEvent};
use lotse_domain::referral::{ClosingReason, ConcernKind, RedirectReason, ReferralEvent};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::{Duration, OffsetDateTime};

/// A referral's events with the moments the seeding needs.
#[derive(Debug, Default)]
pub(super) struct ReferralStory {
    pub events: Vec<(ReferralEvent, OffsetDateTime)>,
    pub accepted_at: Option<OffsetDateTime>,
    pub contacted_at: Option<OffsetDateTime>,
    pub plan_at: Option<OffsetDateTime>,
    pub connected_at: Option<OffsetDateTime>,
    pub closed: Option<(ClosingReason, OffsetDateTime)>,
}

struct Writer<'a> {
    story: &'a mut ReferralStory,
    at: OffsetDateTime,
    now: OffsetDateTime,
}

impl Writer<'_> {
    /// Appends an event `after` the previous one, unless that lies beyond `now`.
    fn push(&mut self, event: ReferralEvent, after: Duration) -> Option<OffsetDateTime> {
        let at = self.at + after;
        if at > self.now {
            return None;
        }
        self.at = at;
        self.story.events.push((event, at));
        Some(at)
    }
}

fn hours(rng: &mut ChaCha8Rng, min: i64, max: i64) -> Duration {
    Duration::hours(rng.random_range(min..=max))
}

fn days(rng: &mut ChaCha8Rng, min: i64, max: i64) -> Duration {
    Duration::days(rng.random_range(min..=max)) + Duration::minutes(rng.random_range(0..480))
}

/// Draws a referral's story from issue to wherever `now` finds it.
pub(super) fn referral_story(
    rng: &mut ChaCha8Rng,
    facility: OrganisationId,
    alternative: Option<OrganisationId>,
    issued_at: OffsetDateTime,
    now: OffsetDateTime,
    attempts_before_unreachable: u32,
) -> ReferralStory {
    let mut story = ReferralStory::default();
    story.events.push((
        ReferralEvent::Issued {
            link_facility: facility,
        },
        issued_at,
    ));
    let mut w = Writer {
        story: &mut story,
        at: issued_at,
        now,
    };
    if let Some(other) = alternative.filter(|_| rng.random_bool(0.05))
        && w.push(
            ReferralEvent::Redirected {
                to: other,
                reason: RedirectReason::WrongArea,
            },
            hours(rng, 4, 48),
        )
        .is_none()
    {
        return story;
    }
    if rng.random_bool(0.04) {
        let reason = ClosingReason::Declined;
        if let Some(at) = w.push(ReferralEvent::Closed { reason }, days(rng, 1, 6)) {
            w.story.closed = Some((reason, at));
        }
        return story;
    }
    let Some(accepted) = w.push(ReferralEvent::Accepted, hours(rng, 2, 96)) else {
        return story;
    };
    w.story.accepted_at = Some(accepted);
    let unreachable = rng.random_bool(0.10);
    let failures = if unreachable {
        attempts_before_unreachable
    } else {
        rng.random_range(0..=2)
    };
    for _ in 0..failures {
        if w.push(ReferralEvent::ContactAttemptFailed, days(rng, 1, 4)).is_none() {
            return story;
        }
    }
    if unreachable {
        if w.push(
            ReferralEvent::MarkedUnreachable {
                attempts_required: attempts_before_unreachable,
            },
            hours(rng, 1, 24),
        )
        .is_none()
        {
            return story;
        }
        if rng.random_bool(0.7) {
            let reason = ClosingReason::NoContact;
            if let Some(at) = w.push(ReferralEvent::Closed { reason }, days(rng, 10, 20)) {
                w.story.closed = Some((reason, at));
            }
            return story;
        }
    }
    let Some(contacted) = w.push(ReferralEvent::Contacted, days(rng, 0, 6)) else {
        return story;
    };
    w.story.contacted_at = Some(contacted);
    // About one in twelve people gives the link worker cause for concern after the first
    // conversation. Chosen by the contact's minute, not drawn, so that the random stream (and
    // the rest of the demo) stays as it was before concerns were recorded.
    if contacted.minute() % 12 == 7 {
        let kind = if contacted.second() % 2 == 0 {
            ConcernKind::HealthWorse
        } else {
            ConcernKind::Safeguarding
        };
        if w.push(ReferralEvent::ConcernRaised { kind }, Duration::hours(3))
            .is_none()
        {
            return story;
        }
    }
    if rng.random_bool(0.08) {
        let reason = if rng.random_bool(0.5) {
            ClosingReason::Declined
        } else {
            ClosingReason::ReferredToOtherCare
        };
        if let Some(at) = w.push(ReferralEvent::Closed { reason }, days(rng, 1, 10)) {
            w.story.closed = Some((reason, at));
        }
        return story;
    }
    let Some(plan) = w.push(ReferralEvent::PlanAgreed, days(rng, 5, 20)) else {
        return story;
    };
    w.story.plan_at = Some(plan);
    if rng.random_bool(0.1) {
        let reason = *pick(
            rng,
            &[
                ClosingReason::Moved,
                ClosingReason::ConsentWithdrawn,
                ClosingReason::Other,
            ],
        );
        if let Some(at) = w.push(ReferralEvent::Closed { reason }, days(rng, 5, 40)) {
            w.story.closed = Some((reason, at));
        }
        return story;
    }
    let Some(connected) = w.push(ReferralEvent::Connected, days(rng, 7, 28)) else {
        return story;
    };
    w.story.connected_at = Some(connected);
    let reason = match rng.random_range(0..100) {
        0..72 => ClosingReason::GoalsMet,
        72..82 => ClosingReason::ReferredToOtherCare,
        82..88 => ClosingReason::Moved,
        88..91 => ClosingReason::ConsentWithdrawn,
        91..92 => ClosingReason::Died,
        _ => ClosingReason::Other,
    };
    if let Some(at) = w.push(ReferralEvent::Closed { reason }, days(rng, 30, 150)) {
        w.story.closed = Some((reason, at));
    }
    story
}

/// An onward referral's events, and when it was sent (for the sharing consent).
#[derive(Debug, Default)]
pub(super) struct OnwardStory {
    pub events: Vec<(OnwardReferralEvent, OffsetDateTime)>,
    pub sent_at: Option<OffsetDateTime>,
}

/// Draws an onward referral's story. With `attends_at`, the person is made to start attending
/// then (the referral's connection); with `ends_at`, attendance ends then.
pub(super) fn onward_story(
    rng: &mut ChaCha8Rng,
    offer: OfferId,
    proposed_at: OffsetDateTime,
    attends_at: Option<OffsetDateTime>,
    ends_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> OnwardStory {
    use OnwardReferralEvent as E;
    let mut s = OnwardStory::default();
    s.events.push((E::Proposed { offer }, proposed_at));
    let mut c = Cursor { at: proposed_at, now };
    if attends_at.is_none() && rng.random_bool(0.2) {
        // The reason follows from the proposal's minute, so that the random stream (and with it
        // the rest of the demo) stays as it was before reasons were recorded.
        let reason = DeclineReason::ALL
            .get(usize::from(proposed_at.minute()) % DeclineReason::ALL.len())
            .copied()
            .unwrap_or_default();
        c.step(&mut s, E::DeclinedByPerson { reason }, hours(rng, 1, 72));
        return s;
    }
    // One accepted offer in ten that the person does not attend through the link worker stays
    // accepted: without consent to share, nothing is sent and the person contacts the offer
    // themselves (chosen from the proposal's minute: no draw).
    let alone = attends_at.is_none() && proposed_at.minute() % 10 == 7;
    if !c.step(&mut s, E::AcceptedByPerson, hours(rng, 1, 24)) || alone || !c.step(&mut s, E::Sent, hours(rng, 1, 24)) {
        return s;
    }
    s.sent_at = Some(c.at);
    let channel = *pick(
        rng,
        &[
            AnswerChannel::ProviderAccount,
            AnswerChannel::SignedLink,
            AnswerChannel::RecordedByLinkWorker,
        ],
    );
    if let Some(attend) = attends_at {
        let gap = (attend - c.at).max(Duration::ZERO);
        if !c.step(&mut s, E::Acknowledged { channel }, gap / 2) {
            return s;
        }
        let rest = (attend - c.at).max(Duration::ZERO);
        if !c.step(&mut s, E::AttendanceStarted { channel }, rest) {
            return s;
        }
        if let Some(end) = ends_at {
            // Four in five completed; of the rest, by the minute it ends (no draw, so the random
            // stream stays as it was), one in five because the offer ended, one in five for
            // another reason, the others because the person stopped.
            let reason = if rng.random_bool(0.8) {
                EndReason::Completed
            } else {
                match end.minute() % 5 {
                    0 => EndReason::OfferEnded,
                    1 => EndReason::Other,
                    _ => EndReason::StoppedByPerson,
                }
            };
            let until = (end - c.at).max(Duration::ZERO);
            c.step(
                &mut s,
                E::Ended {
                    reason,
                    channel: Some(channel),
                },
                until,
            );
        }
        return s;
    }
    match rng.random_range(0..100) {
        0..15 => {
            // Two to three weeks after sending, about the programmes' default lapse period (15
            // working days), written as the follow-up job's. Onward referrals whose provider
            // would answer only after the demo's date stay sent; the first run of the job
            // lapses those sent longer ago than the period.
            c.step(&mut s, E::Lapsed, days(rng, 14, 21));
        }
        15..22 => {
            c.step(
                &mut s,
                E::DeclinedByProvider {
                    channel,
                    reason: lotse_domain::onward_referral::ProviderDeclineReason::Full,
                },
                days(rng, 1, 7),
            );
        }
        _ => {
            if c.step(&mut s, E::Acknowledged { channel }, days(rng, 0, 5)) {
                if rng.random_bool(0.25) {
                    c.step(&mut s, E::DidNotAttend { channel }, days(rng, 7, 14));
                } else if c.step(&mut s, E::AttendanceStarted { channel }, days(rng, 3, 14)) && ends_at.is_some() {
                    c.step(
                        &mut s,
                        E::Ended {
                            reason: EndReason::StoppedByPerson,
                            channel: Some(channel),
                        },
                        days(rng, 14, 60),
                    );
                }
            }
        }
    }
    s
}

struct Cursor {
    at: OffsetDateTime,
    now: OffsetDateTime,
}

impl Cursor {
    fn step(&mut self, story: &mut OnwardStory, event: OnwardReferralEvent, after: Duration) -> bool {
        let next = self.at + after;
        if next > self.now {
            return false;
        }
        self.at = next;
        story.events.push((event, next));
        true
    }
}

/// A uniformly chosen element of a non-empty slice.
pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    let i = rng.random_range(0..items.len().max(1));
    // The slices passed here are constants with at least one element.
    items
        .get(i)
        .or_else(|| items.first())
        .unwrap_or_else(|| unreachable_empty())
}

#[expect(
    clippy::panic,
    reason = "pick is only called on non-empty constant tables; a test checks them"
)]
fn unreachable_empty() -> ! {
    panic!("pick called on an empty table")
}

#[cfg(test)]
mod tests {
    use lotse_domain::event::Lifecycle;
    use lotse_domain::onward_referral::OnwardReferralStatus;
    use lotse_domain::referral::ReferralStatus;
    use rand::SeedableRng;
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn every_story_is_a_valid_lifecycle_that_stops_at_now() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let now = datetime!(2026-11-02 12:00 UTC);
        let a = OrganisationId::from_uuid(Uuid::from_u128(1));
        let b = OrganisationId::from_uuid(Uuid::from_u128(2));
        let mut states = std::collections::HashSet::new();
        for i in 0..3000 {
            let issued = now - Duration::days(i % 365);
            let story = referral_story(&mut rng, a, Some(b), issued, now, 3);
            let status = ReferralStatus::replay(story.events.iter().map(|(e, _)| e)).unwrap();
            states.insert(status.state.code());
            assert!(story.events.iter().all(|(_, at)| *at <= now));
            assert!(story.events.windows(2).all(|w| w[0].1 <= w[1].1));
            let offer = OfferId::from_uuid(Uuid::from_u128(3));
            let o = onward_story(
                &mut rng,
                offer,
                issued,
                story.connected_at,
                story.closed.map(|c| c.1),
                now,
            );
            OnwardReferralStatus::replay(o.events.iter().map(|(e, _)| e)).unwrap();
        }
        assert_eq!(states.len(), 7, "every referral state occurs: {states:?}");
    }
}
