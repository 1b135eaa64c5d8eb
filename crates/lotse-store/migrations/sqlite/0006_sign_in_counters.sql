-- Why: sign-in throttling that holds under parallel requests (security review, findings 1, 2, 9).
-- * login_attempt also counts failures per client address (key `addr:` + SHA-256 of the
--   address, next to the SHA-256 of account names); refusal_audited_at lets an answer during a
--   lock be audited once a minute, not once per request; expired rows are deleted by the
--   sign-in itself, found through the index on first_failure_at.
-- * second_factor_attempt counts wrong second-factor codes per account, across all pending
--   sign-ins; only a right code resets it. At the limit the factor is locked until a
--   coordinator unlocks it. Installation-wide, like user_account; no personal data.
alter table login_attempt add column refusal_audited_at text;
create index login_attempt_first_failure on login_attempt (first_failure_at);

create table second_factor_attempt (
    user_id blob primary key not null references user_account (user_id),
    failures integer not null,
    locked_at text,
    refusal_audited_at text
);

create index pending_sign_in_expiry on pending_sign_in (expires_at);
