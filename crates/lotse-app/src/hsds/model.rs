//! The HSDS 3.0 objects Lotse writes, as JSON. Field names, types and nesting follow the
//! official schemas (`crates/lotse-web/interop/hsds-3.0/`); empty optional fields are left out
//! rather than sent as `null` (the ORUK rule). A strict schema test checks every answer the
//! demo gives against those schemas with unknown properties forbidden.

use serde::Serialize;
use uuid::Uuid;

/// A page of a list (the HSDS `Page` object with `contents`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// Items over all pages.
    pub total_items: u64,
    /// Pages.
    pub total_pages: u64,
    /// This page's number, from 1.
    pub page_number: u64,
    /// Items on this page.
    pub size: u64,
    /// Whether this is the first page.
    pub first_page: bool,
    /// Whether this is the last page.
    pub last_page: bool,
    /// Whether there is nothing at all.
    pub empty: bool,
    /// The items.
    pub contents: Vec<T>,
}

impl<T> Page<T> {
    /// Page `page_number` (from 1) of `total_items` split into pages of `per_page`.
    pub fn new(contents: Vec<T>, total_items: u64, page_number: u64, per_page: u64) -> Self {
        let total_pages = total_items.div_ceil(per_page.max(1));
        Self {
            total_items,
            total_pages,
            page_number,
            size: contents.len() as u64,
            first_page: page_number <= 1,
            last_page: page_number >= total_pages,
            empty: total_items == 0,
            contents,
        }
    }
}

/// `GET /hsds/`: what this API is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiInfo {
    /// The HSDS version.
    pub version: String,
    /// The profile's documentation.
    pub profile: String,
    /// Where the OpenAPI document is.
    pub openapi_url: String,
}

/// A service (an offer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// The offer's id.
    pub id: Uuid,
    /// The provider.
    pub organization_id: Uuid,
    /// The title in the offer's own language.
    pub name: String,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The offer's web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `active`, `temporarily closed` or `inactive`.
    pub status: String,
    /// What the cost note says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees_description: Option<String>,
    /// The youngest age admitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<u8>,
    /// The oldest age admitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<u8>,
    /// When a coordinator last verified the details (ISO date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assured_date: Option<String>,
    /// When it last changed (RFC 3339).
    pub last_modified: String,
    /// Phones (full nesting only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// Weekly sessions (full nesting only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    /// Where it takes place (full nesting only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service_at_locations: Vec<ServiceAtLocation>,
    /// Languages spoken (full nesting only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    /// The provider.
    pub organization: Organization,
    /// What it costs (full nesting only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cost_options: Vec<CostOption>,
    /// Need domains, category, target groups, accessibility as taxonomy terms (full nesting
    /// only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

/// The id and change time of a service (`minimal=true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MinimalService {
    /// The offer's id.
    pub id: Uuid,
    /// When it last changed (RFC 3339).
    pub last_modified: String,
}

/// An organization (a provider), with the one-to-one fields Lotse holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Required by HSDS; Lotse holds no description of providers, so this is empty.
    pub description: String,
}

/// An organization with its services (`/hsds/organizations/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganizationWithServices {
    /// The organization.
    #[serde(flatten)]
    pub organization: Organization,
    /// Its published services (one-to-one fields, or fully nested with `full_service`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
}

/// A phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The number.
    pub number: String,
}

/// A weekly session as an iCalendar-style rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// Always `WEEKLY`.
    pub freq: String,
    /// Always `MO`.
    pub wkst: String,
    /// The weekday (`MO` … `SU`).
    pub byday: String,
    /// Local start time (`HH:MM`).
    pub opens_at: String,
    /// Local end time (`HH:MM`, or `HH:MM:SS` for the end of the day).
    pub closes_at: String,
}

/// A spoken language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Language {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The language tag (ISO 639-1).
    pub code: String,
}

/// A cost option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostOption {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// `free`, `reduced` or `paid` (the Lotse code).
    pub option: String,
    /// ISO 4217 currency of the amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The amount in the currency's units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// The cost note (e.g. "with the Düsselpass").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_description: Option<String>,
}

/// Where a service takes place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceAtLocation {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// The location itself.
    pub location: Location,
}

/// A physical place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// Always `physical`.
    pub location_type: String,
    /// The area (Quartier / område) it lies in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Latitude (WGS 84).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude (WGS 84).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Its address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<PostalAddress>,
    /// Its accessibility features.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accessibility: Vec<Accessibility>,
}

/// A street address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostalAddress {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// Street and number.
    pub address_1: String,
    /// City.
    pub city: String,
    /// Required by HSDS; Lotse holds no state or region, so this is empty.
    pub state_province: String,
    /// Postcode.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Always `physical`.
    pub address_type: String,
}

/// An accessibility feature of a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accessibility {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// The feature, in words.
    pub description: String,
    /// The Lotse code of the feature.
    pub details: String,
}

/// A link from a service to a taxonomy term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The service.
    pub link_id: Uuid,
    /// Always `service`.
    pub link_entity: String,
    /// The term.
    pub taxonomy_term_id: Uuid,
    /// The term itself.
    pub taxonomy_term: TaxonomyTerm,
}

/// A taxonomy (need domains, categories, target groups, accessibility).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Taxonomy {
    /// Its id (fixed for every Lotse instance).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What it classifies.
    pub description: String,
    /// Its version.
    pub version: String,
}

/// A term of a taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxonomyTerm {
    /// Its id (fixed for every Lotse instance).
    pub id: Uuid,
    /// The Lotse code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// What it means.
    pub description: String,
    /// The taxonomy's code.
    pub taxonomy: String,
    /// The taxonomy.
    pub taxonomy_id: Uuid,
    /// The language of `name` and `description`.
    pub language: String,
}

/// A service at a location in a list: the location's and the service's one-to-one fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceAtLocationItem {
    /// Its id (derived from the offer's).
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The location.
    pub location_id: Uuid,
    /// The location (one-to-one fields).
    pub location: Location,
    /// The service (one-to-one fields).
    pub service: Service,
}
