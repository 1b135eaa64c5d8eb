//! The link worker's conversation notes on a case ("what matters to you?"): written and read
//! only by the link workers of the facility holding the case ([`Action::WorkCase`]); a
//! prescriber, a provider or a coordinator sees none. The text is sealed at rest
//! (`lotse_store::note`); every reading of a case's notes audits each note for its reader.

use lotse_domain::audit::AuditPurpose;
use lotse_domain::field::{FieldError, FieldProblem};
use lotse_domain::id::{CaseId, NoteId};
use lotse_domain::policy::Action;
use lotse_domain::prescribing::parse_date;
use lotse_store::note::{NewNote, Note};
use time::Date;
use uuid::Uuid;

use crate::access::access;
use crate::case_record::open_case;
use crate::clock::Clock;
use crate::handle::{self, Handle};
use crate::principal::Principal;
use crate::referral_work::{WorkError, held_referral, open_held};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// Checks a note's text: not blank, at most [`MAX_NOTE_CHARS`] characters (field `body`).
pub fn parse_body(body: &str) -> Result<String, FieldError> {
    let body = body.trim();
    let problem = if body.is_empty() {
        FieldProblem::Required
    } else if body.chars().count() > MAX_NOTE_CHARS {
        FieldProblem::TooLong
    } else {
        return Ok(body.to_owned());
    };
    Err(FieldError {
        field: "body".into(),
        problem,
    })
}

/// The furthest ahead a next conversation may be named, in days.
pub const MAX_FOLLOW_UP_DAYS: i64 = 366;

/// Checks the day of the next conversation named with a note (field `follow_up_on`, optional):
/// `YYYY-MM-DD` or `DD.MM.YYYY`, after `today` (the programme's local date), at most
/// [`MAX_FOLLOW_UP_DAYS`] ahead; empty is none.
pub fn parse_follow_up_on(value: &str, today: Date) -> Result<Option<Date>, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let problem = match parse_date(value) {
        None => FieldProblem::Date,
        Some(d) if d <= today => FieldProblem::DateNotAfterToday,
        Some(d) if (d - today).whole_days() > MAX_FOLLOW_UP_DAYS => FieldProblem::DateTooFar,
        Some(d) => return Ok(Some(d)),
    };
    Err(FieldError {
        field: "follow_up_on".into(),
        problem,
    })
}

/// Writes a note on the case (the case's referral must lie with the writer's facility; the
/// writer is the signed-in member), with the day of the next conversation if one is named
/// (`follow_up_on`, see [`parse_follow_up_on`]): while it is the case's latest note, the
/// worklist shows "follow-up due" on that day.
pub async fn add_note(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    body: &str,
    follow_up_on: &str,
) -> Result<NoteId, WorkError> {
    add_note_for(db, clock, principal, case, "", body, follow_up_on).await
}

/// [`add_note`], where an API client names the author: `named` is the username of a link
/// worker of the client's facility (else the field `author` is wrong; a member writes as
/// themself and `named` is ignored).
pub async fn add_note_for(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
    named: &str,
    body: &str,
    follow_up_on: &str,
) -> Result<NoteId, WorkError> {
    let today = crate::action_plan::today(db, clock, principal).await?;
    let (body, follow_up_on) = match (parse_body(body), parse_follow_up_on(follow_up_on, today)) {
        (Ok(body), Ok(follow_up_on)) => (body, follow_up_on),
        (body, follow_up_on) => {
            return Err(WorkError::Invalid(
                [body.err(), follow_up_on.err()].into_iter().flatten().collect(),
            ));
        }
    };
    let now = clock.now();
    let (mut tx, patient, _, _) =
        open_case(handle::store(db).begin().await?, principal, Action::WorkCase, case, now).await?;
    held_referral(&mut tx, principal, patient, case).await?;
    // A note has a person as its author.
    let author = match crate::acting::acting_member(db, principal, named, lotse_domain::user::Role::LinkWorker).await {
        Ok(id) => id,
        Err(crate::acting::NotActing::Capability) => return Err(WorkError::NotFound),
        Err(crate::acting::NotActing::Named(problem)) => {
            return Err(WorkError::Invalid(vec![FieldError {
                field: "author".into(),
                problem,
            }]));
        }
        Err(crate::acting::NotActing::Store(e)) => return Err(WorkError::Store(e)),
    };
    let id = NoteId::from_uuid(Uuid::now_v7());
    let note = NewNote {
        id,
        case,
        author,
        written_at: now,
        body,
        follow_up_on,
    };
    let scope = principal.scope();
    lotse_store::note::insert(&mut tx, scope, access(clock, AuditPurpose::Care), &[note]).await?;
    tx.commit().await?;
    Ok(id)
}

/// The case's notes, newest first, for the link worker holding it; each note read is audited.
/// `None` when the case's referral no longer lies with the reader's facility.
pub async fn notes(
    db: &impl Handle,
    clock: &dyn Clock,
    principal: &Principal,
    case: CaseId,
) -> Result<Option<Vec<Note>>, WorkError> {
    let Some((mut tx, _, _)) = open_held(db, clock, principal, case).await? else {
        return Ok(None);
    };
    let notes = lotse_store::note::of_case(&mut tx, principal.scope(), access(clock, AuditPurpose::Care), case).await?;
    tx.commit().await?;
    Ok(Some(notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_next_conversation_is_a_day_after_today_within_366_days() {
        let today = date!(2026 - 11 - 02);
        // (as typed, what it is read as): the boundaries written out by hand.
        let table: [(&str, Result<Option<Date>, FieldProblem>); 10] = [
            ("", Ok(None)),
            ("   ", Ok(None)),
            ("2026-11-03", Ok(Some(date!(2026 - 11 - 03)))),
            ("03.11.2026", Ok(Some(date!(2026 - 11 - 03)))),
            ("2026-11-02", Err(FieldProblem::DateNotAfterToday)),
            ("2026-10-30", Err(FieldProblem::DateNotAfterToday)),
            ("2027-11-03", Ok(Some(date!(2027 - 11 - 03)))),
            ("2027-11-04", Err(FieldProblem::DateTooFar)),
            ("2026-13-01", Err(FieldProblem::Date)),
            ("morgen", Err(FieldProblem::Date)),
        ];
        for (typed, expected) in table {
            let got = parse_follow_up_on(typed, today).map_err(|e| {
                assert_eq!(e.field, "follow_up_on");
                e.problem
            });
            assert_eq!(got, expected, "{typed:?}");
        }
    }
}
