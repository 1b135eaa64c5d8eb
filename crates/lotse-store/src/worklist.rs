//! Worklists: the people an organisation works with now, by the relationship its role has
//! (the relation rows of [`crate::relation`], so a worklist and the policy's facts agree).
//! The names returned are one audited read: one entry listing the people shown.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::{CaseId, OrganisationId};
use lotse_domain::policy::LinkKind;
use lotse_domain::referral::ReferralState;
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

/// A link facility's open case with the facts its next action is computed from (see
/// `lotse_domain::next_action::CaseFacts`, which takes these times as programme-local dates).
/// The plan review is the latest action plan's review date; follow-ups and follow-up
/// questionnaires are not scheduled anywhere yet, so there are no facts about them here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkCase {
    /// The case.
    pub case: CaseId,
    /// The referral's state.
    pub state: ReferralState,
    /// When the referral was issued (its first event).
    pub issued_at: OffsetDateTime,
    /// When it was accepted: its latest `referral.accepted` event, if any.
    pub accepted_at: Option<OffsetDateTime>,
    /// Failed contact attempts (the referral row's count; attempts are only recorded after
    /// acceptance).
    pub failed_contact_attempts: u32,
    /// Its latest `referral.contact_attempt_failed` event, if any.
    pub last_attempt_at: Option<OffsetDateTime>,
    /// Its latest `referral.contacted` event, if any.
    pub contacted_at: Option<OffsetDateTime>,
    /// Whether the case has a baseline questionnaire response.
    pub baseline_questionnaire_done: bool,
    /// The review date of the case's latest action plan, if it has one.
    pub plan_review_on: Option<time::Date>,
    /// Last change of the referral.
    pub updated_at: OffsetDateTime,
}

/// A link facility's open referrals with cases, of people not erased, changed at or before
/// `$2`, with their next-action facts, in one statement: the same rows as the facility's
/// [`LinkKind::Holds`] relation with [`Rows::Open`] (`$3` the facility). The times of the
/// latest acceptance, failed attempt and contact are the referral's own columns (kept by
/// `referral::apply`); served by the index `referral_facility` (programme_key,
/// link_facility_id, state), the response key (programme_key, case_id, response_id) and the
/// plan key (programme_key, case_id, version). No names: only the rows shown have theirs read.
fn link_sql(engine: Engine) -> String {
    format!(
        "select r.case_id, r.patient_id, r.state, r.closing_reason, \
           r.failed_contact_attempts, r.issued_at, r.updated_at, \
           r.accepted_at, r.last_attempt_at, r.contacted_at, \
           exists (select 1 from questionnaire_response q where q.programme_key = r.programme_key \
             and q.case_id = r.case_id and q.timepoint = 'baseline') as baseline_done, \
           (select a.review_on from action_plan a where a.programme_key = r.programme_key \
             and a.case_id = r.case_id order by a.version desc limit 1) as plan_review_on \
         from referral r \
         join patient p on p.programme_key = $1 and p.patient_id = r.patient_id and p.erased_at is null \
         where r.programme_key = $1 and r.link_facility_id = $3 and r.state <> 'closed' \
           and r.case_id is not null and {} \
         order by r.case_id",
        engine.time_cmp("r.updated_at", "<=", "$2"),
    )
}

/// One stored row of [`link_sql`].
type LinkRow = (
    Uuid,
    Uuid,
    String,
    Option<String>,
    i64,
    OffsetDateTime,
    OffsetDateTime,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
    bool,
    Option<time::Date>,
);

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

/// A link facility's worklist ordered by the caller: every open case it holds is read with
/// its facts in one statement ([`LinkCase`], ordered by case id); `choose` returns the
/// positions of the cases to show, in the order to show them (positions out of range and
/// repeats are skipped). Only the names of the cases chosen are opened, and the audit entry
/// lists only their people.
pub async fn for_link_facility(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    facility: OrganisationId,
    choose: impl FnOnce(&[LinkCase]) -> Vec<usize>,
) -> StoreResult<Vec<(Row, LinkCase)>> {
    let key = tx.programme_key(scope.programme()).await?;
    let sql = link_sql(tx.engine());
    let rows: Vec<LinkRow> = on_conn!(tx, c => sqlx::query_as(&sql)
        .bind(key)
        .bind(access.at)
        .bind(facility.as_uuid())
        .fetch_all(c)
        .await)?;
    let cases = rows
        .iter()
        .map(|r| {
            Ok(LinkCase {
                case: CaseId::from_uuid(r.0),
                state: ReferralState::from_codes(&r.2, r.3.as_deref())
                    .ok_or_else(|| StoreError::Corrupt(format!("referral state {:?}", r.2)))?,
                issued_at: r.5,
                accepted_at: r.7,
                failed_contact_attempts: u32::try_from(r.4).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                last_attempt_at: r.8,
                contacted_at: r.9,
                baseline_questionnaire_done: r.10,
                plan_review_on: r.11,
                updated_at: r.6,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut seen = std::collections::HashSet::new();
    let chosen: Vec<usize> = choose(&cases)
        .into_iter()
        .filter(|&i| i < rows.len() && seen.insert(i))
        .collect();
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let open = |patient: Uuid, column: &str, value: &[u8]| crate::person::open_column(&keys, p, patient, column, value);
    let mut patients: Vec<Uuid> = chosen.iter().filter_map(|&i| rows.get(i)).map(|r| r.1).collect();
    patients.sort_unstable();
    patients.dedup();
    let names: std::collections::HashMap<Uuid, (Sealed, Sealed)> = sealed_names(tx, key, &patients)
        .await?
        .into_iter()
        .map(|(patient, given, family)| (patient, (given, family)))
        .collect();
    audit::record(tx, scope, access, AuditAction::Read, ObjectKind::Patient, patients).await?;
    chosen
        .into_iter()
        .filter_map(|i| Some((rows.get(i)?, *cases.get(i)?)))
        .map(|(r, facts)| {
            let (given, family) = names
                .get(&r.1)
                .ok_or_else(|| StoreError::Corrupt(format!("no identity for a person of case {}", facts.case)))?;
            Ok((
                Row {
                    case: facts.case,
                    given_name: open(r.1, "given_name", given)?,
                    family_name: open(r.1, "family_name", family)?,
                    state: r.2.clone(),
                    updated_at: r.6,
                },
                facts,
            ))
        })
        .collect()
}
