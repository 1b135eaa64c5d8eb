use lotse_domain::actor::ProgrammeScope;
use lotse_domain::audit::{self, AuditEntry, ChainBreak, ChainVerifier, GENESIS_HASH, NewAuditEntry, ObjectKind};
use lotse_domain::id::ProgrammeId;
use serde_json::Value as Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::appender::Pending;
use crate::bulk::{self, table_row};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::on_conn;

table_row! {
    /// An audit entry, placed in its chain.
    EntryInsertRow => "audit_entry" {
        programme_key: i64,
        seq: i64,
        at: OffsetDateTime,
        actor: String,
        action: String,
        object_kind: String,
        object_id: Uuid,
        purpose: String,
        prev_hash: Vec<u8>,
        hash: Vec<u8>,
        reference: Option<String>,
        objects: Option<Vec<u8>>,
    }
}

/// Creates an empty chain for a new programme (called when the programme is inserted).
pub(crate) async fn create_chain(tx: &mut Tx, programme: ProgrammeId) -> StoreResult<()> {
    on_conn!(tx, c => sqlx::query("insert into audit_chain (programme_id, last_seq, last_hash) values ($1, 0, $2)")
        .bind(programme.as_uuid())
        .bind(hash_bytes(GENESIS_HASH)?)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records entries for the scope's programme chain in `tx`. They are appended when `tx`
/// commits (see [`Tx`]): a write transaction appends them as its last statements, a read
/// transaction hands them to the group-commit appender; either way the commit returns only
/// once they are durable, and a transaction dropped without commit writes none.
#[expect(
    clippy::unused_async,
    reason = "callers await it; the entries are written when `tx` commits"
)]
pub async fn append(tx: &mut Tx, scope: &ProgrammeScope, entries: Vec<NewAuditEntry>) -> StoreResult<()> {
    let programme = scope.programme();
    tx.defer_audit(entries.into_iter().map(|e| (programme, e)).collect());
    Ok(())
}

/// Appends entries to their programmes' chains now, in `tx` (a write transaction): per
/// programme in id order (so two appenders lock chain heads in the same order), each
/// programme's entries in the order they were recorded.
///
/// The head row is updated first, which takes its lock (a row lock on PostgreSQL; SQLite
/// write transactions are IMMEDIATE), so concurrent appenders queue instead of forking the chain.
pub(crate) async fn append_now(tx: &mut Tx, entries: Pending) -> StoreResult<()> {
    let mut by_programme: std::collections::BTreeMap<ProgrammeId, Vec<NewAuditEntry>> =
        std::collections::BTreeMap::new();
    for (programme, entry) in entries {
        by_programme.entry(programme).or_default().push(entry);
    }
    for (programme, entries) in by_programme {
        append_to_chain(tx, programme, entries).await?;
    }
    Ok(())
}

async fn append_to_chain(tx: &mut Tx, programme: ProgrammeId, entries: Vec<NewAuditEntry>) -> StoreResult<()> {
    let count = entries.len() as i64;
    let (last_seq, last_hash): (i64, Vec<u8>) = on_conn!(tx, c => sqlx::query_as(
        "update audit_chain set last_seq = last_seq + $2 where programme_id = $1 returning last_seq - $2, last_hash",
    )
    .bind(programme.as_uuid())
    .bind(count)
    .fetch_optional(c)
    .await)?
    .ok_or(StoreError::NotFound { kind: "audit chain" })?;
    let key = tx.programme_key(programme).await?;
    let chained = audit::chain(programme, last_seq, &hex::encode(last_hash), entries);
    match tx {
        Tx::Postgres(t) => append_postgres(t, programme, key, &chained).await,
        Tx::Sqlite(_) => append_sqlite(tx, programme, key, &chained).await,
    }
}

