//! Documents in: the builder, the index, and its in-place updates.

use std::collections::{BTreeSet, HashMap};

use roaring::RoaringBitmap;

use crate::facets::{FacetId, FacetRef, Facets};
use crate::geo::{Grid, Located, Point};
use crate::score::Weights;
use crate::terms::{TermId, TermRef, Terms};
use crate::text::{Analyzer, Lang, lowercase_into, tokens};
use crate::token_cache::TokenCache;
use crate::typo::TypoIndex;

/// The caller's key for a document, usually a dense number it maps to its offer id. Any `u32`
/// works: the index numbers documents internally.
pub type DocKey = u32;

/// A document as the index sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// The caller's key; adding a document with a key already present replaces it.
    pub key: DocKey,
    /// The title, in one or more languages.
    pub title: Vec<(Lang, String)>,
    /// Everything else worth finding: description, provider name, area and category names.
    pub body: Vec<(Lang, String)>,
    /// Facet values, for filters, boosts and counts; a facet may have several values.
    pub facets: Vec<(FacetId, u32)>,
    /// Where the offer takes place; `None` (or an invalid point) for none.
    pub point: Option<Point>,
    /// A static score added to every match (for example negative for a full offer). A
    /// non-finite prior is taken as 0.
    pub prior: f32,
}

/// A document after analysis.
#[derive(Debug, Clone)]
struct Analyzed {
    key: DocKey,
    prior: f32,
    point: Option<Located>,
    removal: Removal,
}

/// What it takes to remove a document again.
#[derive(Debug, Clone)]
pub(crate) struct Removal {
    /// Every term the document holds, once, with where.
    terms: Box<[TermRef]>,
    /// Facet values, sorted and without repeats.
    pub(crate) facets: Box<[FacetRef]>,
}

#[derive(Default)]
struct Caches {
    by_lang: [TokenCache; 4],
}

impl Caches {
    fn get_mut(&mut self, lang: Lang) -> Option<&mut TokenCache> {
        let position = match lang {
            Lang::German => 0,
            Lang::Danish => 1,
            Lang::English => 2,
            Lang::Unknown => 3,
        };
        self.by_lang.get_mut(position)
    }
}

/// Merges the references of one document so each term appears once, with all its flags.
/// The builder keeps one per-term stamp array (O(1) per token); single upserts sort.
#[derive(Default)]
struct Dedupe {
    stamp: u32,
    seen: Vec<u32>,
    at: Vec<u32>,
}

impl Dedupe {
    fn merge_stamped(&mut self, raw: &[TermRef], out: &mut Vec<TermRef>) {
        out.clear();
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.iter_mut().for_each(|seen| *seen = 0);
            self.stamp = 1;
        }
        for &term_ref in raw {
            let id = term_ref.id() as usize;
            if self.seen.len() <= id {
                self.seen.resize(id + 1, 0);
                self.at.resize(id + 1, 0);
            }
            let (Some(seen), Some(at)) = (self.seen.get_mut(id), self.at.get_mut(id)) else {
                continue;
            };
            if *seen == self.stamp {
                if let Some(earlier) = out.get_mut(*at as usize) {
                    *earlier = earlier.with(term_ref);
                }
            } else {
                *seen = self.stamp;
                *at = out.len() as u32;
                out.push(term_ref);
            }
        }
    }
}

fn merge_sorted(raw: &mut [TermRef], out: &mut Vec<TermRef>) {
    out.clear();
    raw.sort_unstable_by_key(|term_ref| term_ref.id());
    for &term_ref in &*raw {
        match out.last_mut() {
            Some(last) if last.id() == term_ref.id() => *last = last.with(term_ref),
            _ => out.push(term_ref),
        }
    }
}

/// Scratch space for analysing documents.
#[derive(Default)]
struct Scratch {
    lowercase: String,
    raw: Vec<TermRef>,
    merged: Vec<TermRef>,
    /// Present while bulk building.
    bulk: Option<(Caches, Dedupe)>,
}

