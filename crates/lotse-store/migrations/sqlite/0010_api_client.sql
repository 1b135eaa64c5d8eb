-- Why: API clients (issue "Foundation, second pass" §3). A client belongs to one programme and
-- acts like a membership (role, organisation) limited by scopes (codes, space-separated). Only
-- the SHA-256 of its bearer token is stored, found through an index like a session's hash (the
-- keys still start with programme_id, as for every tenant table); a revoked client stays for
-- the audit trail (revoked_at).
create table api_client (
    programme_id blob not null references programme (programme_id),
    client_id blob not null,
    name text not null,
    token_hash text not null,
    role text not null,
    organisation_id blob,
    scopes text not null,
    created_at text not null,
    revoked_at text,
    primary key (programme_id, client_id),
    unique (programme_id, name),
    foreign key (programme_id, organisation_id) references organisation (programme_id, organisation_id)
);
create index api_client_by_token on api_client (token_hash);
