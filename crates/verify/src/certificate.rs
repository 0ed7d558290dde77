//! `verify --certificate`: re-checks the optimality certificate of a panels
//! file from the instance alone (see [`crate::certificate`] for the LP and
//! why its dual value bounds every assignment).
//!
//! The duals are read by model names (applications, cities, institutions,
//! experts), signs are checked, `z` is recomputed for every eligible pair
//! (for large rounds through the score index, which sums the same number
//! without enumerating pairs that share nothing with an application; see
//! [`panels_core::certificate::dual_bound_fast`]),
//! and the dual objective `D` is summed exactly in millionths. `D` equal to
//! the recomputed objective proves the assignment optimal; `D` above it
//! proves only that no assignment beats `D`.

use crate::eligibility::Eligibility;
use crate::io::panels::PanelsFile;
use crate::model::Instance;
use panels_core::certificate::{dual_bound_fast, DualCertificate};

use super::fmt_micro;

/// What the certificate proves.
#[derive(Clone, Debug, PartialEq)]
pub enum CertificateOutcome {
    /// The file carries no certificate.
    Absent,
    /// The certificate cannot be read or fails a sign or name check.
    Invalid(String),
    /// The duals prove the bound `bound`, which equals the objective: the
    /// assignment is optimal.
    Proven {
        /// Dual bound, millionths.
        bound: i64,
    },
    /// The duals prove only `bound`, above the objective.
    BoundOnly {
        /// Dual bound, millionths.
        bound: i64,
        /// Recomputed objective, millionths.
        objective: i64,
        /// The file's status.
        status: String,
    },
}

impl CertificateOutcome {
    /// True when the certificate backs what the file claims: optimality for
    /// `status: optimal`, a valid bound otherwise.
    pub fn is_ok(&self) -> bool {
        match self {
            CertificateOutcome::Proven { .. } => true,
            CertificateOutcome::BoundOnly { status, .. } => status != "optimal",
            CertificateOutcome::Absent | CertificateOutcome::Invalid(_) => false,
        }
    }

    /// One line in plain words.
    pub fn describe(&self) -> String {
        match self {
            CertificateOutcome::Absent => {
                "certificate: none in this file, so nothing to check (--certificate exits 2 unless a rule or claim failed)".into()
            }
            CertificateOutcome::Invalid(why) => format!("certificate: FAILED: {why}"),
            CertificateOutcome::Proven { bound } => format!(
                "certificate: OK: the LP duals prove no assignment scores above {}, which this one reaches: optimal",
                fmt_micro(*bound)
            ),
            CertificateOutcome::BoundOnly { bound, objective, status } => format!(
                "certificate: {}: the LP duals prove a bound of {}, above the objective {} (gap {})",
                if status == "optimal" { "FAILED (status says optimal)" } else { "bound only" },
                fmt_micro(*bound),
                fmt_micro(*objective),
                fmt_micro(bound - objective)
            ),
        }
    }
}

/// Checks the certificate of `panels` against `inst`; `objective_micro` is
/// the objective `verify` recomputed for the file's assignment.
pub fn check_certificate(
    inst: &Instance,
    elig: &Eligibility,
    panels: &PanelsFile,
    objective_micro: i64,
) -> CertificateOutcome {
    let Some(value) = &panels.certificate else {
        return CertificateOutcome::Absent;
    };
    let cert: DualCertificate = match serde_json::from_value(value.clone()) {
        Ok(c) => c,
        Err(e) => return CertificateOutcome::Invalid(format!("cannot read it: {e}")),
    };
    let duals = match cert.resolve(inst) {
        Ok(d) => d,
        Err(e) => return CertificateOutcome::Invalid(e.to_string()),
    };
    let bound = match dual_bound_fast(inst, elig, &duals) {
        Ok(b) => b as i64,
        Err(e) => return CertificateOutcome::Invalid(e.to_string()),
    };
    if cert.dual_objective != bound {
        return CertificateOutcome::Invalid(format!(
            "it states a dual objective of {}, but its duals give {}",
            fmt_micro(cert.dual_objective),
            fmt_micro(bound)
        ));
    }
    if bound == objective_micro {
        CertificateOutcome::Proven { bound }
    } else if bound > objective_micro {
        CertificateOutcome::BoundOnly {
            bound,
            objective: objective_micro,
            status: panels.status.clone(),
        }
    } else {
        // Weak duality makes this impossible for a feasible assignment; the
        // assignment itself must break a rule (the rule checks say which).
        CertificateOutcome::Invalid(format!(
            "its bound {} is below the objective {}: the assignment breaks a rule",
            fmt_micro(bound),
            fmt_micro(objective_micro)
        ))
    }
}
