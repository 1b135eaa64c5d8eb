//! Running a query: matching set, radius, facet counts, ranking and the page of hits.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use roaring::{MultiOps, RoaringBitmap};

use crate::facets::FacetId;
use crate::geo::{Located, chord2_within, distance_from_chord2};
use crate::index::{DocKey, Index};
use crate::query::{self, Filter, Query, QueryTerm, Sort};
use crate::results::{Hit, Results};
use crate::score::{VariantKind, Weights, idf};
use crate::terms::Postings;

/// Below this many candidates a radius is checked point by point, without the grid.
const DIRECT_CHECK_MAX: u64 = 4096;

/// From this many matches on, the page is first sought by walking the documents in prior
/// order until no further one can make it ([`top_by_prior`]).
const WALK_MIN: u64 = 2048;

/// The walk in prior order visits at most this many times as many documents as match.
const WALK_BUDGET: u64 = 4;

/// Stems shorter than this (in chars) get no related stems.
const MIN_RELATED_CHARS: usize = 4;

/// Related stems differ from the query's stem by at most this many chars.
const MAX_RELATED_EXTRA: usize = 2;

/// One way a query term can match, with the documents it matches.
struct Variant<'a> {
    kind: VariantKind,
    any: Cow<'a, RoaringBitmap>,
    title: Cow<'a, RoaringBitmap>,
}

/// A query term with all its variants and the union of their documents.
struct TermMatch<'a> {
    term: &'a QueryTerm,
    variants: Vec<Variant<'a>>,
    /// Documents matching any variant.
    docs: RoaringBitmap,
    /// Documents matching any variant in the title.
    titles: RoaringBitmap,
    /// `(score, variant, in the title?)`, best score first: a document scores the first entry
    /// whose bitmap holds it, which is the best one.
    order: Vec<(f32, usize, bool)>,
    /// The highest score a document can get from this term.
    best: f32,
}

impl<'a> TermMatch<'a> {
    /// One idf for the term, from all the documents it matches in any way: a rare typo
    /// neighbour must not outweigh the exact word, so variants differ only by their weight.
    fn new(term: &'a QueryTerm, variants: Vec<Variant<'a>>, weights: &Weights, documents: u64) -> Self {
        let docs = variants.iter().map(|variant| variant.any.as_ref()).union();
        let titles = variants.iter().map(|variant| variant.title.as_ref()).union();
        let idf = idf(documents, docs.len());
        let mut order: Vec<(f32, usize, bool)> = Vec::with_capacity(variants.len() * 2);
        for (position, variant) in variants.iter().enumerate() {
            let weight = weights.of(variant.kind) * idf;
            if !variant.title.is_empty() {
                order.push((weight * weights.title, position, true));
            }
            order.push((weight * weights.body, position, false));
        }
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let best = order.first().map_or(0.0, |&(score, _, _)| score);
        Self {
            term,
            variants,
            docs,
            titles,
            order,
            best,
        }
    }

    /// The best contribution of this term to a document's score (0 if it does not match): the
    /// best variant, with the title weight if the document holds the word in its title, else
    /// the body weight (or the body weight if higher).
    fn score(&self, doc: u32) -> f32 {
        let in_title = self.titles.contains(doc);
        for &(score, position, title) in &self.order {
            if title && !in_title {
                continue;
            }
            let Some(variant) = self.variants.get(position) else {
                continue;
            };
            let holds = if title { &variant.title } else { &variant.any };
            if holds.contains(doc) {
                return score;
            }
        }
        0.0
    }

    /// Whether the document matches this term only through a typo.
    fn only_typo(&self, doc: u32) -> bool {
        self.docs.contains(doc)
            && !self
                .variants
                .iter()
                .any(|variant| variant.kind != VariantKind::Typo && variant.any.contains(doc))
    }
}

/// A boost resolved to its documents.
struct ResolvedBoost<'a> {
    facet: FacetId,
    value: u32,
    weight: f32,
    docs: &'a RoaringBitmap,
}

/// Where distances are measured from.
struct Origin {
    center: Located,
    weight_per_km: f32,
}

/// A candidate for the page, ordered best first: by `rank` (lower is better), then by key.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    rank: f64,
    key: DocKey,
    id: u32,
    score: Option<f32>,
    distance: Option<f64>,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank.total_cmp(&other.rank).then(self.key.cmp(&other.key))
    }
}

