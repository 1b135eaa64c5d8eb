//! Installation administration, run by the operator through the CLI as the `system:admin` actor.

use lotse_domain::actor::SystemJob;
use lotse_domain::audit::{AuditAction, AuditPurpose, ObjectKind};
use lotse_domain::checkpoint::Checkpoint;
use lotse_domain::id::{OrganisationId, UserId};
use lotse_domain::programme::ProgrammeSlug;
use lotse_domain::programme_settings::{LinkWorkInput, LinkWorkSettings};
use lotse_domain::user::{NewPassword, Role, Username};
use lotse_store::audit::{Access, ChainReport};
use lotse_store::{Db, StoreError};
use uuid::Uuid;

use crate::clock::Clock;
use crate::jobs::JobToken;
use crate::password;

/// Why an administration command failed; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No programme with that slug.
    #[error("no programme {0:?}: `lotse programme list` shows the programmes")]
    UnknownProgramme(String),
    /// No organisation with that name.
    #[error("no organisation named {0:?} in this programme")]
    UnknownOrganisation(String),
    /// Several organisations share that name.
    #[error("{0} organisations are named {1:?}: make the name unique first")]
    AmbiguousOrganisation(usize, String),
    /// No account with that name.
    #[error("no user {0:?}")]
    UnknownUser(String),
    /// The username is taken.
    #[error("the username {0:?} is taken")]
    UsernameTaken(String),
    /// Invalid input.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `lotse user add` asks for.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// Programme slug.
    pub programme: &'a str,
    /// Login name.
    pub username: &'a str,
    /// Name shown in the UI.
    pub display_name: &'a str,
    /// Initial password.
    pub password: &'a str,
    /// Role in the programme.
    pub role: Role,
    /// Organisation name, for roles that act for one.
    pub organisation: Option<&'a str>,
}

