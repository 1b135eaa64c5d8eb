//! The research export: pseudonymised tables of the people who gave research consent, for
//! evaluators. Run by the operator as `system:research-export`; each person included is an
//! audited read with purpose `research`.

use lotse_domain::actor::SystemJob;
use lotse_domain::audit::AuditPurpose;
use lotse_domain::programme::ProgrammeSlug;
use lotse_store::Db;
use lotse_store::audit::Access;
use rand::seq::SliceRandom;
use serde::Serialize;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

use crate::admin::AdminError;
use crate::clock::Clock;
use crate::jobs::JobToken;

/// A person, by pseudonym.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonLine {
    /// `R00001`…: assigned at random for this export only (not linkable across exports).
    pub pseudonym: String,
    /// Age band at registration.
    pub age_band: String,
    /// Gender code.
    pub gender: String,
    /// Preferred language.
    pub language: String,
}

/// A referral, by pseudonym.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralLine {
    /// The person's pseudonym.
    pub pseudonym: String,
    /// Source code.
    pub source: String,
    /// State code.
    pub state: String,
    /// Closing reason code (empty while open).
    pub closing_reason: String,
    /// Day issued (UTC, ISO 8601).
    pub issued_on: String,
    /// Day of the last change (UTC, ISO 8601).
    pub updated_on: String,
}

/// A questionnaire response, by pseudonym.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseLine {
    /// The person's pseudonym.
    pub pseudonym: String,
    /// Instrument code (`who5`, `ucla3`).
    pub instrument: String,
    /// Timepoint code.
    pub timepoint: String,
    /// Item scores, JSON array.
    pub answers: String,
    /// Day answered (UTC, ISO 8601).
    pub answered_on: String,
}

/// The three tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResearchExport {
    /// The programme's slug.
    pub programme: String,
    /// When.
    pub exported_at: OffsetDateTime,
    /// People with research consent.
    pub people: Vec<PersonLine>,
    /// Their referrals.
    pub referrals: Vec<ReferralLine>,
    /// Their questionnaire responses.
    pub responses: Vec<ResponseLine>,
}

fn iso(day: Date) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day())
}

/// Builds the export of one programme: only people whose research consent is active now and
/// who are not erased; no identity, no free text, dates to the day, random pseudonyms.
pub async fn research_export(db: &Db, clock: &dyn Clock, programme: &str) -> Result<ResearchExport, AdminError> {
    let slug = ProgrammeSlug::parse(programme).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let programme = lotse_store::programme::find_by_slug(db, &slug)
        .await?
        .ok_or_else(|| AdminError::UnknownProgramme(slug.as_str().to_owned()))?;
    let scope = JobToken::start_job(SystemJob::ResearchExport).scope(programme.id);
    let now = clock.now();
    let access = Access {
        at: now,
        purpose: AuditPurpose::Research,
    };
    let mut tx = db.begin_read().await?;
    let mut cohort = lotse_store::research::cohort(&mut tx, &scope, access).await?;
    let (people, referrals, responses) = lotse_store::research::rows(&mut tx, &scope, &cohort).await?;
    tx.commit().await?;

    cohort.shuffle(&mut rand::rng());
    let pseudonyms: HashMap<_, _> = cohort
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, format!("R{:05}", i + 1)))
        .collect();
    let name = |id| pseudonyms.get(&id).cloned().unwrap_or_default();
    let mut people: Vec<PersonLine> = people
        .into_iter()
        .map(|p| PersonLine {
            pseudonym: name(p.patient),
            age_band: p.age_band,
            gender: p.gender,
            language: p.language,
        })
        .collect();
    people.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
    let mut referrals: Vec<ReferralLine> = referrals
        .into_iter()
        .map(|r| ReferralLine {
            pseudonym: name(r.patient),
            source: r.source,
            state: r.state,
            closing_reason: r.closing_reason.unwrap_or_default(),
            issued_on: iso(r.issued_on),
            updated_on: iso(r.updated_on),
        })
        .collect();
    referrals.sort_by(|a, b| (&a.pseudonym, &a.issued_on).cmp(&(&b.pseudonym, &b.issued_on)));
    let mut responses: Vec<ResponseLine> = responses
        .into_iter()
        .map(|r| ResponseLine {
            pseudonym: name(r.patient),
            instrument: r.instrument,
            timepoint: r.timepoint,
            answers: r.answers.to_string(),
            answered_on: iso(r.answered_on),
        })
        .collect();
    responses.sort_by(|a, b| (&a.pseudonym, &a.answered_on).cmp(&(&b.pseudonym, &b.answered_on)));
    Ok(ResearchExport {
        programme: slug.as_str().to_owned(),
        exported_at: now,
        people,
        referrals,
        responses,
    })
}
