-- Why: every record an audit entry lists was checked against audit_entry by a foreign-key
-- trigger, one lookup per listed record (23 for one worklist view). On PostgreSQL that check
-- runs a cached plan, and a plan made while audit_entry was small scans the whole table until
-- the next ANALYZE: in a freshly seeded demo the worklist spent 60 % of the database's time
-- there (BENCHMARKS.md). The rows are written only by the store, in the transaction that
-- appends their entry, and they are hashed into it: `audit verify` finds a listed record that
-- was changed or deleted, and every reader joins the entry, so a row without one is never
-- shown.
alter table audit_object drop constraint audit_object_programme_id_seq_fkey;
