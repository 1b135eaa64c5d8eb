//! The append-only event log. Events hold ids, codes, states and timestamps: never personal data.

use lotse_domain::actor::ProgrammeScope;
use serde_json::Value as Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::bulk::{self, Value};
use crate::db::Tx;
use crate::error::StoreResult;
use crate::on_conn;

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Its id.
    pub event_id: Uuid,
    /// The lifecycle (`referral`, `onward_referral`).
    pub stream: &'static str,
    /// The record it belongs to.
    pub stream_id: Uuid,
    /// Its position in the stream, from 1.
    pub stream_version: i64,
    /// Its kind (`referral.accepted`).
    pub kind: &'static str,
    /// The serialised domain event.
    pub payload: Json,
    /// `user:<uuid>` or `system:<job>`.
    pub actor: String,
    /// When it happened.
    pub occurred_at: OffsetDateTime,
}

const COLUMNS: [&str; 9] = [
    "programme_id",
    "event_id",
    "stream",
    "stream_id",
    "stream_version",
    "kind",
    "payload",
    "actor",
    "occurred_at",
];

/// Appends events to the scope's programme. A duplicate `(stream, stream_id, stream_version)`
/// is refused by the database, so two writers can never both append the same version.
pub async fn append(tx: &mut Tx, scope: &ProgrammeScope, events: &[NewEvent]) -> StoreResult<()> {
    let programme = scope.programme().as_uuid();
    let rows: Vec<Vec<Value>> = events
        .iter()
        .map(|e| {
            vec![
                Value::Uuid(programme),
                Value::Uuid(e.event_id),
                Value::Text(e.stream.to_owned()),
                Value::Uuid(e.stream_id),
                Value::Int(e.stream_version),
                Value::Text(e.kind.to_owned()),
                Value::Json(e.payload.clone()),
                Value::Text(e.actor.clone()),
                Value::Time(e.occurred_at),
            ]
        })
        .collect();
    bulk::insert(tx, "event", &COLUMNS, &rows).await?;
    Ok(())
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredEvent {
    /// Its position in the stream.
    pub stream_version: i64,
    /// Its kind.
    pub kind: String,
    /// The serialised domain event.
    pub payload: Json,
    /// Who.
    pub actor: String,
    /// When.
    pub occurred_at: OffsetDateTime,
}

/// A stream's events in order.
pub async fn list_stream(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    stream: &str,
    stream_id: Uuid,
) -> StoreResult<Vec<StoredEvent>> {
    Ok(on_conn!(tx, c => sqlx::query_as(
        "select stream_version, kind, payload, actor, occurred_at from event \
         where programme_id = $1 and stream = $2 and stream_id = $3 order by stream_version",
    )
    .bind(scope.programme().as_uuid())
    .bind(stream)
    .bind(stream_id)
    .fetch_all(c)
    .await)?)
}
