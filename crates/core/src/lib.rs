//! The model of a review round and the rules over it: the instance
//! ([`model`]), the score of a pair ([`score`]), past reviews and
//! programmes ([`history`]), who may review what ([`eligibility`]), the
//! LP dual in model terms ([`certificate`]) and how names are compared
//! ([`names`], SPEC "Names as offices type them").
//!
//! Everything above (io, verify, the solvers, the report) works on these
//! types; this crate reads and writes no files.
#![deny(missing_docs)]

pub mod certificate;
pub mod eligibility;
pub mod history;
pub mod model;
pub mod names;
pub mod score;
