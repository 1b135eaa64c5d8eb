-- Why: the shortlist is built from the person's profile (issue "Prescribe and link"): beyond
-- needs, languages and home, what they like (interests), how far they can travel, the
-- accessibility they need, what they can pay and when they are free. One profile per case,
-- versioned for conflicts, its content sealed like a plan (accessibility needs can say
-- something about health). Erasure deletes it; `lotse keys rotate` seals it again.
create table search_profile (
    programme_key integer not null,
    case_id blob not null,
    version integer not null,
    updated_by blob not null,
    updated_at text not null,
    body blob not null,
    primary key (programme_key, case_id),
    foreign key (programme_key, case_id) references case_file (programme_key, case_id)
);
