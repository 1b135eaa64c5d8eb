-- Why: size (issue 12 §7, "Size and scale"). The database held about 8 KB per referral, most
-- of it events and the keys over them (BENCHMARKS.md, "2026-12-02 — size and scale").
-- 1. Audit hashes are stored as their 32 bytes (bytea) instead of 64 hex characters: the
--    entries' prev_hash and hash and the chain head's last_hash. The domain still hashes and
--    compares hex; the store converts at its boundary, so existing chains verify unchanged.
-- 2. An event's key is its place in its stream, (programme_id, stream, stream_id,
--    stream_version), the only way events are read; event_id stays a column but is no longer a
--    key (a random 128-bit id that nothing looks up), so its index is gone.
-- 3. audit_object is unchanged here (SQLite only changes how it stores the same table).
alter table audit_chain alter column last_hash type bytea using decode(last_hash, 'hex');
alter table audit_entry
    alter column prev_hash type bytea using decode(prev_hash, 'hex'),
    alter column hash type bytea using decode(hash, 'hex');
alter table event drop constraint event_pkey;
alter table event drop constraint event_programme_id_stream_stream_id_stream_version_key;
alter table event add primary key (programme_id, stream, stream_id, stream_version);
