use lotse_app::FixedClock;
use lotse_app::demo::{DemoError, DemoOptions};
use lotse_domain::actor::SystemJob;
use lotse_store::{Db, on_pool};
use lotse_testkit::{TestDb, fixed_now, storage_test};
use time::macros::date;

fn options() -> DemoOptions {
    DemoOptions {
        scale: 1,
        seed: 42,
        as_of: date!(2026 - 11 - 02),
    }
}

async fn fingerprint(db: &Db) -> Vec<(uuid::Uuid, String, i64)> {
    on_pool!(db, p => sqlx::query_as("select referral_id, state, version from referral order by referral_id").fetch_all(p).await).unwrap()
}

storage_test!(async fn the_demo_has_both_programmes_every_state_and_a_valid_audit_chain(db) {
    let clock = FixedClock::new(fixed_now());
    let mut calls = 0;
    let summary = lotse_app::demo::seed(&db.db, &clock, options(), &mut |_, _| calls += 1).await.unwrap();
    assert!(calls >= 3, "progress is reported per batch");
    let slugs: Vec<_> = summary.programmes.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(slugs, ["duesseldorf", "norddjurs"]);
    let d = &summary.programmes[0];
    assert_eq!(d.areas, 1 + 10 + 50, "city, 10 Stadtbezirke, 50 Stadtteile");
    assert_eq!((d.offers, d.referrals), (180, 1800));

    let programmes = lotse_store::programme::list(&db.db).await.unwrap();
    for programme in &programmes {
        let scope = lotse_testkit::system_scope(SystemJob::Demo, programme.id);
        let mut tx = db.db.begin().await.unwrap();
        let states = lotse_store::referral::count_by_state(&mut tx, &scope).await.unwrap();
        let codes: Vec<_> = states.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(codes, ["accepted", "closed", "connected", "contacted", "issued", "plan_agreed", "unreachable"], "{}", programme.slug.as_str());
        // Every stored state equals the fold of its events (a sample of 200 per programme).
        let ids = lotse_store::referral::list_ids(&mut tx, &scope).await.unwrap();
        for id in ids.iter().step_by(ids.len() / 200) {
            let stored = lotse_store::referral::get(&mut tx, &scope, *id).await.unwrap();
            let replayed = lotse_store::referral::replay(&mut tx, &scope, *id).await.unwrap();
            assert_eq!(stored.status, replayed);
        }
    }
    // Norddjurs: 24 GPs (prescribers) besides the named demo prescriber.
    let gps: i64 = on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from user_account where username like 'laege__.norddjurs'").fetch_one(p).await).unwrap();
    assert_eq!(gps, 24);
    // Most prescriptions carry the prescriber's reason (sealed), some none; about one in eight
    // asks for contact soon.
    let count = |sql: &'static str| async move { on_pool!(&db.db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap() };
    let prescriptions = count("select count(*) from prescription").await;
    let reasons = count("select count(*) from prescription_reason").await;
    let soon = count("select count(*) from prescription where urgency = 'soon'").await;
    assert!(reasons * 10 > prescriptions * 6 && reasons < prescriptions, "{reasons} reasons of {prescriptions}");
    assert!(soon * 20 > prescriptions && soon * 4 < prescriptions, "{soon} soon of {prescriptions}");
    // A few prescriptions stay in the practice (no referral); a few more reached their facility
    // days after they were issued, when the person brought the sheet there.
    let kept = count("select count(*) from prescription p where not exists (select 1 from referral r \
        where r.programme_key = p.programme_key and r.prescription_id = p.prescription_id)").await;
    let brought = count("select count(*) from prescription p join referral r on r.programme_key = p.programme_key \
        and r.prescription_id = p.prescription_id where r.issued_at <> p.issued_at").await;
    assert!(kept > 0 && kept * 20 < prescriptions, "{kept} kept in the practice of {prescriptions}");
    assert!(brought > 0 && brought * 20 < prescriptions, "{brought} brought later of {prescriptions}");
    // Every state of an onward referral, ended with each reason.
    let onward: Vec<String> = on_pool!(&db.db, p => sqlx::query_scalar(
        "select distinct state || coalesce(':' || end_reason, '') from onward_referral order by 1",
    )
    .fetch_all(p)
    .await)
    .unwrap();
    let every = [
        "accepted", "acknowledged", "attending", "declined_by_person", "declined_by_provider", "did_not_attend",
        "ended:completed", "ended:offer_ended", "ended:other", "ended:stopped_by_person", "lapsed", "proposed", "sent",
    ];
    assert_eq!(onward, every);
    // A few offers changed lately, with their events: news for the coordinators.
    let changed = count("select count(*) from event where stream = 4").await;
    assert_eq!(changed, 8, "four offers per programme");
    // About one plan in two comes with the person's search profile, saved before it.
    let plans = count("select count(*) from action_plan").await;
    let profiles = count("select count(*) from search_profile").await;
    assert!(profiles * 4 > plans && profiles * 4 < plans * 3, "{profiles} profiles for {plans} plans");
    let later = count(
        "select count(*) from search_profile s join action_plan a on a.programme_key = s.programme_key \
         and a.case_id = s.case_id and a.version = 1 where s.updated_at > a.written_at",
    )
    .await;
    assert_eq!(later, 0, "a profile is saved before its plan");
    for (slug, report) in lotse_app::admin::verify_audit(&db.db).await.unwrap() {
        assert!(report.broken.is_none(), "{slug}: {:?}", report.broken);
        assert!(report.entries > 5, "{slug}: {}", report.entries);
    }
    // Records created in one batch are one entry listing them.
    let listed: i64 = on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from audit_object").fetch_one(p).await).unwrap();
    assert!(listed > 1000, "{listed}");
    // Seeding again is refused and changes nothing.
    let before = fingerprint(&db.db).await.len();
    let again = lotse_app::demo::seed(&db.db, &clock, options(), &mut |_, _| {}).await;
    assert!(matches!(again, Err(DemoError::AlreadySeeded)));
    assert_eq!(fingerprint(&db.db).await.len(), before);
});

