-- Why: audited reads at load (issue "Foundation, second pass" §1). One action on many records
-- (a worklist view, the referrals on a case page, a batch of created records) is one audit
-- entry: its object_id is the nil id and the records it touched are listed here, in id order,
-- and hashed into the entry. "Who saw this person?" reads both: entries naming the person and
-- entries listing them. The keys start with programme_id, as for every tenant table; the second
-- index finds an entry's records when a chain is verified.
create table audit_object (
    programme_id blob not null,
    seq integer not null,
    object_id blob not null,
    primary key (programme_id, object_id, seq),
    foreign key (programme_id, seq) references audit_entry (programme_id, seq)
);
create index audit_object_entry on audit_object (programme_id, seq);
