//! WAL checkpoints beside the writer, on SQLite.
//!
//! SQLite copies the pages of its write-ahead log back into the database file in a checkpoint.
//! Left to itself it does that inside the commit that brings the log to 1,000 pages
//! (`wal_autocheckpoint`): the committing connection copies every page written since the last
//! checkpoint and then syncs the database file, and only then does its commit return. Every
//! read of personal data waits for the audit appender's commit ([`crate::appender`]), so each
//! such checkpoint stalled every page being served at that moment (BENCHMARKS.md, "WAL
//! checkpoints beside the writer").
//!
//! This task checkpoints as well, shortly after writes, on a connection of its own (so reads
//! outside a transaction never wait for it for a connection of the pool) and without the
//! writer permit: passive checkpoints, which never wait for readers or writers and copy
//! what the readers of the moment allow. The writers' own checkpoints stay on. They now find
//! most pages copied already and copy only the rest, still inside the commit and under the
//! writer permit. That is what lets SQLite start the log over: a checkpoint can only finish the
//! log while no writer adds to it, and a log that is never finished only grows (the task alone,
//! tried on 2026-12-06, grew it to 5 GB in a minute).

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::mpsc;

/// How long the task waits after a write before it checkpoints, so that the writes of a busy
/// moment go into one checkpoint. Short, so that little is left for the writers' own
/// checkpoints (under the signed-link load at scale 400 the log held at most 379–480 pages
/// not yet copied at 20 ms, 887–909 at 50 ms, and up to 1,026–1,065 with SQLite alone), but
/// not shorter: at 5 ms the pages every request rewrites were copied again every few
/// milliseconds, and the provider's inbox was slower (BENCHMARKS.md, "WAL checkpoints beside
/// the writer").
const DELAY: Duration = Duration::from_millis(20);

/// The handle writers nudge after each commit; cloned with the database handle.
#[derive(Clone, Debug)]
pub(crate) struct Checkpointer {
    nudge: mpsc::Sender<()>,
    /// The task's own connection (a pool of one, opened at the first checkpoint).
    pool: SqlitePool,
}

impl Checkpointer {
    /// Starts the task on `pool`, a pool of its own. The task ends when the last
    /// [`Checkpointer`] is dropped or [`Checkpointer::close`] closes the pool.
    pub(crate) fn start(pool: SqlitePool) -> Self {
        // One waiting nudge is enough: it means "there were writes since the last checkpoint".
        let (nudge, nudges) = mpsc::channel(1);
        tokio::spawn(run(pool.clone(), nudges));
        Self { nudge, pool }
    }

    /// Tells the task that a write committed (never waits).
    pub(crate) fn nudge(&self) {
        let _ = self.nudge.try_send(());
    }

    /// Closes the task's connection, waiting for a checkpoint under way.
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

async fn run(pool: SqlitePool, mut nudges: mpsc::Receiver<()>) {
    while nudges.recv().await.is_some() {
        tokio::time::sleep(DELAY).await;
        if pool.is_closed() {
            break;
        }
        // (busy, pages in the log, pages copied); a failure is logged and the next write
        // tries again: the writers' own checkpoints still keep the log in bounds.
        match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await
        {
            Ok((_, log, copied)) => tracing::trace!(log, copied, "wal checkpoint"),
            Err(sqlx::Error::PoolClosed) => break,
            Err(e) => tracing::warn!(error = %e, "wal checkpoint failed"),
        }
    }
}
