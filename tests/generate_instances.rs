//! The bundled example instances: they follow SPEC.md's formats, load to
//! exactly what the generator makes, are feasible, and the tiny cases'
//! optima written by hand in instances/README.md are right.

#[path = "generate_util.rs"]
mod util;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use panels::generate::{generate, preset};
use panels::model::SCORE_SCALE;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("instances")
}

/// The seed `examples/make_instances.rs` uses.
const SEED: u64 = 2026;

#[test]
fn yangtze_bundle_is_the_preset_and_small() {
    let path = dir().join("yangtze.json");
    let size = std::fs::metadata(&path).expect("yangtze.json exists").len();
    assert!(size < 3_000_000, "yangtze.json is {size} bytes");
    let loaded = util::load_bundle(&path);
    let made = generate(&preset("yangtze").unwrap().seed(SEED));
    assert!(
        loaded == made,
        "instances/yangtze.json is stale: rerun `cargo run --example make_instances`"
    );
    assert_eq!(loaded.applications.len(), 300);
    assert_eq!(loaded.experts.len(), 1500);
    assert!(loaded.affinity.is_none(), "scores are computed");
}

#[test]
fn guanggu_csv_dir_is_the_preset_with_a_bom() {
    let d = dir().join("guanggu");
    let raw = std::fs::read(d.join("experts.csv")).unwrap();
    assert!(
        raw.starts_with("\u{feff}".as_bytes()),
        "experts.csv starts with a BOM"
    );
    let loaded = util::load_csv_dir(&d);
    let made = generate(&preset("guanggu").unwrap().seed(SEED));
    assert!(
        loaded == made,
        "instances/guanggu is stale: rerun `cargo run --example make_instances`"
    );
    let cities: BTreeSet<&str> = loaded.cities.names().iter().map(String::as_str).collect();
    assert_eq!(
        cities,
        BTreeSet::from(["武汉", "鄂州", "黄石", "黄冈", "咸宁"])
    );
    assert_eq!(loaded.policy.panel_size, 3);
    assert_eq!(loaded.policy.min_outside, 1);
}

#[test]
fn generated_examples_are_feasible() {
    for inst in [
        util::load_bundle(&dir().join("yangtze.json")),
        util::load_csv_dir(&dir().join("guanggu")),
    ] {
        let panels = util::greedy(&inst).expect("greedy finds a feasible assignment");
        assert_eq!(util::violations(&inst, &panels), Vec::<String>::new());
    }
}

/// Field names SPEC.md defines, per record kind.
fn spec_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "policy" => &[
            "panel_size",
            "min_outside_share",
            "min_outside",
            "max_per_city",
            "max_per_institution",
            "max_load",
            "min_load",
            "avoid_same_institution",
            "coauthor_hops",
            "coauthor_years",
            "year",
            "default_affinity",
            "min_affinity",
            "seed",
        ],
        "experts" => &[
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
        ],
        "applications" => &[
            "id",
            "title",
            "city",
            "institution",
            "fields",
            "keywords",
            "panel_size",
            "team",
            "avoid",
        ],
        "conflicts" => &["expert", "with", "reason"],
        "coauthorships" => &["a", "b", "year"],
        "affinity" => &["application", "expert", "score"],
        _ => &[],
    }
}

fn bundles() -> Vec<PathBuf> {
    let mut v = vec![dir().join("yangtze.json")];
    let mut tiny: Vec<PathBuf> = std::fs::read_dir(dir().join("tiny"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    tiny.sort();
    assert!(tiny.len() >= 3, "at least three tiny cases");
    v.extend(tiny);
    v
}

#[test]
fn bundles_use_only_spec_field_names() {
    for path in bundles() {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let top = v.as_object().unwrap();
        for (kind, val) in top {
            let allowed = spec_keys(kind);
            assert!(
                !allowed.is_empty(),
                "{}: unknown section {kind}",
                path.display()
            );
            let recs: Vec<&Value> = match val {
                Value::Array(xs) => xs.iter().collect(),
                other => vec![other],
            };
            for r in recs {
                for k in r.as_object().unwrap().keys() {
                    assert!(
                        allowed.contains(&k.as_str()),
                        "{}: {kind} has {k}",
                        path.display()
                    );
                }
            }
        }
        for req in ["policy", "experts", "applications"] {
            assert!(top.contains_key(req), "{}: no {req}", path.display());
        }
    }
    let d = dir().join("guanggu");
    for (file, kind) in [
        ("experts.csv", "experts"),
        ("applications.csv", "applications"),
        ("conflicts.csv", "conflicts"),
        ("coauthorships.csv", "coauthorships"),
    ] {
        let text = std::fs::read_to_string(d.join(file)).unwrap();
        let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
        for col in header.split(',') {
            assert!(spec_keys(kind).contains(&col), "{file}: column {col}");
        }
    }
}

/// `(file, Some(optimum) | None for infeasible)` from the README's tiny table.
fn readme_optima() -> Vec<(String, Option<f64>)> {
    let text = std::fs::read_to_string(dir().join("README.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| `tiny/"))
        .map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            let file = cols[1].trim_matches('`').to_string();
            let opt = match cols[3] {
                "infeasible" => None,
                x => Some(x.parse::<f64>().unwrap_or_else(|_| panic!("optimum {x:?}"))),
            };
            (file, opt)
        })
        .collect()
}

#[test]
fn tiny_cases_match_their_hand_computed_optima() {
    let rows = readme_optima();
    let listed: BTreeSet<PathBuf> = rows.iter().map(|(f, _)| dir().join(f)).collect();
    let on_disk: BTreeSet<PathBuf> = bundles().into_iter().skip(1).collect();
    assert_eq!(listed, on_disk, "every tiny case has one README line");
    for (file, want) in rows {
        let inst = util::load_bundle(&dir().join(&file));
        assert!(
            inst.applications.len() <= 4 && inst.experts.len() <= 8,
            "{file} is tiny"
        );
        let got = util::brute_force(&inst);
        let want = want.map(|x| (x * SCORE_SCALE as f64).round() as i64);
        assert_eq!(got, want, "{file}");
    }
}
