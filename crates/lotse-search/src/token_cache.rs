//! The build-time cache from a lowercased token to its analysed terms.
//!
//! Most tokens repeat across documents, and folding and stemming cost more than a lookup. The
//! cache is read once per token of every document, so its layout matters: the map is keyed by
//! a 64-bit hash and holds the key itself (short keys inline, long ones in one shared string)
//! and the result, so a lookup touches one entry instead of chasing a boxed key (which made
//! every lookup a cache miss). The rare key whose hash collides with an earlier key's goes to
//! an ordinary map beside it. Lookups always compare the key itself.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::terms::TermId;

/// What a token resolves to: its exact term and stem term, or `None` for a stop word.
pub(crate) type Resolved = Option<(TermId, Option<TermId>)>;

/// Passes a `u64` that is already a good hash through unchanged.
#[derive(Default, Clone, Copy)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash(bytes);
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// A fast 64-bit hash (FxHash steps over 8-byte words, then a murmur3 finaliser). Not meant to
/// resist crafted collisions, which only cost time here (they go to the overflow map).
fn hash(bytes: &[u8]) -> u64 {
    let mut state: u64 = bytes.len() as u64;
    let mut step = |word: u64| state = (state.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0_u8; 8];
        word.copy_from_slice(chunk);
        step(u64::from_le_bytes(word));
    }
    let mut last = [0_u8; 8];
    for (cell, &byte) in last.iter_mut().zip(chunks.remainder()) {
        *cell = byte;
    }
    step(u64::from_le_bytes(last));
    let mut mixed = state;
    mixed ^= mixed >> 33;
    mixed = mixed.wrapping_mul(0xff51_afd7_ed55_8ccd);
    mixed ^= mixed >> 33;
    mixed = mixed.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    mixed ^ (mixed >> 33)
}

/// Keys up to this many bytes are kept in the entry itself.
const INLINE: usize = 16;

/// A key (inline if short, else where it lies in `keys`) and its result packed into a `u64`
/// (low half: exact term + 1, 0 for a stop word; high half: stem term + 1, 0 for none), so one
/// probe of the map finds all.
#[derive(Debug, Clone, Copy)]
struct Entry {
    inline: [u8; INLINE],
    start: u32,
    end: u32,
    packed: u64,
}

impl Entry {
    fn key<'a>(&'a self, keys: &'a str) -> Option<&'a [u8]> {
        let len = (self.end - self.start) as usize;
        if len <= INLINE {
            self.inline.get(..len)
        } else {
            keys.as_bytes().get(self.start as usize..self.end as usize)
        }
    }
}

fn pack(resolved: Resolved) -> u64 {
    match resolved {
        None => 0,
        Some((exact, stem)) => {
            let stem = stem.map_or(0, |stem| u64::from(stem) + 1);
            (stem << 32) | (u64::from(exact) + 1)
        }
    }
}

fn unpack(packed: u64) -> Resolved {
    let exact = (packed & 0xffff_ffff) as u32;
    let stem = (packed >> 32) as u32;
    (exact > 0).then(|| (exact - 1, (stem > 0).then(|| stem - 1)))
}

/// Lowercased token → [`Resolved`].
#[derive(Default)]
pub(crate) struct TokenCache {
    by_hash: HashMap<u64, Entry, BuildHasherDefault<PassThrough>>,
    keys: String,
    overflow: HashMap<Box<str>, Resolved>,
}

impl TokenCache {
    /// The cached result for `token`; `None` if not cached.
    pub(crate) fn get(&self, token: &str) -> Option<Resolved> {
        self.get_hashed(token, hash(token.as_bytes()))
    }

    /// Caches the result for `token` (not yet cached).
    pub(crate) fn insert(&mut self, token: &str, resolved: Resolved) {
        self.insert_hashed(token, hash(token.as_bytes()), resolved);
    }

    fn get_hashed(&self, token: &str, hash: u64) -> Option<Resolved> {
        let entry = self.by_hash.get(&hash)?;
        if entry.key(&self.keys) == Some(token.as_bytes()) {
            Some(unpack(entry.packed))
        } else {
            self.overflow.get(token).copied()
        }
    }

    fn insert_hashed(&mut self, token: &str, hash: u64, resolved: Resolved) {
        let short = token.len() <= INLINE;
        let start = if short { 0 } else { self.keys.len() };
        let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(start + token.len())) else {
            return; // 4 GB of distinct tokens: stop caching
        };
        let mut inline = [0_u8; INLINE];
        if short {
            for (cell, &byte) in inline.iter_mut().zip(token.as_bytes()) {
                *cell = byte;
            }
        }
        match self.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.overflow.insert(token.into(), resolved);
            }
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(Entry {
                    inline,
                    start,
                    end,
                    packed: pack(resolved),
                });
                if !short {
                    self.keys.push_str(token);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_what_it_was_told() {
        let mut cache = TokenCache::default();
        assert_eq!(cache.get("yoga"), None);
        cache.insert("yoga", Some((1, Some(2))));
        cache.insert("und", None);
        cache.insert("a-much-longer-token-than-eight-bytes", Some((3, None)));
        assert_eq!(cache.get("yoga"), Some(Some((1, Some(2)))));
        assert_eq!(cache.get("und"), Some(None));
        assert_eq!(cache.get("a-much-longer-token-than-eight-bytes"), Some(Some((3, None))));
        assert_eq!(cache.get("yog"), None);
        assert_eq!(cache.get(""), None);
        for resolved in [None, Some((0, None)), Some((0, Some(0))), Some((u32::MAX - 1, Some(7)))] {
            assert_eq!(unpack(pack(resolved)), resolved);
        }
    }

    #[test]
    fn colliding_hashes_go_to_the_overflow() {
        let mut cache = TokenCache::default();
        cache.insert_hashed("yoga", 42, Some((1, None)));
        assert_eq!(
            cache.get_hashed("chor", 42),
            None,
            "the key is compared, not just the hash"
        );
        cache.insert_hashed("chor", 42, Some((2, None)));
        assert_eq!(cache.get_hashed("yoga", 42), Some(Some((1, None))));
        assert_eq!(cache.get_hashed("chor", 42), Some(Some((2, None))));
        assert_eq!(cache.overflow.len(), 1);
    }

    #[test]
    fn hash_spreads_similar_keys() {
        let hashes: std::collections::HashSet<u64> = (0..10_000).map(|i| hash(format!("wort{i}").as_bytes())).collect();
        assert_eq!(hashes.len(), 10_000);
        assert_ne!(hash(b"ab"), hash(b"ab\0"));
    }
}
