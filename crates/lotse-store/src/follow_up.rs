//! What the follow-up job reads and how it keeps to one runner at a time: the onward referrals
//! still waiting for their provider's answer, and the job lock.
//!
//! The job itself (`lotse_app::follow_up`) decides which of them lapse and writes the lapse
//! through [`crate::referral::apply_onward`], audited as its system actor.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::OnwardReferralId;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// The first key of the follow-up job's PostgreSQL advisory lock (the second is the
/// programme's key): "lots" in ASCII, so it does not meet another application's locks by
/// accident.
const JOB_LOCK_CLASS: i32 = 0x6c6f_7473;

/// An onward referral sent and still waiting for its provider's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    /// The onward referral.
    pub id: OnwardReferralId,
    /// Its version now (the lapse is written at it).
    pub version: i64,
    /// When it was sent.
    pub sent_at: OffsetDateTime,
}

/// The scope's programme's onward referrals in state `sent` that were sent before
/// `sent_before`, the `limit` oldest first (read through the index
/// `onward_referral_by_state_and_sent`). Those of a closed case are left out: closing a case
/// stops its provider links, and nothing lapses after it.
pub async fn waiting_since(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    sent_before: OffsetDateTime,
    limit: i64,
) -> StoreResult<Vec<Waiting>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<(Uuid, i64, OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(
        "select o.onward_referral_id, o.version, o.sent_at from onward_referral o \
         where o.programme_key = $1 and o.state = 'sent' and o.sent_at < $2 \
         and not exists (select 1 from referral r where r.programme_key = o.programme_key \
           and r.case_id = o.case_id and r.state = 'closed') \
         order by o.sent_at, o.onward_referral_id limit $3",
    )
    .bind(key)
    .bind(sent_before)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, version, sent_at)| Waiting {
            id: OnwardReferralId::from_uuid(id),
            version,
            sent_at,
        })
        .collect())
}

/// Takes the follow-up job's lock on the scope's programme for the rest of the transaction;
/// `false` when another runner holds it. On PostgreSQL a transaction-level advisory lock
/// (`pg_try_advisory_xact_lock`, released at commit or rollback), so of several `lotse serve`
/// instances and a `lotse jobs run` only one works on a programme at a time; on SQLite always
/// `true`: one process serves a database file, and the transaction holds its write lock.
pub async fn try_lock(tx: &mut Tx, scope: &ProgrammeScope) -> StoreResult<bool> {
    let key = tx.programme_key(scope.programme()).await?;
    match tx {
        Tx::Postgres(t) => {
            // The programme key is small (one per programme); a key beyond i32 shares a lock.
            let second = i32::try_from(key).unwrap_or(i32::MAX);
            Ok(sqlx::query_scalar("select pg_try_advisory_xact_lock($1, $2)")
                .bind(JOB_LOCK_CLASS)
                .bind(second)
                .fetch_one(t.conn())
                .await?)
        }
        Tx::Sqlite(_) => Ok(true),
    }
}
