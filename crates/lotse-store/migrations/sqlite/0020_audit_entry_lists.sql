-- Why: size (issue 12 §7, at most 4 KB per referral). An entry about several records (a list
-- view) now holds their ids itself, packed: `audit_entry.objects`, 16 bytes per id in id
-- order (null for an entry about one record). Its hash already covered them. `audit_object`
-- stays, keyed by record, for "who saw this person?"; the index that found an entry's records
-- in it (`audit_object_entry`, as large as the table) is dropped, since an entry's records
-- are now read from the entry. `audit verify` checks that the table and the entries agree:
-- every row names a record its entry lists, and the table holds as many rows as the entries
-- list ids.
alter table audit_entry add column objects blob;
update audit_entry set objects = (
    select unhex(group_concat(hex(o.object_id), '' order by o.object_id))
    from audit_object as o
    where o.programme_key = audit_entry.programme_key and o.seq = audit_entry.seq
);
drop index audit_object_entry;
