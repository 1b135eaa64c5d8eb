//! The directory search: one in-memory index per programme (`lotse-search`), built from the
//! store, that serves the link workers' search, the API and the public directory alike.
//!
//! Offers become documents: title and description in every language they carry, the
//! provider's and the area's names, and facet values for need domains, categories, languages
//! spoken, accessibility, cost, weekly slots (weekday × part of the day), ages, areas (the
//! offer's area with its ancestors, and the areas of its postcode in every other set), target
//! groups and whether it is listed (published and active). The prior carries capacity: a full
//! offer sinks, a waiting list sinks a little, a provider that rarely answers sinks, and an
//! offer due for review sinks a little.
//!
//! A [`SearchRequest`] holds hard constraints (filters) and a person's soft preferences
//! ([`Preferences`], boosts); every [`Match`] lists its [`Reason`]s, from which the pages and
//! APIs write the plain-language explanation in the reader's language.

use std::collections::HashMap;

use lotse_domain::actor::ProgrammeScope;
use lotse_domain::area::{Area, GeoPoint, PostcodeCode};
use lotse_domain::id::{AreaId, OfferId, OrganisationId};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AccessibilityFeature, CostKind, DayPart, Offer, OfferCategory, OfferStatus, TargetGroup};
use lotse_search::{Boost, DocKey, Document, FacetId, Filter, Index, IndexBuilder, Lang, Near, Point, Query, Sort};
use lotse_store::Db;
use lotse_store::offer_answers::AnswerStats;
use time::{Date, Weekday};

/// Facets of the index (the numbers are internal to this module).
pub mod facet {
    use lotse_search::FacetId;
    /// Need domain (value: position in `NeedDomain::ALL`).
    pub const NEED: FacetId = FacetId(0);
    /// Category (position in `OfferCategory::ALL`).
    pub const CATEGORY: FacetId = FacetId(1);
    /// Language spoken (position in the index's language list).
    pub const LANGUAGE: FacetId = FacetId(2);
    /// Accessibility feature (position in `AccessibilityFeature::ALL`).
    pub const ACCESS: FacetId = FacetId(3);
    /// Cost kind (position in `CostKind::ALL`).
    pub const COST: FacetId = FacetId(4);
    /// Weekly slot: (weekday from Monday = 0) × 3 + part of the day.
    pub const SLOT: FacetId = FacetId(5);
    /// Age admitted: each year of a limited range, or [`super::ANY_AGE`].
    pub const AGE: FacetId = FacetId(6);
    /// Area (position in the index's area list), with its ancestors.
    pub const AREA: FacetId = FacetId(7);
    /// Target group (position in `TargetGroup::ALL`).
    pub const TARGET: FacetId = FacetId(8);
    /// Listed: 1 when published and active, 0 otherwise.
    pub const LISTED: FacetId = FacetId(9);
    /// Due for review: 1 when not verified within the programme's review days.
    pub const REVIEW: FacetId = FacetId(10);
}

/// The age value of offers open to every age.
pub const ANY_AGE: u32 = 1000;
/// The oldest age the index knows one by one.
const MAX_AGE: u8 = 120;

fn position<T: PartialEq>(all: &[T], x: &T) -> u32 {
    u32::try_from(all.iter().position(|a| a == x).unwrap_or(0)).unwrap_or(0)
}

fn slot(weekday: Weekday, part: DayPart) -> u32 {
    u32::from(weekday.number_days_from_monday()) * 3 + position(DayPart::ALL, &part)
}

fn lang(tag: &str) -> Lang {
    match tag {
        "de" => Lang::German,
        "da" => Lang::Danish,
        "en" => Lang::English,
        _ => Lang::Unknown,
    }
}

fn point(p: GeoPoint) -> Point {
    Point {
        lat: p.lat(),
        lon: p.lon(),
    }
}

/// An offer as search results show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The offer.
    pub offer: Offer,
    /// Its version (for editing).
    pub version: i64,
    /// The provider's name.
    pub provider_name: String,
    /// The name of its area.
    pub area_name: Option<String>,
    /// How its provider answers.
    pub answers: AnswerStats,
    /// Whether its details are due for review.
    pub needs_review: bool,
}

