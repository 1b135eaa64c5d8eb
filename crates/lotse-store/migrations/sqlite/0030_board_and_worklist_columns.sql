-- Why: the practice's board and the link facility's worklist read what they order and
-- classify by from the rows themselves instead of computing it for every row on every request.
-- A prescription keeps the time of its last change (its referral's last event; the issue time
-- while it stays in the practice), indexed per practice in board order, so the board reads its
-- first rows from the index without sorting all of the practice's prescriptions. A referral
-- keeps the times of its latest acceptance, failed contact attempt and contact, which the
-- worklist's next-action rules read (before: three subqueries on the event stream per case).
-- Both are kept by the store's writes (prescription insert, referral insert and apply) and
-- filled here from what is stored.
alter table prescription add column board_at text;
update prescription set board_at = coalesce(
    (select r.updated_at from referral r
     where r.programme_key = prescription.programme_key and r.prescription_id = prescription.prescription_id
     order by rtrim(r.updated_at, 'Z') desc limit 1),
    issued_at);
-- The index is on the column as stored (text): within one second, a time written without a
-- fraction sorts after one with (the board's order is exact to the second on SQLite).
create index prescription_board on prescription (programme_key, practice_id, board_at desc, prescription_id);
alter table referral add column accepted_at text;
alter table referral add column last_attempt_at text;
alter table referral add column contacted_at text;
update referral set
    accepted_at = (select e.occurred_at from event e where e.programme_key = referral.programme_key
        and e.stream_id = referral.referral_id and e.stream = 1 and e.payload ->> 'type' = 'accepted'
        order by e.stream_version desc limit 1),
    last_attempt_at = (select e.occurred_at from event e where e.programme_key = referral.programme_key
        and e.stream_id = referral.referral_id and e.stream = 1 and e.payload ->> 'type' = 'contact_attempt_failed'
        order by e.stream_version desc limit 1),
    contacted_at = (select e.occurred_at from event e where e.programme_key = referral.programme_key
        and e.stream_id = referral.referral_id and e.stream = 1 and e.payload ->> 'type' = 'contacted'
        order by e.stream_version desc limit 1);