/// Turns a document into what the index keeps of it, interning new terms.
fn analyze(analyzer: &Analyzer, terms: &mut Terms, scratch: &mut Scratch, doc: Document) -> Analyzed {
    scratch.raw.clear();
    for (in_title, texts) in [(true, &doc.title), (false, &doc.body)] {
        let (exact_flags, stem_flags) = if in_title {
            (
                TermRef::EXACT | TermRef::EXACT_TITLE,
                TermRef::STEM | TermRef::STEM_TITLE,
            )
        } else {
            (TermRef::EXACT, TermRef::STEM)
        };
        for (lang, text) in texts {
            let mut cache = scratch.bulk.as_mut().and_then(|(caches, _)| caches.get_mut(*lang));
            for token in tokens(text) {
                lowercase_into(token, &mut scratch.lowercase);
                let resolved = resolve(analyzer, terms, cache.as_deref_mut(), *lang, &scratch.lowercase);
                let Some((exact, stem)) = resolved else { continue };
                scratch.raw.push(TermRef::new(exact, exact_flags));
                if let Some(stem) = stem {
                    scratch.raw.push(TermRef::new(stem, stem_flags));
                }
            }
        }
    }
    match scratch.bulk.as_mut() {
        Some((_, dedupe)) => dedupe.merge_stamped(&scratch.raw, &mut scratch.merged),
        None => merge_sorted(&mut scratch.raw, &mut scratch.merged),
    }

    let mut facets: Vec<FacetRef> = doc
        .facets
        .into_iter()
        .map(|(facet, value)| FacetRef { facet, value, dense: 0 })
        .collect();
    facets.sort_unstable();
    facets.dedup();
    Analyzed {
        key: doc.key,
        // `+ 0.0` turns -0.0 into 0.0.
        prior: if doc.prior.is_finite() { doc.prior + 0.0 } else { 0.0 },
        point: doc.point.and_then(Located::parse),
        removal: Removal {
            terms: scratch.merged.as_slice().into(),
            facets: facets.into_boxed_slice(),
        },
    }
}

/// The exact and stem term of a lowercased token, interning new terms; `None` for a stop word
/// (or a full dictionary).
fn resolve(
    analyzer: &Analyzer,
    terms: &mut Terms,
    cache: Option<&mut TokenCache>,
    lang: Lang,
    lowercase: &str,
) -> Option<(TermId, Option<TermId>)> {
    let analyze = |terms: &mut Terms| {
        let analyzed = analyzer.analyze(lang, lowercase)?;
        let exact = terms.intern(&analyzed.exact)?;
        let stem = analyzed.stem.and_then(|stem| terms.intern(&stem));
        Some((exact, stem))
    };
    match cache {
        None => analyze(terms),
        Some(cache) => {
            if let Some(known) = cache.get(lowercase) {
                return known;
            }
            let resolved = analyze(terms);
            cache.insert(lowercase, resolved);
            resolved
        }
    }
}

/// A key that sorts documents by descending prior, then ascending key.
type PriorRank = (u32, DocKey, u32);

fn prior_rank(prior: f32, key: DocKey, id: u32) -> PriorRank {
    // The IEEE bits of a float, flipped so that unsigned order is descending float order.
    let bits = prior.to_bits();
    let ascending = if bits >> 31 == 1 { !bits } else { bits | 0x8000_0000 };
    (!ascending, key, id)
}

/// Collects documents, then builds the [`Index`] in one go: postings, facets and grid are
/// built from sorted lists, analysis results are cached per token, and the typo index and the
/// prefix cache are built once. Much faster than [`Index::upsert`] one by one.
pub struct IndexBuilder {
    index: Index,
    scratch: Scratch,
    pending: Vec<Analyzed>,
    positions: HashMap<DocKey, usize>,
}

impl Default for IndexBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl IndexBuilder {
    /// An empty builder with default [`Weights`].
    pub fn new() -> Self {
        Self {
            index: Index::empty(),
            scratch: Scratch {
                bulk: Some((Caches::default(), Dedupe::default())),
                ..Scratch::default()
            },
            pending: Vec::new(),
            positions: HashMap::new(),
        }
    }