/// Why an offer was chosen: the parts of the plain-language explanation, in display order.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Distance from the search's origin, in metres; `from_home` when that is the person's home.
    Distance {
        /// Metres.
        metres: u32,
        /// Measured from the person's home.
        from_home: bool,
    },
    /// Spoken in one of the person's languages (tags).
    Speaks(Vec<String>),
    /// Its cost.
    Cost(CostKind),
    /// When it meets (matching the wanted slots if any were given).
    Meets(Vec<(Weekday, DayPart)>),
    /// The person's needs and the search's words it matches.
    Matches {
        /// Need domains shared with the person's or the search's needs.
        needs: Vec<NeedDomain>,
        /// Words of the search it matched.
        words: Vec<String>,
    },
    /// Accessibility features asked for or wanted.
    Accessible(Vec<AccessibilityFeature>),
    /// Open places.
    OpenPlaces(u32),
    /// No open place now; people waiting.
    Full {
        /// People on the waiting list.
        waiting_list: u32,
    },
    /// Its provider usually answers within this many days.
    Answers {
        /// Median days, rounded up.
        days: u32,
    },
    /// Its provider rarely answers (share of sent referrals taken, in per cent).
    RarelyAnswers {
        /// Per cent taken.
        per_cent: u32,
    },
    /// Its details are due for review.
    NeedsReview,
}

/// A person's soft preferences: matching offers rank higher, none are left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Preferences {
    /// Needs the person has.
    pub needs: Vec<NeedDomain>,
    /// Languages the person prefers (tags).
    pub languages: Vec<String>,
    /// Categories the person likes.
    pub categories: Vec<OfferCategory>,
    /// Slots the person is free.
    pub slots: Vec<(Weekday, DayPart)>,
}

/// Where distances are measured from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The person's home (a postcode's or area's centroid, DESIGN §4).
    Home(GeoPoint),
    /// A point.
    Point(GeoPoint),
    /// A postcode of the programme.
    Postcode(String),
}

/// The order of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Best match first.
    #[default]
    Relevance,
    /// Nearest first (needs an origin).
    Distance,
}

/// A search of the directory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchRequest {
    /// Words.
    pub text: String,
    /// Where to measure from.
    pub origin: Option<Origin>,
    /// Only offers this close (metres).
    pub radius_m: Option<u32>,
    /// Only offers for at least one of these needs.
    pub needs: Vec<NeedDomain>,
    /// Only offers of one of these categories.
    pub categories: Vec<OfferCategory>,
    /// Only offers where one of these languages is spoken.
    pub languages: Vec<String>,
    /// Only offers with every one of these features.
    pub accessibility: Vec<AccessibilityFeature>,
    /// Only offers costing at most this (free < reduced < paid).
    pub max_cost: Option<CostKind>,
    /// Only offers meeting on one of these weekdays (all days if empty).
    pub weekdays: Vec<Weekday>,
    /// Only offers meeting in one of these parts of the day (any part if empty).
    pub day_parts: Vec<DayPart>,
    /// Only offers admitting this age.
    pub age: Option<u8>,
    /// Only offers in one of these areas (any set; an area includes its sub-areas).
    pub areas: Vec<AreaId>,
    /// Only offers for one of these target groups.
    pub target_groups: Vec<TargetGroup>,
    /// Also offers that are paused, ended or unpublished (for coordinators).
    pub include_unlisted: bool,
    /// Only offers due for review.
    pub only_due_for_review: bool,
    /// Soft preferences.
    pub preferences: Preferences,
    /// Order.
    pub order: Order,
    /// Page, from 1.
    pub page: u32,
    /// Results per page.
    pub per_page: u32,
    /// Results `(offset, limit)` instead of `page` and `per_page` (the limit is clamped to
    /// [`MAX_PER_PAGE`] all the same).
    pub window: Option<(usize, usize)>,
    /// Leave the facet counts out (they cost time; the HSDS feed shows none).
    pub without_facet_counts: bool,
}

/// Why a search was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// The postcode is not in the programme's tables.
    #[error("the postcode {0} is not known in this programme (`lotse import areas` adds postcodes)")]
    UnknownPostcode(String),
    /// The postcode is malformed.
    #[error("{0}")]
    BadPostcode(String),
    /// Sorting by distance without an origin.
    #[error("sorting by distance needs a point or a postcode to measure from")]
    DistanceWithoutOrigin,
    /// A radius without an origin.
    #[error("a radius needs a point or a postcode to measure from")]
    RadiusWithoutOrigin,
    /// An unknown area.
    #[error("no area {0} in this programme")]
    UnknownArea(String),
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The offer.
    pub listing: Listing,
    /// Metres from the origin, where both points are known.
    pub distance_m: Option<f64>,
    /// Its score in this search (comparable within one programme's directory only).
    pub score: f32,
    /// Why it was chosen.
    pub reasons: Vec<Reason>,
}

