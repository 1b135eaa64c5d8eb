-- Why: the next action kept on each referral (migration 0032) is refreshed by the case's
-- writes that change it, a questionnaire response and a plan version, which find the case's
-- referrals by `case_id` (lotse_store::next_action::refresh). Without an index each such write
-- read every referral of the programme: seeding the scale-400 demo slowed to about 13,000
-- referrals a minute on SQLite and 5,000 on PostgreSQL after half a million.
create index referral_case on referral (programme_key, case_id);