storage_test!(async fn events_and_audit_entries_hold_no_personal_data(db) {
    let clock = FixedClock::new(fixed_now());
    lotse_app::demo::seed(&db.db, &clock, options(), &mut |_, _| {}).await.unwrap();
    let names: Vec<(String, String)> = db.identities().await.into_iter().map(|i| (i.1, i.2)).collect();
    let stored: Vec<Vec<u8>> = on_pool!(&db.db, p => sqlx::query_scalar("select family_name from patient_identity").fetch_all(p).await).unwrap();
    assert!(
        stored.iter().all(|f| lotse_store::crypto::DataKeys::key_id(f) == Some("test")),
        "identities are encrypted at rest"
    );
    let payloads: Vec<String> = on_pool!(&db.db, p => sqlx::query_scalar("select cast(payload as text) || actor from event").fetch_all(p).await).unwrap();
    let audit: Vec<String> = on_pool!(&db.db, p => sqlx::query_scalar("select actor || action || object_kind || purpose from audit_entry").fetch_all(p).await).unwrap();
    let haystack = format!("{}\n{}", payloads.join("\n"), audit.join("\n"));
    for (given, family) in names.iter().take(300) {
        assert!(!haystack.contains(&format!("\"{given}")), "a given name appears in events or audit entries");
        assert!(!haystack.contains(family.as_str()), "family name {family} appears in events or audit entries");
    }
});

