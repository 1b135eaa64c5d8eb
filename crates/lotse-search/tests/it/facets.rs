//! Facet filters, counts and boosts.

use lotse_search::{Boost, Document, FacetId, Filter, Index, Query};

use crate::{build, doc, keys};

const CATEGORY: FacetId = FacetId(1);
const AUDIENCE: FacetId = FacetId(2);
const COST: FacetId = FacetId(3);

/// key | category | audience | cost
///   1 | 10       | 100      | 0
///   2 | 10, 11   | 101      | 0
///   3 | 11       | 100, 101 | 1
///   4 | 12       | 100      | 1
///   5 | 10       | –        | 0
///   6 | 12       | 101      | 0
fn index() -> Index {
    let rows: [(u32, &[u32], &[u32], u32); 6] = [
        (1, &[10], &[100], 0),
        (2, &[10, 11], &[101], 0),
        (3, &[11], &[100, 101], 1),
        (4, &[12], &[100], 1),
        (5, &[10], &[], 0),
        (6, &[12], &[101], 0),
    ];
    build(rows.into_iter().map(|(key, categories, audiences, cost)| {
        let mut facets: Vec<(FacetId, u32)> = categories.iter().map(|&value| (CATEGORY, value)).collect();
        facets.extend(audiences.iter().map(|&value| (AUDIENCE, value)));
        facets.push((COST, cost));
        Document {
            facets,
            ..doc(key, if key % 2 == 0 { "Yoga" } else { "Chor" }, "")
        }
    }))
}

fn filtered(index: &Index, filters: Vec<Filter>) -> Vec<u32> {
    let results = index.search(&Query {
        filters,
        limit: 100,
        ..Query::default()
    });
    let mut found = keys(&results);
    found.sort_unstable();
    assert_eq!(results.total, found.len());
    found
}

fn any_of(facet: FacetId, values: &[u32]) -> Filter {
    Filter::AnyOf {
        facet,
        values: values.to_vec(),
    }
}

fn none_of(facet: FacetId, values: &[u32]) -> Filter {
    Filter::NoneOf {
        facet,
        values: values.to_vec(),
    }
}

#[test]
fn filters_or_within_and_across() {
    let index = index();
    let table: Vec<(Vec<Filter>, &[u32])> = vec![
        (vec![], &[1, 2, 3, 4, 5, 6]),
        (vec![any_of(CATEGORY, &[10])], &[1, 2, 5]),
        (vec![any_of(CATEGORY, &[10, 11])], &[1, 2, 3, 5]),
        (vec![any_of(CATEGORY, &[10, 11]), any_of(AUDIENCE, &[101])], &[2, 3]),
        (
            vec![
                any_of(CATEGORY, &[10, 11]),
                any_of(AUDIENCE, &[101]),
                any_of(COST, &[0]),
            ],
            &[2],
        ),
        (vec![any_of(CATEGORY, &[])], &[]),
        (vec![any_of(FacetId(99), &[1])], &[]),
    ];
    for (filters, expected) in table {
        assert_eq!(filtered(&index, filters.clone()), expected, "{filters:?}");
    }
}

#[test]
fn exclusions_remove_documents() {
    let index = index();
    let table: Vec<(Vec<Filter>, &[u32])> = vec![
        (vec![none_of(COST, &[1])], &[1, 2, 5, 6]),
        (vec![none_of(AUDIENCE, &[100])], &[2, 5, 6]),
        (vec![none_of(AUDIENCE, &[100, 101])], &[5]),
        (vec![any_of(CATEGORY, &[12]), none_of(AUDIENCE, &[101])], &[4]),
        (vec![none_of(FacetId(99), &[1])], &[1, 2, 3, 4, 5, 6]),
        (vec![none_of(CATEGORY, &[])], &[1, 2, 3, 4, 5, 6]),
    ];
    for (filters, expected) in table {
        assert_eq!(filtered(&index, filters.clone()), expected, "{filters:?}");
    }
}

#[test]
fn a_key_filter_keeps_only_those_documents_and_ands_with_the_rest() {
    let index = index();
    let keys = |k: &[u32]| Filter::Keys { keys: k.to_vec() };
    let table: Vec<(Vec<Filter>, &[u32])> = vec![
        (vec![keys(&[2, 3, 6])], &[2, 3, 6]),
        (vec![keys(&[2, 3, 6]), any_of(CATEGORY, &[10, 11])], &[2, 3]),
        (vec![keys(&[2, 3, 6]), none_of(COST, &[0])], &[3]),
        (vec![keys(&[4, 99])], &[4]),
        (vec![keys(&[])], &[]),
    ];
    for (filters, expected) in table {
        assert_eq!(filtered(&index, filters.clone()), expected, "{filters:?}");
    }
}

#[test]
fn counts_cover_the_whole_matching_set() {
    let index = index();
    let results = index.search(&Query {
        filters: vec![any_of(CATEGORY, &[10, 11])],
        count_facets: vec![CATEGORY, AUDIENCE, COST, FacetId(99)],
        limit: 1,
        ..Query::default()
    });
    // Matching: 1, 2, 3, 5 (counted by hand from the table above).
    assert_eq!(results.total, 4);
    assert_eq!(results.hits.len(), 1);
    assert_eq!(results.counts(CATEGORY).unwrap(), [(10, 3), (11, 2)]);
    assert_eq!(results.counts(AUDIENCE).unwrap(), [(100, 2), (101, 2)]);
    assert_eq!(results.counts(COST).unwrap(), [(0, 3), (1, 1)]);
    assert_eq!(results.counts(FacetId(99)).unwrap(), []);
    let order: Vec<FacetId> = results.facet_counts.iter().map(|(facet, _)| *facet).collect();
    assert_eq!(order, [CATEGORY, AUDIENCE, COST, FacetId(99)]);

    // With text: "Yoga" is in the even keys 2, 4, 6.
    let results = index.search(&Query {
        text: "Yoga".to_owned(),
        count_facets: vec![CATEGORY, AUDIENCE],
        ..Query::default()
    });
    assert_eq!(results.total, 3);
    assert_eq!(results.counts(CATEGORY).unwrap(), [(10, 1), (11, 1), (12, 2)]);
    assert_eq!(results.counts(AUDIENCE).unwrap(), [(100, 1), (101, 2)]);
}

#[test]
fn boosts_reorder_without_filtering() {
    let index = index();
    let results = index.search(&Query {
        boosts: vec![
            Boost {
                facet: AUDIENCE,
                value: 101,
                weight: 2.0,
            },
            Boost {
                facet: COST,
                value: 1,
                weight: 1.0,
            },
        ],
        ..Query::default()
    });
    // Scores: 3 → 3.0; 2, 6 → 2.0; 4 → 1.0; 1, 5 → 0.0.
    assert_eq!(keys(&results), [3, 2, 6, 4, 1, 5]);
    assert_eq!(results.hits[0].boosts, [(AUDIENCE, 101), (COST, 1)]);
    assert_eq!(results.hits[1].boosts, [(AUDIENCE, 101)]);
    assert!(results.hits[5].boosts.is_empty());
    assert!((results.hits[0].score - 3.0).abs() < 1e-6);
}
