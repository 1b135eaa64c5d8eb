//! A coordinator's settings of the programme's link work (`Action::ManageProgramme`): the
//! holiday calendar the link workers' due dates skip, the deadlines of their next actions in
//! working days, and the failed contact attempts before a person may be marked unreachable;
//! beside them, the licensed questionnaire wordings the programme imported (read only). And
//! the programme's link facilities: adding one, and changing one's name, area (its place for
//! the prescription form's suggestion), target groups and public contact details (printed on
//! the prescription sheet).
//! The operator changes the same settings with `lotse programme set` ([`crate::admin`]).
//!
//! A change of the link work is one transaction: the programme at the version the coordinator read (else
//! [`SettingsError::Conflict`] with the settings stored now), the next actions of its open
//! referrals computed again where a due date can move (`lotse_store::programme::update_link_work`),
//! and an `update` audit entry about the programme. Every field is checked before anything is
//! written. A facility is changed the same way at its own version (else
//! [`SettingsError::FacilityConflict`] with the facility as stored now). Anyone else is refused
//! as [`SettingsError::NotFound`] and audited as `access_denied` on the programme.

use lotse_domain::audit::{AuditAction, AuditPurpose, ObjectKind};
use lotse_domain::field::FieldError;
use lotse_domain::id::{AreaId, OrganisationId};
use lotse_domain::organisation::{FacilityDetails, FacilityInput};
use lotse_domain::policy::{Action, Subject};
use lotse_domain::programme::Programme;
use lotse_domain::programme_settings::{LinkWorkInput, LinkWorkSettings};
use lotse_store::StoreError;

use crate::access::{AccessError, access, deny};
use crate::clock::Clock;
use crate::error::StoreFailure;
use crate::handle::{self, Handle};
use crate::principal::Principal;

/// Why the settings were not shown or changed (nothing was written, except the audit of a
/// denial).
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The principal may not change the programme's settings (answered as not found).
    #[error("not found")]
    NotFound,
    /// Fields are wrong; each is named.
    #[error("{} fields are wrong", .0.len())]
    Invalid(Vec<FieldError>),
    /// The version given is not a version (below 1).
    #[error("the version must be 1 or more")]
    BadVersion,
    /// The settings were changed since they were read; these are stored now.
    #[error("the settings were changed meanwhile (now version {current_version})")]
    Conflict {
        /// The settings stored now.
        current: LinkWorkSettings,
        /// Their version.
        current_version: i64,
    },
    /// The link facility was changed since it was read; this is it now.
    #[error("the facility was changed meanwhile (now version {})", .0.version)]
    FacilityConflict(Box<Facility>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreFailure),
}

impl From<StoreError> for SettingsError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

/// The programme's link-work settings as its coordinator sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsView {
    /// The settings.
    pub settings: LinkWorkSettings,
    /// Their version (send it back with a change).
    pub version: i64,
    /// The licensed questionnaire wordings the programme imported (`lotse import instrument`).
    pub wordings: Vec<ImportedWording>,
}

/// A licensed questionnaire wording the programme imported: which instrument, in which
/// language, from which source (as imported), when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedWording {
    /// The instrument.
    pub instrument: lotse_domain::questionnaire::Instrument,
    /// The wording's language (a primary subtag).
    pub language: String,
    /// Where the wording comes from.
    pub source: String,
    /// When it was imported.
    pub imported_at: time::OffsetDateTime,
}

/// Whether the principal may manage the programme; a refusal is audited.
async fn authorize(db: &lotse_store::Db, clock: &dyn Clock, principal: &Principal) -> Result<(), SettingsError> {
    let programme = principal.scope().programme();
    if principal
        .decide(Action::ManageProgramme, Subject::Programme(programme))
        .is_allowed()
    {
        return Ok(());
    }
    let tx = db.begin().await?;
    match deny(tx, principal, clock.now(), ObjectKind::Programme, programme.as_uuid()).await {
        AccessError::Store(e) => Err(SettingsError::Store(e)),
        _ => Err(SettingsError::NotFound),
    }
}

/// The settings now, for the settings page.
pub async fn settings(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
) -> Result<SettingsView, SettingsError> {
    let db = handle::store(db);
    authorize(db, clock, principal).await?;
    let id = principal.scope().programme();
    let version = lotse_store::programme::version(db, id).await?;
    let programme = lotse_store::programme::get(db, id).await?;
    let mut tx = db.begin_read().await?;
    let wordings = lotse_store::wording::list(&mut tx, principal.scope())
        .await?
        .into_iter()
        .map(|w| ImportedWording {
            instrument: w.instrument,
            language: w.language,
            source: w.source,
            imported_at: w.imported_at,
        })
        .collect();
    tx.commit().await?;
    Ok(SettingsView {
        settings: LinkWorkSettings::of(&programme),
        version,
        wordings,
    })
}

