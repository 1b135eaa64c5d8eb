//! The term dictionary: folded words and stems with their posting lists.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use roaring::{MultiOps, RoaringBitmap};

use crate::typo::{self, TypoIndex};

/// A term's number in the dictionary. Terms are never removed, so an id stays valid.
pub(crate) type TermId = u32;

/// The dictionary holds at most this many terms (ids fit in 28 bits, see [`TermRef`]); words
/// beyond it are not indexed.
pub(crate) const MAX_TERMS: usize = 1 << 28;

/// Prefixes of exactly these many chars have their postings precomputed (the union over all
/// words they begin), so that short type-ahead prefixes cost one lookup.
pub(crate) const CACHED_PREFIX_CHARS: [usize; 2] = [3, 4];

/// A document's reference to a term: the id in the low 28 bits, where the document holds it
/// in the high 4 bits ([`TermRef::EXACT`] …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TermRef(u32);

impl TermRef {
    pub(crate) const EXACT: u8 = 1;
    pub(crate) const EXACT_TITLE: u8 = 2;
    pub(crate) const STEM: u8 = 4;
    pub(crate) const STEM_TITLE: u8 = 8;

    pub(crate) fn new(id: TermId, flags: u8) -> Self {
        Self((id & (MAX_TERMS as u32 - 1)) | (u32::from(flags & 0xf) << 28))
    }

    pub(crate) fn id(self) -> TermId {
        self.0 & (MAX_TERMS as u32 - 1)
    }

    pub(crate) fn has(self, flag: u8) -> bool {
        (self.0 >> 28) as u8 & flag != 0
    }

    /// The same term with the flags of both.
    #[must_use]
    pub(crate) fn with(self, other: TermRef) -> Self {
        Self(self.0 | (other.0 & !(MAX_TERMS as u32 - 1)))
    }
}

/// The documents (internal ids) that hold a term, in any field and in the title.
#[derive(Debug, Default, Clone)]
pub(crate) struct Postings {
    /// Title or body.
    pub(crate) any: RoaringBitmap,
    /// Title only (a subset of `any`).
    pub(crate) title: RoaringBitmap,
}

impl Postings {
    pub(crate) fn insert(&mut self, doc: u32, in_title: bool) {
        self.any.insert(doc);
        if in_title {
            self.title.insert(doc);
        }
    }

    pub(crate) fn remove(&mut self, doc: u32) {
        self.any.remove(doc);
        self.title.remove(doc);
    }
}

/// One dictionary entry. The same string may be a folded token of one document ("exact") and a
/// folded stem of another ("stem"); the two namespaces have their own postings.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub(crate) text: Box<str>,
    /// Length of `text` in chars.
    pub(crate) chars: usize,
    pub(crate) exact: Postings,
    pub(crate) stem: Postings,
    /// Whether the term's deletion neighbourhood is in the typo index.
    in_typo_index: bool,
}

/// The dictionary: lookup by text (hash map), by prefix (ordered map and cached short
/// prefixes), and by typo neighbourhood.
#[derive(Debug, Clone, Default)]
pub(crate) struct Terms {
    list: Vec<Term>,
    by_text: HashMap<Box<str>, TermId>,
    ordered: BTreeMap<Box<str>, TermId>,
    /// Exact postings of all words beginning with a prefix of [`CACHED_PREFIX_CHARS`] chars.
    prefixes: HashMap<Box<str>, Postings>,
    typo: TypoIndex,
    /// Set by [`Terms::set_typo_index`]; from then on new exact terms join the index one by one.
    typo_ready: bool,
}

impl Terms {
    /// The id of `text`, adding it when new; `None` when the dictionary is full.
    pub(crate) fn intern(&mut self, text: &str) -> Option<TermId> {
        if let Some(&id) = self.by_text.get(text) {
            return Some(id);
        }
        if self.list.len() >= MAX_TERMS {
            return None;
        }
        let id = self.list.len() as TermId;
        self.list.push(Term {
            text: text.into(),
            chars: text.chars().count(),
            exact: Postings::default(),
            stem: Postings::default(),
            in_typo_index: false,
        });
        self.by_text.insert(text.into(), id);
        self.ordered.insert(text.into(), id);
        Some(id)
    }

