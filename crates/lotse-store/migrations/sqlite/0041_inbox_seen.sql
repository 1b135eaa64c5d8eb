-- Why: every user has an inbox of what is new for them, derived from the events (issue "Connect
-- and follow up": notifications). "New" is what happened after the user last opened it: one row
-- per reader (a user, or an API client reading it through the API) and programme with that
-- moment. It holds no personal data.
create table inbox_seen (
    programme_key integer not null references programme (programme_key),
    reader_id blob not null,
    seen_at text not null,
    primary key (programme_key, reader_id)
);
