//! Worklists: the people an organisation works with now, by the relationship its role has.
//! The names returned are one audited read: one entry listing the people shown.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::id::{CaseId, OrganisationId};
use lotse_domain::user::Role;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::crypto::Slot;
use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

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

const LINK_FACILITY: &str = "select k.case_id, k.patient_id, i.given_name, i.family_name, r.state, r.updated_at \
    from case_file k \
    join patient p on p.programme_id = k.programme_id and p.patient_id = k.patient_id and p.erased_at is null \
    join patient_identity i on i.programme_id = k.programme_id and i.patient_id = k.patient_id \
    join referral r on r.programme_id = k.programme_id and r.case_id = k.case_id \
    where k.programme_id = $1 and k.link_facility_id = $2 and r.state <> 'closed' and r.updated_at <= $4 \
    order by r.updated_at desc, k.case_id limit $3";

const PRACTICE: &str = "select r.case_id, r.patient_id, i.given_name, i.family_name, r.state, r.updated_at \
    from prescription s \
    join referral r on r.programme_id = s.programme_id and r.prescription_id = s.prescription_id \
    join patient p on p.programme_id = r.programme_id and p.patient_id = r.patient_id and p.erased_at is null \
    join patient_identity i on i.programme_id = r.programme_id and i.patient_id = r.patient_id \
    where s.programme_id = $1 and s.practice_id = $2 and r.case_id is not null and r.updated_at <= $4 \
    order by r.updated_at desc, r.case_id limit $3";

const PROVIDER: &str = "select k.case_id, k.patient_id, i.given_name, i.family_name, w.state, w.updated_at \
    from onward_referral w \
    join offer f on f.programme_id = w.programme_id and f.offer_id = w.offer_id \
    join case_file k on k.programme_id = w.programme_id and k.case_id = w.case_id \
    join patient p on p.programme_id = k.programme_id and p.patient_id = k.patient_id and p.erased_at is null \
    join patient_identity i on i.programme_id = k.programme_id and i.patient_id = k.patient_id \
    join consent s on s.programme_id = w.programme_id and s.onward_referral_id = w.onward_referral_id \
      and s.purpose = 'provider_sharing' and s.given_at <= $4 and (s.withdrawn_at is null or s.withdrawn_at > $4) \
    where w.programme_id = $1 and f.provider_id = $2 \
    order by w.updated_at desc, k.case_id limit $3";

/// The worklist of an organisation for a role (empty for roles without one).
pub async fn for_organisation(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    role: Role,
    organisation: OrganisationId,
    limit: i64,
) -> StoreResult<Vec<Row>> {
    let sql = match role {
        Role::LinkWorker => LINK_FACILITY,
        Role::Prescriber => PRACTICE,
        Role::OfferProvider => PROVIDER,
        Role::Coordinator | Role::Evaluator | Role::OutcomePayer => return Ok(Vec::new()),
    };
    let rows: Vec<(Uuid, Uuid, String, String, String, OffsetDateTime)> = on_conn!(tx, c => sqlx::query_as(sql)
        .bind(scope.programme().as_uuid())
        .bind(organisation.as_uuid())
        .bind(limit)
        .bind(access.at)
        .fetch_all(c)
        .await)?;
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<_> = rows.into_iter().filter(|r| seen.insert(r.0)).collect();
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let open = |patient: Uuid, column: &str, value: &str| {
        keys.open(
            Slot {
                programme: p,
                record: patient,
                column,
            },
            value,
        )
    };
    let mut patients: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
    patients.sort_unstable();
    patients.dedup();
    audit::record(tx, scope, access, AuditAction::Read, "patient", patients).await?;
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
