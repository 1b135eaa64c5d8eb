-- Why: capabilities (issue 12 §2): single-use signed links for people without an account (a
-- provider answering one onward referral, issue 16). A capability belongs to one programme, is
-- for one purpose and one object (whose kind the purpose names), expires, can be revoked and is
-- used once (used_at, set by one conditional update so two parallel uses cannot both succeed).
-- Only the SHA-256 of the link's secret is stored. The link names the capability's id, found
-- through an index (the keys still start with programme_id, as for every tenant table);
-- created_by is an actor reference (user:<id>, client:<id>, system:<job>), never a name.
create table capability (
    programme_id blob not null references programme (programme_id),
    capability_id blob not null,
    purpose text not null,
    object_id blob not null,
    secret_hash text not null,
    created_by text not null,
    created_at text not null,
    expires_at text not null,
    revoked_at text,
    used_at text,
    primary key (programme_id, capability_id)
);
create index capability_by_id on capability (capability_id);
