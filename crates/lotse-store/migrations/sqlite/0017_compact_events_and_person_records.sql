-- Why: size (issue 12 §7, "Size and scale"; BENCHMARKS.md, "size, second round").
-- 1. An event no longer stores event_id (a random id nothing looked up) nor kind (it repeated
--    the stream and the payload's `type`; the store derives it when reading, and refuses to
--    write an event whose kind would read back differently). Its key is its record's id and
--    its place in that record's stream, (programme_id, stream_id, stream_version): a stream id
--    is a record id, unique across streams, so a version is still written once; the stream
--    stays a column that every read filters on, stored as a code (1 referral, 2
--    onward_referral, 3 consent: `event::stream_code`) instead of its name. An event of
--    another stream fails the migration (not null) rather than being dropped.
-- 2. consent and questionnaire_response are stored in their primary key (without rowid): one
--    copy of each row instead of a table plus its key index. Their keys start with what every
--    query filters on: a consent is always read through its person (programme_id, patient_id,
--    consent_id), so the index consent_patient is no longer needed; a response through its
--    case (programme_id, case_id, response_id), which no index served before. Ids are random
--    128-bit values made by the store, so they need no key of their own to stay unique in
--    practice. Nothing references these tables, so each is copied, dropped and its copy
--    renamed (SQLite cannot change a table's key in place); keys keep programme_id first.
--    (patient_identity stays as it is: its rows of about 450 bytes fill pages in random key
--    order worse than the key index costs, 5.67 MB against 5.29 MB at scale 4.)
create table event_new (
    programme_id blob not null references programme (programme_id),
    stream_id blob not null,
    stream_version integer not null,
    stream integer not null,
    payload text not null,
    actor text not null,
    occurred_at text not null,
    primary key (programme_id, stream_id, stream_version)
) without rowid;
insert into event_new (programme_id, stream_id, stream_version, stream, payload, actor, occurred_at)
select programme_id, stream_id, stream_version,
    case stream when 'referral' then 1 when 'onward_referral' then 2 when 'consent' then 3 end,
    payload, actor, occurred_at
from event order by programme_id, stream_id, stream_version;
drop table event;
alter table event_new rename to event;

create table consent_new (
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
    primary key (programme_id, patient_id, consent_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id),
    foreign key (programme_id, onward_referral_id) references onward_referral (programme_id, onward_referral_id)
) without rowid;
insert into consent_new (programme_id, consent_id, patient_id, purpose, onward_referral_id, text_version,
    language, given_by, recorded_by, given_at, withdrawn_at, version)
select programme_id, consent_id, patient_id, purpose, onward_referral_id, text_version,
    language, given_by, recorded_by, given_at, withdrawn_at, version
from consent order by programme_id, patient_id, consent_id;
drop table consent;
alter table consent_new rename to consent;

create table questionnaire_response_new (
    programme_id blob not null,
    response_id blob not null,
    case_id blob not null,
    instrument text not null,
    timepoint text not null,
    answers text not null,
    answered_at text not null,
    primary key (programme_id, case_id, response_id),
    foreign key (programme_id, case_id) references case_file (programme_id, case_id)
) without rowid;
insert into questionnaire_response_new (programme_id, response_id, case_id, instrument, timepoint, answers, answered_at)
select programme_id, response_id, case_id, instrument, timepoint, answers, answered_at
from questionnaire_response order by programme_id, case_id, response_id;
drop table questionnaire_response;
alter table questionnaire_response_new rename to questionnaire_response;
