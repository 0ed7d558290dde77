//! The price of each rule family: how much total score the round gives up
//! for it. The price of a family is `OPT(round without the family) −
//! OPT(round)`; both optima are known exactly only when both sides are
//! proven optimal. Otherwise each side is an interval — the best known
//! assignment below, a proven bound above — and the price is the interval
//! `[max(0, without.objective − with.bound), without.bound −
//! with.objective]`: never below 0, because dropping rules cannot lower
//! the optimum.
//!
//! The side with every rule comes from the panels themselves (when they
//! keep every rule) and their certificate (when it checks), else from a
//! re-solve; the side without a family is always a re-solve. Re-solves go
//! through [`crate::solve::solve_with`], so large flow rounds are solved on
//! candidates with pricing ([`crate::solve::pricing`]), never on every
//! eligible pair.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::eligibility::Eligibility;
use crate::io::panels::PanelsFile;
use crate::model::Instance;
use crate::solve::{self, Method, SolveOptions};
use crate::verify;

/// A family of rules priced together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Where reviewers come from: `min_outside_share`, `min_outside`,
    /// `max_per_city`, `min_outside_share_round`,
    /// `min_outside_share_by_city`.
    City,
    /// `min_senior`.
    Senior,
    /// `cover_fields`.
    CoverFields,
    /// `max_copanel`.
    Copanel,
}

impl Family {
    /// Every family, in report order.
    pub const ALL: [Family; 4] = [
        Family::City,
        Family::Senior,
        Family::CoverFields,
        Family::Copanel,
    ];

    /// The policy fields of the family.
    pub(crate) fn policy_fields(self) -> &'static [&'static str] {
        match self {
            Family::City => &[
                "min_outside_share",
                "min_outside",
                "max_per_city",
                "min_outside_share_round",
                "min_outside_share_by_city",
            ],
            Family::Senior => &["min_senior"],
            Family::CoverFields => &["cover_fields"],
            Family::Copanel => &["max_copanel"],
        }
    }

    /// The fields of the family a programme may override
    /// (`programmes.<name>.<field>`, SPEC "Programmes").
    pub(crate) fn programme_fields(self) -> &'static [&'static str] {
        match self {
            Family::City => &["min_outside_share", "min_outside", "max_per_city"],
            Family::Senior => &["min_senior"],
            Family::CoverFields => &["cover_fields"],
            Family::Copanel => &[],
        }
    }

    /// The family's key in the figures and on the command line
    /// (`panels export --without KEY`).
    pub fn key(self) -> &'static str {
        match self {
            Family::City => "city",
            Family::Senior => "senior",
            Family::CoverFields => "cover_fields",
            Family::Copanel => "copanel",
        }
    }

    /// True when a rule of the family binds anything in this round: the
    /// round's own or a programme's.
    pub fn in_force(self, inst: &Instance) -> bool {
        let p = &inst.policy;
        match self {
            Family::City => {
                inst.app_ixs()
                    .any(|a| inst.min_outside(a) > 0 || inst.max_per_city(a).is_some())
                    || !inst.round_outside_targets().is_empty()
            }
            Family::Senior => inst.app_ixs().any(|a| inst.min_senior(a) > 0),
            Family::CoverFields => inst.app_ixs().any(|a| inst.cover_fields(a)),
            Family::Copanel => p.max_copanel.is_some(),
        }
    }

    /// The round without this family's rules, everywhere they apply: the
    /// round's fields and every programme's overrides of them (a
    /// programme's `min_outside_share` is the same rule for its
    /// applications). Everything else is kept. The rules it drops are
    /// [`Family::dropped`].
    pub fn relax(self, inst: &Instance) -> Instance {
        let mut r = inst.clone();
        let p = &mut r.policy;
        match self {
            Family::City => {
                p.min_outside_share = 0.0;
                p.min_outside = 0;
                p.max_per_city = None;
                p.min_outside_share_round = None;
                p.min_outside_share_by_city.clear();
            }
            Family::Senior => p.min_senior = 0,
            Family::CoverFields => p.cover_fields = false,
            Family::Copanel => p.max_copanel = None,
        }
        for rules in p.programmes.values_mut() {
            match self {
                Family::City => {
                    rules.min_outside_share = None;
                    rules.min_outside = None;
                    rules.max_per_city = None;
                }
                Family::Senior => rules.min_senior = None,
                Family::CoverFields => rules.cover_fields = None,
                Family::Copanel => {}
            }
        }
        r
    }

    /// The rules in force that [`Family::relax`] drops, as policy paths:
    /// `min_outside_share`, `programmes.<name>.min_outside_share`,
    /// `min_outside_share_by_city.<city>` (rules-table order).
    pub fn dropped(self, inst: &Instance) -> Vec<String> {
        crate::rules_in_force(inst)
            .iter()
            .filter(|r| self.owns(r))
            .map(|r| match (&r.city, &r.programme) {
                (Some(city), _) => format!("{}.{city}", r.rule),
                (None, Some(p)) => format!("programmes.{p}.{}", r.rule),
                (None, None) => r.rule.clone(),
            })
            .collect()
    }

    /// True when a rule in force belongs to this family.
    pub(crate) fn owns(self, r: &crate::RuleInForce) -> bool {
        let fields = if r.programme.is_some() {
            self.programme_fields()
        } else {
            self.policy_fields()
        };
        fields.contains(&r.rule.as_str())
    }
}