    /// Uses `weights` for scoring.
    #[must_use]
    pub fn with_weights(mut self, weights: Weights) -> Self {
        self.index.set_weights(weights);
        self
    }

    /// Adds a document; a document with the same key replaces the earlier one.
    pub fn add(&mut self, doc: Document) {
        let index = &mut self.index;
        let analyzed = analyze(&index.analyzer, &mut index.terms, &mut self.scratch, doc);
        if let Some(earlier) = self
            .positions
            .get(&analyzed.key)
            .and_then(|&at| self.pending.get_mut(at))
        {
            *earlier = analyzed;
        } else {
            self.positions.insert(analyzed.key, self.pending.len());
            self.pending.push(analyzed);
        }
    }

    /// The finished index. Posting lists and the prefix cache are built on this thread; the
    /// typo index, facets and grid on a second one (if a thread can be started).
    pub fn build(self) -> Index {
        let Self {
            mut index, mut pending, ..
        } = self;
        let points: Vec<Option<Point>> = pending
            .iter()
            .map(|doc| doc.point.map(|located| located.point))
            .collect();
        let (refs, mut facets): (Vec<&[TermRef]>, Vec<&mut [FacetRef]>) = pending
            .iter_mut()
            .map(|doc| (&*doc.removal.terms, &mut *doc.removal.facets))
            .unzip();
        let typo_input = index.terms.typo_input(&refs);
        let side_work = || {
            let typo = TypoIndex::build(&typo_input);
            (typo, Facets::build(&mut facets), Grid::build(&points))
        };
        let (typo, built_facets, grid) = std::thread::scope(|scope| {
            let side = std::thread::Builder::new().spawn_scoped(scope, side_work);
            index.terms.build_postings(&refs);
            match side {
                Ok(handle) => handle.join().ok(),
                Err(_) => None,
            }
        })
        .unwrap_or_else(|| {
            // No second thread (or it failed): do the same work here.
            let typo = TypoIndex::build(&typo_input);
            let mut facets: Vec<&mut [FacetRef]> = pending.iter_mut().map(|doc| &mut *doc.removal.facets).collect();
            (typo, Facets::build(&mut facets), Grid::build(&points))
        });
        index.terms.set_typo_index(typo, &typo_input);
        index.facets = built_facets;
        index.grid = grid;

        let ids = 0..pending.len() as u32;
        index.by_key = pending.iter().zip(ids.clone()).map(|(doc, id)| (doc.key, id)).collect();
        index.by_prior = pending
            .iter()
            .zip(ids.clone())
            .map(|(doc, id)| prior_rank(doc.prior, doc.key, id))
            .collect();
        index.live = ids.collect();
        index.keys = pending.iter().map(|doc| doc.key).collect();
        index.priors = pending.iter().map(|doc| doc.prior).collect();
        index.points = pending.iter().map(|doc| doc.point).collect();
        index.removals = pending.into_iter().map(|doc| Some(doc.removal)).collect();
        index
    }
}

/// The search index over a set of [`Document`]s. Build it with [`IndexBuilder`], change it with
/// [`Index::upsert`] and [`Index::remove`], query it with [`Index::search`]. It does no I/O and
/// is `Send + Sync`: share it behind a lock or swap whole indexes.
pub struct Index {
    pub(crate) analyzer: Analyzer,
    pub(crate) weights: Weights,
    pub(crate) terms: Terms,
    pub(crate) facets: Facets,
    pub(crate) grid: Grid,
    /// Per internal id (columns, for fast scans): key, prior, point, what removal needs. Free
    /// ids keep stale values and `None` removal; they are never in `live`.
    keys: Vec<DocKey>,
    priors: Vec<f32>,
    points: Vec<Option<Located>>,
    removals: Vec<Option<Removal>>,
    free: Vec<u32>,
    by_key: HashMap<DocKey, u32>,
    /// All documents, best prior first.
    by_prior: BTreeSet<PriorRank>,
    /// Internal ids of all documents.
    pub(crate) live: RoaringBitmap,
}

