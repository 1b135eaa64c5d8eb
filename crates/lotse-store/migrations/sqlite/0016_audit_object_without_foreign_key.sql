-- Why: every record an audit entry lists was checked against audit_entry by a foreign-key
-- lookup, one per listed record (23 for one worklist view); PostgreSQL drops the constraint
-- for the cost of that check (see its migration 0016), and both engines keep one schema. The
-- rows are written only by the store, in the transaction that appends their entry, and they are
-- hashed into it: `audit verify` finds a listed record that was changed or deleted, and every
-- reader joins the entry, so a row without one is never shown.
-- SQLite cannot drop a foreign key in place: the table is rebuilt, in its key order.
drop index audit_object_entry;
alter table audit_object rename to audit_object_old;
create table audit_object (
    programme_id blob not null,
    seq integer not null,
    object_id blob not null,
    primary key (programme_id, object_id, seq)
) without rowid;
insert into audit_object (programme_id, seq, object_id)
select programme_id, seq, object_id from audit_object_old order by programme_id, object_id, seq;
drop table audit_object_old;
create index audit_object_entry on audit_object (programme_id, seq);
