//! Consent enforcement, data-subject rights and retention, on both engines.

use lotse_app::FixedClock;
use lotse_app::access::AccessError;
use lotse_app::case_record;
use lotse_app::data_subject;
use lotse_app::prescribe;
use lotse_app::principal::Principal;
use lotse_domain::id::{OrganisationId, UserId};
use lotse_domain::user::Role;
use lotse_store::Db;
use lotse_store::session::SessionRecord;
use lotse_testkit::world::{PERSON_BIRTH_DATE, PERSON_FAMILY, PERSON_GIVEN, PERSON_PHONE, SECOND_FAMILY, World};
use lotse_testkit::{TestDb, fixed_now, storage_test};

pub(crate) async fn session(db: &TestDb, world: &World, user: UserId) -> Principal {
    let token = uuid::Uuid::new_v4().simple().to_string();
    let mut tx = db.db.begin().await.unwrap();
    let record = SessionRecord {
        user,
        programme: world.programme.id,
        expires_at: fixed_now() + time::Duration::days(5000),
    };
    lotse_store::session::insert(&mut tx, &lotse_app::auth::token_hash(&token), &record, fixed_now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    lotse_app::auth::session(&db.db, &FixedClock::new(fixed_now()), &token)
        .await
        .unwrap()
        .unwrap()
        .principal()
}

pub(crate) async fn as_member(
    db: &TestDb,
    world: &World,
    name: &str,
    role: Role,
    org: Option<OrganisationId>,
) -> Principal {
    let user = world.member(db, name, role, org).await;
    session(db, world, user).await
}

async fn actions(db: &Db) -> Vec<String> {
    lotse_store::on_pool!(db, p => sqlx::query_scalar("select action from audit_entry order by programme_key, seq").fetch_all(p).await)
        .unwrap()
}

storage_test!(async fn a_withdrawn_sharing_consent_closes_the_provider_view_at_once(db) {
    let world = World::build(db, "consent").await;
    let clock = FixedClock::new(fixed_now());
    let provider = as_member(db, &world, "provider", Role::OfferProvider, Some(world.orgs.provider)).await;
    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;

    let seen = case_record::view_case(&db.db, &clock, &provider, world.case).await.unwrap();
    assert_eq!(seen.onward.len(), 1, "the shared onward referral");
    assert!(seen.consents.is_empty() && seen.referrals.is_empty(), "a provider sees only what is shared");
    assert_eq!(seen.identity.birth_date, time::Date::MIN, "the birth date is not shared");

    case_record::withdraw_consent(&db.db, &clock, &link_worker, world.case, world.sharing_consent, 1).await.unwrap();
    let again = case_record::withdraw_consent(&db.db, &clock, &link_worker, world.case, world.sharing_consent, 1).await;
    assert!(matches!(again, Err(AccessError::Conflict(_))), "{again:?}");

    let denied = case_record::view_case(&db.db, &clock, &provider, world.case).await;
    assert!(matches!(denied, Err(AccessError::NotFound)), "{denied:?}");
    let rows = case_record::worklist(&db.db, &clock, &provider, 50).await.unwrap();
    assert!(rows.is_empty(), "gone from the provider's worklist too");

    let record = case_record::view_case(&db.db, &clock, &link_worker, world.case).await.unwrap();
    assert!(record.timeline.iter().any(|t| t.kind == "consent.withdrawn"), "{:?}", record.timeline);
    let withdrawn = record.consents.iter().find(|c| c.id == world.sharing_consent).unwrap();
    assert_eq!(withdrawn.withdrawn_at, Some(fixed_now()));

    let actions = actions(&db.db).await;
    assert!(actions.iter().any(|a| a == "access_denied"), "the refused read is audited");
    assert!(actions.iter().any(|a| a == "update"), "the withdrawal is audited");
});

storage_test!(async fn only_the_facility_link_worker_may_withdraw(db) {
    let world = World::build(db, "withdraw").await;
    let clock = FixedClock::new(fixed_now());
    for (name, role, org) in [
        ("other-lotse", Role::LinkWorker, world.orgs.other_facility),
        ("prescriber", Role::Prescriber, world.orgs.practice),
        ("provider", Role::OfferProvider, world.orgs.provider),
    ] {
        let user = as_member(db, &world, name, role, Some(org)).await;
        let result = case_record::withdraw_consent(&db.db, &clock, &user, world.case, world.care_consent, 1).await;
        assert!(matches!(result, Err(AccessError::NotFound)), "{name}: {result:?}");
    }
    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let record = case_record::view_case(&db.db, &clock, &link_worker, world.case).await.unwrap();
    assert!(record.consents.iter().all(|c| c.withdrawn_at.is_none()), "nothing was withdrawn");
});

storage_test!(async fn the_access_export_holds_everything_and_is_audited(db) {
    let world = World::build(db, "export").await;
    let clock = FixedClock::new(fixed_now());
    let coordinator = as_member(db, &world, "coordinator", Role::Coordinator, None).await;
    // What only the sealed columns hold: the prescriber's reason, a note, a plan.
    let lotsin = as_member(db, &world, "lotsin-export", Role::LinkWorker, Some(world.orgs.facility)).await;
    lotse_app::conversation::add_note(&db.db, &clock, &lotsin, world.case, "Singt gern.", "2026-11-20").await.unwrap();
    let plan = lotse_domain::action_plan::ActionPlanInput {
        goals: "Wieder singen".into(),
        milestones: vec![("Chorprobe besuchen".into(), "10.11.2026".into())],
        obstacles: String::new(),
        review_on: "03.12.2026".into(),
    };
    lotse_app::action_plan::save(&db.db, &clock, &lotsin, world.case, &plan, 0).await.unwrap();
    let search = lotse_domain::search_profile::SearchProfileInput {
        interests: vec!["culture".into()],
        max_distance_km: "7".into(),
        free_times: vec!["3-evening".into()],
        ..Default::default()
    };
    lotse_app::search_profile::save(&db.db, &clock, &lotsin, world.case, &search, 0).await.unwrap();
    let first = data_subject::export(&db.db, &clock, &coordinator, world.person, &reference()).await.unwrap();
    let mut tx = db.db.begin().await.unwrap();
    let prescription = lotse_domain::id::PrescriptionId::from_uuid(first.prescriptions[0].id);
    lotse_store::person::insert_prescription_reason(&mut tx, &world.scope, prescription, "Vereinsamt").await.unwrap();
    tx.commit().await.unwrap();
    let export = data_subject::export(&db.db, &clock, &coordinator, world.person, &reference()).await.unwrap();
    assert_eq!(export.prescriptions[0].reason.as_deref(), Some("Vereinsamt"));
    assert_eq!(export.notes.len(), 1);
    assert_eq!((export.notes[0].text.as_str(), export.notes[0].follow_up_on.as_deref()), ("Singt gern.", Some("2026-11-20")));
    assert_eq!(export.action_plans.len(), 1);
    assert_eq!(export.action_plans[0].content.goals, ["Wieder singen"]);
    assert_eq!(export.search_profiles.len(), 1);
    assert_eq!((export.search_profiles[0].case_id.as_str(), export.search_profiles[0].version), (world.case.to_string().as_str(), 1));
    assert_eq!(export.search_profiles[0].profile.input(), search);
    assert_eq!(export.identity.family_name, PERSON_FAMILY);
    assert_eq!(export.identity.phone.as_deref(), Some(PERSON_PHONE));
    assert_eq!(export.prescriptions.len(), 1);
    assert_eq!(export.prescriptions[0].code, world.code);
    assert_eq!(export.referrals.len(), 1);
    assert_eq!(export.onward_referrals.len(), 1);
    assert_eq!(export.consents.len(), 3);
    assert!(!export.accesses.is_empty(), "who accessed the data");
    let json = serde_json::to_string(&export).unwrap();
    assert!(json.contains("\"format\":\"lotse-person-export/1\""));
    assert!(actions(&db.db).await.iter().any(|a| a == "export"));

    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let denied = data_subject::export(&db.db, &clock, &link_worker, world.person, &reference()).await;
    assert!(matches!(denied, Err(AccessError::NotFound)), "export is the coordinator's task");
});

/// Every place a value could remain: all columns of all tables, as text.
async fn occurrences(db: &Db, needle: &str) -> Vec<String> {
    let columns: Vec<(String, String)> = match db {
        Db::Sqlite(db) => sqlx::query_as(
            "select m.name, p.name from sqlite_master m join pragma_table_info(m.name) p \
             where m.type = 'table' and m.name not like 'sqlite_%' and m.name <> '_sqlx_migrations'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap(),
        Db::Postgres(db) => sqlx::query_as(
            "select table_name::text, column_name::text from information_schema.columns \
             where table_schema = 'public' and table_name <> '_sqlx_migrations'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap(),
    };
    assert!(columns.len() > 100, "all tables' columns: {}", columns.len());
    let mut found = Vec::new();
    for (table, column) in columns {
        let sql = format!("select count(*) from {table} where cast({column} as text) like $1");
        let n: i64 =
            lotse_store::on_pool!(db, p => sqlx::query_scalar(&sql).bind(format!("%{needle}%")).fetch_one(p).await)
                .unwrap();
        if n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

storage_test!(async fn erasure_leaves_no_identity_anywhere_and_keeps_the_counts(db) {
    let world = World::build(db, "erase").await;
    let clock = FixedClock::new(fixed_now());
    let coordinator = as_member(db, &world, "coordinator", Role::Coordinator, None).await;
    let scope = world.scope.clone();
    let count_states = || async {
        let mut tx = db.db.begin_read().await.unwrap();
        let counts = lotse_store::referral::count_by_state(&mut tx, &scope).await.unwrap();
        tx.commit().await.unwrap();
        counts
    };
    let before = count_states().await;
    let needles = [PERSON_FAMILY, PERSON_GIVEN, PERSON_PHONE, PERSON_BIRTH_DATE, world.code.as_str()];
    for needle in [PERSON_FAMILY, PERSON_GIVEN, PERSON_PHONE, PERSON_BIRTH_DATE] {
        assert_eq!(occurrences(&db.db, needle).await, Vec::<String>::new(), "{needle} is stored in clear");
    }
    assert!(!occurrences(&db.db, &world.code).await.is_empty(), "the prescription code is stored");
    let stored = db.identities().await;
    assert!(stored.iter().any(|i| i.2 == PERSON_FAMILY), "the identity opens with the key");
    // The practice's board lists the person's prescription until the erasure, then no longer
    // (it reads that from the prescription's `patient_erased`, not from the person).
    let gp = as_member(db, &world, "dr-erase", Role::Prescriber, Some(world.orgs.practice)).await;
    let on_board = || async {
        let rows = prescribe::board(&db.db, &clock, &gp, None, 100).await.unwrap().rows;
        rows.iter().filter(|r| r.patient == world.person).count()
    };
    assert_eq!(on_board().await, 1, "the person's prescription is on the board");

    assert!(data_subject::erase(&db.db, &clock, &coordinator, world.person, &reference()).await.unwrap());
    assert!(!data_subject::erase(&db.db, &clock, &coordinator, world.person, &reference()).await.unwrap(), "twice is a no-op");

    for needle in needles {
        assert_eq!(occurrences(&db.db, needle).await, Vec::<String>::new(), "{needle} remains");
    }
    let erased = db.identities().await.into_iter().find(|i| i.0 == world.person.as_uuid()).unwrap();
    assert_eq!((erased.1.as_str(), erased.2.as_str(), erased.3.as_str(), erased.4.clone()), ("", "", "1951-01-01", None), "blank, the year kept");
    assert_eq!(count_states().await, before, "aggregate statistics are intact");
    assert_eq!(on_board().await, 0, "an erased person's prescription leaves the board");
    let export = serde_json::to_string(&data_subject::export(&db.db, &clock, &coordinator, world.person, &reference()).await.unwrap()).unwrap();
    for needle in needles {
        assert!(!export.contains(needle), "{needle} in the export after erasure");
    }
    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let gone = case_record::view_case(&db.db, &clock, &link_worker, world.case).await;
    assert!(matches!(gone, Err(AccessError::NotFound)), "{gone:?}");
    let found = data_subject::find_person(&db.db, &clock, &coordinator, &world.code).await;
    assert!(matches!(found, Err(AccessError::NotFound)), "the old code leads nowhere");

    if let Some(path) = db.url.sqlite_path() {
        lotse_store::on_pool!(&db.db, p => sqlx::query("pragma wal_checkpoint(truncate)").execute(p).await.map(|r| r.rows_affected())).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        for needle in [PERSON_FAMILY, PERSON_PHONE] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} remains in the SQLite file"
            );
        }
    }
});

storage_test!(async fn retention_anonymises_only_people_closed_longer_than_the_period(db) {
    World::build(db, "retention").await;
    let now = FixedClock::new(fixed_now());
    let reports = data_subject::run_retention(&db.db, &now).await.unwrap();
    let report = reports.iter().find(|r| r.programme == "retention").unwrap();
    assert_eq!((report.retention_days, report.erased), (3650, 0), "closed 30 days ago: kept");

    let later = FixedClock::new(fixed_now() + time::Duration::days(3650));
    let reports = data_subject::run_retention(&db.db, &later).await.unwrap();
    let report = reports.iter().find(|r| r.programme == "retention").unwrap();
    assert_eq!(report.erased, 1, "the closed case, 3,680 days after its last change");
    let families: Vec<String> = db.identities().await.into_iter().map(|i| i.2).collect();
    assert!(!families.iter().any(|f| f == SECOND_FAMILY), "the closed person is anonymised");
    assert!(families.iter().any(|f| f == PERSON_FAMILY), "the open case is kept");

    let again = data_subject::run_retention(&db.db, &later).await.unwrap();
    assert_eq!(again.iter().map(|r| r.erased).sum::<usize>(), 0, "idempotent");
    let actors: Vec<String> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select actor from audit_entry where action = 'erase'").fetch_all(p).await).unwrap();
    assert_eq!(actors, vec!["system:retention".to_owned()]);
});

storage_test!(async fn the_research_export_holds_only_consenting_people_without_identity(db) {
    let world = World::build(db, "research").await;
    let clock = FixedClock::new(fixed_now());
    let export = lotse_app::research_export::research_export(&db.db, &clock, "research").await.unwrap();
    assert_eq!(export.people.len(), 1, "only the person with research consent");
    assert_eq!(export.people[0].pseudonym, "R00001");
    assert_eq!(export.referrals.len(), 1);
    assert!(export.referrals.iter().all(|r| r.pseudonym == "R00001"));
    let text = format!("{export:?}");
    for needle in [PERSON_FAMILY, PERSON_GIVEN, PERSON_PHONE, PERSON_BIRTH_DATE, world.code.as_str(), &world.person.to_string()] {
        assert!(!text.contains(needle), "{needle} in the research export");
    }
    let purposes: Vec<String> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select purpose from audit_entry where actor = 'system:research-export'").fetch_all(p).await).unwrap();
    assert_eq!(purposes, vec!["research".to_owned()], "one audited read, for the one person");

    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let record = case_record::view_case(&db.db, &clock, &link_worker, world.case).await.unwrap();
    let research = record.consents.iter().find(|c| c.purpose.code() == "research").unwrap();
    case_record::withdraw_consent(&db.db, &clock, &link_worker, world.case, research.id, 1).await.unwrap();
    let later = FixedClock::new(fixed_now() + time::Duration::seconds(1));
    let export = lotse_app::research_export::research_export(&db.db, &later, "research").await.unwrap();
    assert!(export.people.is_empty() && export.referrals.is_empty(), "withdrawal stops further processing");

    let unknown = lotse_app::research_export::research_export(&db.db, &clock, "nowhere").await;
    assert!(unknown.is_err());
});

storage_test!(async fn withdrawing_care_consent_closes_the_open_referrals(db) {
    let world = World::build(db, "care").await;
    let clock = FixedClock::new(fixed_now());
    let link_worker = as_member(db, &world, "lotsin", Role::LinkWorker, Some(world.orgs.facility)).await;
    let prescriber = as_member(db, &world, "praxis", Role::Prescriber, Some(world.orgs.practice)).await;
    let before = case_record::view_case(&db.db, &clock, &prescriber, world.case).await.unwrap();
    assert_eq!(before.referrals[0].state, "contacted");

    case_record::withdraw_consent(&db.db, &clock, &link_worker, world.case, world.care_consent, 1).await.unwrap();
    let after = case_record::view_case(&db.db, &clock, &prescriber, world.case).await.unwrap();
    assert_eq!(after.referrals[0].state, "closed", "the prescriber sees the loop close");
    assert_eq!(after.referrals[0].closing_reason.as_deref(), Some("consent_withdrawn"));
    let record = case_record::view_case(&db.db, &clock, &link_worker, world.case).await.unwrap();
    let kinds: Vec<&str> = record.timeline.iter().map(|t| t.kind.as_str()).collect();
    assert!(kinds.contains(&"consent.withdrawn") && kinds.contains(&"referral.closed"), "{kinds:?}");
    let mut tx = db.db.begin().await.unwrap();
    let replayed = lotse_store::referral::replay(&mut tx, &world.scope, after.referrals[0].id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(replayed.state.code(), "closed", "the projection agrees with the events");
});

fn reference() -> lotse_domain::audit::RequestReference {
    lotse_domain::audit::RequestReference::parse("DSR-2026/1").unwrap()
}

storage_test!(async fn a_worklist_view_is_one_audit_entry_that_each_persons_trail_shows(db) {
    let world = World::build(db, "lists").await;
    let clock = FixedClock::new(fixed_now());
    let practice = as_member(db, &world, "praxis", Role::Prescriber, Some(world.orgs.practice)).await;
    let coordinator = as_member(db, &world, "koordination", Role::Coordinator, None).await;
    let seq = |db: &Db| {
        let db = db.clone();
        async move {
            lotse_store::on_pool!(&db, p => sqlx::query_scalar::<_, i64>("select max(seq) from audit_entry").fetch_one(p).await).unwrap()
        }
    };
    let before = seq(&db.db).await;
    let rows = case_record::worklist(&db.db, &clock, &practice, 50).await.unwrap();
    assert_eq!(rows.len(), 2, "both people the practice prescribed for");
    assert_eq!(seq(&db.db).await, before + 1, "one entry for the view, not one per person");
    let listed: Vec<uuid::Uuid> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar(
        "select o.object_id from audit_object o join audit_entry e on e.programme_key = o.programme_key and e.seq = o.seq \
         where e.seq = $1 and e.action = 'read' and e.object_kind = 'patient' order by o.object_id",
    ).bind(before + 1).fetch_all(p).await).unwrap();
    let mut people = vec![world.person.as_uuid(), world.second_person.as_uuid()];
    people.sort_unstable();
    assert_eq!(listed, people);
    // "Who saw this person?" shows the list view on each person's trail.
    let actor = practice.scope().actor().reference();
    for person in [world.person, world.second_person] {
        let overview = data_subject::person_overview(&db.db, &clock, &coordinator, person).await.unwrap();
        let seen = overview
            .audit
            .iter()
            .filter(|e| e.entry.actor == actor && e.entry.action == "read" && e.entry.names(person.as_uuid()))
            .count();
        assert_eq!(seen, 1, "{person}");
    }
});
