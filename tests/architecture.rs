//! The crate graph is the architecture: every workspace crate depends on
//! exactly the workspace crates ARCHITECTURE.md's table gives it (normal,
//! build and dev dependencies alike), only the command line (`panels`)
//! uses clap and indicatif, and `panels-flow` depends on nothing at all.
//! The table in ARCHITECTURE.md is the source of truth; `cargo metadata`
//! is what the compiler holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Crates only the command line may use.
const CLI_ONLY: [&str; 2] = ["clap", "indicatif"];

/// The crate with no dependencies.
const STANDALONE: &str = "panels-flow";

/// Heading of the edge table in ARCHITECTURE.md.
const TABLE_HEADING: &str = "## Crates and their edges";

/// Each crate of the table with the workspace crates it may depend on.
fn documented_edges(doc: &str) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let start = doc
        .find(TABLE_HEADING)
        .ok_or_else(|| format!("ARCHITECTURE.md has no heading {TABLE_HEADING:?}"))?;
    let mut edges = BTreeMap::new();
    let mut in_table = false;
    for line in doc[start..].lines().skip(1) {
        let line = line.trim();
        if !line.starts_with('|') {
            if in_table {
                break;
            }
            continue;
        }
        in_table = true;
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() < 3 || cells[0] == "crate" || cells[0].starts_with("---") {
            continue;
        }
        let name = cells[0].trim_matches('`').to_string();
        let deps: BTreeSet<String> = cells[2]
            .split(',')
            .map(|d| d.trim().trim_matches('`').to_string())
            .filter(|d| !d.is_empty() && d != "—" && d != "-")
            .collect();
        if edges.insert(name.clone(), deps).is_some() {
            return Err(format!("ARCHITECTURE.md lists {name} twice"));
        }
    }
    if edges.is_empty() {
        return Err(format!("no table rows under {TABLE_HEADING:?}"));
    }
    Ok(edges)
}

/// Each workspace package with every dependency it names (any kind).
fn actual_dependencies(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let mut deps = BTreeMap::new();
    for pkg in meta["packages"].as_array().expect("packages") {
        let name = pkg["name"].as_str().expect("name").to_string();
        let names: BTreeSet<String> = pkg["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .map(|d| d["name"].as_str().expect("dependency name").to_string())
            .collect();
        deps.insert(name, names);
    }
    deps
}

/// What is wrong with `actual` against `documented`, one line each.
fn compare(
    documented: &BTreeMap<String, BTreeSet<String>>,
    actual: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let ours: BTreeSet<&String> = actual.keys().collect();
    let mut problems = Vec::new();
    for name in documented.keys() {
        if !actual.contains_key(name) {
            problems.push(format!(
                "{name}: in ARCHITECTURE.md but not in the workspace"
            ));
        }
    }
    for (name, deps) in actual {
        let Some(allowed) = documented.get(name) else {
            problems.push(format!(
                "{name}: in the workspace but not in ARCHITECTURE.md"
            ));
            continue;
        };
        let internal: BTreeSet<String> =
            deps.iter().filter(|d| ours.contains(d)).cloned().collect();
        for extra in internal.difference(allowed) {
            problems.push(format!(
                "{name} depends on {extra}, which ARCHITECTURE.md does not allow"
            ));
        }
        for missing in allowed.difference(&internal) {
            problems.push(format!(
                "{name} does not depend on {missing}, as ARCHITECTURE.md says"
            ));
        }
        if name != "panels" {
            for cli in CLI_ONLY {
                if deps.contains(cli) {
                    problems.push(format!(
                        "{name} depends on {cli}; only the command line may"
                    ));
                }
            }
        }
        if name == STANDALONE && !deps.is_empty() {
            problems.push(format!(
                "{name} must have no dependencies, has {}",
                deps.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    problems
}

#[test]
fn crates_depend_exactly_as_architecture_md_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let documented = documented_edges(&doc).unwrap_or_else(|e| panic!("{e}"));
    let actual = actual_dependencies(root);
    assert!(actual.len() > 1, "the workspace has crates");
    let problems = compare(&documented, &actual);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check itself catches an extra edge, a missing edge, a crate
/// missing from either side, clap below the command line and a
/// dependency of the standalone crate.
#[test]
fn the_check_fails_on_every_kind_of_difference() {
    let doc = format!(
        "{TABLE_HEADING}\n\n| crate | path | depends on |\n|---|---|---|\n\
         | `panels-flow` | `crates/flow` | — |\n\
         | `panels-io` | `crates/io` | `panels-core` |\n\
         | `panels-core` | `crates/core` | — |\n\
         | `panels` | `.` | `panels-io`, `panels-core`, `panels-flow` |\n\nafter\n| not | a | row |\n"
    );
    let documented = documented_edges(&doc).unwrap();
    assert_eq!(documented.len(), 4);
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let good: BTreeMap<String, BTreeSet<String>> = [
        ("panels-flow", set(&[])),
        ("panels-core", set(&["serde"])),
        ("panels-io", set(&["panels-core", "csv"])),
        (
            "panels",
            set(&["panels-io", "panels-core", "panels-flow", "clap"]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(compare(&documented, &good), Vec::<String>::new());

    let mut bad = good.clone();
    bad.get_mut("panels-core")
        .unwrap()
        .insert("panels-io".into());
    bad.get_mut("panels-io").unwrap().remove("panels-core");
    bad.get_mut("panels-io").unwrap().insert("indicatif".into());
    bad.get_mut("panels-flow").unwrap().insert("rand".into());
    bad.insert("panels-extra".into(), set(&[]));
    bad.remove("panels");
    let problems = compare(&documented, &bad);
    for want in [
        "panels-core depends on panels-io",
        "panels-io does not depend on panels-core",
        "panels-io depends on indicatif",
        "panels-flow must have no dependencies",
        "panels-extra: in the workspace but not in ARCHITECTURE.md",
        "panels: in ARCHITECTURE.md but not in the workspace",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(want)),
            "missing {want:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 6, "{problems:#?}");
}
