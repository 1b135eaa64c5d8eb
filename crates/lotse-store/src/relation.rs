//! The relationship facts: which organisations are linked to a person now, and how. Written
//! once, as the three parts below; both forms use them: the facts of one person
//! ([`of_person`], for the policy) and the people linked to one organisation (the worklists in
//! [`crate::worklist`]). So "active sharing consent" and "current facility" are each one
//! fragment of SQL.
//!
//! The rules:
//! - **Holds** (link facility): the facility a referral lies with now (`referral.link_facility_id`,
//!   which a redirect moves), through the referral's case. An open referral links its facility;
//!   a closed one links it only while none of the person's referrals is open, so after a
//!   redirect (or a new referral elsewhere) the former facility keeps nothing, and a facility
//!   keeps the cases it closed until the person is referred again or anonymised. Where a case
//!   was opened (`case_file.link_facility_id`) grants nothing.
//! - **Prescribed** (practice): every prescription the practice issued for the person, through
//!   the case its referral went into (the closed loop).
//! - **Shared with** (provider): an onward referral to one of the provider's offers whose
//!   sharing consent is active at the time asked about (`active_sharing`; the same rule as
//!   `Consent::is_active_at`, both checked against one table in the tests).
//!
//! Every row: `patient_id, kind, organisation_id, case_id, onward_referral_id, state,
//! updated_at`. Parameters: `$1` the programme, `$2` the time asked about, `$3` the person or
//! the organisation.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::id::{CaseId, OnwardReferralId, OrganisationId, PatientId};
use lotse_domain::policy::{Link, LinkKind, PersonRelations};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Engine, Tx};
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// A sharing consent `s` that holds at `$2`: given at or before it, not withdrawn at or before
/// it (timestamps compared by [`Engine::time_cmp`], which SQLite's text needs).
fn active_sharing(engine: Engine) -> String {
    format!(
        "s.purpose = 'provider_sharing' and {} and (s.withdrawn_at is null or {})",
        engine.time_cmp("s.given_at", "<=", "$2"),
        engine.time_cmp("s.withdrawn_at", ">", "$2")
    )
}

/// Which column `$3` is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// `$3` is a person: every link to them.
    Person,
    /// `$3` is a case: every link to the person it belongs to.
    PersonOfCase,
    /// `$3` is an organisation: every link it has.
    Organisation,
}

impl Key {
    /// The person the rows are about, as an SQL expression (for the keys about one person).
    const fn person(self) -> &'static str {
        match self {
            Self::Person | Self::Organisation => "$3",
            Self::PersonOfCase => {
                "(select c0.patient_id from case_file c0 where c0.programme_key = $1 and c0.case_id = $3)"
            }
        }
    }
}

/// The stored code of a kind (the `kind` column).
const fn code(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Holds => "holds",
        LinkKind::Prescribed => "prescribed",
        LinkKind::SharedWith => "shared_with",
    }
}

fn kind_from_code(code: &str) -> StoreResult<LinkKind> {
    match code {
        "holds" => Ok(LinkKind::Holds),
        "prescribed" => Ok(LinkKind::Prescribed),
        "shared_with" => Ok(LinkKind::SharedWith),
        other => Err(StoreError::Corrupt(format!("link kind {other:?}"))),
    }
}

/// Which rows of a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows {
    /// Every link.
    All,
    /// Only the links through open referrals (a link facility's worklist: work to do). For
    /// [`LinkKind::Holds`] that is the rule's first half alone: an open referral always links
    /// its facility, so the check for the person's other referrals is left out.
    Open,
}

