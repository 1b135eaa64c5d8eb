//! Data keys: generated beside a SQLite database, required for identities, rotated.

use lotse_testkit::world::PERSON_FAMILY;
use lotse_testkit::{TEST_DATA_KEYS, storage_test};

use crate::server::lotse;

async fn run(args: &[&str], keys: Option<&str>) -> (bool, String, String) {
    let mut cmd = lotse();
    match keys {
        Some(k) => cmd.env("LOTSE_DATA_KEYS", k),
        None => cmd.env_remove("LOTSE_DATA_KEYS"),
    };
    let out = cmd.args(args).output().await.unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_sqlite_database_gets_a_private_key_file_on_first_start() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = std::env::temp_dir().join(format!("lotse-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}/lotse.db", dir.display());
    let (ok, _, err) = run(&["migrate", "--database-url", &url], None).await;
    assert!(ok, "{err}");
    let key_file = dir.join("lotse.db.keys");
    let spec = std::fs::read_to_string(&key_file).unwrap();
    assert!(spec.starts_with("k1:") && spec.trim().len() == 67, "{spec}");
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(err.contains("created a data key"), "{err}");
    let (ok, _, err) = run(&["migrate", "--database-url", &url], None).await;
    assert!(ok && !err.contains("created a data key"), "the file is reused: {err}");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), spec);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn bad_keys_are_named_and_generate_makes_good_ones() {
    let (ok, _, err) = run(&["programme", "list"], Some("k1:nothex")).await;
    assert!(
        !ok && err.contains("LOTSE_DATA_KEYS is not usable") && err.contains("is not hex"),
        "{err}"
    );
    assert!(
        !err.contains("database migrated") && !std::path::Path::new("lotse.db").exists(),
        "refused before the default database is created: {err}"
    );
    let (ok, out, _) = run(&["keys", "generate", "--id", "k2"], None).await;
    assert!(ok);
    let spec = out.trim();
    assert!(spec.starts_with("k2:") && spec.len() == 67, "{spec}");
    assert!(lotse_store::crypto::DataKeys::parse(spec).is_ok());
    let (ok, _, err) = run(&["keys", "generate", "--id", "bad id"], None).await;
    assert!(!ok && err.contains("invalid key id"), "{err}");
}

storage_test!(async fn rotation_re_encrypts_every_identity_with_the_new_first_key(db) {
    lotse_testkit::world::World::build(db, "rotate").await;
    let url = db.url.expose().to_owned();
    // A user with a second factor: its secret is sealed with the test key.
    let user = lotse_domain::id::UserId::from_uuid(uuid::Uuid::new_v4());
    let mut tx = db.db.begin().await.unwrap();
    lotse_store::user::insert(&mut tx, user, &lotse_domain::user::Username::parse("lea").unwrap(), "Demo Person", "x", lotse_testkit::fixed_now()).await.unwrap();
    lotse_store::credential::begin_second_factor(&mut tx, user, "JBSWY3DPEHPK3PXP", lotse_testkit::fixed_now()).await.unwrap();
    tx.commit().await.unwrap();
    let new = lotse_store::crypto::DataKeys::generate_spec("k2");
    let (ok, _, err) = run(&["keys", "rotate", "--database-url", &url], Some(&new)).await;
    assert!(!ok && err.contains("data key \"test\", which is not configured"), "the old key is still needed: {err}");

    let both = format!("{new},{TEST_DATA_KEYS}");
    let (ok, out, err) = run(&["keys", "rotate", "--database-url", &url], Some(&both)).await;
    assert!(ok, "{err}");
    assert!(out.contains("rotate: 2 people and 0 reasons, notes and plans re-encrypted"), "{out}");
    assert!(out.contains("second factors: 1 TOTP secrets re-encrypted"), "{out}");
    let (ok, out, _) = run(&["keys", "rotate", "--database-url", &url], Some(&both)).await;
    assert!(ok && out.contains("rotate: 0 people and 0 reasons, notes and plans re-encrypted"), "idempotent: {out}");
    assert!(out.contains("second factors: 0 TOTP secrets re-encrypted"), "idempotent: {out}");
    let secret: Vec<u8> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select secret from user_second_factor").fetch_one(p).await).unwrap();
    assert_eq!(lotse_store::crypto::DataKeys::key_id(&secret), Some("k2"));

    let stored: Vec<Vec<u8>> = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select family_name from patient_identity").fetch_all(p).await).unwrap();
    assert!(stored.iter().all(|f| lotse_store::crypto::DataKeys::key_id(f) == Some("k2")), "{stored:?}");
    let keys = lotse_store::crypto::DataKeys::parse(&new).unwrap();
    let rows: Vec<(uuid::Uuid, uuid::Uuid, Vec<u8>)> = lotse_store::on_pool!(&db.db, p => sqlx::query_as("select g.programme_id, i.patient_id, i.family_name from patient_identity i join programme g on g.programme_key = i.programme_key order by i.family_name").fetch_all(p).await).unwrap();
    let row = rows.into_iter().find(|r| {
        keys.open(lotse_store::crypto::Slot { programme: r.0, record: r.1, column: "family_name" }, &r.2).is_ok_and(|f| f == PERSON_FAMILY)
    }).unwrap();
    assert_eq!(lotse_store::crypto::DataKeys::key_id(&row.2), Some("k2"), "opens with the new key alone");
});

storage_test!(async fn without_a_key_identities_are_refused_with_a_clear_message(db) {
    if db.engine() != lotse_store::Engine::Postgres {
        return; // SQLite always gets a key file; PostgreSQL needs configuration.
    }
    let url = db.url.expose().to_owned();
    let (ok, _, err) = run(&["demo", "--database-url", &url], None).await;
    assert!(!ok, "{err}");
    assert!(err.contains("no data key is configured: set LOTSE_DATA_KEYS"), "{err}");
    // Refused before anything was written: no half-seeded programme blocks the next attempt.
    let programmes: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from programme").fetch_one(p).await).unwrap();
    let offers: i64 = lotse_store::on_pool!(&db.db, p => sqlx::query_scalar("select count(*) from offer").fetch_one(p).await).unwrap();
    assert_eq!((programmes, offers), (0, 0));
    let (ok, _, err) = run(&["audit", "verify", "--database-url", &url], None).await;
    assert!(ok, "what needs no identity still runs: {err}");
    let (ok, _, err) = run(&["audit", "checkpoint", "--database-url", &url], None).await;
    assert!(!ok && err.contains("no audit checkpoint key is configured: set LOTSE_AUDIT_CHECKPOINT_KEY"), "{err}");
});