fn finite_or_zero(value: f32) -> f32 {
    if value.is_finite() { value } else { 0.0 }
}

impl Index {
    /// Runs `query`. Never panics; see [`Query`] for how odd input is treated.
    pub fn search(&self, query: &Query) -> Results {
        let terms = query::terms(&self.analyzer, &query.text, &query.langs);
        let matches: Vec<TermMatch<'_>> = terms.iter().map(|term| self.term_match(term)).collect();
        let mut docs = self.matching(query, &matches);

        let origin = query.near.as_ref().and_then(|near| {
            Located::parse(near.point).map(|center| Origin {
                center,
                weight_per_km: finite_or_zero(near.distance_weight_per_km),
            })
        });
        let mut distances: Option<Vec<f64>> = None;
        if let Some(radius) = query.near.as_ref().and_then(|near| near.radius_m) {
            match &origin {
                Some(origin) if radius >= 0.0 => {
                    distances = Some(self.keep_within(&mut docs, &origin.center, radius));
                }
                _ => docs.clear(),
            }
        }

        let facet_counts = self.facet_counts(&query.count_facets, &docs);
        let total = usize::try_from(docs.len()).unwrap_or(usize::MAX);

        let boosts: Vec<ResolvedBoost<'_>> = query
            .boosts
            .iter()
            .filter_map(|boost| {
                self.facets.docs(boost.facet, boost.value).map(|docs| ResolvedBoost {
                    facet: boost.facet,
                    value: boost.value,
                    weight: finite_or_zero(boost.weight),
                    docs,
                })
            })
            .collect();
        let scorer = Scorer {
            index: self,
            matches: &matches,
            boosts: &boosts,
            origin: origin.as_ref(),
        };
        let by_distance = query.sort == Sort::Distance && origin.is_some();
        let wanted = query.offset.saturating_add(query.limit).min(total);
        let page = if !by_distance && scorer.can_bound() && docs.len() >= WALK_MIN {
            top_by_prior(&scorer, &docs, distances.as_deref(), wanted)
        } else {
            top(&scorer, &docs, distances.as_deref(), by_distance, wanted)
        };
        let hits = page
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .map(|ranked| scorer.hit(ranked))
            .collect();
        Results {
            total,
            hits,
            facet_counts,
        }
    }

    /// The variants of one query term and the documents they match.
    fn term_match<'a>(&'a self, term: &'a QueryTerm) -> TermMatch<'a> {
        let documents = self.live.len();
        let weights = self.weights;
        let mut variants = Vec::new();
        let mut add = |kind: VariantKind, postings: Vec<&'a Postings>| {
            let postings: Vec<&Postings> = postings.into_iter().filter(|p| !p.any.is_empty()).collect();
            let (any, title) = match postings.as_slice() {
                [] => return false,
                [one] => (Cow::Borrowed(&one.any), Cow::Borrowed(&one.title)),
                many => (
                    Cow::Owned(many.iter().map(|p| &p.any).union()),
                    Cow::Owned(many.iter().map(|p| &p.title).union()),
                ),
            };
            variants.push(Variant { kind, any, title });
            true
        };

        let exact = self.terms.find(&term.folded).map(|found| &found.exact);
        let mut found_otherwise = add(VariantKind::Exact, exact.into_iter().collect());

        let stems = term
            .stems
            .iter()
            .filter_map(|stem| self.terms.find(stem))
            .map(|found| &found.stem);
        found_otherwise |= add(VariantKind::Stem, stems.collect());

        found_otherwise |= add(VariantKind::Related, self.related_stems(term));

        if term.prefix {
            if let Some(cached) = self.terms.cached_prefix(&term.folded) {
                found_otherwise |= add(VariantKind::Prefix, vec![cached]);
            } else {
                let completions = self
                    .terms
                    .with_prefix(&term.folded)
                    .filter(|found| *found.text != *term.folded)
                    .map(|found| &found.exact);
                found_otherwise |= add(VariantKind::Prefix, completions.collect());
            }
        }

        // Only a word that finds nothing otherwise is corrected. A word that some document holds
        // as it is, or by its stem, a related stem or as a prefix, was meant as typed:
        // correcting it would turn one real word into another ("Kochen" into "Kuchen", "Wandern"
        // into "Ländern") and fill a page with those when nothing near matches the word itself.
        if !found_otherwise {
            let mut typos = Vec::new();
            self.terms
                .typo_neighbours(&term.folded, |found| typos.push(&found.exact));
            add(VariantKind::Typo, typos);
        }

