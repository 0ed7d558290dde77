//! `panels`: assigns review panels from an expert pool shared by several
//! cities, to a proven optimum.
//!
//! The library does the work; the `panels` binary is a thin CLI over
//! [`cli::run`]. See ARCHITECTURE.md for a map of the modules.
#![deny(missing_docs)]

pub mod certificate;
pub mod cli;
pub mod console;
pub mod draw;
pub mod eligibility;
pub mod flow;
pub mod generate;
pub mod history;
pub mod io;
pub mod mip;
pub mod model;
pub mod report;
pub mod score;
pub mod solve;
pub mod verify;
