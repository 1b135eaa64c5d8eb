//! Typo tolerance: deletion neighbourhoods (SymSpell) and a bounded edit distance.
//!
//! Every term of 5 chars or more is stored under the hashes of the strings left after deleting
//! up to one char (5–8 chars) or up to two chars (9 chars or more). A query word generates its
//! own deletions up to its allowed distance and looks them up; two words within edit distance
//! `d` always share a string reachable by at most `d` deletions from each, so no neighbour is
//! missed. Hash collisions and near misses are then removed by computing the real distance.

use std::collections::HashMap;

use crate::terms::TermId;

/// Words longer than this many chars get no typo tolerance (the neighbourhood of a word grows
/// with the square of its length).
pub(crate) const MAX_TYPO_CHARS: usize = 24;

/// The edit distance allowed for a folded word of `chars` chars: none below 5, one for 5–8, two
/// for 9 up to [`MAX_TYPO_CHARS`], none above.
pub(crate) fn max_distance(chars: usize) -> u8 {
    match chars {
        5..=8 => 1,
        9..=MAX_TYPO_CHARS => 2,
        _ => 0,
    }
}

/// Deletion hash → term ids. Built in bulk as one sorted vector; terms added after the build go
/// to a small hash map beside it.
#[derive(Debug, Clone, Default)]
pub(crate) struct TypoIndex {
    base: Vec<(u32, TermId)>,
    overlay: HashMap<u32, Vec<TermId>>,
}

impl TypoIndex {
    /// The index over the given terms (the bulk path).
    pub(crate) fn build(terms: &[(TermId, Box<str>)]) -> Self {
        let mut entries = Vec::new();
        for (id, text) in terms {
            neighbourhood(*id, text, &mut entries);
        }
        entries.sort_unstable();
        entries.dedup();
        entries.shrink_to_fit();
        Self {
            base: entries,
            overlay: HashMap::new(),
        }
    }

    /// Adds one term after the bulk build.
    pub(crate) fn add(&mut self, id: TermId, text: &str) {
        let mut entries = Vec::new();
        neighbourhood(id, text, &mut entries);
        for (hash, id) in entries {
            self.overlay.entry(hash).or_default().push(id);
        }
    }