#[tokio::test]
async fn the_same_seed_and_date_give_the_same_data() {
    let clock = FixedClock::new(fixed_now());
    let (a, b, c) = (TestDb::sqlite().await, TestDb::sqlite().await, TestDb::sqlite().await);
    lotse_app::demo::seed(&a.db, &clock, options(), &mut |_, _| {})
        .await
        .unwrap();
    lotse_app::demo::seed(&b.db, &clock, options(), &mut |_, _| {})
        .await
        .unwrap();
    lotse_app::demo::seed(&c.db, &clock, DemoOptions { seed: 43, ..options() }, &mut |_, _| {})
        .await
        .unwrap();
    let (fa, fb, fc) = (
        fingerprint(&a.db).await,
        fingerprint(&b.db).await,
        fingerprint(&c.db).await,
    );
    assert_eq!(fa.len(), 2500);
    assert_eq!(fa, fb);
    assert_ne!(fa, fc);
}

#[tokio::test]
async fn a_bad_scale_is_refused_before_anything_is_written() {
    let db = TestDb::sqlite().await;
    let clock = FixedClock::new(fixed_now());
    let err = lotse_app::demo::seed(&db.db, &clock, DemoOptions { scale: 0, ..options() }, &mut |_, _| {})
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "--scale must be between 1 and 1000, got 0");
    assert!(lotse_app::demo::database_is_empty(&db.db).await.unwrap());
}

storage_test!(async fn a_redirected_referral_lies_with_the_facility_it_went_to(db) {
    let clock = FixedClock::new(fixed_now());
    lotse_app::demo::seed(&db.db, &clock, options(), &mut |_, _| ()).await.unwrap();
    // Cases of redirected referrals exist in the demo, so the check below has something to see.
    let redirected: i64 = on_pool!(&db.db, p => sqlx::query_scalar(
        "select count(distinct r.referral_id) from referral r join event e on e.programme_key = r.programme_key \
         and e.stream_id = r.referral_id where e.stream = 1 /* referral */ and e.payload ->> 'type' = 'redirected' \
         and r.case_id is not null",
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(redirected > 0, "the demo has accepted referrals that were redirected first");
    // Every case lies with the facility that holds its referral now: the former facility has
    // no relationship left, and the new one sees the person on its worklist.
    let elsewhere: i64 = on_pool!(&db.db, p => sqlx::query_scalar(
        "select count(*) from case_file k join referral r on r.programme_key = k.programme_key and r.case_id = k.case_id \
         where r.link_facility_id <> k.link_facility_id",
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(elsewhere, 0, "cases held by another facility than their referral");
});

storage_test!(async fn the_demo_sends_people_to_a_facility_for_their_age(db) {
    let clock = FixedClock::new(fixed_now());
    lotse_app::demo::seed(&db.db, &clock, options(), &mut |_, _| ()).await.unwrap();
    // Referrals per kind of Düsseldorf facility (by its name) and age band of the person.
    let rows: Vec<(String, String, i64)> = on_pool!(&db.db, p => sqlx::query_as(
        "select case when o.name like 'zentrum plus%' then 'older' when o.name like 'Jugend%' then 'young' \
         else 'everyone' end as kind, pa.age_band, count(*) from referral r \
         join organisation o on o.programme_key = r.programme_key and o.organisation_id = r.link_facility_id \
         join patient pa on pa.programme_key = r.programme_key and pa.patient_id = r.patient_id \
         join programme g on g.programme_key = r.programme_key where g.slug = 'duesseldorf' group by 1, 2",
    )
    .fetch_all(p)
    .await)
    .unwrap();
    let count = |kind: &str, bands: &[&str], holds: bool| {
        rows.iter()
            .filter(|(k, band, _)| k == kind && bands.contains(&band.as_str()) == holds)
            .map(|r| r.2)
            .sum::<i64>()
    };
    let (older, young) = (["65-79", "80+"], ["0-17", "18-29"]);
    assert!(count("older", &older, true) > 0 && count("young", &young, true) > 0, "{rows:?}");
    assert_eq!(count("older", &older, false), 0, "younger people at a zentrum plus: {rows:?}");
    assert_eq!(count("young", &young, false), 0, "older people at a youth centre: {rows:?}");
    assert!(count("everyone", &[], false) > 0, "{rows:?}");
});
