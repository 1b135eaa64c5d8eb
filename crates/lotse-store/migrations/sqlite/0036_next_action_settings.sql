-- Why: the deadlines of the link workers' next actions were the same for every programme
-- (`NextActionSettings::default()`: first contact within 5 working days, a new attempt every
-- 2, the baseline questionnaire within 10). Programmes work differently (issue "Prescribe and
-- link": "a programme setting"), so each programme keeps its own, which its coordinator
-- changes on the settings page or with `lotse programme set`. Existing programmes keep the
-- deadlines they had. The ranges are the ones the settings page allows
-- (lotse_domain::programme_settings).
alter table programme add column first_contact_working_days integer not null default 5
    check (first_contact_working_days between 1 and 30);
alter table programme add column working_days_between_contact_attempts integer not null default 2
    check (working_days_between_contact_attempts between 1 and 20);
alter table programme add column baseline_questionnaire_working_days integer not null default 10
    check (baseline_questionnaire_working_days between 1 and 60);
