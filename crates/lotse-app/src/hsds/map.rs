//! An offer as HSDS 3.0 objects. Pure: no I/O. The ids of an offer's parts (its location,
//! schedules, phone …) are UUIDv5 names under the offer's id, so they are the same in every
//! answer and every export.

use lotse_domain::area::GeoPoint;
use lotse_domain::offer::{CostKind, Offer};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time, Weekday};
use uuid::Uuid;

use super::Labels;
use super::model::{
    Accessibility, Attribute, CostOption, Language, Location, MinimalService, Organization, Phone, PostalAddress,
    Schedule, Service, ServiceAtLocation, ServiceAtLocationItem,
};
use super::taxonomy::{Term, Vocabulary};
use crate::offer_search::Listing;

/// How deeply a service is nested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// One-to-one fields and the organization (list pages).
    List,
    /// Everything (one service, `full=true`, exports).
    Full,
}

/// What an answer needs besides the offer: the programme's country and currency, and the
/// words for codes.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// ISO 3166-1 alpha-2 country of addresses.
    pub country: &'a str,
    /// ISO 4217 currency of costs.
    pub currency: &'a str,
    /// Words for codes, in the answer's language.
    pub labels: &'a dyn Labels,
}

/// The country and currency of a programme, from its time zone (Lotse holds no country): a
/// table of the zones of the programmes Lotse serves; anything else is taken as Germany.
pub fn country_and_currency(time_zone: &str) -> (&'static str, &'static str) {
    match time_zone {
        "Europe/Copenhagen" => ("DK", "DKK"),
        "Europe/Vienna" => ("AT", "EUR"),
        "Europe/Zurich" => ("CH", "CHF"),
        "Europe/London" => ("GB", "GBP"),
        _ => ("DE", "EUR"),
    }
}

/// The id of a part of an offer.
pub fn part_id(offer: Uuid, part: &str) -> Uuid {
    Uuid::new_v5(&offer, part.as_bytes())
}

/// `YYYY-MM-DD`.
pub fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// RFC 3339 in UTC, to the second.
pub fn timestamp(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// `HH:MM`, or `HH:MM:SS` when there are seconds (the end of the day is 23:59:59).
pub fn clock_time(t: Time) -> String {
    if t.second() == 0 {
        format!("{:02}:{:02}", t.hour(), t.minute())
    } else {
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    }
}

/// The iCalendar day code.
pub const fn ical_day(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
        Weekday::Sunday => "SU",
    }
}

/// The provider as an organization.
pub fn organization(listing: &Listing) -> Organization {
    Organization {
        id: listing.offer.provider.as_uuid(),
        name: listing.provider_name.clone(),
        description: String::new(),
    }
}

