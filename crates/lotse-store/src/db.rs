use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::appender::{Appender, Pending};
use crate::checkpointer::Checkpointer;
use crate::crypto::DataKeys;
use crate::error::{StoreError, StoreResult};
use lotse_domain::id::ProgrammeId;

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SQLite (`sqlite:path` or `sqlite://path`).
    Sqlite,
    /// PostgreSQL (`postgres://` or `postgresql://`).
    Postgres,
}

impl Engine {
    /// `left op right` for two timestamps in SQL (`op` one of `<`, `<=`, `>`, `>=`).
    /// PostgreSQL compares `timestamptz` values. SQLite holds RFC 3339 text in UTC with as
    /// many fraction digits as a time needs (`…:00Z`, `…:00.5Z`, `…:00.75Z`): as text those
    /// do not order as the times do (`Z` sorts after the digits and the point); without the
    /// trailing `Z` they do (a shorter fraction is a prefix), so the comparison drops it.
    pub(crate) fn time_cmp(self, left: &str, op: &str, right: &str) -> String {
        match self {
            Self::Postgres => format!("{left} {op} {right}"),
            Self::Sqlite => format!("rtrim({left}, 'Z') {op} rtrim({right}, 'Z')"),
        }
    }

    /// A timestamp column as a sort key that orders as the times do (see [`Engine::time_cmp`]).
    pub(crate) fn time_key(self, column: &str) -> String {
        match self {
            Self::Postgres => column.to_owned(),
            Self::Sqlite => format!("rtrim({column}, 'Z')"),
        }
    }
}

/// A database URL whose `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    engine: Engine,
}

/// Why a database URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the database URL must start with sqlite: or postgres:// (got {0})")]
pub struct DatabaseUrlError(String);

impl DatabaseUrl {
    /// Parses a URL; the engine comes from its scheme.
    pub fn parse(url: &str) -> Result<Self, DatabaseUrlError> {
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            return Err(DatabaseUrlError(redact(url)));
        };
        Ok(Self {
            url: url.to_owned(),
            engine,
        })
    }

    /// The engine.
    pub const fn engine(&self) -> Engine {
        self.engine
    }

    /// The full URL, password included: for the driver only.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// For SQLite, the database file's path.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.engine != Engine::Sqlite {
            return None;
        }
        let rest = self.url.trim_start_matches("sqlite:").trim_start_matches("//");
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

/// Replaces the password in a URL with `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", redact(&self.url))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

/// A connection pool to one of the two engines.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite.
    Sqlite(SqliteDb),
    /// PostgreSQL.
    Postgres(PgDb),
}

/// A PostgreSQL pool.
#[derive(Clone, Debug)]
pub struct PgDb {
    /// The pool: reached only by the store's own queries (and by tests through the
    /// `test-support` feature), so raw SQL cannot be run from above the store.
    pub(crate) pool: PgPool,
    keys: Option<Arc<DataKeys>>,
    appender: Option<Appender>,
    programme_keys: ProgrammeKeys,
}

impl PgDb {
    /// The pool, for `on_pool!`.
    #[cfg(not(feature = "test-support"))]
    pub(crate) const fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The pool, for `on_pool!` (public only with the `test-support` feature).
    #[cfg(feature = "test-support")]
    pub const fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// A PostgreSQL transaction.
#[derive(Debug)]
pub struct PgTx {
    tx: Transaction<'static, Postgres>,
    read_only: bool,
    common: TxCommon,
}

/// What a transaction carries on either engine besides the driver's transaction.
#[derive(Debug)]
struct TxCommon {
    keys: Option<Arc<DataKeys>>,
    /// The database's programme numbers, shared with its [`Db`].
    programme_keys: ProgrammeKeys,
    /// Audit entries waiting for the commit.
    audit: Pending,
    /// Where a read transaction's audit entries go (`None` in a write transaction).
    appender: Option<Appender>,
    /// Whether it changed what the public start page counts.
    public_changed: bool,
}

impl TxCommon {
    fn new(keys: Option<&Arc<DataKeys>>, programme_keys: &ProgrammeKeys, appender: Option<&Appender>) -> Self {
        Self {
            keys: keys.cloned(),
            programme_keys: programme_keys.clone(),
            audit: Vec::new(),
            appender: appender.cloned(),
            public_changed: false,
        }
    }
}

/// Raised after every commit that changed programmes, areas or offers in this process: caches
/// of public counts compare it ([`public_generation`]).
static PUBLIC_GENERATION: AtomicU64 = AtomicU64::new(0);

/// The number of commits in this process that changed what public pages count (programmes,
/// areas, offers). A cache of public counts built at one value is stale at another; changes by
/// other processes are not seen here, so such caches also expire.
pub fn public_generation() -> u64 {
    PUBLIC_GENERATION.load(Ordering::Acquire)
}

impl PgTx {
    /// The connection, for queries (used by `on_conn!`).
    #[cfg(not(feature = "test-support"))]
    pub(crate) fn conn(&mut self) -> &mut sqlx::PgConnection {
        &mut self.tx
    }

