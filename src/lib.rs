//! `panels`: assigns review panels from an expert pool shared by several
//! cities, to a proven optimum.
//!
//! The library does the work; the `panels` binary is a thin CLI over
//! [`cli::run`]. The work is split into crates whose dependencies are the
//! architecture (ARCHITECTURE.md); this crate re-exports them under one
//! name, module by module.
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
