-- Why: the link worker's worklist orders cases by their next action, whose deadlines count
-- working days (issue "Prescribe and link"): each programme names the public holidays it
-- skips (`HolidayCalendar` code: `de-nw`, `dk`, `weekends-only`), with its time zone. Existing
-- programmes keep Monday to Friday until a coordinator chooses a calendar.
-- The worklist's one statement filters on what existing keys already serve, so no index is
-- added: referrals by (programme_key, link_facility_id, state) (`referral_facility`, 0026), a
-- referral's events by the key (programme_key, stream_id, stream_version), a case's
-- questionnaire responses by the key (programme_key, case_id, response_id).
alter table programme add column holiday_calendar text not null default 'weekends-only';