    /// The connection, for queries (used by `on_conn!`; public only with `test-support`).
    #[cfg(feature = "test-support")]
    pub fn conn(&mut self) -> &mut sqlx::PgConnection {
        &mut self.tx
    }
}

const PROGRAMME_KEY: &str = "select programme_key from programme where programme_id = $1";

/// The programmes' numbers in one database, remembered after their first lookup.
///
/// A programme is named by its id everywhere outside the database; inside it, the tables of
/// its records hold its `programme_key`, a small number given when the programme is created
/// (one or two bytes per row and per index entry instead of the id's sixteen). The number
/// never changes, so a remembered one stays right for as long as the database does; all
/// handles and transactions of one [`Db`] share one map.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProgrammeKeys(Arc<std::sync::RwLock<std::collections::HashMap<ProgrammeId, i64>>>);

impl ProgrammeKeys {
    fn get(&self, programme: ProgrammeId) -> Option<i64> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&programme)
            .copied()
    }

    fn insert(&self, programme: ProgrammeId, key: i64) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(programme, key);
    }
}

/// How long a write transaction waits for its turn in the SQLite writer queue.
const WRITER_WAIT: Duration = Duration::from_secs(10);

/// A SQLite database: a pool for writes and reads outside a transaction, a pool for read
/// transactions, and the writer queue.
///
/// The read pool's connections have `PRAGMA query_only` on from the moment they open, so a
/// read transaction needs no statement to switch it on and none to switch it off again.
///
/// SQLite has one writer at a time. Left to SQLite, waiting writers poll with growing sleeps
/// (the busy handler), which under load gives some requests second-long waits while others
/// overtake them. Write transactions therefore first take the single permit of this
/// in-process queue (first come, first served) and only then `BEGIN IMMEDIATE`. Other
/// processes (the CLI beside a server) still meet SQLite's busy timeout.
#[derive(Clone, Debug)]
pub struct SqliteDb {
    /// The pool: reached only by the store's own queries (and by tests through the
    /// `test-support` feature), so raw SQL cannot be run from above the store.
    pub(crate) pool: SqlitePool,
    /// Connections for read transactions ([`Db::begin_read`]), `query_only` on.
    reader: SqlitePool,
    writer: Arc<Semaphore>,
    keys: Option<Arc<DataKeys>>,
    appender: Option<Appender>,
    /// Checkpoints the WAL beside the writer (a database file; `None` in memory).
    checkpointer: Option<Checkpointer>,
    programme_keys: ProgrammeKeys,
}

impl SqliteDb {
    fn new(pool: SqlitePool, reader: SqlitePool, checkpointer: Option<Checkpointer>) -> Self {
        Self {
            pool,
            reader,
            writer: Arc::new(Semaphore::new(1)),
            keys: None,
            appender: None,
            checkpointer,
            programme_keys: ProgrammeKeys::default(),
        }
    }

