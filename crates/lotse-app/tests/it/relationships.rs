//! Relationships decided by the policy on the store's facts: a redirect moves the case, a
//! provider sees only what is shared now, and coordinators' account and person checks.

use lotse_app::FixedClock;
use lotse_app::access::AccessError;
use lotse_app::case_record;
use lotse_app::principal::Principal;
use lotse_app::{data_subject, password_reset, second_factor};
use lotse_domain::audit::{AuditPurpose, RequestReference};
use lotse_domain::consent::{Consent, ConsentGiver, ConsentPurpose};
use lotse_domain::id::{ConsentId, OfferId, OnwardReferralId};
use lotse_domain::onward_referral::OnwardReferralEvent;
use lotse_domain::policy::Visibility;
use lotse_domain::referral::{RedirectReason, ReferralEvent};
use lotse_domain::user::Role;
use lotse_store::audit::Access;
use lotse_store::referral::{NewOnwardReferral, Recorded};
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, fixed_now, storage_test};
use time::Duration;
use uuid::Uuid;

use crate::data_protection::as_member;

async fn denials(db: &TestDb) -> i64 {
    lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_entry where action = 'access_denied'")
        .fetch_one(p)
        .await)
    .unwrap()
}

storage_test!(async fn after_a_redirect_only_the_new_facility_has_the_case(db) {
    let world = World::build(db, "redirect").await;
    let clock = FixedClock::new(fixed_now());
    let (a, b) = (world.orgs.facility, world.orgs.other_facility);
    let issued = world.issued_case(db, "Umleitung", a).await;
    let at_a = as_member(db, &world, "lotsin-a", Role::LinkWorker, Some(a)).await;
    let at_b = as_member(db, &world, "lotsin-b", Role::LinkWorker, Some(b)).await;
    let prescriber = as_member(db, &world, "praxis", Role::Prescriber, Some(world.orgs.practice)).await;
    let listed = |rows: &[case_record::WorklistRow]| rows.iter().any(|r| r.case == issued.case);

    assert!(listed(&case_record::worklist(&db.db, &clock, &at_a, 100).await.unwrap()));
    assert!(!listed(&case_record::worklist(&db.db, &clock, &at_b, 100).await.unwrap()));
    case_record::view_case(&db.db, &clock, &at_a, issued.case).await.unwrap();
    assert_eq!(case_record::find_case(&db.db, &clock, &at_a, &issued.code).await.unwrap(), issued.case);
    let not_b = case_record::view_case(&db.db, &clock, &at_b, issued.case).await;
    assert!(matches!(not_b, Err(AccessError::NotFound)), "{not_b:?}");

    world.apply(db, issued.referral, 1, ReferralEvent::Redirected {
                to: b,
                reason: RedirectReason::WrongArea,
            }).await;

    let before = denials(db).await;
    assert!(!listed(&case_record::worklist(&db.db, &clock, &at_a, 100).await.unwrap()), "gone from A's worklist");
    let page = case_record::view_case(&db.db, &clock, &at_a, issued.case).await;
    assert!(matches!(page, Err(AccessError::NotFound)), "A's case page: {page:?}");
    let found = case_record::find_case(&db.db, &clock, &at_a, &issued.code).await;
    assert!(matches!(found, Err(AccessError::NotFound)), "A's search: {found:?}");
    let withdraw = case_record::withdraw_consent(&db.db, &clock, &at_a, issued.case, world.care_consent, 1).await;
    assert!(matches!(withdraw, Err(AccessError::NotFound)), "A's withdrawal: {withdraw:?}");
    assert_eq!(denials(db).await, before + 3, "each refusal is audited like the others");

    assert!(listed(&case_record::worklist(&db.db, &clock, &at_b, 100).await.unwrap()), "on B's worklist");
    let record = case_record::view_case(&db.db, &clock, &at_b, issued.case).await.unwrap();
    assert_eq!(record.visibility, Visibility::Case);
    assert_eq!(case_record::find_case(&db.db, &clock, &at_b, &issued.code).await.unwrap(), issued.case);
    // The practice's view is not a facility's: it stays.
    let seen = case_record::view_case(&db.db, &clock, &prescriber, issued.case).await.unwrap();
    assert_eq!(seen.visibility, Visibility::Prescriber);
});

async fn offer_of(db: &TestDb, world: &World, provider: lotse_domain::id::OrganisationId) -> OfferId {
    let id: Uuid = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select offer_id from offer where programme_key = (select programme_key from programme where programme_id = $1) and provider_id = $2",
    )
    .bind(world.programme.id.as_uuid())
    .bind(provider.as_uuid())
    .fetch_one(p)
    .await)
    .unwrap();
    OfferId::from_uuid(id)
}