    /// Adds a document to the postings of the terms it references (the incremental path).
    pub(crate) fn insert_doc(&mut self, doc: u32, refs: &[TermRef]) {
        for &term_ref in refs {
            let Some(term) = self.list.get_mut(term_ref.id() as usize) else {
                continue;
            };
            if term_ref.has(TermRef::STEM) {
                term.stem.insert(doc, term_ref.has(TermRef::STEM_TITLE));
            }
            if term_ref.has(TermRef::EXACT) {
                let in_title = term_ref.has(TermRef::EXACT_TITLE);
                term.exact.insert(doc, in_title);
                for chars in CACHED_PREFIX_CHARS {
                    if let Some(prefix) = char_prefix(&term.text, chars) {
                        self.prefixes.entry(prefix.into()).or_default().insert(doc, in_title);
                    }
                }
                self.note_exact(term_ref.id());
            }
        }
    }

    /// Removes a document from the postings of the terms it references.
    pub(crate) fn remove_doc(&mut self, doc: u32, refs: &[TermRef]) {
        for &term_ref in refs {
            let Some(term) = self.list.get_mut(term_ref.id() as usize) else {
                continue;
            };
            term.exact.remove(doc);
            term.stem.remove(doc);
            if term_ref.has(TermRef::EXACT) {
                for chars in CACHED_PREFIX_CHARS {
                    let cached = char_prefix(&term.text, chars).and_then(|prefix| self.prefixes.get_mut(prefix));
                    if let Some(postings) = cached {
                        postings.remove(doc);
                    }
                }
            }
        }
    }

    /// Builds all postings at once from documents `0..docs.len()` (the bulk path; replaces
    /// whatever postings there were), then the prefix cache. The typo index comes apart:
    /// [`Terms::typo_input`], [`TypoIndex::build`], [`Terms::set_typo_index`].
    pub(crate) fn build_postings(&mut self, docs: &[&[TermRef]]) {
        const FLAGS: [u8; 4] = [TermRef::EXACT, TermRef::EXACT_TITLE, TermRef::STEM, TermRef::STEM_TITLE];
        // A counting sort: count the documents of each (term, flag), lay the lists out one
        // after another in one vector, then fill them in document order (so each is sorted).
        let slot = |term_ref: TermRef, flag: usize| term_ref.id() as usize * FLAGS.len() + flag;
        let mut starts: Vec<usize> = vec![0; self.list.len() * FLAGS.len() + 1];
        for &term_ref in docs.iter().flat_map(|refs| refs.iter()) {
            for (flag, &bit) in FLAGS.iter().enumerate() {
                if !term_ref.has(bit) {
                    continue;
                }
                if let Some(count) = starts.get_mut(slot(term_ref, flag) + 1) {
                    *count += 1;
                }
            }
        }
        let mut total = 0;
        for start in &mut starts {
            total += *start;
            *start = total;
        }
        let mut next = starts.clone();
        let mut ids: Vec<u32> = vec![0; total];
        for (doc, refs) in (0_u32..).zip(docs) {
            for &term_ref in *refs {
                for (flag, &bit) in FLAGS.iter().enumerate() {
                    if !term_ref.has(bit) {
                        continue;
                    }
                    if let Some(next) = next.get_mut(slot(term_ref, flag)) {
                        if let Some(cell) = ids.get_mut(*next) {
                            *cell = doc;
                        }
                        *next += 1;
                    }
                }
            }
        }
        let list = |term: usize, flag: usize| {
            let at = term * FLAGS.len() + flag;
            let (Some(&start), Some(&end)) = (starts.get(at), starts.get(at + 1)) else {
                return RoaringBitmap::new();
            };
            sorted_bitmap(ids.get(start..end).unwrap_or_default())
        };
        for (position, term) in self.list.iter_mut().enumerate() {
            term.exact = Postings {
                any: list(position, 0),
                title: list(position, 1),
            };
            term.stem = Postings {
                any: list(position, 2),
                title: list(position, 3),
            };
        }
        self.build_prefixes();
    }

    /// Rebuilds the prefix cache from the exact postings.
    fn build_prefixes(&mut self) {
        let mut prefixes = HashMap::new();
        for chars in CACHED_PREFIX_CHARS {
            let mut group: Vec<&Postings> = Vec::new();
            let mut current: Option<&str> = None;
            // Terms in text order: the words sharing a prefix are neighbours.
            for &id in self.ordered.values() {
                let Some(term) = self.list.get(id as usize) else {
                    continue;
                };
                if term.exact.any.is_empty() {
                    continue;
                }
                let Some(prefix) = char_prefix(&term.text, chars) else {
                    continue;
                };
                if current != Some(prefix) {
                    if let Some(done) = current {
                        prefixes.insert(done.into(), union(&group));
                    }
                    group.clear();
                    current = Some(prefix);
                }
                group.push(&term.exact);
            }
            if let Some(done) = current {
                prefixes.insert(done.into(), union(&group));
            }
        }
        self.prefixes = prefixes;
    }

