//! Upserts and removals are visible without a rebuild.

use lotse_search::{Document, FacetId, Lang, Point, Query};

use crate::{build, doc, found};

const DE: &[Lang] = &[Lang::German];
const AREA: FacetId = FacetId(4);

#[test]
fn upsert_replaces_a_document() {
    let mut index = build([doc(1, "Yoga", ""), doc(2, "Chor", "")]);
    assert_eq!(found(&index, "Yoga", DE), [1]);
    index.upsert(doc(1, "Malkurs", ""));
    assert_eq!(index.len(), 2);
    assert_eq!(found(&index, "Yoga", DE), Vec::<u32>::new());
    assert_eq!(found(&index, "Malkurs", DE), [1]);
}

#[test]
fn upsert_adds_a_document_with_new_words_typos_and_all() {
    let mut index = build([doc(1, "Yoga", "")]);
    index.upsert(doc(2, "Kinderbetreuung", ""));
    assert_eq!(index.len(), 2);
    assert_eq!(found(&index, "Kinderbetreuung", DE), [2]);
    assert_eq!(
        found(&index, "Kinderbetrung", &[Lang::Unknown]),
        [2],
        "typo index updated"
    );
    assert_eq!(found(&index, "Kinderbe", DE), [2], "prefix");
    assert_eq!(found(&index, "Kinderbetreuungen", DE), [2], "stem");
}

#[test]
fn remove_hides_a_document_everywhere() {
    let mut index = build([
        Document {
            facets: vec![(AREA, 1)],
            point: Some(Point { lat: 55.0, lon: 10.0 }),
            ..doc(1, "Yoga", "")
        },
        Document {
            facets: vec![(AREA, 1)],
            ..doc(2, "Yoga", "")
        },
    ]);
    index.remove(1);
    assert!(!index.contains(1));
    assert_eq!(found(&index, "Yoga", DE), [2]);
    let results = index.search(&Query {
        count_facets: vec![AREA],
        ..Query::default()
    });
    assert_eq!(results.total, 1);
    assert_eq!(results.counts(AREA).unwrap(), [(1, 1)]);
    let near = index.search(&Query {
        near: Some(lotse_search::Near {
            point: Point { lat: 55.0, lon: 10.0 },
            radius_m: Some(1_000.0),
            distance_weight_per_km: 0.0,
        }),
        ..Query::default()
    });
    assert_eq!(near.total, 0);

    index.remove(2);
    assert!(index.is_empty());
    assert_eq!(index.search(&Query::default()).total, 0);
    index.upsert(doc(3, "Yoga", ""));
    assert_eq!(found(&index, "Yoga", DE), [3]);
}

#[test]
fn upserts_in_a_row_match_a_fresh_build() {
    let docs = |round: u32| {
        (0..50_u32).map(move |key| {
            let word = ["Yoga", "Chor", "Tanz", "Schach", "Garten"][((key + round) % 5) as usize];
            Document {
                facets: vec![(AREA, (key * round) % 3)],
                ..doc(key, word, "")
            }
        })
    };
    let mut index = build(docs(0));
    for round in 1..4 {
        for doc in docs(round) {
            index.upsert(doc);
        }
    }
    let fresh = build(docs(3));
    for word in ["Yoga", "Chor", "Tanz", "Schach", "Garten", "Gart"] {
        let query = Query {
            text: word.to_owned(),
            count_facets: vec![AREA],
            limit: 100,
            ..Query::default()
        };
        assert_eq!(index.search(&query), fresh.search(&query), "{word}");
    }
}
