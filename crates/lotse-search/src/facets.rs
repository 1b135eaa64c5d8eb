//! Facet values: one bitmap of documents per (facet, value).

use std::collections::{BTreeMap, HashMap};

use roaring::{MultiOps, RoaringBitmap};

/// A caller-defined facet (category, area, audience, cost, …). Its values are caller-defined
/// `u32`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FacetId(pub u16);

/// The documents holding one facet value.
#[derive(Debug, Clone, Default)]
pub(crate) struct Value {
    /// A small number for this value, unique within its facet and never reused, for counting
    /// into an array.
    pub(crate) dense: u32,
    pub(crate) docs: RoaringBitmap,
}

/// The values of one facet.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    /// Values stay (possibly without documents) once seen, so dense numbers stay valid.
    pub(crate) by_value: BTreeMap<u32, Value>,
    /// Value by dense number.
    by_dense: Vec<u32>,
    /// Sum of the bitmaps' lengths: how many (document, value) pairs there are.
    pub(crate) pairs: u64,
    /// By internal id: 1 + the dense number of the document's first value of this facet, 0 for
    /// none. A column, so counting over many documents reads memory in order.
    pub(crate) first: Vec<u32>,
    /// Documents with more than one value of this facet (the others are in their facet refs).
    pub(crate) multi: RoaringBitmap,
}

impl Values {
    /// One more than the highest dense number.
    pub(crate) fn dense_len(&self) -> usize {
        self.by_value.len()
    }

    fn note(&mut self, doc: u32, dense: u32) {
        let at = doc as usize;
        if self.first.len() <= at {
            self.first.resize(at + 1, 0);
        }
        if let Some(first) = self.first.get_mut(at) {
            if *first == 0 {
                *first = dense + 1;
            } else if *first != dense + 1 {
                self.multi.insert(doc);
            }
        }
    }
}

/// A document's facet value, with the value's dense number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FacetRef {
    pub(crate) facet: FacetId,
    pub(crate) value: u32,
    pub(crate) dense: u32,
}

/// While building: a facet's values numbered in order of appearance, and each number's documents.
#[derive(Default)]
struct Numbering {
    dense_of: HashMap<u32, u32>,
    lists: Vec<Vec<u32>>,
}

/// Documents by facet and value; values are kept in order so counts come out sorted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facets {
    by_facet: HashMap<FacetId, Values>,
}

impl Facets {
    /// Adds a document to a value; returns the value's dense number.
    pub(crate) fn insert(&mut self, doc: u32, facet: FacetId, value: u32) -> u32 {
        let values = self.by_facet.entry(facet).or_default();
        let dense = values.by_value.len() as u32;
        let by_dense = &mut values.by_dense;
        let entry = values.by_value.entry(value).or_insert_with(|| {
            by_dense.push(value);
            Value {
                dense,
                docs: RoaringBitmap::new(),
            }
        });
        let dense = entry.dense;
        if entry.docs.insert(doc) {
            values.pairs += 1;
            values.note(doc, dense);
        }
        dense
    }

    /// Removes a document from a value. Called for all values of a document at once (the
    /// column and `multi` forget the document at the first call).
    pub(crate) fn remove(&mut self, doc: u32, facet: FacetId, value: u32) {
        let Some(values) = self.by_facet.get_mut(&facet) else {
            return;
        };
        if values
            .by_value
            .get_mut(&value)
            .is_some_and(|entry| entry.docs.remove(doc))
        {
            values.pairs = values.pairs.saturating_sub(1);
        }
        if let Some(first) = values.first.get_mut(doc as usize) {
            *first = 0;
        }
        values.multi.remove(doc);
    }

    /// All facets at once from documents `0..docs.len()` and their (sorted, deduplicated)
    /// facet values, whose dense numbers it fills in (the bulk path).
    pub(crate) fn build(docs: &mut [&mut [FacetRef]]) -> Self {
        // Per facet: value → dense number, and the documents of each dense number.
        let mut numbering: HashMap<FacetId, Numbering> = HashMap::new();
        let mut facets = Self::default();
        for (doc, refs) in (0_u32..).zip(docs.iter_mut()) {
            for facet_ref in refs.iter_mut() {
                let Numbering { dense_of, lists } = numbering.entry(facet_ref.facet).or_default();
                let next = dense_of.len() as u32;
                let dense = *dense_of.entry(facet_ref.value).or_insert(next);
                if dense == next {
                    lists.push(Vec::new());
                }
                if let Some(list) = lists.get_mut(dense as usize) {
                    list.push(doc);
                }
                facet_ref.dense = dense;
                facets.by_facet.entry(facet_ref.facet).or_default().note(doc, dense);
            }
        }
        for (facet, Numbering { dense_of, lists }) in numbering {
            let values = facets.by_facet.entry(facet).or_default();
            values.by_dense = vec![0; lists.len()];
            for (value, dense) in dense_of {
                let Some(ids) = lists.get(dense as usize) else { continue };
                let docs = RoaringBitmap::from_sorted_iter(ids.iter().copied())
                    .unwrap_or_else(|_| ids.iter().copied().collect());
                values.pairs += docs.len();
                if let Some(slot) = values.by_dense.get_mut(dense as usize) {
                    *slot = value;
                }
                values.by_value.insert(value, Value { dense, docs });
            }
        }
        facets
    }

    /// The values of `facet`.
    pub(crate) fn values(&self, facet: FacetId) -> Option<&Values> {
        self.by_facet.get(&facet)
    }

    /// The documents holding `value` of `facet`.
    pub(crate) fn docs(&self, facet: FacetId, value: u32) -> Option<&RoaringBitmap> {
        self.values(facet)
            .and_then(|values| values.by_value.get(&value))
            .map(|entry| &entry.docs)
    }

