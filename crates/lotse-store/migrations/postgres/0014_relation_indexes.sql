-- Why: the relationship facts (lotse_store::relation) reach onward referrals through their case
-- and referrals through their prescription, for one person on every case page and for every
-- row of a practice's worklist; without these indexes both were scans of the programme's rows.
create index onward_referral_case on onward_referral (programme_id, case_id);
create index referral_prescription on referral (programme_id, prescription_id);
