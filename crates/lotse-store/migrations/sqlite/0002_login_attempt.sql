-- Why: throttle password guessing. Failed sign-ins are counted per account name (stored as a
-- SHA-256, so names typed by an attacker are not kept in clear) in the database, so that every
-- lotse instance sharing it enforces the same limit. Installation-wide, like user_account.
create table login_attempt (
    username_hash text primary key not null,
    failures integer not null,
    first_failure_at text not null,
    locked_until text
);