    /// The documents holding any of `values` of `facet`.
    pub(crate) fn any_of(&self, facet: FacetId, values: &[u32]) -> RoaringBitmap {
        values.iter().filter_map(|&value| self.docs(facet, value)).union()
    }

    /// For each value of `facet`, how many of `docs` hold it, by one `intersection_len` per
    /// value; values held by none are left out. With `all` (`docs` is every document) the
    /// lengths of the value bitmaps are the counts.
    pub(crate) fn counts(&self, facet: FacetId, docs: &RoaringBitmap, all: bool) -> Vec<(u32, u32)> {
        let Some(values) = self.values(facet) else {
            return Vec::new();
        };
        values
            .by_value
            .iter()
            .filter_map(|(&value, entry)| {
                let count = if all {
                    entry.docs.len()
                } else {
                    docs.intersection_len(&entry.docs)
                };
                let count = u32::try_from(count).unwrap_or(u32::MAX);
                (count > 0).then_some((value, count))
            })
            .collect()
    }

    /// `(value, count)` from counts indexed by dense number, in value order, without zeros.
    pub(crate) fn dense_counts(&self, facet: FacetId, by_dense: &[u32]) -> Vec<(u32, u32)> {
        let Some(values) = self.values(facet) else {
            return Vec::new();
        };
        let nonzero = by_dense.iter().filter(|&&count| count > 0).count();
        if nonzero * 8 > by_dense.len() {
            // Many values: walking them in value order beats sorting.
            return values
                .by_value
                .iter()
                .filter_map(|(&value, entry)| {
                    let count = by_dense.get(entry.dense as usize).copied().unwrap_or(0);
                    (count > 0).then_some((value, count))
                })
                .collect();
        }
        let mut counts: Vec<(u32, u32)> = values
            .by_dense
            .iter()
            .zip(by_dense)
            .filter(|&(_, &count)| count > 0)
            .map(|(&value, &count)| (value, count))
            .collect();
        counts.sort_unstable();
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_inserts_and_removes() {
        let mut facets = Facets::default();
        let audience = FacetId(1);
        assert_eq!(facets.insert(0, audience, 10), 0);
        assert_eq!(facets.insert(1, audience, 10), 0);
        assert_eq!(facets.insert(1, audience, 20), 1);
        assert_eq!(facets.insert(2, audience, 30), 2);
        let all: RoaringBitmap = (0..3).collect();
        assert_eq!(facets.counts(audience, &all, false), [(10, 2), (20, 1), (30, 1)]);
        assert_eq!(facets.counts(audience, &all, true), [(10, 2), (20, 1), (30, 1)]);
        assert_eq!(facets.values(audience).unwrap().pairs, 4);
        let values = facets.values(audience).unwrap();
        assert_eq!(values.first, [1, 1, 3]);
        assert_eq!(values.multi.iter().collect::<Vec<_>>(), [1]);
        facets.remove(1, audience, 10);
        facets.remove(1, audience, 20);
        facets.insert(1, audience, 20);
        facets.remove(2, audience, 30);
        facets.remove(2, audience, 30);
        let values = facets.values(audience).unwrap();
        assert_eq!(values.first, [1, 2, 0]);
        assert!(values.multi.is_empty());
        assert_eq!(facets.counts(audience, &all, false), [(10, 1), (20, 1)]);
        assert_eq!(facets.values(audience).unwrap().pairs, 2);
        let some: Vec<u32> = facets.any_of(audience, &[10, 20, 99]).iter().collect();
        assert_eq!(some, [0, 1]);
        assert!(facets.counts(FacetId(9), &all, false).is_empty());
    }

    #[test]
    fn bulk_build_equals_inserts() {
        let refs = |pairs: &[(u16, u32)]| -> Vec<FacetRef> {
            pairs
                .iter()
                .map(|&(facet, value)| FacetRef {
                    facet: FacetId(facet),
                    value,
                    dense: 0,
                })
                .collect()
        };
        let mut docs = [refs(&[(1, 5), (2, 1)]), refs(&[]), refs(&[(1, 5), (1, 7)])];
        let mut slices: Vec<&mut [FacetRef]> = docs.iter_mut().map(Vec::as_mut_slice).collect();
        let built = Facets::build(&mut slices);
        assert_eq!(docs[2][1].dense, 1, "dense numbers are filled in");
        let some: RoaringBitmap = [0, 2].into_iter().collect();
        assert_eq!(built.counts(FacetId(1), &some, false), [(5, 2), (7, 1)]);
        assert_eq!(built.counts(FacetId(2), &some, false), [(1, 1)]);
        assert_eq!(built.values(FacetId(1)).unwrap().pairs, 3);
        let values = built.values(FacetId(1)).unwrap();
        assert_eq!(values.first, [1, 0, 1]);
        assert_eq!(values.multi.iter().collect::<Vec<_>>(), [2]);
        assert_eq!(built.dense_counts(FacetId(1), &[4, 0]), [(5, 4)]);
        assert_eq!(built.dense_counts(FacetId(1), &[4, 2, 9]), [(5, 4), (7, 2)]);
        let mut many = Facets::default();
        for value in (0..20).rev() {
            many.insert(value, FacetId(1), value);
        }
        // Dense numbers run backwards here: 19 → 0, …, 0 → 19.
        let sparse: Vec<u32> = (0..20).map(|dense| u32::from(dense == 2)).collect();
        assert_eq!(many.dense_counts(FacetId(1), &sparse), [(17, 1)]);
        let dense: Vec<u32> = (1..=20).collect();
        let expected: Vec<(u32, u32)> = (0..20).map(|value| (value, 20 - value)).collect();
        assert_eq!(many.dense_counts(FacetId(1), &dense), expected);
    }
}
