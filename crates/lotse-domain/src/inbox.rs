//! What is new for a user: the events of the referrals and onward referrals their organisation
//! works with, as their role sees them. [`is_news`] decides which kinds of event a role is told
//! about (the store finds the streams, the app the events since the user last looked).
//!
//! - A **link worker** hears of referrals coming to the facility (issued, redirected to it) and
//!   of what providers and the follow-up job did with the facility's onward referrals (answers,
//!   attendance ended, lapses); the steps they take themselves are not news.
//! - A **prescriber** hears of every step of the practice's referrals (the closed loop: accepted,
//!   contacted, unreachable, plan agreed, connected, closed, a concern raised).
//! - A **provider** hears of onward referrals sent to its offers, and of their course once sent.
//! - A **coordinator** hears of what others did to the programme's offers (a provider's change
//!   waits for review; an offer paused, resumed, ended, merged or verified by a colleague).
//! - Evaluators and outcome payers work with figures, not records: nothing is news for them.
//!
//! An event the user wrote is never news to them (the app leaves those out).

use crate::user::Role;

/// Whether an event of `kind` (`referral.accepted`, `onward_referral.lapsed`) is news for a
/// member of `role`.
pub fn is_news(role: Role, kind: &str) -> bool {
    match role {
        Role::LinkWorker => matches!(
            kind,
            "referral.issued"
                | "referral.redirected"
                | "onward_referral.acknowledged"
                | "onward_referral.declined_by_provider"
                | "onward_referral.attendance_started"
                | "onward_referral.did_not_attend"
                | "onward_referral.ended"
                | "onward_referral.lapsed"
        ),
        Role::Prescriber => kind.starts_with("referral.") && kind != "referral.issued",
        Role::OfferProvider => matches!(
            kind,
            "onward_referral.sent"
                | "onward_referral.acknowledged"
                | "onward_referral.declined_by_provider"
                | "onward_referral.attendance_started"
                | "onward_referral.did_not_attend"
                | "onward_referral.ended"
                | "onward_referral.lapsed"
        ),
        Role::Coordinator => kind.starts_with("offer."),
        Role::Evaluator | Role::OutcomePayer => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onward_referral::OnwardReferralEvent;
    use crate::referral::ReferralEvent;

    /// Every event kind against every care role, written out by hand: (kind, link worker,
    /// prescriber, provider).
    #[test]
    fn each_role_hears_of_what_it_waits_for() {
        let table = [
            ("referral.issued", true, false, false),
            ("referral.redirected", true, true, false),
            ("referral.accepted", false, true, false),
            ("referral.contact_attempt_failed", false, true, false),
            ("referral.contacted", false, true, false),
            ("referral.marked_unreachable", false, true, false),
            ("referral.plan_agreed", false, true, false),
            ("referral.connected", false, true, false),
            ("referral.closed", false, true, false),
            ("referral.concern_raised", false, true, false),
            ("onward_referral.proposed", false, false, false),
            ("onward_referral.accepted_by_person", false, false, false),
            ("onward_referral.declined_by_person", false, false, false),
            ("onward_referral.sent", false, false, true),
            ("onward_referral.declined_by_provider", true, false, true),
            ("onward_referral.acknowledged", true, false, true),
            ("onward_referral.attendance_started", true, false, true),
            ("onward_referral.did_not_attend", true, false, true),
            ("onward_referral.ended", true, false, true),
            ("onward_referral.lapsed", true, false, true),
        ];
        let kinds: Vec<&str> = ReferralEvent::KINDS
            .iter()
            .chain(OnwardReferralEvent::KINDS.iter())
            .copied()
            .collect();
        assert_eq!(table.map(|row| row.0).to_vec(), kinds, "the table covers every kind");
        for (kind, worker, prescriber, provider) in table {
            assert_eq!(is_news(Role::LinkWorker, kind), worker, "link worker: {kind}");
            assert_eq!(is_news(Role::Prescriber, kind), prescriber, "prescriber: {kind}");
            assert_eq!(is_news(Role::OfferProvider, kind), provider, "provider: {kind}");
            for role in [Role::Coordinator, Role::Evaluator, Role::OutcomePayer] {
                assert!(!is_news(role, kind), "{role:?}: {kind}");
            }
        }
    }

    /// The offers' events: news for coordinators only, written out by hand.
    #[test]
    fn coordinators_hear_of_the_offers_and_no_one_else_does() {
        let kinds = [
            "offer.updated",
            "offer.verified",
            "offer.paused",
            "offer.resumed",
            "offer.ended",
            "offer.merged",
        ];
        assert_eq!(kinds, crate::offer_edit::OfferEvent::KINDS);
        for kind in kinds {
            assert!(is_news(Role::Coordinator, kind), "{kind}");
            for role in [
                Role::LinkWorker,
                Role::Prescriber,
                Role::OfferProvider,
                Role::Evaluator,
                Role::OutcomePayer,
            ] {
                assert!(!is_news(role, kind), "{role:?}: {kind}");
            }
        }
    }
}