/// One side of a comparison: the best assignment known and a proven upper
/// bound on the optimum (in millionths).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// The best total score known (an assignment keeping the side's rules
    /// reaches it).
    pub objective_micro: i64,
    /// Proven: no assignment keeping the side's rules scores above this.
    /// `None` when nothing was proven.
    pub bound_micro: Option<i64>,
    /// Where the numbers come from: `panels` (these panels), `certificate`
    /// (their LP certificate, re-checked), `flow`, `mip` or `lagrange` (a
    /// re-solve in this run), joined with `+`.
    pub source: String,
}

impl Side {
    /// True when the optimum is known exactly.
    pub fn proven(&self) -> bool {
        self.bound_micro == Some(self.objective_micro)
    }
}

/// The price of one family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamilyPrice {
    /// The family.
    pub family: Family,
    /// The rules in force the side without the family drops, as policy
    /// paths ([`Family::dropped`]).
    #[serde(default)]
    pub dropped: Vec<String>,
    /// What was found.
    pub outcome: PriceOutcome,
}

/// What the comparison found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PriceOutcome {
    /// Both sides solved.
    Priced {
        /// The round with every rule.
        with: Side,
        /// The round without this family.
        without: Side,
        /// The price is at least this (millionths, never below 0).
        low_micro: i64,
        /// The price is at most this; `None` when the side without the
        /// family has no proven bound.
        high_micro: Option<i64>,
    },
    /// No rule of the family is in force.
    NotInForce,
    /// Not asked for (`--no-price`).
    Skipped,
    /// A re-solve gave no answer (the message says why).
    Failed {
        /// Why.
        message: String,
    },
}

impl PriceOutcome {
    /// True when the price is one proven number (`low == high`).
    pub fn exact(&self) -> Option<i64> {
        match self {
            PriceOutcome::Priced {
                low_micro,
                high_micro: Some(h),
                ..
            } if h == low_micro => Some(*low_micro),
            _ => None,
        }
    }
}

fn options(limit: Duration) -> SolveOptions {
    SolveOptions {
        method: Method::Auto,
        time_limit: Some(limit),
        ..SolveOptions::default()
    }
}

/// A re-solve as a side. When the solver gives an LP certificate, its
/// panels are checked the way `panels verify --certificate` checks a file
/// (every rule kept, the objective recomputed from the instance, the
/// duals' bound computed from the instance alone, never through the
/// solver); the side then carries the certificate's bound and its source
/// ends in `+certificate`. Without a certificate (the MIP, the Lagrangian,
/// a flow with the city bonus) the solver's own bound is shown, and the
/// source is the solver's name alone.
fn solved_side(inst: &Instance, elig: &Eligibility, s: &solve::Solved) -> Side {
    let plain = Side {
        objective_micro: s.objective_micro,
        bound_micro: s.bound_micro.map(|b| b.max(s.objective_micro)),
        source: s.solver.to_string(),
    };
    if s.certificate.is_none() {
        return plain;
    }
    let file = solve::panels_file(inst, elig, s, String::new());
    let checked = verify::verify_with(inst, elig, &file);
    if !checked.rules_ok() {
        return plain;
    }
    let objective = checked.objective_micro;
    match verify::check_certificate(inst, elig, &file, objective) {
        verify::CertificateOutcome::Proven { bound }
        | verify::CertificateOutcome::BoundOnly { bound, .. } => Side {
            objective_micro: objective,
            bound_micro: Some(bound.max(objective)),
            source: format!("{}+certificate", s.solver),
        },
        _ => plain,
    }
}

