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
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map with [`Fx`] hashing (lookups only, never iterated).
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Distinct ids numbered in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct IdTable {
    index: FxMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// The number given last: records usually repeat an id (an affinity
    /// list grouped by application) or take the next one (its experts in
    /// order), and a comparison or two beats a lookup.
    last: u32,
}

impl IdTable {
    /// The number of `id`, giving it the next one if it is new.
    pub(crate) fn intern(&mut self, id: &str) -> u32 {
        if self
            .names
            .get(self.last as usize)
            .is_some_and(|n| **n == *id)
        {
            return self.last;
        }
        let k = match self.index.get(id) {
            Some(&k) => k,
            None => {
                let k = self.names.len() as u32;
                self.names.push(id.into());
                self.index.insert(id.into(), k);
                k
            }
        };
        self.last = k;
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

    #[test]
    fn ids_are_numbered_in_first_seen_order() {
        let mut t = IdTable::default();
        let got: Vec<u32> = ["b", "a", "b", "b", "c", "a"]
            .iter()
            .map(|s| t.intern(s))
            .collect();
        assert_eq!(got, vec![0, 1, 0, 0, 2, 1]);
        assert_eq!(t.names().collect::<Vec<_>>(), vec!["b", "a", "c"]);
        assert_eq!(t.name(2), "c");
    }
}
