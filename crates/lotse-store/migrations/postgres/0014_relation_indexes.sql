-- Why: the relationship facts (lotse_store::relation) reach a person's onward referrals through
-- their cases on every case page, and a practice's worklist starts from its prescriptions;
-- without these indexes both were scans of all the programme's rows.
create index onward_referral_case on onward_referral (programme_id, case_id);
create index prescription_practice on prescription (programme_id, practice_id);
