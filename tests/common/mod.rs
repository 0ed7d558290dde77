//! Shared test support: seeded random instances whose rules nest (each
//! institution sits in one city), so both the flow and the MIP apply.
#![allow(dead_code)]

use panels::model::{
    Affinity, AppIx, Application, CityIx, Coauthorship, Conflict, ConflictWith, Expert, ExpertIx,
    InstIx, Instance, Interner, PersonIx, Policy, Score,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Shape of a random instance.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Applications.
    pub apps: usize,
    /// Experts.
    pub experts: usize,
    /// Cities.
    pub cities: usize,
    /// Institutions per city.
    pub inst_per_city: usize,
    /// Largest panel size.
    pub max_k: u32,
}

/// Tiny shapes, for brute force.
pub const TINY: Shape = Shape {
    apps: 3,
    experts: 6,
    cities: 2,
    inst_per_city: 2,
    max_k: 2,
};
/// Small shapes, for the MIP.
pub const SMALL: Shape = Shape {
    apps: 8,
    experts: 14,
    cities: 3,
    inst_per_city: 2,
    max_k: 3,
};

/// A random instance: cities, institutions nested in cities, loads, panel
/// sizes, outside rules, caps, availability, avoid lists, declared
/// conflicts, co-authorships and (mostly) an affinity list.
pub fn random_instance(seed: u64, shape: Shape) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut cities = Interner::default();
    for c in 0..shape.cities {
        cities.intern(&format!("城{c}"));
    }
    let mut institutions = Interner::default();
    let n_inst = shape.cities * shape.inst_per_city;
    for i in 0..n_inst {
        institutions.intern(&format!("I{i}"));
    }
    let city_of_inst = |i: usize| CityIx((i % shape.cities) as u32);
    let mut persons = Interner::default();
    let policy = Policy {
        panel_size: rng.random_range(1..=shape.max_k),
        min_outside_share: if rng.random_bool(0.4) { 0.5 } else { 0.0 },
        min_outside: rng.random_range(0..=1),
        max_per_city: rng.random_bool(0.4).then(|| rng.random_range(1..=2)),
        max_per_institution: rng.random_bool(0.4).then(|| rng.random_range(1..=2)),
        max_load: rng.random_range(1..=3),
        min_load: u32::from(rng.random_bool(0.1)),
        avoid_same_institution: rng.random_bool(0.6),
        coauthor_hops: rng.random_range(0..=2),
        default_affinity: rng.random_range(-200..=1000) as f64 / 1000.0,
        ..Policy::default()
    };
    let experts: Vec<Expert> = (0..shape.experts)
        .map(|i| {
            let id = format!("E{i}");
            persons.intern(&id);
            let inst = rng.random_range(0..n_inst);
            Expert {
                id,
                name: None,
                city: city_of_inst(inst),
                institution: InstIx(inst as u32),
                fields: vec![format!("F0{}", rng.random_range(1..=3))],
                keywords: vec![],
                title: None,
                max_load: rng.random_bool(0.2).then(|| rng.random_range(0..=3)),
                min_load: rng.random_bool(0.1).then(|| rng.random_range(0..=1)),
                available: rng.random_bool(0.93),
                programmes: Vec::new(),
            }
        })
        .collect();
    let mut applications = Vec::new();
    for j in 0..shape.apps {
        let inst = rng.random_range(0..n_inst);
        let team: Vec<PersonIx> = (0..rng.random_range(0..=2))
            .map(|t| {
                if rng.random_bool(0.2) {
                    PersonIx(rng.random_range(0..shape.experts) as u32)
                } else {
                    PersonIx(persons.intern(&format!("P{j}_{t}")))
                }
            })
            .collect();
        applications.push(Application {
            id: format!("A{j}"),
            title: None,
            city: city_of_inst(inst),
            institution: InstIx(inst as u32),
            fields: vec![format!("F0{}", rng.random_range(1..=3))],
            keywords: vec![],
            panel_size: rng
                .random_bool(0.3)
                .then(|| rng.random_range(1..=shape.max_k)),
            team,
            avoid: (0..shape.experts)
                .filter(|_| rng.random_bool(0.05))
                .map(|e| ExpertIx(e as u32))
                .collect(),
            programme: None,
        });
    }
    let mut conflicts = Vec::new();
    for _ in 0..rng.random_range(0..=2) {
        conflicts.push(Conflict {
            expert: ExpertIx(rng.random_range(0..shape.experts) as u32),
            with: ConflictWith::Application(AppIx(rng.random_range(0..shape.apps) as u32)),
            reason: Some("declared".into()),
        });
    }
    let n_persons = persons.len();
    let mut coauthorships = Vec::new();
    for _ in 0..rng.random_range(0..=4) {
        coauthorships.push(Coauthorship {
            a: PersonIx(rng.random_range(0..n_persons) as u32),
            b: PersonIx(rng.random_range(0..n_persons) as u32),
            year: Some(2020),
        });
    }
    let affinity = rng.random_bool(0.8).then(|| {
        let mut list = Vec::new();
        for a in 0..shape.apps {
            for e in 0..shape.experts {
                if rng.random_bool(0.8) {
                    let s = rng.random_range(-1000..=1000) as f64 / 1000.0;
                    list.push(Affinity {
                        application: AppIx(a as u32),
                        expert: ExpertIx(e as u32),
                        score: Score::from_f64(s).expect("in range"),
                    });
                }
            }
        }
        list
    });
    Instance {
        policy,
        experts,
        applications,
        conflicts,
        coauthorships,
        affinity,
        cities,
        institutions,
        persons,
        kept: Default::default(),
        programmes: Default::default(),
        history: Default::default(),
    }
}

