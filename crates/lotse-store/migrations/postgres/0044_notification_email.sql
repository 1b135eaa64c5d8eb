-- Why: every user may have an optional e-mail that says only "something new is waiting" (issue
-- "Connect and follow up": notifications), where the programme has an SMTP relay. One row per
-- member who asked for it, per programme: the address (a staff member's, read and written
-- audited), when the last notice went out, and when to try again after a failed one. The
-- notice itself names nothing: the link to the inbox.
create table notification_email (
    programme_key bigint not null references programme (programme_key),
    user_id uuid not null,
    address text not null,
    set_at timestamptz not null,
    notified_at timestamptz,
    retry_at timestamptz,
    primary key (programme_key, user_id)
);
