//! Online backup and checked restore for SQLite. PostgreSQL deployments use `pg_dump` and
//! `pg_restore` (see the README): the server's own tools are the consistent choice there.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::crypto::{DataKeys, Slot};
use crate::db::Db;
use crate::error::StoreError;

/// Why a backup or restore was refused.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Backups of PostgreSQL are made with pg_dump.
    #[error("lotse backup and restore work on SQLite; for PostgreSQL use pg_dump and pg_restore (see the README)")]
    NotSqlite,
    /// The target file exists already.
    #[error("{0} exists already: choose a new file name (a backup never overwrites a file)")]
    TargetExists(String),
    /// The file is not a usable Lotse backup.
    #[error("{path} is not a usable Lotse backup: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A storage error.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file-system error.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Writes a consistent copy of the live database to `target` (`VACUUM INTO`: a snapshot taken
/// inside one read transaction, so writers may continue meanwhile). The file is created empty
/// with mode 0600 first (`VACUUM INTO` fills an empty file), so the copy is never readable by
/// others, not even while it is written.
pub async fn backup(db: &Db, target: &Path) -> Result<(), BackupError> {
    let Db::Sqlite(sqlite) = db else {
        return Err(BackupError::NotSqlite);
    };
    if target.exists() {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    let target_str = target.to_str().ok_or_else(|| BackupError::Invalid {
        path: target.display().to_string(),
        reason: "the path is not valid UTF-8".into(),
    })?;
    let io = |action: &'static str| {
        let path = target.display().to_string();
        move |source| BackupError::Io { action, path, source }
    };
    // Created here and now, or refused: another file that appeared meanwhile is never touched.
    if !crate::files::create_private(target).map_err(io("cannot create"))? {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    let written = sqlx::query("vacuum into $1")
        .bind(target_str)
        .execute(&sqlite.pool)
        .await
        .map_err(StoreError::from);
    if let Err(e) = written {
        std::fs::remove_file(target).ok();
        return Err(e.into());
    }
    crate::files::make_private(target).map_err(io("cannot restrict the permissions of"))?;
    Ok(())
}

/// Opens a backup file read-only.
async fn open_read_only(source: &Path) -> Result<sqlx::SqliteConnection, BackupError> {
    SqliteConnectOptions::new()
        .filename(source)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| BackupError::Invalid {
            path: source.display().to_string(),
            reason: format!("cannot be opened as SQLite ({e})"),
        })
}

/// Checks that `source` is an intact SQLite database carrying Lotse's migrations.
pub async fn check_backup(source: &Path) -> Result<(), BackupError> {
    let invalid = |reason: String| BackupError::Invalid {
        path: source.display().to_string(),
        reason,
    };
    if !source.is_file() {
        return Err(invalid("no such file".into()));
    }
    let mut conn = open_read_only(source).await?;
    let integrity: String = sqlx::query_scalar("pragma integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| invalid(format!("cannot be read as SQLite ({e})")))?;
    if integrity != "ok" {
        return Err(invalid(format!("integrity check failed: {integrity}")));
    }
    let migrations: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations where success")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| invalid("it has no Lotse migrations table".into()))?;
    let known = crate::migrate::SQLITE.iter().count() as i64;
    if migrations == 0 || migrations > known {
        return Err(invalid(format!(
            "it has {migrations} migrations applied; this lotse knows {known}"
        )));
    }
    sqlx::query("select count(*) from audit_chain")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| invalid("it has no audit chain table".into()))?;
    conn.close().await.ok();
    Ok(())
}

/// Checks that `keys` open the identities in the backup `source` (one sealed value of every
/// programme that has people). A restore never leaves identities that no key at hand opens.
pub async fn check_keys(source: &Path, keys: Option<&DataKeys>) -> Result<(), BackupError> {
    let invalid = |reason: String| BackupError::Invalid {
        path: source.display().to_string(),
        reason,
    };
    let mut conn = open_read_only(source).await?;
    // A backup written before migration 0019 names the programme by id in patient_identity;
    // it is migrated once restored.
    let by_number: bool = sqlx::query_scalar(
        "select count(*) > 0 from pragma_table_info('patient_identity') where name = 'programme_key'",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(|e| invalid(format!("cannot read its tables ({e})")))?;
    let sql = if by_number {
        "select g.programme_id, p.patient_id, p.family_name from patient_identity p \
         join programme g on g.programme_key = p.programme_key \
         where p.patient_id = (select min(patient_id) from patient_identity q where q.programme_key = p.programme_key)"
    } else {
        "select programme_id, patient_id, family_name from patient_identity p \
         where patient_id = (select min(patient_id) from patient_identity q where q.programme_id = p.programme_id)"
    };
    let samples: Vec<(uuid::Uuid, uuid::Uuid, Vec<u8>)> = sqlx::query_as(sql)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| invalid(format!("cannot read its identities ({e})")))?;
    conn.close().await.ok();
    for (programme, patient, family_name) in samples {
        if !DataKeys::is_sealed(&family_name) {
            continue; // written before encryption: readable, and sealed by `lotse keys rotate`
        }
        let Some(keys) = keys else {
            return Err(invalid(
                "its identities are encrypted and no data key is at hand: keep the key file the backup \
                 was written with beside it (FILE.keys), or set LOTSE_DATA_KEYS"
                    .into(),
            ));
        };
        let slot = Slot {
            programme,
            record: patient,
            column: "family_name",
        };
        keys.open(slot, &family_name).map_err(|e| {
            invalid(format!(
                "its identities do not open with the data keys at hand ({e}); restore it with the keys it was written with"
            ))
        })?;
    }
    Ok(())
}

/// Replaces the database file at `target` with the checked backup `source`, after checking
/// that `keys` (the data keys the restored database will be opened with) open its identities.
///
/// The copy is written beside the target and renamed over it, so a failure midway leaves the
/// old database untouched. The server must be stopped first.
pub async fn restore(source: &Path, target: &Path, keys: Option<&DataKeys>) -> Result<(), BackupError> {
    check_backup(source).await?;
    check_keys(source, keys).await?;
    let io = |action: &'static str, path: &Path| {
        let path = path.display().to_string();
        move |source| BackupError::Io { action, path, source }
    };
    let tmp = target.with_extension("restore-tmp");
    crate::files::create_private(&tmp).map_err(io("cannot create", &tmp))?;
    std::fs::copy(source, &tmp).map_err(io("cannot copy the backup to", &tmp))?;
    // `copy` gives the copy the backup's mode: the restored database is private whatever that was.
    crate::files::make_private(&tmp).map_err(io("cannot restrict the permissions of", &tmp))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io("cannot flush", &tmp))?;
    for suffix in ["-wal", "-shm"] {
        let side = std::path::PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(io("cannot remove", &side))?;
        }
    }
    std::fs::rename(&tmp, target).map_err(io("cannot move the restored file to", target))?;
    Ok(())
}
