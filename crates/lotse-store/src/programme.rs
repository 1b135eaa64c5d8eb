//! Programmes: an installation-wide table (the tenants themselves).

use lotse_domain::calendar::HolidayCalendar;
use lotse_domain::id::ProgrammeId;
use lotse_domain::programme::{Language, LinkWorkModel, Programme, ProgrammeSlug};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{on_conn, on_pool};

#[derive(sqlx::FromRow)]
struct ProgrammeRow {
    programme_id: Uuid,
    slug: String,
    name: String,
    languages: String,
    time_zone: String,
    holiday_calendar: String,
    link_work_model: String,
    contact_attempts_before_unreachable: i64,
    first_contact_working_days: i64,
    working_days_between_contact_attempts: i64,
    baseline_questionnaire_working_days: i64,
    provider_silent_working_days: i64,
    onward_lapse_working_days: i64,
    follow_up_questionnaire_weeks: i64,
    public_directory: bool,
    retention_days: i64,
    second_factor_required: bool,
}

impl TryFrom<ProgrammeRow> for Programme {
    type Error = StoreError;

    fn try_from(row: ProgrammeRow) -> Result<Self, StoreError> {
        let days = |n: i64| u32::try_from(n).map_err(|e| StoreError::Corrupt(e.to_string()));
        let next_action = lotse_domain::next_action::NextActionSettings {
            first_contact_working_days: days(row.first_contact_working_days)?,
            working_days_between_contact_attempts: days(row.working_days_between_contact_attempts)?,
            baseline_questionnaire_working_days: days(row.baseline_questionnaire_working_days)?,
            provider_silent_working_days: days(row.provider_silent_working_days)?,
            onward_lapse_working_days: days(row.onward_lapse_working_days)?,
            follow_up_questionnaire_weeks: days(row.follow_up_questionnaire_weeks)?,
        };
        let languages = row
            .languages
            .split(',')
            .map(|t| Language::from_tag(t).ok_or_else(|| StoreError::Corrupt(format!("language {t:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            id: ProgrammeId::from_uuid(row.programme_id),
            slug: ProgrammeSlug::parse(&row.slug).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            name: row.name,
            languages,
            time_zone: row.time_zone,
            holiday_calendar: HolidayCalendar::from_code(&row.holiday_calendar)
                .ok_or_else(|| StoreError::Corrupt(format!("holiday calendar {:?}", row.holiday_calendar)))?,
            link_work_model: LinkWorkModel::from_code(&row.link_work_model)
                .ok_or_else(|| StoreError::Corrupt(format!("link work model {:?}", row.link_work_model)))?,
            next_action,
            contact_attempts_before_unreachable: days(row.contact_attempts_before_unreachable)?,
            public_directory: row.public_directory,
            retention_days: u32::try_from(row.retention_days).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            second_factor_required: row.second_factor_required,
        })
    }
}

const COLUMNS: &str = "programme_id, slug, name, languages, time_zone, link_work_model, \
                       contact_attempts_before_unreachable, public_directory, retention_days, second_factor_required, \
                       holiday_calendar, first_contact_working_days, working_days_between_contact_attempts, \
                       baseline_questionnaire_working_days, provider_silent_working_days, onward_lapse_working_days, \
                       follow_up_questionnaire_weeks";

/// Inserts a programme and its empty audit chain.
pub async fn insert(tx: &mut Tx, programme: &Programme, now: OffsetDateTime) -> StoreResult<()> {
    tx.changes_public_counts();
    let languages: Vec<&str> = programme.languages.iter().map(|l| l.tag()).collect();
    let sql = format!(
        "insert into programme ({COLUMNS}, version, created_at, programme_key) \
         select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $13, $14, $15, $16, $17, $18, 1, $11, \
           coalesce(max(programme_key), 0) + 1 from programme"
    );
    on_conn!(tx, c => sqlx::query(&sql)
        .bind(programme.id.as_uuid())
        .bind(programme.slug.as_str())
        .bind(&programme.name)
        .bind(languages.join(","))
        .bind(&programme.time_zone)
        .bind(programme.link_work_model.code())
        .bind(i64::from(programme.contact_attempts_before_unreachable))
        .bind(programme.public_directory)
        .bind(i64::from(programme.retention_days))
        .bind(programme.second_factor_required)
        .bind(now)
        .bind(programme.holiday_calendar.code())
        .bind(i64::from(programme.next_action.first_contact_working_days))
        .bind(i64::from(programme.next_action.working_days_between_contact_attempts))
        .bind(i64::from(programme.next_action.baseline_questionnaire_working_days))
        .bind(i64::from(programme.next_action.provider_silent_working_days))
        .bind(i64::from(programme.next_action.onward_lapse_working_days))
        .bind(i64::from(programme.next_action.follow_up_questionnaire_weeks))
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    crate::audit::create_chain(tx, programme.id).await
}

/// Every programme, by slug.
pub async fn list(db: &Db) -> StoreResult<Vec<Programme>> {
    let sql = format!("select {COLUMNS} from programme order by slug");
    let rows: Vec<ProgrammeRow> = on_pool!(db, p => sqlx::query_as(&sql).fetch_all(p).await)?;
    rows.into_iter().map(Programme::try_from).collect()
}

/// A programme by slug, if it exists.
pub async fn find_by_slug(db: &Db, slug: &ProgrammeSlug) -> StoreResult<Option<Programme>> {
    let sql = format!("select {COLUMNS} from programme where slug = $1");
    let row: Option<ProgrammeRow> =
        on_pool!(db, p => sqlx::query_as(&sql).bind(slug.as_str()).fetch_optional(p).await)?;
    row.map(Programme::try_from).transpose()
}

/// A programme by id; it must exist.
pub async fn get(db: &Db, id: ProgrammeId) -> StoreResult<Programme> {
    let sql = format!("select {COLUMNS} from programme where programme_id = $1");
    let row: Option<ProgrammeRow> = on_pool!(db, p => sqlx::query_as(&sql).bind(id.as_uuid()).fetch_optional(p).await)?;
    row.map(Programme::try_from)
        .transpose()?
        .ok_or(StoreError::NotFound { kind: "programme" })
}

/// A programme's version (raised by every change of its settings).
pub async fn version(db: &Db, id: ProgrammeId) -> StoreResult<i64> {
    let version: Option<i64> = on_pool!(db, p => sqlx::query_scalar("select version from programme where programme_id = $1")
        .bind(id.as_uuid())
        .fetch_optional(p)
        .await)?;
    version.ok_or(StoreError::NotFound { kind: "programme" })
}

/// Stores a programme's privacy settings (second factor, retention) if it is still at
/// `expected_version` (the version the settings were read at), and raises its version. A stale
/// version is [`StoreError::Conflict`] with the version now stored, and nothing is changed.
pub async fn update_privacy(tx: &mut Tx, programme: &Programme, expected_version: i64) -> StoreResult<()> {
    let changed = on_conn!(tx, c => sqlx::query(
        "update programme set second_factor_required = $2, retention_days = $3, version = version + 1 \
         where programme_id = $1 and version = $4",
    )
    .bind(programme.id.as_uuid())
    .bind(programme.second_factor_required)
    .bind(i64::from(programme.retention_days))
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 1 {
        return Ok(());
    }
    Err(not_changed(tx, programme.id).await?)
}

/// Stores a programme's link-work settings (holiday calendar, next-action deadlines, contact
/// attempts before unreachable) at the version read (else [`StoreError::Conflict`], nothing
/// changed), and raises its version. Where the calendar or a deadline changed, the next action
/// of every open referral of the programme is computed again ([`crate::next_action`]) in the
/// same transaction: due dates count by the new settings from then on.
pub async fn update_link_work(
    tx: &mut Tx,
    programme: lotse_domain::id::ProgrammeId,
    settings: &lotse_domain::programme_settings::LinkWorkSettings,
    expected_version: i64,
) -> StoreResult<()> {
    let before: Option<(String, i64, i64, i64, i64, i64)> = on_conn!(tx, c => sqlx::query_as(
        "select holiday_calendar, first_contact_working_days, working_days_between_contact_attempts, \
           baseline_questionnaire_working_days, provider_silent_working_days, follow_up_questionnaire_weeks \
         from programme where programme_id = $1",
    )
    .bind(programme.as_uuid())
    .fetch_optional(c)
    .await)?;
    let next = &settings.next_action;
    let changed = on_conn!(tx, c => sqlx::query(
        "update programme set holiday_calendar = $2, first_contact_working_days = $3, \
           working_days_between_contact_attempts = $4, baseline_questionnaire_working_days = $5, \
           contact_attempts_before_unreachable = $6, provider_silent_working_days = $8, \
           onward_lapse_working_days = $9, follow_up_questionnaire_weeks = $10, version = version + 1 \
         where programme_id = $1 and version = $7",
    )
    .bind(programme.as_uuid())
    .bind(settings.holiday_calendar.code())
    .bind(i64::from(next.first_contact_working_days))
    .bind(i64::from(next.working_days_between_contact_attempts))
    .bind(i64::from(next.baseline_questionnaire_working_days))
    .bind(i64::from(settings.contact_attempts_before_unreachable))
    .bind(expected_version)
    .bind(i64::from(next.provider_silent_working_days))
    .bind(i64::from(next.onward_lapse_working_days))
    .bind(i64::from(next.follow_up_questionnaire_weeks))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed != 1 {
        return Err(not_changed(tx, programme).await?);
    }
    let after = (
        settings.holiday_calendar.code().to_owned(),
        i64::from(next.first_contact_working_days),
        i64::from(next.working_days_between_contact_attempts),
        i64::from(next.baseline_questionnaire_working_days),
        i64::from(next.provider_silent_working_days),
        i64::from(next.follow_up_questionnaire_weeks),
    );
    if before.as_ref() != Some(&after) {
        let key = tx.programme_key(programme).await?;
        crate::next_action::refresh_programme(tx, key).await?;
    }
    Ok(())
}

/// Why a versioned update of a programme changed nothing: it is gone, or it is at another
/// version now.
async fn not_changed(tx: &mut Tx, programme: lotse_domain::id::ProgrammeId) -> StoreResult<StoreError> {
    let current: Option<i64> = on_conn!(tx, c => sqlx::query_scalar("select version from programme where programme_id = $1")
        .bind(programme.as_uuid())
        .fetch_optional(c)
        .await)?;
    Ok(match current {
        None => StoreError::NotFound { kind: "programme" },
        Some(current_version) => StoreError::Conflict {
            kind: "programme",
            current_version,
        },
    })
}

/// After how many days the scope's programme's offers are due for review.
pub async fn offer_review_days(tx: &mut Tx, scope: &lotse_domain::actor::ProgrammeScope) -> StoreResult<u32> {
    let days: i64 =
        on_conn!(tx, c => sqlx::query_scalar("select offer_review_days from programme where programme_id = $1")
        .bind(scope.programme().as_uuid())
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound { kind: "programme" })?;
    u32::try_from(days).map_err(|_| StoreError::Corrupt(format!("offer_review_days {days}")))
}
