//! API clients: defined, listed and revoked by the operator (`lotse api-client …`, audited as
//! `system:admin`), and the bearer check the API runs on every request.
//!
//! A token is `lotse_` and 64 hex digits (32 random bytes), printed once; the database keeps
//! only its SHA-256, like a session's. A client is a [`Principal`] of its own: it acts under a
//! membership (role, organisation) limited by scopes; its reads and writes are audited as
//! `client:<id>`.

use lotse_domain::actor::{ProgrammeScope, SystemJob};
use lotse_domain::api_client::{self, ApiScope};
use lotse_domain::audit::{AuditAction, AuditPurpose, ObjectKind};
use lotse_domain::id::{ApiClientId, OrganisationId};
use lotse_domain::programme::ProgrammeSlug;
use lotse_domain::user::Role;
use lotse_store::api_client::ApiClientLine;
use lotse_store::audit::Access;
use lotse_store::{Db, StoreError};
use uuid::Uuid;

use crate::admin::AdminError;
use crate::auth::token_hash;
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::jobs::JobToken;
use crate::principal::Principal;

/// What `lotse api-client add` asks for.
#[derive(Debug)]
pub struct NewApiClient<'a> {
    /// Programme slug.
    pub programme: &'a str,
    /// The client's name (unique in the programme).
    pub name: &'a str,
    /// The role it acts in.
    pub role: Role,
    /// The organisation it acts for (exact name), for organisation roles.
    pub organisation: Option<&'a str>,
    /// Scope codes, comma- or space-separated.
    pub scopes: &'a str,
}

/// A new client: its id and its token (shown once, never stored).
#[derive(Debug)]
pub struct IssuedClient {
    /// The id (audit entries name it as `client:<id>`).
    pub id: ApiClientId,
    /// The bearer token.
    pub token: String,
    /// The scopes granted.
    pub scopes: Vec<ApiScope>,
}

/// Roles that act for an organisation (their worklist and records are the organisation's).
const fn acts_for_organisation(role: Role) -> bool {
    matches!(role, Role::Prescriber | Role::LinkWorker | Role::OfferProvider)
}

async fn programme_scope(db: &Db, job: &JobToken, slug: &str) -> Result<ProgrammeScope, AdminError> {
    let parsed = ProgrammeSlug::parse(slug).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let programme = lotse_store::programme::find_by_slug(db, &parsed)
        .await?
        .ok_or_else(|| AdminError::UnknownProgramme(slug.to_owned()))?;
    Ok(job.scope(programme.id))
}

fn admin_access(clock: &dyn Clock) -> Access {
    Access {
        at: clock.now(),
        purpose: AuditPurpose::Administration,
    }
}

/// Defines a client and returns its token (audited as `create` on `api_client`). Every input is
/// checked before anything is written; a scope the role may never use is refused.
pub async fn add(db: &Db, clock: &dyn Clock, new: &NewApiClient<'_>) -> Result<IssuedClient, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let name = api_client::parse_name(new.name).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let scopes = api_client::parse_scopes(new.role, new.scopes).map_err(|e| AdminError::Invalid(e.to_string()))?;
    match (acts_for_organisation(new.role), new.organisation) {
        (true, None) => {
            return Err(AdminError::Invalid(format!(
                "the role {} acts for an organisation: give --organisation NAME",
                new.role.code()
            )));
        }
        (false, Some(_)) => {
            return Err(AdminError::Invalid(format!(
                "the role {} is programme-wide: leave out --organisation",
                new.role.code()
            )));
        }
        _ => {}
    }
    let scope = programme_scope(db, &job, new.programme).await?;
    let mut tx = db.begin().await?;
    let organisation: Option<OrganisationId> = match new.organisation {
        None => None,
        Some(org) => {
            let found = lotse_store::directory::find_organisations_by_name(&mut tx, &scope, org).await?;
            match found.as_slice() {
                [one] => Some(*one),
                [] => return Err(AdminError::UnknownOrganisation(org.to_owned())),
                many => return Err(AdminError::AmbiguousOrganisation(many.len(), org.to_owned())),
            }
        }
    };
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = format!("lotse_{}", hex::encode(bytes));
    let id = ApiClientId::from_uuid(Uuid::new_v4());
    let line = ApiClientLine {
        id,
        name: name.clone(),
        role: new.role,
        organisation,
        scopes: scopes.clone(),
        created_at: clock.now(),
        revoked_at: None,
    };
    lotse_store::api_client::insert(&mut tx, &scope, &token_hash(&token), &line)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { .. } => {
                AdminError::Invalid(format!("an API client named {name:?} exists in this programme already"))
            }
            other => AdminError::Store(other),
        })?;
    lotse_store::audit::record(
        &mut tx,
        &scope,
        admin_access(clock),
        AuditAction::Create,
        ObjectKind::ApiClient,
        [id.as_uuid()],
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedClient { id, token, scopes })
}

/// The programme's clients, live and revoked, by name.
pub async fn list(db: &Db, programme: &str) -> Result<Vec<ApiClientLine>, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let scope = programme_scope(db, &job, programme).await?;
    Ok(lotse_store::api_client::list(db, &scope).await?)
}

/// Revokes a live client by name (audited as `update` on `api_client`); its token stops working
/// at once.
pub async fn revoke(db: &Db, clock: &dyn Clock, programme: &str, name: &str) -> Result<ApiClientId, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let scope = programme_scope(db, &job, programme).await?;
    let mut tx = db.begin().await?;
    let Some(id) = lotse_store::api_client::revoke(&mut tx, &scope, name, clock.now()).await? else {
        return Err(AdminError::Invalid(format!(
            "no live API client named {name:?} in {programme}: `lotse api-client list --programme {programme}` shows them"
        )));
    };
    lotse_store::audit::record(
        &mut tx,
        &scope,
        admin_access(clock),
        AuditAction::Update,
        ObjectKind::ApiClient,
        [id.as_uuid()],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The live client behind a bearer token as a principal (audited as `client:<id>`), or `None`
/// (unknown or revoked).
pub async fn authenticate(db: &impl Handle, token: &str) -> Result<Option<Principal>, StoreFailure> {
    let db = handle::store(db);
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    Ok(lotse_store::api_client::find_live(db, &token_hash(token))
        .await?
        .map(Principal::api_client))
}