    /// The pool, for `on_pool!`.
    #[cfg(not(feature = "test-support"))]
    pub(crate) const fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The pool, for `on_pool!` (public only with the `test-support` feature).
    #[cfg(feature = "test-support")]
    pub const fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// A SQLite transaction, holding the writer permit when it is a write transaction.
#[derive(Debug)]
pub struct SqliteTx {
    tx: Transaction<'static, Sqlite>,
    writer: Option<OwnedSemaphorePermit>,
    /// Told when a write transaction has committed.
    checkpointer: Option<Checkpointer>,
    common: TxCommon,
}

impl SqliteTx {
    /// The connection, for queries (used by `on_conn!`).
    #[cfg(not(feature = "test-support"))]
    pub(crate) fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }

    /// The connection, for queries (used by `on_conn!`; public only with `test-support`).
    #[cfg(feature = "test-support")]
    pub fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }
}

/// A transaction on one of the two engines. Dropped without [`Tx::commit`], it rolls back.
///
/// Audit entries recorded in it ([`crate::audit::append`]) wait with it and are written when it
/// commits: a write transaction appends them as its last statements (so on PostgreSQL the
/// chain-head row is locked only at the end); a read transaction commits first and then hands
/// them to the database's group-commit appender ([`crate::appender`]), and its commit returns
/// once they are durable.
#[derive(Debug)]
pub enum Tx {
    /// SQLite (a write transaction is begun IMMEDIATE after taking the writer permit: it holds
    /// the write lock at once, so it never fails to upgrade).
    Sqlite(SqliteTx),
    /// PostgreSQL.
    Postgres(PgTx),
}

/// Pool settings.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Maximum connections.
    pub max_connections: u32,
    /// How long to wait for a connection or for the database to answer at start.
    pub connect_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Makes every idle connection of `pool` read the statistics again (`ANALYZE sqlite_schema`
/// reads them, it analyses nothing; SQLite counts it as a write, so a reader's `query_only` is
/// lifted for it). Each is held until all are done, so that none is met twice.
async fn reload_statistics(pool: &SqlitePool, query_only: bool) -> StoreResult<()> {
    let reload = if query_only {
        "PRAGMA query_only = off; ANALYZE sqlite_schema; PRAGMA query_only = on;"
    } else {
        "ANALYZE sqlite_schema;"
    };
    let mut held = Vec::new();
    while let Some(mut c) = pool.try_acquire() {
        if let Err(e) = sqlx::raw_sql(reload).execute(&mut *c).await {
            // A reader whose `query_only` may be off now never serves again.
            c.close_on_drop();
            return Err(e.into());
        }
        held.push(c);
    }
    Ok(())
}

/// SQLite's table and index sizes as `sqlite_stat1` holds them (empty before the first ANALYZE).
async fn sqlite_statistics(c: &mut sqlx::SqliteConnection) -> StoreResult<Vec<(String, Option<String>, String)>> {
    let exists: i64 = sqlx::query_scalar("select count(*) from sqlite_schema where name = 'sqlite_stat1'")
        .fetch_one(&mut *c)
        .await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query_as("select tbl, idx, stat from sqlite_stat1 order by tbl, idx")
            .fetch_all(&mut *c)
            .await?,
    )
}

/// Begins a transaction (`statement`: `BEGIN`, `BEGIN READ ONLY`, `BEGIN IMMEDIATE`) in a task
/// of its own, so that a caller dropped while the `BEGIN` is under way (a request whose client
/// went away) cannot hand the connection back to the pool inside a transaction nobody ends: the
/// task finishes the `BEGIN`, and the transaction it then returns to nobody is dropped and
/// rolled back. sqlx 0.8 counts a transaction as begun only once its `BEGIN` has answered, so
/// its own rollback on drop does nothing in that window, and the next request on the connection
/// would run inside the stale transaction: on PostgreSQL perhaps a read-only one; on SQLite a
/// `BEGIN IMMEDIATE` left so held the write lock, and every later write failed with "database
/// is locked" or "begin_with at non-zero transaction depth" (BENCHMARKS.md, "WAL checkpoints
/// beside the writer").
async fn begin_in_task<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    statement: &'static str,
) -> StoreResult<Transaction<'static, DB>> {
    let pool = pool.clone();
    let task = tokio::spawn(async move { pool.begin_with(statement).await });
    match task.await {
        Ok(begun) => Ok(begun?),
        Err(e) => Err(StoreError::Unavailable(sqlx::Error::Io(std::io::Error::other(e)))),
    }
}

