-- Why: the link worker's worklist orders a facility's open cases by their next action and
-- counts them by kind (issue "Prescribe and link"). Before, every request classified every
-- open case of the facility from its facts. Now each referral keeps its next action (kind and
-- programme-local due date, a first contact stored as `first_contact_due`: it becomes overdue
-- when read), written by the store's writes that change the facts (lotse_store::next_action),
-- so the page reads its first rows and its counts from an index.
-- The rules are Rust (lotse_domain::next_action::schedule, with working days and holidays), so
-- this migration cannot fill the columns: it leaves the task `next_action` in `store_upkeep`,
-- which lotse_store::migrate::run carries out right after the migrations, in one transaction
-- with the removal of the task.
alter table referral add column next_action_kind text;
alter table referral add column next_action_due date;
-- The worklist in due order (ties by kind in SQL, then case id).
create index referral_next_action on referral (programme_key, link_facility_id, next_action_due, case_id)
    where next_action_due is not null;
-- The counts per kind, and the worklist filtered on one kind.
create index referral_next_action_kind on referral (programme_key, link_facility_id, next_action_kind, next_action_due)
    where next_action_kind is not null;
create table store_upkeep (
    task text primary key
);
insert into store_upkeep (task) values ('next_action');
