//! Id tables for loading: maps with a fast hash (rustc's Fx hash, from
//! `rustc-hash`) and an interner that gives each distinct id a number in first-seen order.
//!
//! Large inputs are mostly affinity records, two ids each; interning them
//! while parsing keeps one copy of each id instead of two strings per
//! record. The maps are used for lookups only and never iterated, so no
//! output depends on hash order.

/// A hash map with rustc's Fx hashing (lookups only, never iterated, so
/// no output depends on hash order). `rustc-hash` 2 mixes the state in
/// `finish`, so ids that differ only in their last characters (`E000123`,
/// `E000124`) still spread over a table's low bits.
pub(crate) type FxMap<K, V> = rustc_hash::FxHashMap<K, V>;

use panels_core::model::ShortId;

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
        use std::hash::BuildHasher;
        let build = rustc_hash::FxBuildHasher;
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
