-- Why: a licensed instrument's wording (SWEMWBS) is never in the code; a programme that holds
-- the licence imports its copy, one per language (`lotse import instrument`), and the
-- instrument is offered only where its wording is imported. The wording is the licensee's
-- text (JSON: source, instructions, stem, items, responses), not personal data: stored plain.
-- A new import for the same language replaces the old one.
create table instrument_wording (
    programme_key bigint not null,
    instrument text not null,
    language text not null,
    wording text not null,
    imported_at timestamptz not null,
    primary key (programme_key, instrument, language)
);
