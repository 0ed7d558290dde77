//! The panels file: what `solve` and `draw` write and `verify` and `report`
//! read (SPEC.md "Outputs").
//!
//! **Boundary:** the JSON shape here is the contract; new fields must be
//! optional so older files still read.

use serde::{Deserialize, Serialize};

/// A whole panels file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelsFile {
    /// `optimal` (proven), `feasible` (valid, not proven optimal; see `bound`).
    pub status: String,
    /// Total score of all assigned pairs.
    pub objective: f64,
    /// Best proven upper bound on the objective (equals it when optimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<f64>,
    /// One panel per application, in input order.
    pub panels: Vec<PanelRecord>,
    /// Which method produced the file, e.g. `flow` or `mip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver: Option<String>,
    /// The seed in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// SHA-256 of the instance's canonical content, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_sha256: Option<String>,
    /// Optimality certificate (dual values), re-checked by `verify --certificate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<serde_json::Value>,
    /// Solver statistics (timings, sizes); informative only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<serde_json::Value>,
}

/// One application's panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanelRecord {
    /// Application id.
    pub application: String,
    /// Expert ids, in a stable order (input order of the pool).
    pub experts: Vec<String>,
    /// Scores of the pairs, aligned with `experts` (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<Vec<f64>>,
}
