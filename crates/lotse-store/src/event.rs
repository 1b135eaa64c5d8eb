//! The append-only event log. Events hold ids, codes, states and timestamps: never personal data.

use lotse_domain::actor::ProgrammeScope;
use serde_json::Value as Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::bulk::{self, table_row};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

/// The lifecycles that have events, and the code the `stream` column stores for each (a
/// number instead of the name: 1 byte on SQLite instead of 8 to 15, on every event).
const STREAMS: [(&str, i64); 4] = [("referral", 1), ("onward_referral", 2), ("consent", 3), ("offer", 4)];

/// The stored code of a stream; an unknown stream is refused, so no event is written that
/// could not be read back.
pub fn stream_code(stream: &str) -> StoreResult<i64> {
    STREAMS
        .iter()
        .find(|(name, _)| *name == stream)
        .map(|(_, code)| *code)
        .ok_or_else(|| StoreError::Corrupt(format!("events of an unknown stream {stream:?}")))
}

fn stream_name(code: i64) -> StoreResult<&'static str> {
    STREAMS
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(name, _)| *name)
        .ok_or_else(|| StoreError::Corrupt(format!("an event of unknown stream code {code}")))
}

table_row! {
    /// An event.
    EventRow => "event" {
        programme_key: i64,
        stream_id: Uuid,
        stream_version: i64,
        stream: i64,
        payload: serde_json::Value,
        actor: String,
        occurred_at: OffsetDateTime,
    }
}

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The lifecycle (`referral`, `onward_referral`).
    pub stream: &'static str,
    /// The record it belongs to.
    pub stream_id: Uuid,
    /// Its position in the stream, from 1.
    pub stream_version: i64,
    /// The serialised domain event, tagged with its `type` (`accepted`): with the stream it
    /// names the event's kind (`referral.accepted`).
    pub payload: Json,
    /// `user:<uuid>` or `system:<job>`.
    pub actor: String,
    /// When it happened.
    pub occurred_at: OffsetDateTime,
}

/// Appends events to the scope's programme. A duplicate `(stream_id, stream_version)` is
/// refused by the database (a stream id is its record's id, unique across streams), so two
/// writers can never both append the same version.
pub async fn append(tx: &mut Tx, scope: &ProgrammeScope, events: &[NewEvent]) -> StoreResult<()> {
    let key = tx.programme_key(scope.programme()).await?;
    let rows = events
        .iter()
        .map(|e| {
            Ok(EventRow {
                programme_key: key,
                stream_id: e.stream_id,
                stream_version: e.stream_version,
                stream: stream_code(e.stream)?,
                payload: e.payload.clone(),
                actor: e.actor.clone(),
                occurred_at: e.occurred_at,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    bulk::insert_rows(tx, rows).await?;
    Ok(())
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Its position in the stream.
    pub stream_version: i64,
    /// Its kind (`referral.accepted`): the stream and the payload's `type`, which is not stored
    /// twice.
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
    let key = tx.programme_key(scope.programme()).await?;
    let rows: Vec<PartRow> = on_conn!(tx, c => sqlx::query_as(
        "select 0 as part, stream, stream_version, payload, actor, occurred_at from event \
         where programme_key = $1 and stream = $2 and stream_id = $3 order by stream_version",
    )
    .bind(key)
    .bind(stream_code(stream)?)
    .bind(stream_id)
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(PartRow::into_event).collect()
}

/// The events of several streams, in one statement: for each `(stream, stream_id)` its events
/// in order, the streams in the order given.
pub async fn list_streams(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    streams: &[(&str, Uuid)],
) -> StoreResult<Vec<StoredEvent>> {
    Ok(list_streams_numbered(tx, scope, streams)
        .await?
        .into_iter()
        .map(|(_, event)| event)
        .collect())
}

/// The statement of [`list_streams_numbered`] for `n` streams: one indexed lookup per stream
/// (the primary key starts with programme, stream_id), joined with `union all`: the same plan
/// on both engines, whatever their statistics.
fn streams_sql(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "select * from (select {i} as part, stream, stream_version, payload, actor, occurred_at from event \
                 where programme_key = $1 and stream = ${} and stream_id = ${}) p{i}",
                2 * i + 2,
                2 * i + 3
            )
        })
        .collect::<Vec<_>>()
        .join(" union all ")
        + " order by part, stream_version"
}

/// As [`list_streams`], each event with the position of its stream in `streams`.
pub async fn list_streams_numbered(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    streams: &[(&str, Uuid)],
) -> StoreResult<Vec<(usize, StoredEvent)>> {
    let key = tx.programme_key(scope.programme()).await?;
    if streams.is_empty() {
        return Ok(Vec::new());
    }
    let sql = streams_sql(streams.len());
    let codes = streams
        .iter()
        .map(|(stream, id)| Ok((stream_code(stream)?, *id)))
        .collect::<StoreResult<Vec<_>>>()?;
    let rows: Vec<PartRow> = on_conn!(tx, c => {
        let mut query = sqlx::query_as(&sql).bind(key);
        for (code, id) in &codes {
            query = query.bind(*code).bind(*id);
        }
        query.fetch_all(c).await
    })?;
    rows.into_iter()
        .map(|row| {
            let part = usize::try_from(row.part).map_err(|e| crate::error::StoreError::Corrupt(e.to_string()))?;
            Ok((part, row.into_event()?))
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct PartRow {
    part: i32,
    stream: i64,
    stream_version: i64,
    payload: Json,
    actor: String,
    occurred_at: OffsetDateTime,
}

impl PartRow {
    fn into_event(self) -> StoreResult<StoredEvent> {
        Ok(StoredEvent {
            kind: kind(stream_name(self.stream)?, &self.payload),
            stream_version: self.stream_version,
            payload: self.payload,
            actor: self.actor,
            occurred_at: self.occurred_at,
        })
    }
}

/// An event's kind: its stream and its payload's `type` (`referral` and `accepted` make
/// `referral.accepted`, what the domain's `kind()` answers; a test holds the two together).
pub fn kind(stream: &str, payload: &Json) -> String {
    let tag = payload.get("type").and_then(Json::as_str).unwrap_or("unknown");
    format!("{stream}.{tag}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn the_kind_is_the_stream_and_the_payloads_type() {
        for (stream, payload, kind) in [
            ("referral", json!({"type": "accepted"}), "referral.accepted"),
            (
                "onward_referral",
                json!({"type": "sent", "channel": "signed_link"}),
                "onward_referral.sent",
            ),
            ("consent", json!({"type": "withdrawn"}), "consent.withdrawn"),
            ("referral", json!({"reason": "other"}), "referral.unknown"),
            ("referral", json!({"type": 7}), "referral.unknown"),
        ] {
            assert_eq!(super::kind(stream, &payload), kind, "{payload}");
        }
    }

    #[test]
    fn streams_are_stored_as_codes_and_unknown_ones_are_refused() {
        for (stream, code) in [("referral", 1), ("onward_referral", 2), ("consent", 3), ("offer", 4)] {
            assert_eq!(super::stream_code(stream).unwrap(), code);
            assert_eq!(super::stream_name(code).unwrap(), stream);
        }
        assert!(super::stream_code("programme").is_err());
        assert!(super::stream_name(5).is_err());
    }
}