    /// Pushes the ids of terms that may lie within `max` edits of `query` (sorted, deduplicated;
    /// still to be checked with [`within`]).
    pub(crate) fn candidates(&self, query: &[char], max: u8, out: &mut Vec<TermId>) {
        let mut hashes = Vec::new();
        deletion_hashes(query, max, &mut hashes);
        for hash in hashes {
            let start = self.base.partition_point(|&(h, _)| h < hash);
            out.extend(
                self.base
                    .iter()
                    .skip(start)
                    .take_while(|&&(h, _)| h == hash)
                    .map(|&(_, id)| id),
            );
            if let Some(ids) = self.overlay.get(&hash) {
                out.extend_from_slice(ids);
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Pushes the `(hash, id)` entries of one term's deletion neighbourhood.
fn neighbourhood(id: TermId, text: &str, entries: &mut Vec<(u32, TermId)>) {
    let chars: Vec<char> = text.chars().collect();
    let depth = max_distance(chars.len());
    if depth == 0 {
        return;
    }
    let mut hashes = Vec::new();
    deletion_hashes(&chars, depth, &mut hashes);
    hashes.sort_unstable();
    hashes.dedup();
    entries.extend(hashes.into_iter().map(|hash| (hash, id)));
}

/// Hashes of `chars` with no char, one char and (for depth 2) two chars deleted.
///
/// The hash is polynomial (`Σ f(cₖ)·Bⁿ⁻¹⁻ᵏ` mod 2⁶⁴, then mixed), so the hash of a string with
/// one or two chars deleted is a few multiplications from prefix and suffix hashes, O(1) per
/// deletion instead of O(length).
#[expect(
    clippy::indexing_slicing,
    reason = "prefix, suffix and power tables have chars.len() + 1 entries; indices stay within 0..=chars.len()"
)]
fn deletion_hashes(chars: &[char], depth: u8, out: &mut Vec<u32>) {
    const BASE: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = chars.len();
    let code = |c: char| u64::from(c) + 1;
    let mut power = vec![1_u64; n + 1];
    let mut prefix = vec![0_u64; n + 1];
    let mut suffix = vec![0_u64; n + 1];
    for k in 0..n {
        power[k + 1] = power[k].wrapping_mul(BASE);
        prefix[k + 1] = prefix[k].wrapping_mul(BASE).wrapping_add(code(chars[k]));
    }
    for k in (0..n).rev() {
        suffix[k] = code(chars[k])
            .wrapping_mul(power[n - 1 - k])
            .wrapping_add(suffix[k + 1]);
    }
    // Hash of chars[a..b] on its own.
    let middle = |a: usize, b: usize| prefix[b].wrapping_sub(prefix[a].wrapping_mul(power[b - a]));

    out.push(finish(prefix[n]));
    if depth == 0 {
        return;
    }
    for first in 0..n {
        out.push(finish(
            prefix[first]
                .wrapping_mul(power[n - 1 - first])
                .wrapping_add(suffix[first + 1]),
        ));
        if depth >= 2 {
            for second in first + 1..n {
                let hash = prefix[first]
                    .wrapping_mul(power[n - 2 - first])
                    .wrapping_add(middle(first + 1, second).wrapping_mul(power[n - 1 - second]))
                    .wrapping_add(suffix[second + 1]);
                out.push(finish(hash));
            }
        }
    }
}

/// Mixes a polynomial hash (murmur3's finaliser) and keeps 32 bits.
fn finish(hash: u64) -> u32 {
    let mut mixed = hash ^ (hash >> 33);
    mixed = mixed.wrapping_mul(0xff51_afd7_ed55_8ccd);
    mixed ^= mixed >> 33;
    mixed = mixed.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    (mixed >> 32) as u32
}

/// Rows reused by [`within`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    before: Vec<usize>,
    previous: Vec<usize>,
    current: Vec<usize>,
}

/// Whether the optimal-string-alignment distance (insertions, deletions, substitutions and
/// swaps of neighbours) between `a` and `b` is at most `max`.
#[expect(
    clippy::indexing_slicing,
    reason = "the dynamic programme indexes rows of length b.len() + 1 with i <= a.len(), j <= b.len()"
)]
pub(crate) fn within(a: &[char], b: &[char], max: u8, scratch: &mut Scratch) -> bool {
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let width = b.len() + 1;
    let Scratch {
        before,
        previous,
        current,
    } = scratch;
    for row in [&mut *before, &mut *previous, &mut *current] {
        row.clear();
        row.resize(width, 0);
    }
    for (j, cell) in previous.iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = i;
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value;
            row_min = row_min.min(value);
        }
        // A later row is never below the minimum of this one (a swap reads two rows back, but
        // that cell bounds the diagonal cell one row back), so we can stop early.
        if row_min > max {
            return false;
        }
        std::mem::swap(before, previous);
        std::mem::swap(previous, current);
    }
    previous[b.len()] <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance_within(a: &str, b: &str, max: u8) -> bool {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        within(&a, &b, max, &mut Scratch::default())
    }

    #[test]
    fn allowed_distance_grows_with_length() {
        let table = [(0, 0), (4, 0), (5, 1), (8, 1), (9, 2), (24, 2), (25, 0)];
        for (chars, max) in table {
            assert_eq!(max_distance(chars), max, "{chars} chars");
        }
    }

    #[test]
    fn edit_distance_table() {
        // (a, b, distance written by hand)
        let table = [
            ("schwimmen", "schwimmen", 0),
            ("schwimen", "schwimmen", 1),
            ("gymnastk", "gymnastik", 1),
            ("gymnsatik", "gymnastik", 1), // swap
            ("fysiotherapie", "physiotherapie", 2),
            ("kinderbetrung", "kinderbetreuung", 2),
            ("yoga", "yogi", 1),
            ("", "abc", 3),
            ("abc", "", 3),
            ("tanz", "chor", 4),
        ];
        for (a, b, distance) in table {
            assert!(distance_within(a, b, distance), "{a}/{b} within {distance}");
            if distance > 0 {
                assert!(
                    !distance_within(a, b, distance - 1),
                    "{a}/{b} not within {}",
                    distance - 1
                );
            }
            assert!(distance_within(b, a, distance), "{b}/{a} within {distance}");
        }
    }

    #[test]
    fn deletions_hash_like_the_strings_they_leave() {
        let word: Vec<char> = "straße".chars().collect();
        let mut hashes = Vec::new();
        deletion_hashes(&word, 2, &mut hashes);
        let whole = |text: &str| {
            let mut one = Vec::new();
            deletion_hashes(&text.chars().collect::<Vec<_>>(), 0, &mut one);
            one[0]
        };
        // Order: the word, then for each first deletion, it alone and with each later one.
        assert_eq!(hashes[0], whole("straße"));
        assert_eq!(hashes[1], whole("traße"));
        assert_eq!(hashes[2], whole("raße"));
        assert_eq!(hashes[3], whole("taße"));
        assert_eq!(hashes[6], whole("traß"));
        assert_eq!(hashes[7], whole("sraße"));
        assert_eq!(hashes[8], whole("saße"));
        assert_eq!(hashes[hashes.len() - 2], whole("stra"));
        assert_eq!(hashes.last(), Some(&whole("straß")));
        assert_eq!(hashes.len(), 1 + 6 + 15);
        assert_ne!(whole("ab"), whole("ba"));
    }

    #[test]
    fn neighbours_within_the_distance_share_a_deletion() {
        let index = TypoIndex::build(&[(7, "kinderbetreuung".into()), (8, "schwimmen".into())]);
        let lookup = |query: &str, max: u8| {
            let chars: Vec<char> = query.chars().collect();
            let mut out = Vec::new();
            index.candidates(&chars, max, &mut out);
            out
        };
        assert_eq!(lookup("kinderbetrung", 2), [7]);
        assert_eq!(lookup("kinderbetreuugn", 2), [7]);
        assert_eq!(lookup("schwimen", 1), [8]);
        assert_eq!(lookup("schwinnen", 1), Vec::<TermId>::new());
        assert_eq!(lookup("schwinnen", 2), [8]);
    }
}
