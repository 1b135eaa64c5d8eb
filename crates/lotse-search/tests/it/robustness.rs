//! Odd input gives sensible answers and never panics.

use lotse_search::{Boost, Document, FacetId, Filter, Index, IndexBuilder, Lang, Near, Point, Query, Sort};

use crate::{build, doc, keys};

fn odd_queries() -> Vec<Query> {
    let nan_point = Point {
        lat: f64::NAN,
        lon: f64::INFINITY,
    };
    vec![
        Query::default(),
        Query {
            limit: 0,
            ..Query::default()
        },
        Query {
            offset: usize::MAX,
            limit: usize::MAX,
            ..Query::default()
        },
        Query {
            offset: 3,
            limit: usize::MAX,
            ..Query::default()
        },
        Query {
            text: "Yoga ".repeat(2_000_000),
            ..Query::default()
        },
        Query {
            text: "x".repeat(10_000_000),
            ..Query::default()
        },
        Query {
            text: "und ".repeat(100_000),
            ..Query::default()
        },
        Query {
            text: "\u{0}\u{308}\u{fffd}🙂 ß ẞ İ".to_owned(),
            ..Query::default()
        },
        Query {
            near: Some(Near {
                point: nan_point,
                radius_m: Some(f64::NAN),
                distance_weight_per_km: f32::NAN,
            }),
            sort: Sort::Distance,
            ..Query::default()
        },
        Query {
            near: Some(Near {
                point: Point { lat: 90.0, lon: 180.0 },
                radius_m: Some(1e300),
                distance_weight_per_km: f32::INFINITY,
            }),
            ..Query::default()
        },
        Query {
            sort: Sort::Distance,
            ..Query::default()
        },
        Query {
            boosts: vec![Boost {
                facet: FacetId(1),
                value: 1,
                weight: f32::NAN,
            }],
            filters: vec![Filter::NoneOf {
                facet: FacetId(1),
                values: vec![],
            }],
            count_facets: vec![FacetId(1), FacetId(1), FacetId(u16::MAX)],
            langs: vec![Lang::Unknown, Lang::Unknown, Lang::German],
            ..Query::default()
        },
    ]
}

fn odd_documents() -> Vec<Document> {
    vec![
        Document {
            key: u32::MAX,
            prior: f32::NAN,
            ..doc(u32::MAX, "Yoga", "")
        },
        Document {
            key: 0,
            point: Some(Point {
                lat: 1e308,
                lon: -1e308,
            }),
            prior: f32::NEG_INFINITY,
            facets: vec![(FacetId(1), 1), (FacetId(1), 1)],
            ..doc(0, &"Wort ".repeat(10_000), &"y".repeat(100_000))
        },
        doc(7, "", ""),
        Document {
            key: 8,
            ..Document::default()
        },
        Document {
            point: Some(Point {
                lat: -90.0,
                lon: -180.0,
            }),
            ..doc(9, "🙂 \u{308}", "und die the")
        },
    ]
}

#[test]
fn an_empty_index_answers_every_query() {
    let index = IndexBuilder::new().build();
    assert!(index.is_empty());
    for query in odd_queries() {
        let results = index.search(&query);
        assert_eq!(results.total, 0);
        assert!(results.hits.is_empty());
    }
}

#[test]
fn odd_queries_and_documents_do_not_panic() {
    let mut index: Index = build(odd_documents());
    for query in odd_queries() {
        let results = index.search(&query);
        assert!(results.hits.len() <= results.total);
        for hit in &results.hits {
            assert!(!hit.score.is_nan(), "{:?}", query.sort);
        }
    }
    index.upsert(doc(u32::MAX, "Chor", ""));
    index.remove(12345);
    assert_eq!(index.len(), 5);
}

#[test]
fn limit_zero_still_counts_and_huge_offsets_give_empty_pages() {
    let index = build((0..10).map(|key| Document {
        facets: vec![(FacetId(1), key % 2)],
        ..doc(key, "Yoga", "")
    }));
    let counted = index.search(&Query {
        limit: 0,
        count_facets: vec![FacetId(1)],
        ..Query::default()
    });
    assert_eq!(counted.total, 10);
    assert!(counted.hits.is_empty());
    assert_eq!(counted.counts(FacetId(1)).unwrap(), [(0, 5), (1, 5)]);
    let beyond = index.search(&Query {
        offset: 10,
        ..Query::default()
    });
    assert_eq!(beyond.total, 10);
    assert!(beyond.hits.is_empty());
    let last = index.search(&Query {
        offset: 9,
        limit: usize::MAX,
        ..Query::default()
    });
    assert_eq!(keys(&last), [9]);
}
