-- Why: size (issue 12 §7, "Size and scale"; BENCHMARKS.md, "size, second round").
-- 1. An event no longer stores event_id (a random id nothing looked up) nor kind (it repeated
--    the stream and the payload's `type`; the store derives it when reading, and refuses to
--    write an event whose kind would read back differently). Its key is its record's id and
--    its place in that record's stream, (programme_id, stream_id, stream_version): a stream id
--    is a record id, unique across streams, so a version is still written once; the stream
--    stays a column that every read filters on. Dropped columns free their space when the
--    table is next rewritten (VACUUM FULL); new rows no longer hold them.
-- 2. SQLite stores consent and questionnaire_response in their primary key;
--    PostgreSQL has no such layout, so nothing changes for them here.
alter table event drop constraint event_pkey;
alter table event drop column event_id, drop column kind;
alter table event add primary key (programme_id, stream_id, stream_version);
