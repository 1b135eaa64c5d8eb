-- Why: the link worker sees whether an onward referral's provider link still works, makes a new
-- one (the old ones stop working) or stops them (issue "Connect and follow up": a signed link
-- "expires and can be revoked"). Those read a programme's capabilities by the object they are
-- for; without an index that is every capability of the programme.
create index capability_by_object on capability (programme_id, object_id);
