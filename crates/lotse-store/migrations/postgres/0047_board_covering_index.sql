-- Why: the practice's board (issue "Prescribe and link": p99 at most 50 ms under 32
-- connections at scale 400) reads its first page from this index, newest change first, and then
-- each prescription's row for the columns it shows. Every audited read starts with an empty page
-- cache on SQLite (the audit appender's commits), so each of the 51 rows was one more page read
-- from the file. With those columns in the index the page needs no prescription row. The index
-- keeps its name and leading columns, so every statement that used it still can.
drop index prescription_board;
create index prescription_board on prescription (programme_key, practice_id, board_at desc, prescription_id)
    include (code, patient_id, urgency, issued_at, link_facility_id);