/// An offer's id and change time.
pub fn minimal(offer: &Offer) -> MinimalService {
    MinimalService {
        id: offer.id.as_uuid(),
        last_modified: timestamp(offer.updated_at),
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// An offer as a service.
pub fn service(listing: &Listing, ctx: Context<'_>, nesting: Nesting) -> Service {
    let o = &listing.offer;
    let id = o.id.as_uuid();
    let mut service = Service {
        id,
        organization_id: o.provider.as_uuid(),
        name: o.title.clone(),
        description: non_empty(&o.description),
        url: o.contact.url.as_deref().and_then(non_empty),
        email: o.contact.email.as_deref().and_then(non_empty),
        status: o.status.hsds().to_owned(),
        fees_description: o.cost.note.as_deref().and_then(non_empty),
        minimum_age: o.ages.min,
        maximum_age: o.ages.max,
        assured_date: o.last_verified.map(iso_date),
        last_modified: timestamp(o.updated_at),
        phones: Vec::new(),
        schedules: Vec::new(),
        service_at_locations: Vec::new(),
        languages: Vec::new(),
        organization: organization(listing),
        cost_options: Vec::new(),
        attributes: Vec::new(),
    };
    if nesting == Nesting::List {
        return service;
    }
    service.phones = o
        .contact
        .phone
        .as_deref()
        .and_then(non_empty)
        .map(|number| Phone {
            id: part_id(id, "phone"),
            service_id: id,
            number,
        })
        .into_iter()
        .collect();
    service.schedules = o
        .schedule
        .iter()
        .map(|s| Schedule {
            id: part_id(
                id,
                &format!(
                    "schedule/{}/{}/{}",
                    ical_day(s.weekday),
                    clock_time(s.opens_at),
                    clock_time(s.closes_at)
                ),
            ),
            service_id: id,
            freq: "WEEKLY".to_owned(),
            wkst: "MO".to_owned(),
            byday: ical_day(s.weekday).to_owned(),
            opens_at: clock_time(s.opens_at),
            closes_at: clock_time(s.closes_at),
        })
        .collect();
    service.languages = o
        .languages
        .iter()
        .map(|code| Language {
            id: part_id(id, &format!("language/{code}")),
            service_id: id,
            code: code.clone(),
        })
        .collect();
    let amount = o
        .cost
        .amount_cents
        .filter(|_| o.cost.kind != CostKind::Free)
        .map(|c| f64::from(c) / 100.0);
    service.cost_options = vec![CostOption {
        id: part_id(id, "cost_option"),
        service_id: id,
        option: o.cost.kind.code().to_owned(),
        currency: amount.map(|_| ctx.currency.to_owned()),
        amount,
        amount_description: o.cost.note.as_deref().and_then(non_empty),
    }];
    service.service_at_locations = location(listing, ctx, Nesting::Full)
        .map(|location| ServiceAtLocation {
            id: part_id(id, "service_at_location"),
            service_id: id,
            location_id: location.id,
            location,
        })
        .into_iter()
        .collect();
    service.attributes = Term::of_offer(o)
        .into_iter()
        .map(|term| Attribute {
            id: part_id(id, &format!("attribute/{}/{}", term.vocabulary.code(), term.code)),
            link_id: id,
            link_entity: "service".to_owned(),
            taxonomy_term_id: term.id(),
            taxonomy_term: term.taxonomy_term(ctx.labels),
        })
        .collect();
    service
}

/// Where an offer takes place (`None` without a point or an address): with its address and
/// accessibility features when fully nested, else the one-to-one fields only.
fn location(listing: &Listing, ctx: Context<'_>, nesting: Nesting) -> Option<Location> {
    let o = &listing.offer;
    if o.location.is_none() && o.address.is_none() {
        return None;
    }
    let id = o.id.as_uuid();
    let location_id = part_id(id, "location");
    let mut location = Location {
        id: location_id,
        location_type: "physical".to_owned(),
        name: listing.area_name.clone(),
        latitude: o.location.map(GeoPoint::lat),
        longitude: o.location.map(GeoPoint::lon),
        addresses: Vec::new(),
        accessibility: Vec::new(),
    };
    if nesting == Nesting::Full {
        location.addresses = o
            .address
            .iter()
            .map(|a| PostalAddress {
                id: part_id(id, "address"),
                location_id,
                address_1: a.street.clone(),
                city: a.city.clone(),
                state_province: String::new(),
                postal_code: a.postcode.clone(),
                country: ctx.country.to_owned(),
                address_type: "physical".to_owned(),
            })
            .collect();
        location.accessibility = o
            .accessibility
            .iter()
            .map(|f| Accessibility {
                id: part_id(id, &format!("accessibility/{}", f.code())),
                location_id,
                description: ctx.labels.label(&format!("access-{}", f.code())),
                details: f.code().to_owned(),
            })
            .collect();
    }
    Some(location)
}

/// An offer's place in a list of services at locations (`None` without a place).
pub fn service_at_location(listing: &Listing, ctx: Context<'_>) -> Option<ServiceAtLocationItem> {
    let location = location(listing, ctx, Nesting::List)?;
    let id = listing.offer.id.as_uuid();
    Some(ServiceAtLocationItem {
        id: part_id(id, "service_at_location"),
        service_id: id,
        location_id: location.id,
        location,
        service: service(listing, ctx, Nesting::List),
    })
}

/// Whether an offer carries a term of `vocabulary` (the `taxonomy_id` filter).
pub fn has_vocabulary(offer: &Offer, vocabulary: Vocabulary) -> bool {
    Term::of_offer(offer).iter().any(|t| t.vocabulary == vocabulary)
}
