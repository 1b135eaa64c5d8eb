-- Why: a TOTP second factor and coordinator-issued password resets. Installation-wide, like
-- user_account and session: these rows belong to accounts, not to a programme's people, and
-- hold no personal data. Only SHA-256 hashes of pending sign-in tokens and reset codes are
-- stored. The TOTP secret is a shared secret both sides must know (RFC 6238), so it is stored
-- as given to the authenticator app; last_used_step refuses a code used before (replay).
create table user_second_factor (
    user_id uuid primary key not null references user_account (user_id),
    secret text not null,
    confirmed_at timestamptz,
    last_used_step bigint not null,
    created_at timestamptz not null
);

-- A password was right; the session opens once the second factor is shown (or set up).
create table pending_sign_in (
    token_hash text primary key not null,
    user_id uuid not null references user_account (user_id),
    programme_id uuid not null references programme (programme_id),
    expires_at timestamptz not null,
    failures bigint not null
);
create index pending_sign_in_user on pending_sign_in (user_id);

create table password_reset_code (
    code_hash text primary key not null,
    user_id uuid not null references user_account (user_id),
    programme_id uuid not null references programme (programme_id),
    issued_by uuid not null references user_account (user_id),
    reset_second_factor boolean not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at timestamptz
);
create index password_reset_code_user on password_reset_code (user_id);