/// Adds crossing-rule data and rules to a random instance, seeded: senior
/// titles on some experts, 1–2 fields per application and 1–2 per expert
/// (from a small set so coverage can bind), and a random mix of
/// `min_senior`, `cover_fields`, round and per-city outside shares,
/// `max_copanel` and `bonus_per_city`. Each rule is on with some
/// probability; `force` switches at least one hard crossing rule on.
pub fn with_crossing_rules(mut inst: Instance, seed: u64, force: bool) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_c405);
    let titles = [
        "professor",
        "lecturer",
        "正高级工程师",
        "associate professor",
        "研究员",
    ];
    for e in &mut inst.experts {
        e.title = rng
            .random_bool(0.9)
            .then(|| titles[rng.random_range(0..titles.len())].to_string());
        let n = rng.random_range(1..=2);
        e.fields = (0..n)
            .map(|_| format!("F0{}", rng.random_range(1..=3)))
            .collect();
        e.fields.dedup();
    }
    for a in &mut inst.applications {
        let n = rng.random_range(1..=2);
        a.fields = (0..n)
            .map(|_| format!("F0{}", rng.random_range(1..=3)))
            .collect();
        a.fields.dedup();
    }
    let p = &mut inst.policy;
    loop {
        p.min_senior = if rng.random_bool(0.4) {
            rng.random_range(1..=2)
        } else {
            0
        };
        p.cover_fields = rng.random_bool(0.4);
        p.min_outside_share_round = rng
            .random_bool(0.3)
            .then(|| rng.random_range(1..=8) as f64 / 10.0);
        p.min_outside_share_by_city.clear();
        if rng.random_bool(0.2) {
            let c = rng.random_range(0..inst.cities.len());
            p.min_outside_share_by_city.insert(
                inst.cities.name(c as u32).to_string(),
                rng.random_range(1..=10) as f64 / 10.0,
            );
        }
        p.max_copanel = rng.random_bool(0.3).then(|| rng.random_range(1..=2));
        p.bonus_per_city = if rng.random_bool(0.3) {
            rng.random_range(1..=300) as f64 / 1000.0
        } else {
            0.0
        };
        if !force || !p.crossing_rules().is_empty() {
            break;
        }
    }
    inst
}
