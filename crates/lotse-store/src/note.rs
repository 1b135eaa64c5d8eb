//! A case's conversation notes ("what matters to you?"). The text is sealed for its row and
//! column, like identities; who wrote a note and when stay plain, so that a case's notes are
//! listed in order without opening them. Every note read is audited, one entry per note and
//! reader; writing one is audited as its creation. Erasure deletes a person's notes
//! (`record::erasure`), and `lotse keys rotate` seals them again under the current key.

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{AuditAction, ObjectKind};
use lotse_domain::id::{CaseId, NoteId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, Access};
use crate::bulk::table_row;
use crate::crypto::Slot;
use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

table_row! {
    /// A note as stored: its text sealed.
    NoteRow => "case_note" {
        programme_key: i64,
        note_id: Uuid,
        case_id: Uuid,
        author_id: Uuid,
        written_at: OffsetDateTime,
        body: Vec<u8>,
        follow_up_on: Option<Date>,
    }
}

/// A note to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewNote {
    /// Its id.
    pub id: NoteId,
    /// The case it belongs to.
    pub case: CaseId,
    /// Who wrote it.
    pub author: UserId,
    /// When.
    pub written_at: OffsetDateTime,
    /// The text (personal data; never logged).
    pub body: String,
    /// The day of the next conversation with the person, if the writer named one (the
    /// worklist's "follow-up due" while this is the case's latest note).
    pub follow_up_on: Option<Date>,
}

impl std::fmt::Debug for NewNote {
    /// Never prints the text (logs must not hold it).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewNote({}, ***)", self.id)
    }
}

/// A note as read.
#[derive(Clone, PartialEq, Eq)]
pub struct Note {
    /// Its id.
    pub id: NoteId,
    /// Who wrote it.
    pub author: UserId,
    /// The author's display name (none once the account is gone).
    pub author_name: Option<String>,
    /// When.
    pub written_at: OffsetDateTime,
    /// The text.
    pub body: String,
    /// The day of the next conversation named with it.
    pub follow_up_on: Option<Date>,
}

impl std::fmt::Debug for Note {
    /// Never prints the text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Note({}, ***)", self.id)
    }
}

fn slot(programme: Uuid, note: Uuid) -> Slot<'static> {
    Slot {
        programme,
        record: note,
        column: "body",
    }
}

/// Stores notes, sealed, each audited as created; their cases' next actions are computed again
/// (a note may name the next conversation).
pub async fn insert(tx: &mut Tx, scope: &ProgrammeScope, access: Access, notes: &[NewNote]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let rows = notes
        .iter()
        .map(|n| {
            Ok(NoteRow {
                programme_key: key,
                note_id: n.id.as_uuid(),
                case_id: n.case.as_uuid(),
                author_id: n.author.as_uuid(),
                written_at: n.written_at,
                body: keys.seal(slot(p, n.id.as_uuid()), &n.body)?,
                follow_up_on: n.follow_up_on,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let ids = notes.iter().map(|n| n.id.as_uuid());
    audit::insert_created(tx, scope, access, rows, ObjectKind::CaseNote, ids).await?;
    // The latest note decides the case's follow-up: its next action is computed again.
    let mut cases: Vec<Uuid> = notes.iter().map(|n| n.case.as_uuid()).collect();
    cases.sort_unstable();
    cases.dedup();
    crate::next_action::refresh(tx, key, crate::next_action::Which::Cases(&cases)).await?;
    Ok(())
}

/// A case's notes, newest first, opened; each is audited as read.
pub async fn of_case(tx: &mut Tx, scope: &ProgrammeScope, access: Access, case: CaseId) -> StoreResult<Vec<Note>> {
    type Row = (Uuid, Uuid, Option<String>, OffsetDateTime, Vec<u8>, Option<Date>);
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let order = tx.engine().time_key("n.written_at");
    let rows: Vec<Row> = on_conn!(tx, c => sqlx::query_as(&format!(
        "select n.note_id, n.author_id, u.display_name, n.written_at, n.body, n.follow_up_on from case_note n \
         left join user_account u on u.user_id = n.author_id \
         where n.programme_key = $1 and n.case_id = $2 order by {order} desc, n.note_id"),
    )
    .bind(key)
    .bind(case.as_uuid())
    .fetch_all(c)
    .await)?;
    audit::record(
        tx,
        scope,
        access,
        AuditAction::Read,
        ObjectKind::CaseNote,
        rows.iter().map(|r| r.0),
    )
    .await?;
    let p = scope.programme().as_uuid();
    rows.into_iter()
        .map(|(id, author, author_name, written_at, body, follow_up_on)| {
            Ok(Note {
                id: NoteId::from_uuid(id),
                author: UserId::from_uuid(author),
                author_name,
                written_at,
                body: keys.open(slot(p, id), &body)?,
                follow_up_on,
            })
        })
        .collect()
}

/// Seals again every note of the scope's programme not sealed with the current key; returns how
/// many. Each is audited as an update.
pub async fn reseal(tx: &mut Tx, scope: &ProgrammeScope, access: Access) -> StoreResult<usize> {
    let key = tx.programme_key(scope.programme()).await?;
    let keys = tx.keys()?;
    let p = scope.programme().as_uuid();
    let rows: Vec<(Uuid, Vec<u8>)> = on_conn!(tx, c => sqlx::query_as(
        "select note_id, body from case_note where programme_key = $1",
    )
    .bind(key)
    .fetch_all(c)
    .await)?;
    let mut changed = Vec::new();
    for (id, body) in rows {
        if keys.is_current(&body) {
            continue;
        }
        let sealed = keys.seal(slot(p, id), &keys.open(slot(p, id), &body)?)?;
        on_conn!(tx, c => sqlx::query("update case_note set body = $3 where programme_key = $1 and note_id = $2")
            .bind(key)
            .bind(id)
            .bind(&sealed)
            .execute(c)
            .await
            .map(drop))?;
        changed.push(id);
    }
    let n = changed.len();
    audit::record(tx, scope, access, AuditAction::Update, ObjectKind::CaseNote, changed).await?;
    Ok(n)
}
