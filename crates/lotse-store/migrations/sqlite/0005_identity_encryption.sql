-- Why: identity fields are encrypted at rest (crates/lotse-store/src/crypto.rs). SQLite already
-- stores the birth date as text (see 0001), so only PostgreSQL changes a column type here; the
-- statement below keeps the two migration histories the same length.
select 1;
