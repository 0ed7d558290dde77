//! Writes the generated example instances under `instances/`:
//! `yangtze.json` (a JSON bundle) and `guanggu/` (a CSV directory), both in
//! SPEC.md's formats, from the `yangtze` and `guanggu` presets with seed 2026.
//!
//! ```text
//! cargo run --example make_instances [OUT_DIR]     # default: instances
//! ```
//!
//! This is a small, self-contained writer (the real one lives in `io`); it
//! exists so the bundled examples do not depend on `io`. The hand-made
//! `instances/tiny/*.json` cases are not written here.
use std::fs;
use std::io::Write;
use std::path::Path;

use panels::generate::{generate, preset};
use panels::model::{ConflictWith, Instance, Policy};
use serde_json::{json, Value};

/// The seed of the bundled examples.
const SEED: u64 = 2026;

fn main() -> anyhow::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "instances".to_string());
    let out = Path::new(&out);
    fs::create_dir_all(out)?;

    let yangtze = generate(&preset("yangtze").expect("preset").seed(SEED));
    fs::write(out.join("yangtze.json"), bundle(&yangtze))?;

    let guanggu = generate(&preset("guanggu").expect("preset").seed(SEED));
    write_csv_dir(&guanggu, &out.join("guanggu"))?;
    Ok(())
}

/// One JSON object on one line, keys in the given order, `null`s left out.
fn obj(pairs: Vec<(&str, Value)>) -> String {
    let fields: Vec<String> = pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| format!("{}: {}", json!(k), v))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

fn list(items: &[String]) -> Value {
    json!(items)
}

fn policy_json(p: &Policy) -> Value {
    let d = Policy::default();
    let mut m = serde_json::Map::new();
    m.insert("panel_size".into(), json!(p.panel_size));
    if p.min_outside_share != d.min_outside_share {
        m.insert("min_outside_share".into(), json!(p.min_outside_share));
    }
    if p.min_outside != d.min_outside {
        m.insert("min_outside".into(), json!(p.min_outside));
    }
    if let Some(c) = p.max_per_city {
        m.insert("max_per_city".into(), json!(c));
    }
    if let Some(c) = p.max_per_institution {
        m.insert("max_per_institution".into(), json!(c));
    }
    m.insert("max_load".into(), json!(p.max_load));
    if p.min_load != d.min_load {
        m.insert("min_load".into(), json!(p.min_load));
    }
    if p.avoid_same_institution != d.avoid_same_institution {
        m.insert(
            "avoid_same_institution".into(),
            json!(p.avoid_same_institution),
        );
    }
    m.insert("coauthor_hops".into(), json!(p.coauthor_hops));
    if let Some(y) = p.coauthor_years {
        m.insert("coauthor_years".into(), json!(y));
    }
    if let Some(y) = p.year {
        m.insert("year".into(), json!(y));
    }
    m.insert("seed".into(), json!(p.seed));
    Value::Object(m)
}

fn team_ids(inst: &Instance, a: usize) -> Vec<String> {
    inst.applications[a]
        .team
        .iter()
        .map(|&p| inst.person_id(p).to_string())
        .collect()
}

fn avoid_ids(inst: &Instance, a: usize) -> Vec<String> {
    inst.applications[a]
        .avoid
        .iter()
        .map(|&e| inst.experts[e.ix()].id.clone())
        .collect()
}

fn with_id(inst: &Instance, w: ConflictWith) -> String {
    match w {
        ConflictWith::Application(a) => inst.applications[a.ix()].id.clone(),
        ConflictWith::Person(p) => inst.person_id(p).to_string(),
    }
}

