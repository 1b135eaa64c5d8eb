-- Why: size (issue 12 §7, "Size and scale": at most 4 KB per referral). Every row of a
-- programme's records and every key over them held the programme's 16-byte id. A programme
-- now also has a number within this database, `programme_key` (1, 2, … in order of creation;
-- it never changes), and the tables of a programme's records and directory hold that number
-- instead of the id: one or two bytes on SQLite instead of seventeen, in every row and in
-- every index entry. The programme keeps its id: it names the programme outside the
-- database (in URLs, sessions, the audit hash), and the credential tables (session,
-- pending_sign_in, password_reset_code, capability) and audit_chain, which are few rows, keep
-- referring to it by id. The default of 0 on programme.programme_key exists only because a
-- column cannot be added without one; the store always writes the next number, and the
-- unique index refuses a second 0.
-- Keys and indexes keep the programme first.
-- Dropping the id column (cascade) drops the keys, indexes and foreign keys that contained it;
-- they are made again over programme_key.
-- The notices PostgreSQL sends for each object the cascade drops are not shown to whoever
-- runs the migration.
set local client_min_messages = warning;

alter table programme add column programme_key bigint not null default 0;
update programme set programme_key = n.k
from (select programme_id, row_number() over (order by created_at, programme_id) as k from programme) as n
where n.programme_id = programme.programme_id;
create unique index programme_by_key on programme (programme_key);

alter table area_set add column programme_key bigint;
update area_set set programme_key = p.programme_key from programme as p where p.programme_id = area_set.programme_id;
alter table area_set alter column programme_key set not null;
alter table area add column programme_key bigint;
update area set programme_key = p.programme_key from programme as p where p.programme_id = area.programme_id;
alter table area alter column programme_key set not null;
alter table organisation add column programme_key bigint;
update organisation set programme_key = p.programme_key from programme as p where p.programme_id = organisation.programme_id;
alter table organisation alter column programme_key set not null;
alter table membership add column programme_key bigint;
update membership set programme_key = p.programme_key from programme as p where p.programme_id = membership.programme_id;
alter table membership alter column programme_key set not null;
alter table offer add column programme_key bigint;
update offer set programme_key = p.programme_key from programme as p where p.programme_id = offer.programme_id;
alter table offer alter column programme_key set not null;
alter table api_client add column programme_key bigint;
update api_client set programme_key = p.programme_key from programme as p where p.programme_id = api_client.programme_id;
alter table api_client alter column programme_key set not null;
alter table patient add column programme_key bigint;
update patient set programme_key = p.programme_key from programme as p where p.programme_id = patient.programme_id;
alter table patient alter column programme_key set not null;
alter table patient_identity add column programme_key bigint;
update patient_identity set programme_key = p.programme_key from programme as p where p.programme_id = patient_identity.programme_id;
alter table patient_identity alter column programme_key set not null;
alter table prescription add column programme_key bigint;
update prescription set programme_key = p.programme_key from programme as p where p.programme_id = prescription.programme_id;
alter table prescription alter column programme_key set not null;
alter table case_file add column programme_key bigint;
update case_file set programme_key = p.programme_key from programme as p where p.programme_id = case_file.programme_id;
alter table case_file alter column programme_key set not null;
alter table referral add column programme_key bigint;
update referral set programme_key = p.programme_key from programme as p where p.programme_id = referral.programme_id;
alter table referral alter column programme_key set not null;
alter table onward_referral add column programme_key bigint;
update onward_referral set programme_key = p.programme_key from programme as p where p.programme_id = onward_referral.programme_id;
alter table onward_referral alter column programme_key set not null;
alter table consent add column programme_key bigint;
update consent set programme_key = p.programme_key from programme as p where p.programme_id = consent.programme_id;
alter table consent alter column programme_key set not null;
alter table questionnaire_response add column programme_key bigint;
update questionnaire_response set programme_key = p.programme_key from programme as p where p.programme_id = questionnaire_response.programme_id;
alter table questionnaire_response alter column programme_key set not null;
alter table event add column programme_key bigint;
update event set programme_key = p.programme_key from programme as p where p.programme_id = event.programme_id;
alter table event alter column programme_key set not null;
alter table audit_entry add column programme_key bigint;
update audit_entry set programme_key = p.programme_key from programme as p where p.programme_id = audit_entry.programme_id;
alter table audit_entry alter column programme_key set not null;
alter table audit_object add column programme_key bigint;
update audit_object set programme_key = p.programme_key from programme as p where p.programme_id = audit_object.programme_id;
alter table audit_object alter column programme_key set not null;

