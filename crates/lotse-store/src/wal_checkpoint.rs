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
//! writer and the readers go on. The last connection to close checkpoints the rest, as before.
//!
//! SQLite starts the WAL over only when a write begins with every frame copied, and a passive
//! checkpoint that copies them all is soon overtaken by the next commit:
//! with passive checkpoints alone (every second, or every 100 ms), the WAL of a server under
//! the link-work load at scale 400 grew to 5 GB in a minute (about 84 MB a second: every audited
//! read adds index pages of the people it read).
//! So past [`RESTART_FRAMES`] the task runs a restarting checkpoint, which waits for the readers
//! of the older frames to finish (as long as a read takes; writers wait meanwhile, readers
//! starting then read the database file) so the next write starts the WAL over, and
//! `journal_size_limit` (set in [`crate::db::Db::connect`]) gives the file's space back.
//!
//! The task ends when the last handle of the database is dropped or its pools are closed.

use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::oneshot;

/// How often the task checkpoints.
pub(crate) const EVERY: Duration = Duration::from_millis(100);

/// WAL frames (pages) past which the task waits for the readers to start the WAL over: 64 MiB.
pub(crate) const RESTART_FRAMES: i64 = 16_384;

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
        // Waits its turn in the pool (a pool of two on one core is rarely idle under load:
        // taking only an idle connection, the task hardly ever ran there).
        let mut connection = match pool.acquire().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "no connection for the WAL checkpoint; it is tried again shortly");
                continue;
            }
        };
        // (busy, frames in the WAL, frames copied), read to the end so the statement is done.
        let passive: Result<Vec<(i64, i64, i64)>, _> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_all(&mut *connection)
            .await;
        let restart = match passive {
            Ok(rows) => rows.first().is_some_and(|&(_, frames, _)| frames > RESTART_FRAMES),
            Err(e) => {
                tracing::warn!(error = %e, "the WAL checkpoint failed; it is tried again shortly");
                false
            }
        };
        if restart
            && let Err(e) = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                .fetch_all(&mut *connection)
                .await
        {
            tracing::warn!(error = %e, "the restarting WAL checkpoint failed; it is tried again shortly");
        }
    }
}
