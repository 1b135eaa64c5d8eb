-- Why: a coordinator's inbox (issue "Connect and follow up", "every user has an inbox") reads the
-- events of the programme's offers that changed last; this index finds them without sorting
-- every offer of the programme (72,000 in Düsseldorf at scale 400).
create index offer_updated on offer (programme_key, updated_at);
