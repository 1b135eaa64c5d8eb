//! Data-subject rights and the audit views, for coordinators: find a person by prescription
//! code, see who touched their data, export it (GDPR Art. 15), erase it by anonymisation
//! (Art. 17); see what one user touched. And the retention job.

use std::collections::HashMap;

use lotse_domain::actor::{ProgrammeScope, SystemJob};
use lotse_domain::audit::{AuditAction, AuditEntry, AuditPurpose, ObjectKind, RequestReference};
use lotse_domain::id::{ApiClientId, CaseId, PatientId, UserId};
use lotse_domain::policy::{AccountRelations, Action, Decision, Subject};
use lotse_domain::prescription::PrescriptionCode;
use lotse_domain::user::User;
use lotse_store::audit::Access;
use lotse_store::record::{self, OnwardLine, PrescriptionLine, Profile, ReferralLine, ResponseLine};
use lotse_store::{Db, StoreError, Tx};
use serde::Serialize;
use time::OffsetDateTime;

use crate::access::{AccessError, access, deny, relations_of};
use crate::clock::Clock;
use crate::handle::{self, Handle};
use crate::jobs::JobToken;
use crate::principal::Principal;

/// How many audit entries a view shows.
pub const AUDIT_VIEW_LIMIT: usize = 500;

/// Finds a person by a prescription code (coordinator, for a data-subject request). Every
/// search is audited (`search` on the programme, without the code), found or not, and the
/// person found as a read of that person.
pub async fn find_person(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    code: &str,
) -> Result<PatientId, AccessError> {
    let db = handle::store(db);
    let decision = principal.decide(Action::SearchPeople, Subject::Programme(principal.scope().programme()));
    if !decision.is_allowed() {
        return Err(AccessError::NotFound);
    }
    let parsed = PrescriptionCode::parse(code);
    let mut tx = db.begin_read().await?;
    let found = match &parsed {
        Ok(code) => record::find_by_code(&mut tx, principal.scope(), &code.compact()).await?,
        Err(_) => None,
    };
    let access = access(clock, AuditPurpose::DataProtection);
    let programme = principal.scope().programme().as_uuid();
    lotse_store::audit::record(
        &mut tx,
        principal.scope(),
        access,
        AuditAction::Search,
        ObjectKind::Programme,
        [programme],
    )
    .await?;
    if let Some((patient, _)) = found {
        lotse_store::audit::record(
            &mut tx,
            principal.scope(),
            access,
            AuditAction::Read,
            ObjectKind::Patient,
            [patient.as_uuid()],
        )
        .await?;
    }
    tx.commit().await?;
    parsed.map_err(|e| AccessError::Invalid(e.to_string()))?;
    found.map(|(patient, _)| patient).ok_or(AccessError::NotFound)
}

/// A person as a coordinator sees them: derived attributes and the audit trail, no identity.
#[derive(Debug, Clone)]
pub struct PersonOverview {
    /// The person.
    pub patient: PatientId,
    /// Derived attributes.
    pub profile: Profile,
    /// Who read or changed their data, newest first.
    pub audit: Vec<AuditEntry>,
    /// Display names of the users among the actors, by actor reference (`user:<id>`).
    pub actors: HashMap<String, String>,
}

/// The coordinator's page about a person (erased people included: their trail stays).
pub async fn person_overview(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    patient: PatientId,
) -> Result<PersonOverview, AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let mut tx = open_person_any(db.begin_read().await?, principal, Action::ViewPersonAudit, patient, now).await?;
    let profile = record::profile(
        &mut tx,
        principal.scope(),
        access(clock, AuditPurpose::DataProtection),
        patient,
    )
    .await?;
    let objects = record::object_ids(&mut tx, principal.scope(), patient).await?;
    let audit = lotse_store::audit::list_for_objects(&mut tx, principal.scope(), &objects, AUDIT_VIEW_LIMIT).await?;
    tx.commit().await?;
    let actors = actor_names(db, &audit).await?;
    Ok(PersonOverview {
        patient,
        profile,
        audit,
        actors,
    })
}

