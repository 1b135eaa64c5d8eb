//! The inbox, on both engines: each role hears of what its organisation waits for, never of its
//! own steps nor of other organisations' cases; opening it marks it seen.

use lotse_app::FixedClock;
use lotse_app::inbox::{self, InboxLink};
use lotse_app::onward;
use lotse_domain::consent::SharedField;
use lotse_domain::onward_referral::ProviderAnswer;
use lotse_domain::user::Role;
use lotse_testkit::world::World;
use lotse_testkit::{fixed_now, storage_test};
use time::Duration;

use crate::data_protection::as_member;
use crate::onward::{accepted, send, sharing};

storage_test!(async fn each_role_hears_of_what_its_organisation_waits_for(db) {
    let world = World::build(db, "inbox").await;
    let clock = FixedClock::new(fixed_now());
    let doctor = as_member(db, &world, "dr-inbox", Role::Prescriber, Some(world.orgs.practice)).await;
    let provider = as_member(db, &world, "anbieter-inbox", Role::OfferProvider, Some(world.orgs.provider)).await;
    let elsewhere = as_member(db, &world, "lotsin-anders", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    // The practice looked an hour before the work below.
    let earlier = FixedClock::new(fixed_now() - Duration::hours(1));
    let first = inbox::open(&db.db, &earlier, &doctor).await.unwrap();
    let before = first.items.len();

    // The link worker accepts, reaches the person, and sends an accepted offer (at `fixed_now`).
    let (issued, onward_id, lotsin) = accepted(db, &world, "Postfach").await;
    onward::send(&db.db, &clock, &lotsin, issued.case, onward_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();

    // The practice hears of the acceptance and the contact, each new, linked to the
    // prescription; not of the offers.
    clock.advance(Duration::hours(1));
    let practice = inbox::open(&db.db, &clock, &doctor).await.unwrap();
    let fresh: Vec<&str> = practice.items.iter().filter(|i| i.new).map(|i| i.kind.as_str()).collect();
    assert_eq!(fresh, ["referral.accepted", "referral.contacted"], "{practice:?}");
    assert_eq!(practice.new, 2);
    assert_eq!(practice.seen_before, Some(fixed_now() - Duration::hours(1)));
    assert!(practice.items.iter().take(2).all(|i| matches!(i.link, InboxLink::Prescription(_))));
    assert_eq!(practice.items.len(), before + 2);
    // Opened again: the same items, none new.
    let again = inbox::open(&db.db, &clock, &doctor).await.unwrap();
    assert_eq!((again.items.len(), again.new), (before + 2, 0));

    // The provider hears of the onward referral sent to it; answering is its own step.
    // (The world's own onward referral to this provider is in its inbox too.)
    let this_case = |i: &&inbox::InboxItem| i.link == InboxLink::Case(issued.case);
    let heard = inbox::open(&db.db, &clock, &provider).await.unwrap();
    let here: Vec<(&str, bool)> = heard.items.iter().filter(this_case).map(|i| (i.kind.as_str(), i.new)).collect();
    assert_eq!(here, [("onward_referral.sent", true)]);
    onward::answer_as_provider(&db.db, &clock, &provider, onward_id, ProviderAnswer::Accept, 3)
        .await
        .unwrap();
    let after = inbox::open(&db.db, &clock, &provider).await.unwrap();
    let here: Vec<(&str, bool)> = after.items.iter().filter(this_case).map(|i| (i.kind.as_str(), i.new)).collect();
    assert_eq!(here, [("onward_referral.sent", false)], "its own answer is not news to it");
    assert_eq!(after.new, 0);

    // The link worker hears of the provider's answer (and of the referral that came in), not of
    // its own steps; another facility hears of none of it.
    let worker = inbox::open(&db.db, &clock, &lotsin).await.unwrap();
    let kinds: Vec<&str> = worker.items.iter().map(|i| i.kind.as_str()).collect();
    assert!(kinds.contains(&"onward_referral.acknowledged"), "{kinds:?}");
    assert!(kinds.contains(&"referral.issued"), "{kinds:?}");
    assert!(!kinds.contains(&"referral.accepted") && !kinds.contains(&"onward_referral.sent"), "{kinds:?}");
    let other = inbox::open(&db.db, &clock, &elsewhere).await.unwrap();
    assert!(
        other.items.iter().all(|i| i.link != InboxLink::Case(issued.case)),
        "{other:?}"
    );
});

storage_test!(async fn coordinators_hear_of_the_offers_changed_by_others(db) {
    let world = World::build(db, "inbox-offers").await;
    let clock = FixedClock::new(fixed_now());
    let coordinator = as_member(db, &world, "koordination-inbox", Role::Coordinator, None).await;
    let colleague = as_member(db, &world, "koordination-zwei", Role::Coordinator, None).await;
    let provider = as_member(db, &world, "anbieter-offers", Role::OfferProvider, Some(world.orgs.provider)).await;
    let evaluator = as_member(db, &world, "evaluation-inbox", Role::Evaluator, None).await;
    assert!(inbox::open(&db.db, &clock, &coordinator).await.unwrap().items.is_empty(), "nothing happened yet");
    clock.advance(Duration::minutes(5));

    // The provider changes its offer; the coordinator verifies it afterwards.
    let editable = lotse_app::offer_edit::offer_for_edit(&db.db, &clock, &provider, world.offer).await.unwrap();
    let mut edit = lotse_domain::offer_edit::OfferEdit::of(&editable.offer);
    edit.title = "Spaziergruppe am Rhein".into();
    let version = lotse_app::offer_edit::edit(&db.db, &clock, &provider, world.offer, editable.version, &edit)
        .await
        .unwrap();
    clock.advance(Duration::minutes(5));
    lotse_app::offer_edit::curate(&db.db, &clock, &coordinator, world.offer, version, lotse_app::offer_edit::Curation::Verify)
        .await
        .unwrap();

    // The coordinator hears of the provider's change, linked to the offer, not of their own step;
    // their colleague hears of both.
    clock.advance(Duration::minutes(5));
    let own = inbox::open(&db.db, &clock, &coordinator).await.unwrap();
    let seen: Vec<(&str, InboxLink, bool)> = own.items.iter().map(|i| (i.kind.as_str(), i.link, i.new)).collect();
    assert_eq!(seen, [("offer.updated", InboxLink::Offer(world.offer), true)]);
    let other = inbox::open(&db.db, &clock, &colleague).await.unwrap();
    let kinds: Vec<&str> = other.items.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(kinds, ["offer.verified", "offer.updated"]);
    // Opened: nothing new the next time. An evaluator works with figures: nothing is news.
    assert_eq!(inbox::open(&db.db, &clock, &coordinator).await.unwrap().new, 0);
    assert!(inbox::open(&db.db, &clock, &evaluator).await.unwrap().items.is_empty());
    // The provider hears nothing of its offer's curation (it is no onward referral).
    assert!(inbox::open(&db.db, &clock, &provider).await.unwrap().items.iter().all(|i| !i.kind.starts_with("offer.")));
});
