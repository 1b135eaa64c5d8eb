//! Onward referrals after the person accepted an offer, on both engines: sent only with the
//! person's sharing consent, answered through the provider's signed link (which shows only the
//! consented fields and serves the referral's course until it ends), or recorded by the link
//! worker; a stale answer from another channel is a conflict, and the link refuses when
//! tampered, expired, revoked, used up or for another purpose. The first attendance connects
//! the case's referral.

use lotse_app::FixedClock;
use lotse_app::action_plan;
use lotse_app::capability;
use lotse_app::onward::{self, LinkChange, OnwardError, SharedDetails};
use lotse_app::principal::Principal;
use lotse_app::referral_work::{self, ContactOutcome};
use lotse_app::shortlist::{self, PersonAnswer};
use lotse_domain::action_plan::ActionPlanInput;
use lotse_domain::capability::CapabilityPurpose;
use lotse_domain::consent::{ConsentGiver, SharedField, Sharing};
use lotse_domain::id::OnwardReferralId;
use lotse_domain::onward_referral::{EndReason, OnwardReferralState, ProviderAnswer, ProviderDeclineReason};
use lotse_domain::referral::ReferralState;
use lotse_domain::user::Role;
use lotse_testkit::world::{IssuedCase, World};
use lotse_testkit::{TestDb, fixed_now, storage_test};
use time::Duration;

use crate::data_protection::as_member;

pub(crate) async fn count(db: &TestDb, sql: &str) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

/// (actor, action, object kind) of the audit entries after the first `skip`.
pub(crate) async fn audit_after(db: &TestDb, skip: usize) -> Vec<(String, String, String)> {
    let all: Vec<(String, String, String)> = lotse_store::on_pool!(&db.db, p => sqlx::query_as(
        "select actor, action, object_kind from audit_entry order by programme_key, seq"
    ).fetch_all(p).await)
    .unwrap();
    all.into_iter().skip(skip).collect()
}

/// The payloads of an onward referral's events, oldest first, with their actors.
pub(crate) async fn events(db: &TestDb, world: &World, id: OnwardReferralId) -> Vec<(String, String)> {
    let mut tx = db.db.begin_read().await.unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &world.scope, "onward_referral", id.as_uuid())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    events.into_iter().map(|e| (e.payload.to_string(), e.actor)).collect()
}

/// A case whose person was reached and accepted the world's offer: (case, onward referral at
/// version 2, the link worker).
pub(crate) async fn accepted(db: &TestDb, world: &World, family: &str) -> (IssuedCase, OnwardReferralId, Principal) {
    let clock = FixedClock::new(fixed_now());
    let lotsin = as_member(
        db,
        world,
        &format!("lotsin-{family}"),
        Role::LinkWorker,
        Some(world.orgs.facility),
    )
    .await;
    let issued = world.issued_case(db, family, world.orgs.facility).await;
    referral_work::accept(&db.db, &clock, &lotsin, issued.case, 1)
        .await
        .unwrap();
    referral_work::record_contact(&db.db, &clock, &lotsin, issued.case, ContactOutcome::Reached, 2)
        .await
        .unwrap();
    let onward = shortlist::propose(&db.db, &clock, &lotsin, issued.case, world.offer)
        .await
        .unwrap();
    shortlist::answer(&db.db, &clock, &lotsin, issued.case, onward, PersonAnswer::Accept, 1)
        .await
        .unwrap();
    (issued, onward, lotsin)
}

async fn referral_state(db: &TestDb, world: &World, issued: &IssuedCase) -> ReferralState {
    let mut tx = db.db.begin_read().await.unwrap();
    let record = lotse_store::referral::get(&mut tx, &world.scope, issued.referral)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    record.status.state
}

pub(crate) fn send(sharing: Sharing, expected_version: i64) -> onward::Send {
    onward::Send {
        sharing,
        recorded_by: String::new(),
        expected_version,
    }
}

pub(crate) fn sharing(fields: &[SharedField]) -> Sharing {
    Sharing {
        fields: fields.to_vec(),
        given_by: ConsentGiver::Person,
    }
}

const PURPOSE: CapabilityPurpose = CapabilityPurpose::OnwardReferralAnswer;