alter table area_set drop column programme_id cascade;
alter table area drop column programme_id cascade;
alter table organisation drop column programme_id cascade;
alter table membership drop column programme_id cascade;
alter table offer drop column programme_id cascade;
alter table api_client drop column programme_id cascade;
alter table patient drop column programme_id cascade;
alter table patient_identity drop column programme_id cascade;
alter table prescription drop column programme_id cascade;
alter table case_file drop column programme_id cascade;
alter table referral drop column programme_id cascade;
alter table onward_referral drop column programme_id cascade;
alter table consent drop column programme_id cascade;
alter table questionnaire_response drop column programme_id cascade;
alter table event drop column programme_id cascade;
alter table audit_entry drop column programme_id cascade;
alter table audit_object drop column programme_id cascade;

alter table area_set add primary key (programme_key, area_set_id);
alter table area_set add unique (programme_key, name);
alter table area add primary key (programme_key, area_id);
alter table organisation add primary key (programme_key, organisation_id);
alter table membership add primary key (programme_key, user_id, role);
alter table offer add primary key (programme_key, offer_id);
alter table api_client add primary key (programme_key, client_id);
alter table api_client add unique (programme_key, name);
alter table patient add primary key (programme_key, patient_id);
alter table patient_identity add primary key (programme_key, patient_id);
alter table prescription add primary key (programme_key, prescription_id);
alter table prescription add unique (programme_key, code);
alter table case_file add primary key (programme_key, case_id);
alter table referral add primary key (programme_key, referral_id);
alter table onward_referral add primary key (programme_key, onward_referral_id);
alter table consent add primary key (programme_key, patient_id, consent_id);
alter table questionnaire_response add primary key (programme_key, case_id, response_id);
alter table event add primary key (programme_key, stream_id, stream_version);
alter table audit_entry add primary key (programme_key, seq);
alter table audit_object add primary key (programme_key, object_id, seq);
alter table area_set add foreign key (programme_key) references programme (programme_key);
alter table area add foreign key (programme_key, area_set_id) references area_set (programme_key, area_set_id);
alter table area add foreign key (programme_key, parent_id) references area (programme_key, area_id);
alter table organisation add foreign key (programme_key) references programme (programme_key);
alter table organisation add foreign key (programme_key, area_id) references area (programme_key, area_id);
alter table membership add foreign key (programme_key) references programme (programme_key);
alter table membership add foreign key (programme_key, organisation_id) references organisation (programme_key, organisation_id);
alter table offer add foreign key (programme_key, provider_id) references organisation (programme_key, organisation_id);
alter table offer add foreign key (programme_key, area_id) references area (programme_key, area_id);
alter table api_client add foreign key (programme_key) references programme (programme_key);
alter table api_client add foreign key (programme_key, organisation_id) references organisation (programme_key, organisation_id);
alter table patient add foreign key (programme_key) references programme (programme_key);
alter table patient_identity add foreign key (programme_key, patient_id) references patient (programme_key, patient_id);
alter table prescription add foreign key (programme_key, patient_id) references patient (programme_key, patient_id);
alter table prescription add foreign key (programme_key, practice_id) references organisation (programme_key, organisation_id);
alter table case_file add foreign key (programme_key, patient_id) references patient (programme_key, patient_id);
alter table case_file add foreign key (programme_key, link_facility_id) references organisation (programme_key, organisation_id);
alter table referral add foreign key (programme_key, prescription_id) references prescription (programme_key, prescription_id);
alter table referral add foreign key (programme_key, case_id) references case_file (programme_key, case_id);
alter table referral add foreign key (programme_key, patient_id) references patient (programme_key, patient_id);
alter table referral add foreign key (programme_key, link_facility_id) references organisation (programme_key, organisation_id);
alter table onward_referral add foreign key (programme_key, case_id) references case_file (programme_key, case_id);
alter table onward_referral add foreign key (programme_key, offer_id) references offer (programme_key, offer_id);
alter table consent add foreign key (programme_key, patient_id) references patient (programme_key, patient_id);
alter table consent add foreign key (programme_key, onward_referral_id) references onward_referral (programme_key, onward_referral_id);
alter table questionnaire_response add foreign key (programme_key, case_id) references case_file (programme_key, case_id);
alter table event add foreign key (programme_key) references programme (programme_key);
alter table audit_entry add foreign key (programme_key) references programme (programme_key);

create index area_parent on area (programme_key, parent_id);
create index organisation_kind on organisation (programme_key, kind);
create index offer_provider on offer (programme_key, provider_id);
create index prescription_patient on prescription (programme_key, patient_id);
create index prescription_practice on prescription (programme_key, practice_id);
create index case_file_patient on case_file (programme_key, patient_id);
create index referral_state on referral (programme_key, state);
create index referral_facility on referral (programme_key, link_facility_id);
create index referral_patient on referral (programme_key, patient_id);
create index onward_referral_offer on onward_referral (programme_key, offer_id);
create index onward_referral_case on onward_referral (programme_key, case_id);
create index audit_entry_object on audit_entry (programme_key, object_kind, object_id);
create index audit_entry_actor on audit_entry (programme_key, actor);
create index audit_object_entry on audit_object (programme_key, seq);
