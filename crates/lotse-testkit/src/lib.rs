//! Test support: a fresh database per test on either engine, and the `storage_test!` macro
//! that writes a test once and runs it on SQLite and on PostgreSQL.
//!
//! PostgreSQL comes from `LOTSE_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
//! Unset, the PostgreSQL variant prints `skipped: no PostgreSQL (LOTSE_TEST_POSTGRES_URL unset)`
//! and passes — unless `CI=true`, where it fails, so a misspelt variable can never turn the
//! PostgreSQL suite into silent passes.

#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a failing fixture must stop the test loudly, with a message"
)]

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lotse_domain::actor::{ProgrammeScope, SystemJob};
use lotse_domain::calendar::HolidayCalendar;
use lotse_domain::id::ProgrammeId;
use lotse_domain::programme::{Language, LinkWorkModel, Programme, ProgrammeSlug};
use lotse_store::db::PoolSettings;
use lotse_store::{DatabaseUrl, Db, Engine};
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use uuid::Uuid;

/// A named system job's scope for fixtures: the domain's `test-support` route, which the
/// `lotse` binary is built without (production code gets one only from `lotse-app`'s jobs).
pub use lotse_domain::test_support::system_scope;

/// An SMTP sink: a tiny SMTP server on 127.0.0.1 that keeps what it is given.
pub mod smtp_sink;
/// A small, fully related programme for policy and data-protection tests.
pub mod world;

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "LOTSE_TEST_POSTGRES_URL";

/// A fresh, migrated database, removed when dropped.
pub struct TestDb {
    /// The pool.
    pub db: Db,
    /// Its URL (for tests that start the `lotse` binary on it).
    pub url: DatabaseUrl,
    cleanup: Cleanup,
    audit_tampered: AtomicBool,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestDb({})", self.url)
    }
}

/// Whether CI demands every variant to run.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The PostgreSQL admin URL, or `None` after printing the skip line (panics under CI).
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                !in_ci(),
                "CI=true but {POSTGRES_URL_VAR} is unset: the PostgreSQL suite must not be skipped in CI"
            );
            println!("skipped: no PostgreSQL ({POSTGRES_URL_VAR} unset)");
            None
        }
    }
}

fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    // `postgres://host` has no path: rsplit would cut the scheme's slash.
    let root = if root.ends_with('/') { base } else { root };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

async fn admin_connection(admin_url: &str) -> sqlx::PgConnection {
    let options = PgConnectOptions::from_str(admin_url).expect("valid LOTSE_TEST_POSTGRES_URL");
    sqlx::PgConnection::connect_with(&options)
        .await
        .expect("PostgreSQL reachable at LOTSE_TEST_POSTGRES_URL")
}

fn template_name() -> String {
    // The template is keyed by the migrations' checksums, so a changed migration gets a new one.
    let mut key = 0u64;
    for m in lotse_store::migrate::POSTGRES.iter() {
        for b in m.checksum.iter() {
            key = key.rotate_left(5) ^ u64::from(*b);
        }
    }
    format!("lotse_test_template_{key:016x}")
}

async fn ensure_template(admin_url: &str) -> String {
    let name = template_name();
    let mut admin = admin_connection(admin_url).await;
    sqlx::query("select pg_advisory_lock(727272)")
        .execute(&mut admin)
        .await
        .expect("advisory lock");
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1 and datistemplate)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("query pg_database");
    if !exists {
        // A template is marked `is_template` only once fully migrated; a half-made one left by a
        // failed run is dropped and rebuilt.
        sqlx::query(&format!("drop database if exists {name} with (force)"))
            .execute(&mut admin)
            .await
            .expect("drop");
        sqlx::query(&format!("create database {name}"))
            .execute(&mut admin)
            .await
            .expect("create template");
        let url = DatabaseUrl::parse(&with_database(admin_url, &name)).expect("url");
        let db = connect(&url, 1, "connect template").await;
        let migrated = lotse_store::migrate::run(&db).await;
        db.close().await;
        if let Err(e) = migrated {
            sqlx::query("select pg_advisory_unlock(727272)")
                .execute(&mut admin)
                .await
                .ok();
            panic!("migrating the PostgreSQL test template failed: {e}");
        }
        sqlx::query(&format!("alter database {name} is_template true"))
            .execute(&mut admin)
            .await
            .expect("mark template");
    }
    sqlx::query("select pg_advisory_unlock(727272)")
        .execute(&mut admin)
        .await
        .expect("advisory unlock");
    admin.close().await.ok();
    name
}

