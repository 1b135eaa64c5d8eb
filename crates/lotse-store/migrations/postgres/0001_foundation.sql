-- Why: the foundation schema. Installation-wide tables (programme, user_account, session) carry
-- no programme; every other table carries programme_id first in its primary and unique keys,
-- so that no query crosses programmes and a later move to Citus can distribute by programme.
-- Types: uuid, timestamptz, boolean, jsonb; the SQLite twin uses blob, text, integer, text.

create table programme (
    programme_id uuid primary key not null,
    slug text not null unique,
    name text not null,
    languages text not null,
    time_zone text not null,
    link_work_model text not null,
    contact_attempts_before_unreachable bigint not null,
    public_directory boolean not null,
    version bigint not null,
    created_at timestamptz not null
);

create table user_account (
    user_id uuid primary key not null,
    username text not null unique,
    display_name text not null,
    password_hash text not null,
    disabled boolean not null,
    version bigint not null,
    created_at timestamptz not null
);

create table session (
    session_hash text primary key not null,
    user_id uuid not null references user_account (user_id),
    programme_id uuid not null references programme (programme_id),
    created_at timestamptz not null,
    expires_at timestamptz not null
);
create index session_by_user on session (user_id);

create table area_set (
    programme_id uuid not null references programme (programme_id),
    area_set_id uuid not null,
    name text not null,
    primary key (programme_id, area_set_id),
    unique (programme_id, name)
);

create table area (
    programme_id uuid not null,
    area_id uuid not null,
    area_set_id uuid not null,
    parent_id uuid,
    kind text not null,
    name text not null,
    lat double precision not null,
    lon double precision not null,
    deprivation double precision,
    primary key (programme_id, area_id),
    foreign key (programme_id, area_set_id) references area_set (programme_id, area_set_id),
    foreign key (programme_id, parent_id) references area (programme_id, area_id)
);
create index area_parent on area (programme_id, parent_id);

create table organisation (
    programme_id uuid not null references programme (programme_id),
    organisation_id uuid not null,
    kind text not null,
    name text not null,
    area_id uuid,
    version bigint not null,
    created_at timestamptz not null,
    primary key (programme_id, organisation_id),
    foreign key (programme_id, area_id) references area (programme_id, area_id)
);
create index organisation_kind on organisation (programme_id, kind);

create table membership (
    programme_id uuid not null references programme (programme_id),
    user_id uuid not null references user_account (user_id),
    role text not null,
    organisation_id uuid,
    created_at timestamptz not null,
    primary key (programme_id, user_id, role),
    foreign key (programme_id, organisation_id) references organisation (programme_id, organisation_id)
);
create index membership_user on membership (user_id);

create table offer (
    programme_id uuid not null,
    offer_id uuid not null,
    provider_id uuid not null,
    title text not null,
    description text not null,
    language text not null,
    need_domains text not null,
    area_id uuid,
    lat double precision,
    lon double precision,
    free boolean not null,
    status text not null,
    published boolean not null,
    last_verified date,
    version bigint not null,
    updated_at timestamptz not null,
    primary key (programme_id, offer_id),
    foreign key (programme_id, provider_id) references organisation (programme_id, organisation_id),
    foreign key (programme_id, area_id) references area (programme_id, area_id)
);
create index offer_provider on offer (programme_id, provider_id);

-- Derived attributes for reports; identity lives in patient_identity.
create table patient (
    programme_id uuid not null references programme (programme_id),
    patient_id uuid not null,
    age_band text not null,
    gender text not null,
    language text not null,
    created_at timestamptz not null,
    primary key (programme_id, patient_id)
);

-- Identity, kept apart so erasure and retention overwrite one row.
create table patient_identity (
    programme_id uuid not null,
    patient_id uuid not null,
    given_name text not null,
    family_name text not null,
    birth_date date not null,
    phone text,
    primary key (programme_id, patient_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id)
);

