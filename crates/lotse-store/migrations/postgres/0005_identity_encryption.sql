-- Why: identity fields are encrypted at rest (crates/lotse-store/src/crypto.rs). A sealed birth
-- date is text, not a date; existing dates become ISO text and are sealed by `lotse keys rotate`.
alter table patient_identity alter column birth_date type text using to_char(birth_date, 'YYYY-MM-DD');
