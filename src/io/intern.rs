//! Id tables for loading: a fast hash (the Fx hash of rustc) and an
//! interner that gives each distinct id a number in first-seen order.
//!
//! Large inputs are mostly affinity records, two ids each; interning them
//! while parsing keeps one copy of each id instead of two strings per
//! record. The maps are used for lookups only and never iterated, so no
//! output depends on hash order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast, non-cryptographic hasher for id maps: the inputs are local
/// files, and lookups dominate large loads.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    /// The state mixed so every bit depends on every input bit (the
    /// MurmurHash3 finaliser): the multiply-rotate steps leave the low bits
    /// (the ones a hash table indexes by) depending only on the first bytes
    /// of a word, which ids like `E000123` share.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A hash map with [`Fx`] hashing (lookups only, never iterated).
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Distinct ids numbered in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct IdTable {
    /// Ids of up to [`ShortId::MAX`] bytes (nearly all), kept inside the
    /// table: a lookup touches one bucket, not also a string elsewhere.
    short: FxMap<ShortId, u32>,
    long: FxMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// The id given last and its number: records usually repeat an id (an
    /// affinity list grouped by application), and comparing with a copy
    /// at hand costs no cache miss, where a table lookup costs one or two.
    last: String,
    last_k: u32,
}

/// A short id stored inline (zero-padded; equal ids have equal bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ShortId {
    len: u8,
    bytes: [u8; ShortId::MAX],
}

/// Hashes the id's bytes only, not the padding.
impl std::hash::Hash for ShortId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(&self.bytes[..usize::from(self.len)]);
    }
}

impl ShortId {
    const MAX: usize = 23;

    fn new(id: &str) -> Option<ShortId> {
        let b = id.as_bytes();
        (b.len() <= ShortId::MAX).then(|| {
            let mut bytes = [0u8; ShortId::MAX];
            bytes[..b.len()].copy_from_slice(b);
            ShortId {
                len: b.len() as u8,
                bytes,
            }
        })
    }
}

impl IdTable {
    /// The number of `id`, giving it the next one if it is new.
    pub(crate) fn intern(&mut self, id: &str) -> u32 {
        if !self.names.is_empty() && self.last == id {
            return self.last_k;
        }
        let next = self.names.len() as u32;
        let k = match ShortId::new(id) {
            Some(short) => *self.short.entry(short).or_insert(next),
            None => match self.long.get(id) {
                Some(&k) => k,
                None => {
                    self.long.insert(id.into(), next);
                    next
                }
            },
        };
        if k == next {
            self.names.push(id.into());
        }
        self.last.clear();
        self.last.push_str(id);
        self.last_k = k;
        k
    }

    /// The id numbered `k`.
    pub(crate) fn name(&self, k: u32) -> &str {
        &self.names[k as usize]
    }

    /// The ids in number order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }
}

#[cfg(test)]
mod tests {
    use super::IdTable;

    /// Ids that differ only in their last characters must spread over a
    /// table's low bits (a weak hash here made large loads quadratic).
    #[test]
    fn similar_ids_spread_over_the_low_bits() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let build = BuildHasherDefault::<super::Fx>::default();
        let buckets: std::collections::BTreeSet<u64> = (0..4096)
            .map(|i| build.hash_one(format!("E{i:06}").as_str()) & 4095)
            .collect();
        // 4096 keys into 4096 buckets at random fill about 63% of them.
        assert!(buckets.len() > 2400, "only {} buckets used", buckets.len());
    }

    #[test]
    fn ids_are_numbered_in_first_seen_order() {
        let mut t = IdTable::default();
        let long = "an id longer than twenty-three bytes";
        let got: Vec<u32> = ["b", "a", "b", "b", long, "c", "a", long, "b"]
            .iter()
            .map(|s| t.intern(s))
            .collect();
        assert_eq!(got, vec![0, 1, 0, 0, 2, 3, 1, 2, 0]);
        assert_eq!(t.names().collect::<Vec<_>>(), vec!["b", "a", long, "c"]);
        assert_eq!(t.name(3), "c");
    }
}