/// On SQLite the chained entries (one multi-row insert), the records they list (one
/// statement of fixed text over a JSON array of `[seq, id in hex]`: prepared once, two values
/// bound) and the new chain head.
async fn append_sqlite(tx: &mut Tx, programme: ProgrammeId, key: i64, chained: &[AuditEntry]) -> StoreResult<()> {
    let Some(last) = chained.last() else {
        return Ok(());
    };
    let rows: Vec<_> = chained
        .iter()
        .map(|e| {
            Ok(EntryInsertRow {
                programme_key: key,
                seq: e.seq,
                at: e.entry.at,
                actor: e.entry.actor.clone(),
                action: e.entry.action.clone(),
                object_kind: e.entry.object_kind.clone(),
                object_id: e.entry.object_id,
                purpose: e.entry.purpose.clone(),
                prev_hash: hash_bytes(&e.prev_hash)?,
                hash: hash_bytes(&e.hash)?,
                reference: e.entry.reference.clone(),
                objects: packed(&e.entry.objects),
            })
        })
        .collect::<StoreResult<_>>()?;
    bulk::insert_rows(tx, rows).await?;
    let listed: Vec<Json> = chained
        .iter()
        .flat_map(|e| {
            e.entry
                .objects
                .iter()
                .map(move |id| serde_json::json!([e.seq, id.simple().to_string()]))
        })
        .collect();
    if !listed.is_empty() {
        on_conn!(tx, c => sqlx::query(
            "insert into audit_object (programme_key, seq, object_id) \
             select $1, j.value ->> 0, unhex(j.value ->> 1) from json_each($2) j",
        )
        .bind(key)
        .bind(Json::Array(listed))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    on_conn!(tx, c => sqlx::query("update audit_chain set last_hash = $2 where programme_id = $1")
        .bind(programme.as_uuid())
        .bind(hash_bytes(&last.hash)?)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// On PostgreSQL the chained entries, the records they list and the new chain head go in with
/// one statement of fixed text (three data-modifying parts over arrays), one round trip
/// instead of three per batch.
async fn append_postgres(
    tx: &mut crate::db::PgTx,
    programme: ProgrammeId,
    key: i64,
    chained: &[AuditEntry],
) -> StoreResult<()> {
    let Some(last) = chained.last() else {
        return Ok(());
    };
    let mut e = EntryArrays::default();
    for entry in chained {
        e.seq.push(entry.seq);
        e.at.push(entry.entry.at);
        e.actor.push(entry.entry.actor.clone());
        e.action.push(entry.entry.action.clone());
        e.object_kind.push(entry.entry.object_kind.clone());
        e.object_id.push(entry.entry.object_id);
        e.purpose.push(entry.entry.purpose.clone());
        e.prev_hash.push(hash_bytes(&entry.prev_hash)?);
        e.hash.push(hash_bytes(&entry.hash)?);
        e.reference.push(entry.entry.reference.clone());
        e.objects.push(packed(&entry.entry.objects));
        for id in &entry.entry.objects {
            e.object_seq.push(entry.seq);
            e.listed.push(*id);
        }
    }
    sqlx::query(
        "with head as (update audit_chain set last_hash = $2 where programme_id = $1), \
         entries as (insert into audit_entry \
           (programme_key, seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash, reference, objects) \
           select $15, * from unnest($3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], \
             $8::uuid[], $9::text[], $10::bytea[], $11::bytea[], $12::text[], $16::bytea[])) \
         insert into audit_object (programme_key, seq, object_id) \
         select $15, * from unnest($13::bigint[], $14::uuid[])",
    )
    .bind(programme.as_uuid())
    .bind(hash_bytes(&last.hash)?)
    .bind(e.seq)
    .bind(e.at)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.object_kind)
    .bind(e.object_id)
    .bind(e.purpose)
    .bind(e.prev_hash)
    .bind(e.hash)
    .bind(e.reference)
    .bind(e.object_seq)
    .bind(e.listed)
    .bind(key)
    .bind(e.objects)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The columns of chained entries as arrays, for [`append_postgres`].
#[derive(Default)]
struct EntryArrays {
    seq: Vec<i64>,
    at: Vec<OffsetDateTime>,
    actor: Vec<String>,
    action: Vec<String>,
    object_kind: Vec<String>,
    object_id: Vec<Uuid>,
    purpose: Vec<String>,
    prev_hash: Vec<Vec<u8>>,
    hash: Vec<Vec<u8>>,
    reference: Vec<Option<String>>,
    objects: Vec<Option<Vec<u8>>>,
    object_seq: Vec<i64>,
    listed: Vec<Uuid>,
}

/// A hash as stored: its 32 bytes (the domain writes 64 hex digits).
fn hash_bytes(hex_digits: &str) -> StoreResult<Vec<u8>> {
    hex::decode(hex_digits).map_err(|e| StoreError::Corrupt(format!("audit hash is not hex: {e}")))
}

/// The ids an entry lists, as stored in `audit_entry.objects`: 16 bytes each, in the entry's
/// (id) order; `None` for an entry about one record.
fn packed(ids: &[Uuid]) -> Option<Vec<u8>> {
    (!ids.is_empty()).then(|| ids.iter().flat_map(|id| *id.as_bytes()).collect())
}

/// The ids of a stored `audit_entry.objects`.
fn unpacked(bytes: Option<&[u8]>) -> StoreResult<Vec<Uuid>> {
    let Some(bytes) = bytes else {
        return Ok(Vec::new());
    };
    if bytes.len() % 16 != 0 {
        return Err(StoreError::Corrupt(format!(
            "an audit entry's list of {} bytes is not a list of ids",
            bytes.len()
        )));
    }
    bytes
        .chunks_exact(16)
        .map(|id| <[u8; 16]>::try_from(id).map(Uuid::from_bytes))
        .collect::<Result<_, _>>()
        .map_err(|e| StoreError::Corrupt(format!("an audit entry's list: {e}")))
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at: OffsetDateTime,
    actor: String,
    action: String,
    object_kind: String,
    object_id: Uuid,
    purpose: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
    reference: Option<String>,
    objects: Option<Vec<u8>>,
}

impl EntryRow {
    fn into_entry(self, programme: ProgrammeId) -> StoreResult<AuditEntry> {
        let objects = unpacked(self.objects.as_deref())?;
        Ok(AuditEntry {
            programme,
            seq: self.seq,
            entry: NewAuditEntry {
                at: self.at,
                actor: self.actor,
                action: self.action,
                object_kind: self.object_kind,
                object_id: self.object_id,
                purpose: self.purpose,
                reference: self.reference,
                objects,
            },
            prev_hash: hex::encode(self.prev_hash),
            hash: hex::encode(self.hash),
        })
    }
}

/// Stored entries as domain entries.
fn entries(programme: ProgrammeId, rows: Vec<EntryRow>) -> StoreResult<Vec<AuditEntry>> {
    rows.into_iter().map(|r| r.into_entry(programme)).collect()
}

/// The outcome of verifying one programme's chain.
#[derive(Debug)]
pub struct ChainReport {
    /// The programme.
    pub programme: ProgrammeId,
    /// Entries checked.
    pub entries: i64,
    /// The first break, if any.
    pub broken: Option<ChainBreak>,
}

/// Verifies a programme's whole chain, reading it in pages so memory stays flat.
pub async fn verify(db: &Db, scope: &ProgrammeScope) -> StoreResult<ChainReport> {
    verify_anchored(db, scope, None).await
}

/// The head of a programme's chain: (last sequence number, last hash in hex).
pub async fn head(db: &Db, scope: &ProgrammeScope) -> StoreResult<(i64, String)> {
    let (seq, hash): (i64, Vec<u8>) = crate::on_pool!(db, p => sqlx::query_as(
        "select last_seq, last_hash from audit_chain where programme_id = $1",
    )
    .bind(scope.programme().as_uuid())
    .fetch_optional(p)
    .await)?
    .ok_or(StoreError::NotFound { kind: "audit chain" })?;
    Ok((seq, hex::encode(hash)))
}

/// Verifies a programme's whole chain like [`verify`]; with `anchor` (a checkpoint's sequence
/// number and hash, kept outside the database), the chain must also extend that checkpoint.
pub async fn verify_anchored(db: &Db, scope: &ProgrammeScope, anchor: Option<(i64, &str)>) -> StoreResult<ChainReport> {
    let programme = scope.programme();
    let (head_seq, head_hash) = head(db, scope).await?;
    let mut verifier = match anchor {
        Some((seq, hash)) => ChainVerifier::anchored(programme, seq, hash),
        None => ChainVerifier::new(programme),
    };
    let key = db.programme_key(programme).await?;
    let mut listed = ListedRows::open(db, key).await?;
    let mut after = 0_i64;
    let mut checked = 0_i64;
    loop {
        let rows: Vec<EntryRow> = crate::on_pool!(db, p => sqlx::query_as(
            "select seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash, reference, objects \
             from audit_entry where programme_key = $1 and seq > $2 and seq <= $3 order by seq limit 5000",
        )
        .bind(key)
        .bind(after)
        .bind(head_seq)
        .fetch_all(p)
        .await)?;
        if rows.is_empty() {
            break;
        }
        for entry in entries(programme, rows)? {
            after = entry.seq;
            let broken = match verifier.check(&entry) {
                Err(broken) => Some(broken),
                Ok(()) => listed.check(&entry).await?,
            };
            if broken.is_some() {
                return Ok(ChainReport {
                    programme,
                    entries: checked,
                    broken,
                });
            }
            checked += 1;
        }
    }
    let broken = match verifier.finish(head_seq, &head_hash) {
        Err(broken) => Some(broken),
        Ok(_) => listed.finish(db, scope, head_seq).await?,
    };
    Ok(ChainReport {
        programme,
        entries: checked,
        broken,
    })
}

/// The rows of `audit_object` (the listed records by record, for "who saw this person?") of
/// one programme in entry order, compared with the lists the entries hold and their hashes
/// cover, entry by entry, while the chain is verified: one statement, sorted by the database,
/// read as a stream, so memory stays flat.
struct ListedRows<'a> {
    rows: futures_util::stream::BoxStream<'a, Result<(i64, Uuid), sqlx::Error>>,
    next: Option<(i64, Uuid)>,
}

impl<'a> ListedRows<'a> {
    async fn open(db: &'a Db, key: i64) -> StoreResult<Self> {
        let sql = "select seq, object_id from audit_object where programme_key = $1 order by seq, object_id";
        let rows = crate::on_pool!(db, p => sqlx::query_as(sql).bind(key).fetch(p));
        let mut listed = Self { rows, next: None };
        listed.advance().await?;
        Ok(listed)
    }

    async fn advance(&mut self) -> StoreResult<()> {
        self.next = futures_util::TryStreamExt::try_next(&mut self.rows).await?;
        Ok(())
    }

    /// The rows of `entry`, compared with its list: [`ChainBreak::Listed`] for a row before it
    /// that no entry lists, or for rows other than its list.
    async fn check(&mut self, entry: &AuditEntry) -> StoreResult<Option<ChainBreak>> {
        if let Some((seq, _)) = self.next.filter(|(seq, _)| *seq < entry.seq) {
            return Ok(Some(ChainBreak::Listed { seq }));
        }
        let mut rows = Vec::new();
        while let Some((_, id)) = self.next.filter(|(seq, _)| *seq == entry.seq) {
            rows.push(id);
            self.advance().await?;
        }
        Ok((rows != entry.entry.objects).then_some(ChainBreak::Listed { seq: entry.seq }))
    }

    /// After the last entry up to the chain's head (`head`, read before the rows): a row left
    /// is listed by no entry, unless an entry appended since then lists it (its number is
    /// at most the head now; it is checked by the next verification).
    async fn finish(self, db: &Db, scope: &ProgrammeScope, head: i64) -> StoreResult<Option<ChainBreak>> {
        let Some((seq, _)) = self.next else {
            return Ok(None);
        };
        let orphan = seq <= head || seq > self::head(db, scope).await?.0;
        Ok(orphan.then_some(ChainBreak::Listed { seq }))
    }
}

/// Entries about one record, newest first (for coordinators' audit views and tests).
pub async fn list_for_object(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    object_kind: ObjectKind,
    object_id: Uuid,
) -> StoreResult<Vec<AuditEntry>> {
    let programme = scope.programme();
    let key = tx.programme_key(programme).await?;
    let rows: Vec<EntryRow> = on_conn!(&mut *tx, c => sqlx::query_as(
        "select seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash, reference, objects \
         from audit_entry where programme_key = $1 and object_kind = $2 and object_id = $3 \
         union all \
         select e.seq, e.at, e.actor, e.action, e.object_kind, e.object_id, e.purpose, e.prev_hash, e.hash, e.reference, e.objects \
         from audit_object o join audit_entry e on e.programme_key = o.programme_key and e.seq = o.seq \
         where o.programme_key = $1 and o.object_id = $3 and e.object_kind = $2 \
         order by seq desc",
    )
    .bind(key)
    .bind(object_kind.code())
    .bind(object_id)
    .fetch_all(c)
    .await)?;
    entries(programme, rows)
}

/// When and why personal data is touched: every store function that reads or writes personal
/// data takes one and writes the audit entries itself, so a caller cannot forget them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// When.
    pub at: OffsetDateTime,
    /// Why.
    pub purpose: lotse_domain::audit::AuditPurpose,
}

/// Records one action on records of a kind by the scope's actor: one entry, which lists the
/// records when there are several (a list view is one entry), and none when there are none.
pub async fn record(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    action: lotse_domain::audit::AuditAction,
    object_kind: ObjectKind,
    ids: impl IntoIterator<Item = Uuid>,
) -> StoreResult<()> {
    let entry = NewAuditEntry::about(access.at, scope.actor(), action, object_kind, ids, access.purpose);
    append(tx, scope, entry.into_iter().collect()).await
}

/// Writes one audit entry about a user account (sign-in, sessions, second factor, resets).
pub async fn record_user(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    action: lotse_domain::audit::AuditAction,
    user: lotse_domain::id::UserId,
) -> StoreResult<()> {
    record(tx, scope, access, action, ObjectKind::User, [user.as_uuid()]).await
}

/// Writes one audit entry that records the request it answers (a coordinator's export or
/// erasure on a data-subject request).
pub async fn record_referenced(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    action: lotse_domain::audit::AuditAction,
    object_kind: ObjectKind,
    id: Uuid,
    reference: Option<&lotse_domain::audit::RequestReference>,
) -> StoreResult<()> {
    let entry =
        NewAuditEntry::new(access.at, scope.actor(), action, object_kind, id, access.purpose).with_reference(reference);
    append(tx, scope, vec![entry]).await
}

/// Whether `actor` has an entry with `action` at or after `since` (to write repeated refusals
/// once per window).
pub async fn recent(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    actor: &str,
    action: lotse_domain::audit::AuditAction,
    since: OffsetDateTime,
) -> StoreResult<bool> {
    let sql = format!(
        "select count(*) from audit_entry where programme_key = $1 and actor = $2 and action = $3 and {}",
        tx.engine().time_cmp("at", ">=", "$4")
    );
    let key = tx.programme_key(scope.programme()).await?;
    let count: i64 = on_conn!(tx, c => sqlx::query_scalar(&sql)
    .bind(key)
    .bind(actor)
    .bind(action.code())
    .bind(since)
    .fetch_one(c)
    .await)?;
    Ok(count > 0)
}

/// Inserts rows of newly created records and one `create` audit entry per record, in `tx`.
pub(crate) async fn insert_created(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    access: Access,
    rows: Vec<impl bulk::Row>,
    object_kind: ObjectKind,
    ids: impl IntoIterator<Item = uuid::Uuid>,
) -> StoreResult<()> {
    bulk::insert_rows(tx, rows).await?;
    record(
        tx,
        scope,
        access,
        lotse_domain::audit::AuditAction::Create,
        object_kind,
        ids,
    )
    .await
}

/// Entries about any of several records, newest first, each once, at most `limit` (a person's
/// audit view).
pub async fn list_for_objects(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    objects: &[(ObjectKind, Uuid)],
    limit: usize,
) -> StoreResult<Vec<AuditEntry>> {
    let mut all = Vec::new();
    for (kind, id) in objects {
        all.extend(list_for_object(tx, scope, *kind, *id).await?);
    }
    all.sort_by_key(|e| std::cmp::Reverse(e.seq));
    // An entry that lists several of the records is found once per record.
    all.dedup_by_key(|e| e.seq);
    all.truncate(limit);
    Ok(all)
}

/// Entries written by one actor (`user:<uuid>`), newest first, at most `limit`.
pub async fn list_for_actor(
    tx: &mut Tx,
    scope: &ProgrammeScope,
    actor: &str,
    limit: i64,
) -> StoreResult<Vec<AuditEntry>> {
    let programme = scope.programme();
    let key = tx.programme_key(programme).await?;
    let rows: Vec<EntryRow> = on_conn!(tx, c => sqlx::query_as(
        "select seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash, reference, objects \
         from audit_entry where programme_key = $1 and actor = $2 order by seq desc limit $3",
    )
    .bind(key)
    .bind(actor)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    entries(programme, rows)
}
