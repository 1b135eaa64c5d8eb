//! Each referral's next action kept on its row (`next_action_kind`, `next_action_due`), so the
//! link worker's worklist and its counts read an index instead of classifying every open case
//! on every request.
//!
//! The row holds [`lotse_domain::next_action::schedule`] of the referral's facts with the
//! programme's working days and its [`NextActionSettings`]: a first contact is stored as
//! `first_contact_due` and becomes overdue when read (the only rule that depends on today). A
//! closed referral, a referral without a case and a referral of an erased person hold none.
//!
//! The writes that change the facts refresh the rows they touch, in the same transaction:
//! `referral::insert_many` and `referral::apply` (the referral's state, acceptance, attempts and
//! contact), `person::insert_questionnaire_responses` (a baseline response),
//! `action_plan::save` and `action_plan::insert_first` (the review date),
//! `referral::insert_onward_many` and `referral::apply_onward` (an onward referral sent,
//! answered or lapsed),
//! `programme::update_link_work` (every open referral of the programme) and
//! `record::erasure::erase` (cleared). That every such write refreshes is kept by convention
//! and by the tests that compare the stored actions with those computed from the facts after
//! each kind of write. A database from before migration 0032 is filled by [`fill_pending`],
//! which `migrate::run` calls.

use std::fmt::Write as _;

