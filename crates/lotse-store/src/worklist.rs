//! Worklists: the people an organisation works with now, by the relationship its role has
//! (the relation rows of [`crate::relation`], so a worklist and the policy's facts agree).
//! The names returned are one audited read: one entry listing the people shown.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::{CaseId, OrganisationId};
use lotse_domain::next_action::{NextAction, NextActionKind};
use lotse_domain::policy::LinkKind;
use lotse_domain::user::Role;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::crypto::Sealed;
use crate::db::{Engine, Tx};
use crate::error::{StoreError, StoreResult};
use crate::on_conn;
use crate::relation::{self, Key, Rows};

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The case.
    pub case: CaseId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// State code (referral, or onward referral for providers).
    pub state: String,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// The worklist of one kind of link: the organisation's relation rows ([`relation::part`],
/// the same definition the policy's facts come from) that go through a case, of people not
/// erased, changed at or before `$2`; for a link facility only open referrals (work to do).
fn sql(kind: LinkKind, engine: Engine) -> String {
    format!(
        "select rel.case_id, rel.patient_id, i.given_name, i.family_name, rel.state, rel.updated_at \
         from ({}) rel \
         join patient p on p.programme_key = $1 and p.patient_id = rel.patient_id and p.erased_at is null \
         join patient_identity i on i.programme_key = $1 and i.patient_id = rel.patient_id \
         where rel.case_id is not null and {} \
         order by {} desc, rel.case_id limit $4",
        relation::part(
            kind,
            Key::Organisation,
            engine,
            if kind == LinkKind::Holds { Rows::Open } else { Rows::All }
        ),
        engine.time_cmp("rel.updated_at", "<=", "$2"),
        engine.time_key("rel.updated_at"),
    )
}

/// The worklist of an organisation for a role (empty for roles without one).
pub async fn for_organisation(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    role: Role,
    organisation: OrganisationId,
    limit: i64,
) -> StoreResult<Vec<Row>> {
    let key = tx.programme_key(scope.programme()).await?;
    let kind = match role {
        Role::LinkWorker => LinkKind::Holds,
        Role::Prescriber => LinkKind::Prescribed,
        Role::OfferProvider => LinkKind::SharedWith,
        Role::Coordinator | Role::Evaluator | Role::OutcomePayer => return Ok(Vec::new()),
    };
    let sql = sql(kind, tx.engine());
    let rows: Vec<(Uuid, Uuid, Sealed, Sealed, String, OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(&sql)
        .bind(key)
        .bind(access.at)
        .bind(organisation.as_uuid())
        .bind(limit)
        .fetch_all(c)
        .await)?;
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<_> = rows.into_iter().filter(|r| seen.insert(r.0)).collect();
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let open = |patient: Uuid, column: &str, value: &[u8]| crate::person::open_column(&keys, p, patient, column, value);
    let mut patients: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
    patients.sort_unstable();
    patients.dedup();
    audit::record(tx, scope, access, AuditAction::Read, ObjectKind::Patient, patients).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Row {
                case: CaseId::from_uuid(r.0),
                given_name: open(r.1, "given_name", &r.2)?,
                family_name: open(r.1, "family_name", &r.3)?,
                state: r.4,
                updated_at: r.5,
            })
        })
        .collect()
}

/// A link facility's worklist: the rows shown with their next action as seen today, and the
/// count of each kind over all the facility's open cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkWorklist {
    /// The rows shown, in worklist order, each with its next action (`None`: nothing due).
    pub rows: Vec<(Row, Option<NextAction>)>,
    /// How many open referrals of the facility have each kind of next action, in
    /// [`NextActionKind::ALL`] order, zeros included (before the filter and the limit).
    pub counts: Vec<(NextActionKind, usize)>,
}