/// The instance as a SPEC.md JSON bundle, one record per line.
fn bundle(inst: &Instance) -> String {
    let mut s = String::from("{\n");
    s.push_str(&format!(
        "  \"policy\": {},\n",
        serde_json::to_string(&policy_json(&inst.policy)).expect("json")
    ));
    let section = |s: &mut String, name: &str, rows: Vec<String>, last: bool| {
        s.push_str(&format!("  \"{name}\": [\n"));
        let n = rows.len();
        for (i, r) in rows.into_iter().enumerate() {
            s.push_str("    ");
            s.push_str(&r);
            s.push_str(if i + 1 < n { ",\n" } else { "\n" });
        }
        s.push_str(if last { "  ]\n" } else { "  ],\n" });
    };
    let experts = inst
        .experts
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let e_ix = panels::model::ExpertIx(i as u32);
            obj(vec![
                ("id", json!(e.id)),
                ("name", json!(e.name)),
                ("city", json!(inst.expert_city(e_ix))),
                ("institution", json!(inst.expert_institution(e_ix))),
                ("fields", list(&e.fields)),
                ("keywords", list(&e.keywords)),
                ("title", json!(e.title)),
                ("max_load", json!(e.max_load)),
                ("min_load", json!(e.min_load)),
                ("available", json!(e.available)),
            ])
        })
        .collect();
    section(&mut s, "experts", experts, false);
    let apps = inst
        .applications
        .iter()
        .enumerate()
        .map(|(j, a)| {
            let a_ix = panels::model::AppIx(j as u32);
            let team = team_ids(inst, j);
            let avoid = avoid_ids(inst, j);
            obj(vec![
                ("id", json!(a.id)),
                ("title", json!(a.title)),
                ("city", json!(inst.app_city(a_ix))),
                ("institution", json!(inst.app_institution(a_ix))),
                ("fields", list(&a.fields)),
                ("keywords", list(&a.keywords)),
                ("panel_size", json!(a.panel_size)),
                (
                    "team",
                    if team.is_empty() {
                        Value::Null
                    } else {
                        list(&team)
                    },
                ),
                (
                    "avoid",
                    if avoid.is_empty() {
                        Value::Null
                    } else {
                        list(&avoid)
                    },
                ),
            ])
        })
        .collect();
    section(&mut s, "applications", apps, false);
    let conflicts = inst
        .conflicts
        .iter()
        .map(|c| {
            obj(vec![
                ("expert", json!(inst.experts[c.expert.ix()].id)),
                ("with", json!(with_id(inst, c.with))),
                ("reason", json!(c.reason)),
            ])
        })
        .collect();
    section(&mut s, "conflicts", conflicts, false);
    let coauthors = inst
        .coauthorships
        .iter()
        .map(|c| {
            obj(vec![
                ("a", json!(inst.person_id(c.a))),
                ("b", json!(inst.person_id(c.b))),
                ("year", json!(c.year)),
            ])
        })
        .collect();
    section(&mut s, "coauthorships", coauthors, inst.affinity.is_none());
    if let Some(aff) = &inst.affinity {
        let rows = aff
            .iter()
            .map(|x| {
                obj(vec![
                    (
                        "application",
                        json!(inst.applications[x.application.ix()].id),
                    ),
                    ("expert", json!(inst.experts[x.expert.ix()].id)),
                    ("score", json!(x.score.as_f64())),
                ])
            })
            .collect();
        section(&mut s, "affinity", rows, true);
    }
    s.push_str("}\n");
    s
}

fn opt<T: ToString>(x: &Option<T>) -> String {
    x.as_ref().map(T::to_string).unwrap_or_default()
}

/// The instance as a SPEC.md CSV directory (experts.csv with a BOM, as
/// Excel writes it).
fn write_csv_dir(inst: &Instance, dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir)?;
    let mut f = fs::File::create(dir.join("experts.csv"))?;
    f.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(f);
    w.write_record([
        "id",
        "name",
        "city",
        "institution",
        "fields",
        "keywords",
        "title",
        "max_load",
        "min_load",
        "available",
    ])?;
    for (i, e) in inst.experts.iter().enumerate() {
        let e_ix = panels::model::ExpertIx(i as u32);
        w.write_record([
            e.id.clone(),
            opt(&e.name),
            inst.expert_city(e_ix).to_string(),
            inst.expert_institution(e_ix).to_string(),
            e.fields.join(";"),
            e.keywords.join(";"),
            opt(&e.title),
            opt(&e.max_load),
            opt(&e.min_load),
            e.available.to_string(),
        ])?;
    }
    w.flush()?;

    let mut w = csv::Writer::from_path(dir.join("applications.csv"))?;
    w.write_record([
        "id",
        "title",
        "city",
        "institution",
        "fields",
        "keywords",
        "panel_size",
        "team",
        "avoid",
    ])?;
    for (j, a) in inst.applications.iter().enumerate() {
        let a_ix = panels::model::AppIx(j as u32);
        w.write_record([
            a.id.clone(),
            opt(&a.title),
            inst.app_city(a_ix).to_string(),
            inst.app_institution(a_ix).to_string(),
            a.fields.join(";"),
            a.keywords.join(";"),
            opt(&a.panel_size),
            team_ids(inst, j).join(";"),
            avoid_ids(inst, j).join(";"),
        ])?;
    }
    w.flush()?;

    let mut w = csv::Writer::from_path(dir.join("conflicts.csv"))?;
    w.write_record(["expert", "with", "reason"])?;
    for c in &inst.conflicts {
        w.write_record([
            inst.experts[c.expert.ix()].id.clone(),
            with_id(inst, c.with),
            opt(&c.reason),
        ])?;
    }
    w.flush()?;

    let mut w = csv::Writer::from_path(dir.join("coauthorships.csv"))?;
    w.write_record(["a", "b", "year"])?;
    for c in &inst.coauthorships {
        w.write_record([
            inst.person_id(c.a).to_string(),
            inst.person_id(c.b).to_string(),
            opt(&c.year),
        ])?;
    }
    w.flush()?;

    let mut policy = serde_json::to_string_pretty(&policy_json(&inst.policy))?;
    policy.push('\n');
    fs::write(dir.join("policy.json"), policy)?;
    Ok(())
}
