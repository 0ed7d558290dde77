//! Properties of `generate`: determinism, sizes, referential sanity, the
//! capacity margin, feasibility on the presets, and the realism it promises
//! (city skew, big universities, senior share, loads, fields and scores).
//!
//! Timing at NSFC scale is not a test: see `examples/gen_timing.rs`.

#[path = "generate_util.rs"]
mod util;

use std::collections::{BTreeMap, BTreeSet};

use panels::generate::{capacity, generate, preset, GenConfig, PRESETS};
use panels::model::{ConflictWith, ExpertIx, Instance, PersonIx};
use panels::score::computed_score;
use proptest::prelude::*;

/// Every reference points at something that exists, every id is unique,
/// loads are consistent. Returns the problems found.
fn sanity(inst: &Instance) -> Vec<String> {
    let mut bad = Vec::new();
    let ne = inst.experts.len();
    let np = inst.persons.len();
    let ids: BTreeSet<&str> = inst.experts.iter().map(|e| e.id.as_str()).collect();
    if ids.len() != ne {
        bad.push("duplicate expert id".into());
    }
    let aids: BTreeSet<&str> = inst.applications.iter().map(|a| a.id.as_str()).collect();
    if aids.len() != inst.applications.len() {
        bad.push("duplicate application id".into());
    }
    if aids.iter().any(|a| ids.contains(a)) {
        bad.push("an application id is also an expert id".into());
    }
    let pids: BTreeSet<&str> = inst.persons.names().iter().map(String::as_str).collect();
    if pids.len() != np {
        bad.push("duplicate person id".into());
    }
    for (i, e) in inst.experts.iter().enumerate() {
        if inst.persons.names().get(i).map(String::as_str) != Some(e.id.as_str()) {
            bad.push(format!("person {i} is not expert {}", e.id));
        }
        if e.city.ix() >= inst.cities.len() || e.institution.ix() >= inst.institutions.len() {
            bad.push(format!("{}: bad city/institution index", e.id));
        }
        let ex = ExpertIx(i as u32);
        if inst.min_load(ex) > inst.max_load(ex) {
            bad.push(format!("{}: min_load > max_load", e.id));
        }
        if e.fields.is_empty() || e.fields.len() > 3 {
            bad.push(format!("{}: {} fields", e.id, e.fields.len()));
        }
    }
    for a in &inst.applications {
        if a.city.ix() >= inst.cities.len() || a.institution.ix() >= inst.institutions.len() {
            bad.push(format!("{}: bad city/institution index", a.id));
        }
        if a.team.iter().any(|p| p.ix() >= np) {
            bad.push(format!("{}: team member out of range", a.id));
        }
        if a.team.iter().collect::<BTreeSet<_>>().len() != a.team.len() {
            bad.push(format!("{}: repeated team member", a.id));
        }
        if a.avoid.iter().any(|e| e.ix() >= ne) || a.avoid.len() > 3 {
            bad.push(format!("{}: bad avoid list", a.id));
        }
        if a.fields.is_empty() || a.fields.len() > 2 {
            bad.push(format!("{}: {} fields", a.id, a.fields.len()));
        }
    }
    for c in &inst.conflicts {
        let ok = c.expert.ix() < ne
            && match c.with {
                ConflictWith::Application(a) => a.ix() < inst.applications.len(),
                ConflictWith::Person(p) => p.ix() < np,
            };
        if !ok {
            bad.push(format!("bad conflict {c:?}"));
        }
    }
    let mut links = BTreeSet::new();
    for c in &inst.coauthorships {
        if c.a.ix() >= np || c.b.ix() >= np || c.a == c.b {
            bad.push(format!("bad co-authorship {c:?}"));
        }
        if !links.insert((c.a.min(c.b), c.a.max(c.b))) {
            bad.push(format!("repeated co-authorship {c:?}"));
        }
        if let (Some(y), Some(round)) = (c.year, inst.policy.year) {
            if y >= round || y < round - 8 {
                bad.push(format!("co-authorship year {y}"));
            }
        }
    }
    // Every non-expert person appears on a team (they are interned from teams).
    let on_team: BTreeSet<PersonIx> = inst
        .applications
        .iter()
        .flat_map(|a| a.team.iter().copied())
        .collect();
    if (ne..np).any(|p| !on_team.contains(&PersonIx(p as u32))) {
        bad.push("a person on no team".into());
    }
    if let Some(aff) = &inst.affinity {
        // Dense lists every pair; sparse (`min_affinity` set) lists fewer.
        if inst.policy.min_affinity.is_none() && aff.len() != ne * inst.applications.len() {
            bad.push("dense affinity does not list every pair".into());
        }
        if aff.iter().any(|x| !(0..=1_000_000).contains(&x.score.0)) {
            bad.push("affinity outside [0, 1]".into());
        }
    }
    bad
}