/// The worklist's order among actions due the same day, in SQL: the position of the kind in
/// [`NextActionKind::ALL`] (the domain's priority), a stored first contact counted as overdue
/// when its date is before today (`$today`).
fn rank_sql(today: &str) -> String {
    let position = |kind: NextActionKind| NextActionKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    let arms: String = NextActionKind::ALL
        .iter()
        .filter(|k| **k != NextActionKind::FirstContactOverdue)
        .map(|k| {
            if *k == NextActionKind::FirstContactDue {
                format!(
                    " when '{}' then case when r.next_action_due < {today} then {} else {} end",
                    k.code(),
                    position(NextActionKind::FirstContactOverdue),
                    position(*k)
                )
            } else {
                format!(" when '{}' then {}", k.code(), position(*k))
            }
        })
        .collect();
    format!("case r.next_action_kind{arms} end")
}

/// The kind filter on the stored columns (`$5` the stored code, `$4` today): an overdue first
/// contact is a stored first contact due before today, a first contact due one due today or
/// later.
fn kind_filter(kind: Option<NextActionKind>) -> &'static str {
    match kind {
        None => "",
        Some(NextActionKind::FirstContactOverdue) => " and r.next_action_kind = $5 and r.next_action_due < $4",
        Some(NextActionKind::FirstContactDue) => " and r.next_action_kind = $5 and r.next_action_due >= $4",
        Some(_) => " and r.next_action_kind = $5",
    }
}

/// The stored code a kind filter looks for.
fn stored_code(kind: NextActionKind) -> &'static str {
    match kind {
        NextActionKind::FirstContactOverdue => NextActionKind::FirstContactDue.code(),
        other => other.code(),
    }
}

/// One row of the facility's worklist as stored: case, person, state, closing reason, last
/// change, and the next action's stored kind and due date.
type LinkRow = (Uuid, Uuid, String, OffsetDateTime, Option<String>, Option<time::Date>);

/// The sealed names of `patients` (at most a page of them), in one statement.
async fn sealed_names(tx: &mut Tx, key: i64, patients: &[Uuid]) -> StoreResult<Vec<(Uuid, Sealed, Sealed)>> {
    if patients.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (0..patients.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "select patient_id, given_name, family_name from patient_identity \
         where programme_key = $1 and patient_id in ({placeholders})"
    );
    let rows = on_conn!(tx, c => {
        let mut query = sqlx::query_as(&sql).bind(key);
        for patient in patients {
            query = query.bind(*patient);
        }
        query.fetch_all(c).await
    })?;
    Ok(rows)
}

