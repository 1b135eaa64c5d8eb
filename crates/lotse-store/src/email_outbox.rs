//! The e-mail outbox: e-mails to providers, written in the transaction that makes them due and
//! delivered by the e-mail job (`lotse_app::email`), which tries a failure again later.
//!
//! A row holds no personal data and no link: its kind, the onward referral it is about, where it
//! stands, and once sent the offer's public contact address it went to. The job reads with each
//! due e-mail what it needs to write it ([`Due`]: the onward referral's state, the offer's title
//! and contact address) and issues the link itself.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::email::{EmailKind, EmailState};
use lotse_domain::id::OnwardReferralId;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// An e-mail due now, with what writing it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The e-mail.
    pub id: Uuid,
    /// What it is for.
    pub kind: EmailKind,
    /// The onward referral it is about.
    pub onward: OnwardReferralId,
    /// Failed tries so far.
    pub attempts: u32,
    /// The onward referral's state code now (`sent` while the provider may still answer).
    pub onward_state: String,
    /// Whether the onward referral's case is closed (its provider links were stopped then).
    pub case_closed: bool,
    /// The offer's title.
    pub offer: String,
    /// The offer's public contact address, if it has one.
    pub address: Option<String>,
}

/// One e-mail of an onward referral, as the link worker's page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailLine {
    /// What it is for.
    pub kind: EmailKind,
    /// Where it stands.
    pub state: EmailState,
    /// When it was made due.
    pub created_at: OffsetDateTime,
    /// Failed tries so far.
    pub attempts: u32,
    /// When the relay took it.
    pub sent_at: Option<OffsetDateTime>,
    /// The address it went to.
    pub sent_to: Option<String>,
    /// Why the last try failed, or why it was dropped (a short code).
    pub note: Option<String>,
}

/// What became of one try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The relay took it, for `to`.
    Sent { to: String },
    /// The try failed (`note`, a short code); the next one at `next_at`.
    Retry { note: String, next_at: OffsetDateTime },
    /// The last try failed (`note`); no more tries.
    Failed { note: String },
    /// It will never be sent (`note`: answered first, no address).
    Dropped { note: String },
}

/// Makes an e-mail of `kind` about `onward` due at `now`; `false` when the onward referral has
/// its reminder already (one per onward referral).
pub async fn enqueue(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    kind: EmailKind,
    onward: OnwardReferralId,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    Ok(enqueue_many(tx, scope, kind, &[onward], now).await? == 1)
}

