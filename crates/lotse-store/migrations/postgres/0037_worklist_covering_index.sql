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