/// A link facility's worklist, read from the next action each open referral keeps on its row
/// ([`crate::next_action`]): the cases due, earliest first (ties by kind priority, then case
/// id), from the covering index `referral_worklist` (migration 0037; or `referral_next_action_kind` when `kind`
/// filters); without a filter, when fewer than `limit` are due, the open cases with nothing due
/// follow, newest change first. `today` is the programme's local date (a first contact due
/// before it is overdue). The counts come from `next_action_count`, which triggers on `referral`
/// keep per facility, kind and (for first contacts) due date (migration 0035). Only the
/// names of the rows shown are opened, and the audit entry lists only their people. A case
/// with two open referrals at the facility is shown once, at its earliest action.
pub async fn for_link_facility(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    facility: OrganisationId,
    today: time::Date,
    kind: Option<NextActionKind>,
    limit: i64,
) -> StoreResult<LinkWorklist> {
    let key = tx.programme_key(scope.programme()).await?;
    let due_sql = format!(
        "select r.case_id, r.patient_id, r.state, r.updated_at, r.next_action_kind, r.next_action_due \
         from referral r \
         where r.programme_key = $1 and r.link_facility_id = $2 and r.next_action_due is not null \
           and r.next_action_kind is not null{} \
         order by r.next_action_due, {}, r.case_id limit $3",
        kind_filter(kind),
        rank_sql("$4"),
    );
    let mut rows: Vec<LinkRow> = on_conn!(tx, c => {
        let query = sqlx::query_as(&due_sql)
            .bind(key)
            .bind(facility.as_uuid())
            .bind(limit)
            .bind(today);
        match kind {
            Some(kind) => query.bind(stored_code(kind)),
            None => query,
        }
        .fetch_all(c)
        .await
    })?;
    let shown = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    if kind.is_none() && shown < limit {
        let rest_sql = format!(
            "select r.case_id, r.patient_id, r.state, r.updated_at, r.next_action_kind, r.next_action_due \
             from referral r \
             join patient p on p.programme_key = $1 and p.patient_id = r.patient_id and p.erased_at is null \
             where r.programme_key = $1 and r.link_facility_id = $2 and r.state <> 'closed' \
               and r.case_id is not null and r.next_action_kind is null \
             order by {} desc, r.case_id limit $3",
            tx.engine().time_key("r.updated_at"),
        );
        let rest: Vec<LinkRow> = on_conn!(tx, c => sqlx::query_as(&rest_sql)
            .bind(key)
            .bind(facility.as_uuid())
            .bind(limit - shown)
            .fetch_all(c)
            .await)?;
        rows.extend(rest);
    }
    let counted: Vec<(String, i64, i64)> = on_conn!(tx, c => sqlx::query_as(
        "select kind, cast(sum(case when due < $3 then n else 0 end) as bigint), cast(sum(n) as bigint) \
         from next_action_count where programme_key = $1 and link_facility_id = $2 \
         group by kind",
    )
    .bind(key)
    .bind(facility.as_uuid())
    .bind(today)
    .fetch_all(c)
    .await)?;
    let mut counts: Vec<(NextActionKind, usize)> = NextActionKind::ALL.iter().map(|k| (*k, 0)).collect();
    let mut add = |kind: NextActionKind, n: i64| {
        if let Some(slot) = counts.iter_mut().find(|(k, _)| *k == kind) {
            slot.1 += usize::try_from(n).unwrap_or(0);
        }
    };
    for (code, overdue, all) in counted {
        let kind =
            NextActionKind::from_code(&code).ok_or_else(|| StoreError::Corrupt(format!("next action {code:?}")))?;
        if kind == NextActionKind::FirstContactDue {
            add(NextActionKind::FirstContactOverdue, overdue);
            add(kind, all - overdue);
        } else {
            add(kind, all);
        }
    }
    let mut seen = std::collections::HashSet::new();
    rows.retain(|r| seen.insert(r.0));
    let mut patients: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
    patients.sort_unstable();
    patients.dedup();
    let names: std::collections::HashMap<Uuid, (Sealed, Sealed)> = sealed_names(tx, key, &patients)
        .await?
        .into_iter()
        .map(|(patient, given, family)| (patient, (given, family)))
        .collect();
    audit::record(tx, scope, access, AuditAction::Read, ObjectKind::Patient, patients).await?;
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let open = |patient: Uuid, column: &str, value: &[u8]| crate::person::open_column(&keys, p, patient, column, value);
    let rows = rows
        .into_iter()
        .map(|r| {
            let case = CaseId::from_uuid(r.0);
            let (given, family) = names
                .get(&r.1)
                .ok_or_else(|| StoreError::Corrupt(format!("no identity for a person of case {case}")))?;
            let next = match (r.4.as_deref(), r.5) {
                (Some(code), Some(due_on)) => Some(
                    NextAction {
                        kind: NextActionKind::from_code(code)
                            .ok_or_else(|| StoreError::Corrupt(format!("next action {code:?}")))?,
                        due_on,
                    }
                    .on(today),
                ),
                _ => None,
            };
            Ok((
                Row {
                    case,
                    given_name: open(r.1, "given_name", given)?,
                    family_name: open(r.1, "family_name", family)?,
                    state: r.2,
                    updated_at: r.3,
                },
                next,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(LinkWorklist { rows, counts })
}
