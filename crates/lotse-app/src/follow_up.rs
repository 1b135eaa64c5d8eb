//! The follow-up job: onward referrals whose provider never answered lapse.
//!
//! An onward referral sent and still unanswered lapses on the programme-local day
//! [`lapses_on`] gives (`onward_lapse_working_days` after it was sent, in the programme's
//! working days). [`run`] writes each due lapse as the event `onward_referral.lapsed` through
//! the store's `apply_onward_many`, audited as `system:follow-up`, stops the referral's
//! provider links (the capability revocations audited too), and so refreshes the case's next
//! action (and the offer's answer figures, once per batch for each case and offer): with no
//! other onward referral open, the link worker's worklist shows "pick the next offer".
//! The worklist's "provider silent" needs no job: it is a next action with its own due date.
//! Where the programme has an e-mail relay ([`crate::email::Relays`]), the job also makes one
//! reminder due for each onward referral still unanswered on its [`silent_on`] day (written to
//! the e-mail outbox in the same way, one per onward referral however often it runs); the
//! e-mail job delivers it.
//!
//! It runs from `lotse jobs run` (for cron) and inside `lotse serve` (every
//! [`crate::follow_up::DEFAULT_INTERVAL`] unless configured). A programme's lapses are written
//! in transactions of at most 50 (a backlog after a long stop keeps no write lock for long),
//! each of which first takes the job's lock (`lotse_store::follow_up::try_lock`: a PostgreSQL
//! advisory lock, so one runner at a time across instances); a programme locked by another
//! runner is skipped and reported as such. It is idempotent: a second run on the same
//! clock finds nothing due, and an onward referral answered between the read and the write is
//! left as the answer made it (the write is at the version read).

use std::time::Duration as StdDuration;

use lotse_domain::actor::{ProgrammeScope, SystemJob};
use lotse_domain::audit::AuditPurpose;
use lotse_domain::calendar::WorkingDays;
use lotse_domain::email::EmailKind;
use lotse_domain::id::OnwardReferralId;
use lotse_domain::next_action::{lapses_on, silent_on};
use lotse_domain::onward_referral::OnwardReferralEvent;
use lotse_domain::programme::Programme;
use lotse_store::audit::Access;
use lotse_store::referral::{OnwardChange, Recorded};
use lotse_store::{Db, StoreError};
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::email::Relays;
use crate::jobs::JobToken;

/// How often `lotse serve` runs the job unless configured otherwise: every 15 minutes.
pub const DEFAULT_INTERVAL: StdDuration = StdDuration::from_mins(15);

/// What one run did in one programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpReport {
    /// The programme's slug.
    pub programme: String,
    /// Onward referrals that lapsed now.
    pub lapsed: usize,
    /// Reminders to silent providers made due now (only where the programme has a relay).
    pub reminded: usize,
    /// Whether another runner held the programme's lock (nothing was done here).
    pub skipped: bool,
}

/// Runs the follow-up job once over every programme, as `system:follow-up`.
///
/// # Errors
/// A storage failure; the programmes before it keep what was written (one transaction each).
pub async fn run(db: &Db, clock: &dyn Clock, relays: &Relays) -> Result<Vec<FollowUpReport>, StoreError> {
    let job = JobToken::start_job(SystemJob::FollowUp);
    let now = clock.now();
    let mut reports = Vec::new();
    for programme in lotse_store::programme::list(db).await? {
        let scope = job.scope(programme.id);
        let lapsed = lapse_due(db, &scope, &programme, now).await?;
        let reminded = if relays.has(programme.id) && lapsed.is_some() {
            remind_silent(db, &scope, &programme, now).await?
        } else {
            Some(0)
        };
        reports.push(FollowUpReport {
            programme: programme.slug.as_str().to_owned(),
            lapsed: lapsed.unwrap_or(0),
            reminded: reminded.unwrap_or(0),
            skipped: lapsed.is_none() || reminded.is_none(),
        });
    }
    Ok(reports)
}

