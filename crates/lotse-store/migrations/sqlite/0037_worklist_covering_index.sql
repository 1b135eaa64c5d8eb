-- Why: the link worker's worklist read its first 50 rows in due order from the index
-- `referral_next_action` and then each row's case, person, state and last change from the
-- referral table: 50 lookups of scattered table pages on every request. At scale 400 (1,000,000
-- referrals) the worklist served about 790 requests a second on SQLite with a p99 of 65 ms
-- (the issue asks for 50 ms). This index holds everything the worklist reads, in the same
-- order, so the rows come from the index alone; it replaces `referral_next_action`, whose
-- columns are its first ones (BENCHMARKS.md, 2026-12-05).
drop index referral_next_action;
create index referral_worklist on referral (programme_key, link_facility_id, next_action_due, next_action_kind,
    case_id, patient_id, state, updated_at)
    where next_action_due is not null;

-- The worklist (and the board, the case page) then open the names of the people shown by
-- their ids. `patient_identity` was a rowid table with its key as a separate index: two
-- lookups per person. Without a rowid the key is the table (one lookup), as `patient` already
-- is. PostgreSQL keeps its table and key index as they are.
create table patient_identity_new (
    programme_key integer not null,
    patient_id blob not null,
    given_name blob not null,
    family_name blob not null,
    birth_date blob not null,
    phone blob,
    blind_index blob,
    blind_key_id text,
    primary key (programme_key, patient_id),
    foreign key (programme_key, patient_id) references patient (programme_key, patient_id)
) without rowid;
insert into patient_identity_new (programme_key, patient_id, given_name, family_name, birth_date, phone,
    blind_index, blind_key_id)
select programme_key, patient_id, given_name, family_name, birth_date, phone, blind_index, blind_key_id
from patient_identity
order by programme_key, patient_id;
drop table patient_identity;
alter table patient_identity_new rename to patient_identity;
create index patient_identity_blind on patient_identity (programme_key, blind_index);