        TermMatch::new(term, variants, &weights, documents)
    }

    /// Stem postings of stems that extend a query stem, or that a query stem extends, by one
    /// to [`MAX_RELATED_EXTRA`] chars, both at least [`MIN_RELATED_CHARS`] long.
    fn related_stems<'a>(&'a self, term: &QueryTerm) -> Vec<&'a Postings> {
        let mut found = Vec::new();
        for stem in &term.stems {
            let chars = stem.chars().count();
            if chars < MIN_RELATED_CHARS {
                continue;
            }
            found.extend(
                self.terms
                    .with_prefix(stem)
                    .filter(|longer| longer.chars > chars && longer.chars <= chars + MAX_RELATED_EXTRA)
                    .map(|longer| &longer.stem),
            );
            let shortest = chars.saturating_sub(MAX_RELATED_EXTRA).max(MIN_RELATED_CHARS);
            for keep in shortest..chars {
                let shorter: String = stem.chars().take(keep).collect();
                if let Some(shorter) = self.terms.find(&shorter) {
                    found.push(&shorter.stem);
                }
            }
        }
        found
    }

    /// Documents matching the text and the filters (not yet the radius).
    fn matching(&self, query: &Query, matches: &[TermMatch<'_>]) -> RoaringBitmap {
        let mut included: Vec<Cow<'_, RoaringBitmap>> =
            matches.iter().map(|found| Cow::Borrowed(&found.docs)).collect();
        let mut excluded = RoaringBitmap::new();
        for filter in &query.filters {
            match filter {
                Filter::AnyOf { facet, values } => {
                    included.push(Cow::Owned(self.facets.any_of(*facet, values)));
                }
                Filter::NoneOf { facet, values } => excluded |= self.facets.any_of(*facet, values),
                Filter::Keys { keys } => included.push(Cow::Owned(self.ids_of(keys))),
            }
        }
        included.sort_by_key(|docs| docs.len());
        let mut sets = included.into_iter();
        let mut docs = match sets.next() {
            Some(smallest) => smallest.into_owned(),
            None => self.live.clone(),
        };
        for set in sets {
            if docs.is_empty() {
                break;
            }
            docs &= set.as_ref();
        }
        docs -= excluded;
        docs
    }

    /// Counts for each facet of `wanted` over `docs`, by whichever way costs less (estimates
    /// in nanoseconds): document by document, reading the facet's column of first values (and
    /// the facet refs of documents with several values), or one `intersection_len` per value.
    fn facet_counts(&self, wanted: &[FacetId], docs: &RoaringBitmap) -> Vec<(FacetId, Vec<(u32, u32)>)> {
        let all = docs.len() == self.live.len();
        let mut done: Vec<(FacetId, Vec<(u32, u32)>)> = Vec::with_capacity(wanted.len());
        for &facet in wanted {
            let Some(values) = self.facets.values(facet) else {
                done.push((facet, Vec::new()));
                continue;
            };
            // `intersection_len` with a value held by many documents (bitmap containers): ~150 ns
            // per 64k-id container; with a sparser value (arrays): a merge, ~0.5 ns per element of
            // both. One matching document read from the column: ~15 ns, ~80 ns more if it has
            // several values of the facet.
            let containers = self.live.max().unwrap_or(0) >> 16;
            let dense = 4096 * (u64::from(containers) + 1);
            let matching = docs.len();
            let multi = if all { 0 } else { docs.intersection_len(&values.multi) };
            let by_doc = matching as f64 * 15.0 + multi as f64 * 80.0;
            // Any way per value costs at least ~20 ns a value: no need to estimate further.
            let surely_by_doc = by_doc <= values.dense_len() as f64 * 20.0;
            let by_value: f64 = if all {
                0.0
            } else if surely_by_doc {
                f64::INFINITY
            } else {
                values
                    .by_value
                    .values()
                    .map(|value| {
                        let len = value.docs.len();
                        if len >= dense {
                            150.0 * f64::from(containers + 1)
                        } else {
                            0.5 * (len + matching) as f64
                        }
                    })
                    .sum()
            };
            let counts = if all || by_value <= by_doc {
                self.facets.counts(facet, docs, all)
            } else {
                let mut by_dense = vec![0_u32; values.dense_len()];
                let mut add = |dense: u32| {
                    if let Some(count) = by_dense.get_mut(dense as usize) {
                        *count += 1;
                    }
                };
                for id in docs {
                    match values.first.get(id as usize) {
                        Some(&first) if first > 0 => add(first - 1),
                        _ => {}
                    }
                }
                if multi > 0 {
                    for id in &(docs & &values.multi) {
                        let first = values.first.get(id as usize).copied().unwrap_or(0);
                        for facet_ref in self.facet_refs(id) {
                            if facet_ref.facet == facet && facet_ref.dense + 1 != first {
                                add(facet_ref.dense);
                            }
                        }
                    }
                }
                self.facets.dense_counts(facet, &by_dense)
            };
            done.push((facet, counts));
        }
        done
    }

    /// Removes the documents farther than `radius` from `center` (or without a point) and
    /// returns the distances of those kept, in ascending id order.
    fn keep_within(&self, docs: &mut RoaringBitmap, center: &Located, radius: f64) -> Vec<f64> {
        let cells = (docs.len() > DIRECT_CHECK_MAX)
            .then(|| self.grid.around(center.point, radius))
            .flatten();
        if let Some(cells) = cells {
            *docs &= cells;
        }
        let mut kept = Vec::new();
        let mut distances = Vec::new();
        // A little slack so rounding never rejects a point the distance would keep.
        let max_chord2 = chord2_within(radius).map_or(f64::INFINITY, |max| max * (1.0 + 1e-9));
        for id in docs.iter() {
            let Some(point) = self.point(id) else { continue };
            let chord2 = center.chord2(&point);
            if chord2 > max_chord2 {
                continue;
            }
            let distance = distance_from_chord2(chord2);
            // The chord test is exact up to rounding; the distance has the last word.
            if distance <= radius {
                kept.push(id);
                distances.push(distance);
            }
        }
        *docs = RoaringBitmap::from_sorted_iter(kept.iter().copied()).unwrap_or_else(|_| kept.into_iter().collect());
        distances
    }
}