/// Changes the settings from the fields as typed, at the version they were read at. Returns
/// the programme as stored.
pub async fn update(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    version: i64,
    input: &LinkWorkInput<'_>,
) -> Result<Programme, SettingsError> {
    let db = handle::store(db);
    authorize(db, clock, principal).await?;
    if version < 1 {
        return Err(SettingsError::BadVersion);
    }
    let settings = LinkWorkSettings::parse(input).map_err(SettingsError::Invalid)?;
    let id = principal.scope().programme();
    let mut tx = db.begin().await?;
    match lotse_store::programme::update_link_work(&mut tx, id, &settings, version).await {
        Ok(()) => {}
        Err(StoreError::Conflict { current_version, .. }) => {
            // Dropping the transaction rolls it back.
            drop(tx);
            let current = LinkWorkSettings::of(&lotse_store::programme::get(db, id).await?);
            return Err(SettingsError::Conflict {
                current,
                current_version,
            });
        }
        Err(other) => return Err(other.into()),
    }
    record_update(&mut tx, clock, principal).await?;
    tx.commit().await?;
    Ok(lotse_store::programme::get(db, id).await?)
}

/// The programme's link facilities as their coordinator sees them, with the areas to place
/// them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilitiesView {
    /// The link facilities, by name.
    pub facilities: Vec<Facility>,
    /// The programme's areas (id, name), by name.
    pub areas: Vec<(AreaId, String)>,
}

/// One link facility: its details and the version to send back with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facility {
    /// Its id.
    pub id: OrganisationId,
    /// Its details.
    pub details: FacilityDetails,
    /// Its version.
    pub version: i64,
}

/// The areas of the programme, (id, name) by name.
async fn areas(tx: &mut lotse_store::Tx, principal: &Principal) -> Result<Vec<(AreaId, String)>, SettingsError> {
    let mut areas: Vec<(AreaId, String)> = lotse_store::directory::list_areas(tx, principal.scope())
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    areas.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    Ok(areas)
}

/// The link facilities and the areas, for the facilities page.
pub async fn facilities(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
) -> Result<FacilitiesView, SettingsError> {
    let db = handle::store(db);
    authorize(db, clock, principal).await?;
    let mut tx = db.begin_read().await?;
    let facilities = lotse_store::facility::list(&mut tx, principal.scope())
        .await?
        .into_iter()
        .map(|f| Facility {
            id: f.id,
            details: f.details,
            version: f.version,
        })
        .collect();
    let areas = areas(&mut tx, principal).await?;
    tx.commit().await?;
    Ok(FacilitiesView { facilities, areas })
}

/// Checks a facility's fields in `tx`: the areas of the programme, and the names of its other
/// organisations (all kinds: a name identifies an organisation in `lotse user add`).
async fn checked(
    tx: &mut lotse_store::Tx,
    principal: &Principal,
    input: &FacilityInput,
    except: Option<OrganisationId>,
) -> Result<FacilityDetails, SettingsError> {
    let area_ids: Vec<AreaId> = areas(tx, principal).await?.into_iter().map(|(id, _)| id).collect();
    let taken: Vec<String> = lotse_store::directory::organisation_names(tx, principal.scope())
        .await?
        .into_iter()
        .filter(|(id, _)| Some(*id) != except)
        .map(|(_, name)| name)
        .collect();
    FacilityDetails::parse(input, &area_ids, &taken).map_err(SettingsError::Invalid)
}

/// Adds a link facility to the programme from the form's fields (checked first; nothing is
/// written if one is wrong). Audited as an update of the programme. Returns its id.
pub async fn add_facility(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    input: &FacilityInput,
) -> Result<OrganisationId, SettingsError> {
    let db = handle::store(db);
    authorize(db, clock, principal).await?;
    let mut tx = db.begin().await?;
    let details = checked(&mut tx, principal, input, None).await?;
    let id = OrganisationId::from_uuid(uuid::Uuid::new_v4());
    lotse_store::facility::insert(&mut tx, principal.scope(), id, &details, clock.now()).await?;
    record_update(&mut tx, clock, principal).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a link facility from the form's fields, at the version read: a facility of another
/// programme (or none) is [`SettingsError::NotFound`]; a stale version
/// [`SettingsError::FacilityConflict`] with the facility as stored now. Audited as an update of
/// the programme.
pub async fn update_facility(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    id: OrganisationId,
    version: i64,
    input: &FacilityInput,
) -> Result<(), SettingsError> {
    let db = handle::store(db);
    authorize(db, clock, principal).await?;
    let mut tx = db.begin().await?;
    let current = lotse_store::facility::get(&mut tx, principal.scope(), id)
        .await?
        .ok_or(SettingsError::NotFound)?;
    if version < 1 {
        return Err(SettingsError::BadVersion);
    }
    let details = checked(&mut tx, principal, input, Some(id)).await?;
    match lotse_store::facility::update(&mut tx, principal.scope(), id, &details, version).await {
        Ok(()) => {}
        Err(StoreError::Conflict { current_version, .. }) => {
            return Err(SettingsError::FacilityConflict(Box::new(Facility {
                id,
                details: current.details,
                version: current_version,
            })));
        }
        Err(StoreError::NotFound { .. }) => return Err(SettingsError::NotFound),
        Err(other) => return Err(other.into()),
    }
    record_update(&mut tx, clock, principal).await?;
    tx.commit().await?;
    Ok(())
}

/// The audit entry of a change: an `update` of the programme by the principal.
async fn record_update(
    tx: &mut lotse_store::Tx,
    clock: &dyn Clock,
    principal: &Principal,
) -> Result<(), SettingsError> {
    let id = principal.scope().programme();
    lotse_store::audit::record(
        tx,
        principal.scope(),
        access(clock, AuditPurpose::Administration),
        AuditAction::Update,
        ObjectKind::Programme,
        [id.as_uuid()],
    )
    .await?;
    Ok(())
}