/// The user accounts among the actors of some audit entries, by actor reference (`user:<id>`).
async fn users_among(db: &Db, entries: &[AuditEntry]) -> Result<HashMap<String, User>, StoreError> {
    let mut users = HashMap::new();
    for entry in entries {
        let actor = &entry.entry.actor;
        if users.contains_key(actor) {
            continue;
        }
        let Some(id) = actor
            .strip_prefix("user:")
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
        else {
            continue;
        };
        match lotse_store::user::get(db, UserId::from_uuid(id)).await {
            Ok(u) => {
                users.insert(actor.clone(), u);
            }
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(users)
}

/// Display names of the staff among the actors (staff names are not the person's data).
async fn actor_names(db: &Db, entries: &[AuditEntry]) -> Result<HashMap<String, String>, StoreError> {
    Ok(users_among(db, entries)
        .await?
        .into_iter()
        .map(|(actor, user)| (actor, user.display_name().to_owned()))
        .collect())
}

/// Checks, in `tx` (a read transaction to view, a write transaction to change), an
/// administrative action about a person, as the policy decides (an erased person is still a
/// subject of administration: their audit trail and export remain).
async fn open_person_any(
    mut tx: Tx,
    principal: &Principal,
    action: Action,
    patient: PatientId,
    at: OffsetDateTime,
) -> Result<Tx, AccessError> {
    let Some(relations) = relations_of(&mut tx, principal, patient, at).await? else {
        return Err(deny(tx, principal, at, ObjectKind::Patient, patient.as_uuid()).await);
    };
    match principal.decide(action, Subject::Person(principal.scope().programme(), &relations)) {
        Decision::Allow(_) => Ok(tx),
        Decision::Deny(_) => Err(deny(tx, principal, at, ObjectKind::Patient, patient.as_uuid()).await),
    }
}

/// What one user read and changed in the coordinator's programme.
pub async fn user_audit(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    target: UserId,
) -> Result<(User, Vec<AuditEntry>), AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let target_user = match lotse_store::user::get(db, target).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let allowed = |u: &User| {
        let account = AccountRelations::of(u);
        principal
            .decide(
                Action::ViewUserAudit,
                Subject::User(principal.scope().programme(), &account),
            )
            .is_allowed()
    };
    let Some(target_user) = target_user.filter(allowed) else {
        return Err(deny(
            db.begin_read().await?,
            principal,
            now,
            ObjectKind::User,
            target.as_uuid(),
        )
        .await);
    };
    let mut tx = db.begin_read().await?;
    let limit = i64::try_from(AUDIT_VIEW_LIMIT).unwrap_or(i64::MAX);
    let entries =
        lotse_store::audit::list_for_actor(&mut tx, principal.scope(), &format!("user:{target}"), limit).await?;
    lotse_store::audit::record_user(
        &mut tx,
        principal.scope(),
        access(clock, AuditPurpose::DataProtection),
        AuditAction::Read,
        target,
    )
    .await?;
    tx.commit().await?;
    Ok((target_user, entries))
}

/// A consent in an export.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentLine {
    /// Purpose code.
    pub purpose: &'static str,
    /// The onward referral it covers (sharing with a provider).
    pub onward_referral: Option<String>,
    /// Consent text version.
    pub text_version: String,
    /// Language of the text.
    pub language: String,
    /// Who gave it.
    pub given_by: &'static str,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub given_at: OffsetDateTime,
    /// When withdrawn.
    #[serde(with = "time::serde::rfc3339::option")]
    pub withdrawn_at: Option<OffsetDateTime>,
}

/// An access entry in an export: which role's user did what, when, why.
#[derive(Debug, Clone, Serialize)]
pub struct AccessLine {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `user:<id>` or `system:<job>`.
    pub actor: String,
    /// Who that is, as the person may learn it: role and organisation (no staff names).
    pub recipient: String,
    /// Action code.
    pub action: String,
    /// What kind of record.
    pub object_kind: String,
    /// Purpose code.
    pub purpose: String,
}

/// Identity as exported.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityLine {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Birth date (ISO 8601).
    pub birth_date: String,
    /// Phone.
    pub phone: Option<String>,
}

/// A conversation note as exported (the writer's name is left out: it is the writer's data).
#[derive(Debug, Clone, Serialize)]
pub struct NoteLine {
    /// The case it belongs to.
    pub case_id: String,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    pub written_at: OffsetDateTime,
    /// The text.
    pub text: String,
    /// The day of the next conversation it named (ISO 8601).
    pub follow_up_on: Option<String>,
}

/// One version of an action plan as exported.
#[derive(Debug, Clone, Serialize)]
pub struct PlanLine {
    /// The case it belongs to.
    pub case_id: String,
    /// The version (1 for the first).
    pub version: i64,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    pub written_at: OffsetDateTime,
    /// Goals, milestones, obstacles and the review date.
    pub content: lotse_domain::action_plan::ActionPlanContent,
}

/// A case's search profile as exported.
#[derive(Debug, Clone, Serialize)]
pub struct SearchProfileLine {
    /// The case it belongs to.
    pub case_id: String,
    /// Its version.
    pub version: i64,
    /// Interests, travel distance, accessibility needed, cost limit, free times.
    pub profile: lotse_domain::search_profile::SearchProfile,
}

