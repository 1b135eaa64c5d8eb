-- Why: the link worker's worklist kind "follow-up due" (issue "Prescribe and link"). A
-- conversation note may name the day of the next conversation with the person; the case's
-- latest note decides (a later note without one clears it). Plain, like `written_at`: a date
-- says nothing about the person. Read by the next-action facts through `case_note_case`.
alter table case_note add column follow_up_on date;
