-- Why: prescribing. A person's blind index (HMAC-SHA256 of the normalised family name, given
-- name and birth date, keyed with a secret derived from the data key, whose id is kept beside
-- it) finds possible duplicates in a programme without decrypting anyone; rows written before
-- this have none until `lotse keys rotate` re-seals them. The languages a person speaks
-- (theirs first, comma-separated tags). A prescription's urgency, the link facility named on
-- its sheet, and its reason sealed in a
-- row of its own that erasure deletes. Referrals are found by prescription (the practice's
-- board), and by facility and state (the link facility's inbox and worklist).
alter table patient_identity add column blind_index bytea;
alter table patient_identity add column blind_key_id text;
create index patient_identity_blind on patient_identity (programme_key, blind_index);
alter table patient add column languages text not null default '';
alter table prescription add column urgency text not null default 'routine';
alter table prescription add column link_facility_id uuid;
create table prescription_reason (
    programme_key bigint not null,
    prescription_id uuid not null,
    reason bytea not null,
    primary key (programme_key, prescription_id),
    foreign key (programme_key, prescription_id) references prescription (programme_key, prescription_id)
);
create index referral_prescription on referral (programme_key, prescription_id);
drop index referral_facility;
create index referral_facility on referral (programme_key, link_facility_id, state);
-- An organisation's public contact details, printed on the prescription sheet (no personal
-- data: a facility's address, telephone and opening hours; lines separated by newlines).
alter table organisation add column address text;
alter table organisation add column phone text;
alter table organisation add column opening_hours text;
