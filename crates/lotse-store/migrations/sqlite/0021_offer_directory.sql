-- Why: the offer directory (issue 14). An offer follows Open Referral HSDS 3.0 (service,
-- location and address, schedule, languages, accessibility, cost option, contact, taxonomy
-- terms) plus what matching needs: need domains as a join table instead of comma-joined text,
-- target groups, an age range, titles in further languages and capacity. Postcodes map to a
-- centroid and to one area per area set, imported per programme (`lotse import areas`); a
-- person's home is a postcode or an area. A programme says after how many days an offer's
-- details are due for review.
alter table programme add column offer_review_days integer not null default 365;

alter table offer add column category text not null default 'group';
alter table offer add column min_age integer;
alter table offer add column max_age integer;
alter table offer add column cost text not null default 'free';
alter table offer add column cost_amount_cents integer;
alter table offer add column cost_note text;
alter table offer add column street text;
alter table offer add column postcode text;
alter table offer add column city text;
alter table offer add column phone text;
alter table offer add column email text;
alter table offer add column url text;
alter table offer add column open_places integer;
alter table offer add column waiting_list integer not null default 0;
update offer set cost = case when free then 'free' else 'paid' end;

create table offer_need (
    programme_key integer not null,
    offer_id blob not null,
    need_domain text not null,
    primary key (programme_key, offer_id, need_domain),
    foreign key (programme_key, offer_id) references offer (programme_key, offer_id)
) without rowid;
insert into offer_need (programme_key, offer_id, need_domain)
select distinct o.programme_key, o.offer_id, trim(n.value)
from offer as o, json_each('["' || replace(o.need_domains, ',', '","') || '"]') as n
where o.need_domains <> '' and trim(n.value) <> '';

alter table offer drop column free;
alter table offer drop column need_domains;

create table offer_target_group (
    programme_key integer not null,
    offer_id blob not null,
    target_group text not null,
    primary key (programme_key, offer_id, target_group),
    foreign key (programme_key, offer_id) references offer (programme_key, offer_id)
) without rowid;

create table offer_language (
    programme_key integer not null,
    offer_id blob not null,
    language text not null,
    primary key (programme_key, offer_id, language),
    foreign key (programme_key, offer_id) references offer (programme_key, offer_id)
) without rowid;

create table offer_accessibility (
    programme_key integer not null,
    offer_id blob not null,
    feature text not null,
    primary key (programme_key, offer_id, feature),
    foreign key (programme_key, offer_id) references offer (programme_key, offer_id)
) without rowid;

create table offer_session (
    programme_key integer not null,
    offer_id blob not null,
    weekday integer not null check (weekday between 1 and 7),
    opens_at integer not null check (opens_at between 0 and 1439),
    closes_at integer not null check (closes_at between 1 and 1440 and closes_at > opens_at),
    primary key (programme_key, offer_id, weekday, opens_at),
    foreign key (programme_key, offer_id) references offer (programme_key, offer_id)
) without rowid;

create table offer_text (
    programme_key integer not null,
    offer_id blob not null,
    language text not null,
    title text not null,
    description text not null,
    primary key (programme_key, offer_id, language),
    foreign key (programme_key, offer_id) references offer (programme_key, offer_id)
) without rowid;

create table postcode (
    programme_key integer not null references programme (programme_key),
    postcode text not null,
    lat real not null,
    lon real not null,
    primary key (programme_key, postcode)
) without rowid;

create table postcode_area (
    programme_key integer not null,
    postcode text not null,
    area_set_id blob not null,
    area_id blob not null,
    primary key (programme_key, postcode, area_set_id),
    foreign key (programme_key, postcode) references postcode (programme_key, postcode),
    foreign key (programme_key, area_set_id) references area_set (programme_key, area_set_id),
    foreign key (programme_key, area_id) references area (programme_key, area_id)
) without rowid;

alter table patient add column home_postcode text;
alter table patient add column home_area_id blob;