impl Db {
    /// Connects; a SQLite file is created on first start (WAL, foreign keys on, busy timeout).
    pub async fn connect(url: &DatabaseUrl, settings: PoolSettings) -> StoreResult<Self> {
        match url.engine() {
            Engine::Sqlite => {
                let file = url.sqlite_path();
                let io = |e| StoreError::Unavailable(sqlx::Error::Io(e));
                if let Some(path) = &file {
                    // SQLite creates the WAL and shared-memory files with the database file's
                    // mode, so a private database file keeps them private too.
                    if !path.exists() {
                        crate::files::create_private(path).map_err(io)?;
                    }
                    crate::files::make_private(path).map_err(io)?;
                }
                let options = SqliteConnectOptions::from_str(url.expose())
                    .map_err(StoreError::Unavailable)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    // Erased and deleted values are overwritten with zeros in the file, so an
                    // erasure leaves nothing behind in free pages.
                    .pragma("secure_delete", "on")
                    .busy_timeout(Duration::from_secs(5))
                    .log_statements(tracing::log::LevelFilter::Trace)
                    .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(5));
                // No ping before each use: a SQLite connection is a file handle in this process
                // and cannot go stale, and the ping costs a round trip to the connection's
                // worker thread on every query and transaction.
                let pool = SqlitePoolOptions::new()
                    .max_connections(settings.max_connections)
                    .test_before_acquire(false)
                    .acquire_timeout(settings.connect_timeout)
                    .connect_with(options.clone())
                    .await
                    .map_err(StoreError::Unavailable)?;
                // Opened after the main pool, so the file exists and has its journal mode. An
                // in-memory database (`sqlite::memory:`) would be a second, empty database
                // here, as it already is for every connection of the main pool: Lotse needs a
                // file.
                let reader = SqlitePoolOptions::new()
                    .max_connections(settings.max_connections)
                    .test_before_acquire(false)
                    .acquire_timeout(settings.connect_timeout)
                    .connect_with(options.clone().create_if_missing(false).pragma("query_only", "on"))
                    .await
                    .map_err(StoreError::Unavailable)?;
                if let Some(path) = &file {
                    // Left by an earlier version (created with the default mode).
                    for suffix in ["-wal", "-shm"] {
                        let side = PathBuf::from(format!("{}{suffix}", path.display()));
                        crate::files::make_private(&side).map_err(io)?;
                    }
                }
                let checkpointer = file.is_some().then(|| {
                    Checkpointer::start(
                        SqlitePoolOptions::new()
                            .max_connections(1)
                            .test_before_acquire(false)
                            .acquire_timeout(settings.connect_timeout)
                            .connect_lazy_with(options.create_if_missing(false)),
                    )
                });
                Ok(Self::Sqlite(SqliteDb::new(pool, reader, checkpointer)).with_appender())
            }
            Engine::Postgres => {
                let options = PgConnectOptions::from_str(url.expose())
                    .map_err(StoreError::Unavailable)?
                    .log_statements(tracing::log::LevelFilter::Trace)
                    .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(5));
                let pool = PgPoolOptions::new()
                    .max_connections(settings.max_connections)
                    .test_before_acquire(false)
                    .acquire_timeout(settings.connect_timeout)
                    .connect_with(options)
                    .await
                    .map_err(StoreError::Unavailable)?;
                Ok(Self::Postgres(PgDb {
                    pool,
                    keys: None,
                    appender: None,
                    programme_keys: ProgrammeKeys::default(),
                })
                .with_appender())
            }
        }
    }

    /// The engine.
    pub const fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(_) => Engine::Postgres,
        }
    }

    /// Starts the audit appender task on a handle that has none; the task keeps the handle
    /// without one, so its own transactions append inline.
    fn with_appender(self) -> Self {
        let appender = Some(Appender::start(self.clone()));
        match self {
            Self::Sqlite(db) => Self::Sqlite(SqliteDb { appender, ..db }),
            Self::Postgres(db) => Self::Postgres(PgDb { appender, ..db }),
        }
    }

    /// The same database with data keys for identity fields (see [`crate::crypto`]).
    #[must_use]
    pub fn with_keys(self, keys: DataKeys) -> Self {
        let keys = Some(Arc::new(keys));
        match self {
            Self::Sqlite(db) => Self::Sqlite(SqliteDb { keys, ..db }),
            Self::Postgres(db) => Self::Postgres(PgDb { keys, ..db }),
        }
    }

    /// The data keys, if configured (for secrets derived from them, see [`DataKeys::derive`]).
    pub fn data_keys(&self) -> Option<Arc<DataKeys>> {
        match self {
            Self::Sqlite(db) => db.keys.clone(),
            Self::Postgres(db) => db.keys.clone(),
        }
    }

    /// Whether data keys are configured.
    pub const fn has_keys(&self) -> bool {
        match self {
            Self::Sqlite(db) => db.keys.is_some(),
            Self::Postgres(db) => db.keys.is_some(),
        }
    }

    /// The data keys, or [`StoreError::NoDataKey`] (for reads outside a transaction).
    pub fn keys(&self) -> StoreResult<Arc<DataKeys>> {
        match self {
            Self::Sqlite(db) => db.keys.clone(),
            Self::Postgres(db) => db.keys.clone(),
        }
        .ok_or(StoreError::NoDataKey)
    }

    /// The programme's number in this database (see [`ProgrammeKeys`]), for reads outside a
    /// transaction; [`StoreError::NotFound`] for a programme the database does not hold.
    pub(crate) async fn programme_key(&self, programme: ProgrammeId) -> StoreResult<i64> {
        let known = match self {
            Self::Sqlite(db) => &db.programme_keys,
            Self::Postgres(db) => &db.programme_keys,
        };
        if let Some(key) = known.get(programme) {
            return Ok(key);
        }
        let key = crate::on_pool!(self, p => sqlx::query_scalar(PROGRAMME_KEY).bind(programme.as_uuid()).fetch_optional(p).await)?
            .ok_or(StoreError::NotFound { kind: "programme" })?;
        known.insert(programme, key);
        Ok(key)
    }

    /// Begins a read-only transaction: deferred on SQLite (no write lock, so readers never
    /// wait for writers under WAL) on a connection of the read pool (`PRAGMA query_only` on),
    /// `READ ONLY` on PostgreSQL. A write inside it fails on both engines.
    /// Reads of personal data use it too: their audit entries go to the group-commit appender
    /// when it commits (see [`Tx`]).
    pub async fn begin_read(&self) -> StoreResult<Tx> {
        Ok(match self {
            Self::Sqlite(db) => Tx::Sqlite(SqliteTx {
                tx: begin_in_task(&db.reader, "BEGIN").await?,
                writer: None,
                checkpointer: None,
                common: TxCommon::new(db.keys.as_ref(), &db.programme_keys, db.appender.as_ref()),
            }),
            Self::Postgres(db) => Tx::Postgres(PgTx {
                tx: begin_in_task(&db.pool, "BEGIN READ ONLY").await?,
                read_only: true,
                common: TxCommon::new(db.keys.as_ref(), &db.programme_keys, db.appender.as_ref()),
            }),
        })
    }

    /// Begins a read-write transaction.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Self::Sqlite(db) => {
                // As long as SQLite's own busy timeout would have waited, then "unavailable"
                // (503): a queue that long means overload, and a bug holding a write
                // transaction while asking for another fails instead of hanging.
                let permit = tokio::time::timeout(WRITER_WAIT, Arc::clone(&db.writer).acquire_owned())
                    .await
                    .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolTimedOut))?
                    .map_err(|_| StoreError::Unavailable(sqlx::Error::PoolClosed))?;
                Tx::Sqlite(SqliteTx {
                    tx: begin_in_task(&db.pool, "BEGIN IMMEDIATE").await?,
                    writer: Some(permit),
                    checkpointer: db.checkpointer.clone(),
                    common: TxCommon::new(db.keys.as_ref(), &db.programme_keys, None),
                })
            }
            Self::Postgres(db) => Tx::Postgres(PgTx {
                tx: begin_in_task(&db.pool, "BEGIN").await?,
                read_only: false,
                common: TxCommon::new(db.keys.as_ref(), &db.programme_keys, None),
            }),
        })
    }

    /// Refreshes the query planner's table statistics: `PRAGMA optimize` on SQLite (analysing
    /// every table whose statistics are missing or stale, within SQLite's analysis limit),
    /// `VACUUM (ANALYZE)` on PostgreSQL (dead rows removed, statistics renewed). Without statistics SQLite can start a join from the wrong table
    /// (BENCHMARKS.md: a case page's onward-referral query scanned the programme). Run by
    /// `serve` at start (SQLite only; PostgreSQL's autovacuum keeps its own) and after a demo
    /// is seeded.
    ///
    /// On SQLite only the table and index sizes are kept (`sqlite_stat1`), which is what the
    /// join order needs; the sampled key values (`sqlite_stat4`) are deleted. With samples,
    /// SQLite marks every statement that compares an indexed column with a parameter to be
    /// parsed and planned again at each new binding, which is every request
    /// (BENCHMARKS.md: about 8 % of a worklist's time went to parsing).
    pub async fn optimize(&self) -> StoreResult<()> {
        if let Self::Postgres(pg) = self {
            // Outside a transaction (VACUUM cannot run in one). The vacuum matters where
            // autovacuum is off or behind: every next-action refresh rewrites referral rows
            // whose columns are indexed, and without it the dead rows made each lookup by case
            // slower (a demo at scale 400 fell from 53,000 to 1,000 referrals a minute).
            sqlx::query("VACUUM (ANALYZE)").execute(&pg.pool).await?;
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let changed = match &mut tx {
            Tx::Sqlite(t) => {
                let c = t.conn();
                let before = sqlite_statistics(&mut *c).await?;
                sqlx::query("PRAGMA optimize = 0x10002").execute(&mut *c).await?;
                let samples: i64 = sqlx::query_scalar("select count(*) from sqlite_schema where name = 'sqlite_stat4'")
                    .fetch_one(&mut *c)
                    .await?;
                if samples > 0 {
                    sqlx::query("delete from sqlite_stat4").execute(&mut *c).await?;
                    // Reloads the statistics of this connection's schema.
                    sqlx::query("ANALYZE sqlite_schema").execute(&mut *c).await?;
                }
                sqlite_statistics(&mut *c).await? != before
            }
            Tx::Postgres(_) => false,
        };
        tx.commit().await?;
        if changed && let Self::Sqlite(db) = self {
            // A connection reads the statistics when it loads the schema, and neither ANALYZE
            // nor a later schema change makes the others read them again: each connection of
            // both pools would keep planning with the sizes it loaded for as long as it lives
            // (a demo seeding at scale 400 kept the sizes of its first few thousand referrals
            // and scanned them in every next-action refresh, BENCHMARKS.md). So every idle
            // connection reloads them now; one busy at this moment keeps its sizes until the
            // next time.
            reload_statistics(&db.pool, false).await?;
            reload_statistics(&db.reader, true).await?;
        }
        Ok(())
    }

    /// Checks that the database answers (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        crate::on_pool!(self, p => sqlx::query("select 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Pool statistics for `/metrics`: (open connections, idle connections), SQLite's two
    /// pools together.
    pub fn pool_stats(&self) -> (u32, usize) {
        match self {
            Self::Sqlite(db) => (
                db.pool.size() + db.reader.size(),
                db.pool.num_idle() + db.reader.num_idle(),
            ),
            Self::Postgres(db) => (db.pool.size(), db.pool.num_idle()),
        }
    }

    /// Closes every connection, waiting for those in use to be returned. On SQLite this also
    /// checkpoints the WAL when the last connection closes.
    pub async fn close(&self) {
        if let Self::Sqlite(db) = self {
            db.reader.close().await;
            if let Some(checkpointer) = &db.checkpointer {
                checkpointer.close().await;
            }
        }
        crate::on_pool!(self, p => p.close().await);
    }
}