/// The side with every rule: the panels' own objective when they keep
/// every rule, bounded by their certificate when it checks, else by a
/// re-solve of the round (which may also find a better assignment).
pub(crate) fn with_every_rule(
    inst: &Instance,
    elig: &Eligibility,
    panels: &PanelsFile,
    report: &verify::Report,
    limit: Duration,
) -> Result<Side, String> {
    let keeps_rules = report.rule_violations().next().is_none();
    let own = keeps_rules.then_some(report.objective_micro);
    if let Some(obj) = own {
        if panels.certificate.is_some() {
            match verify::check_certificate(inst, elig, panels, obj) {
                verify::CertificateOutcome::Proven { bound }
                | verify::CertificateOutcome::BoundOnly { bound, .. } => {
                    return Ok(Side {
                        objective_micro: obj,
                        bound_micro: Some(bound.max(obj)),
                        source: "panels+certificate".into(),
                    })
                }
                _ => {}
            }
        }
    }
    match solve::solve_with(inst, elig, &options(limit)) {
        Ok(s) => {
            let mut side = solved_side(inst, elig, &s);
            if let Some(obj) = own.filter(|&o| o >= side.objective_micro) {
                side.objective_micro = obj;
                side.source = format!("panels+{}", side.source);
            }
            if let Some(b) = side.bound_micro.as_mut() {
                *b = (*b).max(side.objective_micro);
            }
            Ok(side)
        }
        Err(e) => match own {
            Some(obj) => Ok(Side {
                objective_micro: obj,
                bound_micro: None,
                source: "panels".into(),
            }),
            None => Err(e.to_string().trim().to_string()),
        },
    }
}

/// The price of `family`, given the side with every rule (or why it is
/// unknown).
pub(crate) fn price_family(
    inst: &Instance,
    elig: &Eligibility,
    family: Family,
    with: &Result<Side, String>,
    limit: Duration,
) -> PriceOutcome {
    if !family.in_force(inst) {
        return PriceOutcome::NotInForce;
    }
    let with = match with {
        Ok(w) => w.clone(),
        Err(m) => return PriceOutcome::Failed { message: m.clone() },
    };
    let relaxed = family.relax(inst);
    // The relaxation keeps every eligibility field, so `elig` holds.
    let without = match solve::solve_with(&relaxed, elig, &options(limit)) {
        Ok(s) => solved_side(&relaxed, elig, &s),
        Err(e) => {
            return PriceOutcome::Failed {
                message: e.to_string().trim().to_string(),
            }
        }
    };
    interval(with, without)
}

/// The price interval of two sides (see the module docs).
pub fn interval(with: Side, without: Side) -> PriceOutcome {
    let low = with
        .bound_micro
        .map_or(0, |b| (without.objective_micro - b).max(0));
    let high = without
        .bound_micro
        .map(|b| (b - with.objective_micro).max(low));
    PriceOutcome::Priced {
        with,
        without,
        low_micro: low,
        high_micro: high,
    }
}

/// The price of every family, in [`Family::ALL`] order; `None` as limit
/// skips the re-solves.
pub fn prices(
    inst: &Instance,
    elig: &Eligibility,
    panels: &PanelsFile,
    report: &verify::Report,
    limit: Option<Duration>,
) -> Vec<FamilyPrice> {
    let in_force: Vec<Family> = Family::ALL
        .into_iter()
        .filter(|f| f.in_force(inst))
        .collect();
    let Some(limit) = limit else {
        return in_force
            .into_iter()
            .map(|family| FamilyPrice {
                family,
                dropped: family.dropped(inst),
                outcome: PriceOutcome::Skipped,
            })
            .collect();
    };
    if in_force.is_empty() {
        return Vec::new();
    }
    let with = with_every_rule(inst, elig, panels, report, limit);
    in_force
        .into_iter()
        .map(|family| FamilyPrice {
            family,
            dropped: family.dropped(inst),
            outcome: price_family(inst, elig, family, &with, limit),
        })
        .collect()
}
