//! Files at rest: the database, its WAL and shared-memory files, backups and key files are
//! readable by their owner only.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::server::{lotse, start};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn side(db: &Path, suffix: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}{suffix}", db.display()))
}

#[tokio::test]
async fn the_database_its_wal_and_backups_are_private() {
    let dir = std::env::temp_dir().join(format!("lotse-files-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("lotse.db");
    let url = format!("sqlite:{}", db.display());

    // A served database: the file, its WAL and shared memory while the server runs.
    let mut server = start(&url, &[]).await;
    for path in [
        db.clone(),
        side(&db, "-wal"),
        side(&db, "-shm"),
        side(&db, ".checkpoint-key"),
    ] {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    // A backup taken while it runs.
    let backup = dir.join("backup.db");
    let out = lotse()
        .args(["backup", backup.to_str().unwrap(), "--database-url", &url])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&backup), 0o600, "backup");
    server.child.kill().await.unwrap();

    // A restored database.
    let restored = dir.join("restored.db");
    let out = lotse()
        .args(["restore", backup.to_str().unwrap(), "--database-url"])
        .arg(format!("sqlite:{}", restored.display()))
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&restored), 0o600, "restored");

    // A database made readable by others before (as every earlier version made it) is
    // tightened at the next start, with its WAL.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = lotse().args(["demo", "--database-url", &url]).output().await.unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&db), 0o600, "tightened");
    for suffix in ["-wal", "-shm"] {
        let path = side(&db, suffix);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
