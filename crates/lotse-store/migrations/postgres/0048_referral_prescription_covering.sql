-- Why: the practice's board (issue "Prescribe and link": p99 at most 50 ms under 32
-- connections at scale 400) looks up each line's referral by prescription in this index and then
-- read the referral's row for the columns it shows (state, closing reason, facility, last change,
-- concern). On SQLite every audited read starts with an empty page cache (the audit appender's
-- commits), so each of the 51 lines was one more descent into the referral table. With those
-- columns in the index the board reads no referral row. The index keeps its name and leading
-- columns, so every statement that used it still can.
drop index referral_prescription;
create index referral_prescription on referral (programme_key, prescription_id)
    include (referral_id, case_id, state, closing_reason, link_facility_id, updated_at, concern_kind, concern_raised_at);
