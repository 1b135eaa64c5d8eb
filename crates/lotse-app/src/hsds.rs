//! The directory as Open Referral HSDS 3.0 (with the ORUK 3.0 filters): the public read API
//! under `/hsds` serves the listed offers (published and active) of every programme with a
//! public directory, from the same search indexes as the pages. Offers are not personal data;
//! nothing here reads a person. Programmes follow one another in the order of their slugs;
//! within one, results come in the order of the search (best match, or nearest first).

pub mod export;
pub mod import;
pub mod map;
pub mod model;
mod tabular;
pub mod taxonomy;

use std::sync::Arc;

use lotse_domain::id::OfferId;
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AccessibilityFeature, OfferCategory, TargetGroup};
use lotse_domain::programme::Programme;
use time::{OffsetDateTime, Time, Weekday};
use uuid::Uuid;

use crate::clock::Clock;
use crate::directory::{Directories, DirectoryError};
use crate::handle::Handle;
use crate::offer_search::{DirectoryIndex, Listing, MAX_PER_PAGE, Order, Origin, SearchError, SearchRequest};
use map::{Context, Nesting};
use model::{MinimalService, Organization, OrganizationWithServices, Page, Service, ServiceAtLocationItem};
use taxonomy::{Term, Vocabulary};

/// The HSDS version served.
pub const HSDS_VERSION: &str = "3.0";

/// Words for codes in one language (the web layer's translations).
pub trait Labels {
    /// The text of a message key.
    fn label(&self, key: &str) -> String;
    /// The language tag of the texts.
    fn language(&self) -> &str;
}

/// Results per page unless asked otherwise.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// A `GET /hsds/services` (and `/hsds/service_at_locations`) query, parsed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceQuery {
    /// Full-text search.
    pub search: String,
    /// Page, from 1.
    pub page: u32,
    /// Results per page (at most [`MAX_PER_PAGE`]).
    pub per_page: u32,
    /// Only services with a term of this taxonomy.
    pub taxonomy: Option<Vocabulary>,
    /// Only services with this term.
    pub term: Option<Term>,
    /// Only services of this organization.
    pub organization: Option<Uuid>,
    /// Only services modified on or after.
    pub modified_after: Option<OffsetDateTime>,
    /// Only services whose minimum age is at least this (ORUK).
    pub minimum_age: Option<u8>,
    /// Only services whose maximum age is at most this (ORUK).
    pub maximum_age: Option<u8>,
    /// Only services meeting on this day …
    pub day: Option<Weekday>,
    /// … starting at or after this time …
    pub start_time: Option<Time>,
    /// … and ending at or before this time.
    pub end_time: Option<Time>,
    /// Measure from this postcode's centroid (nearest first, unless there are words).
    pub postcode: Option<String>,
    /// Only services this close to the postcode (metres).
    pub proximity: Option<u32>,
}

/// Why a feed request failed.
#[derive(Debug, thiserror::Error)]
pub enum HsdsError {
    /// A parameter is wrong: the parameter and what is wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// The parameter.
        field: &'static str,
        /// What is wrong, in English.
        message: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// The listed offers of every programme with a public directory.
pub struct Feed {
    programmes: Vec<(Programme, Arc<DirectoryIndex>)>,
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed")
            .field("programmes", &self.programmes.len())
            .finish()
    }
}

type Predicate<'q> = Box<dyn Fn(&Listing) -> bool + 'q>;

fn listed(l: &Listing) -> bool {
    l.offer.published && l.offer.status == lotse_domain::offer::OfferStatus::Active
}