/// Creates an account with one membership (audited in the programme's chain). Nothing is
/// written unless everything is valid.
pub async fn add_user(db: &Db, clock: &dyn Clock, new: &NewUser<'_>) -> Result<UserId, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let slug = ProgrammeSlug::parse(new.programme).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let username = Username::parse(new.username).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let display_name = new.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 120 {
        return Err(AdminError::Invalid("a display name has 1 to 120 characters".into()));
    }
    let password = NewPassword::parse(new.password).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let programme = lotse_store::programme::find_by_slug(db, &slug)
        .await?
        .ok_or_else(|| AdminError::UnknownProgramme(new.programme.to_owned()))?;
    let scope = job.scope(programme.id);
    let hash = password::hash(&password).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let now = clock.now();
    let id = UserId::from_uuid(Uuid::new_v4());
    let mut tx = db.begin().await?;
    let organisation: Option<OrganisationId> = match new.organisation {
        None => None,
        Some(name) => Some(organisation_named(&mut tx, &scope, name).await?),
    };
    lotse_store::user::insert(&mut tx, id, &username, display_name, &hash, now)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { .. } => AdminError::UsernameTaken(username.as_str().to_owned()),
            other => AdminError::Store(other),
        })?;
    lotse_store::user::add_membership(&mut tx, &scope, id, new.role, organisation, now).await?;
    let access = Access {
        at: now,
        purpose: AuditPurpose::Administration,
    };
    lotse_store::audit::record_user(&mut tx, &scope, access, AuditAction::Create, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Verifies every programme's audit chain.
pub async fn verify_audit(db: &Db) -> Result<Vec<(String, ChainReport)>, StoreError> {
    let job = JobToken::start_job(SystemJob::AuditVerify);
    let mut reports = Vec::new();
    for programme in lotse_store::programme::list(db).await? {
        let scope = job.scope(programme.id);
        reports.push((
            programme.slug.as_str().to_owned(),
            lotse_store::audit::verify(db, &scope).await?,
        ));
    }
    Ok(reports)
}

/// One programme's chain, verified against a checkpoint when the file had one for it.
#[derive(Debug)]
pub struct AnchoredReport {
    /// The programme's slug.
    pub slug: String,
    /// The verification (a break includes not extending the checkpoint).
    pub report: ChainReport,
    /// The checkpoint's entry, if the file had a checkpoint for this programme.
    pub checkpoint: Option<i64>,
}

/// Verifies every programme's audit chain and, where `checkpoints` has one for the programme,
/// that the chain still extends it. Also returns the checkpoints whose programme is missing
/// from the database (a whole programme's chain removed).
pub async fn verify_audit_against(
    db: &Db,
    checkpoints: &[Checkpoint],
) -> Result<(Vec<AnchoredReport>, Vec<Checkpoint>), StoreError> {
    let job = JobToken::start_job(SystemJob::AuditVerify);
    let programmes = lotse_store::programme::list(db).await?;
    let mut reports = Vec::new();
    for programme in &programmes {
        let scope = job.scope(programme.id);
        let checkpoint = checkpoints.iter().find(|c| c.programme == programme.id);
        let anchor = checkpoint.map(|c| (c.seq, c.hash.as_str()));
        reports.push(AnchoredReport {
            slug: programme.slug.as_str().to_owned(),
            report: lotse_store::audit::verify_anchored(db, &scope, anchor).await?,
            checkpoint: checkpoint.map(|c| c.seq),
        });
    }
    let missing = checkpoints
        .iter()
        .filter(|c| !programmes.iter().any(|p| p.id == c.programme))
        .cloned()
        .collect();
    Ok((reports, missing))
}

/// A checkpoint of every programme's chain head, to keep outside the database. With
/// `verify_first`, each chain is verified up to that head first, and a broken chain is refused
/// (a checkpoint must never vouch for a broken chain); `lotse serve`'s hourly checkpoints skip
/// that (they only read the heads), since the next verification checks them anyway.
pub async fn audit_checkpoints(db: &Db, clock: &dyn Clock, verify_first: bool) -> Result<Vec<Checkpoint>, AdminError> {
    let job = JobToken::start_job(SystemJob::AuditVerify);
    let mut out = Vec::new();
    for programme in lotse_store::programme::list(db).await? {
        let scope = job.scope(programme.id);
        let (seq, hash) = lotse_store::audit::head(db, &scope).await?;
        if verify_first
            && let Some(broken) = lotse_store::audit::verify_anchored(db, &scope, Some((seq, &hash)))
                .await?
                .broken
        {
            return Err(AdminError::Invalid(format!(
                "{}: the audit chain is broken ({broken}); no checkpoint was taken",
                programme.slug.as_str()
            )));
        }
        out.push(Checkpoint {
            programme: programme.id,
            slug: programme.slug.as_str().to_owned(),
            seq,
            hash,
            at: clock.now(),
        });
    }
    Ok(out)
}

/// Changes a programme's privacy settings (second factor, retention period); the change is
/// audited in the programme's chain and raises the record's version. Nothing is written when a
/// value is out of range.
pub async fn set_privacy(
    db: &Db,
    clock: &dyn Clock,
    programme: &str,
    second_factor_required: Option<bool>,
    retention_days: Option<u32>,
) -> Result<lotse_domain::programme::Programme, AdminError> {
    set_privacy_at(db, clock, programme, None, second_factor_required, retention_days).await
}

/// [`set_privacy`] on the programme as it was at `expected_version` (the version a caller
/// showed; `None`: the version read here). A programme changed meanwhile is refused with
/// [`lotse_store::StoreError::Conflict`] and nothing is changed, never silently overwritten.
pub async fn set_privacy_at(
    db: &Db,
    clock: &dyn Clock,
    programme: &str,
    expected_version: Option<i64>,
    second_factor_required: Option<bool>,
    retention_days: Option<u32>,
) -> Result<lotse_domain::programme::Programme, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let slug = ProgrammeSlug::parse(programme).map_err(|e| AdminError::Invalid(e.to_string()))?;
    if let Some(days) = retention_days
        && !(30..=36_500).contains(&days)
    {
        return Err(AdminError::Invalid(format!(
            "retention is 30 to 36,500 days, got {days}"
        )));
    }
    let found = find_programme(db, &slug).await?;
    // The version is read before the settings it guards: a change in between makes the
    // update below a conflict, never a silent overwrite.
    let expected_version = match expected_version {
        Some(version) => version,
        None => lotse_store::programme::version(db, found.id).await?,
    };
    let mut current = lotse_store::programme::get(db, found.id).await?;
    let turned_on = second_factor_required == Some(true) && !current.second_factor_required;
    current.second_factor_required = second_factor_required.unwrap_or(current.second_factor_required);
    current.retention_days = retention_days.unwrap_or(current.retention_days);
    let scope = job.scope(current.id);
    let members = if turned_on {
        lotse_store::credential::members(db, &scope).await?
    } else {
        Vec::new()
    };
    let now = clock.now();
    let mut tx = db.begin().await?;
    lotse_store::programme::update_privacy(&mut tx, &current, expected_version).await?;
    let access = Access {
        at: now,
        purpose: AuditPurpose::Administration,
    };
    if turned_on {
        // Sessions opened on a password alone end now, not after their 8 hours: every member
        // whose role needs the factor and who has none confirmed signs in again (and sets it up).
        let mut ended = Vec::new();
        for member in &members {
            let needs = Role::from_code(&member.role).is_some_and(lotse_domain::policy::needs_second_factor);
            if needs
                && !member.second_factor
                && lotse_store::session::delete_of_user_in_programme(&mut tx, member.user, current.id).await? > 0
            {
                ended.push(member.user.as_uuid());
            }
        }
        lotse_store::audit::record(
            &mut tx,
            &scope,
            access,
            AuditAction::SessionsRevoked,
            ObjectKind::User,
            ended,
        )
        .await?;
    }
    record_programme_update(&mut tx, &scope, access, current.id).await?;
    tx.commit().await?;
    Ok(current)
}

