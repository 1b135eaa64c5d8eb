//! `lotse import areas`: the shipped example files import, agree with the demo, and a file
//! with a problem is refused with its line and column, writing nothing.

use lotse_app::FixedClock;
use lotse_app::area_import::{AreaImportError, AreaImportReport, ImportFile, import_areas};
use lotse_app::demo::DemoOptions;
use lotse_domain::actor::SystemJob;
use lotse_domain::area::PostcodeCode;
use lotse_store::Db;
use lotse_testkit::{fixed_now, storage_test};
use time::macros::date;

const AREAS: &[u8] = include_bytes!("../../../../docs/examples/areas/duesseldorf/areas.csv");
const POSTCODES: &[u8] = include_bytes!("../../../../docs/examples/areas/duesseldorf/postcodes.csv");
const AREAS_DK: &[u8] = include_bytes!("../../../../docs/examples/areas/norddjurs/areas.csv");
const POSTCODES_DK: &[u8] = include_bytes!("../../../../docs/examples/areas/norddjurs/postcodes.csv");

fn file(name: &str, bytes: &[u8]) -> ImportFile {
    ImportFile {
        name: name.into(),
        bytes: bytes.to_vec(),
    }
}

async fn geography(db: &Db, slug: &str) -> (usize, usize, Vec<lotse_domain::area::Postcode>) {
    let programme =
        lotse_store::programme::find_by_slug(db, &lotse_domain::programme::ProgrammeSlug::parse(slug).unwrap())
            .await
            .unwrap()
            .unwrap();
    let scope = lotse_testkit::system_scope(SystemJob::Admin, programme.id);
    let mut tx = db.begin_read().await.unwrap();
    let sets = lotse_store::directory::list_area_sets(&mut tx, &scope)
        .await
        .unwrap()
        .len();
    let areas = lotse_store::directory::list_areas(&mut tx, &scope).await.unwrap().len();
    let postcodes = lotse_store::postcode::list_postcodes(&mut tx, &scope).await.unwrap();
    tx.commit().await.unwrap();
    (sets, areas, postcodes)
}

storage_test!(async fn the_example_files_import_and_a_second_import_changes_nothing(db) {
    db.programme("p-one").await;
    // Postcodes first on the command line: areas are still imported before them.
    let files = [file("postcodes.csv", POSTCODES), file("areas.csv", AREAS)];
    let report = import_areas(&db.db, "p-one", &files).await.unwrap();
    assert_eq!(
        report,
        AreaImportReport { area_sets_created: 1, areas_added: 61, areas_updated: 0, postcodes: 31 }
    );
    let (sets, areas, postcodes) = geography(&db.db, "p-one").await;
    assert_eq!((sets, areas, postcodes.len()), (1, 61, 31));
    let programme = lotse_store::programme::find_by_slug(&db.db, &lotse_domain::programme::ProgrammeSlug::parse("p-one").unwrap()).await.unwrap().unwrap();
    let scope = lotse_testkit::system_scope(SystemJob::Admin, programme.id);
    let mut tx = db.db.begin_read().await.unwrap();
    let stadtmitte = lotse_store::postcode::find_postcode(&mut tx, &scope, &PostcodeCode::parse("40210").unwrap())
        .await
        .unwrap()
        .unwrap();
    let all = lotse_store::directory::list_areas(&mut tx, &scope).await.unwrap();
    tx.commit().await.unwrap();
    let area = all.iter().find(|a| a.id == stadtmitte.areas[0].1).unwrap();
    assert_eq!(area.name, "Stadtmitte");
    assert!((stadtmitte.centroid.lat() - 51.2222).abs() < 1e-9);

    let again = import_areas(&db.db, "p-one", &files).await.unwrap();
    assert_eq!(again, AreaImportReport { area_sets_created: 0, areas_added: 0, areas_updated: 0, postcodes: 31 });
    assert_eq!(geography(&db.db, "p-one").await.2, postcodes);
});

storage_test!(async fn the_shipped_files_say_what_the_demo_seeds(db) {
    let clock = FixedClock::new(fixed_now());
    let options = DemoOptions { scale: 1, seed: 7, as_of: date!(2026 - 11 - 02) };
    lotse_app::demo::seed(&db.db, &clock, options, &mut |_, _| {}).await.unwrap();
    for (slug, areas, postcodes) in [("duesseldorf", AREAS, POSTCODES), ("norddjurs", AREAS_DK, POSTCODES_DK)] {
        let before = geography(&db.db, slug).await;
        let report = import_areas(&db.db, slug, &[file("areas.csv", areas), file("postcodes.csv", postcodes)])
            .await
            .unwrap();
        assert_eq!((report.area_sets_created, report.areas_added, report.areas_updated), (0, 0, 0), "{slug}");
        let after = geography(&db.db, slug).await;
        assert_eq!((before.0, before.1), (after.0, after.1), "{slug}");
        assert_eq!(before.2.len(), after.2.len(), "{slug}");
        for (b, a) in before.2.iter().zip(&after.2) {
            assert_eq!((&b.code, &b.areas), (&a.code, &a.areas), "{slug}");
            assert!((b.centroid.lat() - a.centroid.lat()).abs() < 1e-6, "{slug} {}", b.code);
            assert!((b.centroid.lon() - a.centroid.lon()).abs() < 1e-6, "{slug} {}", b.code);
        }
    }
});

