-- Why: the practice's board (issue "Prescribe and link": p99 at most 50 ms under 32
-- connections at scale 400) shows only the prescriptions of people not erased, and looked that
-- up in `patient` for each of its 51 lines: one more index descent per line, each a page read
-- from the file on SQLite after the audit appender's commits. The prescription row now says it
-- itself: erasure (the only place that sets `patient.erased_at`) sets `patient_erased` on every
-- prescription of the person in the same transaction, and the board's index carries it, so the
-- board reads neither `patient` nor a prescription row to leave them out.
alter table prescription add column patient_erased boolean not null default false;
update prescription set patient_erased = true
where exists (
    select 1 from patient p
    where p.programme_key = prescription.programme_key and p.patient_id = prescription.patient_id
      and p.erased_at is not null
);
drop index prescription_board;
create index prescription_board on prescription (programme_key, practice_id, board_at desc, prescription_id)
    include (code, patient_id, urgency, issued_at, link_facility_id, patient_erased);