/// The rows of one kind of link, for a person or an organisation. Each part starts from the
/// table its key selects through an index (a `cross join` keeps SQLite, which has no table
/// statistics here, from starting anywhere else; PostgreSQL plans it like an inner join).
pub(crate) fn part(kind: LinkKind, key: Key, engine: Engine, rows: Rows) -> String {
    match kind {
        LinkKind::Holds => format!(
            "select r.patient_id, '{}' as kind, r.link_facility_id as organisation_id, r.case_id, \
             cast(null as uuid) as onward_referral_id, r.state, r.updated_at \
             from referral r \
             where r.programme_key = $1 and {} and {}",
            code(kind),
            match key {
                Key::Person | Key::PersonOfCase => format!("r.patient_id = {}", key.person()),
                Key::Organisation => "r.link_facility_id = $3".to_owned(),
            },
            match rows {
                Rows::Open => "r.state <> 'closed'",
                Rows::All => {
                    "(r.state <> 'closed' or not exists (select 1 from referral o where o.programme_key = r.programme_key \
                     and o.patient_id = r.patient_id and o.state <> 'closed'))"
                }
            }
        ),
        LinkKind::Prescribed => format!(
            "select s.patient_id, '{}' as kind, s.practice_id as organisation_id, r.case_id, \
             cast(null as uuid) as onward_referral_id, r.state, coalesce(r.updated_at, s.issued_at) as updated_at \
             from prescription s \
             left join referral r on r.programme_key = s.programme_key and r.patient_id = s.patient_id \
               and r.prescription_id = s.prescription_id \
             where s.programme_key = $1 and {}",
            code(kind),
            match key {
                Key::Person | Key::PersonOfCase => format!("s.patient_id = {}", key.person()),
                Key::Organisation => "s.practice_id = $3".to_owned(),
            }
        ),
        LinkKind::SharedWith => format!(
            "select k.patient_id, '{}' as kind, f.provider_id as organisation_id, w.case_id, \
             w.onward_referral_id, w.state, w.updated_at \
             from {} \
             and w.programme_key = k.programme_key and w.case_id = k.case_id \
             and f.programme_key = w.programme_key and f.offer_id = w.offer_id \
             and exists (select 1 from consent s where s.programme_key = w.programme_key and s.patient_id = k.patient_id \
               and s.onward_referral_id = w.onward_referral_id and {})",
            code(kind),
            match key {
                Key::Person | Key::PersonOfCase => format!(
                    "case_file k cross join onward_referral w cross join offer f \
                    where k.programme_key = $1 and k.patient_id = {}",
                    key.person()
                ),
                Key::Organisation => "offer f cross join onward_referral w cross join case_file k \
                    where f.programme_key = $1 and f.provider_id = $3"
                    .to_owned(),
            },
            active_sharing(engine),
        ),
    }
}

/// Every link to one person, all kinds, after one row that says whether the person exists in
/// the programme and is erased (`person` or `erased`, no organisation): one statement for all
/// the facts. `key` is [`Key::Person`] or [`Key::PersonOfCase`].
fn person_sql(key: Key, engine: Engine) -> String {
    format!(
        "select patient_id, kind, organisation_id, case_id, onward_referral_id from (\
         select patient_id, case when erased_at is null then 'person' else 'erased' end as kind, \
         cast(null as uuid) as organisation_id, cast(null as uuid) as case_id, \
         cast(null as uuid) as onward_referral_id, cast(null as text) as state, erased_at as updated_at, 0 as part \
         from patient where programme_key = $1 and patient_id = {} \
         union all select *, 1 from ({}) h union all select *, 1 from ({}) p union all select *, 1 from ({}) s) rel \
         order by part, {} desc, kind, organisation_id, case_id, onward_referral_id",
        key.person(),
        part(LinkKind::Holds, key, engine, Rows::All),
        part(LinkKind::Prescribed, key, engine, Rows::All),
        part(LinkKind::SharedWith, key, engine, Rows::All),
        engine.time_key("updated_at"),
    )
}

/// patient, kind, organisation, case, onward referral.
type FactRow = (Uuid, String, Option<Uuid>, Option<Uuid>, Option<Uuid>);

/// The relationship facts of one person at `at` (no audit entry: ids and organisation links
/// only). [`StoreError::NotFound`] if the person is not in the scope's programme.
pub async fn of_person(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    patient: PatientId,
    at: OffsetDateTime,
) -> StoreResult<PersonRelations> {
    Ok(facts(tx, scope, Key::Person, patient.as_uuid(), at).await?.1)
}

/// The person a case belongs to and their relationship facts at `at`, in one statement.
/// [`StoreError::NotFound`] if the case is not in the scope's programme.
pub async fn of_case(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    case: CaseId,
    at: OffsetDateTime,
) -> StoreResult<(PatientId, PersonRelations)> {
    facts(tx, scope, Key::PersonOfCase, case.as_uuid(), at).await
}

