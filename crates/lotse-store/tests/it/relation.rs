//! The relationship facts: the SQL agrees with the domain's consent rule on a table written by
//! hand, the current-facility rule, and the worklists read the same facts.

use lotse_domain::audit::AuditPurpose;
use lotse_domain::consent::{self, ConsentPurpose};
use lotse_domain::id::{CaseId, OrganisationId};
use lotse_domain::policy::{LinkKind, PersonRelations};
use lotse_domain::referral::{ClosingReason, RedirectReason, ReferralEvent};
use lotse_domain::user::Role;
use lotse_store::audit::Access;
use lotse_store::on_pool;
use lotse_testkit::world::World;
use lotse_testkit::{TestDb, fixed_now, storage_test};
use time::{Duration, OffsetDateTime};

async fn facts(db: &TestDb, world: &World, person: lotse_domain::id::PatientId, at: OffsetDateTime) -> PersonRelations {
    let mut tx = db.db.begin().await.unwrap();
    let facts = lotse_store::relation::of_person(&mut tx, &world.scope, person, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    facts
}

fn holders(facts: &PersonRelations) -> Vec<(OrganisationId, Option<CaseId>)> {
    let mut out: Vec<_> = facts
        .links
        .iter()
        .filter(|l| l.kind == LinkKind::Holds)
        .map(|l| (l.organisation, l.case))
        .collect();
    out.sort();
    out
}

async fn link_worklist(db: &TestDb, world: &World, org: OrganisationId) -> Vec<lotse_store::worklist::Row> {
    let mut tx = db.db.begin().await.unwrap();
    let access = Access {
        at: fixed_now(),
        purpose: AuditPurpose::Care,
    };
    let rows = lotse_store::worklist::for_organisation(&mut tx, &world.scope, access, Role::LinkWorker, org, 100)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows
}

/// The given time and the query times, in milliseconds from a moment half a second past a whole
/// second, so stored and asked times differ in the number of fraction digits (`…00Z`,
/// `…00.5Z`, `…00.751Z`).
const TIMES_MS: [i64; 10] = [-500, -1, 0, 120, 250, 251, 500, 1000, 1001, 86_400_000];

/// States of a consent × the times above → whether sharing is active, written by hand:
/// (purpose, withdrawn at (ms) or never, expected per time: `T` active, `.` not).
const ORACLE: [(ConsentPurpose, Option<i64>, &str); 6] = [
    (ConsentPurpose::ProviderSharing, None, "..TTTTTTTT"),
    (ConsentPurpose::ProviderSharing, Some(250), "..TT......"),
    (ConsentPurpose::ProviderSharing, Some(1000), "..TTTTT..."),
    (ConsentPurpose::ProviderSharing, Some(0), ".........."),
    (ConsentPurpose::ProviderSharing, Some(500), "..TTTT...."),
    (ConsentPurpose::Care, None, ".........."),
];

storage_test!(async fn active_sharing_in_sql_and_in_the_domain_agree_with_a_table(db) {
    let world = World::build(db, "oracle").await;
    let given = fixed_now() + Duration::milliseconds(500);
    let access = Access {
        at: fixed_now(),
        purpose: AuditPurpose::Care,
    };
    for (purpose, withdrawn, expected) in ORACLE {
        let withdrawn_at = withdrawn.map(|ms| given + Duration::milliseconds(ms));
        on_pool!(&db.db, p => sqlx::query(
            "update consent set purpose = $3, given_at = $4, withdrawn_at = $5 where programme_key = (select programme_key from programme where programme_id = $1) and consent_id = $2",
        )
        .bind(world.programme.id.as_uuid())
        .bind(world.sharing_consent.as_uuid())
        .bind(purpose.code())
        .bind(given)
        .bind(withdrawn_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        // The domain judges the consent as stored (read back: the precision each engine keeps).
        let mut tx = db.db.begin().await.unwrap();
        let stored = lotse_store::record::consents(&mut tx, &world.scope, access, world.person).await.unwrap();
        tx.commit().await.unwrap();
        let stored: Vec<_> = stored.into_iter().filter(|c| c.id == world.sharing_consent).collect();
        assert_eq!(stored.len(), 1);
        for (ms, want) in TIMES_MS.into_iter().zip(expected.chars()) {
            let at = given + Duration::milliseconds(ms);
            let want = want == 'T';
            let domain = consent::permits(&stored, ConsentPurpose::ProviderSharing, Some(world.onward), at);
            let sql = facts(db, &world, world.person, at)
                .await
                .links
                .iter()
                .any(|l| l.kind == LinkKind::SharedWith && l.onward_referral == Some(world.onward));
            let label = format!("{purpose:?} withdrawn {withdrawn:?} ms, asked at {ms} ms");
            assert_eq!(domain, want, "domain: {label}");
            assert_eq!(sql, want, "SQL: {label}");
        }
    }
});

storage_test!(async fn a_redirect_moves_the_case_to_the_new_facility_and_the_worklists_follow(db) {
    let world = World::build(db, "redirect").await;
    let (a, b) = (world.orgs.facility, world.orgs.other_facility);
    let issued = world.issued_case(db, "Umleitung", a).await;
    let now = fixed_now();
    assert_eq!(holders(&facts(db, &world, issued.person, now).await), vec![(a, Some(issued.case))]);
    let listed = |rows: &[lotse_store::worklist::Row]| rows.iter().any(|r| r.case == issued.case);
    assert!(listed(&link_worklist(db, &world, a).await) && !listed(&link_worklist(db, &world, b).await));

    world.apply(db, issued.referral, 1, ReferralEvent::Redirected {
                to: b,
                reason: RedirectReason::WrongArea,
            }).await;
    assert_eq!(holders(&facts(db, &world, issued.person, now).await), vec![(b, Some(issued.case))]);
    assert!(
        !listed(&link_worklist(db, &world, a).await),
        "the former facility's worklist no longer lists the case"
    );
    assert!(listed(&link_worklist(db, &world, b).await), "the new facility's worklist lists it");
    // The practice's link is not touched by a redirect.
    let practice = facts(db, &world, issued.person, now).await;
    assert!(practice.links.iter().any(|l| l.kind == LinkKind::Prescribed
        && l.organisation == world.orgs.practice
        && l.case == Some(issued.case)));
});

/// Refers the world's second person (whose only referral is closed at the first facility)
/// again, to `facility`, by self-referral an hour ago: the new referral is open and has no case.
async fn refer_second_person_to(db: &TestDb, world: &World, facility: OrganisationId) -> lotse_domain::id::ReferralId {
    let referral = lotse_domain::id::ReferralId::from_uuid(uuid::Uuid::new_v4());
    let now = fixed_now();
    let access = Access {
        at: now,
        purpose: AuditPurpose::Care,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::referral::insert_many(
        &mut tx,
        &world.scope,
        access,
        &[lotse_store::referral::NewReferral {
            id: referral,
            prescription: None,
            case: None,
            patient: world.second_person,
            source: lotse_domain::prescription::ReferralSource::SelfReferral,
            history: vec![lotse_store::referral::Recorded {
                event: ReferralEvent::Issued {
                    link_facility: facility,
                },
                actor: "system:admin".into(),
                at: now - Duration::hours(1),
            }],
        }],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    referral
}

storage_test!(async fn a_closed_referral_links_its_facility_only_while_none_of_the_persons_is_open(db) {
    let world = World::build(db, "closed").await;
    let (a, b) = (world.orgs.facility, world.orgs.other_facility);
    let now = fixed_now();
    // The second person's only referral is closed at A: A still holds that case.
    assert_eq!(
        holders(&facts(db, &world, world.second_person, now).await),
        vec![(a, Some(world.second_case))]
    );
    // A new referral of the same person at B is open: only B holds the person now.
    let referral = refer_second_person_to(db, &world, b).await;
    assert_eq!(holders(&facts(db, &world, world.second_person, now).await), vec![(b, None)]);
    // Once that one is closed too, both facilities hold what they closed.
    world
        .apply(db, referral, 1, ReferralEvent::Closed {
            reason: ClosingReason::Declined,
        })
        .await;
    let mut want = vec![(a, Some(world.second_case)), (b, None)];
    want.sort();
    assert_eq!(holders(&facts(db, &world, world.second_person, now).await), want);
});

storage_test!(async fn where_a_case_was_opened_grants_nothing(db) {
    let world = World::build(db, "opened").await;
    let (a, b) = (world.orgs.facility, world.orgs.other_facility);
    // The case file says A; its referral lies with B: B holds it, A does not.
    let issued = world.issued_case(db, "Akte", a).await;
    world.apply(db, issued.referral, 1, ReferralEvent::Redirected {
                to: b,
                reason: RedirectReason::WrongArea,
            }).await;
    let opened_at: uuid::Uuid = on_pool!(&db.db, p => sqlx::query_scalar(
        "select link_facility_id from case_file where programme_key = (select programme_key from programme where programme_id = $1) and case_id = $2",
    )
    .bind(world.programme.id.as_uuid())
    .bind(issued.case.as_uuid())
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(opened_at, a.as_uuid());
    let facts = facts(db, &world, issued.person, fixed_now()).await;
    assert!(facts.links.iter().all(|l| l.organisation != a), "{facts:?}");
});

storage_test!(async fn the_facts_of_a_missing_or_foreign_person_are_not_found(db) {
    let world = World::build(db, "facts-a").await;
    let other = World::build_with_family(db, "facts-b", "Anderswo").await;
    let mut tx = db.db.begin().await.unwrap();
    let foreign = lotse_store::relation::of_person(&mut tx, &world.scope, other.person, fixed_now()).await;
    assert!(matches!(foreign, Err(lotse_store::StoreError::NotFound { .. })), "{foreign:?}");
    let missing = lotse_store::relation::of_person(
        &mut tx,
        &world.scope,
        lotse_domain::id::PatientId::from_uuid(uuid::Uuid::new_v4()),
        fixed_now(),
    )
    .await;
    assert!(matches!(missing, Err(lotse_store::StoreError::NotFound { .. })), "{missing:?}");
    tx.commit().await.unwrap();
});

async fn holder(
    db: &TestDb,
    world: &World,
    case: CaseId,
) -> Result<lotse_store::relation::CaseHolder, lotse_store::StoreError> {
    let mut tx = db.db.begin_read().await.unwrap();
    let holder = lotse_store::relation::case_holder(&mut tx, &world.scope, case).await;
    tx.commit().await.unwrap();
    holder
}

storage_test!(async fn the_case_holder_is_the_facility_its_referral_lies_with_now(db) {
    let world = World::build(db, "holder").await;
    let (a, b) = (world.orgs.facility, world.orgs.other_facility);
    let issued = world.issued_case(db, "Absender", a).await;
    let held = holder(db, &world, issued.case).await.unwrap();
    assert_eq!((held.patient, held.erased), (issued.person, false));
    let facility = held.facility.unwrap();
    assert_eq!((facility.id, facility.name.as_str()), (a, "zentrum plus Eins"));
    // A redirect moves it, as it moves the "holds" fact.
    world.apply(db, issued.referral, 1, ReferralEvent::Redirected {
                to: b,
                reason: RedirectReason::WrongArea,
            }).await;
    assert_eq!(holder(db, &world, issued.case).await.unwrap().facility.map(|f| f.id), Some(b));

    // Unlike the "holds" fact: a closed case still names the facility that closed it while the
    // person has an open referral elsewhere (it says who sent the case, not who may see it).
    refer_second_person_to(db, &world, b).await;
    assert_eq!(holders(&facts(db, &world, world.second_person, fixed_now()).await), vec![(b, None)]);
    let closed = holder(db, &world, world.second_case).await.unwrap();
    assert_eq!((closed.patient, closed.facility.map(|f| f.id)), (world.second_person, Some(a)));

    // Erased: said, so that nothing about the person is shown.
    let access = Access {
        at: fixed_now(),
        purpose: AuditPurpose::Care,
    };
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::record::erase(&mut tx, &world.scope, access, issued.person, &mut || "ERASEDH".to_owned(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(holder(db, &world, issued.case).await.unwrap().erased);

    // Another programme's case, and no case at all: not found.
    let other = World::build_with_family(db, "holder-b", "Anderswo").await;
    let foreign = holder(db, &world, other.case).await;
    assert!(matches!(foreign, Err(lotse_store::StoreError::NotFound { .. })), "{foreign:?}");
    let missing = holder(db, &world, CaseId::from_uuid(uuid::Uuid::new_v4())).await;
    assert!(matches!(missing, Err(lotse_store::StoreError::NotFound { .. })), "{missing:?}");
});