impl Index {
    fn empty() -> Self {
        let mut terms = Terms::default();
        terms.build_postings(&[]);
        terms.set_typo_index(TypoIndex::default(), &[]);
        Self {
            analyzer: Analyzer::new(),
            weights: Weights::default(),
            terms,
            facets: Facets::default(),
            grid: Grid::default(),
            keys: Vec::new(),
            priors: Vec::new(),
            points: Vec::new(),
            removals: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::new(),
            by_prior: BTreeSet::new(),
            live: RoaringBitmap::new(),
        }
    }

    /// Adds a document, or replaces the one with the same key. The change is visible to the
    /// next search.
    pub fn upsert(&mut self, doc: Document) {
        self.remove(doc.key);
        let Analyzed {
            key,
            prior,
            point,
            mut removal,
        } = analyze(&self.analyzer, &mut self.terms, &mut Scratch::default(), doc);
        let id = self.free.pop().unwrap_or(self.keys.len() as u32);
        self.terms.insert_doc(id, &removal.terms);
        for facet_ref in &mut removal.facets {
            facet_ref.dense = self.facets.insert(id, facet_ref.facet, facet_ref.value);
        }
        if let Some(located) = point {
            self.grid.insert(id, located.point);
        }
        self.by_prior.insert(prior_rank(prior, key, id));
        self.by_key.insert(key, id);
        self.live.insert(id);
        let at = id as usize;
        if at < self.keys.len() {
            set(&mut self.keys, at, key);
            set(&mut self.priors, at, prior);
            set(&mut self.points, at, point);
            set(&mut self.removals, at, Some(removal));
        } else {
            self.keys.push(key);
            self.priors.push(prior);
            self.points.push(point);
            self.removals.push(Some(removal));
        }
    }

    /// The internal ids of the documents with these keys (unknown keys are left out).
    pub(crate) fn ids_of(&self, keys: &[DocKey]) -> RoaringBitmap {
        keys.iter().filter_map(|k| self.by_key.get(k).copied()).collect()
    }

    /// Removes the document with `key`, if present. Its words stay in the dictionary (with no
    /// documents) until the next full build.
    pub fn remove(&mut self, key: DocKey) {
        let Some(id) = self.by_key.remove(&key) else {
            return;
        };
        let Some(removal) = self.removals.get_mut(id as usize).and_then(Option::take) else {
            return;
        };
        self.terms.remove_doc(id, &removal.terms);
        for facet_ref in &removal.facets {
            self.facets.remove(id, facet_ref.facet, facet_ref.value);
        }
        if let Some(located) = self.point(id) {
            self.grid.remove(id, located.point);
        }
        self.by_prior.remove(&prior_rank(self.prior(id), key, id));
        self.live.remove(id);
        self.free.push(id);
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Whether a document with `key` is in the index.
    pub fn contains(&self, key: DocKey) -> bool {
        self.by_key.contains_key(&key)
    }

    /// The weights used for scoring.
    pub fn weights(&self) -> Weights {
        self.weights
    }

    /// Changes the weights; takes effect with the next search.
    pub fn set_weights(&mut self, weights: Weights) {
        self.weights = weights.sanitized();
    }

    /// Number of distinct words and stems ever indexed (for diagnostics).
    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// The key of a document by internal id.
    pub(crate) fn key(&self, id: u32) -> Option<DocKey> {
        self.keys.get(id as usize).copied()
    }

    /// The prior of a document by internal id (0 if unknown).
    pub(crate) fn prior(&self, id: u32) -> f32 {
        self.priors.get(id as usize).copied().unwrap_or(0.0)
    }

    /// The point of a document by internal id.
    pub(crate) fn point(&self, id: u32) -> Option<Located> {
        self.points.get(id as usize).copied().flatten()
    }

    /// The facet values of a document by internal id.
    pub(crate) fn facet_refs(&self, id: u32) -> &[FacetRef] {
        self.removals
            .get(id as usize)
            .and_then(Option::as_ref)
            .map_or(&[], |removal| &removal.facets)
    }

    /// Internal ids of all documents, best prior first, ties by ascending key.
    pub(crate) fn by_prior(&self) -> impl Iterator<Item = (f32, DocKey, u32)> + '_ {
        self.by_prior.iter().map(|&(_, key, id)| (self.prior(id), key, id))
    }
}