storage_test!(async fn a_file_with_a_problem_is_refused_whole_with_its_line_and_column(db) {
    db.programme("p-one").await;
    import_areas(&db.db, "p-one", &[file("areas.csv", AREAS)]).await.unwrap();
    let before = geography(&db.db, "p-one").await;
    let header = "area_set,name,kind,parent,lat,lon,deprivation\n";
    let set = "Stadtbezirke und Stadtteile";
    // (file content, expected "line, column: message" fragment)
    let table: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "line 1: the file is empty"),
        (b"name,lat\nx,1\n".to_vec(), "line 1: unknown header"),
        (format!("{header}{set},Neu,hamlet,,51.2,6.7,\n").into_bytes(), "line 2, column kind: \"hamlet\" is not one of"),
        (format!("{header}{set},Neu,quarter,,95.2,6.7,\n").into_bytes(), "line 2, column lat: coordinates out of range"),
        (format!("{header}{set},Neu,quarter,,51.2,6,7,\n").into_bytes(), "line 2: has 8 columns; the header has 7"),
        (format!("{header}{set},Neu,quarter,,51.2,abc,\n").into_bytes(), "line 2, column lon: \"abc\" is not a number"),
        (format!("{header}{set},Neu,quarter,,51.2,6.7,1.5\n").into_bytes(), "line 2, column deprivation: \"1.5\" is not a number in 0..=1"),
        (format!("{header}{set},Neu,quarter,Atlantis,51.2,6.7,\n").into_bytes(), "line 2, column parent: no area \"Atlantis\""),
        (format!("{header}{set},Neu,quarter,,51.2,6.7,\n{set},Neu,quarter,,51.2,6.7,\n").into_bytes(), "line 3, column name: \"Neu\" appears twice"),
        (format!("{header},Neu,quarter,,51.2,6.7,\n").into_bytes(), "line 2, column area_set: must not be empty"),
        ([header.as_bytes(), b"Set,B\xfcrgerpark,quarter,,51.2,6.7,\n"].concat(), "line 2: the row is not UTF-8 text"),
        (format!("{header}{set},Düsseldorf,city,Stadtbezirk 1,51.2,6.7,\n").into_bytes(), "line 2, column parent: the parents of \"Düsseldorf\" form a loop"),
        (format!("postcode,lat,lon,{set}\n40210,51.2,6.7,Atlantis\n").into_bytes(), "line 2, column Stadtbezirke und Stadtteile: no area \"Atlantis\""),
        (b"postcode,lat,lon,Postleitzahlgebiete\n40210,51.2,6.7,Mitte\n".to_vec(), "line 2, column Postleitzahlgebiete: no area set"),
        (format!("postcode,lat,lon,{set}\n40;10,51.2,6.7,Bilk\n").into_bytes(), "line 2, column postcode: \"40;10\" is not a postcode"),
        (format!("postcode,lat,lon,{set}\n40210,51.2,6.7,Bilk\n40210,51.2,6.7,Bilk\n").into_bytes(), "line 3, column postcode: 40210 appears twice"),
    ];
    for (content, expected) in table {
        // A good file alongside: it is not written either.
        let files = [file("good.csv", b"postcode,lat,lon\n40999,51.2,6.7\n"), file("x.csv", &content)];
        let err = import_areas(&db.db, "p-one", &files).await.unwrap_err();
        let AreaImportError::Problems(problems) = &err else { panic!("{err}") };
        let text = err.to_string();
        assert!(text.contains(&format!("x.csv, {expected}")), "expected {expected:?} in:\n{text}");
        assert!(problems.iter().all(|p| p.file == "x.csv"), "{problems:?}");
        assert_eq!(geography(&db.db, "p-one").await, before, "nothing written for {expected:?}");
    }
    let err = import_areas(&db.db, "nowhere", &[file("areas.csv", AREAS)]).await.unwrap_err();
    assert!(err.to_string().contains("no programme \"nowhere\""), "{err}");
});
