//! A restore never leaves identities unreadable: seed → back up → restore elsewhere → names
//! readable, on both engines (SQLite with `lotse backup`/`lotse restore` and the key file that
//! travels with the backup; PostgreSQL with the server's `pg_dump`/`pg_restore`, as the README
//! says, and the configured data keys).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lotse_store::crypto::{DataKeys, Slot};
use lotse_store::{DatabaseUrl, Db, Engine};
use lotse_testkit::storage_test;

use crate::server::lotse;

/// Runs `lotse` without `LOTSE_DATA_KEYS` (keys come from the files beside the database).
async fn run(args: &[&str], keys: Option<&str>) -> (bool, String, String) {
    let mut cmd = lotse();
    match keys {
        Some(k) => cmd.env("LOTSE_DATA_KEYS", k),
        None => cmd.env_remove("LOTSE_DATA_KEYS"),
    };
    let out = tokio::time::timeout(Duration::from_mins(5), cmd.args(args).output())
        .await
        .expect("lotse finished within 300 s")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every family name of the database at `url`, opened with `keys` (errors as they come).
async fn family_names(url: &str, keys: &DataKeys) -> Vec<Result<String, String>> {
    let db = Db::connect(
        &DatabaseUrl::parse(url).unwrap(),
        lotse_store::db::PoolSettings::default(),
    )
    .await
    .unwrap();
    let rows: Vec<(uuid::Uuid, uuid::Uuid, Vec<u8>)> = lotse_store::on_pool!(&db, p => sqlx::query_as(
        "select g.programme_id, i.patient_id, i.family_name from patient_identity i \
         join programme g on g.programme_key = i.programme_key order by i.patient_id",
    )
    .fetch_all(p)
    .await)
    .unwrap();
    db.close().await;
    rows.into_iter()
        .map(|(programme, record, value)| {
            keys.open(
                Slot {
                    programme,
                    record,
                    column: "family_name",
                },
                &value,
            )
            .map_err(|e| e.to_string())
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn beside(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

storage_test!(async fn a_backup_restored_elsewhere_reads_its_names(db) {
    match db.engine() {
        Engine::Sqlite => sqlite_round_trip().await,
        Engine::Postgres => postgres_round_trip(db).await,
    }
});

async fn sqlite_round_trip() {
    let dir = std::env::temp_dir().join(format!("lotse-restore-{}", uuid::Uuid::new_v4()));
    for sub in ["live", "backups", "elsewhere", "nokeys"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let live = dir.join("live/lotse.db");
    let live_url = format!("sqlite:{}", live.display());
    let (ok, _, err) = run(&["demo", "--database-url", &live_url], None).await;
    assert!(ok, "{err}");
    let live_keys = DataKeys::parse(&std::fs::read_to_string(beside(&live, ".keys")).unwrap()).unwrap();
    let before = family_names(&live_url, &live_keys).await;
    assert!(
        before.len() > 10 && before.iter().all(Result::is_ok),
        "the demo seeded readable people"
    );

    // The backup carries the key files, private like the backup itself.
    let backup = dir.join("backups/monday.db");
    let (ok, out, err) = run(&["backup", backup.to_str().unwrap(), "--database-url", &live_url], None).await;
    assert!(ok, "{err}");
    assert!(out.contains("monday.db.keys (mode 0600)"), "{out}");
    for file in [
        backup.clone(),
        beside(&backup, ".keys"),
        beside(&backup, ".checkpoint-key"),
    ] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    // Never over an existing key file: refused before anything is written.
    let tuesday = dir.join("backups/tuesday.db");
    std::fs::write(beside(&tuesday, ".keys"), "not mine").unwrap();
    let (ok, _, err) = run(
        &["backup", tuesday.to_str().unwrap(), "--database-url", &live_url],
        None,
    )
    .await;
    assert!(!ok && err.contains("tuesday.db.keys exists already"), "{err}");
    assert!(!tuesday.exists(), "no backup without its key file");

    // Restored to a new path, it takes the backup's keys and its names read as before.
    let restored = dir.join("elsewhere/restored.db");
    let restored_url = format!("sqlite:{}", restored.display());
    let (ok, out, err) = run(
        &["restore", backup.to_str().unwrap(), "--database-url", &restored_url],
        None,
    )
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("restored.db.keys (mode 0600)"), "{out}");
    assert_eq!(mode(&beside(&restored, ".keys")), 0o600);
    let restored_keys = DataKeys::parse(&std::fs::read_to_string(beside(&restored, ".keys")).unwrap()).unwrap();
    assert_eq!(family_names(&restored_url, &restored_keys).await, before);
    let (ok, out, err) = run(&["audit", "verify", "--database-url", &restored_url], None).await;
    assert!(ok && out.contains("ok"), "{out}{err}");

    // Without its key file, or over a database with other keys, nothing is restored.
    let bare = dir.join("nokeys/bare.db");
    std::fs::copy(&backup, &bare).unwrap();
    let target = dir.join("nokeys/target.db");
    let target_url = format!("sqlite:{}", target.display());
    let (ok, _, err) = run(
        &["restore", bare.to_str().unwrap(), "--database-url", &target_url],
        None,
    )
    .await;
    assert!(!ok && err.contains("no data key is at hand"), "{err}");
    assert!(!target.exists(), "nothing restored");
    std::fs::write(beside(&target, ".keys"), format!("{}\n", DataKeys::generate_spec("k1"))).unwrap();
    let (ok, _, err) = run(
        &["restore", backup.to_str().unwrap(), "--database-url", &target_url],
        None,
    )
    .await;
    assert!(!ok && err.contains("holds other data keys than"), "{err}");
    assert!(!target.exists(), "nothing restored");

    // Commands other than serve, demo and migrate never create a key file.
    let other = dir.join("nokeys/other.db");
    let other_url = format!("sqlite:{}", other.display());
    for args in [vec!["programme", "list"], vec!["audit", "verify"]] {
        let mut args = args;
        args.extend(["--database-url", &other_url]);
        let (ok, _, err) = run(&args, None).await;
        assert!(ok, "{args:?}: {err}");
    }
    assert!(!beside(&other, ".keys").exists() && !beside(&other, ".checkpoint-key").exists());
    std::fs::remove_dir_all(&dir).ok();
}

async fn postgres_round_trip(db: &lotse_testkit::TestDb) {
    let url = db.url.expose().to_owned();
    let keys = lotse_testkit::TEST_DATA_KEYS;
    let (ok, _, err) = run(&["demo", "--database-url", &url], Some(keys)).await;
    assert!(ok, "{err}");
    let test_keys = lotse_testkit::test_keys();
    let before = family_names(&url, &test_keys).await;
    assert!(
        before.len() > 10 && before.iter().all(Result::is_ok),
        "the demo seeded readable people"
    );

    // The README's PostgreSQL backup: pg_dump, then pg_restore into another database.
    let dump = std::env::temp_dir().join(format!("lotse-{}.dump", uuid::Uuid::new_v4()));
    let status = tokio::time::timeout(
        Duration::from_mins(2),
        tokio::process::Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file", dump.to_str().unwrap(), &url])
            .status(),
    )
    .await
    .unwrap()
    .expect("pg_dump runs (the PostgreSQL client tools are installed with the server)");
    assert!(status.success());
    let admin = lotse_testkit::postgres_url().unwrap();
    let name = format!("lotse_restore_{}", uuid::Uuid::new_v4().simple());
    let admin_db = Db::connect(
        &DatabaseUrl::parse(&admin).unwrap(),
        lotse_store::db::PoolSettings::default(),
    )
    .await
    .unwrap();
    lotse_store::on_pool!(&admin_db, p => sqlx::query(&format!("create database {name}")).execute(p).await.map(|r| r.rows_affected())).unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    let restored_url = format!("{base}/{name}");
    let status = tokio::time::timeout(
        Duration::from_mins(2),
        tokio::process::Command::new("pg_restore")
            .args(["--no-owner", "--dbname", &restored_url, dump.to_str().unwrap()])
            .status(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(status.success());
    // With the configured keys the names read as before; without them, identities are refused.
    assert_eq!(family_names(&restored_url, &test_keys).await, before);
    let (ok, out, err) = run(&["audit", "verify", "--database-url", &restored_url], Some(keys)).await;
    assert!(ok && out.contains("ok"), "{out}{err}");
    let other = DataKeys::parse(&DataKeys::generate_spec("test")).unwrap();
    assert!(
        family_names(&restored_url, &other).await.iter().all(Result::is_err),
        "other keys open nothing"
    );
    lotse_store::on_pool!(&admin_db, p => sqlx::query(&format!("drop database {name} with (force)")).execute(p).await.map(|r| r.rows_affected())).unwrap();
    admin_db.close().await;
    std::fs::remove_file(&dump).ok();
}
