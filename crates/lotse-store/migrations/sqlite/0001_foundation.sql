-- Why: the foundation schema. Installation-wide tables (programme, user_account, session) carry
-- no programme; every other table carries programme_id first in its primary and unique keys,
-- so that no query crosses programmes and a later move to Citus can distribute by programme.
-- Types: uuid -> blob, timestamps -> text (RFC 3339, UTC), booleans -> integer, json -> text.

create table programme (
    programme_id blob primary key not null,
    slug text not null unique,
    name text not null,
    languages text not null,
    time_zone text not null,
    link_work_model text not null,
    contact_attempts_before_unreachable integer not null,
    public_directory integer not null,
    version integer not null,
    created_at text not null
);

create table user_account (
    user_id blob primary key not null,
    username text not null unique,
    display_name text not null,
    password_hash text not null,
    disabled integer not null,
    version integer not null,
    created_at text not null
);

create table session (
    session_hash text primary key not null,
    user_id blob not null references user_account (user_id),
    programme_id blob not null references programme (programme_id),
    created_at text not null,
    expires_at text not null
);
create index session_by_user on session (user_id);

create table area_set (
    programme_id blob not null references programme (programme_id),
    area_set_id blob not null,
    name text not null,
    primary key (programme_id, area_set_id),
    unique (programme_id, name)
);

create table area (
    programme_id blob not null,
    area_id blob not null,
    area_set_id blob not null,
    parent_id blob,
    kind text not null,
    name text not null,
    lat real not null,
    lon real not null,
    deprivation real,
    primary key (programme_id, area_id),
    foreign key (programme_id, area_set_id) references area_set (programme_id, area_set_id),
    foreign key (programme_id, parent_id) references area (programme_id, area_id)
);
create index area_parent on area (programme_id, parent_id);

create table organisation (
    programme_id blob not null references programme (programme_id),
    organisation_id blob not null,
    kind text not null,
    name text not null,
    area_id blob,
    version integer not null,
    created_at text not null,
    primary key (programme_id, organisation_id),
    foreign key (programme_id, area_id) references area (programme_id, area_id)
);
create index organisation_kind on organisation (programme_id, kind);

create table membership (
    programme_id blob not null references programme (programme_id),
    user_id blob not null references user_account (user_id),
    role text not null,
    organisation_id blob,
    created_at text not null,
    primary key (programme_id, user_id, role),
    foreign key (programme_id, organisation_id) references organisation (programme_id, organisation_id)
);
create index membership_user on membership (user_id);

create table offer (
    programme_id blob not null,
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
    primary key (programme_id, offer_id),
    foreign key (programme_id, provider_id) references organisation (programme_id, organisation_id),
    foreign key (programme_id, area_id) references area (programme_id, area_id)
);
create index offer_provider on offer (programme_id, provider_id);

-- Derived attributes for reports; identity lives in patient_identity.
create table patient (
    programme_id blob not null references programme (programme_id),
    patient_id blob not null,
    age_band text not null,
    gender text not null,
    language text not null,
    created_at text not null,
    primary key (programme_id, patient_id)
);

-- Identity, kept apart so erasure and retention overwrite one row.
create table patient_identity (
    programme_id blob not null,
    patient_id blob not null,
    given_name text not null,
    family_name text not null,
    birth_date text not null,
    phone text,
    primary key (programme_id, patient_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id)
);

create table prescription (
    programme_id blob not null,
    prescription_id blob not null,
    code text not null,
    patient_id blob not null,
    practice_id blob not null,
    prescriber_id blob not null references user_account (user_id),
    need_domains text not null,
    issued_at text not null,
    primary key (programme_id, prescription_id),
    unique (programme_id, code),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, practice_id) references organisation (programme_id, organisation_id)
);

-- "case" is an SQL keyword, hence case_file.
create table case_file (
    programme_id blob not null,
    case_id blob not null,
    patient_id blob not null,
    link_facility_id blob not null,
    opened_at text not null,
    version integer not null,
    primary key (programme_id, case_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, link_facility_id) references organisation (programme_id, organisation_id)
);

-- Current state is a projection of the referral's events, updated in the same transaction.
create table referral (
    programme_id blob not null,
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
    primary key (programme_id, referral_id),
    foreign key (programme_id, prescription_id) references prescription (programme_id, prescription_id),
    foreign key (programme_id, case_id) references case_file (programme_id, case_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, link_facility_id) references organisation (programme_id, organisation_id)
);
create index referral_state on referral (programme_id, state);
create index referral_facility on referral (programme_id, link_facility_id);

create table onward_referral (
    programme_id blob not null,
    onward_referral_id blob not null,
    case_id blob not null,
    offer_id blob not null,
    state text not null,
    end_reason text,
    version integer not null,
    created_at text not null,
    updated_at text not null,
    primary key (programme_id, onward_referral_id),
    foreign key (programme_id, case_id) references case_file (programme_id, case_id),
    foreign key (programme_id, offer_id) references offer (programme_id, offer_id)
);
create index onward_referral_offer on onward_referral (programme_id, offer_id);

create table consent (
    programme_id blob not null,
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
    primary key (programme_id, consent_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, onward_referral_id) references onward_referral (programme_id, onward_referral_id)
);
create index consent_patient on consent (programme_id, patient_id);

create table questionnaire_response (
    programme_id blob not null,
    response_id blob not null,
    case_id blob not null,
    instrument text not null,
    timepoint text not null,
    answers text not null,
    answered_at text not null,
    primary key (programme_id, response_id),
    foreign key (programme_id, case_id) references case_file (programme_id, case_id)
);

-- Append-only. (stream, stream_id, stream_version) is unique, so two writers can never both
-- append version N of the same stream.
create table event (
    programme_id blob not null references programme (programme_id),
    event_id blob not null,
    stream text not null,
    stream_id blob not null,
    stream_version integer not null,
    kind text not null,
    payload text not null,
    actor text not null,
    occurred_at text not null,
    primary key (programme_id, event_id),
    unique (programme_id, stream, stream_id, stream_version)
);

-- One hash chain per programme; the head makes a removed tail detectable and serialises
-- appends (the update of the head row takes its lock first).
create table audit_chain (
    programme_id blob primary key not null references programme (programme_id),
    last_seq integer not null,
    last_hash text not null
);

create table audit_entry (
    programme_id blob not null references programme (programme_id),
    seq integer not null,
    at text not null,
    actor text not null,
    action text not null,
    object_kind text not null,
    object_id blob not null,
    purpose text not null,
    prev_hash text not null,
    hash text not null,
    primary key (programme_id, seq)
);
create index audit_entry_object on audit_entry (programme_id, object_kind, object_id);
create index audit_entry_actor on audit_entry (programme_id, actor);