/// Everything Lotse holds about a person, for a data-subject access request.
#[derive(Debug, Clone, Serialize)]
pub struct PersonExport {
    /// Format marker.
    pub format: &'static str,
    /// The programme's name.
    pub programme: String,
    /// When exported.
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    /// The person's pseudonymous id.
    pub person_id: String,
    /// Identity (blank after erasure).
    pub identity: IdentityLine,
    /// Derived attributes.
    pub profile: Profile,
    /// Prescriptions.
    pub prescriptions: Vec<PrescriptionLine>,
    /// Referrals.
    pub referrals: Vec<ReferralLine>,
    /// Onward referrals.
    pub onward_referrals: Vec<OnwardLine>,
    /// Consents.
    pub consents: Vec<ConsentLine>,
    /// Questionnaire responses.
    pub questionnaire_responses: Vec<ResponseLine>,
    /// Conversation notes, opened, newest first per case.
    pub notes: Vec<NoteLine>,
    /// Every version of every action plan, opened, newest first per case.
    pub action_plans: Vec<PlanLine>,
    /// The search profile of each case that has one, opened.
    pub search_profiles: Vec<SearchProfileLine>,
    /// Who accessed the data (GDPR Art. 15(1)(c): recipients), newest first.
    pub accesses: Vec<AccessLine>,
}

/// Exports a person's data on the request `reference` (audited as `export` with the
/// reference, plus a read of each record).
pub async fn export(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    patient: PatientId,
    reference: &RequestReference,
) -> Result<PersonExport, AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    let programme = lotse_store::programme::get(db, principal.scope().programme()).await?;
    let mut tx = open_person_any(
        db.begin_read().await?,
        principal,
        Action::ExportPersonData,
        patient,
        now,
    )
    .await?;
    let scope = principal.scope();
    let access = access(clock, AuditPurpose::DataProtection);
    let identity = lotse_store::person::get_identity(&mut tx, scope, access, patient).await?;
    let profile = record::profile(&mut tx, scope, access, patient).await?;
    let mut prescriptions = record::prescriptions(&mut tx, scope, access, patient).await?;
    let ids: Vec<uuid::Uuid> = prescriptions.iter().map(|p| p.id).collect();
    for (id, reason) in record::prescription_reasons(&mut tx, scope, &ids).await? {
        if let Some(line) = prescriptions.iter_mut().find(|p| p.id == id) {
            line.reason = Some(reason);
        }
    }
    let referrals = record::referrals(&mut tx, scope, access, patient).await?;
    let onward_referrals = record::onward_referrals(&mut tx, scope, access, patient, None).await?;
    let consents = record::consents(&mut tx, scope, access, patient).await?;
    let questionnaire_responses = record::responses(&mut tx, scope, access, patient).await?;
    let objects = record::object_ids(&mut tx, scope, patient).await?;
    let (mut notes, mut action_plans, mut search_profiles) = (Vec::new(), Vec::new(), Vec::new());
    for case in objects
        .iter()
        .filter(|(kind, _)| *kind == ObjectKind::Case)
        .map(|(_, id)| CaseId::from_uuid(*id))
    {
        for n in lotse_store::note::of_case(&mut tx, scope, access, case).await? {
            notes.push(NoteLine {
                case_id: case.to_string(),
                written_at: n.written_at,
                text: n.body,
                follow_up_on: n.follow_up_on.map(|d| d.to_string()),
            });
        }
        for p in lotse_store::action_plan::versions(&mut tx, scope, access, case).await? {
            action_plans.push(PlanLine {
                case_id: case.to_string(),
                version: p.version,
                written_at: p.written_at,
                content: p.content,
            });
        }
        if let Some((profile, version)) = lotse_store::search_profile::get(&mut tx, scope, access, case).await? {
            search_profiles.push(SearchProfileLine {
                case_id: case.to_string(),
                version,
                profile,
            });
        }
    }
    let accesses = lotse_store::audit::list_for_objects(&mut tx, scope, &objects, usize::MAX).await?;
    let recipients = recipients(db, &mut tx, scope, &accesses).await?;
    lotse_store::audit::record_referenced(
        &mut tx,
        scope,
        access,
        AuditAction::Export,
        ObjectKind::Patient,
        patient.as_uuid(),
        Some(reference),
    )
    .await?;
    tx.commit().await?;
    Ok(PersonExport {
        format: "lotse-person-export/1",
        programme: programme.name,
        exported_at: now,
        person_id: patient.to_string(),
        identity: IdentityLine {
            given_name: identity.given_name,
            family_name: identity.family_name,
            birth_date: identity.birth_date.to_string(),
            phone: identity.phone,
        },
        profile,
        prescriptions,
        referrals,
        onward_referrals,
        consents: consents
            .into_iter()
            .map(|c| ConsentLine {
                purpose: c.purpose.code(),
                onward_referral: c.onward_referral.map(|o| o.to_string()),
                text_version: c.text_version,
                language: c.language,
                given_by: c.given_by.code(),
                given_at: c.given_at,
                withdrawn_at: c.withdrawn_at,
            })
            .collect(),
        questionnaire_responses,
        notes,
        action_plans,
        search_profiles,
        accesses: accesses
            .into_iter()
            .map(|e| AccessLine {
                at: e.entry.at,
                recipient: recipients
                    .get(&e.entry.actor)
                    .cloned()
                    .unwrap_or_else(|| e.entry.actor.clone()),
                actor: e.entry.actor,
                action: e.entry.action,
                object_kind: e.entry.object_kind,
                purpose: e.entry.purpose,
            })
            .collect(),
    })
}