/// Everything needed to score a document.
struct Scorer<'a> {
    index: &'a Index,
    matches: &'a [TermMatch<'a>],
    boosts: &'a [ResolvedBoost<'a>],
    origin: Option<&'a Origin>,
}

impl Scorer<'_> {
    fn distance(&self, id: u32) -> Option<f64> {
        let origin = self.origin?;
        self.index.point(id).map(|point| origin.center.distance_m(&point))
    }

    /// Whether the walk in prior order can pay off: [`Scorer::bound`] ignores distance, which
    /// is exact only without a distance penalty (with one, the walk would rarely stop early).
    fn can_bound(&self) -> bool {
        self.origin.is_none_or(|origin| origin.weight_per_km == 0.0)
    }

    /// The highest score a document with `prior` can reach. Computed by the same sequence of
    /// f32 additions as [`Scorer::score`], each with a value at least as large; f32 addition
    /// is monotonic, so the bound holds exactly.
    fn bound(&self, prior: f32) -> f32 {
        let mut bound = prior;
        for found in self.matches {
            bound += found.best;
        }
        for boost in self.boosts {
            bound += boost.weight.max(0.0);
        }
        bound
    }

    fn score(&self, id: u32, prior: f32, distance: Option<f64>) -> f32 {
        let mut score = prior;
        for found in self.matches {
            score += found.score(id);
        }
        for boost in self.boosts {
            if boost.docs.contains(id) {
                score += boost.weight;
            }
        }
        if let (Some(origin), Some(distance)) = (self.origin, distance) {
            score -= origin.weight_per_km * (distance / 1000.0) as f32;
        }
        score
    }

    fn hit(&self, ranked: Ranked) -> Hit {
        let score = ranked
            .score
            .unwrap_or_else(|| self.score(ranked.id, self.index.prior(ranked.id), ranked.distance));
        Hit {
            key: ranked.key,
            score,
            distance_m: ranked.distance,
            matched_terms: self
                .matches
                .iter()
                .filter(|found| found.docs.contains(ranked.id))
                .map(|found| found.term.typed.clone())
                .collect(),
            typo: self.matches.iter().any(|found| found.only_typo(ranked.id)),
            boosts: self
                .boosts
                .iter()
                .filter(|boost| boost.docs.contains(ranked.id))
                .map(|boost| (boost.facet, boost.value))
                .collect(),
        }
    }
}

