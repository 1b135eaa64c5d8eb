-- Why: the shortlist is built from the person's profile (issue "Prescribe and link"): beyond
-- needs, languages and home, what they like (interests), how far they can travel, the
-- accessibility they need, what they can pay and when they are free. One profile per case,
-- versioned for conflicts, its content sealed like a plan (accessibility needs can say
-- something about health). Erasure deletes it; `lotse keys rotate` seals it again.
create table search_profile (
    programme_key bigint not null,
    case_id uuid not null,
    version bigint not null,
    updated_by uuid not null,
    updated_at timestamptz not null,
    body bytea not null,
    primary key (programme_key, case_id),
    foreign key (programme_key, case_id) references case_file (programme_key, case_id)
);