storage_test!(async fn a_provider_sees_only_onward_referrals_shared_now(db) {
    let world = World::build(db, "shared").await;
    let clock = FixedClock::new(fixed_now());
    let offer = offer_of(db, &world, world.orgs.provider).await;
    // Two more onward referrals of the same case to the same provider: one without any sharing
    // consent, one whose consent is given only tomorrow.
    let unshared = OnwardReferralId::from_uuid(Uuid::new_v4());
    let later = OnwardReferralId::from_uuid(Uuid::new_v4());
    let access = Access {
        at: fixed_now(),
        purpose: AuditPurpose::Care,
    };
    let onward = |id| NewOnwardReferral {
        id,
        case: world.case,
        history: vec![Recorded {
            event: OnwardReferralEvent::Proposed { offer },
            actor: "system:admin".into(),
            at: fixed_now() - Duration::days(1),
        }],
    };
    let tomorrow = Consent {
        id: ConsentId::from_uuid(Uuid::new_v4()),
        programme: world.programme.id,
        patient: world.person,
        purpose: ConsentPurpose::ProviderSharing,
        onward_referral: Some(later),
        shared: Vec::new(),
        text_version: "2026-01".into(),
        language: "de".into(),
        given_by: ConsentGiver::Person,
        recorded_by: world.prescriber,
        given_at: fixed_now() + Duration::days(1),
        withdrawn_at: None,
        version: 1,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::referral::insert_onward_many(&mut tx, &world.scope, access, &[onward(unshared), onward(later)])
        .await
        .unwrap();
    lotse_store::person::insert_consents(&mut tx, &world.scope, access, &[tomorrow]).await.unwrap();
    tx.commit().await.unwrap();

    let provider = as_member(db, &world, "verein", Role::OfferProvider, Some(world.orgs.provider)).await;
    let seen = case_record::view_case(&db.db, &clock, &provider, world.case).await.unwrap();
    let ids: Vec<_> = seen.onward.iter().map(|o| o.id).collect();
    assert_eq!(ids, vec![world.onward], "only the onward referral shared now");
    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let all = case_record::view_case(&db.db, &clock, &link_worker, world.case).await.unwrap();
    assert_eq!(all.onward.len(), 3, "the facility holding the case sees every onward referral");
    let other = as_member(db, &world, "chor", Role::OfferProvider, Some(world.orgs.other_provider)).await;
    let denied = case_record::view_case(&db.db, &clock, &other, world.case).await;
    assert!(matches!(denied, Err(AccessError::NotFound)), "{denied:?}");

    // Tomorrow the later consent holds: the provider sees that one too.
    let tomorrow_clock = FixedClock::new(fixed_now() + Duration::days(2));
    let seen = case_record::view_case(&db.db, &tomorrow_clock, &provider, world.case).await.unwrap();
    let mut ids: Vec<_> = seen.onward.iter().map(|o| o.id).collect();
    ids.sort();
    let mut want = vec![world.onward, later];
    want.sort();
    assert_eq!(ids, want);

    // Withdrawn now: gone from the case page and the worklist at once.
    case_record::withdraw_consent(&db.db, &clock, &link_worker, world.case, world.sharing_consent, 1).await.unwrap();
    let denied = case_record::view_case(&db.db, &clock, &provider, world.case).await;
    assert!(matches!(denied, Err(AccessError::NotFound)), "{denied:?}");
    assert!(case_record::worklist(&db.db, &clock, &provider, 50).await.unwrap().is_empty());
});

fn reference() -> RequestReference {
    RequestReference::parse("DSR-2026/7").unwrap()
}

storage_test!(async fn coordinators_reach_accounts_and_people_as_the_policy_decides(db) {
    let world = World::build(db, "accounts-a").await;
    let other = World::build_with_family(db, "accounts-b", "Anderswo").await;
    let clock = FixedClock::new(fixed_now());
    let coordinator = as_member(db, &world, "koordination", Role::Coordinator, None).await;
    let Principal::Member(coordinator_session) = &coordinator else {
        panic!("a member")
    };
    let here = world.member(db, "nur-hier", Role::LinkWorker, Some(world.orgs.facility)).await;
    let both = world.member(db, "hier-und-dort", Role::LinkWorker, Some(world.orgs.facility)).await;
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::user::add_membership(&mut tx, &other.scope, both, Role::LinkWorker, Some(other.orgs.facility), fixed_now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let elsewhere = other.member(db, "nur-dort", Role::LinkWorker, Some(other.orgs.facility)).await;
    let nobody = lotse_domain::id::UserId::from_uuid(Uuid::new_v4());

    // (account, audit trail and unlock, reset code), written by hand.
    for (account, manages, resets) in [(here, true, true), (both, true, false), (elsewhere, false, false), (nobody, false, false)] {
        let trail = data_subject::user_audit(&db.db, &clock, &coordinator, account).await;
        assert_eq!(trail.is_ok(), manages, "audit trail of {account}: {trail:?}");
        let unlock = second_factor::unlock(&db.db, &clock, coordinator_session, account).await;
        assert_eq!(unlock.is_ok(), manages, "unlock {account}: {unlock:?}");
        let reset = password_reset::issue(&db.db, &clock, coordinator_session, account).await;
        assert_eq!(reset.is_ok(), resets, "reset {account}: {reset:?}");
        if let Err(e) = reset {
            assert!(matches!(e, AccessError::NotFound), "{e:?}");
        }
    }

    // A person is the coordinator's subject erased or not; another programme's is not.
    assert!(data_subject::erase(&db.db, &clock, &coordinator, world.second_person, &reference()).await.unwrap());
    let export = data_subject::export(&db.db, &clock, &coordinator, world.second_person, &reference()).await.unwrap();
    assert!(export.identity.family_name.is_empty());
    let foreign = data_subject::export(&db.db, &clock, &coordinator, other.person, &reference()).await;
    assert!(matches!(foreign, Err(AccessError::NotFound)), "{foreign:?}");
    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let erased_case = case_record::view_case(&db.db, &clock, &link_worker, world.second_case).await;
    assert!(matches!(erased_case, Err(AccessError::NotFound)), "{erased_case:?}");
});
