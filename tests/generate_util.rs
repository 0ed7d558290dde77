//! Helpers shared by the `generate_*` tests (included with `#[path]`): an
//! independent rule checker, a greedy feasibility witness, a brute-force
//! optimum for tiny instances, and a minimal reader of SPEC.md bundles and
//! CSV directories that does not depend on `io`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use panels::eligibility::Eligibility;
use panels::model::{
    Affinity, AppIx, Application, CityIx, Coauthorship, Conflict, ConflictWith, Expert, ExpertIx,
    InstIx, Instance, Interner, PersonIx, Policy, Score,
};
use serde_json::Value;

/// Every SPEC rule an assignment breaks, in words.
pub fn violations(inst: &Instance, panels: &[Vec<ExpertIx>]) -> Vec<String> {
    let el = Eligibility::compute(inst);
    let mut out = Vec::new();
    let mut load = vec![0u32; inst.experts.len()];
    for a in inst.app_ixs() {
        let panel = &panels[a.ix()];
        let k = inst.panel_size(a) as usize;
        if panel.len() != k {
            out.push(format!("app {}: {} experts, want {k}", a, panel.len()));
        }
        let mut seen = panel.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != panel.len() {
            out.push(format!("app {a}: repeated expert"));
        }
        let home = inst.applications[a.ix()].city;
        let mut outside = 0;
        let mut per_city: BTreeMap<CityIx, u32> = BTreeMap::new();
        let mut per_inst: BTreeMap<InstIx, u32> = BTreeMap::new();
        for &e in panel {
            load[e.ix()] += 1;
            if !el.is_eligible(inst, a, e) {
                out.push(format!("app {a}: expert {e} not eligible"));
            }
            let ex = &inst.experts[e.ix()];
            if ex.city != home {
                outside += 1;
            }
            *per_city.entry(ex.city).or_default() += 1;
            *per_inst.entry(ex.institution).or_default() += 1;
        }
        if outside < inst.min_outside(a) {
            out.push(format!("app {a}: {outside} outside"));
        }
        if let Some(m) = inst.policy.max_per_city {
            if per_city.values().any(|&c| c > m) {
                out.push(format!("app {a}: city cap"));
            }
        }
        if let Some(m) = inst.policy.max_per_institution {
            if per_inst.values().any(|&c| c > m) {
                out.push(format!("app {a}: institution cap"));
            }
        }
    }
    for e in inst.expert_ixs() {
        let l = load[e.ix()];
        if l > inst.max_load(e) || l < inst.min_load(e) {
            out.push(format!("expert {e}: load {l}"));
        }
    }
    out
}

/// Total score (millionths) of an assignment.
pub fn objective(inst: &Instance, panels: &[Vec<ExpertIx>]) -> i64 {
    let el = Eligibility::compute(inst);
    inst.app_ixs()
        .flat_map(|a| panels[a.ix()].iter().map(move |&e| (a, e)))
        .map(|(a, e)| el.score(inst, a, e).0)
        .sum()
}

/// A greedy assignment respecting every rule, or `None` when greedy gets
/// stuck (which does not prove infeasibility). When it returns a panel set,
/// that set is a feasibility certificate (callers re-check it with
/// [`violations`]).
pub fn greedy(inst: &Instance) -> Option<Vec<Vec<ExpertIx>>> {
    let el = Eligibility::compute(inst);
    let mut load = vec![0u32; inst.experts.len()];
    let mut panels = Vec::with_capacity(inst.applications.len());
    for a in inst.app_ixs() {
        let k = inst.panel_size(a) as usize;
        let q = inst.min_outside(a) as usize;
        let home = inst.applications[a.ix()].city;
        let mut cands: Vec<(ExpertIx, Score)> = inst
            .expert_ixs()
            .filter_map(|e| el.eligible_score(inst, a, e).map(|s| (e, s)))
            .collect();
        // Unmet floors first, then most spare capacity, then best score.
        let key = |e: ExpertIx, s: Score, load: &[u32]| {
            let unmet = load[e.ix()] < inst.min_load(e);
            let spare = inst.max_load(e).saturating_sub(load[e.ix()]);
            (
                std::cmp::Reverse(unmet),
                std::cmp::Reverse(spare),
                std::cmp::Reverse(s),
                e,
            )
        };
        cands.sort_by_key(|&(e, s)| key(e, s, &load));
        let mut panel: Vec<ExpertIx> = Vec::with_capacity(k);
        let mut per_city: BTreeMap<CityIx, u32> = BTreeMap::new();
        let mut per_inst: BTreeMap<InstIx, u32> = BTreeMap::new();
        for pass in 0..2 {
            for &(e, _) in &cands {
                let want = if pass == 0 { q } else { k };
                let have = if pass == 0 {
                    panel
                        .iter()
                        .filter(|x| inst.experts[x.ix()].city != home)
                        .count()
                } else {
                    panel.len()
                };
                if have >= want {
                    break;
                }
                let ex = &inst.experts[e.ix()];
                if (pass == 0 && ex.city == home)
                    || panel.contains(&e)
                    || load[e.ix()] >= inst.max_load(e)
                {
                    continue;
                }
                // Keep room for the outside members still missing.
                let outside_now = panel
                    .iter()
                    .filter(|x| inst.experts[x.ix()].city != home)
                    .count();
                if ex.city == home && k - panel.len() <= q.saturating_sub(outside_now) {
                    continue;
                }
                let c = per_city.get(&ex.city).copied().unwrap_or(0);
                let i = per_inst.get(&ex.institution).copied().unwrap_or(0);
                if inst.policy.max_per_city.is_some_and(|m| c >= m)
                    || inst.policy.max_per_institution.is_some_and(|m| i >= m)
                {
                    continue;
                }
                panel.push(e);
                load[e.ix()] += 1;
                *per_city.entry(ex.city).or_default() += 1;
                *per_inst.entry(ex.institution).or_default() += 1;
            }
        }
        if panel.len() != k {
            return None;
        }
        panel.sort();
        panels.push(panel);
    }
    if inst.expert_ixs().any(|e| load[e.ix()] < inst.min_load(e)) {
        return None;
    }
    Some(panels)
}

