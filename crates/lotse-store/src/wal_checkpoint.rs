//! SQLite's WAL checkpoints, off the commit path.
//!
//! Left to SQLite, the connection whose commit takes the WAL past 1,000 pages copies the WAL
//! into the database file and syncs that file before its commit returns. Under load that
//! connection is most often the audit appender's, and every read waiting for its audit entries
//! (`crate::appender`) waits for the checkpoint too: a profile of the provider's signed-link
//! page under 32 connections at scale 400 had 4.5 % of the server's samples in checkpoints run
//! by the appender's commits (BENCHMARKS.md). So Lotse's connections never checkpoint on commit
//! (`wal_autocheckpoint = 0`, set in [`crate::db::Db::connect`]) and one task per database
//! runs a passive checkpoint every [`EVERY`]: it copies what no reader still needs while the
//! writer and the readers go on, and it never waits for a connection (a tick whose pool has
//! none idle is skipped). The last connection to close checkpoints the rest, as before.
//!
//! The task ends when the last handle of the database is dropped or its pools are closed.

use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::oneshot;

/// How often the task checkpoints.
pub(crate) const EVERY: Duration = Duration::from_secs(1);

/// Kept by every handle of one database; the task stops when the last one is dropped.
#[derive(Debug, Clone)]
pub(crate) struct WalCheckpoints {
    _stop: Arc<oneshot::Sender<()>>,
}

impl WalCheckpoints {
    /// Starts the checkpoint task for `pool` (the write pool, whose connections are not
    /// `query_only`).
    pub(crate) fn start(pool: SqlitePool) -> Self {
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(run(pool, stopped));
        Self { _stop: Arc::new(stop) }
    }
}

async fn run(pool: SqlitePool, mut stopped: oneshot::Receiver<()>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = tick.tick() => {}
        }
        if pool.is_closed() {
            return;
        }
        let Some(mut connection) = pool.try_acquire() else {
            continue;
        };
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut *connection)
            .await
        {
            tracing::warn!(error = %e, "the WAL checkpoint failed; it is tried again in a second");
        }
    }
}