impl ServiceQuery {
    /// The conditions the facets do not hold, checked offer by offer.
    fn predicate(&self) -> Option<Predicate<'_>> {
        let mut checks: Vec<Predicate<'_>> = Vec::new();
        if let Some(v) = self.taxonomy {
            checks.push(Box::new(move |l: &Listing| map::has_vocabulary(&l.offer, v)));
        }
        if let Some(org) = self.organization {
            checks.push(Box::new(move |l: &Listing| l.offer.provider.as_uuid() == org));
        }
        if let Some(t) = self.modified_after {
            checks.push(Box::new(move |l: &Listing| l.offer.updated_at >= t));
        }
        if let Some(min) = self.minimum_age {
            checks.push(Box::new(move |l: &Listing| l.offer.ages.min.is_some_and(|m| m >= min)));
        }
        if let Some(max) = self.maximum_age {
            checks.push(Box::new(move |l: &Listing| l.offer.ages.max.is_some_and(|m| m <= max)));
        }
        if self.day.is_some() || self.start_time.is_some() || self.end_time.is_some() {
            let (day, start, end) = (self.day, self.start_time, self.end_time);
            checks.push(Box::new(move |l: &Listing| {
                l.offer.schedule.iter().any(|s| {
                    day.is_none_or(|d| s.weekday == d)
                        && start.is_none_or(|t| s.opens_at >= t)
                        && end.is_none_or(|t| s.closes_at <= t)
                })
            }));
        }
        if checks.is_empty() {
            None
        } else {
            Some(Box::new(move |l: &Listing| checks.iter().all(|c| c(l))))
        }
    }

    /// The search request for one window of one programme's results.
    fn request(&self, offset: usize, limit: usize) -> SearchRequest {
        let mut r = SearchRequest {
            text: self.search.clone(),
            origin: self.postcode.clone().map(Origin::Postcode),
            radius_m: self.proximity,
            order: if self.postcode.is_some() && self.search.trim().is_empty() {
                Order::Distance
            } else {
                Order::Relevance
            },
            window: Some((offset, limit)),
            without_facet_counts: true,
            ..SearchRequest::default()
        };
        if let Some(term) = self.term {
            match term.vocabulary {
                Vocabulary::NeedDomain => r.needs.extend(NeedDomain::from_code(term.code)),
                Vocabulary::Category => r.categories.extend(OfferCategory::from_code(term.code)),
                Vocabulary::TargetGroup => r.target_groups.extend(TargetGroup::from_code(term.code)),
                Vocabulary::Accessibility => r.accessibility.extend(AccessibilityFeature::from_code(term.code)),
            }
        }
        r
    }

    fn page_and_size(&self) -> (usize, usize) {
        let per_page = if self.per_page == 0 {
            DEFAULT_PER_PAGE
        } else {
            self.per_page.min(MAX_PER_PAGE)
        };
        (self.page.max(1) as usize, per_page as usize)
    }
}

impl Feed {
    /// The feed over the current indexes of every programme with a public directory.
    pub async fn open(db: &impl Handle, directories: &Directories, clock: &dyn Clock) -> Result<Self, DirectoryError> {
        let mut programmes = Vec::new();
        for (programme, index) in directories.public_indexes(db, clock.now()).await? {
            programmes.push((programme, index));
        }
        programmes.sort_by(|a, b| a.0.slug.as_str().cmp(b.0.slug.as_str()));
        Ok(Self { programmes })
    }

