-- Why: the link worker's worklist shows how many open cases have each kind of next action
-- (issue "Prescribe and link"). Counted from the index `referral_next_action_kind`, each
-- request read every open case of the facility: at the demo's scale 400 (9,050 open cases at
-- one zentrum plus) that read was the worklist's p99 of 95 ms. Triggers now keep the counts per
-- facility, kind and due date in `next_action_count`, so a request reads a few hundred rows at
-- most, whatever the number of cases.
-- `due` is the due date of a first contact (it becomes overdue by the date, so the read splits
-- those counts at today); for the other kinds it is '0001-01-01', since their counts do not
-- depend on the date. A row whose count falls to zero is removed.
create table next_action_count (
    programme_key integer not null references programme (programme_key),
    link_facility_id blob not null,
    kind text not null,
    due text not null,
    n integer not null,
    primary key (programme_key, link_facility_id, kind, due)
);
insert into next_action_count (programme_key, link_facility_id, kind, due, n)
select programme_key, link_facility_id, next_action_kind,
       case when next_action_kind = 'first_contact_due' then next_action_due else '0001-01-01' end, count(*)
from referral
where next_action_kind is not null and next_action_due is not null
group by 1, 2, 3, 4;
create trigger next_action_count_insert after insert on referral
when new.next_action_kind is not null and new.next_action_due is not null begin
    insert into next_action_count (programme_key, link_facility_id, kind, due, n)
    values (new.programme_key, new.link_facility_id, new.next_action_kind,
            case when new.next_action_kind = 'first_contact_due' then new.next_action_due else '0001-01-01' end, 1)
    on conflict (programme_key, link_facility_id, kind, due) do update set n = n + 1;
end;
create trigger next_action_count_update_old after update of next_action_kind, next_action_due, link_facility_id on referral
when old.next_action_kind is not null and old.next_action_due is not null
  and (old.next_action_kind is not new.next_action_kind or old.next_action_due is not new.next_action_due
      or old.link_facility_id is not new.link_facility_id) begin
    update next_action_count set n = n - 1
    where programme_key = old.programme_key and link_facility_id = old.link_facility_id
      and kind = old.next_action_kind
      and due = case when old.next_action_kind = 'first_contact_due' then old.next_action_due else '0001-01-01' end;
    delete from next_action_count
    where programme_key = old.programme_key and link_facility_id = old.link_facility_id
      and kind = old.next_action_kind
      and due = case when old.next_action_kind = 'first_contact_due' then old.next_action_due else '0001-01-01' end
      and n <= 0;
end;
create trigger next_action_count_update_new after update of next_action_kind, next_action_due, link_facility_id on referral
when new.next_action_kind is not null and new.next_action_due is not null
  and (old.next_action_kind is not new.next_action_kind or old.next_action_due is not new.next_action_due
      or old.link_facility_id is not new.link_facility_id) begin
    insert into next_action_count (programme_key, link_facility_id, kind, due, n)
    values (new.programme_key, new.link_facility_id, new.next_action_kind,
            case when new.next_action_kind = 'first_contact_due' then new.next_action_due else '0001-01-01' end, 1)
    on conflict (programme_key, link_facility_id, kind, due) do update set n = n + 1;
end;
create trigger next_action_count_delete after delete on referral
when old.next_action_kind is not null and old.next_action_due is not null begin
    update next_action_count set n = n - 1
    where programme_key = old.programme_key and link_facility_id = old.link_facility_id
      and kind = old.next_action_kind
      and due = case when old.next_action_kind = 'first_contact_due' then old.next_action_due else '0001-01-01' end;
    delete from next_action_count
    where programme_key = old.programme_key and link_facility_id = old.link_facility_id
      and kind = old.next_action_kind
      and due = case when old.next_action_kind = 'first_contact_due' then old.next_action_due else '0001-01-01' end
      and n <= 0;
end;