/// The link facility a case's referral lies with (`referral.link_facility_id`), as
/// [`case_holder`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldingFacility {
    /// Its id.
    pub id: OrganisationId,
    /// Its name.
    pub name: String,
    /// Its phone number, where it has one.
    pub phone: Option<String>,
}

/// The person a case belongs to, whether they were erased, and the facility holding the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHolder {
    /// The person.
    pub patient: PatientId,
    /// Erased (anonymised): nothing about them may be shown.
    pub erased: bool,
    /// The facility the case's referral lies with (`None` for a case without a referral).
    pub facility: Option<HoldingFacility>,
}

/// The person, erased or not, and the facility's id, name and phone.
type HolderRow = (Uuid, bool, Option<Uuid>, Option<String>, Option<String>);

/// The person a case belongs to, whether they were erased, and the link facility its referral
/// lies with now, with that facility's name and phone, in one statement of a few index reads
/// (no audit entry: ids and an organisation only). For a page about one onward referral (the
/// provider's signed link), which needs these and not the person's whole set of facts that
/// [`of_case`] reads. It is not one of the rules above: it says which facility sent the case,
/// not who may see it (a closed referral is still "held" here when the person has an open one
/// elsewhere). [`StoreError::NotFound`] if the case is not in the scope's programme.
pub async fn case_holder(tx: &mut Tx, scope: &ProgrammeScope, case: CaseId) -> StoreResult<CaseHolder> {
    let programme = tx.programme_key(scope.programme()).await?;
    // One referral per case by convention (the use cases open a new case for a re-referral;
    // no constraint enforces it): the order only makes the row chosen definite should there
    // ever be two.
    let order = tx.engine().time_key("r.issued_at");
    let row: Option<HolderRow> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select k.patient_id, t.erased_at is not null, r.link_facility_id, o.name, o.phone from case_file k \
         join patient t on t.programme_key = k.programme_key and t.patient_id = k.patient_id \
         left join referral r on r.programme_key = k.programme_key and r.case_id = k.case_id \
         left join organisation o on o.programme_key = r.programme_key and o.organisation_id = r.link_facility_id \
         and o.kind = 'link_facility' \
         where k.programme_key = $1 and k.case_id = $2 order by {order}, r.referral_id limit 1"
    ))
    .bind(programme)
    .bind(case.as_uuid())
    .fetch_optional(c)
    .await)?;
    let (patient, erased, facility, name, phone) = row.ok_or(StoreError::NotFound { kind: "case" })?;
    let facility = match (facility, name) {
        (Some(id), Some(name)) => Some(HoldingFacility {
            id: OrganisationId::from_uuid(id),
            name,
            phone,
        }),
        _ => None,
    };
    Ok(CaseHolder {
        patient: PatientId::from_uuid(patient),
        erased,
        facility,
    })
}

async fn facts(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    key: Key,
    id: Uuid,
    at: OffsetDateTime,
) -> StoreResult<(PatientId, PersonRelations)> {
    let programme = tx.programme_key(scope.programme()).await?;
    let sql = person_sql(key, tx.engine());
    let rows: Vec<FactRow> = on_conn!(tx, c => sqlx::query_as(&sql)
        .bind(programme)
        .bind(at)
        .bind(id)
        .fetch_all(c)
        .await)?;
    let mut rows = rows.into_iter();
    let (patient, erased) = match rows.next() {
        Some((patient, kind, ..)) if kind == "person" => (patient, false),
        Some((patient, kind, ..)) if kind == "erased" => (patient, true),
        _ => return Err(StoreError::NotFound { kind: "patient" }),
    };
    let mut links = Vec::with_capacity(rows.len());
    for (_, kind, organisation, case, onward) in rows {
        let organisation =
            organisation.ok_or_else(|| StoreError::Corrupt(format!("a {kind} link without an organisation")))?;
        let link = Link {
            kind: kind_from_code(&kind)?,
            organisation: OrganisationId::from_uuid(organisation),
            case: case.map(CaseId::from_uuid),
            onward_referral: onward.map(OnwardReferralId::from_uuid),
        };
        if !links.contains(&link) {
            links.push(link);
        }
    }
    Ok((PatientId::from_uuid(patient), PersonRelations { links, erased }))
}