/// The programme of a slug, or [`AdminError::UnknownProgramme`].
async fn find_programme(db: &Db, slug: &ProgrammeSlug) -> Result<lotse_domain::programme::Programme, AdminError> {
    lotse_store::programme::find_by_slug(db, slug)
        .await?
        .ok_or_else(|| AdminError::UnknownProgramme(slug.as_str().to_owned()))
}

/// The one organisation of the programme with this name; none or several is an error naming it.
async fn organisation_named(
    tx: &mut lotse_store::Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    name: &str,
) -> Result<OrganisationId, AdminError> {
    match lotse_store::directory::find_organisations_by_name(tx, scope, name)
        .await?
        .as_slice()
    {
        [one] => Ok(*one),
        [] => Err(AdminError::UnknownOrganisation(name.to_owned())),
        many => Err(AdminError::AmbiguousOrganisation(many.len(), name.to_owned())),
    }
}

/// Audits a change of a programme's settings: one `update` entry about the programme, in the
/// transaction that made it.
async fn record_programme_update(
    tx: &mut lotse_store::Tx,
    scope: &lotse_domain::actor::ProgrammeScope,
    access: Access,
    programme: lotse_domain::id::ProgrammeId,
) -> Result<(), AdminError> {
    lotse_store::audit::record(
        tx,
        scope,
        access,
        AuditAction::Update,
        ObjectKind::Programme,
        [programme.as_uuid()],
    )
    .await?;
    Ok(())
}

/// The link-work settings a command changes; `None` keeps the programme's value.
#[derive(Debug, Clone, Default)]
pub struct LinkWorkChanges {
    /// A holiday calendar code (`de-nw`, `dk`, `weekends-only`).
    pub holiday_calendar: Option<String>,
    /// Working days after acceptance by which first contact is due.
    pub first_contact_working_days: Option<String>,
    /// Working days between contact attempts.
    pub working_days_between_contact_attempts: Option<String>,
    /// Working days after contact by which the baseline questionnaire is due.
    pub baseline_questionnaire_working_days: Option<String>,
    /// Failed contact attempts before a person may be marked unreachable.
    pub contact_attempts_before_unreachable: Option<String>,
    /// Working days after sending by which a provider should have answered.
    pub provider_silent_working_days: Option<String>,
    /// Working days after sending at which an unanswered onward referral lapses.
    pub onward_lapse_working_days: Option<String>,
    /// Weeks after a case's latest questionnaire at which the next follow-up is due.
    pub follow_up_questionnaire_weeks: Option<String>,
}

impl LinkWorkChanges {
    /// Whether any setting is to change.
    pub const fn any(&self) -> bool {
        self.holiday_calendar.is_some()
            || self.first_contact_working_days.is_some()
            || self.working_days_between_contact_attempts.is_some()
            || self.baseline_questionnaire_working_days.is_some()
            || self.contact_attempts_before_unreachable.is_some()
            || self.provider_silent_working_days.is_some()
            || self.onward_lapse_working_days.is_some()
            || self.follow_up_questionnaire_weeks.is_some()
    }