/// A page of results with facet counts.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchAnswer {
    /// Offers matching, over all pages.
    pub total: usize,
    /// This page.
    pub matches: Vec<Match>,
    /// Need domain → count.
    pub needs: Vec<(NeedDomain, u32)>,
    /// Category → count.
    pub categories: Vec<(OfferCategory, u32)>,
    /// Language tag → count.
    pub languages: Vec<(String, u32)>,
    /// Feature → count.
    pub accessibility: Vec<(AccessibilityFeature, u32)>,
    /// Cost → count.
    pub costs: Vec<(CostKind, u32)>,
    /// Slot → count.
    pub slots: Vec<((Weekday, DayPart), u32)>,
    /// Area → count (every set).
    pub areas: Vec<(AreaId, u32)>,
    /// Target group → count.
    pub target_groups: Vec<(TargetGroup, u32)>,
}

/// The largest page.
pub const MAX_PER_PAGE: u32 = 100;
/// Results per page unless asked otherwise.
pub const DEFAULT_PER_PAGE: u32 = 20;

/// A programme's searchable directory.
pub struct DirectoryIndex {
    index: Index,
    listings: Vec<Option<Listing>>,
    keys: HashMap<OfferId, DocKey>,
    languages: Vec<String>,
    areas: Vec<Area>,
    area_positions: HashMap<AreaId, u32>,
    postcodes: HashMap<PostcodeCode, (GeoPoint, Vec<AreaId>)>,
    organisations: HashMap<OrganisationId, String>,
    review_days: u32,
    today: Date,
    /// How long reading from the store and building the index took.
    build_times: (std::time::Duration, std::time::Duration),
}

impl std::fmt::Debug for DirectoryIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryIndex")
            .field("offers", &self.keys.len())
            .finish_non_exhaustive()
    }
}

fn prior(listing: &Listing) -> f32 {
    let mut p = 0.0;
    let c = listing.offer.capacity;
    if c.is_full() {
        p -= 3.0;
    } else if c.waiting_list > 0 {
        p -= 1.0;
    }
    let a = listing.answers;
    let sent = a.answered + a.lapsed;
    if sent >= 3 {
        #[expect(clippy::cast_precision_loss, reason = "counts of referrals are small")]
        let taken = a.taken as f32 / sent as f32;
        p -= (1.0 - taken) * 2.0;
    }
    if listing.needs_review {
        p -= 0.5;
    }
    p
}

