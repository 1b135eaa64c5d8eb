-- Why: the prescription form suggests a link facility by the person's age and home (issue
-- "Prescribe and link": older people to a zentrum plus, young people to a youth centre, the
-- nearest first; lotse_domain::facility_choice). An organisation names whom it is for as
-- comma-separated target group codes (the offers' `TargetGroup` codes, e.g. `older-people`);
-- empty: everyone. Its place is its area's centroid, which the table already has.
alter table organisation add column target_groups text not null default '';