    /// The cached postings of a prefix of [`CACHED_PREFIX_CHARS`] chars (`None` for other
    /// lengths, or when no word begins with it).
    pub(crate) fn cached_prefix(&self, prefix: &str) -> Option<&Postings> {
        self.prefixes.get(prefix)
    }

    pub(crate) fn get(&self, id: TermId) -> Option<&Term> {
        self.list.get(id as usize)
    }

    /// The term spelled `text`, if any document ever held it.
    pub(crate) fn find(&self, text: &str) -> Option<&Term> {
        self.by_text.get(text).and_then(|&id| self.get(id))
    }

    /// Terms that start with `prefix` (including `prefix` itself), in text order.
    pub(crate) fn with_prefix<'s>(&'s self, prefix: &str) -> impl Iterator<Item = &'s Term> {
        self.ordered
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(text, _)| text.starts_with(prefix))
            .filter_map(|(_, &id)| self.get(id))
    }

    /// Adds a term that now has exact postings to the typo index, once the index is built.
    pub(crate) fn note_exact(&mut self, id: TermId) {
        if !self.typo_ready {
            return;
        }
        let Some(term) = self.list.get_mut(id as usize) else {
            return;
        };
        if term.in_typo_index {
            return;
        }
        term.in_typo_index = true;
        self.typo.add(id, &term.text);
    }

    /// The terms that `docs` hold as exact words, for [`TypoIndex::build`].
    pub(crate) fn typo_input(&self, docs: &[&[TermRef]]) -> Vec<(TermId, Box<str>)> {
        let mut exact = vec![false; self.list.len()];
        let exact_refs = docs
            .iter()
            .flat_map(|refs| refs.iter())
            .filter(|r| r.has(TermRef::EXACT));
        for term_ref in exact_refs {
            if let Some(flag) = exact.get_mut(term_ref.id() as usize) {
                *flag = true;
            }
        }
        (0..)
            .zip(&self.list)
            .zip(exact)
            .filter(|&(_, exact)| exact)
            .map(|((id, term), _)| (id, term.text.clone()))
            .collect()
    }

    /// Installs a typo index built from `input`; from now on new exact terms join it one by one.
    pub(crate) fn set_typo_index(&mut self, typo: TypoIndex, input: &[(TermId, Box<str>)]) {
        for &(id, _) in input {
            if let Some(term) = self.list.get_mut(id as usize) {
                term.in_typo_index = true;
            }
        }
        self.typo = typo;
        self.typo_ready = true;
    }

    /// Terms within the allowed edit distance of `text` (a folded query token), excluding `text`
    /// itself; calls `found` once per term.
    pub(crate) fn typo_neighbours<'s>(&'s self, text: &str, mut found: impl FnMut(&'s Term)) {
        let max = typo::max_distance(text.chars().count());
        if max == 0 {
            return;
        }
        let query: Vec<char> = text.chars().collect();
        let mut candidates = Vec::new();
        self.typo.candidates(&query, max, &mut candidates);
        let mut scratch = typo::Scratch::default();
        let mut other = Vec::new();
        for id in candidates {
            let Some(term) = self.get(id) else { continue };
            if &*term.text == text {
                continue;
            }
            other.clear();
            other.extend(term.text.chars());
            if typo::within(&query, &other, max, &mut scratch) {
                found(term);
            }
        }
    }

    /// Number of terms in the dictionary.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}

/// The first `chars` chars of `text`, if it has at least that many.
pub(crate) fn char_prefix(text: &str, chars: usize) -> Option<&str> {
    match text.char_indices().nth(chars) {
        Some((end, _)) => text.get(..end),
        None => (text.chars().count() == chars).then_some(text),
    }
}

/// A bitmap from ascending ids (any order works, just slower).
fn sorted_bitmap(ids: &[u32]) -> RoaringBitmap {
    RoaringBitmap::from_sorted_iter(ids.iter().copied()).unwrap_or_else(|_| ids.iter().copied().collect())
}