/// The data key tests seal identities with (also passed to the `lotse` binary in CLI tests as
/// `LOTSE_DATA_KEYS`). A test key, known to everyone: never use it for real data.
pub const TEST_DATA_KEYS: &str = "test:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// The test data keys, parsed.
pub fn test_keys() -> lotse_store::crypto::DataKeys {
    lotse_store::crypto::DataKeys::parse(TEST_DATA_KEYS).expect("test keys")
}

/// A small pool for tests, with the test data keys; panics with `what` if the database cannot
/// be opened.
async fn connect(url: &DatabaseUrl, max_connections: u32, what: &str) -> Db {
    let settings = PoolSettings {
        max_connections,
        ..PoolSettings::default()
    };
    match Db::connect(url, settings).await {
        Ok(db) => db.with_keys(test_keys()),
        Err(e) => panic!("{what}: {e}"),
    }
}

impl TestDb {
    /// A fresh SQLite file in the temp directory, migrated.
    pub async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("lotse-test-{}.db", Uuid::new_v4()));
        let url = DatabaseUrl::parse(&format!("sqlite:{}", path.display())).expect("url");
        let db = connect(&url, 4, "open SQLite").await;
        lotse_store::migrate::run(&db).await.expect("migrate SQLite");
        Self {
            db,
            url,
            cleanup: Cleanup::SqliteFile(path),
            audit_tampered: AtomicBool::new(false),
        }
    }

    /// A fresh PostgreSQL database cloned from the migrated template, or `None` when skipped.
    pub async fn postgres() -> Option<Self> {
        let admin_url = postgres_url()?;
        let template = ensure_template(&admin_url).await;
        let name = format!("lotse_test_{}", Uuid::new_v4().simple());
        let mut admin = admin_connection(&admin_url).await;
        let mut attempt = 0;
        loop {
            match sqlx::query(&format!("create database {name} template {template}"))
                .execute(&mut admin)
                .await
            {
                Ok(_) => break,
                // Another test may still hold a connection to the template for a moment.
                Err(e) if attempt < 100 && e.to_string().contains("being accessed by other users") => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot create test database: {e}"),
            }
        }
        admin.close().await.ok();
        let url = DatabaseUrl::parse(&with_database(&admin_url, &name)).expect("url");
        let db = connect(&url, 4, "connect test database").await;
        Some(Self {
            db,
            url,
            cleanup: Cleanup::PostgresDatabase { admin_url, name },
            audit_tampered: AtomicBool::new(false),
        })
    }

    /// Says that the test broke an audit chain (or closed the database) on purpose, so the
    /// check after the test (every `storage_test!` verifies every chain at its end) is skipped.
    pub fn skip_audit_check(&self) {
        self.audit_tampered.store(true, Ordering::SeqCst);
    }

    /// Verifies every programme's audit chain, as `lotse audit verify` does; panics on a break.
    /// `storage_test!` calls it after each test body, so the whole suite ends with intact chains.
    pub async fn assert_audit_chains_intact(&self) {
        if self.audit_tampered.load(Ordering::SeqCst) {
            return;
        }
        let programmes = lotse_store::programme::list(&self.db).await.expect("list programmes");
        for programme in programmes {
            let scope = system_scope(SystemJob::AuditVerify, programme.id);
            let report = lotse_store::audit::verify(&self.db, &scope)
                .await
                .expect("verify audit chain");
            assert!(
                report.broken.is_none(),
                "audit chain of {} broken after the test: {:?}",
                programme.slug.as_str(),
                report.broken
            );
        }
    }

    /// Every stored identity, opened with the test keys: (person, given name, family name,
    /// birth date, phone). For scans that must not find a name where it does not belong.
    pub async fn identities(&self) -> Vec<(Uuid, String, String, String, Option<String>)> {
        use lotse_store::crypto::Sealed;
        let rows: Vec<(Uuid, Uuid, Sealed, Sealed, Sealed, Option<Sealed>)> = lotse_store::on_pool!(&self.db, p => sqlx::query_as(
            "select g.programme_id, i.patient_id, i.given_name, i.family_name, i.birth_date, i.phone from patient_identity i \
             join programme g on g.programme_key = i.programme_key order by i.patient_id",
        )
        .fetch_all(p)
        .await)
        .expect("read identities");
        let keys = test_keys();
        let open = |programme: Uuid, patient: Uuid, column: &str, value: &[u8]| {
            keys.open(
                lotse_store::crypto::Slot {
                    programme,
                    record: patient,
                    column,
                },
                value,
            )
            .expect("open identity")
        };
        rows.into_iter()
            .map(|(programme, patient, given, family, birth, phone)| {
                (
                    patient,
                    open(programme, patient, "given_name", &given),
                    open(programme, patient, "family_name", &family),
                    open(programme, patient, "birth_date", &birth),
                    phone.map(|p| open(programme, patient, "phone", &p)),
                )
            })
            .collect()
    }

    /// The engine.
    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    /// Inserts a programme with sensible settings and returns it with a system scope.
    pub async fn programme(&self, slug: &str) -> (Programme, ProgrammeScope) {
        let programme = Programme {
            id: ProgrammeId::from_uuid(Uuid::new_v4()),
            slug: ProgrammeSlug::parse(slug).expect("slug"),
            name: format!("Test programme {slug}"),
            languages: vec![Language::German, Language::English],
            time_zone: "Europe/Berlin".into(),
            holiday_calendar: HolidayCalendar::GermanyNrw,
            link_work_model: LinkWorkModel::LinkFacility,
            next_action: lotse_domain::next_action::NextActionSettings::default(),
            contact_attempts_before_unreachable: 3,
            public_directory: true,
            retention_days: 3650,
            second_factor_required: false,
        };
        let mut tx = self.db.begin().await.expect("begin");
        lotse_store::programme::insert(&mut tx, &programme, fixed_now())
            .await
            .expect("insert programme");
        tx.commit().await.expect("commit");
        let scope = system_scope(SystemJob::Admin, programme.id);
        (programme, scope)
    }
}

/// The fixed clock tests use: 2026-11-02 09:30 UTC, a Monday.
pub fn fixed_now() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-02 09:30 UTC)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                let (admin_url, name, db) = (admin_url.clone(), name.clone(), self.db.clone());
                // Drop runs inside the test's runtime; a thread with its own runtime can block.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    rt.block_on(async move {
                        db.close().await;
                        let mut admin = admin_connection(&admin_url).await;
                        let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                            .execute(&mut admin)
                            .await;
                        admin.close().await.ok();
                    });
                })
                .join();
            }
        }
    }
}

/// Writes a storage test once; runs it as `<name>::sqlite` and `<name>::postgres`.
///
/// ```text
/// storage_test!(async fn stale_update_conflicts(db) { ... });
/// ```
#[macro_export]
macro_rules! storage_test {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: &$crate::TestDb) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::TestDb::sqlite().await;
                body(&db).await;
                db.assert_audit_chains_intact().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::TestDb::postgres().await else { return };
                body(&db).await;
                db.assert_audit_chains_intact().await;
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_replace_the_path() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
