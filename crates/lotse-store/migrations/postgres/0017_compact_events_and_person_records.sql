-- Why: size (issue 12 §7, "Size and scale"; BENCHMARKS.md, "size, second round").
-- 1. An event no longer stores event_id (a random id nothing looked up) nor kind (it repeated
--    the stream and the payload's `type`; the store derives it when reading, and refuses to
--    write an event whose kind would read back differently). Its key is its record's id and
--    its place in that record's stream, (programme_id, stream_id, stream_version): a stream id
--    is a record id, unique across streams, so a version is still written once; the stream
--    stays a column that every read filters on, stored as a code (1 referral, 2
--    onward_referral, 3 consent: `event::stream_code`) instead of its name; an event of
--    another stream fails the migration (not null) rather than being dropped. Dropped
--    columns free their space when the table is next rewritten (VACUUM FULL); new rows no
--    longer hold them.
-- 2. The keys of consent and questionnaire_response start with what every query filters on:
--    a consent is always read through its person (programme_id, patient_id, consent_id), so the
--    index consent_patient is no longer needed; a response through its case (programme_id,
--    case_id, response_id), which no index served before. Ids are random 128-bit values made
--    by the store, so they need no key of their own to stay unique in practice. (SQLite also
--    stores both tables in their key.)
alter table event drop constraint event_pkey;
alter table event drop column event_id, drop column kind;
alter table event alter column stream type bigint
    using case stream when 'referral' then 1 when 'onward_referral' then 2 when 'consent' then 3 end;
alter table event add primary key (programme_id, stream_id, stream_version);
alter table consent drop constraint consent_pkey;
alter table consent add primary key (programme_id, patient_id, consent_id);
drop index consent_patient;
alter table questionnaire_response drop constraint questionnaire_response_pkey;
alter table questionnaire_response add primary key (programme_id, case_id, response_id);
