//! `lotse import hsds` and `lotse export hsds`, on both engines: export → import into an empty
//! programme with the same areas → export gives the same bytes; the official HSDS 3.0
//! examples (JSON and the tabular package) and an ORUK 1.0 record import; broken files are
//! refused with record- and field-precise problems and nothing is written, unless `--partial`.

use lotse_app::area_import::ImportFile;
use lotse_app::demo::DemoOptions;
use lotse_app::hsds::Labels;
use lotse_app::hsds::import::{HsdsImportError, import};
use lotse_app::{FixedClock, hsds};
use lotse_domain::actor::SystemJob;
use lotse_store::on_pool;
use lotse_testkit::{TestDb, fixed_now, storage_test, system_scope};
use time::macros::date;

/// Labels that are their keys (the export's words do not matter for the round trip).
struct Keys;

impl Labels for Keys {
    fn label(&self, key: &str) -> String {
        key.to_owned()
    }

    fn language(&self) -> &'static str {
        "en"
    }
}

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../interop/hsds-3.0/examples");

fn file(name: &str, bytes: impl Into<Vec<u8>>) -> ImportFile {
    ImportFile {
        name: name.to_owned(),
        bytes: bytes.into(),
    }
}

fn example(path: &str) -> ImportFile {
    let full = format!("{EXAMPLES}/{path}");
    file(&full, std::fs::read(&full).unwrap())
}

async fn offers_of(db: &TestDb, slug: &str) -> i64 {
    on_pool!(&db.db, p => sqlx::query_scalar(
        "select count(*) from offer o join programme p on p.programme_key = o.programme_key where p.slug = $1",
    ).bind(slug).fetch_one(p).await)
    .unwrap()
}

storage_test!(async fn export_then_import_into_an_empty_programme_then_export_gives_the_same_bytes(db) {
    let clock = FixedClock::new(fixed_now());
    let options = DemoOptions { scale: 1, seed: 11, as_of: date!(2026 - 11 - 02) };
    lotse_app::demo::seed(&db.db, &clock, options, &mut |_, _| {}).await.unwrap();
    let today = fixed_now().date();
    let first = hsds::export::export(&db.db, "duesseldorf", today, &Keys).await.unwrap();
    assert!(first.services.len() > 150);
    assert!(first.services.iter().any(|s| s.status == "temporarily closed"), "statuses other than active are kept");

    // An empty programme with the same areas (names are what the files carry).
    let source = lotse_store::programme::find_by_slug(&db.db, &lotse_domain::programme::ProgrammeSlug::parse("duesseldorf").unwrap())
        .await.unwrap().unwrap();
    let (copy, copy_scope) = db.programme("hsds-copy").await;
    let mut tx = db.db.begin().await.unwrap();
    let source_scope = system_scope(SystemJob::Admin, source.id);
    let sets = lotse_store::directory::list_area_sets(&mut tx, &source_scope).await.unwrap();
    let areas = lotse_store::directory::list_areas(&mut tx, &source_scope).await.unwrap();
    let sets: Vec<_> = sets.into_iter().map(|s| lotse_domain::area::AreaSet { programme: copy.id, ..s }).collect();
    let areas: Vec<_> = areas.into_iter().map(|a| lotse_domain::area::Area { programme: copy.id, ..a }).collect();
    lotse_store::directory::insert_area_sets(&mut tx, &copy_scope, &sets).await.unwrap();
    lotse_store::directory::insert_areas(&mut tx, &copy_scope, &areas).await.unwrap();
    tx.commit().await.unwrap();

    let files = first.files().unwrap();
    let services = files.iter().find(|(n, _)| *n == "services.json").unwrap().1.clone();
    let report = import(&db.db, &clock, "hsds-copy", &[file("services.json", services)], false).await.unwrap();
    assert_eq!(report.created, first.services.len());
    assert_eq!(report.organisations_created, first.organizations.len());
    assert!(report.notes.is_empty(), "{:?}", report.notes.first());
    let second = hsds::export::export(&db.db, "hsds-copy", today, &Keys).await.unwrap().files().unwrap();
    for ((name, a), (_, b)) in files.iter().zip(&second) {
        assert!(a == b, "{name} differs after the round trip");
    }

    // Importing the same file again replaces each offer with a new version, changing nothing.
    let again = import(&db.db, &clock, "hsds-copy", &[file("services.json", files[0].1.clone())], false).await.unwrap();
    assert_eq!((again.created, again.updated, again.organisations_created), (0, first.services.len(), 0));
    let third = hsds::export::export(&db.db, "hsds-copy", today, &Keys).await.unwrap().files().unwrap();
    assert!(third == second);
});

