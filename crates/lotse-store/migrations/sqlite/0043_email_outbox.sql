-- Why: a provider without an account gets its signed link, and a reminder when it stays silent,
-- by e-mail where the programme has an SMTP relay (issue "Connect and follow up"). An e-mail is
-- written here in the transaction that makes it due (the onward referral's `sent`, the
-- follow-up job's reminder), so a failing relay never loses one: the e-mail job delivers what is
-- due and tries a failure again later. A row holds no personal data and no link: the job
-- issues the link when it delivers (a token is never stored), reads the offer's public contact
-- address then, and keeps where it went.
create table email_outbox (
    programme_key integer not null references programme (programme_key),
    email_id blob not null,
    kind text not null,
    onward_referral_id blob not null,
    state text not null,
    created_at text not null,
    due_at text not null,
    attempts integer not null default 0,
    -- why the last try failed, or why it was dropped (a short code, never the relay's words)
    note text,
    sent_at text,
    sent_to text,
    primary key (programme_key, email_id)
);
-- the e-mail job reads what is due, per programme
create index email_outbox_due on email_outbox (programme_key, state, due_at);
-- the link worker's page lists an onward referral's e-mails
create index email_outbox_of_onward on email_outbox (programme_key, onward_referral_id);
-- one reminder per onward referral, however often the follow-up job runs
create unique index email_outbox_one_reminder on email_outbox (programme_key, onward_referral_id)
    where kind = 'provider_reminder';
