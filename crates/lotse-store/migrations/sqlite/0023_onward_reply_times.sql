-- Why: the directory shows how fast a provider usually answers (issue 14). Reading that from
-- the events at every index build took 15.6 s at the demo's scale 400 (a join over about
-- 9 million events). Each onward referral now keeps when it was sent and when its provider
-- first answered (acknowledged, declined, attendance started or did not attend), written with
-- its events; this fills them in from the events once.
alter table onward_referral add column sent_at text;
alter table onward_referral add column answered_at text;
update onward_referral set sent_at = (
    select min(e.occurred_at) from event e
    where e.programme_key = onward_referral.programme_key and e.stream = 2
      and e.stream_id = onward_referral.onward_referral_id
      and json_extract(e.payload, '$.type') = 'sent');
update onward_referral set answered_at = (
    select min(a.occurred_at) from event a
    where a.programme_key = onward_referral.programme_key and a.stream = 2
      and a.stream_id = onward_referral.onward_referral_id
      and json_extract(a.payload, '$.type') in ('acknowledged', 'declined_by_provider', 'attendance_started', 'did_not_attend'))
where sent_at is not null;
