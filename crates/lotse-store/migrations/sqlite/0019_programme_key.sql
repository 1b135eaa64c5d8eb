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
-- SQLite cannot change a column or a key in place: each table is rebuilt. All are renamed
-- first, so the old tables' foreign keys follow their old parents and are dropped with them.

alter table programme add column programme_key integer not null default 0;
update programme set programme_key = n.k
from (select programme_id, row_number() over (order by created_at, programme_id) as k from programme) as n
where n.programme_id = programme.programme_id;
create unique index programme_by_key on programme (programme_key);

drop index area_parent;
drop index organisation_kind;
drop index membership_user;
drop index offer_provider;
drop index api_client_by_token;
drop index prescription_patient;
drop index prescription_practice;
drop index case_file_patient;
drop index referral_state;
drop index referral_facility;
drop index referral_patient;
drop index onward_referral_offer;
drop index onward_referral_case;
drop index audit_entry_object;
drop index audit_entry_actor;
drop index audit_object_entry;
alter table audit_object rename to audit_object_old;
alter table audit_entry rename to audit_entry_old;
alter table event rename to event_old;
alter table questionnaire_response rename to questionnaire_response_old;
alter table consent rename to consent_old;
alter table onward_referral rename to onward_referral_old;
alter table referral rename to referral_old;
alter table case_file rename to case_file_old;
alter table prescription rename to prescription_old;
alter table patient_identity rename to patient_identity_old;
alter table patient rename to patient_old;
alter table api_client rename to api_client_old;
alter table offer rename to offer_old;
alter table membership rename to membership_old;
alter table organisation rename to organisation_old;
alter table area rename to area_old;
alter table area_set rename to area_set_old;

create table area_set (
    programme_key integer not null references programme (programme_key),
    area_set_id blob not null,
    name text not null,
    primary key (programme_key, area_set_id),
    unique (programme_key, name)
);
insert into area_set (programme_key, area_set_id, name)
select p.programme_key, o.area_set_id, o.name
from area_set_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.area_set_id;

create table area (
    programme_key integer not null,
    area_id blob not null,
    area_set_id blob not null,
    parent_id blob,
    kind text not null,
    name text not null,
    lat real not null,
    lon real not null,
    deprivation real,
    primary key (programme_key, area_id),
    foreign key (programme_key, area_set_id) references area_set (programme_key, area_set_id),
    foreign key (programme_key, parent_id) references area (programme_key, area_id)
);
insert into area (programme_key, area_id, area_set_id, parent_id, kind, name, lat, lon, deprivation)
select p.programme_key, o.area_id, o.area_set_id, o.parent_id, o.kind, o.name, o.lat, o.lon, o.deprivation
from area_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.area_id;

create table organisation (
    programme_key integer not null references programme (programme_key),
    organisation_id blob not null,
    kind text not null,
    name text not null,
    area_id blob,
    version integer not null,
    created_at text not null,
    primary key (programme_key, organisation_id),
    foreign key (programme_key, area_id) references area (programme_key, area_id)
);
insert into organisation (programme_key, organisation_id, kind, name, area_id, version, created_at)
select p.programme_key, o.organisation_id, o.kind, o.name, o.area_id, o.version, o.created_at
from organisation_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.organisation_id;

create table membership (
    programme_key integer not null references programme (programme_key),
    user_id blob not null references user_account (user_id),
    role text not null,
    organisation_id blob,
    created_at text not null,
    primary key (programme_key, user_id, role),
    foreign key (programme_key, organisation_id) references organisation (programme_key, organisation_id)
);
insert into membership (programme_key, user_id, role, organisation_id, created_at)
select p.programme_key, o.user_id, o.role, o.organisation_id, o.created_at
from membership_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.user_id, o.role;

create table offer (
    programme_key integer not null,
    offer_id blob not null,
    provider_id blob not null,
    title text not null,
    description text not null,
    language text not null,
    need_domains text not null,
    area_id blob,
    lat real,
    lon real,
    free integer not null,
    status text not null,
    published integer not null,
    last_verified text,
    version integer not null,
    updated_at text not null,
    primary key (programme_key, offer_id),
    foreign key (programme_key, provider_id) references organisation (programme_key, organisation_id),
    foreign key (programme_key, area_id) references area (programme_key, area_id)
);
insert into offer (programme_key, offer_id, provider_id, title, description, language, need_domains, area_id, lat, lon, free, status, published, last_verified, version, updated_at)
select p.programme_key, o.offer_id, o.provider_id, o.title, o.description, o.language, o.need_domains, o.area_id, o.lat, o.lon, o.free, o.status, o.published, o.last_verified, o.version, o.updated_at
from offer_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.offer_id;