/// The union of several postings.
pub(crate) fn union(postings: &[&Postings]) -> Postings {
    Postings {
        any: postings.iter().map(|p| &p.any).union(),
        title: postings.iter().map(|p| &p.title).union(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_twice_gives_one_id() {
        let mut terms = Terms::default();
        let a = terms.intern("schwimmen").unwrap();
        let b = terms.intern("yoga").unwrap();
        assert_ne!(a, b);
        assert_eq!(terms.intern("schwimmen"), Some(a));
        assert_eq!(terms.len(), 2);
        assert_eq!(terms.find("yoga").map(|t| &*t.text), Some("yoga"));
        assert!(terms.find("yog").is_none());
    }

    #[test]
    fn prefix_lists_only_terms_with_that_prefix() {
        let mut terms = Terms::default();
        for word in ["schwimmen", "schwimmbad", "schwamm", "schwim", "schwimmer", "yoga"] {
            terms.intern(word);
        }
        let got: Vec<&str> = terms.with_prefix("schwim").map(|t| &*t.text).collect();
        assert_eq!(got, ["schwim", "schwimmbad", "schwimmen", "schwimmer"]);
        assert_eq!(terms.with_prefix("zzz").count(), 0);
    }

    #[test]
    fn typo_neighbours_are_found_before_and_after_the_build() {
        let mut terms = Terms::default();
        let refs: Vec<TermRef> = ["schwimmen", "gymnastik", "yoga"]
            .into_iter()
            .map(|word| TermRef::new(terms.intern(word).unwrap(), TermRef::EXACT))
            .collect();
        terms.build_postings(&[&refs]);
        let input = terms.typo_input(&[&refs]);
        terms.set_typo_index(TypoIndex::build(&input), &input);
        let late = TermRef::new(terms.intern("physiotherapie").unwrap(), TermRef::EXACT);
        terms.insert_doc(1, &[late]);

        let neighbours = |text: &str| {
            let mut found = Vec::new();
            terms.typo_neighbours(text, |t| found.push(t.text.to_string()));
            found
        };
        assert_eq!(neighbours("schwimen"), ["schwimmen"]);
        assert_eq!(neighbours("gymnastk"), ["gymnastik"]);
        assert_eq!(neighbours("fysiotherapie"), ["physiotherapie"]);
        assert!(neighbours("schwimmen").is_empty(), "the term itself is not a typo");
        assert!(neighbours("schwimm").is_empty(), "distance 2 is too far for 7 chars");
        assert!(neighbours("yogi").is_empty(), "4 chars get no typo tolerance");
    }

    #[test]
    fn term_refs_keep_id_and_flags_apart() {
        let term_ref = TermRef::new(MAX_TERMS as u32 - 1, TermRef::EXACT | TermRef::STEM_TITLE);
        assert_eq!(term_ref.id(), MAX_TERMS as u32 - 1);
        assert!(term_ref.has(TermRef::EXACT) && term_ref.has(TermRef::STEM_TITLE));
        assert!(!term_ref.has(TermRef::EXACT_TITLE) && !term_ref.has(TermRef::STEM));
    }

    #[test]
    fn short_prefixes_are_cached_and_follow_changes() {
        let mut terms = Terms::default();
        let mut id = |word: &str, flags: u8| TermRef::new(terms.intern(word).unwrap(), flags);
        let doc0 = [
            id("schwimmen", TermRef::EXACT | TermRef::EXACT_TITLE),
            id("yoga", TermRef::EXACT),
        ];
        let doc1 = [id("schwamm", TermRef::EXACT), id("schach", TermRef::STEM)];
        terms.build_postings(&[&doc0, &doc1]);
        let docs = |terms: &Terms, prefix: &str| {
            terms
                .cached_prefix(prefix)
                .map(|p| (p.any.iter().collect::<Vec<_>>(), p.title.iter().collect::<Vec<_>>()))
        };
        assert_eq!(
            docs(&terms, "sch"),
            Some((vec![0, 1], vec![0])),
            "stems are not prefixes"
        );
        assert_eq!(docs(&terms, "schw"), Some((vec![0, 1], vec![0])));
        assert_eq!(docs(&terms, "scha"), None);
        assert_eq!(docs(&terms, "yog"), Some((vec![0], vec![])));
        assert_eq!(docs(&terms, "yo"), None, "2 chars are not cached");
        terms.remove_doc(0, &doc0);
        assert_eq!(docs(&terms, "schw"), Some((vec![1], vec![])));
        terms.insert_doc(2, &doc0);
        assert_eq!(docs(&terms, "schw"), Some((vec![1, 2], vec![2])));
        assert_eq!(char_prefix("äbc", 2), Some("äb"));
        assert_eq!(char_prefix("ab", 2), Some("ab"));
        assert_eq!(char_prefix("a", 2), None);
    }
}
