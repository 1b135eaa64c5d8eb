-- Why: the link worker's work after the first contact. Conversation notes ("what matters to
-- you?"): a note is sealed for its row (its text is personal and may be health data); who
-- wrote it (a user) and when are plain, so that a case's notes list in order without opening
-- them; erasure deletes a person's notes. The concern raised with the prescriber is an event
-- of the referral; the referral keeps its latest (kind and when) for the practice's board.
create table case_note (
    programme_key bigint not null,
    note_id uuid not null,
    case_id uuid not null,
    author_id uuid not null,
    written_at timestamptz not null,
    body bytea not null,
    primary key (programme_key, note_id),
    foreign key (programme_key, case_id) references case_file (programme_key, case_id)
);
create index case_note_case on case_note (programme_key, case_id, written_at);
alter table referral add column concern_kind text;
alter table referral add column concern_raised_at timestamptz;
-- The action plan agreed with the person, versioned: every save is a new row (the old ones
-- stay). Its text (goals, milestones, obstacles) is sealed as one value; the review date is
-- plain, for the worklist's "plan review due".
create table action_plan (
    programme_key bigint not null,
    case_id uuid not null,
    version bigint not null,
    author_id uuid not null,
    written_at timestamptz not null,
    review_on date not null,
    body bytea not null,
    primary key (programme_key, case_id, version),
    foreign key (programme_key, case_id) references case_file (programme_key, case_id)
);
-- Who answered a questionnaire: the person through a self-completion link, or the link
-- worker with the person (none: recorded before this was kept). A self-completion invitation
-- is for one questionnaire of one case; its capability (the link) names it. It holds codes
-- and times only.
alter table questionnaire_response add column answered_by text;
create table questionnaire_invitation (
    programme_key bigint not null,
    invitation_id uuid not null,
    case_id uuid not null,
    instrument text not null,
    timepoint text not null,
    language text not null,
    created_by uuid not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    response_id uuid,
    answered_at timestamptz,
    primary key (programme_key, invitation_id),
    foreign key (programme_key, case_id) references case_file (programme_key, case_id)
);
create index questionnaire_invitation_case on questionnaire_invitation (programme_key, case_id);
