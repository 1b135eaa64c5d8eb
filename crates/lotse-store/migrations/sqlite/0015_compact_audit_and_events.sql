-- Why: size (issue 12 §7, "Size and scale"). The database held about 8 KB per referral, most
-- of it events and the keys over them (BENCHMARKS.md, "2026-12-02 — size and scale").
-- 1. Audit hashes are stored as their 32 bytes (blob) instead of 64 hex characters: the
--    entries' prev_hash and hash and the chain head's last_hash. The domain still hashes and
--    compares hex; the store converts at its boundary, so existing chains verify unchanged.
-- 2. An event's key is its place in its stream, (programme_id, stream, stream_id,
--    stream_version), the only way events are read; event_id stays a column but is no longer a
--    key (a random 128-bit id that nothing looks up). SQLite keeps the rows in that key
--    (without rowid), so the events are stored once instead of a table plus two key indexes.
-- 3. audit_object is stored in its primary key (without rowid) on SQLite: one copy of each row
--    plus the index by entry, instead of a table plus two indexes.
-- SQLite cannot change a column's type or a table's key in place: each table is rebuilt.
-- Children are renamed before their parents so their foreign keys follow the old parent and
-- are dropped with it; keys keep programme_id first.
drop index audit_entry_object;
drop index audit_entry_actor;
drop index audit_object_entry;
alter table audit_object rename to audit_object_old;
alter table audit_entry rename to audit_entry_old;
alter table audit_chain rename to audit_chain_old;
alter table event rename to event_old;

create table audit_chain (
    programme_id blob primary key not null references programme (programme_id),
    last_seq integer not null,
    last_hash blob not null
);
insert into audit_chain (programme_id, last_seq, last_hash)
select programme_id, last_seq, unhex(last_hash) from audit_chain_old;

create table audit_entry (
    programme_id blob not null references programme (programme_id),
    seq integer not null,
    at text not null,
    actor text not null,
    action text not null,
    object_kind text not null,
    object_id blob not null,
    purpose text not null,
    prev_hash blob not null,
    hash blob not null,
    reference text,
    primary key (programme_id, seq)
);
insert into audit_entry (programme_id, seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash, reference)
select programme_id, seq, at, actor, action, object_kind, object_id, purpose, unhex(prev_hash), unhex(hash), reference
from audit_entry_old order by programme_id, seq;
create index audit_entry_object on audit_entry (programme_id, object_kind, object_id);
create index audit_entry_actor on audit_entry (programme_id, actor);

create table audit_object (
    programme_id blob not null,
    seq integer not null,
    object_id blob not null,
    primary key (programme_id, object_id, seq),
    foreign key (programme_id, seq) references audit_entry (programme_id, seq)
) without rowid;
insert into audit_object (programme_id, seq, object_id)
select programme_id, seq, object_id from audit_object_old order by programme_id, object_id, seq;
create index audit_object_entry on audit_object (programme_id, seq);

create table event (
    programme_id blob not null references programme (programme_id),
    stream text not null,
    stream_id blob not null,
    stream_version integer not null,
    event_id blob not null,
    kind text not null,
    payload text not null,
    actor text not null,
    occurred_at text not null,
    primary key (programme_id, stream, stream_id, stream_version)
) without rowid;
insert into event (programme_id, stream, stream_id, stream_version, event_id, kind, payload, actor, occurred_at)
select programme_id, stream, stream_id, stream_version, event_id, kind, payload, actor, occurred_at
from event_old order by programme_id, stream, stream_id, stream_version;

drop table audit_object_old;
drop table audit_entry_old;
drop table audit_chain_old;
drop table event_old;