/// For each user among the actors: their role code and organisation in this programme
/// (`link-worker · zentrum plus Bilk`); system jobs stay `system:<job>`.
async fn recipients(
    db: &Db,
    tx: &mut Tx,
    scope: &ProgrammeScope,
    entries: &[AuditEntry],
) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::new();
    for (actor, user) in users_among(db, entries).await? {
        let Some(membership) = user.memberships().iter().find(|m| m.programme() == scope.programme()) else {
            continue;
        };
        let organisation = match membership.organisation() {
            Some(org) => Some(lotse_store::directory::get_organisation(tx, scope, org).await?.0),
            None => None,
        };
        let role = membership.role().code();
        out.insert(
            actor,
            organisation.map_or_else(|| role.to_owned(), |name| format!("{role} · {name}")),
        );
    }
    // API clients: their role and organisation too, marked as an API client (no client name:
    // the person learns who received the data, as for staff).
    for entry in entries {
        let actor = &entry.entry.actor;
        if out.contains_key(actor) {
            continue;
        }
        let Some(id) = actor
            .strip_prefix("client:")
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
        else {
            continue;
        };
        let Some(client) = lotse_store::api_client::get(db, scope, ApiClientId::from_uuid(id)).await? else {
            continue;
        };
        let organisation = match client.organisation {
            Some(org) => Some(lotse_store::directory::get_organisation(tx, scope, org).await?.0),
            None => None,
        };
        let role = client.role.code();
        out.insert(
            actor.clone(),
            organisation.map_or_else(
                || format!("{role} (API client)"),
                |name| format!("{role} · {name} (API client)"),
            ),
        );
    }
    Ok(out)
}

/// A fresh random prescription code, replacing one that could identify an erased person.
fn fresh_code() -> String {
    let mut values = [0u32; lotse_domain::prescription::CODE_DATA_LEN];
    for v in &mut values {
        *v = rand::random_range(0..29);
    }
    PrescriptionCode::from_values(values).compact()
}

/// Erases a person by anonymisation on the request `reference` (see [`record::erase`]; the
/// `erase` entry records the reference). Returns false if already erased.
pub async fn erase(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    patient: PatientId,
    reference: &RequestReference,
) -> Result<bool, AccessError> {
    let db = handle::store(db);
    let now = clock.now();
    // Erasing twice is allowed and changes nothing (answers false).
    let mut tx = open_person_any(db.begin().await?, principal, Action::ErasePerson, patient, now).await?;
    let erased = record::erase(
        &mut tx,
        principal.scope(),
        access(clock, AuditPurpose::DataProtection),
        patient,
        &mut fresh_code,
        Some(reference),
    )
    .await?;
    tx.commit().await?;
    Ok(erased)
}

/// What the retention job did in one programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionReport {
    /// The programme's slug.
    pub programme: String,
    /// Its retention period.
    pub retention_days: u32,
    /// People anonymised now.
    pub erased: usize,
}

/// Anonymises, in every programme, the people whose referrals have all been closed for longer
/// than the programme's retention period. Runs as `system:retention`; one transaction per
/// programme, so a failure leaves each programme either done or untouched.
pub async fn run_retention(db: &Db, clock: &dyn Clock) -> Result<Vec<RetentionReport>, StoreError> {
    let job = JobToken::start_job(SystemJob::Retention);
    let now = clock.now();
    let mut reports = Vec::new();
    for programme in lotse_store::programme::list(db).await? {
        let scope = job.scope(programme.id);
        let cutoff = now - time::Duration::days(i64::from(programme.retention_days));
        let mut tx = db.begin().await?;
        let due = record::retention_due(&mut tx, &scope, cutoff).await?;
        let access = Access {
            at: now,
            purpose: AuditPurpose::Retention,
        };
        let mut erased = 0;
        for patient in due {
            if record::erase(&mut tx, &scope, access, patient, &mut fresh_code, None).await? {
                erased += 1;
            }
        }
        tx.commit().await?;
        reports.push(RetentionReport {
            programme: programme.slug.as_str().to_owned(),
            retention_days: programme.retention_days,
            erased,
        });
    }
    Ok(reports)
}