/// The optimal total score (millionths) by exhaustive search, or `None` when
/// no assignment satisfies every rule. Tiny instances only.
pub fn brute_force(inst: &Instance) -> Option<i64> {
    let el = Eligibility::compute(inst);
    // Every valid panel of each application on its own (caps, outside rule).
    let mut options: Vec<Vec<(Vec<ExpertIx>, i64)>> = Vec::new();
    for a in inst.app_ixs() {
        let elig: Vec<ExpertIx> = inst
            .expert_ixs()
            .filter(|&e| el.is_eligible(inst, a, e))
            .collect();
        let k = inst.panel_size(a) as usize;
        let mut opts = Vec::new();
        let mut combo = Vec::new();
        combos(&elig, k, 0, &mut combo, &mut |panel| {
            let one = {
                let mut v = vec![Vec::new(); inst.applications.len()];
                v[a.ix()] = panel.to_vec();
                v
            };
            // Only this application's rules: ignore load lines here.
            let bad = violations(inst, &one)
                .into_iter()
                .any(|v| v.starts_with(&format!("app {a}:")));
            if !bad {
                let s = panel.iter().map(|&e| el.score(inst, a, e).0).sum();
                opts.push((panel.to_vec(), s));
            }
        });
        options.push(opts);
    }
    let mut load = vec![0u32; inst.experts.len()];
    let mut best = None;
    search(inst, &options, 0, 0, &mut load, &mut best);
    best
}

fn combos(
    items: &[ExpertIx],
    k: usize,
    start: usize,
    combo: &mut Vec<ExpertIx>,
    f: &mut dyn FnMut(&[ExpertIx]),
) {
    if combo.len() == k {
        f(combo);
        return;
    }
    for i in start..items.len() {
        combo.push(items[i]);
        combos(items, k, i + 1, combo, f);
        combo.pop();
    }
}

fn search(
    inst: &Instance,
    options: &[Vec<(Vec<ExpertIx>, i64)>],
    a: usize,
    acc: i64,
    load: &mut [u32],
    best: &mut Option<i64>,
) {
    if a == options.len() {
        if inst.expert_ixs().all(|e| load[e.ix()] >= inst.min_load(e))
            && best.is_none_or(|b| acc > b)
        {
            *best = Some(acc);
        }
        return;
    }
    for (panel, s) in &options[a] {
        if panel.iter().any(|&e| load[e.ix()] >= inst.max_load(e)) {
            continue;
        }
        for &e in panel {
            load[e.ix()] += 1;
        }
        search(inst, options, a + 1, acc + s, load, best);
        for &e in panel {
            load[e.ix()] -= 1;
        }
    }
}

// ---------------------------------------------------------------------------
// A minimal reader of SPEC.md's formats (test-only; the real one is `io`).

/// One record as string fields (JSON values or CSV cells).
type Record = BTreeMap<String, Value>;

fn s(r: &Record, k: &str) -> Option<String> {
    match r.get(k) {
        Some(Value::String(x)) if !x.is_empty() => Some(x.clone()),
        _ => None,
    }
}

fn strings(r: &Record, k: &str) -> Vec<String> {
    match r.get(k) {
        Some(Value::Array(xs)) => xs
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(x)) if !x.is_empty() => x.split(';').map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

fn num(r: &Record, k: &str) -> Option<f64> {
    match r.get(k) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(x)) if !x.is_empty() => x.parse().ok(),
        _ => None,
    }
}

fn boolean(r: &Record, k: &str) -> Option<bool> {
    match r.get(k) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(x)) if !x.is_empty() => x.parse().ok(),
        _ => None,
    }
}

