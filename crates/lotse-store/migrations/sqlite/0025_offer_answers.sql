-- Why: the directory ranks by how providers answer (acceptance rate, typical reply time) and
-- explains it ("usually answers within 3 days"). Each index build computed that from every
-- onward referral: at the demo's scale 400 about 2.6 million rows read for 100,000 offers,
-- most of the build's time. Now each offer keeps its figures in one row, recomputed for the
-- offers concerned whenever onward referrals are written (`offer_answers::refresh`, in the
-- same transaction); this computes them once for the onward referrals already stored.
-- The median reply time is the middle value (or the mean of the two middle values) of the
-- days from sending to the provider's first answer, as kept by migration 0023.
create table offer_answers (
    programme_key integer not null,
    offer_id blob not null,
    answered integer not null,
    taken integer not null,
    lapsed integer not null,
    median_reply_days real,
    primary key (programme_key, offer_id),
    foreign key (programme_key, offer_id) references offer (programme_key, offer_id)
);
insert into offer_answers (programme_key, offer_id, answered, taken, lapsed, median_reply_days)
select c.programme_key, c.offer_id, c.answered, c.taken, c.lapsed, m.median
from (select programme_key, offer_id,
             count(*) filter (where state in ('acknowledged', 'attending', 'ended', 'did_not_attend', 'declined_by_provider')) as answered,
             count(*) filter (where state in ('acknowledged', 'attending', 'ended', 'did_not_attend')) as taken,
             count(*) filter (where state = 'lapsed') as lapsed
      from onward_referral where true
      group by programme_key, offer_id) c
left join (select programme_key, offer_id, avg(days) as median
           from (select programme_key, offer_id, julianday(answered_at) - julianday(sent_at) as days,
                        row_number() over (partition by programme_key, offer_id order by julianday(answered_at) - julianday(sent_at)) as i,
                        count(*) over (partition by programme_key, offer_id) as n
                 from onward_referral where true and sent_at is not null and answered_at is not null) r
           where i in ((n + 1) / 2, (n + 2) / 2)
           group by programme_key, offer_id) m
  on m.programme_key = c.programme_key and m.offer_id = c.offer_id
where c.answered + c.lapsed > 0 or m.median is not null;
