//! Times `generate` on a preset (default: `nsfc`, 300,000 applications ×
//! 80,000 experts) and prints the shape of the result.
//!
//! ```text
//! cargo run --release --example gen_timing [PRESET] [SEED]
//! ```
use std::collections::BTreeMap;
use std::time::Instant;

use panels::generate::{capacity, generate, preset, PRESETS};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "nsfc".to_string());
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let Some(cfg) = preset(&name) else {
        eprintln!("unknown preset {name:?}; known: {}", PRESETS.join(", "));
        std::process::exit(2);
    };
    let t = Instant::now();
    let inst = generate(&cfg.seed(seed));
    let took = t.elapsed();
    let cap = capacity(&inst);
    println!(
        "{name} seed {seed}: {} applications, {} experts, {} persons, {} institutions, {} conflicts, {} co-authorships, {} affinities in {:.2?}",
        inst.applications.len(),
        inst.experts.len(),
        inst.persons.len(),
        inst.institutions.len(),
        inst.conflicts.len(),
        inst.coauthorships.len(),
        inst.affinity.as_ref().map_or(0, Vec::len),
        took
    );
    println!(
        "policy max_load {}; demand {}, supply {} (margin {:.2}), min outside margin {:.2}",
        inst.policy.max_load,
        cap.demand,
        cap.supply,
        cap.margin(),
        cap.outside_margin()
    );
    let mut per_city: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in &cap.cities {
        per_city.insert(inst.cities.name(c.city.0), (c.experts, c.applications));
    }
    let mut rows: Vec<_> = per_city.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    for (city, (e, a)) in rows.iter().take(8) {
        println!("  {city}: {e} available experts, {a} applications");
    }
}
