-- Why: a questionnaire's score is stored with the version of the rules it was scored by
-- (`Instrument::version`), so a later change of rules never silently changes old scores:
-- the total in hundredths of a point (one integer for whole-point and two-decimal scores),
-- its published band, and the other measures (subscales, derived scores, separately reported
-- items) as a JSON list of {code, hundredths, band}. Rows written before this have no score
-- (null) and an empty list; a response whose answers the published rules leave unscored
-- (missing items) keeps its version and no total.
alter table questionnaire_response add column instrument_version text;
alter table questionnaire_response add column score_total integer;
alter table questionnaire_response add column score_band text;
alter table questionnaire_response add column score_measures text not null default '[]';
