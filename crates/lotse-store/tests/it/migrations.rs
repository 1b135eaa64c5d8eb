use std::collections::BTreeSet;

use lotse_store::{Db, migrate, on_conn, on_pool};
use lotse_testkit::TestDb;

#[test]
fn both_engines_have_the_same_migrations() {
    assert_eq!(migrate::names(&migrate::SQLITE), migrate::names(&migrate::POSTGRES));
    assert!(!migrate::names(&migrate::SQLITE).is_empty());
}

/// The storage class a declared column type maps to, written out for both engines: SQLite
/// stores uuids as blobs, booleans as integers, timestamps, dates and JSON as text.
/// A type that is not in this table fails the test, so a new type must be paired here first.
fn storage_class(engine: &str, declared: &str) -> &'static str {
    const TABLE: &[(&str, &str, &str)] = &[
        ("sqlite", "blob", "uuid-or-bytes"),
        ("sqlite", "integer", "integer"),
        ("sqlite", "real", "float"),
        ("sqlite", "text", "text"),
        ("postgres", "uuid", "uuid-or-bytes"),
        ("postgres", "bytea", "uuid-or-bytes"),
        ("postgres", "bigint", "integer"),
        ("postgres", "integer", "integer"),
        ("postgres", "boolean", "integer"),
        ("postgres", "double precision", "float"),
        ("postgres", "text", "text"),
        ("postgres", "timestamp with time zone", "text"),
        ("postgres", "jsonb", "text"),
        ("postgres", "date", "text"),
    ];
    let declared = declared.to_ascii_lowercase();
    TABLE
        .iter()
        .find(|(e, d, _)| *e == engine && *d == declared)
        .map_or_else(
            || panic!("{engine} column type `{declared}` has no pairing in storage_class"),
            |(_, _, class)| *class,
        )
}

/// A column default as both engines should agree on it: casts dropped, booleans as 0/1.
fn default_value(raw: Option<String>) -> Option<String> {
    let raw = raw?;
    let value = raw
        .split("::")
        .next()
        .unwrap_or(&raw)
        .trim()
        .trim_matches(|c| c == '(' || c == ')');
    Some(match value.to_ascii_lowercase().as_str() {
        "false" => "0".to_owned(),
        "true" => "1".to_owned(),
        other => other.to_owned(),
    })
}

