-- Why: every process checks once a second whether another process changed a programme's
-- offers (issue 14, an edit visible within 2 s). The check counted the offers and summed their
-- versions, which reads every offer row: at the demo's scale 400 (72,000 offers in one
-- programme) that scan, twice a second, was the server's p99 of over 100 ms. Triggers now count
-- every insert, update and delete of an offer row in one row per programme, so the check reads
-- one row. Every offer change bumps the offer's version (optimistic concurrency), so a change
-- to an offer's child tables is counted too.
create table offer_stamp (
    programme_key integer not null primary key references programme (programme_key),
    changes integer not null
);
insert into offer_stamp (programme_key, changes)
select programme_key, count(*) + sum(version) from offer group by programme_key;
create trigger offer_stamp_insert after insert on offer begin
    insert into offer_stamp (programme_key, changes) values (new.programme_key, 1)
    on conflict (programme_key) do update set changes = changes + 1;
end;
create trigger offer_stamp_update after update on offer begin
    insert into offer_stamp (programme_key, changes) values (new.programme_key, 1)
    on conflict (programme_key) do update set changes = changes + 1;
end;
create trigger offer_stamp_delete after delete on offer begin
    insert into offer_stamp (programme_key, changes) values (old.programme_key, 1)
    on conflict (programme_key) do update set changes = changes + 1;
end;
