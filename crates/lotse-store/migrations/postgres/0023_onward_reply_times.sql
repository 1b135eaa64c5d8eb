-- Why: the directory shows how fast a provider usually answers (issue 14). Reading that from
-- the events at every index build took 15.6 s at the demo's scale 400 (a join over about
-- 9 million events). Each onward referral now keeps when it was sent and when its provider
-- first answered (acknowledged, declined, attendance started or did not attend), written with
-- its events; this fills them in from the events once.
alter table onward_referral add column sent_at timestamptz, add column answered_at timestamptz;
update onward_referral w set sent_at = s.t
from (select programme_key, stream_id, min(occurred_at) as t from event
      where stream = 2 and payload->>'type' = 'sent' group by programme_key, stream_id) s
where s.programme_key = w.programme_key and s.stream_id = w.onward_referral_id;
update onward_referral w set answered_at = a.t
from (select programme_key, stream_id, min(occurred_at) as t from event
      where stream = 2 and payload->>'type' in ('acknowledged', 'declined_by_provider', 'attendance_started', 'did_not_attend')
      group by programme_key, stream_id) a
where a.programme_key = w.programme_key and a.stream_id = w.onward_referral_id and w.sent_at is not null;