/// Makes an e-mail of `kind` due at `now` for each of `onwards` (one statement); those that have
/// their reminder already are left out. Returns how many were made due.
pub async fn enqueue_many(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    kind: EmailKind,
    onwards: &[OnwardReferralId],
    now: OffsetDateTime,
) -> StoreResult<usize> {
    if onwards.is_empty() {
        return Ok(0);
    }
    let key = tx.programme_key(scope.programme()).await?;
    // $1 programme, $2 kind, $3 now, then (e-mail, onward referral) per row.
    let rows = (0..onwards.len())
        .map(|i| format!("($1, ${}, $2, ${}, 'pending', $3, $3)", 4 + 2 * i, 5 + 2 * i))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "insert into email_outbox (programme_key, email_id, kind, onward_referral_id, state, created_at, due_at) \
         values {rows} on conflict do nothing"
    );
    let inserted = on_conn!(tx, c => {
        let mut q = sqlx::query(&sql).bind(key).bind(kind.code()).bind(now);
        for onward in onwards {
            q = q.bind(Uuid::now_v7()).bind(onward.as_uuid());
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(usize::try_from(inserted).unwrap_or(usize::MAX))
}

type DueRow = (Uuid, String, Uuid, i32, String, bool, String, Option<String>);

/// Claims the scope's programme's e-mails due at `now`, the `limit` longest due first: each is
/// due again at `lease_until` (for another runner, should this one never settle it).
///
/// The statement starts from the outbox's due index whatever SQLite's statistics say (`cross
/// join`; PostgreSQL plans it like an inner join): without statistics for the indexes of
/// migration 0045, SQLite started from the covering `onward_referral_offer` instead and read
/// every onward referral of the programme (2.2 s for one claim at scale 400, BENCHMARKS.md).
pub async fn claim(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: i64,
) -> StoreResult<Vec<Due>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<DueRow> = on_conn!(tx, c => sqlx::query_as(
        "select e.email_id, e.kind, e.onward_referral_id, e.attempts, o.state, \
         exists (select 1 from referral r where r.programme_key = o.programme_key \
           and r.case_id = o.case_id and r.state = 'closed'), f.title, f.email \
         from email_outbox e cross join onward_referral o cross join offer f \
         where e.programme_key = $1 and e.state = 'pending' and e.due_at <= $2 \
         and o.programme_key = e.programme_key and o.onward_referral_id = e.onward_referral_id \
         and f.programme_key = o.programme_key and f.offer_id = o.offer_id \
         order by e.due_at, e.email_id limit $3",
    )
    .bind(key)
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    if !rows.is_empty() {
        let sql = format!(
            "update email_outbox set due_at = $2 where programme_key = $1 and email_id in ({})",
            crate::next_action::placeholders(3, rows.len())
        );
        on_conn!(tx, c => {
            let mut q = sqlx::query(&sql).bind(key).bind(lease_until);
            for (id, ..) in &rows {
                q = q.bind(id);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    rows.into_iter()
        .map(
            |(id, kind, onward, attempts, onward_state, case_closed, offer, address)| {
                Ok(Due {
                    id,
                    kind: EmailKind::from_code(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("e-mail kind {kind:?}")))?,
                    onward: OnwardReferralId::from_uuid(onward),
                    attempts: u32::try_from(attempts).unwrap_or(0),
                    onward_state,
                    case_closed,
                    offer,
                    address: address.filter(|a| !a.trim().is_empty()),
                })
            },
        )
        .collect()
}

/// Writes what became of a try of the e-mail `id` (`attempts`: failed tries, this one counted).
pub async fn settle(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    id: Uuid,
    attempts: u32,
    at: OffsetDateTime,
    settled: Settled,
) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let (state, due_at, note, sent_to) = match settled {
        Settled::Sent { to } => (EmailState::Sent, at, None, Some(to)),
        Settled::Retry { note, next_at } => (EmailState::Pending, next_at, Some(note), None),
        Settled::Failed { note } => (EmailState::Failed, at, Some(note), None),
        Settled::Dropped { note } => (EmailState::Dropped, at, Some(note), None),
    };
    let sent_at = (state == EmailState::Sent).then_some(at);
    on_conn!(tx, c => sqlx::query(
        "update email_outbox set state = $3, due_at = $4, attempts = $5, note = $6, sent_at = $7, sent_to = $8 \
         where programme_key = $1 and email_id = $2",
    )
    .bind(key)
    .bind(id)
    .bind(state.code())
    .bind(due_at)
    .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
    .bind(note)
    .bind(sent_at)
    .bind(sent_to)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Drops the e-mails `ids` for good at `at`, each with `note` (why: answered first, no
/// address), in one statement; their tries so far stay as they were.
pub async fn drop_many(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    ids: &[Uuid],
    at: OffsetDateTime,
    note: &str,
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let key = tx.programme_key(scope.programme()).await?;
    let sql = format!(
        "update email_outbox set state = $2, due_at = $3, note = $4, sent_at = null, sent_to = null \
         where programme_key = $1 and email_id in ({})",
        crate::next_action::placeholders(5, ids.len())
    );
    on_conn!(tx, c => {
        let mut q = sqlx::query(&sql).bind(key).bind(EmailState::Dropped.code()).bind(at).bind(note);
        for id in ids {
            q = q.bind(id);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

type LineRow = (
    String,
    String,
    OffsetDateTime,
    i32,
    Option<OffsetDateTime>,
    Option<String>,
    Option<String>,
);

/// The e-mails about `onward`, oldest first.
pub async fn of_onward(tx: &mut Tx, scope: &ProgrammeScope, onward: OnwardReferralId) -> StoreResult<Vec<EmailLine>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<LineRow> = on_conn!(tx, c => sqlx::query_as(
        "select kind, state, created_at, attempts, sent_at, sent_to, note from email_outbox \
         where programme_key = $1 and onward_referral_id = $2 order by created_at, email_id",
    )
    .bind(key)
    .bind(onward.as_uuid())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(kind, state, created_at, attempts, sent_at, sent_to, note)| {
            Ok(EmailLine {
                kind: EmailKind::from_code(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("e-mail kind {kind:?}")))?,
                state: EmailState::from_code(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("e-mail state {state:?}")))?,
                created_at,
                attempts: u32::try_from(attempts).unwrap_or(0),
                sent_at,
                sent_to,
                note,
            })
        })
        .collect()
}

/// The scope's programme's onward referrals in state `sent`, sent before `sent_before`, that
/// have no reminder yet: the `limit` oldest first (the follow-up job decides which are silent).
pub async fn unreminded_since(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    sent_before: OffsetDateTime,
    limit: i64,
) -> StoreResult<Vec<(OnwardReferralId, OffsetDateTime)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<(Uuid, OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(
        "select o.onward_referral_id, o.sent_at from onward_referral o \
         where o.programme_key = $1 and o.state = 'sent' and o.sent_at < $2 \
         and not exists (select 1 from email_outbox e where e.programme_key = o.programme_key \
           and e.onward_referral_id = o.onward_referral_id and e.kind = 'provider_reminder') \
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
        .map(|(id, sent_at)| (OnwardReferralId::from_uuid(id), sent_at))
        .collect())
}

/// An e-mail that went out before (the demo's history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastEmail {
    /// What it was for.
    pub kind: EmailKind,
    /// The onward referral it was about.
    pub onward: OnwardReferralId,
    /// When it was made due.
    pub made_at: OffsetDateTime,
    /// When the relay took it.
    pub sent_at: OffsetDateTime,
    /// The address it went to.
    pub sent_to: String,
}

/// Writes e-mails that went out before, as `sent` (the demo's history; one reminder per onward
/// referral still).
pub async fn insert_sent(tx: &mut Tx, scope: &ProgrammeScope, emails: &[PastEmail]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    for e in emails {
        on_conn!(tx, c => sqlx::query(
            "insert into email_outbox (programme_key, email_id, kind, onward_referral_id, state, created_at, due_at, sent_at, sent_to) \
             values ($1, $2, $3, $4, 'sent', $5, $6, $6, $7)",
        )
        .bind(key)
        .bind(Uuid::now_v7())
        .bind(e.kind.code())
        .bind(e.onward.as_uuid())
        .bind(e.made_at)
        .bind(e.sent_at)
        .bind(&e.sent_to)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}
