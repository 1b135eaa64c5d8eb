-- Why: every process checks once a second whether another process changed a programme's
-- offers (issue 14, an edit visible within 2 s). The check counted the offers and summed their
-- versions, which reads every offer row: at the demo's scale 400 (72,000 offers in one
-- programme) that scan, twice a second, was the server's p99 of over 100 ms. Triggers now count
-- every insert, update and delete of an offer row in one row per programme, so the check reads
-- one row. Every offer change bumps the offer's version (optimistic concurrency), so a change
-- to an offer's child tables is counted too.
create table offer_stamp (
    programme_key bigint primary key references programme (programme_key),
    changes bigint not null
);
insert into offer_stamp (programme_key, changes)
select programme_key, count(*) + sum(version) from offer group by programme_key;
create function offer_stamp_count() returns trigger language plpgsql as $$
begin
    insert into offer_stamp (programme_key, changes)
    values (case when tg_op = 'DELETE' then old.programme_key else new.programme_key end, 1)
    on conflict (programme_key) do update set changes = offer_stamp.changes + 1;
    return null;
end;
$$;
create trigger offer_stamp_change after insert or update or delete on offer
    for each row execute function offer_stamp_count();