create table prescription (
    programme_id uuid not null,
    prescription_id uuid not null,
    code text not null,
    patient_id uuid not null,
    practice_id uuid not null,
    prescriber_id uuid not null references user_account (user_id),
    need_domains text not null,
    issued_at timestamptz not null,
    primary key (programme_id, prescription_id),
    unique (programme_id, code),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, practice_id) references organisation (programme_id, organisation_id)
);

-- "case" is an SQL keyword, hence case_file.
create table case_file (
    programme_id uuid not null,
    case_id uuid not null,
    patient_id uuid not null,
    link_facility_id uuid not null,
    opened_at timestamptz not null,
    version bigint not null,
    primary key (programme_id, case_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, link_facility_id) references organisation (programme_id, organisation_id)
);

-- Current state is a projection of the referral's events, updated in the same transaction.
create table referral (
    programme_id uuid not null,
    referral_id uuid not null,
    prescription_id uuid,
    case_id uuid,
    patient_id uuid not null,
    source text not null,
    link_facility_id uuid not null,
    state text not null,
    closing_reason text,
    failed_contact_attempts bigint not null,
    version bigint not null,
    issued_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (programme_id, referral_id),
    foreign key (programme_id, prescription_id) references prescription (programme_id, prescription_id),
    foreign key (programme_id, case_id) references case_file (programme_id, case_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, link_facility_id) references organisation (programme_id, organisation_id)
);
create index referral_state on referral (programme_id, state);
create index referral_facility on referral (programme_id, link_facility_id);

create table onward_referral (
    programme_id uuid not null,
    onward_referral_id uuid not null,
    case_id uuid not null,
    offer_id uuid not null,
    state text not null,
    end_reason text,
    version bigint not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (programme_id, onward_referral_id),
    foreign key (programme_id, case_id) references case_file (programme_id, case_id),
    foreign key (programme_id, offer_id) references offer (programme_id, offer_id)
);
create index onward_referral_offer on onward_referral (programme_id, offer_id);

create table consent (
    programme_id uuid not null,
    consent_id uuid not null,
    patient_id uuid not null,
    purpose text not null,
    onward_referral_id uuid,
    text_version text not null,
    language text not null,
    given_by text not null,
    recorded_by uuid not null references user_account (user_id),
    given_at timestamptz not null,
    withdrawn_at timestamptz,
    version bigint not null,
    primary key (programme_id, consent_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, onward_referral_id) references onward_referral (programme_id, onward_referral_id)
);
create index consent_patient on consent (programme_id, patient_id);

create table questionnaire_response (
    programme_id uuid not null,
    response_id uuid not null,
    case_id uuid not null,
    instrument text not null,
    timepoint text not null,
    answers jsonb not null,
    answered_at timestamptz not null,
    primary key (programme_id, response_id),
    foreign key (programme_id, case_id) references case_file (programme_id, case_id)
);

-- Append-only. (stream, stream_id, stream_version) is unique, so two writers can never both
-- append version N of the same stream.
create table event (
    programme_id uuid not null references programme (programme_id),
    event_id uuid not null,
    stream text not null,
    stream_id uuid not null,
    stream_version bigint not null,
    kind text not null,
    payload jsonb not null,
    actor text not null,
    occurred_at timestamptz not null,
    primary key (programme_id, event_id),
    unique (programme_id, stream, stream_id, stream_version)
);

-- One hash chain per programme; the head makes a removed tail detectable and serialises
-- appends (the update of the head row takes its lock first).
create table audit_chain (
    programme_id uuid primary key not null references programme (programme_id),
    last_seq bigint not null,
    last_hash text not null
);

create table audit_entry (
    programme_id uuid not null references programme (programme_id),
    seq bigint not null,
    at timestamptz not null,
    actor text not null,
    action text not null,
    object_kind text not null,
    object_id uuid not null,
    purpose text not null,
    prev_hash text not null,
    hash text not null,
    primary key (programme_id, seq)
);
create index audit_entry_object on audit_entry (programme_id, object_kind, object_id);
create index audit_entry_actor on audit_entry (programme_id, actor);
