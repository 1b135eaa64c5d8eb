use lotse_app::FixedClock;
use lotse_app::admin::{AdminError, NewUser};
use lotse_domain::user::Role;
use lotse_testkit::{fixed_now, storage_test};

fn user<'a>(username: &'a str, password: &'a str) -> NewUser<'a> {
    NewUser {
        programme: "p-one",
        username,
        display_name: "Lea Lotsin",
        password,
        role: Role::LinkWorker,
        organisation: None,
    }
}

storage_test!(async fn adding_a_user_validates_everything_first(db) {
    db.programme("p-one").await;
    let clock = FixedClock::new(fixed_now());
    let ok = "a long enough password";
    lotse_app::admin::add_user(&db.db, &clock, &user("lea", ok)).await.unwrap();
    let taken = lotse_app::admin::add_user(&db.db, &clock, &user("LEA", ok)).await.unwrap_err();
    assert!(matches!(taken, AdminError::UsernameTaken(_)), "{taken}");
    let short = lotse_app::admin::add_user(&db.db, &clock, &user("ben", "short")).await.unwrap_err();
    assert_eq!(short.to_string(), "a password needs at least 12 characters");
    let nowhere = lotse_app::admin::add_user(&db.db, &clock, &NewUser { programme: "p-none", ..user("ben", ok) }).await.unwrap_err();
    assert!(matches!(nowhere, AdminError::UnknownProgramme(_)));
    let no_org = lotse_app::admin::add_user(&db.db, &clock, &NewUser { organisation: Some("Nowhere e.V."), ..user("ben", ok) }).await.unwrap_err();
    assert!(matches!(no_org, AdminError::UnknownOrganisation(_)));
    assert_eq!(lotse_store::user::count(&db.db).await.unwrap(), 1, "nothing half-written");
    let reports = lotse_app::admin::verify_audit(&db.db).await.unwrap();
    assert_eq!(reports[0].1.entries, 1);
});

storage_test!(async fn programme_settings_from_a_stale_read_are_refused(db) {
    let (programme, _) = db.programme("p-settings").await;
    let clock = FixedClock::new(fixed_now());
    let seen = lotse_store::programme::version(&db.db, programme.id).await.unwrap();
    let changed = lotse_app::admin::set_privacy_at(&db.db, &clock, "p-settings", Some(seen), None, Some(400)).await.unwrap();
    assert_eq!(changed.retention_days, 400);
    // A second change based on the same read is refused, with what to do, and changes nothing.
    let stale = lotse_app::admin::set_privacy_at(&db.db, &clock, "p-settings", Some(seen), Some(true), Some(900)).await.unwrap_err();
    assert!(stale.to_string().contains("changed by someone else") && stale.to_string().contains("reload"), "{stale}");
    let stored = lotse_store::programme::get(&db.db, programme.id).await.unwrap();
    assert_eq!((stored.retention_days, stored.second_factor_required), (400, programme.second_factor_required));
    // Without a version shown (the CLI), the version read with the settings is used.
    let cli = lotse_app::admin::set_privacy(&db.db, &clock, "p-settings", None, Some(500)).await.unwrap();
    assert_eq!(cli.retention_days, 500);
});
