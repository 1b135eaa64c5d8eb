//! The 100 fixed link-worker queries of the directory search benchmarks (`search_bench`,
//! `compare_bench`): 60 German in Düsseldorf, 40 Danish in Norddjurs. Each has a word from the
//! demo's offers, a 5 km radius around one of the demo's postcodes, and two facet filters of
//! different kinds; it asks for the top 20. One list, so both benchmarks run the same queries.

#![allow(clippy::indexing_slicing, reason = "fixed, non-empty lists")]

use lotse_app::offer_search::{Origin, SearchRequest};
use lotse_domain::need::NeedDomain;
use lotse_domain::offer::{AccessibilityFeature, CostKind, DayPart, OfferCategory};

const WORDS_DE: [&str; 20] = [
    "Chor",
    "Spaziergang",
    "Sport",
    "Trauer",
    "Schulden",
    "Garten",
    "Kochen",
    "Computer",
    "Deutsch",
    "Café",
    "Senioren",
    "Tanz",
    "Wandern",
    "Nähen",
    "Beratung",
    "Yoga",
    "Frühstück",
    "Musik",
    "Malen",
    "Schwimmen",
];
const POSTCODES_DE: [&str; 6] = ["40210", "40233", "40223", "40476", "40595", "40627"];
const WORDS_DA: [&str; 10] = [
    "kor",
    "gåtur",
    "motion",
    "sorg",
    "gæld",
    "have",
    "madlavning",
    "computer",
    "fællesskab",
    "gymnastik",
];
const POSTCODES_DA: [&str; 4] = ["8500", "8585", "8963", "8950"];

fn queries(words: &[&str], postcodes: &[&str], count: usize) -> Vec<SearchRequest> {
    // Two facets of different kinds per query: one of `first`, one of `second`.
    let first: [fn(&mut SearchRequest); 3] = [
        |r| r.needs = vec![NeedDomain::Loneliness, NeedDomain::PhysicalActivity],
        |r| r.max_cost = Some(CostKind::Reduced),
        |r| r.accessibility = vec![AccessibilityFeature::StepFree],
    ];
    let second: [fn(&mut SearchRequest); 3] = [
        |r| r.day_parts = vec![DayPart::Afternoon, DayPart::Evening],
        |r| {
            r.categories = vec![
                OfferCategory::Group,
                OfferCategory::Sport,
                OfferCategory::Culture,
                OfferCategory::MeetingPlace,
            ];
        },
        |r| r.languages = vec!["de".into(), "da".into(), "tr".into()],
    ];
    (0..count)
        .map(|i| {
            let mut r = SearchRequest {
                text: words[i % words.len()].to_owned(),
                origin: Some(Origin::Postcode(postcodes[i % postcodes.len()].to_owned())),
                radius_m: Some(5000),
                per_page: 20,
                page: 1,
                ..SearchRequest::default()
            };
            first[i % first.len()](&mut r);
            second[(i / first.len()) % second.len()](&mut r);
            r
        })
        .collect()
}

/// The demo programmes by slug, each with its queries (60 for Düsseldorf, 40 for Norddjurs).
pub fn programmes() -> Vec<(&'static str, Vec<SearchRequest>)> {
    vec![
        ("duesseldorf", queries(&WORDS_DE, &POSTCODES_DE, 60)),
        ("norddjurs", queries(&WORDS_DA, &POSTCODES_DA, 40)),
    ]
}