fn arb_config() -> impl Strategy<Value = GenConfig> {
    (
        any::<u64>(),
        0usize..50,
        0usize..90,
        1u32..6,
        proptest::collection::vec(0.01f64..1.0, 1..5),
        any::<bool>(),
        0u32..3,
        1u32..8,
        0.0f64..0.05,
    )
        .prop_map(
            |(seed, apps, experts, k, weights, dense, min_out, max_load, conflicts)| GenConfig {
                applications: apps,
                experts,
                seed,
                panel_size: k,
                cities: weights
                    .iter()
                    .enumerate()
                    .map(|(i, &w)| (format!("城市{i}"), w))
                    .collect(),
                min_outside: min_out,
                min_outside_share: 0.0,
                max_per_city: None,
                max_per_institution: None,
                max_load,
                conflict_rate: conflicts,
                dense_affinity: dense,
                ..GenConfig::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn same_config_same_instance(cfg in arb_config()) {
        let a = generate(&cfg);
        let b = generate(&cfg);
        prop_assert!(a == b);
    }

    #[test]
    fn sizes_and_references_are_sound(cfg in arb_config()) {
        let inst = generate(&cfg);
        prop_assert_eq!(inst.applications.len(), cfg.applications);
        prop_assert_eq!(inst.experts.len(), cfg.experts);
        prop_assert_eq!(inst.affinity.is_some(), cfg.dense_affinity);
        prop_assert_eq!(inst.policy.panel_size, cfg.panel_size);
        prop_assert!(inst.policy.max_load >= cfg.max_load);
        for a in &inst.applications {
            prop_assert!((1..=4).contains(&a.team.len()));
        }
        let bad = sanity(&inst);
        prop_assert!(bad.is_empty(), "{:?}", bad);
    }

    #[test]
    fn capacity_margin_holds(cfg in arb_config()) {
        let inst = generate(&cfg);
        let cap = capacity(&inst);
        if cap.supply > 0 {
            prop_assert!(cap.margin() >= 1.5, "margin {}", cap.margin());
            prop_assert!(cap.min_load_total * 4 <= cap.demand);
            for c in &cap.cities {
                if c.outside_demand > 0 && c.outside_supply > 0 {
                    prop_assert!(
                        c.outside_supply as f64 >= 1.5 * c.outside_demand as f64,
                        "{:?}", c
                    );
                }
            }
        }
    }
}

#[test]
fn different_seeds_differ() {
    let base = preset("tiny").unwrap();
    for s in 0..8u64 {
        assert!(generate(&base.clone().seed(s)) != generate(&base.clone().seed(s + 1)));
    }
}

#[test]
fn presets_have_the_asked_shape() {
    for name in PRESETS {
        assert!(preset(name).is_some(), "{name}");
    }
    assert!(preset("no-such").is_none());
    let d = preset("dense-1000").unwrap();
    assert_eq!((d.applications, d.experts, d.panel_size), (1000, 1500, 3));
    assert_eq!(
        (d.min_outside, d.cities.len(), d.conflict_rate),
        (1, 5, 0.01)
    );
    assert!(d.dense_affinity);
    let d = preset("dense-300").unwrap();
    assert_eq!((d.applications, d.experts), (300, 450));
    let d = preset("dense-3000").unwrap();
    assert_eq!((d.applications, d.experts), (3000, 4500));
    let y = preset("yangtze").unwrap();
    assert_eq!((y.applications, y.experts, y.panel_size), (300, 1500, 5));
    assert_eq!((y.max_per_city, y.max_per_institution), (Some(3), Some(2)));
    assert_eq!(y.cities.len(), 8);
    let n = preset("nsfc").unwrap();
    assert_eq!((n.applications, n.experts), (300_000, 80_000));
    assert!(!n.dense_affinity);
    let c = preset("nsfc-yangtze").unwrap();
    assert_eq!(
        (c.applications, c.experts, c.panel_size),
        (300_000, 80_000, 5)
    );
    assert_eq!((c.max_per_city, c.max_per_institution), (Some(3), Some(2)));
    assert_eq!((c.min_outside_share, c.min_outside), (0.4, 0));
    assert_eq!(c.cities, n.cities);
    assert!(!c.dense_affinity && c.sparse_affinity == 0);
}

#[test]
fn dense_preset_is_dense_with_about_one_percent_conflicts() {
    let inst = generate(&preset("dense-300").unwrap());
    assert!(sanity(&inst).is_empty(), "{:?}", sanity(&inst));
    let pairs = 300 * 450;
    assert_eq!(inst.affinity.as_ref().unwrap().len(), pairs);
    let share = inst.conflicts.len() as f64 / pairs as f64;
    assert!((0.008..0.012).contains(&share), "conflict share {share}");
}

#[test]
fn presets_are_feasible() {
    for name in ["tiny", "guanggu", "dense-300"] {
        for seed in 0..3 {
            let inst = generate(&preset(name).unwrap().seed(seed));
            let panels = util::greedy(&inst)
                .unwrap_or_else(|| panic!("{name} seed {seed}: greedy found no assignment"));
            assert_eq!(util::violations(&inst, &panels), Vec::<String>::new());
        }
    }
}

#[test]
fn short_capacity_raises_loads() {
    // 200 applications × 5 reviews from 40 experts at 6 each cannot work;
    // the generator raises max_load to keep its margin.
    let cfg = GenConfig::sized(200, 40).seed(3);
    let inst = generate(&cfg);
    assert!(inst.policy.max_load > 6);
    assert!(capacity(&inst).margin() >= 1.5);
    assert!(sanity(&inst).is_empty());
}

fn count_by<'a>(names: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut m = BTreeMap::new();
    for n in names {
        *m.entry(n).or_insert(0) += 1;
    }
    m
}

#[test]
fn city_sizes_are_skewed_and_universities_dominate() {
    let inst = generate(&GenConfig::default().seed(11));
    let by_city = count_by(inst.expert_ixs().map(|e| inst.expert_city(e)));
    // Weights 1.0 vs 0.05: 武汉 is about twenty times 黄石.
    let (wuhan, huangshi) = (by_city["武汉"], by_city["黄石"]);
    assert!(wuhan >= 10 * huangshi && huangshi > 0, "{by_city:?}");
    assert!(by_city["长沙"] > by_city["岳阳"] * 4);
    // Inside 武汉: the biggest unit is a known university holding ≥ 10%.
    let wuhan_units = count_by(
        inst.expert_ixs()
            .filter(|&e| inst.expert_city(e) == "武汉")
            .map(|e| inst.expert_institution(e)),
    );
    let (top, n) = wuhan_units.iter().max_by_key(|(_, &n)| n).unwrap();
    assert!(top.ends_with("大学"), "{top}");
    assert!(*n * 10 >= wuhan, "{top}: {n} of {wuhan}");
    assert!(
        wuhan_units.keys().any(|u| u.starts_with("武汉第")),
        "small generated units"
    );
    assert!(wuhan_units.len() >= 15, "many units: {}", wuhan_units.len());
}

#[test]
fn titles_loads_and_availability_are_heterogeneous() {
    let inst = generate(&GenConfig::sized(300, 2000).seed(5));
    let senior = ["professor", "研究员", "主任医师", "正高级工程师"];
    let n = inst.experts.len() as f64;
    let s = inst
        .experts
        .iter()
        .filter(|e| e.title.as_deref().is_some_and(|t| senior.contains(&t)))
        .count() as f64;
    assert!((0.33..0.47).contains(&(s / n)), "senior share {}", s / n);
    let loads = count_by(inst.experts.iter().map(|e| match e.max_load {
        None => "policy",
        Some(3) => "3",
        Some(10) => "10",
        Some(_) => "other",
    }));
    assert!(
        loads["policy"] > loads["3"] && loads["3"] > 0 && loads["10"] > 0,
        "{loads:?}"
    );
    assert!(!loads.contains_key("other"));
    let floors = inst
        .experts
        .iter()
        .filter(|e| e.min_load == Some(1))
        .count();
    assert!(floors > 0 && floors < inst.experts.len() / 20);
    let away = inst.experts.iter().filter(|e| !e.available).count() as f64 / n;
    assert!((0.01..0.06).contains(&away), "unavailable share {away}");
    let avoids = inst
        .applications
        .iter()
        .filter(|a| !a.avoid.is_empty())
        .count();
    assert!(avoids > 30 && avoids < 200, "{avoids} avoid lists");
    let team_experts = inst
        .applications
        .iter()
        .filter(|a| a.team.iter().any(|p| p.ix() < inst.experts.len()))
        .count();
    assert!(team_experts > 0, "some teams include an expert");
}

#[test]
fn fields_are_nsfc_codes_and_scores_separate_matches() {
    let inst = generate(&GenConfig::default().seed(9));
    let code = |f: &str| {
        f.len() == 5
            && f.starts_with("F0")
            && (b'1'..=b'7').contains(&f.as_bytes()[2])
            && f[3..].parse::<u32>().is_ok_and(|n| (1..=6).contains(&n))
    };
    for f in inst
        .experts
        .iter()
        .flat_map(|e| &e.fields)
        .chain(inst.applications.iter().flat_map(|a| &a.fields))
    {
        assert!(code(f), "{f}");
    }
    // Nearly every application has 2k fair matches (≥ 0.5: its field or its
    // discipline plus keywords), most have 2k strong ones (≥ 0.7).
    let k2 = 2 * inst.policy.panel_size as usize;
    let with_matches = |min: i64| {
        inst.applications
            .iter()
            .filter(|a| {
                inst.experts
                    .iter()
                    .filter(|e| computed_score(a, e).0 >= min)
                    .count()
                    >= k2
            })
            .count()
    };
    let n = inst.applications.len();
    assert!(with_matches(500_000) * 100 >= n * 95);
    assert!(with_matches(700_000) * 100 >= n * 75);
    let mut zero = 0u64;
    let mut total = 0u64;
    for a in &inst.applications {
        for e in &inst.experts {
            total += 1;
            zero += u64::from(computed_score(a, e).0 == 0);
        }
    }
    let zero_share = zero as f64 / total as f64;
    assert!(
        (0.5..0.95).contains(&zero_share),
        "zero-score share {zero_share}"
    );
}

/// `sparse_affinity`: N distinct listed experts per application, half of
/// them sharing a field where the pool allows, `min_affinity` set so
/// unlisted pairs are out, deterministic; the solver then keeps to the
/// listed pairs at or above `min_affinity`.
#[test]
fn sparse_affinity_lists_n_experts_per_application() {
    let mut cfg = GenConfig::sized(60, 200).seed(5).panel_size(3);
    cfg.sparse_affinity = 20;
    let inst = generate(&cfg);
    assert_eq!(inst, generate(&cfg));
    assert!(sanity(&inst).is_empty(), "{:?}", sanity(&inst));
    assert_eq!(
        inst.policy.min_affinity,
        Some(panels::generate::SPARSE_MIN_AFFINITY)
    );
    let list = inst.affinity.as_ref().expect("an affinity list");
    let mut per_app: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for a in list {
        assert!(
            per_app
                .entry(a.application.0)
                .or_default()
                .insert(a.expert.0),
            "a pair listed twice"
        );
    }
    assert_eq!(per_app.len(), 60);
    let mut sharing = 0usize;
    for (&a, experts) in &per_app {
        assert_eq!(experts.len(), 20);
        let app = &inst.applications[a as usize];
        sharing += experts
            .iter()
            .filter(|&&e| {
                let ex = &inst.experts[e as usize];
                ex.fields.iter().any(|f| app.fields.contains(f))
            })
            .count();
    }
    // About half share a field by construction; random ones rarely do.
    assert!(
        sharing * 10 >= 60 * 20 * 4,
        "only {sharing} listed pairs share a field"
    );
    // Eligible pairs are listed pairs only.
    let elig = panels::eligibility::Eligibility::compute(&inst);
    let pairs = elig.pairs(&inst);
    for a in inst.app_ixs() {
        for e in pairs.experts_of(a) {
            assert!(per_app[&a.0].contains(&e.0), "an unlisted pair is eligible");
        }
    }
}