use lotse_domain::calendar::WorkingDays;
use lotse_domain::next_action::{
    CaseFacts, NextAction, NextActionKind, NextActionSettings, follow_up_questionnaire_due, schedule,
};
use lotse_domain::referral::ReferralState;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Db, Engine, Tx};
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// Which referrals to refresh.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Which<'a> {
    /// These referrals.
    Referrals(&'a [Uuid]),
    /// The referrals of these cases.
    Cases(&'a [Uuid]),
}

/// Ids per facts statement (below `bulk`'s parameter budget of 500).
const CHUNK: usize = 400;
/// Rows per update statement (three parameters each).
const PER_UPDATE: usize = 160;
/// Open referrals read per round when a whole programme is refreshed.
const PAGE: i64 = 2_000;

/// The facts of [`CaseFacts`] as stored, and the next action the row holds now (the columns
/// of [`facts_sql`], by name).
#[derive(sqlx::FromRow)]
struct FactsRow {
    referral_id: Uuid,
    state: String,
    closing_reason: Option<String>,
    failed_contact_attempts: i64,
    issued_at: OffsetDateTime,
    accepted_at: Option<OffsetDateTime>,
    last_attempt_at: Option<OffsetDateTime>,
    contacted_at: Option<OffsetDateTime>,
    baseline_done: bool,
    plan_review_on: Option<Date>,
    without_action: bool,
    next_action_kind: Option<String>,
    next_action_due: Option<Date>,
    oldest_unanswered_sent_at: Option<OffsetDateTime>,
    offer_lapsed_at: Option<OffsetDateTime>,
    last_questionnaire_at: Option<OffsetDateTime>,
    next_follow_up_on: Option<Date>,
}

/// The facts statement; `filter` is appended to its `where` (`$1` is the programme key). The
/// follow-up is the one the case's latest note names (none when it names none).
fn facts_sql(engine: Engine, filter: &str) -> String {
    let note_order = engine.time_key("n.written_at");
    format!(
        "select r.referral_id, r.state, r.closing_reason, r.failed_contact_attempts, r.issued_at, \
           r.accepted_at, r.last_attempt_at, r.contacted_at, \
           exists (select 1 from questionnaire_response q where q.programme_key = r.programme_key \
             and q.case_id = r.case_id and q.timepoint = 'baseline') as baseline_done, \
           (select a.review_on from action_plan a where a.programme_key = r.programme_key \
             and a.case_id = r.case_id order by a.version desc limit 1) as plan_review_on, \
           (r.case_id is null or p.erased_at is not null) as without_action, \
           r.next_action_kind, r.next_action_due, \
           (select min(o.sent_at) from onward_referral o where o.programme_key = r.programme_key \
             and o.case_id = r.case_id and o.state = 'sent') as oldest_unanswered_sent_at, \
           case when exists (select 1 from onward_referral o where o.programme_key = r.programme_key \
             and o.case_id = r.case_id and o.state in ('proposed', 'accepted', 'sent', 'acknowledged', 'attending')) \
             then null else (select max(o.updated_at) from onward_referral o where o.programme_key = r.programme_key \
             and o.case_id = r.case_id and o.state = 'lapsed') end as offer_lapsed_at, \
           (select max(q.answered_at) from questionnaire_response q where q.programme_key = r.programme_key \
             and q.case_id = r.case_id) as last_questionnaire_at, \
           (select n.follow_up_on from case_note n where n.programme_key = r.programme_key \
             and n.case_id = r.case_id order by {note_order} desc, n.note_id desc limit 1) as next_follow_up_on \
         from referral r \
         join patient p on p.programme_key = r.programme_key and p.patient_id = r.patient_id \
         where r.programme_key = $1 and {filter}"
    )
}

/// What a programme's next actions are computed by: its working days (holiday calendar and
/// time zone) and its deadlines.
struct Rules {
    working_days: WorkingDays,
    settings: NextActionSettings,
}

/// The programme's [`Rules`], by its key.
async fn rules(tx: &mut Tx, key: i64) -> StoreResult<Rules> {
    type SettingsRow = (String, String, i64, i64, i64, i64, i64, i64);
    let (calendar, zone, first, between, baseline, silent, lapse, weeks): SettingsRow = on_conn!(tx, c => sqlx::query_as(
        "select holiday_calendar, time_zone, first_contact_working_days, working_days_between_contact_attempts, \
           baseline_questionnaire_working_days, provider_silent_working_days, onward_lapse_working_days, \
           follow_up_questionnaire_weeks from programme where programme_key = $1",
    )
    .bind(key)
    .fetch_one(c)
    .await)?;
    let days = |n: i64| u32::try_from(n).map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok(Rules {
        working_days: WorkingDays::from_codes(&calendar, &zone).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        settings: NextActionSettings {
            first_contact_working_days: days(first)?,
            working_days_between_contact_attempts: days(between)?,
            baseline_questionnaire_working_days: days(baseline)?,
            provider_silent_working_days: days(silent)?,
            onward_lapse_working_days: days(lapse)?,
            follow_up_questionnaire_weeks: days(weeks)?,
        },
    })
}

/// The next action a facts row should hold.
fn scheduled(row: &FactsRow, rules: &Rules) -> StoreResult<Option<NextAction>> {
    let working_days = &rules.working_days;
    if row.without_action {
        return Ok(None);
    }
    let state = ReferralState::from_codes(&row.state, row.closing_reason.as_deref())
        .ok_or_else(|| StoreError::Corrupt(format!("referral state {:?}", row.state)))?;
    let local = |at: OffsetDateTime| working_days.local_date(at);
    let facts = CaseFacts {
        state,
        issued_on: local(row.issued_at),
        accepted_on: row.accepted_at.map(local),
        failed_contact_attempts: u32::try_from(row.failed_contact_attempts)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        last_attempt_on: row.last_attempt_at.map(local),
        contacted_on: row.contacted_at.map(local),
        baseline_questionnaire_done: row.baseline_done,
        // The next questionnaire after the latest (counted once the baseline is done).
        follow_up_questionnaire_due_on: row
            .last_questionnaire_at
            .map(|at| follow_up_questionnaire_due(local(at), &rules.settings, working_days)),
        next_plan_review_on: row.plan_review_on,
        next_follow_up_on: row.next_follow_up_on,
        oldest_unanswered_sent_on: row.oldest_unanswered_sent_at.map(local),
        offer_lapsed_on: row.offer_lapsed_at.map(local),
    };
    Ok(schedule(&facts, &rules.settings, working_days))
}

/// Computes the next action of each row and writes those that differ from what the row holds:
/// one statement per [`PER_UPDATE`] rows changed (`case referral_id when … then …`, the same
/// SQL on both engines). Returns how many rows changed.
async fn write_changes(tx: &mut Tx, key: i64, rows: &[FactsRow], rules: &Rules) -> StoreResult<usize> {
    let mut changes: Vec<(Uuid, Option<NextAction>)> = Vec::new();
    for row in rows {
        let next = scheduled(row, rules)?;
        let stored = match (row.next_action_kind.as_deref(), row.next_action_due) {
            (Some(code), Some(due_on)) => Some(NextAction {
                kind: NextActionKind::from_code(code)
                    .ok_or_else(|| StoreError::Corrupt(format!("next action {code:?}")))?,
                due_on,
            }),
            _ => None,
        };
        if next != stored {
            changes.push((row.referral_id, next));
        }
    }
    for chunk in changes.chunks(PER_UPDATE) {
        // Row i binds its id as $(3i+2), its kind as $(3i+3) and its due date as $(3i+4).
        let arm = |value: usize| {
            let mut arms = String::new();
            for i in 0..chunk.len() {
                let _ = write!(arms, " when ${} then ${}", 3 * i + 2, 3 * i + 2 + value);
            }
            arms
        };
        let ids = (0..chunk.len())
            .map(|i| format!("${}", 3 * i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "update referral set next_action_kind = case referral_id{} end, \
             next_action_due = case referral_id{} end \
             where programme_key = $1 and referral_id in ({ids})",
            arm(1),
            arm(2)
        );
        on_conn!(tx, c => {
            let mut q = sqlx::query(&sql).bind(key);
            for (id, next) in chunk {
                q = q.bind(*id).bind(next.map(|n| n.kind.code())).bind(next.map(|n| n.due_on));
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(changes.len())
}

/// `$from, $from+1, …` for `n` parameters.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Refreshes the next action of the referrals `which` names (of the programme `key`): read
/// their facts, schedule, write what changed. Returns how many rows changed.
pub(crate) async fn refresh(tx: &mut Tx, key: i64, which: Which<'_>) -> StoreResult<usize> {
    let (column, ids) = match which {
        Which::Referrals(ids) => ("r.referral_id", ids),
        Which::Cases(ids) => ("r.case_id", ids),
    };
    if ids.is_empty() {
        return Ok(0);
    }
    let rules = rules(tx, key).await?;
    let mut changed = 0;
    for chunk in ids.chunks(CHUNK) {
        let sql = facts_sql(tx.engine(), &format!("{column} in ({})", placeholders(2, chunk.len())));
        let rows: Vec<FactsRow> = on_conn!(tx, c => {
            let mut q = sqlx::query_as(&sql).bind(key);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(c).await
        })?;
        changed += write_changes(tx, key, &rows, &rules).await?;
    }
    Ok(changed)
}

/// Refreshes every open referral of the programme `key` (after its holiday calendar changed,
/// or to fill the rows of an older database), in pages of referral ids. Returns how many rows
/// changed.
pub(crate) async fn refresh_programme(tx: &mut Tx, key: i64) -> StoreResult<usize> {
    let rules = rules(tx, key).await?;
    let sql = facts_sql(
        tx.engine(),
        "r.state <> 'closed' and r.referral_id > $2 order by r.referral_id limit $3",
    );
    let mut after = Uuid::nil();
    let mut changed = 0;
    loop {
        let rows: Vec<FactsRow> = on_conn!(tx, c => sqlx::query_as(&sql)
            .bind(key)
            .bind(after)
            .bind(PAGE)
            .fetch_all(c)
            .await)?;
        let Some(last) = rows.last() else {
            return Ok(changed);
        };
        after = last.referral_id;
        changed += write_changes(tx, key, &rows, &rules).await?;
    }
}

/// Clears the next action of a person's referrals (erasure: nobody is to be contacted).
pub(crate) async fn clear_patient(tx: &mut Tx, key: i64, patient: Uuid) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query(
        "update referral set next_action_kind = null, next_action_due = null \
         where programme_key = $1 and patient_id = $2 and next_action_kind is not null",
    )
    .bind(key)
    .bind(patient)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Runs the upkeep a migration left for Rust: the rows of `store_upkeep` name tasks SQL cannot
/// do (migration 0032: `next_action`, every programme's open referrals scheduled). Each task
/// runs in one transaction with the removal of its row, so an interrupted run is done again
/// on the next start. Returns the tasks run.
pub async fn fill_pending(db: &Db) -> StoreResult<Vec<String>> {
    let mut tx = db.begin().await?;
    let tasks: Vec<String> =
        on_conn!(&mut tx, c => sqlx::query_scalar("select task from store_upkeep order by task").fetch_all(c).await)?;
    for task in &tasks {
        match task.as_str() {
            "next_action" => {
                let keys: Vec<i64> = on_conn!(&mut tx, c => sqlx::query_scalar(
                    "select programme_key from programme order by programme_key",
                )
                .fetch_all(c)
                .await)?;
                for key in keys {
                    refresh_programme(&mut tx, key).await?;
                }
            }
            other => return Err(StoreError::Corrupt(format!("unknown upkeep task {other:?}"))),
        }
        on_conn!(&mut tx, c => sqlx::query("delete from store_upkeep where task = $1")
            .bind(task)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_count_from_the_first_free_parameter() {
        assert_eq!(placeholders(4, 3), "$4, $5, $6");
        assert_eq!(placeholders(2, 0), "");
    }
}
