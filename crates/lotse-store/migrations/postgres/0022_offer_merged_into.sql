-- Why: coordinators merge duplicate offers (issue 14, "keeping it current"). The merged offer
-- is ended and names the offer that remains, so links to it can lead to the survivor and the
-- duplicate finder leaves it alone. No foreign key: a column added to an existing SQLite table
-- cannot carry a two-column one, and both engines keep one schema; by convention only
-- `lotse_store::offer::merge` writes it, with an offer of the same programme.
alter table offer add column merged_into uuid;
