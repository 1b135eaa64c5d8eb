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
