-- Why: a provider that has not answered an onward referral after N working days is flagged on
-- the link worker's worklist ("provider silent"), and after M working days the onward referral
-- lapses (issue "Connect and follow up": "a programme setting"). Each programme keeps N and M,
-- which its coordinator changes on the settings page or with `lotse programme set`; the ranges
-- are the ones the settings page allows (lotse_domain::programme_settings), and the lapse comes
-- after the silence. The follow-up job finds the onward referrals due to lapse by state and
-- sending time, so they are indexed by both.
alter table programme add column provider_silent_working_days integer not null default 5
    check (provider_silent_working_days between 1 and 30);
alter table programme add column onward_lapse_working_days integer not null default 15
    check (onward_lapse_working_days between 2 and 60);
create index onward_referral_by_state_and_sent on onward_referral (programme_key, state, sent_at);