/// Keeps `candidate` if it is among the best `wanted` so far.
fn offer(heap: &mut BinaryHeap<Ranked>, wanted: usize, candidate: Ranked) {
    if heap.len() < wanted {
        heap.push(candidate);
    } else if let Some(mut worst) = heap.peek_mut().filter(|worst| candidate < **worst) {
        *worst = candidate;
    }
}

/// The best `wanted` documents of `docs` by relevance, best first. Walks all documents in
/// prior order and stops as soon as the bound of the next one cannot beat the page's worst,
/// which is quick when enough documents reach the best text score early. After visiting
/// [`WALK_BUDGET`] times as many documents as `docs` holds it gives up and finishes with the
/// documents of `docs` not yet visited, so it never costs much more than [`top`].
fn top_by_prior(scorer: &Scorer<'_>, docs: &RoaringBitmap, distances: Option<&[f64]>, wanted: usize) -> Vec<Ranked> {
    if wanted == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Ranked> = BinaryHeap::with_capacity(wanted);
    let budget = docs.len().saturating_mul(WALK_BUDGET);
    let mut last: Option<(f32, DocKey)> = None;
    for (visited, (prior, key, id)) in (0_u64..).zip(scorer.index.by_prior()) {
        if heap.len() == wanted {
            let best_case = Ranked {
                rank: 0.0 - f64::from(scorer.bound(prior)),
                key,
                id,
                score: None,
                distance: None,
            };
            // Later documents have a lower prior, or the same and a higher key.
            if heap.peek().is_some_and(|worst| best_case > *worst) {
                return heap.into_sorted_vec();
            }
        }
        if visited == budget {
            fill(&mut heap, scorer, docs, distances, false, wanted, last);
            return heap.into_sorted_vec();
        }
        last = Some((prior, key));
        if !docs.contains(id) {
            continue;
        }
        let distance = scorer.distance(id);
        let score = scorer.score(id, prior, distance);
        let candidate = Ranked {
            rank: 0.0 - f64::from(score),
            key,
            id,
            score: Some(score),
            distance,
        };
        offer(&mut heap, wanted, candidate);
    }
    heap.into_sorted_vec()
}

/// The best `wanted` documents of `docs`, best first, with a bounded heap. `distances`, when
/// given, holds the distance of each document of `docs` in ascending id order.
fn top(
    scorer: &Scorer<'_>,
    docs: &RoaringBitmap,
    distances: Option<&[f64]>,
    by_distance: bool,
    wanted: usize,
) -> Vec<Ranked> {
    if wanted == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Ranked> = BinaryHeap::with_capacity(wanted);
    fill(&mut heap, scorer, docs, distances, by_distance, wanted, None);
    heap.into_sorted_vec()
}

/// Offers every document of `docs` to the heap, except those a walk in prior order has
/// visited up to and including `visited_until` (prior, key).
fn fill(
    heap: &mut BinaryHeap<Ranked>,
    scorer: &Scorer<'_>,
    docs: &RoaringBitmap,
    distances: Option<&[f64]>,
    by_distance: bool,
    wanted: usize,
    visited_until: Option<(f32, DocKey)>,
) {
    for (position, id) in docs.iter().enumerate() {
        let Some(key) = scorer.index.key(id) else { continue };
        let prior = scorer.index.prior(id);
        // Visited: a higher prior, or the same and a key not above the last one visited.
        let visited = visited_until
            .is_some_and(|(last_prior, last_key)| prior.total_cmp(&last_prior).then(last_key.cmp(&key)).is_ge());
        if visited {
            continue;
        }
        let distance = match distances {
            Some(distances) => distances.get(position).copied(),
            None => scorer.distance(id),
        };
        let (rank, score) = if by_distance {
            (distance.unwrap_or(f64::INFINITY), None)
        } else {
            let score = scorer.score(id, prior, distance);
            // 0.0 - score: higher scores rank first, and -0.0 never differs from 0.0.
            (0.0 - f64::from(score), Some(score))
        };
        let candidate = Ranked {
            rank,
            key,
            id,
            score,
            distance,
        };
        offer(heap, wanted, candidate);
    }
}