    /// The changes applied to `current`, checked as the settings page checks them
    /// ([`LinkWorkSettings::parse`]); a wrong value names its option and the allowed values.
    pub fn apply_to(&self, current: &LinkWorkSettings) -> Result<LinkWorkSettings, AdminError> {
        let next = &current.next_action;
        let text = |change: &Option<String>, now: String| change.clone().unwrap_or(now);
        let calendar = text(&self.holiday_calendar, current.holiday_calendar.code().to_owned());
        let first = text(
            &self.first_contact_working_days,
            next.first_contact_working_days.to_string(),
        );
        let between = text(
            &self.working_days_between_contact_attempts,
            next.working_days_between_contact_attempts.to_string(),
        );
        let baseline = text(
            &self.baseline_questionnaire_working_days,
            next.baseline_questionnaire_working_days.to_string(),
        );
        let attempts = text(
            &self.contact_attempts_before_unreachable,
            current.contact_attempts_before_unreachable.to_string(),
        );
        let silent = text(
            &self.provider_silent_working_days,
            next.provider_silent_working_days.to_string(),
        );
        let lapse = text(
            &self.onward_lapse_working_days,
            next.onward_lapse_working_days.to_string(),
        );
        let weeks = text(
            &self.follow_up_questionnaire_weeks,
            next.follow_up_questionnaire_weeks.to_string(),
        );
        let input = LinkWorkInput {
            holiday_calendar: &calendar,
            first_contact_working_days: &first,
            working_days_between_contact_attempts: &between,
            baseline_questionnaire_working_days: &baseline,
            contact_attempts_before_unreachable: &attempts,
            provider_silent_working_days: &silent,
            onward_lapse_working_days: &lapse,
            follow_up_questionnaire_weeks: &weeks,
        };
        LinkWorkSettings::parse(&input).map_err(|errors| {
            let messages: Vec<String> = errors.iter().map(|e| link_work_message(e, &input)).collect();
            AdminError::Invalid(messages.join("; "))
        })
    }
}

/// A wrong link-work field as the command line names it: the option, what is wrong with the
/// value given, and what it must be.
fn link_work_message(e: &lotse_domain::field::FieldError, input: &LinkWorkInput<'_>) -> String {
    use lotse_domain::field::FieldProblem;
    use lotse_domain::programme_settings as ranges;
    let range = |r: &std::ops::RangeInclusive<u32>| format!("a whole number from {} to {}", r.start(), r.end());
    let (option, value, allowed) = match e.field.as_str() {
        "holiday_calendar" => {
            let codes: Vec<&str> = lotse_domain::calendar::HolidayCalendar::ALL
                .iter()
                .map(|c| c.code())
                .collect();
            (
                "--holiday-calendar",
                input.holiday_calendar,
                format!("one of {}", codes.join(", ")),
            )
        }
        "first_contact_working_days" => (
            "--first-contact-days",
            input.first_contact_working_days,
            range(&ranges::FIRST_CONTACT_WORKING_DAYS),
        ),
        "working_days_between_contact_attempts" => (
            "--days-between-attempts",
            input.working_days_between_contact_attempts,
            range(&ranges::WORKING_DAYS_BETWEEN_CONTACT_ATTEMPTS),
        ),
        "baseline_questionnaire_working_days" => (
            "--baseline-days",
            input.baseline_questionnaire_working_days,
            range(&ranges::BASELINE_QUESTIONNAIRE_WORKING_DAYS),
        ),
        "provider_silent_working_days" => (
            "--provider-silent-days",
            input.provider_silent_working_days,
            range(&ranges::PROVIDER_SILENT_WORKING_DAYS),
        ),
        "follow_up_questionnaire_weeks" => (
            "--follow-up-weeks",
            input.follow_up_questionnaire_weeks,
            range(&ranges::FOLLOW_UP_QUESTIONNAIRE_WEEKS),
        ),
        "onward_lapse_working_days" => (
            "--lapse-days",
            input.onward_lapse_working_days,
            format!(
                "{}, and more than --provider-silent-days ({})",
                range(&ranges::ONWARD_LAPSE_WORKING_DAYS),
                input.provider_silent_working_days
            ),
        ),
        _ => (
            "--contact-attempts",
            input.contact_attempts_before_unreachable,
            range(&ranges::CONTACT_ATTEMPTS_BEFORE_UNREACHABLE),
        ),
    };
    let what = match e.problem {
        FieldProblem::Required => "is empty",
        FieldProblem::UnknownCode => "is not known",
        FieldProblem::Number => "is not a whole number",
        FieldProblem::LapseNotAfterSilence => "does not come after the silence",
        _ => "is out of range",
    };
    format!("{option} {value:?} {what}: it must be {allowed}")
}

