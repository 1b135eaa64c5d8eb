//! Worklists: the people an organisation works with now, by the relationship its role has
//! (the relation rows of [`crate::relation`], so a worklist and the policy's facts agree).
//! The names returned are one audited read: one entry listing the people shown.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::AuditAction;
use lotse_domain::audit::ObjectKind;
use lotse_domain::id::{CaseId, OrganisationId};
use lotse_domain::policy::LinkKind;
use lotse_domain::user::Role;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::crypto::{Sealed, Slot};
use crate::db::{Engine, Tx};
use crate::error::StoreResult;
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
    let open = |patient: Uuid, column: &str, value: &[u8]| {
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