create table api_client (
    programme_key integer not null references programme (programme_key),
    client_id blob not null,
    name text not null,
    token_hash text not null,
    role text not null,
    organisation_id blob,
    scopes text not null,
    created_at text not null,
    revoked_at text,
    primary key (programme_key, client_id),
    unique (programme_key, name),
    foreign key (programme_key, organisation_id) references organisation (programme_key, organisation_id)
);
insert into api_client (programme_key, client_id, name, token_hash, role, organisation_id, scopes, created_at, revoked_at)
select p.programme_key, o.client_id, o.name, o.token_hash, o.role, o.organisation_id, o.scopes, o.created_at, o.revoked_at
from api_client_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.client_id;

create table patient (
    programme_key integer not null references programme (programme_key),
    patient_id blob not null,
    age_band text not null,
    gender text not null,
    language text not null,
    created_at text not null, erased_at text,
    primary key (programme_key, patient_id)
);
insert into patient (programme_key, patient_id, age_band, gender, language, created_at, erased_at)
select p.programme_key, o.patient_id, o.age_band, o.gender, o.language, o.created_at, o.erased_at
from patient_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.patient_id;

create table patient_identity (
    programme_key integer not null,
    patient_id blob not null,
    given_name blob not null,
    family_name blob not null,
    birth_date blob not null,
    phone blob,
    primary key (programme_key, patient_id),
    foreign key (programme_key, patient_id) references patient (programme_key, patient_id)
);
insert into patient_identity (programme_key, patient_id, given_name, family_name, birth_date, phone)
select p.programme_key, o.patient_id, o.given_name, o.family_name, o.birth_date, o.phone
from patient_identity_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.patient_id;

create table prescription (
    programme_key integer not null,
    prescription_id blob not null,
    code text not null,
    patient_id blob not null,
    practice_id blob not null,
    prescriber_id blob not null references user_account (user_id),
    need_domains text not null,
    issued_at text not null,
    primary key (programme_key, prescription_id),
    unique (programme_key, code),
    foreign key (programme_key, patient_id) references patient (programme_key, patient_id),
    foreign key (programme_key, practice_id) references organisation (programme_key, organisation_id)
);
insert into prescription (programme_key, prescription_id, code, patient_id, practice_id, prescriber_id, need_domains, issued_at)
select p.programme_key, o.prescription_id, o.code, o.patient_id, o.practice_id, o.prescriber_id, o.need_domains, o.issued_at
from prescription_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.prescription_id;

create table case_file (
    programme_key integer not null,
    case_id blob not null,
    patient_id blob not null,
    link_facility_id blob not null,
    opened_at text not null,
    version integer not null,
    primary key (programme_key, case_id),
    foreign key (programme_key, patient_id) references patient (programme_key, patient_id),
    foreign key (programme_key, link_facility_id) references organisation (programme_key, organisation_id)
);
insert into case_file (programme_key, case_id, patient_id, link_facility_id, opened_at, version)
select p.programme_key, o.case_id, o.patient_id, o.link_facility_id, o.opened_at, o.version
from case_file_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.case_id;

create table referral (
    programme_key integer not null,
    referral_id blob not null,
    prescription_id blob,
    case_id blob,
    patient_id blob not null,
    source text not null,
    link_facility_id blob not null,
    state text not null,
    closing_reason text,
    failed_contact_attempts integer not null,
    version integer not null,
    issued_at text not null,
    updated_at text not null,
    primary key (programme_key, referral_id),
    foreign key (programme_key, prescription_id) references prescription (programme_key, prescription_id),
    foreign key (programme_key, case_id) references case_file (programme_key, case_id),
    foreign key (programme_key, patient_id) references patient (programme_key, patient_id),
    foreign key (programme_key, link_facility_id) references organisation (programme_key, organisation_id)
);
insert into referral (programme_key, referral_id, prescription_id, case_id, patient_id, source, link_facility_id, state, closing_reason, failed_contact_attempts, version, issued_at, updated_at)
select p.programme_key, o.referral_id, o.prescription_id, o.case_id, o.patient_id, o.source, o.link_facility_id, o.state, o.closing_reason, o.failed_contact_attempts, o.version, o.issued_at, o.updated_at
from referral_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.referral_id;

