-- Why: a provider sharing consent covers one onward referral, and the person decides which of
-- their details the provider may see (issue "Connect and follow up": "carrying only what the
-- person consented to share with that provider ... and which fields"). The codes are those of
-- lotse_domain::consent::SharedField, comma-separated in its order; empty for every other
-- purpose. Sharing consents recorded before this migration share no field: nobody asked the
-- person which, so the provider sees none (it still sees the offer and the link worker's
-- facility).
alter table consent add column shared_fields text not null default '';