/// Changes a programme's link-work settings (holiday calendar, next-action deadlines, contact
/// attempts before unreachable): the link workers' due dates count by them from then on.
/// Everything is checked before anything changes; audited as an update of the programme.
pub async fn set_link_work(
    db: &Db,
    clock: &dyn Clock,
    programme: &str,
    changes: &LinkWorkChanges,
) -> Result<lotse_domain::programme::Programme, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let slug = ProgrammeSlug::parse(programme).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let found = find_programme(db, &slug).await?;
    // The version first: settings read after it are at that version or newer, and a newer
    // one makes the update a conflict rather than a change of settings nobody saw.
    let expected_version = lotse_store::programme::version(db, found.id).await?;
    let current = lotse_store::programme::get(db, found.id).await?;
    let settings = changes.apply_to(&LinkWorkSettings::of(&current))?;
    let scope = job.scope(found.id);
    let mut tx = db.begin().await?;
    lotse_store::programme::update_link_work(&mut tx, found.id, &settings, expected_version).await?;
    let access = Access {
        at: clock.now(),
        purpose: AuditPurpose::Administration,
    };
    record_programme_update(&mut tx, &scope, access, found.id).await?;
    tx.commit().await?;
    Ok(lotse_store::programme::get(db, found.id).await?)
}

/// Parses target group codes (comma-separated; empty: everyone); an unknown code names the codes.
pub fn parse_target_groups(codes: &str) -> Result<Vec<lotse_domain::offer::TargetGroup>, AdminError> {
    use lotse_domain::offer::TargetGroup;
    let mut groups = Vec::new();
    for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let group = TargetGroup::from_code(code).ok_or_else(|| {
            let known: Vec<&str> = TargetGroup::ALL.iter().map(|g| g.code()).collect();
            AdminError::Invalid(format!(
                "unknown target group {code:?}: the groups are {}",
                known.join(", ")
            ))
        })?;
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    Ok(groups)
}

/// Sets whom a link facility is for (`older-people`, `young-people`, …; empty: everyone), which
/// the prescription form's facility suggestion reads (`lotse_domain::facility_choice`). The
/// organisation is named as in `lotse user add`; audited as an update of the programme.
/// Returns the groups stored.
pub async fn set_target_groups(
    db: &Db,
    clock: &dyn Clock,
    programme: &str,
    organisation: &str,
    codes: &str,
) -> Result<Vec<lotse_domain::offer::TargetGroup>, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let slug = ProgrammeSlug::parse(programme).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let groups = parse_target_groups(codes)?;
    let found = find_programme(db, &slug).await?;
    let scope = job.scope(found.id);
    let mut tx = db.begin().await?;
    let id = organisation_named(&mut tx, &scope, organisation).await?;
    lotse_store::directory::set_target_groups(&mut tx, &scope, &[(id, groups.clone())]).await?;
    let access = Access {
        at: clock.now(),
        purpose: AuditPurpose::Administration,
    };
    record_programme_update(&mut tx, &scope, access, found.id).await?;
    tx.commit().await?;
    Ok(groups)
}

/// Re-encrypts, in every programme, the identities, the prescription reasons, the conversation
/// notes, the action plans and the search profiles not sealed with the first data key (one
/// transaction per programme; each person, prescription, note and case re-sealed is audited
/// as an update). Returns (programme slug, people re-sealed, reasons, notes, plan versions
/// and search profiles re-sealed).
pub async fn reseal_identities(db: &Db, clock: &dyn Clock) -> Result<Vec<(String, usize, usize)>, AdminError> {
    let job = JobToken::start_job(SystemJob::Admin);
    let mut out = Vec::new();
    for programme in lotse_store::programme::list(db).await? {
        let scope = job.scope(programme.id);
        let access = Access {
            at: clock.now(),
            purpose: AuditPurpose::Administration,
        };
        let mut tx = db.begin().await?;
        let people = lotse_store::person::reseal_identities(&mut tx, &scope, access).await?;
        let notes = lotse_store::person::reseal_prescription_reasons(&mut tx, &scope, access).await?
            + lotse_store::note::reseal(&mut tx, &scope, access).await?
            + lotse_store::action_plan::reseal(&mut tx, &scope, access).await?
            + lotse_store::search_profile::reseal(&mut tx, &scope, access).await?;
        tx.commit().await?;
        out.push((programme.slug.as_str().to_owned(), people, notes));
    }
    Ok(out)
}