storage_test!(async fn an_accepted_offer_is_sent_with_consent_and_answered_through_its_link(db) {
    let world = World::build(db, "onward-link").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, onward, lotsin) = accepted(db, &world, "Sendung").await;
    let case = issued.case;

    // A stale version writes nothing: no consent, no event, no link.
    let consents_before = count(db, "select count(*) from consent where purpose = 'provider_sharing'").await;
    let stale = onward::send(&db.db, &clock, &lotsin, case, onward, send(sharing(&[SharedField::Name]), 1)).await;
    assert!(
        matches!(stale, Err(OnwardError::Conflict { state: OnwardReferralState::Accepted, version: 2 })),
        "{stale:?}"
    );
    assert_eq!(count(db, "select count(*) from consent where purpose = 'provider_sharing'").await, consents_before);
    assert_eq!(count(db, "select count(*) from capability").await, 0);

    let link = onward::send(&db.db, &clock, &lotsin, case, onward, send(sharing(&[SharedField::Name, SharedField::Needs]), 2))
        .await
        .unwrap();
    assert_eq!(link.expires_at, fixed_now() + Duration::days(30));
    let detail = onward::detail(&db.db, &clock, &lotsin, case, onward).await.unwrap();
    assert_eq!((detail.state, detail.version), (OnwardReferralState::Sent, 3));
    assert_eq!(detail.shared, Some(vec![SharedField::Name, SharedField::Needs]));
    assert!(!detail.sendable);
    // Sent once: sending again is refused where it stands.
    let again = onward::send(&db.db, &clock, &lotsin, case, onward, send(sharing(&[SharedField::Name]), 3)).await;
    assert!(matches!(again, Err(OnwardError::Refused(OnwardReferralState::Sent))), "{again:?}");

    // The link shows the consented fields and nothing else; its reads are the capability's.
    let token = link.token.text();
    let verified = capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().unwrap();
    let provider = Principal::capability(verified);
    let actor = provider.scope().actor().reference();
    let seen = audit_after(db, 0).await.len();
    let view = onward::by_link(&db.db, &clock, &provider).await.unwrap();
    assert_eq!(
        view.person,
        SharedDetails {
            name: Some("Ilse Sendung".into()),
            phone: None,
            language: None,
            needs: Some(vec!["loneliness".into()]),
        }
    );
    assert_eq!((view.state, view.version), (OnwardReferralState::Sent, 3));
    assert_eq!(view.facility.map(|(name, _)| name).as_deref(), Some("zentrum plus Eins"), "who sent the person");
    assert_eq!(
        view.answers,
        [
            ProviderAnswer::Accept,
            ProviderAnswer::Decline(ProviderDeclineReason::Other),
            ProviderAnswer::Attended,
            ProviderAnswer::DidNotAttend
        ]
    );
    let reads: Vec<(String, String, String)> = audit_after(db, seen).await;
    let kinds: Vec<&str> = reads.iter().map(|(_, _, kind)| kind.as_str()).collect();
    assert!(reads.iter().all(|(a, action, _)| *a == actor && action == "read"), "{reads:?}");
    assert_eq!(kinds, ["onward_referral", "consent", "patient", "prescription"], "{reads:?}");

    // Accepted through the link, as the capability, channel signed_link.
    let now = onward::answer_by_link(&db.db, &clock, &provider, ProviderAnswer::Accept, 3).await.unwrap();
    assert_eq!(now, OnwardReferralState::Acknowledged);
    let history = events(db, &world, onward).await;
    let (payload, by) = history.last().unwrap();
    assert_eq!(by, &actor);
    assert!(payload.contains(r#""channel":"signed_link""#) && payload.contains("acknowledged"), "{payload}");

    // The link worker's phone note on the page it saw before: a conflict, nothing written.
    let phone = onward::record_answer(&db.db, &clock, &lotsin, case, onward, ProviderAnswer::DidNotAttend, 3).await;
    assert!(
        matches!(phone, Err(OnwardError::Conflict { state: OnwardReferralState::Acknowledged, version: 4 })),
        "{phone:?}"
    );
    // The same for the link with a stale version, and an answer not possible now.
    let stale = onward::answer_by_link(&db.db, &clock, &provider, ProviderAnswer::Attended, 3).await;
    assert!(matches!(stale, Err(OnwardError::Conflict { version: 4, .. })), "{stale:?}");
    let stopped = onward::answer_by_link(&db.db, &clock, &provider, ProviderAnswer::Stopped, 4).await;
    assert!(matches!(stopped, Err(OnwardError::Refused(OnwardReferralState::Acknowledged))), "{stopped:?}");
    assert_eq!(events(db, &world, onward).await.len(), 4, "proposed, accepted, sent, acknowledged");

    // The link serves the course: attendance, then the end, which uses it up.
    let attending = onward::answer_by_link(&db.db, &clock, &provider, ProviderAnswer::Attended, 4).await.unwrap();
    assert_eq!(attending, OnwardReferralState::Attending);
    assert!(capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().is_some(), "still open");
    let ended = onward::answer_by_link(&db.db, &clock, &provider, ProviderAnswer::Stopped, 5).await.unwrap();
    assert_eq!(ended, OnwardReferralState::Ended(EndReason::StoppedByPerson));
    let (payload, by) = events(db, &world, onward).await.pop().unwrap();
    assert!(payload.contains(r#""channel":"signed_link""#) && payload.contains("stopped_by_person"), "{payload}");
    assert_eq!(by, actor);
    assert!(capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().is_none(), "used up");
});

storage_test!(async fn without_consent_nothing_is_sent_and_the_link_worker_records_the_outcome(db) {
    let world = World::build(db, "onward-phone").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, onward, lotsin) = accepted(db, &world, "Selbst").await;
    let case = issued.case;

    // Another facility's link worker sees nothing of it.
    let other = as_member(db, &world, "lotsin-other", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let denied = onward::record_answer(&db.db, &clock, &other, case, onward, ProviderAnswer::Attended, 2).await;
    assert!(matches!(denied, Err(OnwardError::NotFound)), "{denied:?}");
    assert!(matches!(onward::detail(&db.db, &clock, &other, case, onward).await, Err(OnwardError::NotFound)));

    // Never sent: the provider's acknowledgement is not possible, attendance is.
    let detail = onward::detail(&db.db, &clock, &lotsin, case, onward).await.unwrap();
    assert_eq!(detail.shared, None);
    assert_eq!(
        detail.answers,
        [
            ProviderAnswer::Decline(ProviderDeclineReason::Other),
            ProviderAnswer::Attended,
            ProviderAnswer::DidNotAttend
        ]
    );
    let sharing_before = count(db, "select count(*) from consent where purpose = 'provider_sharing'").await;
    let ack = onward::record_answer(&db.db, &clock, &lotsin, case, onward, ProviderAnswer::Accept, 2).await;
    assert!(matches!(ack, Err(OnwardError::Refused(OnwardReferralState::Accepted))), "{ack:?}");
    // The plan is agreed; the first attendance connects the referral, in the same step.
    let plan = ActionPlanInput {
        goals: "Wieder unter Leute".into(),
        milestones: vec![("Zum Treffen gehen".into(), "10.11.2026".into())],
        obstacles: String::new(),
        review_on: "03.12.2026".into(),
    };
    action_plan::save(&db.db, &clock, &lotsin, case, &plan, 0).await.unwrap();
    assert_eq!(referral_state(db, &world, &issued).await, ReferralState::PlanAgreed);
    let now = onward::record_answer(&db.db, &clock, &lotsin, case, onward, ProviderAnswer::Attended, 2).await.unwrap();
    assert_eq!(now, OnwardReferralState::Attending);
    assert_eq!(referral_state(db, &world, &issued).await, ReferralState::Connected);
    let (payload, by) = events(db, &world, onward).await.pop().unwrap();
    assert!(payload.contains(r#""channel":"recorded_by_link_worker""#), "{payload}");
    assert_eq!(&by, &lotsin.scope().actor().reference());
    // Nothing went to a provider: no sharing consent, no link.
    assert_eq!(count(db, "select count(*) from capability").await, 0);
    let sharing_after = count(db, "select count(*) from consent where purpose = 'provider_sharing'").await;
    assert_eq!(sharing_after, sharing_before);
});

storage_test!(async fn attendance_before_the_plan_connects_the_referral_when_the_plan_is_agreed(db) {
    let world = World::build(db, "onward-before-plan").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, onward, lotsin) = accepted(db, &world, "Vorweg").await;
    // The person went on their own before a plan was written: attending, still "contacted".
    let now = onward::record_answer(&db.db, &clock, &lotsin, issued.case, onward, ProviderAnswer::Attended, 2)
        .await
        .unwrap();
    assert_eq!(now, OnwardReferralState::Attending);
    assert_eq!(referral_state(db, &world, &issued).await, ReferralState::Contacted);
    // The plan agreed then connects the referral at once.
    let plan = ActionPlanInput {
        goals: "Dabei bleiben".into(),
        milestones: vec![("Jede Woche hingehen".into(), "16.11.2026".into())],
        obstacles: String::new(),
        review_on: "03.12.2026".into(),
    };
    action_plan::save(&db.db, &clock, &lotsin, issued.case, &plan, 0).await.unwrap();
    assert_eq!(referral_state(db, &world, &issued).await, ReferralState::Connected);
    // A second version of the plan changes nothing more.
    action_plan::save(&db.db, &clock, &lotsin, issued.case, &plan, 1).await.unwrap();
    assert_eq!(referral_state(db, &world, &issued).await, ReferralState::Connected);

    // Without attendance the plan only agrees it.
    let (other, _, lotsin_b) = accepted(db, &world, "Ohne").await;
    action_plan::save(&db.db, &clock, &lotsin_b, other.case, &plan, 0).await.unwrap();
    assert_eq!(referral_state(db, &world, &other).await, ReferralState::PlanAgreed);
});

storage_test!(async fn a_providers_link_refuses_when_tampered_expired_revoked_or_withdrawn(db) {
    let world = World::build(db, "onward-refuse").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, onward, lotsin) = accepted(db, &world, "Abwehr").await;
    let link = onward::send(&db.db, &clock, &lotsin, issued.case, onward, send(sharing(&[SharedField::Phone]), 2))
        .await
        .unwrap();
    let token = link.token.text();

    // Tampered: one digit of the secret changed.
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(capability::verify(&db.db, &clock, &tampered, PURPOSE).await.unwrap().is_none());
    // For another purpose: a questionnaire route does not take it.
    let questionnaire = CapabilityPurpose::QuestionnaireAnswer;
    assert!(capability::verify(&db.db, &clock, &token, questionnaire).await.unwrap().is_none());
    // Expired: a day after its 30 days.
    let later = FixedClock::new(fixed_now() + Duration::days(31));
    assert!(capability::verify(&db.db, &later, &token, PURPOSE).await.unwrap().is_none());

    // Withdrawn consent: the link still answers, but shows nothing of the person.
    let verified = capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().unwrap();
    let provider = Principal::capability(verified);
    let shown = onward::by_link(&db.db, &clock, &provider).await.unwrap();
    assert_eq!(shown.person.phone, Some(String::new()), "consented, but the person gave no phone");
    lotse_store::on_pool!(&db.db, p => sqlx::query(
        "update consent set withdrawn_at = given_at where purpose = 'provider_sharing'"
    ).execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    let withdrawn = onward::by_link(&db.db, &clock, &provider).await.unwrap();
    assert_eq!(withdrawn.person, SharedDetails::default());

    // Revoked: refused at once, also for a page opened before.
    let id = link.token.id();
    assert!(capability::revoke(&db.db, &clock, &world.scope, id).await.unwrap());
    assert!(capability::verify(&db.db, &clock, &token, PURPOSE).await.unwrap().is_none());
    let late = onward::answer_by_link(&db.db, &clock, &provider, ProviderAnswer::Accept, 3).await;
    assert!(matches!(late, Err(OnwardError::NotFound)), "{late:?}");
    // The link worker's page shows the link's end; a new link stops the old one, and stopping
    // leaves none (each stop audited as the link worker).
    let detail = onward::detail(&db.db, &clock, &lotsin, issued.case, onward).await.unwrap();
    assert_eq!((detail.link_expires_at, detail.relinkable), (None, true), "the revoked one works no more");
    let renewed = onward::change_links(&db.db, &clock, &lotsin, issued.case, onward, LinkChange::Renew)
        .await
        .unwrap()
        .expect("a new link");
    let second = renewed.token.text();
    assert!(capability::verify(&db.db, &clock, &second, PURPOSE).await.unwrap().is_some());
    let third = onward::change_links(&db.db, &clock, &lotsin, issued.case, onward, LinkChange::Renew)
        .await
        .unwrap()
        .expect("another")
        .token
        .text();
    assert!(capability::verify(&db.db, &clock, &second, PURPOSE).await.unwrap().is_none(), "replaced");
    let detail = onward::detail(&db.db, &clock, &lotsin, issued.case, onward).await.unwrap();
    assert_eq!(detail.link_expires_at, Some(fixed_now() + Duration::days(30)));
    let stopped = onward::change_links(&db.db, &clock, &lotsin, issued.case, onward, LinkChange::Stop).await.unwrap();
    assert!(stopped.is_none());
    assert!(capability::verify(&db.db, &clock, &third, PURPOSE).await.unwrap().is_none(), "stopped");
    let by_worker = count(
        db,
        &format!(
            "select count(*) from audit_entry where actor = '{}' and action = 'update' and object_kind = 'capability'",
            lotsin.scope().actor().reference()
        ),
    )
    .await;
    assert_eq!(by_worker, 2, "the second renewal and the stop each stopped one link");
    // Another facility's link worker may not touch them.
    let other = as_member(db, &world, "lotsin-fremd", Role::LinkWorker, Some(world.orgs.other_facility)).await;
    let denied = onward::change_links(&db.db, &clock, &other, issued.case, onward, LinkChange::Renew).await;
    assert!(matches!(denied, Err(OnwardError::NotFound)), "{denied:?}");

    // Refusals of a known capability are audited as it, once per capability and refusal window:
    // the first link tampered now and expired 31 days later (its other refusals fall into
    // those windows), the replaced and the stopped link once each.
    let denied = count(db, "select count(*) from audit_entry where action = 'access_denied' and object_kind = 'capability'").await;
    assert_eq!(denied, 4);
    assert_eq!(events(db, &world, onward).await.len(), 3, "nothing answered");
});

storage_test!(async fn a_provider_answers_from_its_account_only_what_was_shared_with_it(db) {
    let world = World::build(db, "onward-account").await;
    let clock = FixedClock::new(fixed_now());
    let (issued, onward, lotsin) = accepted(db, &world, "Konto").await;
    let provider = as_member(db, &world, "anbieter-konto", Role::OfferProvider, Some(world.orgs.provider)).await;
    let other = as_member(db, &world, "anbieter-anders", Role::OfferProvider, Some(world.orgs.other_provider)).await;

    // Not sent yet: nothing is shared with the provider, so there is nothing to answer.
    let early = onward::answer_as_provider(&db.db, &clock, &provider, onward, ProviderAnswer::Accept, 2).await;
    assert!(matches!(early, Err(OnwardError::NotFound)), "{early:?}");
    onward::send(&db.db, &clock, &lotsin, issued.case, onward, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();

    // Another provider: not found, the denial audited as that provider.
    let seen = audit_after(db, 0).await.len();
    let wrong = onward::answer_as_provider(&db.db, &clock, &other, onward, ProviderAnswer::Accept, 3).await;
    assert!(matches!(wrong, Err(OnwardError::NotFound)), "{wrong:?}");
    let denied = audit_after(db, seen).await;
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0].0, other.scope().actor().reference());
    assert_eq!(denied[0].1, "access_denied");

    // The provider accepts, then a stale page is a conflict, then attendance; both events name
    // the channel and the provider's user.
    let state = onward::answer_as_provider(&db.db, &clock, &provider, onward, ProviderAnswer::Accept, 3)
        .await
        .unwrap();
    assert_eq!(state, OnwardReferralState::Acknowledged);
    let stale = onward::answer_as_provider(&db.db, &clock, &provider, onward, ProviderAnswer::Attended, 3).await;
    assert!(
        matches!(stale, Err(OnwardError::Conflict { state: OnwardReferralState::Acknowledged, version: 4 })),
        "{stale:?}"
    );
    onward::answer_as_provider(&db.db, &clock, &provider, onward, ProviderAnswer::Attended, 4)
        .await
        .unwrap();
    let history = events(db, &world, onward).await;
    let last_two: Vec<_> = history.iter().rev().take(2).collect();
    for (payload, actor) in last_two {
        assert!(payload.contains("\"provider_account\""), "{payload}");
        assert_eq!(actor, &provider.scope().actor().reference());
    }
    // A decline after attendance started is refused, naming the state.
    let declined = onward::answer_as_provider(&db.db, &clock, &provider, onward, ProviderAnswer::Decline(ProviderDeclineReason::Full), 5).await;
    assert!(matches!(declined, Err(OnwardError::Refused(OnwardReferralState::Attending))), "{declined:?}");

    // Attendance cannot be recorded for a declined referral: refused, naming the state, on
    // every channel, and nothing is written.
    let (second, declined_id, lotsin_b) = accepted(db, &world, "Abgelehnt").await;
    onward::send(&db.db, &clock, &lotsin_b, second.case, declined_id, send(sharing(&[SharedField::Name]), 2))
        .await
        .unwrap();
    let state = onward::answer_as_provider(&db.db, &clock, &provider, declined_id, ProviderAnswer::Decline(ProviderDeclineReason::Full), 3)
        .await
        .unwrap();
    assert_eq!(state, OnwardReferralState::DeclinedByProvider);
    let by_account = onward::answer_as_provider(&db.db, &clock, &provider, declined_id, ProviderAnswer::Attended, 4).await;
    assert!(matches!(by_account, Err(OnwardError::Refused(OnwardReferralState::DeclinedByProvider))), "{by_account:?}");
    let by_phone = onward::record_answer(&db.db, &clock, &lotsin_b, second.case, declined_id, ProviderAnswer::Attended, 4).await;
    assert!(matches!(by_phone, Err(OnwardError::Refused(OnwardReferralState::DeclinedByProvider))), "{by_phone:?}");
    assert_eq!(events(db, &world, declined_id).await.len(), 4, "proposed, accepted, sent, declined");
});
