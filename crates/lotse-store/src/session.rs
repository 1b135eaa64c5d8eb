//! Login sessions, stored server-side so several instances share them. Only a SHA-256 hash of
//! the session token is stored: a database leak yields no usable cookie.

use lotse_domain::id::{ProgrammeId, UserId};
use lotse_domain::user::User;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreResult;
use crate::user::{MembershipRow, account};
use crate::{on_conn, on_pool};

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Who.
    pub user: UserId,
    /// In which programme.
    pub programme: ProgrammeId,
    /// Until when.
    pub expires_at: OffsetDateTime,
}

/// Stores a new session.
pub async fn insert(tx: &mut Tx, token_hash: &str, record: &SessionRecord, now: OffsetDateTime) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query(
        "insert into session (session_hash, user_id, programme_id, created_at, expires_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(record.user.as_uuid())
    .bind(record.programme.as_uuid())
    .bind(now)
    .bind(record.expires_at)
    .execute(c)
    .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The live session for a token hash with its account and the account's memberships, in one
/// statement (every signed-in request asks this first).
pub async fn find_live_user(
    db: &Db,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<(SessionRecord, User)>> {
    type Row = (
        Uuid,
        Uuid,
        OffsetDateTime,
        String,
        String,
        Option<Uuid>,
        Option<Uuid>,
        Option<String>,
    );
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(
        "select s.user_id, s.programme_id, s.expires_at, u.username, u.display_name, \
         p.programme_id, m.organisation_id, m.role \
         from session s join user_account u on u.user_id = s.user_id \
         left join membership m on m.user_id = s.user_id \
         left join programme p on p.programme_key = m.programme_key \
         where s.session_hash = $1 order by p.programme_id, m.role",
    )
    .bind(token_hash)
    .fetch_all(p)
    .await)?;
    let Some((user, programme, expires_at, username, display_name, ..)) = rows.first().cloned() else {
        return Ok(None);
    };
    if expires_at <= now {
        return Ok(None);
    }
    let memberships = rows
        .into_iter()
        .filter_map(|(.., programme_id, organisation_id, role)| {
            Some(MembershipRow {
                programme_id: programme_id?,
                organisation_id,
                role: role?,
            })
        })
        .collect();
    let user = UserId::from_uuid(user);
    let record = SessionRecord {
        user,
        programme: ProgrammeId::from_uuid(programme),
        expires_at,
    };
    Ok(Some((record, account(user, &username, display_name, memberships)?)))
}

/// Ends a session; returns whether one was ended.
pub async fn delete(tx: &mut Tx, token_hash: &str) -> StoreResult<bool> {
    let n = on_conn!(tx, c => sqlx::query("delete from session where session_hash = $1")
        .bind(token_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Counts sessions (for tests and metrics).
pub async fn count(db: &Db) -> StoreResult<i64> {
    Ok(on_pool!(db, p => sqlx::query_scalar("select count(*) from session").fetch_one(p).await)?)
}

/// Ends every session of a user ("log out everywhere"); returns how many were ended.
pub async fn delete_all_of_user(tx: &mut Tx, user: UserId) -> StoreResult<u64> {
    on_conn!(tx, c => sqlx::query("delete from session where user_id = $1")
        .bind(user.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(Into::into)
}

/// Ends a user's sessions in one programme (when the programme starts requiring a second
/// factor the user has not set up); returns how many were ended.
pub async fn delete_of_user_in_programme(
    tx: &mut Tx,
    user: UserId,
    programme: lotse_domain::id::ProgrammeId,
) -> StoreResult<u64> {
    on_conn!(tx, c => sqlx::query("delete from session where user_id = $1 and programme_id = $2")
        .bind(user.as_uuid())
        .bind(programme.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(Into::into)
}
