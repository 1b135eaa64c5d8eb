-- Why: the coordinator's power is checked and recorded (security issue, finding 3).
-- 1. An export or erasure by a coordinator carries the data-subject request's reference (a
--    bounded token of letters, digits and - _ / ., never personal data); it is part of the
--    audit entry and hashed into it when present, so entries without one keep their hashes.
-- 2. A reset code records who issued it as an actor reference (`user:<id>`, or `system:admin`
--    for `lotse user reset`; issued_by then holds the account itself, as the column must name
--    an account), and the next sign-in tells the user who reset their account and when
--    (account_notice, installation-wide like session: it belongs to an account, holds ids and
--    a timestamp only, and is deleted once shown).
alter table audit_entry add column reference text;
alter table password_reset_code add column issuer text;
create table account_notice (
    user_id uuid primary key not null references user_account (user_id),
    reset_by text not null,
    reset_at timestamptz not null
);
