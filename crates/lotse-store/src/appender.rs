//! Group commit for the audit entries of reads.
//!
//! A read of personal data happens in a read transaction and leaves its audit entries with
//! the transaction ([`crate::db::Tx`]). When it commits, they go to the one appender task of
//! the database, and the read waits until they are durable: the caller returns nothing before
//! its entries are committed, so a crash loses no entry of data that was shown.
//!
//! The appender takes every job that is waiting when it starts a write, appends them all in
//! one short write transaction (one chain-head update per programme, in arrival order, so
//! each chain stays one gap-free sequence) and answers every job. Under load, one commit (one
//! fsync on SQLite) carries many requests' entries; on PostgreSQL the chain-head row is locked
//! only inside that short transaction, never across a request's reads. If a batch fails, each
//! job is retried alone, so one bad job cannot fail the others.

use lotse_domain::audit::NewAuditEntry;
use lotse_domain::id::ProgrammeId;
use tokio::sync::{mpsc, oneshot};

use crate::db::Db;
use crate::error::{StoreError, StoreResult};

/// Entries of one transaction: (programme, entry) in the order they were recorded.
pub(crate) type Pending = Vec<(ProgrammeId, NewAuditEntry)>;

/// At most this many jobs go into one write transaction.
const MAX_JOBS_PER_COMMIT: usize = 256;

/// How many jobs may wait before a sender waits for room (backpressure, not loss).
const QUEUE: usize = 4096;

struct Job {
    entries: Pending,
    done: oneshot::Sender<StoreResult<()>>,
}

/// The handle requests send their entries to; cloned into every read transaction.
#[derive(Clone, Debug)]
pub(crate) struct Appender {
    sender: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Appender {
    /// Starts the appender task for `db` (a handle without an appender of its own, so the
    /// task's writes append inline and the task ends when the last [`Appender`] is dropped).
    pub(crate) fn start(db: Db) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, receiver));
        Self { sender }
    }

    /// Appends `entries` and waits until they are committed.
    pub(crate) async fn append(&self, entries: Pending) -> StoreResult<()> {
        let (done, answer) = oneshot::channel();
        let closed = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        self.sender.send(Job { entries, done }).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

async fn run(db: Db, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    while receiver.recv_many(&mut jobs, MAX_JOBS_PER_COMMIT).await > 0 {
        let batch: Pending = jobs.iter().flat_map(|j| j.entries.iter().cloned()).collect();
        match write(&db, batch).await {
            Ok(()) => {
                for job in jobs.drain(..) {
                    let _ = job.done.send(Ok(()));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some(job) = jobs.pop() {
                    let _ = job.done.send(Err(e));
                }
            }
            Err(_) => {
                for job in jobs.drain(..) {
                    let result = write(&db, job.entries).await;
                    let _ = job.done.send(result);
                }
            }
        }
    }
}

async fn write(db: &Db, entries: Pending) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    tx.defer_audit(entries);
    tx.commit().await
}
