-- Why: the follow-up job reads the onward referrals still unanswered since before a day (state
-- `sent`, oldest first, by `sent_at` and then id) and steps over those that have their reminder
-- already. With only (programme, state, sent_at) in the index, each of those rows was a table
-- row read for its id: on the demo at scale 400 (PostgreSQL, cold cache) the first run read
-- 4,575 table pages to find 4,250 silent onward referrals among 5,772. With the id in the index
-- the read is answered from the index alone and in the statement's order. The index keeps its
-- name and leading columns, so the lapse read still uses it.
drop index onward_referral_by_state_and_sent;
create index onward_referral_by_state_and_sent on onward_referral (programme_key, state, sent_at, onward_referral_id);
