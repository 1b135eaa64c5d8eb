-- Why: privacy settings and erasure. Each programme sets how long closed cases are kept
-- (retention_days; the retention job anonymises people whose referrals have all been closed
-- for longer) and whether roles that see identities must use a second factor. An erased
-- (anonymised) person keeps the derived attributes reports count, and erased_at says when the
-- identity was overwritten.
alter table programme add column retention_days integer not null default 3650;
alter table programme add column second_factor_required integer not null default 0;
alter table patient add column erased_at text;
-- The worklist and retention read referrals by person.
create index referral_patient on referral (programme_id, patient_id);
create index prescription_patient on prescription (programme_id, patient_id);
create index case_file_patient on case_file (programme_id, patient_id);
