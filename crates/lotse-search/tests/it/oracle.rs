//! Property tests against a brute-force oracle written here: matching sets, facet counts,
//! stable pagination and order.

use std::collections::{BTreeMap, BTreeSet};

use lotse_search::{Boost, Document, FacetId, Filter, Lang, Near, Point, Query, Sort};
use proptest::prelude::*;

use crate::geography::oracle_distance;
use crate::{build, keys};

/// Words that are no stem, prefix, related stem or typo of one another, so a document matches
/// a word exactly when it contains it.
const WORDS: [&str; 8] = ["yoga", "chor", "tanz", "schach", "garten", "lesen", "kochen", "wandern"];
const PRIORS: [f32; 5] = [-1.0, 0.0, 0.5, 1.0, 2.0];
const A: FacetId = FacetId(1);
const B: FacetId = FacetId(2);
const CENTER: Point = Point { lat: 55.0, lon: 10.0 };

#[derive(Debug, Clone)]
struct Spec {
    key: u32,
    title: Vec<usize>,
    body: Vec<usize>,
    a: Vec<u32>,
    b: Option<u32>,
    offset: Option<(i8, i8)>,
    prior: usize,
}

impl Spec {
    fn point(&self) -> Option<Point> {
        self.offset.map(|(north, east)| Point {
            lat: CENTER.lat + f64::from(north) * 0.01,
            lon: CENTER.lon + f64::from(east) * 0.01,
        })
    }

    fn document(&self) -> Document {
        let text = |words: &[usize]| words.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" ");
        let mut facets: Vec<(FacetId, u32)> = self.a.iter().map(|&value| (A, value)).collect();
        facets.extend(self.b.map(|value| (B, value)));
        Document {
            key: self.key,
            title: vec![(Lang::German, text(&self.title))],
            body: vec![(Lang::German, text(&self.body))],
            facets,
            point: self.point(),
            prior: PRIORS[self.prior],
        }
    }
}

#[derive(Debug, Clone)]
struct Ask {
    word: Option<usize>,
    any_a: Option<Vec<u32>>,
    none_b: Option<Vec<u32>>,
    radius: Option<f64>,
    near: bool,
    by_distance: bool,
    boost: Option<(u32, f32)>,
}

impl Ask {
    fn query(&self) -> Query {
        let mut filters = Vec::new();
        if let Some(values) = &self.any_a {
            filters.push(Filter::AnyOf {
                facet: A,
                values: values.clone(),
            });
        }
        if let Some(values) = &self.none_b {
            filters.push(Filter::NoneOf {
                facet: B,
                values: values.clone(),
            });
        }
        Query {
            text: self.word.map(|w| WORDS[w].to_owned()).unwrap_or_default(),
            langs: vec![],
            filters,
            near: (self.near || self.radius.is_some()).then_some(Near {
                point: CENTER,
                radius_m: self.radius,
                distance_weight_per_km: 0.0,
            }),
            boosts: self
                .boost
                .map(|(value, weight)| Boost {
                    facet: A,
                    value,
                    weight,
                })
                .into_iter()
                .collect(),
            sort: if self.by_distance {
                Sort::Distance
            } else {
                Sort::Relevance
            },
            offset: 0,
            limit: usize::MAX,
            count_facets: vec![A, B],
        }
    }

    /// The brute-force answer: which documents match.
    fn matches(&self, spec: &Spec) -> bool {
        let text = self
            .word
            .is_none_or(|w| spec.title.contains(&w) || spec.body.contains(&w));
        let any_a = self
            .any_a
            .as_ref()
            .is_none_or(|values| spec.a.iter().any(|a| values.contains(a)));
        let none_b = self
            .none_b
            .as_ref()
            .is_none_or(|values| spec.b.is_none_or(|b| !values.contains(&b)));
        let radius = self.radius.is_none_or(|radius| {
            spec.point()
                .is_some_and(|point| oracle_distance(CENTER, point) <= radius)
        });
        text && any_a && none_b && radius
    }

