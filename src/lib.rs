//! `panels`: assigns review panels from an expert pool shared by several
//! cities, to a proven optimum.
//!
//! The library does the work; the `panels` binary is a thin CLI over
//! [`cli::run`]. The work is split into crates whose dependencies are the
//! architecture (ARCHITECTURE.md); this crate re-exports them under one
//! name, module by module.
//!
//! # Example: load, solve, verify
//!
//! A round from bytes (the JSON bundle of `docs/format.md`), solved to a
//! proven optimum, written as a panels file and checked by the
//! independent verifier:
//!
//! ```
//! use panels::eligibility::Eligibility;
//! use panels::{io, solve, verify};
//!
//! let bundle = br#"{
//!   "policy": { "panel_size": 2, "max_load": 3 },
//!   "experts": [
//!     { "id": "E1", "city": "Hefei", "institution": "USTC" },
//!     { "id": "E2", "city": "Nanchang", "institution": "NCU" },
//!     { "id": "E3", "city": "Yueyang", "institution": "HNIT" },
//!     { "id": "E4", "city": "Huangshi", "institution": "HBNU", "min_load": 1 }
//!   ],
//!   "applications": [
//!     { "id": "A1", "city": "Wuhan", "institution": "WHU" },
//!     { "id": "A2", "city": "Changsha", "institution": "CSU" }
//!   ],
//!   "affinity": [
//!     { "application": "A1", "expert": "E1", "score": 0.9 },
//!     { "application": "A1", "expert": "E2", "score": 0.8 },
//!     { "application": "A1", "expert": "E3", "score": 0.6 },
//!     { "application": "A1", "expert": "E4", "score": 0.3 },
//!     { "application": "A2", "expert": "E1", "score": 0.8 },
//!     { "application": "A2", "expert": "E2", "score": 0.9 },
//!     { "application": "A2", "expert": "E3", "score": 0.7 },
//!     { "application": "A2", "expert": "E4", "score": 0.2 }
//!   ]
//! }"#;
//! let inst = io::load_bundle_from_bytes(std::path::Path::new("round.json"), bundle)?;
//! let elig = Eligibility::compute(&inst);
//! let solved = solve::solve(&inst, &elig, solve::Method::Auto)?;
//! assert_eq!(solved.status, solve::Status::Optimal);
//!
//! // E4 must review once (min_load 1): it joins A1, where it costs least.
//! let file = solve::panels_file(&inst, &elig, &solved, String::new());
//! assert_eq!(file.panels[0].experts, ["E1", "E4"]);
//! assert_eq!(file.panels[1].experts, ["E1", "E2"]);
//! assert!((file.objective - 2.9).abs() < 1e-9);
//!
//! let report = verify::verify(&inst, &file);
//! assert!(report.is_ok(), "{}", report.render(&inst));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod bars;
pub mod cli;
pub mod console;

pub use panels_core::{certificate, eligibility, history, model, score};
pub use panels_flow as flow;
pub use panels_generate as generate;
pub use panels_io as io;
pub use panels_report as report;
#[cfg(feature = "serve")]
pub use panels_serve as serve;
pub use panels_solve as solve;
pub use panels_solve::{draw, mip};
pub use panels_verify as verify;