impl DirectoryIndex {
    /// Builds the index of the scope's programme from the store.
    pub async fn build(db: &Db, scope: &ProgrammeScope, today: Date) -> Result<Self, lotse_store::StoreError> {
        let started = std::time::Instant::now();
        let mut tx = db.begin_read().await?;
        let offers = lotse_store::offer::load_offers(&mut tx, scope).await?;
        let areas = lotse_store::directory::list_areas(&mut tx, scope).await?;
        let postcodes = lotse_store::postcode::list_postcodes(&mut tx, scope).await?;
        let organisations = lotse_store::directory::organisation_names(&mut tx, scope).await?;
        let answers = lotse_store::offer_answers::answer_stats(&mut tx, scope).await?;
        let review_days = lotse_store::programme::offer_review_days(&mut tx, scope).await?;
        tx.commit().await?;
        let loaded = started.elapsed();
        let mut me = Self {
            index: IndexBuilder::new().build(),
            listings: Vec::with_capacity(offers.len()),
            keys: HashMap::with_capacity(offers.len()),
            languages: Vec::new(),
            area_positions: areas
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id, u32::try_from(i).unwrap_or(u32::MAX)))
                .collect(),
            areas,
            postcodes: postcodes
                .into_iter()
                .map(|p| (p.code, (p.centroid, p.areas.into_iter().map(|(_, a)| a).collect())))
                .collect(),
            organisations: organisations.into_iter().collect(),
            review_days,
            today,
            build_times: (loaded, std::time::Duration::ZERO),
        };
        let mut builder = IndexBuilder::new();
        for stored in offers {
            let stats = answers.get(&stored.offer.id).copied().unwrap_or_default();
            let key = u32::try_from(me.listings.len()).unwrap_or(u32::MAX);
            let listing = me.listing(stored.offer, stored.version, stats);
            builder.add(me.document(key, &listing));
            me.keys.insert(listing.offer.id, key);
            me.listings.push(Some(listing));
        }
        me.index = builder.build();
        me.build_times.1 = started.elapsed().saturating_sub(loaded);
        Ok(me)
    }

    fn listing(&self, offer: Offer, version: i64, answers: AnswerStats) -> Listing {
        let area_name = offer
            .area
            .and_then(|a| self.area_positions.get(&a))
            .and_then(|&i| self.areas.get(i as usize))
            .map(|a| a.name.clone());
        Listing {
            needs_review: offer.needs_review(self.today, self.review_days),
            provider_name: self.organisations.get(&offer.provider).cloned().unwrap_or_default(),
            area_name,
            answers,
            version,
            offer,
        }
    }

    fn language_value(&mut self, tag: &str) -> u32 {
        if let Some(i) = self.languages.iter().position(|l| l == tag) {
            return u32::try_from(i).unwrap_or(0);
        }
        self.languages.push(tag.to_owned());
        u32::try_from(self.languages.len() - 1).unwrap_or(0)
    }

    fn area_values(&self, offer: &Offer) -> Vec<u32> {
        let mut values = Vec::new();
        let mut at = offer.area;
        while let Some(a) = at {
            let Some(&i) = self.area_positions.get(&a) else { break };
            if values.contains(&i) {
                break;
            }
            values.push(i);
            at = self.areas.get(i as usize).and_then(|x| x.parent);
        }
        let postcode = offer
            .address
            .as_ref()
            .and_then(|a| PostcodeCode::parse(&a.postcode).ok());
        if let Some((_, areas)) = postcode.and_then(|p| self.postcodes.get(&p)) {
            for a in areas {
                if let Some(&i) = self.area_positions.get(a)
                    && !values.contains(&i)
                {
                    values.push(i);
                }
            }
        }
        values
    }

    fn document(&mut self, key: DocKey, l: &Listing) -> Document {
        let o = &l.offer;
        let mut title = vec![(lang(&o.language), o.title.clone())];
        let mut body = vec![(lang(&o.language), o.description.clone())];
        for t in &o.translations {
            title.push((lang(&t.language), t.title.clone()));
            body.push((lang(&t.language), t.description.clone()));
        }
        body.push((Lang::Unknown, l.provider_name.clone()));
        if let Some(a) = &l.area_name {
            body.push((Lang::Unknown, a.clone()));
        }
        if let Some(a) = &o.address {
            body.push((Lang::Unknown, format!("{} {} {}", a.street, a.postcode, a.city)));
        }
        let mut facets = Vec::new();
        facets.extend(
            o.need_domains
                .iter()
                .map(|n| (facet::NEED, position(&NeedDomain::ALL, n))),
        );
        facets.push((facet::CATEGORY, position(OfferCategory::ALL, &o.category)));
        for tag in &o.languages {
            let v = self.language_value(tag);
            facets.push((facet::LANGUAGE, v));
        }
        facets.extend(
            o.accessibility
                .iter()
                .map(|f| (facet::ACCESS, position(AccessibilityFeature::ALL, f))),
        );
        facets.push((facet::COST, position(CostKind::ALL, &o.cost.kind)));
        for s in &o.schedule {
            for part in s.day_parts() {
                facets.push((facet::SLOT, slot(s.weekday, part)));
            }
        }
        if o.ages.min.is_none() && o.ages.max.is_none() {
            facets.push((facet::AGE, ANY_AGE));
        } else {
            let (lo, hi) = (o.ages.min.unwrap_or(0), o.ages.max.unwrap_or(MAX_AGE).min(MAX_AGE));
            facets.extend((lo..=hi).map(|a| (facet::AGE, u32::from(a))));
        }
        facets.extend(self.area_values(o).into_iter().map(|a| (facet::AREA, a)));
        facets.extend(
            o.target_groups
                .iter()
                .map(|g| (facet::TARGET, position(TargetGroup::ALL, g))),
        );
        let listed = o.published && o.status == OfferStatus::Active;
        facets.push((facet::LISTED, u32::from(listed)));
        facets.push((facet::REVIEW, u32::from(l.needs_review)));
        Document {
            key,
            title,
            body,
            facets,
            point: o.location.map(point),
            prior: prior(l),
        }
    }

    /// Puts a changed or new offer into the index (an edit is visible to the next search).
    pub fn upsert(&mut self, offer: Offer, version: i64, answers: AnswerStats) {
        let key = if let Some(&k) = self.keys.get(&offer.id) {
            k
        } else {
            let k = u32::try_from(self.listings.len()).unwrap_or(u32::MAX);
            self.keys.insert(offer.id, k);
            self.listings.push(None);
            k
        };
        let listing = self.listing(offer, version, answers);
        let doc = self.document(key, &listing);
        self.index.upsert(doc);
        if let Some(slot) = self.listings.get_mut(key as usize) {
            *slot = Some(listing);
        }
    }

    /// How long its build took: reading from the store, then making the documents and the index.
    pub fn build_times(&self) -> (std::time::Duration, std::time::Duration) {
        self.build_times
    }

    /// The number of offers indexed.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no offer is indexed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// After how many days an offer is due for review (the programme's setting when built).
    pub const fn review_days(&self) -> u32 {
        self.review_days
    }

    /// One offer's listing.
    pub fn listing_of(&self, id: OfferId) -> Option<&Listing> {
        self.keys
            .get(&id)
            .and_then(|&k| self.listings.get(k as usize))
            .and_then(Option::as_ref)
    }

    /// The areas of the programme, parents first.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// The point of a postcode of the programme.
    pub fn postcode_point(&self, code: &str) -> Result<GeoPoint, SearchError> {
        let code = PostcodeCode::parse(code).map_err(|e| SearchError::BadPostcode(e.to_string()))?;
        self.postcodes
            .get(&code)
            .map(|(p, _)| *p)
            .ok_or_else(|| SearchError::UnknownPostcode(code.to_string()))
    }

    /// Searches.
    pub fn search(&self, r: &SearchRequest) -> Result<SearchAnswer, SearchError> {
        self.search_where(r, None)
    }

    /// Every listing, in the order of the index (unlisted ones too).
    pub fn listings(&self) -> impl Iterator<Item = &Listing> {
        self.listings.iter().flatten()
    }

    /// Searches among the listings `only` accepts (checked one by one over the whole directory:
    /// for conditions the facets do not hold, such as "modified after" or a session's hours).
    pub fn search_where(
        &self,
        r: &SearchRequest,
        only: Option<&dyn Fn(&Listing) -> bool>,
    ) -> Result<SearchAnswer, SearchError> {
        let (origin, from_home) = match &r.origin {
            None => (None, false),
            Some(Origin::Home(p)) => (Some(*p), true),
            Some(Origin::Point(p)) => (Some(*p), false),
            Some(Origin::Postcode(code)) => (Some(self.postcode_point(code)?), false),
        };
        if origin.is_none() {
            if r.order == Order::Distance {
                return Err(SearchError::DistanceWithoutOrigin);
            }
            if r.radius_m.is_some() {
                return Err(SearchError::RadiusWithoutOrigin);
            }
        }
        let mut filters = Vec::new();
        let any = |facet: FacetId, values: Vec<u32>| Filter::AnyOf { facet, values };
        if !r.include_unlisted {
            filters.push(any(facet::LISTED, vec![1]));
        }
        if r.only_due_for_review {
            filters.push(any(facet::REVIEW, vec![1]));
        }
        if !r.needs.is_empty() {
            filters.push(any(
                facet::NEED,
                r.needs.iter().map(|n| position(&NeedDomain::ALL, n)).collect(),
            ));
        }
        if !r.categories.is_empty() {
            filters.push(any(
                facet::CATEGORY,
                r.categories.iter().map(|c| position(OfferCategory::ALL, c)).collect(),
            ));
        }
        if !r.languages.is_empty() {
            let values = r
                .languages
                .iter()
                .filter_map(|l| self.languages.iter().position(|x| x == l))
                .filter_map(|i| u32::try_from(i).ok())
                .collect();
            filters.push(any(facet::LANGUAGE, values));
        }
        for f in &r.accessibility {
            filters.push(any(facet::ACCESS, vec![position(AccessibilityFeature::ALL, f)]));
        }
        if let Some(max) = r.max_cost {
            let values = CostKind::ALL
                .iter()
                .filter(|c| **c <= max)
                .map(|c| position(CostKind::ALL, c))
                .collect();
            filters.push(any(facet::COST, values));
        }
        if !r.weekdays.is_empty() || !r.day_parts.is_empty() {
            let days: Vec<Weekday> = if r.weekdays.is_empty() {
                all_weekdays()
            } else {
                r.weekdays.clone()
            };
            let parts: Vec<DayPart> = if r.day_parts.is_empty() {
                DayPart::ALL.to_vec()
            } else {
                r.day_parts.clone()
            };
            let values = days.iter().flat_map(|d| parts.iter().map(|p| slot(*d, *p))).collect();
            filters.push(any(facet::SLOT, values));
        }
        if let Some(age) = r.age {
            filters.push(any(facet::AGE, vec![u32::from(age.min(MAX_AGE)), ANY_AGE]));
        }
        if !r.areas.is_empty() {
            let mut values = Vec::new();
            for a in &r.areas {
                values.push(
                    *self
                        .area_positions
                        .get(a)
                        .ok_or_else(|| SearchError::UnknownArea(a.as_uuid().to_string()))?,
                );
            }
            filters.push(any(facet::AREA, values));
        }
        if !r.target_groups.is_empty() {
            filters.push(any(
                facet::TARGET,
                r.target_groups.iter().map(|g| position(TargetGroup::ALL, g)).collect(),
            ));
        }
        if let Some(only) = only {
            let keys = self
                .listings
                .iter()
                .enumerate()
                .filter(|(_, l)| l.as_ref().is_some_and(only))
                .filter_map(|(k, _)| u32::try_from(k).ok())
                .collect();
            filters.push(Filter::Keys { keys });
        }
        let p = &r.preferences;
        let mut boosts = Vec::new();
        boosts.extend(p.needs.iter().map(|n| Boost {
            facet: facet::NEED,
            value: position(&NeedDomain::ALL, n),
            weight: 1.5,
        }));
        for l in &p.languages {
            if let Some(i) = self
                .languages
                .iter()
                .position(|x| x == l)
                .and_then(|i| u32::try_from(i).ok())
            {
                boosts.push(Boost {
                    facet: facet::LANGUAGE,
                    value: i,
                    weight: 1.0,
                });
            }
        }
        boosts.extend(p.categories.iter().map(|c| Boost {
            facet: facet::CATEGORY,
            value: position(OfferCategory::ALL, c),
            weight: 0.5,
        }));
        boosts.extend(p.slots.iter().map(|(d, part)| Boost {
            facet: facet::SLOT,
            value: slot(*d, *part),
            weight: 0.5,
        }));
        let per_page = if r.per_page == 0 {
            DEFAULT_PER_PAGE
        } else {
            r.per_page.min(MAX_PER_PAGE)
        };
        let page = r.page.max(1);
        let query = Query {
            text: r.text.clone(),
            langs: Vec::new(),
            filters,
            near: origin.map(|o| Near {
                point: point(o),
                radius_m: r.radius_m.map(f64::from),
                distance_weight_per_km: 0.3,
            }),
            boosts,
            sort: match r.order {
                Order::Relevance => Sort::Relevance,
                Order::Distance => Sort::Distance,
            },
            offset: r
                .window
                .map_or((page as usize - 1).saturating_mul(per_page as usize), |w| w.0),
            limit: r.window.map_or(per_page as usize, |w| w.1.min(MAX_PER_PAGE as usize)),
            count_facets: if r.without_facet_counts {
                Vec::new()
            } else {
                vec![
                    facet::NEED,
                    facet::CATEGORY,
                    facet::LANGUAGE,
                    facet::ACCESS,
                    facet::COST,
                    facet::SLOT,
                    facet::AREA,
                    facet::TARGET,
                ]
            },
        };
        let results = self.index.search(&query);
        let matches = results
            .hits
            .iter()
            .filter_map(|h| {
                let listing = self.listings.get(h.key as usize)?.as_ref()?;
                Some(Match {
                    reasons: reasons(listing, r, h.distance_m, from_home, &h.matched_terms),
                    distance_m: h.distance_m,
                    score: h.score,
                    listing: listing.clone(),
                })
            })
            .collect();
        let counts = |f: FacetId| results.counts(f).unwrap_or_default().to_vec();
        let pick = |f: FacetId| -> Vec<(usize, u32)> { counts(f).into_iter().map(|(v, n)| (v as usize, n)).collect() };
        Ok(SearchAnswer {
            total: results.total,
            matches,
            needs: pick(facet::NEED)
                .into_iter()
                .filter_map(|(v, n)| Some((*NeedDomain::ALL.get(v)?, n)))
                .collect(),
            categories: pick(facet::CATEGORY)
                .into_iter()
                .filter_map(|(v, n)| Some((*OfferCategory::ALL.get(v)?, n)))
                .collect(),
            languages: pick(facet::LANGUAGE)
                .into_iter()
                .filter_map(|(v, n)| Some((self.languages.get(v)?.clone(), n)))
                .collect(),
            accessibility: pick(facet::ACCESS)
                .into_iter()
                .filter_map(|(v, n)| Some((*AccessibilityFeature::ALL.get(v)?, n)))
                .collect(),
            costs: pick(facet::COST)
                .into_iter()
                .filter_map(|(v, n)| Some((*CostKind::ALL.get(v)?, n)))
                .collect(),
            slots: pick(facet::SLOT)
                .into_iter()
                .filter_map(|(v, n)| Some(((*all_weekdays().get(v / 3)?, *DayPart::ALL.get(v % 3)?), n)))
                .collect(),
            areas: pick(facet::AREA)
                .into_iter()
                .filter_map(|(v, n)| Some((self.areas.get(v)?.id, n)))
                .collect(),
            target_groups: pick(facet::TARGET)
                .into_iter()
                .filter_map(|(v, n)| Some((*TargetGroup::ALL.get(v)?, n)))
                .collect(),
        })
    }
}