create table onward_referral (
    programme_key integer not null,
    onward_referral_id blob not null,
    case_id blob not null,
    offer_id blob not null,
    state text not null,
    end_reason text,
    version integer not null,
    created_at text not null,
    updated_at text not null,
    primary key (programme_key, onward_referral_id),
    foreign key (programme_key, case_id) references case_file (programme_key, case_id),
    foreign key (programme_key, offer_id) references offer (programme_key, offer_id)
);
insert into onward_referral (programme_key, onward_referral_id, case_id, offer_id, state, end_reason, version, created_at, updated_at)
select p.programme_key, o.onward_referral_id, o.case_id, o.offer_id, o.state, o.end_reason, o.version, o.created_at, o.updated_at
from onward_referral_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.onward_referral_id;

create table consent (
    programme_key integer not null,
    consent_id blob not null,
    patient_id blob not null,
    purpose text not null,
    onward_referral_id blob,
    text_version text not null,
    language text not null,
    given_by text not null,
    recorded_by blob not null references user_account (user_id),
    given_at text not null,
    withdrawn_at text,
    version integer not null,
    primary key (programme_key, patient_id, consent_id),
    foreign key (programme_key, patient_id) references patient (programme_key, patient_id),
    foreign key (programme_key, onward_referral_id) references onward_referral (programme_key, onward_referral_id)
) without rowid;
insert into consent (programme_key, consent_id, patient_id, purpose, onward_referral_id, text_version, language, given_by, recorded_by, given_at, withdrawn_at, version)
select p.programme_key, o.consent_id, o.patient_id, o.purpose, o.onward_referral_id, o.text_version, o.language, o.given_by, o.recorded_by, o.given_at, o.withdrawn_at, o.version
from consent_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.patient_id, o.consent_id;

create table questionnaire_response (
    programme_key integer not null,
    response_id blob not null,
    case_id blob not null,
    instrument text not null,
    timepoint text not null,
    answers text not null,
    answered_at text not null,
    primary key (programme_key, case_id, response_id),
    foreign key (programme_key, case_id) references case_file (programme_key, case_id)
) without rowid;
insert into questionnaire_response (programme_key, response_id, case_id, instrument, timepoint, answers, answered_at)
select p.programme_key, o.response_id, o.case_id, o.instrument, o.timepoint, o.answers, o.answered_at
from questionnaire_response_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.case_id, o.response_id;

create table event (
    programme_key integer not null references programme (programme_key),
    stream_id blob not null,
    stream_version integer not null,
    stream integer not null,
    payload text not null,
    actor text not null,
    occurred_at text not null,
    primary key (programme_key, stream_id, stream_version)
) without rowid;
insert into event (programme_key, stream_id, stream_version, stream, payload, actor, occurred_at)
select p.programme_key, o.stream_id, o.stream_version, o.stream, o.payload, o.actor, o.occurred_at
from event_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.stream_id, o.stream_version;

create table audit_entry (
    programme_key integer not null references programme (programme_key),
    seq integer not null,
    at text not null,
    actor text not null,
    action text not null,
    object_kind text not null,
    object_id blob not null,
    purpose text not null,
    prev_hash blob not null,
    hash blob not null,
    reference text,
    primary key (programme_key, seq)
);
insert into audit_entry (programme_key, seq, at, actor, action, object_kind, object_id, purpose, prev_hash, hash, reference)
select p.programme_key, o.seq, o.at, o.actor, o.action, o.object_kind, o.object_id, o.purpose, o.prev_hash, o.hash, o.reference
from audit_entry_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.seq;

create table audit_object (
    programme_key integer not null,
    seq integer not null,
    object_id blob not null,
    primary key (programme_key, object_id, seq)
) without rowid;
insert into audit_object (programme_key, seq, object_id)
select p.programme_key, o.seq, o.object_id
from audit_object_old as o join programme as p on p.programme_id = o.programme_id
order by p.programme_key, o.object_id, o.seq;

drop table audit_object_old;
drop table audit_entry_old;
drop table event_old;
drop table questionnaire_response_old;
drop table consent_old;
drop table onward_referral_old;
drop table referral_old;
drop table case_file_old;
drop table prescription_old;
drop table patient_identity_old;
drop table patient_old;
drop table api_client_old;
drop table offer_old;
drop table membership_old;
drop table organisation_old;
drop table area_old;
drop table area_set_old;

create index area_parent on area (programme_key, parent_id);
create index organisation_kind on organisation (programme_key, kind);
create index membership_user on membership (user_id);
create index offer_provider on offer (programme_key, provider_id);
create index api_client_by_token on api_client (token_hash);
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