/// Makes a reminder due for each onward referral of one programme whose provider is silent
/// (still unanswered on its [`silent_on`] day) and has none yet: read [`READ_BATCH`] at a time
/// (one statement: read again per batch of 200, the oldest already reminded were stepped over
/// each time, 0.48 s of a backlog run at scale 400), written [`REMINDER_BATCH`] at a time, each
/// batch one transaction under the job's lock. `None` when another runner holds the lock.
async fn remind_silent(
    db: &Db,
    scope: &ProgrammeScope,
    programme: &Programme,
    now: OffsetDateTime,
) -> Result<Option<usize>, StoreError> {
    let working_days = WorkingDays::new(programme.holiday_calendar, &programme.time_zone)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let settings = programme.next_action;
    let today = working_days.local_date(now);
    // As for lapses: working days are never fewer than calendar days.
    let window = time::Duration::days(i64::from(settings.provider_silent_working_days) - 2);
    let mut reminded = 0;
    loop {
        let mut tx = db.begin().await?;
        if !lotse_store::follow_up::try_lock(&mut tx, scope).await? {
            return Ok((reminded > 0).then_some(reminded));
        }
        let read = lotse_store::email_outbox::unreminded_since(&mut tx, scope, now - window, READ_BATCH).await?;
        let full = i64::try_from(read.len()).unwrap_or(i64::MAX) >= READ_BATCH;
        // Oldest first: once one is not silent yet, none after it is.
        let silent: Vec<OnwardReferralId> = read
            .iter()
            .take_while(|(_, sent_at)| silent_on(working_days.local_date(*sent_at), &settings, &working_days) <= today)
            .map(|(onward, _)| *onward)
            .collect();
        let reached_the_undue = silent.len() < read.len();
        let mut chunks = silent.chunks(usize::try_from(REMINDER_BATCH).unwrap_or(200));
        if let Some(first) = chunks.next() {
            reminded +=
                lotse_store::email_outbox::enqueue_many(&mut tx, scope, EmailKind::ProviderReminder, first, now)
                    .await?;
        }
        tx.commit().await?;
        for chunk in chunks {
            let mut tx = db.begin().await?;
            if !lotse_store::follow_up::try_lock(&mut tx, scope).await? {
                return Ok((reminded > 0).then_some(reminded));
            }
            reminded +=
                lotse_store::email_outbox::enqueue_many(&mut tx, scope, EmailKind::ProviderReminder, chunk, now)
                    .await?;
            tx.commit().await?;
        }
        if !full || reached_the_undue {
            return Ok(Some(reminded));
        }
    }
}

/// Silent onward referrals read at once by [`remind_silent`] (ids and times only).
const READ_BATCH: i64 = 5_000;

/// Reminders per transaction (one statement each).
const REMINDER_BATCH: i64 = 200;

/// Lapses per transaction: a backlog (a server stopped for weeks, a new database) is written in
/// batches, so that no transaction holds SQLite's write lock for long. A lapse runs four or five
/// statements (its row read and written, its event, its links read and stopped) and a batch
/// about seven more (its offers' answer figures and its cases' next actions, computed once for
/// the batch, and the audit entries). At scale 400 a batch of 200 held the write lock for
/// about 0.3 s (with the figures computed per lapse), and the audited reads of a running server
/// (whose entries wait for the same lock) answered in 0.33-0.36 s while `serve` lapsed a
/// backlog; with 50, 0.12-0.14 s (BENCHMARKS.md, 2026-12-07).
const LAPSE_BATCH: i64 = 50;

/// Lapses what is due in one programme, [`LAPSE_BATCH`] at a time, each batch one transaction
/// under the job's lock. `None` when another runner holds the lock.
async fn lapse_due(
    db: &Db,
    scope: &ProgrammeScope,
    programme: &Programme,
    now: OffsetDateTime,
) -> Result<Option<usize>, StoreError> {
    let working_days = WorkingDays::new(programme.holiday_calendar, &programme.time_zone)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let settings = programme.next_action;
    let today = working_days.local_date(now);
    // Working days are never fewer than calendar days, so whatever lapses by today was sent at
    // least `onward_lapse_working_days` calendar days ago: read those (two days more, for the
    // time zone), oldest first, and decide each by the working days.
    let window = time::Duration::days(i64::from(settings.onward_lapse_working_days) - 2);
    let access = Access {
        at: now,
        purpose: AuditPurpose::Care,
    };
    let mut lapsed = 0;
    loop {
        let mut tx = db.begin().await?;
        if !lotse_store::follow_up::try_lock(&mut tx, scope).await? {
            return Ok((lapsed > 0).then_some(lapsed));
        }
        let batch = lotse_store::follow_up::waiting_since(&mut tx, scope, now - window, LAPSE_BATCH).await?;
        let full = i64::try_from(batch.len()).unwrap_or(i64::MAX) >= LAPSE_BATCH;
        // Oldest first: once one is not due, none after it is.
        let due: Vec<OnwardChange> = batch
            .iter()
            .take_while(|w| lapses_on(working_days.local_date(w.sent_at), &settings, &working_days) <= today)
            .map(|w| OnwardChange {
                id: w.id,
                expected_version: w.version,
                recorded: Recorded {
                    event: OnwardReferralEvent::Lapsed,
                    actor: scope.actor().reference(),
                    at: now,
                },
            })
            .collect();
        let reached_the_undue = due.len() < batch.len();
        lapsed += lapse(&mut tx, scope, access, due, now).await?;
        tx.commit().await?;
        if !full || reached_the_undue {
            return Ok(Some(lapsed));
        }
    }
}

/// Writes the lapses, each at the version read, and stops the provider links of the ones
/// written (both audited); returns how many were written. One answered since it was read is
/// left as it is (the answer stands).
async fn lapse(
    tx: &mut lotse_store::Tx,
    scope: &ProgrammeScope,
    access: Access,
    due: Vec<OnwardChange>,
    now: OffsetDateTime,
) -> Result<usize, StoreError> {
    let ids: Vec<OnwardReferralId> = due.iter().map(|c| c.id).collect();
    let results = lotse_store::referral::apply_onward_many(tx, scope, access, due).await?;
    let mut lapsed = 0;
    for (id, result) in ids.into_iter().zip(results) {
        match result {
            Ok(_) => {
                crate::onward::stop_links(tx, scope, access, id, now).await?;
                lapsed += 1;
            }
            Err(StoreError::Conflict { .. } | StoreError::Transition(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(lapsed)
}
