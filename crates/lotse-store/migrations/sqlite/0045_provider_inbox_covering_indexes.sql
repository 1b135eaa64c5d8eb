-- Why: a provider's inbox (issue "Connect and follow up": p99 at most 30 ms under 32
-- connections) goes from the provider's offers to their onward referrals, each one's case and
-- person. Every audited read starts with an empty page cache on SQLite (each commit of the audit
-- appender makes the other connections drop theirs in WAL mode), so each row's lookups read their
-- pages again; indexes that hold the columns the inbox needs answer offer → onward referral →
-- case → person from index pages alone, without the table rows beside them (138 pages read from a
-- cold cache instead of 195 for one inbox on a scale-40 demo). The two extended indexes keep their names and
-- leading columns, so every statement that used them still can.
drop index offer_provider;
create index offer_provider on offer (programme_key, provider_id, offer_id);
drop index onward_referral_offer;
create index onward_referral_offer on onward_referral (programme_key, offer_id, updated_at, case_id, onward_referral_id, state);
create index case_file_person on case_file (programme_key, case_id, patient_id);
create index patient_erased on patient (programme_key, patient_id, erased_at);
