//! A tiny round whose report figures are computed by hand (see
//! `tests/report_figures.rs` for the arithmetic), shared by the report tests.
#![allow(dead_code)]

use std::path::Path;

use panels::io::panels::{PanelRecord, PanelsFile};
use panels::model::Instance;

/// Two cities (武汉 W, 长沙 C), six experts, three applications, panels of 2
/// with at least one outside-city member, loads ≤ 2.
///
/// | expert | city | institution | note |
/// |---|---|---|---|
/// | E1 | W | U1 | declared conflict with A3 |
/// | E2 | W | U2 | on A2's team |
/// | E3 | C | U3 | |
/// | E4 | C | U4 | unavailable |
/// | E5 | C | U5 | A1 asked to avoid |
/// | E6 | W | U6 | |
///
/// Applications: A1 (W, U1), A2 (C, U3, team E2), A3 (W, U2).
/// Eligible with scores: A1: E2 0.9, E3 0.5, E6 1.0; A2: E1 0.6, E5 0.8,
/// E6 0; A3: E3 0.7, E5 0.4, E6 0.
pub const BUNDLE: &str = r#"{
  "policy": { "panel_size": 2, "min_outside_share": 0.5, "max_load": 2, "seed": 7 },
  "experts": [
    { "id": "E1", "name": "Zhao Yi", "city": "武汉", "institution": "U1" },
    { "id": "E2", "name": "Qian Er", "city": "武汉", "institution": "U2" },
    { "id": "E3", "name": "Sun San", "city": "长沙", "institution": "U3" },
    { "id": "E4", "name": "Li Si", "city": "长沙", "institution": "U4", "available": false },
    { "id": "E5", "name": "Zhou Wu", "city": "长沙", "institution": "U5" },
    { "id": "E6", "name": "Wu Liu", "city": "武汉", "institution": "U6" }
  ],
  "applications": [
    { "id": "A1", "title": "Lasers", "city": "武汉", "institution": "U1", "avoid": ["E5"] },
    { "id": "A2", "title": "Rice", "city": "长沙", "institution": "U3", "team": ["E2"] },
    { "id": "A3", "title": "Bridges", "city": "武汉", "institution": "U2" }
  ],
  "conflicts": [ { "expert": "E1", "with": "A3", "reason": "declared" } ],
  "affinity": [
    { "application": "A1", "expert": "E2", "score": 0.9 },
    { "application": "A1", "expert": "E3", "score": 0.5 },
    { "application": "A1", "expert": "E6", "score": 1.0 },
    { "application": "A2", "expert": "E1", "score": 0.6 },
    { "application": "A2", "expert": "E5", "score": 0.8 },
    { "application": "A3", "expert": "E3", "score": 0.7 },
    { "application": "A3", "expert": "E5", "score": 0.4 }
  ]
}
"#;

/// The tiny instance.
pub fn instance() -> Instance {
    panels::io::load_bundle_from_bytes(Path::new("tiny.json"), BUNDLE.as_bytes())
        .expect("the fixture loads")
}

/// A panels file from `(application, experts, scores)`.
pub fn panels_file(status: &str, objective: f64, rows: &[(&str, &[&str], &[f64])]) -> PanelsFile {
    PanelsFile {
        status: status.into(),
        objective,
        bound: Some(objective),
        panels: rows
            .iter()
            .map(|(a, es, ss)| PanelRecord {
                application: a.to_string(),
                programme: None,
                experts: es.iter().map(|e| e.to_string()).collect(),
                scores: Some(ss.to_vec()),
            })
            .collect(),
        solver: Some("hand".into()),
        seed: Some(7),
        input_sha256: None,
        certificate: None,
        stats: None,
        ..Default::default()
    }
}

/// The optimal panels, worked out by hand: A1 must take its only outside
/// expert E3 and then its best home expert E6 (0.5 + 1.0); A2 takes E1 and
/// E5 (0.6 + 0.8); A3 takes E3 and E5 (0.7 + 0.4). Total 4.0.
pub fn optimal() -> PanelsFile {
    panels_file(
        "optimal",
        4.0,
        &[
            ("A1", &["E3", "E6"], &[0.5, 1.0]),
            ("A2", &["E1", "E5"], &[0.6, 0.8]),
            ("A3", &["E3", "E5"], &[0.7, 0.4]),
        ],
    )
}

/// Panels that break rules: A1 gets E1 (same institution) and E2 (home
/// city, so no outside member).
pub fn broken() -> PanelsFile {
    panels_file(
        "feasible",
        0.9,
        &[
            ("A1", &["E1", "E2"], &[0.0, 0.9]),
            ("A2", &["E1", "E5"], &[0.6, 0.8]),
            ("A3", &["E3", "E5"], &[0.7, 0.4]),
        ],
    )
}
