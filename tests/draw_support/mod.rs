//! Shared support for the draw tests: panels files from panel lists, and an
//! independent solution of the probability-capped LP with good_lp.
#![allow(dead_code)]

use good_lp::{variable, Expression, ProblemVariables, Solution, SolverModel, Variable};
use panels::draw;
use panels::eligibility::{Eligibility, EligiblePairs};
use panels::io::panels::PanelsFile;
use panels::mip::Model;
use panels::model::{total_as_f64, ExpertIx, Instance};

/// A panels file for `panels` (per application in input order), with the
/// correct objective and no bound, as `verify` expects it.
pub fn panels_file(inst: &Instance, panels: &[Vec<ExpertIx>]) -> PanelsFile {
    let elig = Eligibility::compute(inst);
    PanelsFile {
        status: "feasible".into(),
        objective: total_as_f64(draw::total_micro(inst, &elig, panels)),
        bound: None,
        panels: draw::log::panel_records(inst, &elig, panels),
        solver: None,
        seed: None,
        input_sha256: None,
        certificate: None,
        stats: None,
        ..Default::default()
    }
}

/// Violations `verify` finds in `panels`, rendered (empty when valid).
pub fn violations(inst: &Instance, panels: &[Vec<ExpertIx>]) -> Vec<String> {
    let report = panels::verify::verify(inst, &panels_file(inst, panels));
    report.violations.iter().map(|v| v.describe(inst)).collect()
}

/// The optimum of the LP "maximise Σ score·x over the SPEC rows of
/// `panels::mip::Model` with 0 ≤ x ≤ cap", solved by good_lp (microlp), in
/// millionths; `None` when the LP is infeasible. Independent of the flow.
pub fn capped_lp_optimum(inst: &Instance, pairs: &EligiblePairs, cap: f64) -> Option<f64> {
    let mut model = Model::new(inst, pairs);
    model.add_spec_rules();
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::with_capacity(model.columns().len());
    let cols: Vec<Variable> = model
        .columns()
        .iter()
        .map(|c| {
            let v = vars.add(variable().min(0.0).max(cap.min(f64::from(c.hi))));
            objective.add_mul(c.objective as f64, v);
            v
        })
        .collect();
    let mut problem = vars.maximise(objective.clone()).using(good_lp::microlp);
    for row in model.rows() {
        let mut expr = Expression::with_capacity(row.terms.len());
        for &(c, k) in &row.terms {
            expr.add_mul(k as f64, cols[c.ix()]);
        }
        if let Some(lo) = row.lo {
            if row.terms.is_empty() && lo > 0 {
                return None;
            }
            problem.add_constraint(expr.clone().geq(lo as f64));
        }
        if let Some(hi) = row.hi {
            problem.add_constraint(expr.leq(hi as f64));
        }
    }
    let sol = problem.solve().ok()?;
    Some(
        cols.iter()
            .zip(model.columns())
            .map(|(&v, c)| sol.value(v) * c.objective as f64)
            .sum(),
    )
}