    fn oracle_score(&self, spec: &Spec) -> f32 {
        let boost = self
            .boost
            .filter(|(value, _)| spec.a.contains(value))
            .map_or(0.0, |(_, weight)| weight);
        PRIORS[spec.prior] + boost
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    let words = || prop::collection::vec(0..WORDS.len(), 0..3);
    (
        0_u32..60,
        words(),
        words(),
        prop::collection::vec(0_u32..4, 0..3),
        prop::option::of(0_u32..3),
        prop::option::of((-6_i8..=6, -6_i8..=6)),
        0..PRIORS.len(),
    )
        .prop_map(|(key, title, body, a, b, offset, prior)| Spec {
            key,
            title,
            body,
            a,
            b,
            offset,
            prior,
        })
}

fn ask() -> impl Strategy<Value = Ask> {
    (
        prop::option::of(0..WORDS.len()),
        prop::option::of(prop::collection::vec(0_u32..4, 0..3)),
        prop::option::of(prop::collection::vec(0_u32..3, 1..3)),
        prop::option::of(prop::sample::select(vec![500.0, 2_000.0, 4_000.0, 8_000.0])),
        any::<bool>(),
        any::<bool>(),
        prop::option::of((0_u32..4, prop::sample::select(vec![0.5_f32, 1.0, 2.0]))),
    )
        .prop_map(|(word, any_a, none_b, radius, near, by_distance, boost)| Ask {
            word,
            any_a,
            none_b,
            radius,
            near,
            by_distance,
            boost,
        })
}

proptest! {
    #[test]
    fn index_agrees_with_the_oracle(specs in prop::collection::vec(spec(), 0..40), ask in ask()) {
        // Later documents with the same key replace earlier ones.
        let latest: BTreeMap<u32, Spec> = specs.iter().map(|spec| (spec.key, spec.clone())).collect();
        let index = build(specs.iter().map(Spec::document));
        prop_assert_eq!(index.len(), latest.len());

        let query = ask.query();
        let results = index.search(&query);
        let expected: BTreeSet<u32> =
            latest.values().filter(|spec| ask.matches(spec)).map(|spec| spec.key).collect();
        let order = keys(&results);
        let got: BTreeSet<u32> = order.iter().copied().collect();
        prop_assert_eq!(results.total, expected.len());
        prop_assert_eq!(order.len(), expected.len(), "no duplicates");
        prop_assert_eq!(&got, &expected);

        // Facet counts, by brute force.
        let mut count_a: BTreeMap<u32, u32> = BTreeMap::new();
        let mut count_b: BTreeMap<u32, u32> = BTreeMap::new();
        for key in &expected {
            let spec = &latest[key];
            for value in spec.a.iter().collect::<BTreeSet<_>>() {
                *count_a.entry(*value).or_default() += 1;
            }
            if let Some(value) = spec.b {
                *count_b.entry(value).or_default() += 1;
            }
        }
        let count_a: Vec<(u32, u32)> = count_a.into_iter().collect();
        let count_b: Vec<(u32, u32)> = count_b.into_iter().collect();
        prop_assert_eq!(results.counts(A).unwrap(), count_a.as_slice());
        prop_assert_eq!(results.counts(B).unwrap(), count_b.as_slice());

        // Pages, concatenated, give the unpaged order.
        for size in 1..=5 {
            let mut paged = Vec::new();
            let mut offset = 0;
            loop {
                let page = index.search(&Query { offset, limit: size, ..query.clone() });
                prop_assert_eq!(page.total, results.total);
                if page.hits.is_empty() {
                    break;
                }
                prop_assert!(page.hits.len() <= size);
                paged.extend(keys(&page));
                offset += size;
            }
            prop_assert_eq!(&paged, &order, "page size {}", size);
        }

        let by_distance = ask.by_distance && (ask.near || ask.radius.is_some());
        if by_distance {
            // Nearest first (by the oracle's distance), no point last, ties by key.
            let distance = |key: &u32| latest[key].point().map(|point| oracle_distance(CENTER, point));
            for (hit, pair) in results.hits.iter().zip(order.windows(2).map(Some).chain([None])) {
                let expected = distance(&hit.key);
                match (hit.distance_m, expected) {
                    (Some(got), Some(expected)) => prop_assert!((got - expected).abs() < 1e-6),
                    (None, None) => {}
                    other => prop_assert!(false, "distance {:?}", other),
                }
                if let Some(&[first, second]) = pair {
                    match (distance(&first), distance(&second)) {
                        (Some(d1), Some(d2)) => {
                            prop_assert!(d1 <= d2 + 1e-6, "{} before {}", first, second);
                            if (d1 - d2).abs() < 1e-6 && latest[&first].point() == latest[&second].point() {
                                prop_assert!(first < second);
                            }
                        }
                        (Some(_), None) => {}
                        (None, Some(_)) => prop_assert!(false, "no point before a point"),
                        (None, None) => prop_assert!(first < second),
                    }
                }
            }
        } else if ask.word.is_none() {
            // Without text the score is prior + boost: the whole order is known.
            let mut ranked: Vec<(f32, u32)> =
                expected.iter().map(|key| (ask.oracle_score(&latest[key]), *key)).collect();
            ranked.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            let oracle: Vec<u32> = ranked.into_iter().map(|(_, key)| key).collect();
            prop_assert_eq!(&order, &oracle);
        }
    }
}

/// 12 000 documents: enough for the walk in prior order (large matching sets), for its
/// fallback (a rare, heavy boost keeps it from stopping early), and for both ways of counting
/// facets. Priors and boosts are chosen so that different combinations never sum to the same
/// score, and the text scores the same in every matching document.
#[test]
fn large_sets_rank_and_count_like_the_oracle() {
    const PRIORS: [f32; 3] = [0.0, 0.25, -1.0];
    const MANY: FacetId = FacetId(3);
    const FIFTH: FacetId = FacetId(4);
    let n = 12_000_u32;
    // key → (prior, value of A, value of MANY, value of FIFTH, has "yoga")
    let spec = |key: u32| {
        let mixed = key.wrapping_mul(2_654_435_761);
        let prior = PRIORS[(mixed % 3) as usize];
        (
            prior,
            (mixed >> 8) % 4,
            (mixed >> 12) % 3000,
            (mixed >> 20) % 5,
            !key.is_multiple_of(4),
        )
    };
    let index = build((0..n).map(|key| {
        let (prior, a, many, fifth, yoga) = spec(key);
        Document {
            key,
            title: vec![(Lang::German, if yoga { "Yoga" } else { "Chor" }.to_owned())],
            facets: vec![(A, a), (MANY, many), (FIFTH, fifth)],
            prior,
            ..Document::default()
        }
    }));
    // (text, FIFTH filter, boost MANY = 7 by 5.0)
    let queries = [
        ("", None, false),
        ("Yoga", None, false),
        ("", Some(1), false),
        ("Yoga", Some(2), false),
        ("", Some(3), true),
        ("Yoga", None, true),
    ];
    for (text, fifth, heavy) in queries {
        let mut boosts = vec![Boost {
            facet: A,
            value: 1,
            weight: 0.5,
        }];
        if heavy {
            boosts.push(Boost {
                facet: MANY,
                value: 7,
                weight: 5.0,
            });
        }
        let query = Query {
            text: text.to_owned(),
            langs: vec![Lang::German],
            filters: fifth
                .iter()
                .map(|&value| Filter::AnyOf {
                    facet: FIFTH,
                    values: vec![value],
                })
                .collect(),
            boosts,
            limit: 50,
            offset: 7,
            count_facets: vec![A, MANY],
            ..Query::default()
        };
        let matching: Vec<u32> = (0..n)
            .filter(|&key| {
                let (_, _, _, value, yoga) = spec(key);
                (text.is_empty() || yoga) && fifth.is_none_or(|wanted| wanted == value)
            })
            .collect();
        let mut ranked: Vec<(f32, u32)> = matching
            .iter()
            .map(|&key| {
                let (prior, a, many, _, _) = spec(key);
                let boost = if a == 1 { 0.5 } else { 0.0 } + if heavy && many == 7 { 5.0 } else { 0.0 };
                (prior + boost, key)
            })
            .collect();
        ranked.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let expected: Vec<u32> = ranked.iter().skip(7).take(50).map(|&(_, key)| key).collect();

        let context = format!("{text:?} {fifth:?} {heavy}");
        let results = index.search(&query);
        assert_eq!(results.total, matching.len(), "{context}");
        assert_eq!(keys(&results), expected, "{context}");

        let mut count_a: BTreeMap<u32, u32> = BTreeMap::new();
        let mut count_many: BTreeMap<u32, u32> = BTreeMap::new();
        for &key in &matching {
            let (_, a, many, _, _) = spec(key);
            *count_a.entry(a).or_default() += 1;
            *count_many.entry(many).or_default() += 1;
        }
        let count_a: Vec<(u32, u32)> = count_a.into_iter().collect();
        let count_many: Vec<(u32, u32)> = count_many.into_iter().collect();
        assert_eq!(results.counts(A).unwrap(), count_a.as_slice(), "{context}");
        assert_eq!(results.counts(MANY).unwrap(), count_many.as_slice(), "{context}");
    }
}