storage_test!(async fn the_official_examples_and_an_oruk_1_0_record_import(db) {
    let clock = FixedClock::new(fixed_now());
    let (_, scope) = db.programme("hsds-in").await;
    for files in [
        vec![example("service_full.json")],
        vec![example("service_list.json")],
        std::fs::read_dir(format!("{EXAMPLES}/csv"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .map(|p| file(&p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect(),
    ] {
        let report = import(&db.db, &clock, "hsds-in", &files, false).await.unwrap();
        assert_eq!(report.created + report.updated, 1, "{}", files[0].name);
        assert!(report.skipped.is_empty());
    }
    let mut tx = db.db.begin().await.unwrap();
    let id = lotse_domain::id::OfferId::from_uuid("ac148810-d857-441c-9679-408f346de14b".parse().unwrap());
    let stored = lotse_store::offer::get_offer(&mut tx, &scope, id).await.unwrap();
    tx.commit().await.unwrap();
    let o = stored.offer;
    assert_eq!(o.title, "Community Counselling");
    assert_eq!((o.ages.min, o.ages.max), (Some(12), Some(100)));
    assert_eq!(stored.version, 3, "imported three times: added, then replaced twice");

    // An ORUK 1.0 service: string ids, weekday names, physical addresses, contacts' phones.
    let oruk = serde_json::json!([{
        "id": "svc-77", "name": "Walking football", "description": "For over 50s.", "status": "active",
        "organization": {"id": "org-5", "name": "Grenaa Idrætsforening", "description": ""},
        "fees": "Free of charge",
        "regular_schedules": [{"id": "rs1", "weekday": "Tuesday", "opens_at": "10:00:00", "closes_at": "11:30:00"}],
        "service_at_locations": [{"id": "sl1", "location": {"id": "l1", "name": "Stadium", "latitude": 56.41, "longitude": 10.88,
            "physical_addresses": [{"id": "pa1", "address_1": "Stadionvej 1", "city": "Grenaa", "postal_code": "8500"}]}}],
        "contacts": [{"id": "c1", "phones": [{"id": "p1", "number": "+45 86 32 00 00"}]}],
        "service_taxonomys": [{"id": "st1", "taxonomy": {"id": "t1", "name": "Sport", "vocabulary": "esdServiceTypes"}}]
    }]);
    let report = import(&db.db, &clock, "hsds-in", &[file("oruk.json", oruk.to_string())], false).await.unwrap();
    assert_eq!((report.created, report.organisations_created), (1, 1));
    let mut tx = db.db.begin().await.unwrap();
    let id = lotse_domain::id::OfferId::from_uuid(hsds::import::foreign_id("svc-77"));
    let o = lotse_store::offer::get_offer(&mut tx, &scope, id).await.unwrap().offer;
    tx.commit().await.unwrap();
    assert_eq!(o.provider.as_uuid(), hsds::import::foreign_id("org-5"));
    assert_eq!(o.schedule.len(), 1);
    assert_eq!(o.schedule[0].weekday, time::Weekday::Tuesday);
    assert_eq!(o.address.as_ref().map(|a| a.postcode.as_str()), Some("8500"));
    assert_eq!(o.contact.phone.as_deref(), Some("+45 86 32 00 00"));
    assert_eq!(o.cost.note.as_deref(), Some("Free of charge"));
    assert!(report.notes.iter().any(|n| n.field == "service_taxonomys[0]"), "{:?}", report.notes);
});

storage_test!(async fn broken_files_are_refused_precisely_and_nothing_is_written_unless_partial(db) {
    let clock = FixedClock::new(fixed_now());
    db.programme("hsds-bad").await;
    let good = r#"{"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "Chor", "status": "active", "organization": {"id": "9fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "Chorverein"}}"#;
    let cases: Vec<(ImportFile, &str, &str)> = vec![
        (file("broken.json", b"[{\"name\": \"Caf\xe9\"}]".to_vec()), "broken.json", "is not UTF-8 (at byte 14, line 1)"),
        (file("x.json", "[{\"id\": "), "x.json", "is not JSON"),
        (
            file("types.ndjson", format!("{good}\n{{\"id\": \"4fa85f64-5717-4562-b3fc-2c963f66afa6\", \"name\": \"Yoga\", \"organization_id\": \"9fa85f64-5717-4562-b3fc-2c963f66afa6\", \"minimum_age\": \"ten\"}}\n")),
            "types.ndjson record 2 (id 4fa85f64-5717-4562-b3fc-2c963f66afa6), minimum_age",
            "must be a number, not \"ten\"",
        ),
        (
            file("dup.json", format!("[{good}, {good}]")),
            "dup.json record 2 (id 3fa85f64-5717-4562-b3fc-2c963f66afa6), id",
            "is given twice in these files",
        ),
        (
            file("sched.json", r#"[{"id": "5fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "Kurs", "organization_id": "9fa85f64-5717-4562-b3fc-2c963f66afa6", "schedules": [{"id": "s", "freq": "WEEKLY", "byday": "XX", "opens_at": "10:00", "closes_at": "11:00"}]}]"#),
            "sched.json record 1 (id 5fa85f64-5717-4562-b3fc-2c963f66afa6), schedules[0].byday",
            "\"XX\" is not a weekday (MO … SU)",
        ),
        (
            file("ages.json", r#"{"id": "6fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "Club", "status": "open", "organization_id": "1fa85f64-5717-4562-b3fc-2c963f66afa6", "minimum_age": 30, "maximum_age": 20}"#),
            "ages.json record 1 (id 6fa85f64-5717-4562-b3fc-2c963f66afa6), status",
            "\"open\" is not one of active, temporarily closed, inactive, defunct",
        ),
        (
            file("terms/taxonomy_terms.csv", "id,code,name,description,parent_id,taxonomy,language,taxonomy_id,term_uri\na,,A,,c,,,,\nb,,B,,a,,,,\nc,,C,,b,,,,\n"),
            "taxonomy_terms.csv",
            "the terms' parents form a cycle",
        ),
    ];
    for (f, record, message) in cases {
        let mut files = vec![f];
        if files[0].name.ends_with("taxonomy_terms.csv") {
            files.push(file("terms/services.csv", "id,organization_id,name,status\n7fa85f64-5717-4562-b3fc-2c963f66afa6,9fa85f64-5717-4562-b3fc-2c963f66afa6,Chor,active\n"));
        }
        let name = files[0].name.clone();
        match import(&db.db, &clock, "hsds-bad", &files, false).await {
            Err(HsdsImportError::Problems(problems)) => {
                let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
                assert!(
                    shown.iter().any(|p| p.starts_with(record) && p.contains(message)),
                    "{name}: expected “{record}: {message}” in {shown:#?}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(offers_of(db, "hsds-bad").await, 0, "{name}: nothing is written");
    }
    // The ages case has two problems (status, and an empty age range).
    let ages = file("ages.json", r#"{"id": "6fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "Club", "organization_id": "1fa85f64-5717-4562-b3fc-2c963f66afa6", "minimum_age": 30, "maximum_age": 20}"#);
    let Err(HsdsImportError::Problems(p)) = import(&db.db, &clock, "hsds-bad", &[ages], false).await else { panic!() };
    let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["organization", "maximum_age"], "{p:?}");

    // With --partial: the good record is written, the bad one reported.
    let mixed = file("mixed.ndjson", format!("{good}\n{{\"id\": \"8fa85f64-5717-4562-b3fc-2c963f66afa6\", \"organization_id\": \"9fa85f64-5717-4562-b3fc-2c963f66afa6\"}}\n"));
    let report = import(&db.db, &clock, "hsds-bad", &[mixed], true).await.unwrap();
    assert_eq!(report.created, 1);
    // One record skipped, with each of its problems: no name, and a provider it cannot add.
    let fields: Vec<&str> = report.skipped.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "organization"]);
    assert!(report.skipped.iter().all(|p| p.record.starts_with("mixed.ndjson record 2")));
    assert_eq!(offers_of(db, "hsds-bad").await, 1);
    assert!(matches!(import(&db.db, &clock, "nowhere", &[], false).await, Err(HsdsImportError::UnknownProgramme(_))));
});
