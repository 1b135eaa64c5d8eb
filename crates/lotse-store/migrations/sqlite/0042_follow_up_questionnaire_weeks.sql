-- Why: follow-up questionnaires at programme-set intervals (issue "Connect and follow up"): the
-- next one of a case is due this many weeks after its latest questionnaire, on a working day.
-- Each programme keeps its own, changed on the settings page or with `lotse programme set`;
-- the range is the one the settings page allows (lotse_domain::programme_settings).
alter table programme add column follow_up_questionnaire_weeks integer not null default 12
    check (follow_up_questionnaire_weeks between 4 and 52);
