//! A case's action plan, versioned: every save is a new row with the next version; the old
//! ones stay. The content (goals, milestones, obstacles and the review date) is sealed as one
//! JSON value bound to the case and its version; the review date is also kept plain for the
//! worklist. Reading a plan is audited as a read of the case (its plan is part of the case
//! file), writing one as an update of the case. Erasure deletes a person's plans, and `lotse
//! keys rotate` seals them again.

use lotse_domain::action_plan::ActionPlanContent;
use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, ObjectKind};
use lotse_domain::id::{CaseId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::bulk::{self, table_row};
use crate::crypto::Slot;
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::next_action;
use crate::on_conn;

table_row! {
    /// One version of a plan as stored.
    PlanRow => "action_plan" {
        programme_key: i64,
        case_id: Uuid,
        version: i64,
        author_id: Uuid,
        written_at: OffsetDateTime,
        review_on: Option<Date>,
        body: Vec<u8>,
    }
}

/// One version of a case's plan, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    /// 1 for the first plan, then one more per save.
    pub version: i64,
    /// Who wrote this version.
    pub author: UserId,
    /// The author's display name (none once the account is gone).
    pub author_name: Option<String>,
    /// When.
    pub written_at: OffsetDateTime,
    /// What it says.
    pub content: ActionPlanContent,
}

/// The sealed slot of one version: the column names the version, so that a version's value
/// copied into another does not open.
fn seal_slot(programme: Uuid, case: Uuid, column: &str) -> Slot<'_> {
    Slot {
        programme,
        record: case,
        column,
    }
}

fn column(version: i64) -> String {
    format!("plan.{version}")
}

/// Saves a new version of the case's plan. `expected_version` is the latest version the
/// writer saw (0: none); if another save came first, nothing is written and
/// [`StoreError::Conflict`] names the version now. Returns the new version.
pub async fn save(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    case: CaseId,
    expected_version: i64,
    author: UserId,
    content: &ActionPlanContent,
) -> StoreResult<i64> {
    let key = tx.programme_key(scope.programme()).await?;
    let current = latest_version(tx, scope, case).await?;
    if current != expected_version {
        return Err(StoreError::Conflict {
            kind: "action plan",
            current_version: current,
        });
    }
    let version = expected_version + 1;
    let json = serde_json::to_string(content).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let name = column(version);
    let body = tx
        .keys()?
        .seal(seal_slot(scope.programme().as_uuid(), case.as_uuid(), &name), &json)?;
    let row = PlanRow {
        programme_key: key,
        case_id: case.as_uuid(),
        version,
        author_id: author.as_uuid(),
        written_at: access.at,
        review_on: Some(content.review_on),
        body,
    };
    match bulk::insert_rows(tx, vec![row]).await {
        Ok(_) => {}
        // Two saves on one version: the second meets the first's row.
        Err(StoreError::Duplicate { .. }) => {
            return Err(StoreError::Conflict {
                kind: "action plan",
                current_version: version,
            });
        }
        Err(e) => return Err(e),
    }
    next_action::refresh(tx, key, next_action::Which::Cases(&[case.as_uuid()])).await?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Update,
        ObjectKind::Case,
        [case.as_uuid()],
    )
    .await?;
    Ok(version)
}

/// A first plan to store in bulk (the demo): version 1 of its case.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPlan {
    /// The case.
    pub case: CaseId,
    /// Who wrote it.
    pub author: UserId,
    /// When.
    pub written_at: OffsetDateTime,
    /// What it says.
    pub content: ActionPlanContent,
}

impl std::fmt::Debug for NewPlan {
    /// Never prints the person's words.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewPlan({})", self.case)
    }
}

/// Stores first plans (version 1) of cases that have none, sealed; one audit entry lists the
/// cases. A case that has a plan already is [`StoreError::Duplicate`], and nothing is written.
pub async fn insert_first(tx: &mut Tx, scope: &ProgrammeScope, access: Access, plans: &[NewPlan]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let name = column(1);
    let rows = plans
        .iter()
        .map(|plan| {
            let json = serde_json::to_string(&plan.content).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(PlanRow {
                programme_key: key,
                case_id: plan.case.as_uuid(),
                version: 1,
                author_id: plan.author.as_uuid(),
                written_at: plan.written_at,
                review_on: Some(plan.content.review_on),
                body: keys.seal(seal_slot(p, plan.case.as_uuid(), &name), &json)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let cases: Vec<Uuid> = plans.iter().map(|plan| plan.case.as_uuid()).collect();
    audit::insert_created(tx, scope, access, rows, ObjectKind::Case, cases.iter().copied()).await?;
    next_action::refresh(tx, key, next_action::Which::Cases(&cases)).await?;
    Ok(())
}

/// The latest version of the case's plan (0: none yet).
pub async fn latest_version(tx: &mut Tx, scope: &ProgrammeScope, case: CaseId) -> StoreResult<i64> {
    let key = tx.programme_key(scope.programme()).await?;
    let version: Option<i64> = on_conn!(tx, c => sqlx::query_scalar(
        "select max(version) from action_plan where programme_key = $1 and case_id = $2",
    )
    .bind(key)
    .bind(case.as_uuid())
    .fetch_one(c)
    .await)?;
    Ok(version.unwrap_or(0))
}

/// Every version of the case's plan, newest first, opened; audited as one read of the case.
pub async fn versions(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    case: CaseId,
) -> StoreResult<Vec<StoredPlan>> {
    type Row = (i64, Uuid, Option<String>, OffsetDateTime, Vec<u8>);
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(
        "select p.version, p.author_id, u.display_name, p.written_at, p.body from action_plan p \
         left join user_account u on u.user_id = p.author_id \
         where p.programme_key = $1 and p.case_id = $2 order by p.version desc",
    )
    .bind(key)
    .bind(case.as_uuid())
    .fetch_all(c)
    .await)?;
    if !rows.is_empty() {
        audit::record(tx, scope, access, AuditAction::Read, ObjectKind::Case, [case.as_uuid()]).await?;
    }
    let p = scope.programme().as_uuid();
    rows.into_iter()
        .map(|(version, author, author_name, written_at, body)| {
            let json = keys.open(seal_slot(p, case.as_uuid(), &column(version)), &body)?;
            let content = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("action plan: {e}")))?;
            Ok(StoredPlan {
                version,
                author: UserId::from_uuid(author),
                author_name,
                written_at,
                content,
            })
        })
        .collect()
}

/// Seals again every plan version of the scope's programme not sealed with the current key;
/// returns how many. Each case is audited as an update.
pub async fn reseal(tx: &mut Tx, scope: &ProgrammeScope, access: Access) -> StoreResult<usize> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let rows: Vec<(Uuid, i64, Vec<u8>)> = on_conn!(tx, c => sqlx::query_as(
        "select case_id, version, body from action_plan where programme_key = $1",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let mut cases = Vec::new();
    let mut n = 0;
    for (case, version, body) in rows {
        if keys.is_current(&body) {
            continue;
        }
        let name = column(version);
        let sealed = keys.seal(seal_slot(p, case, &name), &keys.open(seal_slot(p, case, &name), &body)?)?;
        on_conn!(tx, c => sqlx::query(
            "update action_plan set body = $4 where programme_key = $1 and case_id = $2 and version = $3",
        )
        .bind(key)
        .bind(case)
        .bind(version)
        .bind(&sealed)
        .execute(c)
        .await
        .map(drop))?;
        cases.push(case);
        n += 1;
    }
    audit::record(tx, scope, access, AuditAction::Update, ObjectKind::Case, cases).await?;
    Ok(n)
}