fn all_weekdays() -> Vec<Weekday> {
    let mut d = Weekday::Monday;
    (0..7)
        .map(|_| {
            let x = d;
            d = d.next();
            x
        })
        .collect()
}

fn reasons(l: &Listing, r: &SearchRequest, distance: Option<f64>, from_home: bool, words: &[String]) -> Vec<Reason> {
    let o = &l.offer;
    let mut out = Vec::new();
    if let Some(d) = distance {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "distances on Earth fit in u32 metres"
        )]
        out.push(Reason::Distance {
            metres: d.round() as u32,
            from_home,
        });
    }
    let wanted: Vec<&String> = r.languages.iter().chain(&r.preferences.languages).collect();
    let speaks: Vec<String> = o.languages.iter().filter(|l| wanted.contains(l)).cloned().collect();
    if !speaks.is_empty() {
        out.push(Reason::Speaks(speaks));
    }
    out.push(Reason::Cost(o.cost.kind));
    let wanted_slots: Vec<(Weekday, DayPart)> = r.preferences.slots.clone();
    let mut meets: Vec<(Weekday, DayPart)> = o
        .schedule
        .iter()
        .flat_map(|s| s.day_parts().map(move |p| (s.weekday, p)))
        .filter(|(d, p)| {
            (r.weekdays.is_empty() || r.weekdays.contains(d))
                && (r.day_parts.is_empty() || r.day_parts.contains(p))
                && (wanted_slots.is_empty() || wanted_slots.contains(&(*d, *p)))
        })
        .collect();
    meets.dedup();
    if !meets.is_empty() {
        out.push(Reason::Meets(meets));
    }
    let needs: Vec<NeedDomain> = o
        .need_domains
        .iter()
        .filter(|n| r.needs.contains(n) || r.preferences.needs.contains(n))
        .copied()
        .collect();
    if !needs.is_empty() || !words.is_empty() {
        out.push(Reason::Matches {
            needs,
            words: words.to_vec(),
        });
    }
    let access: Vec<AccessibilityFeature> = o
        .accessibility
        .iter()
        .filter(|f| r.accessibility.contains(f))
        .copied()
        .collect();
    if !access.is_empty() {
        out.push(Reason::Accessible(access));
    }
    match o.capacity.open_places {
        Some(0) => out.push(Reason::Full {
            waiting_list: o.capacity.waiting_list,
        }),
        Some(n) => out.push(Reason::OpenPlaces(n)),
        None => {}
    }
    let a = l.answers;
    let sent = a.answered + a.lapsed;
    if sent >= 3 && a.taken * 2 < sent {
        out.push(Reason::RarelyAnswers {
            per_cent: a.taken * 100 / sent,
        });
    } else if let Some(days) = a.median_reply_days {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "reply days are small and positive"
        )]
        out.push(Reason::Answers {
            days: days.ceil().max(1.0) as u32,
        });
    }
    if l.needs_review {
        out.push(Reason::NeedsReview);
    }
    out
}