fn records(v: Option<&Value>) -> Vec<Record> {
    v.and_then(Value::as_array)
        .map(|xs| {
            xs.iter()
                .map(|x| {
                    x.as_object()
                        .expect("record is an object")
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the model from records, interning in first-appearance order
/// (experts, then applications; persons: experts, teams, conflicts,
/// co-authors).
pub fn build(
    policy: Policy,
    experts: Vec<Record>,
    apps: Vec<Record>,
    conflicts: Vec<Record>,
    coauthors: Vec<Record>,
    affinity: Option<Vec<Record>>,
) -> Instance {
    let mut cities = Interner::default();
    let mut insts = Interner::default();
    let mut persons = Interner::default();
    let experts: Vec<Expert> = experts
        .iter()
        .map(|r| {
            let id = s(r, "id").expect("expert id");
            persons.intern(&id);
            Expert {
                id,
                name: s(r, "name"),
                city: CityIx(cities.intern(&s(r, "city").expect("city"))),
                institution: InstIx(insts.intern(&s(r, "institution").expect("institution"))),
                fields: strings(r, "fields"),
                keywords: strings(r, "keywords"),
                title: s(r, "title"),
                max_load: num(r, "max_load").map(|x| x as u32),
                min_load: num(r, "min_load").map(|x| x as u32),
                available: boolean(r, "available").unwrap_or(true),
                programmes: Vec::new(),
            }
        })
        .collect();
    let ex_ix = |id: &str, persons: &Interner| {
        let p = persons.get(id).expect("known expert");
        assert!((p as usize) < experts.len(), "{id} is an expert");
        ExpertIx(p)
    };
    let applications: Vec<Application> = apps
        .iter()
        .map(|r| Application {
            id: s(r, "id").expect("application id"),
            title: s(r, "title"),
            city: CityIx(cities.intern(&s(r, "city").expect("city"))),
            institution: InstIx(insts.intern(&s(r, "institution").expect("institution"))),
            fields: strings(r, "fields"),
            keywords: strings(r, "keywords"),
            panel_size: num(r, "panel_size").map(|x| x as u32),
            team: strings(r, "team")
                .iter()
                .map(|p| PersonIx(persons.intern(p)))
                .collect(),
            avoid: strings(r, "avoid")
                .iter()
                .map(|e| ex_ix(e, &persons))
                .collect(),
            programme: None,
        })
        .collect();
    let app_ix: BTreeMap<String, AppIx> = applications
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), AppIx(i as u32)))
        .collect();
    let conflicts = conflicts
        .iter()
        .map(|r| {
            let with = s(r, "with").expect("with");
            Conflict {
                expert: ex_ix(&s(r, "expert").expect("expert"), &persons),
                with: match app_ix.get(&with) {
                    Some(&a) => ConflictWith::Application(a),
                    None => ConflictWith::Person(PersonIx(persons.intern(&with))),
                },
                reason: s(r, "reason"),
            }
        })
        .collect();
    let coauthorships = coauthors
        .iter()
        .map(|r| Coauthorship {
            a: PersonIx(persons.intern(&s(r, "a").expect("a"))),
            b: PersonIx(persons.intern(&s(r, "b").expect("b"))),
            year: num(r, "year").map(|y| y as i32),
        })
        .collect();
    let affinity = affinity.map(|rs| {
        rs.iter()
            .map(|r| Affinity {
                application: app_ix[&s(r, "application").expect("application")],
                expert: ex_ix(&s(r, "expert").expect("expert"), &persons),
                score: Score::from_f64(num(r, "score").expect("score")).expect("finite"),
            })
            .collect()
    });
    Instance {
        policy,
        experts,
        applications,
        conflicts,
        coauthorships,
        affinity,
        cities,
        institutions: insts,
        persons,
        kept: Default::default(),
        programmes: Default::default(),
        history: Default::default(),
    }
}

/// Reads a SPEC.md JSON bundle.
pub fn load_bundle(path: &Path) -> Instance {
    let text = std::fs::read_to_string(path).expect("readable bundle");
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    let policy: Policy = serde_json::from_value(v["policy"].clone()).expect("valid policy");
    build(
        policy,
        records(v.get("experts")),
        records(v.get("applications")),
        records(v.get("conflicts")),
        records(v.get("coauthorships")),
        v.get("affinity").map(|a| records(Some(a))),
    )
}

fn read_csv(path: &Path) -> Vec<Record> {
    if !path.exists() {
        return Vec::new();
    }
    let bytes = std::fs::read(path).expect("readable csv");
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut rd = csv::Reader::from_reader(bytes);
    let headers = rd.headers().expect("header row").clone();
    rd.records()
        .map(|row| {
            let row = row.expect("valid row");
            headers
                .iter()
                .zip(row.iter())
                .map(|(h, c)| (h.to_string(), Value::String(c.to_string())))
                .collect()
        })
        .collect()
}

/// Reads a SPEC.md CSV directory.
pub fn load_csv_dir(dir: &Path) -> Instance {
    let text = std::fs::read_to_string(dir.join("policy.json")).expect("policy.json");
    let policy: Policy = serde_json::from_str(&text).expect("valid policy");
    let affinity = dir
        .join("affinity.csv")
        .exists()
        .then(|| read_csv(&dir.join("affinity.csv")));
    build(
        policy,
        read_csv(&dir.join("experts.csv")),
        read_csv(&dir.join("applications.csv")),
        read_csv(&dir.join("conflicts.csv")),
        read_csv(&dir.join("coauthorships.csv")),
        affinity,
    )
}