/// What must be equal on both engines.
#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    /// (table, column, storage class, nullable, default)
    columns: BTreeSet<(String, String, &'static str, bool, Option<String>)>,
    /// (table, "primary" or "unique", columns in key order)
    keys: BTreeSet<(String, &'static str, Vec<String>)>,
    /// (table, columns, referenced table, referenced columns)
    foreign_keys: BTreeSet<(String, Vec<String>, String, Vec<String>)>,
    /// named (non-key) indexes: (table, name, unique, columns in order)
    indexes: BTreeSet<(String, String, bool, Vec<String>)>,
}

async fn sqlite_schema(pool: &sqlx::SqlitePool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name != '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for t in tables {
        let rows: Vec<(String, String, i64, Option<String>, i64)> = sqlx::query_as(&format!(
            "select name, type, \"notnull\", dflt_value, pk from pragma_table_info('{t}') order by pk"
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        let mut primary = Vec::new();
        for (name, declared, notnull, default, pk) in rows {
            schema.columns.insert((
                t.clone(),
                name.clone(),
                storage_class("sqlite", &declared),
                notnull == 0 && pk == 0,
                default_value(default),
            ));
            if pk > 0 {
                primary.push(name);
            }
        }
        if !primary.is_empty() {
            schema.keys.insert((t.clone(), "primary", primary));
        }
        let fks: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(&format!(
            "select id, \"table\", \"from\", \"to\" from pragma_foreign_key_list('{t}') order by id, seq"
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        let mut by_id: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>)> =
            std::collections::BTreeMap::new();
        for (id, target, from, to) in fks {
            let entry = by_id.entry(id).or_insert_with(|| (target, Vec::new(), Vec::new()));
            entry.1.push(from);
            entry.2.push(to.unwrap_or_default());
        }
        for (_, (target, from, to)) in by_id {
            schema.foreign_keys.insert((t.clone(), from, target, to));
        }
        let indexes: Vec<(String, i64, String)> = sqlx::query_as(&format!(
            "select name, \"unique\", origin from pragma_index_list('{t}')"
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        for (name, unique, origin) in indexes {
            let columns: Vec<String> =
                sqlx::query_scalar(&format!("select name from pragma_index_info('{name}') order by seqno"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    schema.keys.insert((t.clone(), "unique", columns));
                }
                _ => {
                    schema.indexes.insert((t.clone(), name, unique == 1, columns));
                }
            }
        }
    }
    schema
}

/// (table, kind, columns, referenced table, referenced columns)
type Constraint = (String, String, Vec<String>, Option<String>, Vec<String>);

async fn postgres_schema(pool: &sqlx::PgPool) -> Schema {
    let mut schema = Schema::default();
    let columns: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "select table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text \
         from information_schema.columns where table_schema = 'public' and table_name != '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (t, c, declared, nullable, default) in columns {
        schema.columns.insert((
            t,
            c,
            storage_class("postgres", &declared),
            nullable == "YES",
            default_value(default),
        ));
    }
    // Constraints with their columns in key order (conkey keeps the declared order).
    let constraints: Vec<Constraint> = sqlx::query_as(
        "select c.conrelid::regclass::text, c.contype::text, \
                array(select a.attname::text from unnest(c.conkey) with ordinality k(n, o) \
                      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.o), \
                case when c.contype = 'f' then c.confrelid::regclass::text end, \
                coalesce(array(select a.attname::text from unnest(c.confkey) with ordinality k(n, o) \
                      join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.o), '{}') \
         from pg_constraint c join pg_namespace s on s.oid = c.connamespace \
         where s.nspname = 'public' and c.contype in ('p', 'u', 'f') \
           and c.conrelid::regclass::text != '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (t, kind, columns, target, target_columns) in constraints {
        match kind.as_str() {
            "p" => {
                schema.keys.insert((t, "primary", columns));
            }
            "u" => {
                schema.keys.insert((t, "unique", columns));
            }
            _ => {
                schema
                    .foreign_keys
                    .insert((t, columns, target.unwrap_or_default(), target_columns));
            }
        }
    }
    // Indexes that no key constraint owns (a foreign key names the unique index it refers to
    // in `conindid` too, without owning it).
    let indexes: Vec<(String, String, bool, Vec<String>)> = sqlx::query_as(
        "select t.relname::text, i.relname::text, x.indisunique, \
                array(select a.attname::text from unnest(x.indkey::int2[]) with ordinality k(n, o) \
                      join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.n order by k.o) \
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid \
         join pg_namespace s on s.oid = t.relnamespace \
         where s.nspname = 'public' and t.relname != '_sqlx_migrations' \
           and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid and c.contype <> 'f')",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    schema.indexes = indexes.into_iter().collect();
    schema
}

async fn schema(db: &Db) -> Schema {
    match db {
        Db::Sqlite(db) => sqlite_schema(db.pool()).await,
        Db::Postgres(db) => postgres_schema(db.pool()).await,
    }
}

/// Both engines end with the same tables, columns (storage class, nullability, default),
/// primary and unique keys (columns in order), foreign keys and named indexes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_equals_sqlite_schema() {
    let Some(pg) = TestDb::postgres().await else { return };
    let lite = TestDb::sqlite().await;
    let (lite, pg) = (schema(&lite.db).await, schema(&pg.db).await);
    assert!(!lite.columns.is_empty() && !lite.keys.is_empty() && !lite.foreign_keys.is_empty());
    assert!(!pg.keys.is_empty() && !pg.foreign_keys.is_empty() && !pg.indexes.is_empty());
    for (part, l, p) in [
        (
            "columns",
            format!(
                "{:#?}",
                lite.columns.symmetric_difference(&pg.columns).collect::<Vec<_>>()
            ),
            "",
        ),
        (
            "keys",
            format!("{:#?}", lite.keys.symmetric_difference(&pg.keys).collect::<Vec<_>>()),
            "",
        ),
        (
            "foreign keys",
            format!(
                "{:#?}",
                lite.foreign_keys
                    .symmetric_difference(&pg.foreign_keys)
                    .collect::<Vec<_>>()
            ),
            "",
        ),
        (
            "indexes",
            format!(
                "{:#?}",
                lite.indexes.symmetric_difference(&pg.indexes).collect::<Vec<_>>()
            ),
            "",
        ),
    ] {
        assert_eq!(l, "[]", "{part} differ between SQLite and PostgreSQL{p}");
    }
}

/// Tables that hold no programme's data: the programme, user accounts and what belongs to an
/// account (sessions, sign-in counters, second factors and their counters, reset codes,
/// notices), and the upkeep tasks migrations leave for Rust (`store_upkeep`); every other table has the programme first in its primary key and in every unique
/// key: its `programme_key` (migration 0019), or its id in the few tables listed in
/// [`HELD_BY_PROGRAMME_ID`].
const INSTALLATION_WIDE: &[&str] = &[
    "programme",
    "user_account",
    "session",
    "login_attempt",
    "user_second_factor",
    "pending_sign_in",
    "password_reset_code",
    "account_notice",
    "second_factor_attempt",
    "store_upkeep",
];

/// Tenant tables of few rows that name their programme by id, not by its number: the chain head
/// (one row per programme) and capabilities (found by the id a link names).
const HELD_BY_PROGRAMME_ID: &[&str] = &["audit_chain", "capability"];

#[tokio::test]
async fn every_tenant_key_starts_with_the_programme() {
    let lite = TestDb::sqlite().await;
    let schema = schema(&lite.db).await;
    let tables: BTreeSet<&String> = schema.columns.iter().map(|(t, ..)| t).collect();
    let mut wrong = Vec::new();
    for table in tables {
        if INSTALLATION_WIDE.contains(&table.as_str()) {
            continue;
        }
        let keys: Vec<_> = schema.keys.iter().filter(|(t, ..)| t == table).collect();
        if keys.is_empty() {
            wrong.push(format!("{table}: no primary key"));
        }
        let first = if HELD_BY_PROGRAMME_ID.contains(&table.as_str()) {
            "programme_id"
        } else {
            "programme_key"
        };
        for (_, kind, columns) in keys {
            if columns.first().map(String::as_str) != Some(first) {
                wrong.push(format!("{table}: {kind} key {columns:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "tenant keys without the programme first: {wrong:#?}");
}

async fn indexes(db: &Db) -> BTreeSet<String> {
    let names: Vec<String> = on_pool!(db, p => match db {
        Db::Sqlite(_) => sqlx::query_scalar("select name from sqlite_master where type = 'index' and name not like 'sqlite_%'").fetch_all(p).await,
        Db::Postgres(_) => sqlx::query_scalar("select indexname::text from pg_indexes where schemaname = 'public' and indexname not like '%_pkey' and indexname not like '%_key'").fetch_all(p).await,
    })
    .unwrap();
    names.into_iter().collect()
}

/// Applying the migrations again changes nothing (a migrated database is up to date).
#[tokio::test]
async fn migrating_twice_applies_nothing() {
    let lite = TestDb::sqlite().await;
    assert_eq!(migrate::run(&lite.db).await.unwrap(), 0);
    assert!(!indexes(&lite.db).await.is_empty());
}

/// A database made with the first migration only, holding rows, then brought up to date.
/// Returns its schema after the first migration (so the test can show the comparison sees a
/// difference where there is one).
async fn upgraded(db: &Db) -> Schema {
    let first = match db {
        Db::Sqlite(_) => &migrate::SQLITE,
        Db::Postgres(_) => &migrate::POSTGRES,
    }
    .iter()
    .next()
    .unwrap()
    .version;
    migrate_up_to(db, first).await;
    let first_only = schema(db).await;
    let programme = uuid::Uuid::new_v4();
    let insert = "insert into programme (programme_id, slug, name, languages, time_zone, link_work_model, \
        contact_attempts_before_unreachable, public_directory, version, created_at) \
        values ($1, 'old-programme', 'Old', 'de', 'Europe/Berlin', 'link_facility', 3, $2, 1, $3)";
    on_pool!(db, p => sqlx::query(insert).bind(programme).bind(true).bind(lotse_testkit::fixed_now()).execute(p).await.map(|_| ()))
        .unwrap();
    let user = "insert into user_account (user_id, username, display_name, password_hash, disabled, version, created_at) \
        values ($1, 'old.user', 'Old User', 'not-a-hash', $2, 1, $3)";
    on_pool!(db, p => sqlx::query(user).bind(uuid::Uuid::new_v4()).bind(false).bind(lotse_testkit::fixed_now()).execute(p).await.map(|_| ()))
        .unwrap();
    let chain_head = old_audit_chain_and_events(db, programme).await;
    let person = old_identity(db, programme).await;
    assert!(migrate::run(db).await.unwrap() >= 1, "the later migrations ran");
    let kept: i64 = on_pool!(db, p => sqlx::query_scalar("select count(*) from programme where programme_id = $1").bind(programme).fetch_one(p).await).unwrap();
    assert_eq!(kept, 1, "the row survived the upgrade");
    converted_audit_chain_and_events_hold(db, programme, &chain_head).await;
    converted_identity_holds(db, programme, person).await;
    first_only
}

/// Writes a person whose given name is sealed as the text `enc1:<key id>:<hex>` (as stored
/// before migration 0018) and whose other fields are plain (as stored before encryption);
/// returns the person.
async fn old_identity(db: &Db, programme: uuid::Uuid) -> uuid::Uuid {
    let person = uuid::Uuid::new_v4();
    let slot = lotse_store::crypto::Slot {
        programme,
        record: person,
        column: "given_name",
    };
    let sealed = lotse_testkit::test_keys().seal(slot, "Alma").unwrap();
    let id = lotse_store::crypto::DataKeys::key_id(&sealed).unwrap();
    let old_text = format!("enc1:{id}:{}", hex::encode(&sealed[2 + id.len()..]));
    on_pool!(db, p => sqlx::query(
        "insert into patient (programme_id, patient_id, age_band, gender, language, created_at) \
         values ($1, $2, '65-79', 'female', 'de', $3)",
    )
    .bind(programme).bind(person).bind(lotse_testkit::fixed_now())
    .execute(p).await.map(|_| ()))
    .unwrap();
    let birth = time::macros::date!(1950 - 03 - 02);
    let insert = "insert into patient_identity (programme_id, patient_id, given_name, family_name, birth_date, phone) \
        values ($1, $2, $3, 'Altmann', $4, null)";
    match db {
        // The first migration declares the birth date as text on SQLite and as a date on PostgreSQL.
        Db::Sqlite(_) => on_pool!(db, p => sqlx::query(insert).bind(programme).bind(person).bind(&old_text)
            .bind("1950-03-02").execute(p).await.map(|_| ())),
        Db::Postgres(_) => on_pool!(db, p => sqlx::query(insert).bind(programme).bind(person).bind(&old_text)
            .bind(birth).execute(p).await.map(|_| ())),
    }
    .unwrap();
    person
}

/// After the upgrade the sealed given name opens with its key as before, the plain fields are
/// refused until `lotse keys rotate` seals them, and then the whole identity reads back.
async fn converted_identity_holds(db: &Db, programme: uuid::Uuid, person: uuid::Uuid) {
    use lotse_domain::actor::SystemJob;
    let db = db.clone().with_keys(lotse_testkit::test_keys());
    let (given, family): (Vec<u8>, Vec<u8>) = on_pool!(&db, p => sqlx::query_as(
        "select given_name, family_name from patient_identity where programme_key = (select programme_key from programme where programme_id = $1) and patient_id = $2",
    )
    .bind(programme).bind(person).fetch_one(p).await)
    .unwrap();
    let slot = |column| lotse_store::crypto::Slot {
        programme,
        record: person,
        column,
    };
    assert_eq!(
        lotse_testkit::test_keys().open(slot("given_name"), &given).unwrap(),
        "Alma"
    );
    assert_eq!(family, lotse_store::crypto::DataKeys::unsealed("Altmann"));
    let scope = lotse_testkit::system_scope(SystemJob::Admin, lotse_domain::id::ProgrammeId::from_uuid(programme));
    let access = lotse_store::audit::Access {
        at: lotse_testkit::fixed_now(),
        purpose: lotse_domain::audit::AuditPurpose::Administration,
    };
    let patient = lotse_domain::id::PatientId::from_uuid(person);
    let mut tx = db.begin().await.unwrap();
    let err = lotse_store::person::get_identity(&mut tx, &scope, access, patient)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("stored unencrypted"), "{err}");
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        lotse_store::person::reseal_identities(&mut tx, &scope, access)
            .await
            .unwrap(),
        1
    );
    let identity = lotse_store::person::get_identity(&mut tx, &scope, access, patient)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        (
            identity.given_name.as_str(),
            identity.family_name.as_str(),
            identity.birth_date,
            identity.phone
        ),
        ("Alma", "Altmann", time::macros::date!(1950 - 03 - 02), None)
    );
}

/// Writes a three-entry audit chain with hashes as 64 hex characters and a two-event stream,
/// as the first migration stored them; returns the chain's last hash.
async fn old_audit_chain_and_events(db: &Db, programme: uuid::Uuid) -> String {
    use lotse_domain::actor::SystemJob;
    use lotse_domain::audit::{AuditAction, AuditPurpose, GENESIS_HASH, NewAuditEntry, chain};
    let pid = lotse_domain::id::ProgrammeId::from_uuid(programme);
    let scope = lotse_testkit::system_scope(SystemJob::Admin, pid);
    let entries: Vec<_> = (0..3)
        .map(|_| {
            NewAuditEntry::new(
                lotse_testkit::fixed_now(),
                scope.actor(),
                AuditAction::Read,
                lotse_domain::audit::ObjectKind::Patient,
                uuid::Uuid::new_v4(),
                AuditPurpose::Administration,
            )
        })
        .collect();
    let chained = chain(pid, 0, GENESIS_HASH, entries);
    for e in &chained {
        on_pool!(db, p => sqlx::query(
            "insert into audit_entry (programme_id, seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(programme).bind(e.seq).bind(e.entry.at).bind(&e.entry.actor).bind(&e.entry.action)
        .bind(&e.entry.object_kind).bind(e.entry.object_id).bind(&e.entry.purpose).bind(&e.prev_hash).bind(&e.hash)
        .execute(p).await.map(|_| ()))
        .unwrap();
    }
    let last = chained.last().unwrap().hash.clone();
    assert_eq!(last.len(), 64, "stored as hex before the upgrade");
    on_pool!(db, p => sqlx::query("insert into audit_chain (programme_id, last_seq, last_hash) values ($1, 3, $2)")
        .bind(programme).bind(&last).execute(p).await.map(|_| ()))
    .unwrap();
    let stream = uuid::Uuid::new_v4();
    for version in 1..=2_i64 {
        on_pool!(db, p => sqlx::query(
            "insert into event (programme_id, event_id, stream, stream_id, stream_version, kind, payload, actor, occurred_at) \
             values ($1, $2, 'referral', $3, $4, 'referral.accepted', $5, 'system:admin', $6)",
        )
        .bind(programme).bind(uuid::Uuid::new_v4()).bind(stream).bind(version)
        .bind(serde_json::json!({"type": "accepted"})).bind(lotse_testkit::fixed_now())
        .execute(p).await.map(|_| ()))
        .unwrap();
    }
    last
}

/// After the upgrade the old chain verifies with its hashes stored as 32 bytes, its head reads
/// back as the same hex, and the events are still read by stream and still refuse a version
/// written twice.
async fn converted_audit_chain_and_events_hold(db: &Db, programme: uuid::Uuid, last_hash: &str) {
    use lotse_domain::actor::SystemJob;
    let scope = lotse_testkit::system_scope(
        SystemJob::AuditVerify,
        lotse_domain::id::ProgrammeId::from_uuid(programme),
    );
    let lengths: Vec<i64> = on_pool!(db, p => sqlx::query_scalar(
        "select cast(octet_length(hash) as bigint) from audit_entry where programme_key = (select programme_key from programme where programme_id = $1) union all \
         select cast(octet_length(prev_hash) as bigint) from audit_entry where programme_key = (select programme_key from programme where programme_id = $1) union all \
         select cast(octet_length(last_hash) as bigint) from audit_chain where programme_id = $1",
    )
    .bind(programme).fetch_all(p).await)
    .unwrap();
    assert_eq!(lengths, [32; 7], "hashes are stored as 32 bytes");
    assert_eq!(
        lotse_store::audit::head(db, &scope).await.unwrap(),
        (3, last_hash.to_owned())
    );
    let report = lotse_store::audit::verify(db, &scope).await.unwrap();
    assert_eq!(
        (report.entries, report.broken),
        (3, None),
        "the converted chain verifies"
    );
    let mut tx = db.begin().await.unwrap();
    let stream: uuid::Uuid =
        on_conn!(&mut tx, c => sqlx::query_scalar("select stream_id from event where programme_key = (select programme_key from programme where programme_id = $1) limit 1")
        .bind(programme).fetch_one(c).await)
        .unwrap();
    let events = lotse_store::event::list_stream(&mut tx, &scope, "referral", stream)
        .await
        .unwrap();
    assert_eq!(events.iter().map(|e| e.stream_version).collect::<Vec<_>>(), [1, 2]);
    let again = lotse_store::event::NewEvent {
        stream: "referral",
        stream_id: stream,
        stream_version: 2,
        payload: serde_json::json!({"type": "accepted"}),
        actor: "system:admin".to_owned(),
        occurred_at: lotse_testkit::fixed_now(),
    };
    let err = lotse_store::event::append(&mut tx, &scope, &[again]).await.unwrap_err();
    assert!(matches!(err, lotse_store::StoreError::Duplicate { .. }), "{err:?}");
}

fn differences(fresh: &Schema, upgraded: &Schema) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (part, diff) in [
        (
            "columns",
            format!(
                "{:#?}",
                fresh
                    .columns
                    .symmetric_difference(&upgraded.columns)
                    .collect::<Vec<_>>()
            ),
        ),
        (
            "keys",
            format!(
                "{:#?}",
                fresh.keys.symmetric_difference(&upgraded.keys).collect::<Vec<_>>()
            ),
        ),
        (
            "foreign keys",
            format!(
                "{:#?}",
                fresh
                    .foreign_keys
                    .symmetric_difference(&upgraded.foreign_keys)
                    .collect::<Vec<_>>()
            ),
        ),
        (
            "indexes",
            format!(
                "{:#?}",
                fresh
                    .indexes
                    .symmetric_difference(&upgraded.indexes)
                    .collect::<Vec<_>>()
            ),
        ),
    ] {
        if diff != "[]" {
            let _ = writeln!(out, "{part}: {diff}");
        }
    }
    out
}

/// A SQLite database upgraded step by step (first migration, rows, then the rest) has the
/// schema of a fresh one.
#[tokio::test]
async fn an_upgraded_sqlite_database_equals_a_fresh_one() {
    let fresh = TestDb::sqlite().await;
    let path = std::env::temp_dir().join(format!("lotse-upgrade-{}.db", uuid::Uuid::new_v4()));
    let url = lotse_store::DatabaseUrl::parse(&format!("sqlite:{}", path.display())).unwrap();
    let old = Db::connect(&url, lotse_store::db::PoolSettings::default())
        .await
        .unwrap();
    let first_only = upgraded(&old).await;
    let fresh = schema(&fresh.db).await;
    assert!(
        !differences(&fresh, &first_only).is_empty(),
        "the comparison sees later migrations"
    );
    let diff = differences(&fresh, &schema(&old).await);
    old.close().await;
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
    }
    assert!(diff.is_empty(), "the upgraded schema differs from a fresh one:\n{diff}");
}

/// A new empty PostgreSQL database beside the one at `admin_url`: its handle, the admin
/// connection that drops it (`drop database NAME with (force)`) and its name.
async fn empty_postgres_database(admin_url: &str) -> (Db, sqlx::PgConnection, String) {
    let name = format!("lotse_upgrade_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
        .await
        .unwrap();
    sqlx::query(&format!("create database {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = admin_url.split('?').next().unwrap().rsplit_once('/').unwrap().0;
    let url = lotse_store::DatabaseUrl::parse(&format!("{base}/{name}")).unwrap();
    let db = Db::connect(&url, lotse_store::db::PoolSettings::default())
        .await
        .unwrap();
    (db, admin, name)
}

/// The same on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_postgres_database_equals_a_fresh_one() {
    let Some(admin_url) = lotse_testkit::postgres_url() else {
        return;
    };
    let fresh = TestDb::postgres().await.unwrap();
    let (old, mut admin, name) = empty_postgres_database(&admin_url).await;
    let first_only = upgraded(&old).await;
    let fresh = schema(&fresh.db).await;
    assert!(
        !differences(&fresh, &first_only).is_empty(),
        "the comparison sees later migrations"
    );
    let diff = differences(&fresh, &schema(&old).await);
    old.close().await;
    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(&mut admin)
        .await
        .unwrap();
    assert!(diff.is_empty(), "the upgraded schema differs from a fresh one:\n{diff}");
}

/// Runs `check` on a new SQLite file, removed afterwards (an upgrade test's SQLite half).
async fn on_new_sqlite_file(check: impl AsyncFnOnce(&Db)) {
    let path = std::env::temp_dir().join(format!("lotse-upgrade-{}.db", uuid::Uuid::new_v4()));
    let url = lotse_store::DatabaseUrl::parse(&format!("sqlite:{}", path.display())).unwrap();
    let db = Db::connect(&url, lotse_store::db::PoolSettings::default())
        .await
        .unwrap();
    check(&db).await;
    db.close().await;
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
    }
}

/// Runs `check` on a new empty PostgreSQL database, dropped afterwards (an upgrade test's
/// PostgreSQL half; without a PostgreSQL URL nothing, as `postgres_url` says).
async fn on_new_postgres_database(check: impl AsyncFnOnce(&Db)) {
    let Some(admin_url) = lotse_testkit::postgres_url() else {
        return;
    };
    let (db, mut admin, name) = empty_postgres_database(&admin_url).await;
    check(&db).await;
    db.close().await;
    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(&mut admin)
        .await
        .unwrap();
}

/// Runs the migrations up to `last` (a version) only.
async fn migrate_up_to(db: &Db, last: i64) {
    let dir = match db {
        Db::Sqlite(_) => "sqlite",
        Db::Postgres(_) => "postgres",
    };
    let source = match db {
        Db::Sqlite(_) => &migrate::SQLITE,
        Db::Postgres(_) => &migrate::POSTGRES,
    };
    let copy = std::env::temp_dir().join(format!("lotse-migrations-to-{last}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&copy).unwrap();
    for m in source.iter().filter(|m| m.version <= last) {
        let name = format!("{:04}_{}.sql", m.version, m.description.replace(' ', "_"));
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir)
            .join(&name);
        std::fs::copy(from, copy.join(&name)).unwrap();
    }
    let migrator = sqlx::migrate::Migrator::new(copy.as_path()).await.unwrap();
    std::fs::remove_dir_all(&copy).ok();
    on_pool!(db, p => migrator.run(p).await).unwrap();
}

/// A list view's entry written before migration 0020 (its records only in `audit_object`)
/// holds them itself after it: the chain verifies (the entry's hash covers them), the table
/// agrees, and "who saw this person?" still finds the entry.
async fn a_list_entry_is_packed_by_migration_0020(db: &Db) {
    use lotse_domain::actor::SystemJob;
    use lotse_domain::audit::{AuditAction, AuditPurpose, GENESIS_HASH, NewAuditEntry, ObjectKind, chain};
    migrate_up_to(db, 19).await;
    let programme = uuid::Uuid::new_v4();
    on_pool!(db, p => sqlx::query(
        "insert into programme (programme_id, slug, name, languages, time_zone, link_work_model, \
         contact_attempts_before_unreachable, public_directory, version, created_at, programme_key) \
         values ($1, 'lists', 'Lists', 'de', 'Europe/Berlin', 'link_facility', 3, $2, 1, $3, 1)",
    )
    .bind(programme).bind(false).bind(lotse_testkit::fixed_now()).execute(p).await.map(|_| ()))
    .unwrap();
    let pid = lotse_domain::id::ProgrammeId::from_uuid(programme);
    let scope = lotse_testkit::system_scope(SystemJob::AuditVerify, pid);
    let people: Vec<uuid::Uuid> = (0..3).map(|_| uuid::Uuid::new_v4()).collect();
    let entry = NewAuditEntry::about(
        lotse_testkit::fixed_now(),
        scope.actor(),
        AuditAction::Read,
        ObjectKind::Patient,
        people.clone(),
        AuditPurpose::Administration,
    )
    .unwrap();
    let chained = chain(pid, 0, GENESIS_HASH, vec![entry]);
    let e = &chained[0];
    on_pool!(db, p => sqlx::query(
        "insert into audit_entry (programme_key, seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash) \
         values (1, $1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.seq).bind(e.entry.at).bind(&e.entry.actor).bind(&e.entry.action).bind(&e.entry.object_kind)
    .bind(e.entry.object_id).bind(&e.entry.purpose).bind(hex::decode(&e.prev_hash).unwrap()).bind(hex::decode(&e.hash).unwrap())
    .execute(p).await.map(|_| ()))
    .unwrap();
    for id in &people {
        on_pool!(db, p => sqlx::query("insert into audit_object (programme_key, seq, object_id) values (1, 1, $1)")
            .bind(id).execute(p).await.map(|_| ()))
        .unwrap();
    }
    on_pool!(db, p => sqlx::query("insert into audit_chain (programme_id, last_seq, last_hash) values ($1, 1, $2)")
        .bind(programme).bind(hex::decode(&e.hash).unwrap()).execute(p).await.map(|_| ()))
    .unwrap();

    assert!(migrate::run(db).await.unwrap() >= 1, "migration 0020 ran");
    let packed: Vec<u8> =
        on_pool!(db, p => sqlx::query_scalar("select objects from audit_entry where programme_key = 1 and seq = 1")
        .fetch_one(p).await)
        .unwrap();
    let mut sorted = people.clone();
    sorted.sort_unstable();
    assert_eq!(
        packed,
        sorted.iter().flat_map(|id| *id.as_bytes()).collect::<Vec<u8>>(),
        "16 bytes per id, in id order"
    );
    let report = lotse_store::audit::verify(db, &scope).await.unwrap();
    assert_eq!((report.entries, report.broken), (1, None));
    let mut tx = db.begin_read().await.unwrap();
    let seen = lotse_store::audit::list_for_object(&mut tx, &scope, ObjectKind::Patient, people[1])
        .await
        .unwrap();
    drop(tx);
    assert_eq!(
        seen.iter().map(|e| (e.seq, e.entry.objects.len())).collect::<Vec<_>>(),
        [(1, 3)]
    );
}

#[tokio::test]
async fn a_list_entry_is_packed_by_migration_0020_on_sqlite() {
    on_new_sqlite_file(a_list_entry_is_packed_by_migration_0020).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_entry_is_packed_by_migration_0020_on_postgres() {
    on_new_postgres_database(a_list_entry_is_packed_by_migration_0020).await;
}

/// A backup written before migration 0019 (the programme named by id in patient_identity) is
/// still checked against the keys at hand before a restore: it opens with its own keys and is
/// refused with others.
#[tokio::test]
async fn a_backup_from_before_programme_numbers_is_checked_against_the_keys() {
    use lotse_store::crypto::{DataKeys, Slot};
    let path = std::env::temp_dir().join(format!("lotse-backup-0018-{}.db", uuid::Uuid::new_v4()));
    let url = lotse_store::DatabaseUrl::parse(&format!("sqlite:{}", path.display())).unwrap();
    let db = Db::connect(&url, lotse_store::db::PoolSettings::default())
        .await
        .unwrap();
    migrate_up_to(&db, 18).await;
    let (programme, person) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    on_pool!(&db, p => sqlx::query(
        "insert into programme (programme_id, slug, name, languages, time_zone, link_work_model, \
         contact_attempts_before_unreachable, public_directory, version, created_at) \
         values ($1, 'old', 'Old', 'de', 'Europe/Berlin', 'link_facility', 3, 0, 1, $2)",
    )
    .bind(programme).bind(lotse_testkit::fixed_now()).execute(p).await.map(|_| ()))
    .unwrap();
    on_pool!(&db, p => sqlx::query(
        "insert into patient (programme_id, patient_id, age_band, gender, language, created_at) \
         values ($1, $2, '65-79', 'female', 'de', $3)",
    )
    .bind(programme).bind(person).bind(lotse_testkit::fixed_now()).execute(p).await.map(|_| ()))
    .unwrap();
    let keys = lotse_testkit::test_keys();
    let seal = |column: &str, value: &str| {
        keys.seal(
            Slot {
                programme,
                record: person,
                column,
            },
            value,
        )
        .unwrap()
    };
    on_pool!(&db, p => sqlx::query(
        "insert into patient_identity (programme_id, patient_id, given_name, family_name, birth_date, phone) \
         values ($1, $2, $3, $4, $5, null)",
    )
    .bind(programme).bind(person).bind(seal("given_name", "Alma")).bind(seal("family_name", "Altmann"))
    .bind(seal("birth_date", "1950-03-02")).execute(p).await.map(|_| ()))
    .unwrap();
    db.close().await;
    lotse_store::backup::check_keys(&path, Some(&keys)).await.unwrap();
    let other = DataKeys::parse(&DataKeys::generate_spec("other")).unwrap();
    let refused = lotse_store::backup::check_keys(&path, Some(&other)).await.unwrap_err();
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
    }
    assert!(refused.to_string().contains("do not open"), "{refused}");
}

/// An offer written before migration 0021 keeps its need domains (moved from comma-joined text
/// into `offer_need`, one row each) and its cost (`free` becomes `cost = 'free'` or `'paid'`).
async fn need_domains_move_to_rows_in_migration_0021(db: &Db) {
    migrate_up_to(db, 20).await;
    let programme = uuid::Uuid::new_v4();
    on_pool!(db, p => sqlx::query(
        "insert into programme (programme_id, slug, name, languages, time_zone, link_work_model, \
         contact_attempts_before_unreachable, public_directory, version, created_at, programme_key) \
         values ($1, 'offers', 'Offers', 'de', 'Europe/Berlin', 'link_facility', 3, $2, 1, $3, 1)",
    )
    .bind(programme).bind(false).bind(lotse_testkit::fixed_now()).execute(p).await.map(|_| ()))
    .unwrap();
    let provider = uuid::Uuid::new_v4();
    on_pool!(db, p => sqlx::query(
        "insert into organisation (programme_key, organisation_id, kind, name, version, created_at) \
         values (1, $1, 'offer_provider', 'Chor', 1, $2)",
    )
    .bind(provider).bind(lotse_testkit::fixed_now()).execute(p).await.map(|_| ()))
    .unwrap();
    let (choir, walk, bare) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    for (id, needs, free) in [
        (choir, "loneliness,creativity-culture", true),
        (walk, "nature", false),
        (bare, "", true),
    ] {
        on_pool!(db, p => sqlx::query(
            "insert into offer (programme_key, offer_id, provider_id, title, description, language, need_domains, \
             free, status, published, version, updated_at) values (1, $1, $2, 'T', 'D', 'de', $3, $4, 'active', $5, 1, $6)",
        )
        .bind(id).bind(provider).bind(needs).bind(free).bind(true).bind(lotse_testkit::fixed_now())
        .execute(p).await.map(|_| ()))
        .unwrap();
    }
    assert!(migrate::run(db).await.unwrap() >= 1, "migration 0021 ran");
    let mut rows: Vec<(uuid::Uuid, String)> =
        on_pool!(db, p => sqlx::query_as("select offer_id, need_domain from offer_need where programme_key = 1")
        .fetch_all(p).await)
        .unwrap();
    rows.sort();
    let mut expected = vec![
        (choir, "creativity-culture".to_owned()),
        (choir, "loneliness".to_owned()),
        (walk, "nature".to_owned()),
    ];
    expected.sort();
    assert_eq!(rows, expected);
    let mut costs: Vec<(uuid::Uuid, String)> =
        on_pool!(db, p => sqlx::query_as("select offer_id, cost from offer where programme_key = 1")
        .fetch_all(p).await)
        .unwrap();
    costs.sort();
    let mut expected = vec![
        (choir, "free".to_owned()),
        (walk, "paid".to_owned()),
        (bare, "free".to_owned()),
    ];
    expected.sort();
    assert_eq!(costs, expected);
}

#[tokio::test]
async fn need_domains_move_to_rows_in_migration_0021_on_sqlite() {
    on_new_sqlite_file(need_domains_move_to_rows_in_migration_0021).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn need_domains_move_to_rows_in_migration_0021_on_postgres() {
    on_new_postgres_database(need_domains_move_to_rows_in_migration_0021).await;
}

/// A prescription written before migration 0049 of a person erased before it is marked
/// `patient_erased` by it (the board leaves it out without reading the person); one of a
/// person not erased is not.
async fn erased_people_s_prescriptions_are_marked_by_migration_0049(db: &Db) {
    migrate_up_to(db, 48).await;
    let now = lotse_testkit::fixed_now();
    let programme = uuid::Uuid::new_v4();
    on_pool!(db, p => sqlx::query(
        "insert into programme (programme_id, slug, name, languages, time_zone, link_work_model, \
         contact_attempts_before_unreachable, public_directory, version, created_at, programme_key) \
         values ($1, 'erased', 'Erased', 'de', 'Europe/Berlin', 'link_facility', 3, $2, 1, $3, 1)",
    )
    .bind(programme).bind(false).bind(now).execute(p).await.map(|_| ()))
    .unwrap();
    let (practice, prescriber) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    on_pool!(db, p => sqlx::query(
        "insert into organisation (programme_key, organisation_id, kind, name, version, created_at) \
         values (1, $1, 'practice', 'Praxis', 1, $2)",
    )
    .bind(practice).bind(now).execute(p).await.map(|_| ()))
    .unwrap();
    on_pool!(db, p => sqlx::query(
        "insert into user_account (user_id, username, display_name, password_hash, disabled, version, created_at) \
         values ($1, 'dr-0049', 'Dr', 'x', $2, 1, $3)",
    )
    .bind(prescriber).bind(false).bind(now).execute(p).await.map(|_| ()))
    .unwrap();
    let (kept, erased) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let mut prescriptions = Vec::new();
    for (person, erased_at, code) in [(kept, None, "KEPT0049"), (erased, Some(now), "GONE0049")] {
        on_pool!(db, p => sqlx::query(
            "insert into patient (programme_key, patient_id, age_band, gender, language, created_at, erased_at) \
             values (1, $1, '65-74', 'unknown', 'de', $2, $3)",
        )
        .bind(person).bind(now).bind(erased_at).execute(p).await.map(|_| ()))
        .unwrap();
        let prescription = uuid::Uuid::new_v4();
        on_pool!(db, p => sqlx::query(
            "insert into prescription (programme_key, prescription_id, code, patient_id, practice_id, prescriber_id, \
             need_domains, issued_at, board_at) values (1, $1, $2, $3, $4, $5, 'loneliness', $6, $6)",
        )
        .bind(prescription).bind(code).bind(person).bind(practice).bind(prescriber).bind(now)
        .execute(p).await.map(|_| ()))
        .unwrap();
        prescriptions.push((prescription, erased_at.is_some()));
    }
    assert!(migrate::run(db).await.unwrap() >= 1, "migration 0049 ran");
    for (prescription, expected) in prescriptions {
        let marked: bool = on_pool!(db, p => sqlx::query_scalar(
            "select patient_erased from prescription where programme_key = 1 and prescription_id = $1",
        )
        .bind(prescription).fetch_one(p).await)
        .unwrap();
        assert_eq!(marked, expected, "prescription {prescription}");
    }
}

#[tokio::test]
async fn erased_people_s_prescriptions_are_marked_by_migration_0049_on_sqlite() {
    on_new_sqlite_file(erased_people_s_prescriptions_are_marked_by_migration_0049).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erased_people_s_prescriptions_are_marked_by_migration_0049_on_postgres() {
    on_new_postgres_database(erased_people_s_prescriptions_are_marked_by_migration_0049).await;
}