    fn context<'a>(programme: &Programme, labels: &'a dyn Labels) -> Context<'a> {
        let (country, currency) = map::country_and_currency(&programme.time_zone);
        Context {
            country,
            currency,
            labels,
        }
    }

    /// Visits the listed offers matching `query` from `offset` on, at most `limit` of them, in
    /// feed order; returns how many match in all.
    pub fn window(
        &self,
        query: &ServiceQuery,
        offset: usize,
        limit: usize,
        visit: impl FnMut(&Programme, &Listing),
    ) -> Result<usize, HsdsError> {
        self.window_where(query, None, offset, limit, visit)
    }

    /// [`Feed::window`] over the listings `also` accepts as well.
    fn window_where(
        &self,
        query: &ServiceQuery,
        also: Option<&dyn Fn(&Listing) -> bool>,
        offset: usize,
        limit: usize,
        mut visit: impl FnMut(&Programme, &Listing),
    ) -> Result<usize, HsdsError> {
        let inner = query.predicate();
        let only: Option<Predicate<'_>> = match (inner, also) {
            (Some(p), Some(a)) => Some(Box::new(move |l: &Listing| a(l) && p(l))),
            (Some(p), None) => Some(p),
            (None, Some(a)) => Some(Box::new(a)),
            (None, None) => None,
        };
        let mut total = 0;
        let mut skip = offset;
        let mut want = limit;
        let mut postcode_known = query.postcode.is_none();
        for (programme, index) in &self.programmes {
            let request = query.request(skip, want);
            let answer = match index.search_where(&request, only.as_deref()) {
                Ok(a) => a,
                Err(SearchError::UnknownPostcode(_)) => continue,
                Err(e) => {
                    return Err(HsdsError::Invalid {
                        field: field_of(&e),
                        message: e.to_string(),
                    });
                }
            };
            postcode_known = true;
            total += answer.total;
            for m in &answer.matches {
                visit(programme, &m.listing);
            }
            want -= answer.matches.len().min(want);
            skip = skip.saturating_sub(answer.total);
        }
        if !postcode_known {
            return Err(HsdsError::Invalid {
                field: "postcode",
                message: "this postcode is not known in any public directory".to_owned(),
            });
        }
        Ok(total)
    }

    /// A page of services.
    pub fn services(
        &self,
        query: &ServiceQuery,
        labels: &dyn Labels,
        nesting: Nesting,
    ) -> Result<Page<Service>, HsdsError> {
        let (page, per_page) = query.page_and_size();
        let mut contents = Vec::new();
        let total = self.window(query, (page - 1).saturating_mul(per_page), per_page, |p, l| {
            contents.push(map::service(l, Self::context(p, labels), nesting));
        })?;
        Ok(Page::new(contents, total as u64, page as u64, per_page as u64))
    }

    /// A page of services' ids and change times.
    pub fn minimal(&self, query: &ServiceQuery) -> Result<Page<MinimalService>, HsdsError> {
        let (page, per_page) = query.page_and_size();
        let mut contents = Vec::new();
        let total = self.window(query, (page - 1).saturating_mul(per_page), per_page, |_, l| {
            contents.push(map::minimal(&l.offer));
        })?;
        Ok(Page::new(contents, total as u64, page as u64, per_page as u64))
    }

    /// A page of services at their locations (services without a place are left out).
    pub fn service_at_locations(
        &self,
        query: &ServiceQuery,
        labels: &dyn Labels,
    ) -> Result<Page<ServiceAtLocationItem>, HsdsError> {
        let (page, per_page) = query.page_and_size();
        let placed = |l: &Listing| l.offer.location.is_some() || l.offer.address.is_some();
        let mut contents = Vec::new();
        let offset = (page - 1).saturating_mul(per_page);
        let total = self.window_where(query, Some(&placed), offset, per_page, |p, l| {
            contents.extend(map::service_at_location(l, Self::context(p, labels)));
        })?;
        Ok(Page::new(contents, total as u64, page as u64, per_page as u64))
    }

    /// One listed service, fully nested.
    pub fn service(&self, id: OfferId, labels: &dyn Labels) -> Option<Service> {
        self.programmes.iter().find_map(|(p, index)| {
            let l = index.listing_of(id).filter(|l| listed(l))?;
            Some(map::service(l, Self::context(p, labels), Nesting::Full))
        })
    }

    /// The service at location of a listed offer (its id is derived from the offer's).
    pub fn service_at_location(&self, id: Uuid, labels: &dyn Labels) -> Option<ServiceAtLocationItem> {
        self.programmes.iter().find_map(|(p, index)| {
            index
                .listings()
                .filter(|l| listed(l))
                .find(|l| map::part_id(l.offer.id.as_uuid(), "service_at_location") == id)
                .and_then(|l| map::service_at_location(l, Self::context(p, labels)))
        })
    }

    /// Organizations with at least one listed offer, by name.
    fn organizations_all(&self) -> Vec<Organization> {
        let mut seen = std::collections::BTreeMap::new();
        for (_, index) in &self.programmes {
            for l in index.listings().filter(|l| listed(l)) {
                seen.entry(l.offer.provider.as_uuid())
                    .or_insert_with(|| map::organization(l));
            }
        }
        let mut all: Vec<Organization> = seen.into_values().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        all
    }

    /// A page of organizations (those with a listed offer), by name; `search` keeps those whose
    /// name contains it (case-insensitive).
    pub fn organizations(&self, search: &str, page: u32, per_page: u32) -> Page<Organization> {
        let query = ServiceQuery {
            page,
            per_page,
            ..ServiceQuery::default()
        };
        let (page, per_page) = query.page_and_size();
        let needle = search.trim().to_lowercase();
        let all: Vec<Organization> = self
            .organizations_all()
            .into_iter()
            .filter(|o| needle.is_empty() || o.name.to_lowercase().contains(&needle))
            .collect();
        let total = all.len() as u64;
        let contents = all
            .into_iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .collect();
        Page::new(contents, total, page as u64, per_page as u64)
    }

    /// One organization with its listed services (one-to-one fields, or fully nested).
    pub fn organization(&self, id: Uuid, labels: &dyn Labels, full_service: bool) -> Option<OrganizationWithServices> {
        let nesting = if full_service { Nesting::Full } else { Nesting::List };
        let mut organization = None;
        let mut services = Vec::new();
        for (p, index) in &self.programmes {
            for l in index
                .listings()
                .filter(|l| listed(l) && l.offer.provider.as_uuid() == id)
            {
                organization.get_or_insert_with(|| map::organization(l));
                services.push(map::service(l, Self::context(p, labels), nesting));
            }
        }
        services.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Some(OrganizationWithServices {
            organization: organization?,
            services,
        })
    }
}

fn field_of(e: &SearchError) -> &'static str {
    match e {
        SearchError::UnknownPostcode(_) | SearchError::BadPostcode(_) | SearchError::DistanceWithoutOrigin => {
            "postcode"
        }
        SearchError::RadiusWithoutOrigin => "proximity",
        SearchError::UnknownArea(_) => "area",
    }
}