fn set<T>(column: &mut [T], at: usize, value: T) {
    if let Some(cell) = column.get_mut(at) {
        *cell = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(key: DocKey, title: &str) -> Document {
        Document {
            key,
            title: vec![(Lang::German, title.to_owned())],
            facets: vec![(FacetId(1), key % 2)],
            point: Some(Point { lat: 55.0, lon: 10.0 }),
            ..Document::default()
        }
    }

    #[test]
    fn replacing_and_removing_keep_the_structures_clean() {
        let mut builder = IndexBuilder::new();
        builder.add(doc(1, "Yoga"));
        builder.add(doc(2, "Schwimmen"));
        builder.add(doc(1, "Chor"));
        let mut index = builder.build();
        assert_eq!(index.len(), 2);
        assert!(index.terms.find("yoga").unwrap().exact.any.is_empty());
        assert_eq!(index.terms.find("chor").unwrap().exact.any.len(), 1);

        index.remove(2);
        index.remove(2);
        index.remove(77);
        assert_eq!(index.len(), 1);
        assert!(!index.contains(2));
        assert!(index.terms.find("schwimmen").unwrap().exact.any.is_empty());
        assert!(index.terms.find("schwimm").unwrap().stem.any.is_empty());
        assert_eq!(index.live.len(), 1);
        assert_eq!(index.by_prior().count(), 1);
        assert!(index.grid.around(Point { lat: 55.0, lon: 10.0 }, 10.0).unwrap().len() == 1);

        // The freed internal id is reused.
        index.upsert(doc(3, "Tanz"));
        assert_eq!(index.keys.len(), 2);
        assert!(index.contains(3));
        assert_eq!(index.key(1), Some(3));
    }

    #[test]
    fn documents_are_ordered_by_prior_then_key() {
        let priors = [
            (5, 0.0),
            (1, -1.0),
            (2, 0.5),
            (3, -0.0),
            (4, f32::NAN),
            (6, f32::INFINITY),
        ];
        let index = {
            let mut builder = IndexBuilder::new();
            for (key, prior) in priors {
                builder.add(Document {
                    prior,
                    ..doc(key, "Yoga")
                });
            }
            builder.build()
        };
        let keys: Vec<DocKey> = index.by_prior().map(|(_, key, _)| key).collect();
        assert_eq!(keys, [2, 3, 4, 5, 6, 1], "NaN and infinity count as 0, -0 as 0");
    }

    #[test]
    fn a_word_in_title_and_body_is_one_reference() {
        let mut index = IndexBuilder::new().build();
        index.upsert(Document {
            body: vec![(Lang::German, "Yoga Yoga".to_owned())],
            ..doc(1, "Yoga")
        });
        let removal = index.removals[0].as_ref().unwrap();
        let yoga = index.terms.find("yoga").unwrap();
        assert_eq!(removal.terms.iter().filter(|r| r.has(TermRef::EXACT)).count(), 1);
        assert!(yoga.exact.title.contains(0) && yoga.stem.title.contains(0));
    }

    #[test]
    fn both_ways_of_merging_references_agree() {
        let raw = [
            TermRef::new(7, TermRef::EXACT),
            TermRef::new(3, TermRef::STEM),
            TermRef::new(7, TermRef::EXACT_TITLE),
            TermRef::new(3, TermRef::STEM),
        ];
        let mut stamped = Vec::new();
        let mut dedupe = Dedupe::default();
        dedupe.merge_stamped(&raw, &mut stamped);
        dedupe.merge_stamped(&raw, &mut stamped);
        stamped.sort_unstable_by_key(|term_ref| term_ref.id());
        let mut sorted = Vec::new();
        merge_sorted(&mut raw.clone(), &mut sorted);
        assert_eq!(stamped, sorted);
        assert_eq!(
            sorted,
            [
                TermRef::new(3, TermRef::STEM),
                TermRef::new(7, TermRef::EXACT | TermRef::EXACT_TITLE)
            ]
        );
    }

    #[test]
    fn index_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Index>();
    }
}