impl Tx {
    /// Commits, with the audit entries recorded in the transaction (see [`Tx`]): it returns
    /// `Ok` only once they are durable too.
    pub async fn commit(mut self) -> StoreResult<()> {
        let audit = std::mem::take(&mut self.common().audit);
        if self.is_read_only() {
            let appender = self.common().appender.take();
            self.commit_now().await?;
            if audit.is_empty() {
                return Ok(());
            }
            // Every handle from `Db::connect` has an appender; only the appender's own handle
            // has none, and it never reads.
            let appender = appender.ok_or_else(|| {
                StoreError::Corrupt("audit entries recorded in a read transaction without an appender".to_owned())
            })?;
            appender.append(audit).await
        } else {
            crate::audit::append_now(&mut self, audit).await?;
            self.commit_now().await
        }
    }

    async fn commit_now(mut self) -> StoreResult<()> {
        let public_changed = self.common().public_changed;
        match self {
            Self::Sqlite(tx) => {
                tx.tx.commit().await?;
                if let Some(checkpointer) = &tx.checkpointer {
                    checkpointer.nudge();
                }
            }
            Self::Postgres(tx) => tx.tx.commit().await?,
        }
        if public_changed {
            PUBLIC_GENERATION.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }

    /// Whether this is a read transaction ([`Db::begin_read`]).
    pub const fn is_read_only(&self) -> bool {
        match self {
            Self::Sqlite(tx) => tx.writer.is_none(),
            Self::Postgres(tx) => tx.read_only,
        }
    }

    const fn common(&mut self) -> &mut TxCommon {
        match self {
            Self::Sqlite(tx) => &mut tx.common,
            Self::Postgres(tx) => &mut tx.common,
        }
    }

    /// Keeps audit entries with the transaction until it commits.
    pub(crate) fn defer_audit(&mut self, entries: Pending) {
        self.common().audit.extend(entries);
    }

    /// Notes that the transaction changes what public pages count: its commit raises
    /// [`public_generation`].
    pub(crate) const fn changes_public_counts(&mut self) {
        self.common().public_changed = true;
    }

    /// Which engine.
    pub const fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(_) => Engine::Postgres,
        }
    }

    /// The programme's number in this database (see [`ProgrammeKeys`]): the value the tables
    /// of a programme's records hold in `programme_key`. [`StoreError::NotFound`] for a
    /// programme the database does not hold.
    pub(crate) async fn programme_key(&mut self, programme: ProgrammeId) -> StoreResult<i64> {
        if let Some(key) = self.common().programme_keys.get(programme) {
            return Ok(key);
        }
        let key = crate::on_conn!(self, c => sqlx::query_scalar(PROGRAMME_KEY).bind(programme.as_uuid()).fetch_optional(c).await)?
            .ok_or(StoreError::NotFound { kind: "programme" })?;
        self.common().programme_keys.insert(programme, key);
        Ok(key)
    }

    /// The data keys for identity fields, or [`StoreError::NoDataKey`].
    pub fn keys(&self) -> StoreResult<Arc<DataKeys>> {
        match self {
            Self::Sqlite(tx) => tx.common.keys.clone(),
            Self::Postgres(tx) => tx.common.keys.clone(),
        }
        .ok_or(StoreError::NoDataKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_engine_and_hide_passwords() {
        let pg = DatabaseUrl::parse("postgres://lotse:s3cret@db:5432/lotse").unwrap();
        assert_eq!(pg.engine(), Engine::Postgres);
        assert_eq!(pg.to_string(), "postgres://lotse:***@db:5432/lotse");
        assert!(!format!("{pg:?}").contains("s3cret"));
        let lite = DatabaseUrl::parse("sqlite:lotse.db?mode=rwc").unwrap();
        assert_eq!(lite.sqlite_path(), Some(PathBuf::from("lotse.db")));
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap().sqlite_path(),
            Some(PathBuf::from("data/x.db"))
        );
        let err = DatabaseUrl::parse("mysql://root:pw@h/db").unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}
