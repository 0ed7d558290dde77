//! The probability-capped LP as an integer min-cost flow (module docs of
//! [`crate::draw`], "The capped LP is a flow").
//!
//! The solve network ([`crate::network::encode`]) is copied with
//! every supply and bound multiplied by `D` and each pair arc capped at `P`
//! (`p = P/D`); its exact integer optimum, read in units of `1/D`, is an
//! optimal solution of the capped LP.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::round::dependent_round;
use super::DrawError;
use crate::eligibility::EligiblePairs;
use crate::flow::{self, FlowError, Network};
use crate::model::{AppIx, ExpertIx, Instance};
use crate::network::{encode, ArcRole, Encoded};

/// Units of probability per 1: `max_probability` is rounded to 6 decimals.
pub const PROBABILITY_UNITS: i64 = 1_000_000;

/// The cap `p` as a fraction `(P, D)` in lowest terms, with `D` dividing
/// [`PROBABILITY_UNITS`]: `p` is rounded to 6 decimals and clamped to
/// `[10⁻⁶, 1]`; `None` means 1, i.e. `(1, 1)`.
pub fn cap_fraction(p: Option<f64>) -> (i64, i64) {
    let Some(p) = p else { return (1, 1) };
    let units = if p.is_finite() {
        ((p * PROBABILITY_UNITS as f64).round() as i64).clamp(1, PROBABILITY_UNITS)
    } else {
        PROBABILITY_UNITS
    };
    let g = gcd(units, PROBABILITY_UNITS);
    (units / g, PROBABILITY_UNITS / g)
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// One pair's probability: `units / D`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marginal {
    /// The application.
    pub app: AppIx,
    /// The expert.
    pub expert: ExpertIx,
    /// Probability in units of `1/D`.
    pub units: i64,
}

/// An optimal solution of the capped LP, ready to be sampled.
#[derive(Debug)]
pub struct CappedLp {
    /// The solve network and its maps to the model (pair arcs cap 1).
    pub enc: Encoded,
    /// The scaled network: supplies and bounds × `D`, pair arcs capped at `P`.
    pub scaled: Network,
    /// `D`: flows of [`CappedLp::flow`] are in units of `1/D`.
    pub denominator: i64,
    /// `P`: the cap is `P/D`.
    pub cap_units: i64,
    /// Optimal flow of `scaled`, indexed like the arcs of `enc.net`.
    pub flow: Vec<i64>,
    /// `D ×` the expected total score, in millionths (exact).
    pub expected_micro_times_d: i128,
}

impl CappedLp {
    /// Solves the capped LP for the cap `max_probability` (`None`: 1).
    ///
    /// The caller has checked that the rules nest and that the uncapped
    /// problem is feasible; infeasibility here is then the cap's fault.
    ///
    /// # Errors
    /// [`DrawError::CapTooLow`] with the applications or experts the cap
    /// starves; [`DrawError::Flow`] when the scaled numbers are too large.
    pub fn solve(
        inst: &Instance,
        pairs: &EligiblePairs,
        max_probability: Option<f64>,
    ) -> Result<CappedLp, DrawError> {
        let (cap_units, denominator) = cap_fraction(max_probability);
        let enc = encode(inst, pairs);
        let scaled = scale(&enc, cap_units, denominator);
        let sol = match scaled.solve() {
            Ok(sol) => sol,
            Err(FlowError::Infeasible(_)) => {
                return Err(DrawError::CapTooLow(explain_cap(
                    inst,
                    pairs,
                    &enc,
                    max_probability.unwrap_or(1.0),
                )))
            }
            Err(e) => return Err(DrawError::Flow(e)),
        };
        flow::certify(&scaled, &sol).map_err(|e| DrawError::Internal(e.to_string()))?;
        Ok(CappedLp {
            enc,
            scaled,
            denominator,
            cap_units,
            flow: sol.flow,
            expected_micro_times_d: -sol.cost,
        })
    }

    /// Solves the capped LP on candidate pairs with pricing, for rounds too
    /// large for every pair ([`crate::pricing::run_sparse`] with the
    /// pair arcs capped): the pruned pairs are priced against the capped
    /// LP's duals, so no pair left out would get probability in an optimal
    /// solution and the result is an optimum of the capped LP over **all**
    /// eligible pairs. Returns the LP, the candidate pairs (every pair with
    /// probability is among them) and the exact number of eligible pairs.
    ///
    /// # Errors
    /// As [`CappedLp::solve`].
    pub fn solve_sparse(
        inst: &Instance,
        elig: &crate::eligibility::Eligibility,
        k: usize,
        max_probability: Option<f64>,
    ) -> Result<(CappedLp, EligiblePairs, usize), DrawError> {
        use crate::{pricing, SolveError, SolveOptions};
        let (cap_units, denominator) = cap_fraction(max_probability);
        let run = match pricing::run_sparse(
            inst,
            elig,
            k,
            &SolveOptions::default(),
            (cap_units, denominator),
        ) {
            Ok(run) => run,
            Err(SolveError::Infeasible(_)) => {
                return Err(DrawError::CapTooLow(CapTooLow {
                    cap: max_probability.unwrap_or(1.0),
                    applied_units: cap_units * (PROBABILITY_UNITS / denominator),
                    needed_units: None,
                    findings: vec![
                        "the city, institution and load rules with this cap leave too few experts to spread the seats over (found on candidate pairs with every eligible pair of the starved applications)".into(),
                    ],
                    findings_zh: vec![
                        "在这一上限下，每市、每单位人数和评审量规则留下的专家太少，无法分摊这些席位（在候选配对及缺人项目的全部合格配对上求得）".into(),
                    ],
                }));
            }
            Err(e) => return Err(e.into()),
        };
        let scaled = run.enc.net.clone();
        let mut enc = run.enc;
        enc.net = unscale(&enc, denominator);
        let lp = CappedLp {
            enc,
            scaled,
            denominator,
            cap_units,
            flow: run.flow,
            expected_micro_times_d: i128::from(run.objective),
        };
        Ok((lp, run.candidates.to_pairs(), run.eligible_pairs))
    }

    /// The cap as a float (`P/D`).
    pub fn cap(&self) -> f64 {
        self.cap_units as f64 / self.denominator as f64
    }

    /// Expected total score of a draw, as a float.
    pub fn expected_objective(&self) -> f64 {
        self.expected_micro_times_d as f64
            / self.denominator as f64
            / crate::model::SCORE_SCALE as f64
    }

    /// Every pair with positive probability, by application then expert
    /// (input order).
    pub fn marginals(&self) -> Vec<Marginal> {
        let mut out: Vec<Marginal> = self
            .enc
            .arc_roles
            .iter()
            .zip(&self.flow)
            .filter_map(|(role, &f)| match *role {
                ArcRole::Pair(app, expert) if f > 0 => Some(Marginal {
                    app,
                    expert,
                    units: f,
                }),
                _ => None,
            })
            .collect();
        out.sort_unstable_by_key(|m| (m.app, m.expert));
        out
    }

    /// Samples panels with seed `seed` by dependent rounding; returns the
    /// panels (input order) and the number of cycles rounded.
    ///
    /// # Errors
    /// [`DrawError::Internal`] if the rounded flow broke a bound or
    /// conservation (never expected; checked every time).
    pub fn sample(&self, seed: u64) -> Result<(Vec<Vec<ExpertIx>>, usize), DrawError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (flow, steps) = dependent_round(&self.scaled, &self.flow, self.denominator, &mut rng)
            .map_err(|e| DrawError::Internal(e.to_string()))?;
        check_feasible(&self.enc.net, &flow).map_err(DrawError::Internal)?;
        Ok((self.enc.panels(&flow), steps))
    }
}

/// The scaled copy of the solve network (same node and arc numbering).
fn scale(enc: &Encoded, cap_units: i64, d: i64) -> Network {
    let net = &enc.net;
    let mut out = Network::with_capacity(net.num_nodes(), net.num_arcs());
    for n in net.nodes() {
        let m = out.add_node();
        out.set_supply(m, net.supply(n).saturating_mul(d));
    }
    for a in net.arcs() {
        let upper = match enc.arc_role(a) {
            ArcRole::Pair(..) => cap_units,
            _ => net.upper(a).saturating_mul(d),
        };
        out.add_arc(
            net.source(a),
            net.target(a),
            net.lower(a).saturating_mul(d),
            upper,
            net.cost(a),
        );
    }
    out
}

/// The solve network back from its scaled copy: supplies and bounds ÷ `d`
/// (they were multiplied by it), pair arcs `[0, 1]`.
fn unscale(enc: &Encoded, d: i64) -> Network {
    let net = &enc.net;
    let mut out = Network::with_capacity(net.num_nodes(), net.num_arcs());
    for n in net.nodes() {
        let m = out.add_node();
        out.set_supply(m, net.supply(n) / d);
    }
    for a in net.arcs() {
        let (lo, hi) = match enc.arc_role(a) {
            ArcRole::Pair(..) => (0, 1),
            _ => (net.lower(a) / d, net.upper(a) / d),
        };
        out.add_arc(net.source(a), net.target(a), lo, hi, net.cost(a));
    }
    out
}

/// Bounds and conservation of an integral flow (the rules, in flow terms).
pub(crate) fn check_feasible(net: &Network, flow: &[i64]) -> Result<(), String> {
    if flow.len() != net.num_arcs() {
        return Err("rounded flow has the wrong length".into());
    }
    let mut balance: Vec<i128> = net.nodes().map(|n| i128::from(net.supply(n))).collect();
    for a in net.arcs() {
        let f = flow[a.index()];
        if f < net.lower(a) || f > net.upper(a) {
            return Err(format!(
                "rounded flow {f} on {a} outside [{}, {}]",
                net.lower(a),
                net.upper(a)
            ));
        }
        balance[net.source(a).index()] -= i128::from(f);
        balance[net.target(a).index()] += i128::from(f);
    }
    match balance.iter().position(|&b| b != 0) {
        Some(n) => Err(format!("rounded flow breaks conservation at node {n}")),
        None => Ok(()),
    }
}

/// The rules can be met, but not with every pair's probability at most
/// the cap: what starves, and what would fix it.
#[derive(Clone, Debug, PartialEq)]
pub struct CapTooLow {
    /// The cap as given (shown as given, however small).
    pub cap: f64,
    /// The cap as applied, in millionths ([`PROBABILITY_UNITS`]): caps are
    /// rounded to 6 decimals, and at least 0.000001.
    pub applied_units: i64,
    /// The smallest cap, in millionths, with which the rules can be met
    /// (found by solving); `None` when not searched (a round solved on
    /// candidate pairs).
    pub needed_units: Option<i64>,
    /// Every application or expert the cap starves, one line each (at
    /// most [`CapTooLow::SHOWN`], then how many more), or one general
    /// line.
    pub findings: Vec<String>,
    /// The findings in Chinese, line for line.
    pub findings_zh: Vec<String>,
}

impl CapTooLow {
    /// Lines of findings shown; the rest are counted.
    pub const SHOWN: usize = 12;

    /// The smallest cap with which the rules can be met, as a float
    /// (`needed_units` millionths), if searched.
    pub fn needed(&self) -> Option<f64> {
        self.needed_units
            .map(|u| u as f64 / PROBABILITY_UNITS as f64)
    }
}

/// Millionths of probability as a decimal with 6 places, exactly (no float
/// rounding: `181819` is `0.181819`).
pub fn units_text(units: i64) -> String {
    format!(
        "{}.{:06}",
        units / PROBABILITY_UNITS,
        units % PROBABILITY_UNITS
    )
}

/// A cap as given: as written for ordinary values, in exponent form when
/// tiny (`1e-300`, not 300 zeros), never rounded.
fn cap_text(p: f64) -> String {
    if p != 0.0 && p.abs() < 1e-4 {
        format!("{p:e}")
    } else {
        format!("{p}")
    }
}

impl CapTooLow {
    /// The explanation in `lang` (in English, as [`std::fmt::Display`]
    /// prints it): each line worded here in both languages, the findings
    /// where they are found.
    pub fn text(&self, lang: crate::io::office::Lang) -> String {
        let zh = lang == crate::io::office::Lang::Zh;
        let say = |en: String, cn: String| if zh { cn } else { en };
        let applied = self.applied_units as f64 / PROBABILITY_UNITS as f64;
        let (cap, units) = (cap_text(self.cap), units_text(self.applied_units));
        let rounded = match (applied == self.cap, zh) {
            (true, _) => String::new(),
            (false, false) => {
                format!("; caps are counted in millionths, so it was applied as {units}")
            }
            (false, true) => format!("；上限按百万分之一计，实际按 {units} 执行"),
        };
        let mut out = say(
            format!(
                "infeasible: the rules can be met, but not with every pair drawn with probability at most {cap} (max_probability{rounded})\n"
            ),
            format!(
                "无法抽取：规则本身可以满足，但不能让每个配对的抽中概率都不超过 {cap}（max_probability{rounded}）\n"
            ),
        );
        for (i, line) in self.findings.iter().enumerate() {
            let cn = self.findings_zh.get(i).filter(|l| !l.is_empty());
            let line = if zh { cn.unwrap_or(line) } else { line };
            out.push_str(&format!("  - {line}\n"));
        }
        out.push_str(if zh {
            "修改建议：\n"
        } else {
            "what would fix it:\n"
        });
        out.push_str(&match self.needed_units {
            Some(u) => {
                let u = units_text(u);
                say(
                    format!("  - raise max_probability to at least {u} (the smallest cap, in millionths, with which every rule can be met), or add eligible experts to the pool\n"),
                    format!("  - 将 max_probability 提高到至少 {u}（能满足全部规则的最小上限，按百万分之一计），或在专家库中增加合格专家\n"),
                )
            }
            None => say(
                "  - raise max_probability, or add eligible experts to the pool\n".into(),
                "  - 提高 max_probability，或在专家库中增加合格专家\n".into(),
            ),
        });
        out
    }
}

impl std::fmt::Display for CapTooLow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(crate::io::office::Lang::En))
    }
}

/// `k / n` rounded up to millionths: the smallest cap `u / 10⁶` with
/// `u · n ≥ k · 10⁶`.
fn units_up(k: i64, n: i64) -> i64 {
    if n <= 0 {
        return PROBABILITY_UNITS + 1;
    }
    let need = i128::from(k) * i128::from(PROBABILITY_UNITS);
    let n = i128::from(n);
    ((need + n - 1) / n) as i64
}

/// True when the capped LP has a solution with every pair at most
/// `units` millionths.
fn feasible_at(enc: &Encoded, units: i64) -> bool {
    let g = gcd(units, PROBABILITY_UNITS);
    scale(enc, units / g, PROBABILITY_UNITS / g).solve().is_ok()
}

/// Why the cap `cap` leaves no fractional assignment, and the smallest cap
/// that leaves one.
///
/// Every counting bound is listed (an application's panel among its
/// eligible experts, its outside-city members among the eligible experts
/// from other cities, an expert's `min_load` among the applications they
/// are eligible for), each as an exact fraction; the smallest cap is then
/// the smallest number of millionths, at least every bound rounded up,
/// with which the capped LP is feasible: the bounds' maximum when that is
/// feasible (one solve), else found by bisection (the city, institution
/// and load rules bind together; about 20 solves). The caller knows the
/// round is feasible without a cap, so a cap of 1 is.
fn explain_cap(inst: &Instance, pairs: &EligiblePairs, enc: &Encoded, cap: f64) -> CapTooLow {
    let (p, d) = cap_fraction(Some(cap));
    let applied_units = p * (PROBABILITY_UNITS / d);
    // Each starved bound: the cap it needs (millionths, rounded up) and
    // its line.
    // its line, in English and Chinese.
    let mut bounds: Vec<(i64, (String, String))> = Vec::new();
    let bound = |bounds: &mut Vec<(i64, (String, String))>, k: i64, n: i64, line| {
        bounds.push((units_up(k, n), line));
    };
    let frac = |k: i64, n: i64| {
        let up = units_up(k, n);
        if up > PROBABILITY_UNITS {
            (format!("{k}/{n}, above 1"), format!("{k}/{n}，大于 1"))
        } else if up * n == k * PROBABILITY_UNITS {
            let f = format!("{k}/{n} = {}", units_text(up));
            (f.clone(), f)
        } else {
            let u = units_text(up);
            (
                format!("{k}/{n}, {u} rounded up"),
                format!("{k}/{n}，向上取整为 {u}"),
            )
        }
    };
    for a in inst.app_ixs() {
        let k = i64::from(inst.panel_size(a));
        let q = i64::from(inst.min_outside(a));
        let experts = pairs.experts_of(a);
        let home = inst.applications[a.ix()].city;
        let n = experts.len() as i64;
        let out_n = experts
            .iter()
            .filter(|e| inst.experts[e.ix()].city != home)
            .count() as i64;
        let id = &inst.applications[a.ix()].id;
        // Σ x ≤ p·n must reach k (in units: P·n ≥ k·D); each bound on its
        // own, both when both bind.
        if p * n < k * d {
            bound(&mut bounds, k, n, {
                let (f, f_zh) = frac(k, n);
                (
                        format!(
                            "{id} needs {k} expert(s) from {n} eligible: each would have to be drawn with probability ≥ {f}"
                        ),
                        format!(
                            "{id} 需要从 {n} 名合格专家中抽取 {k} 名：每人的抽中概率都须 ≥ {f_zh}"
                        ),
                    )
            });
        }
        if q > 0 && p * out_n < q * d {
            bound(&mut bounds, q, out_n, {
                let (f, f_zh) = frac(q, out_n);
                let city = inst.app_city(a);
                (
                        format!(
                            "{id} needs {q} expert(s) from outside {city} among {out_n} eligible: each would have to be drawn with probability ≥ {f}"
                        ),
                        format!(
                            "{id} 需要从 {out_n} 名合格的{city}以外专家中抽取 {q} 名：每人的抽中概率都须 ≥ {f_zh}"
                        ),
                    )
            });
        }
    }
    let mut apps_of = vec![0i64; inst.experts.len()];
    for e in &pairs.experts {
        apps_of[e.ix()] += 1;
    }
    for e in inst.expert_ixs() {
        let floor = i64::from(inst.min_load(e));
        let n = apps_of[e.ix()];
        if floor > 0 && p * n < floor * d {
            bound(&mut bounds, floor, n, {
                let (f, f_zh) = frac(floor, n);
                let id = &inst.experts[e.ix()].id;
                (
                        format!(
                            "{id} must review at least {floor} (min_load) of the {n} application(s) they are eligible for: each would have to be drawn with probability ≥ {f}"
                        ),
                        format!(
                            "{id} 至少要评审其符合条件的 {n} 个项目中的 {floor} 个（min_load）：每个项目的抽中概率都须 ≥ {f_zh}"
                        ),
                    )
            });
        }
    }
    // The smallest cap every counting bound allows, in millionths; the
    // most binding bounds first (input order among equals).
    let lower = bounds.iter().map(|b| b.0).fold(applied_units + 1, i64::max);
    bounds.sort_by_key(|b| std::cmp::Reverse(b.0));
    let mut lines: Vec<(String, String)> = bounds.into_iter().map(|b| b.1).collect();
    let needed_units = if lower > PROBABILITY_UNITS {
        None
    } else if feasible_at(enc, lower) {
        Some(lower)
    } else {
        // Feasibility only grows with the cap: the first feasible number
        // of millionths above `lower`.
        let (mut lo, mut hi) = (lower, PROBABILITY_UNITS);
        if feasible_at(enc, hi) {
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if feasible_at(enc, mid) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            let u = units_text(hi);
            lines.insert(
                0,
                (
                    format!(
                        "below {u}, the city, institution and load rules together leave too few experts to spread the seats over"
                    ),
                    format!(
                        "上限低于 {u} 时，每市、每单位人数和评审量规则合起来留下的专家太少，无法分摊这些席位"
                    ),
                ),
            );
            Some(hi)
        } else {
            None
        }
    };
    if lines.is_empty() {
        lines.push((
            "no single application or expert is starved: the city, institution and load rules together leave too few experts to spread the seats over".into(),
            "没有哪个项目或专家单独缺人：每市、每单位人数和评审量规则合起来留下的专家太少，无法分摊这些席位".into(),
        ));
    }
    if lines.len() > CapTooLow::SHOWN {
        let more = lines.len() - (CapTooLow::SHOWN - 1);
        lines.truncate(CapTooLow::SHOWN - 1);
        lines.push((format!("… and {more} more"), format!("……另有 {more} 条")));
    }
    let (findings, findings_zh) = lines.into_iter().unzip();
    CapTooLow {
        cap,
        applied_units,
        needed_units,
        findings,
        findings_zh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cap_too_low_is_explained_in_both_languages() {
        // A1 needs both of its two eligible experts: no cap below 1 works.
        let inst = crate::io::load_bundle_from_bytes(
            std::path::Path::new("r.json"),
            br#"{"policy": {"panel_size": 2},
            "experts": [{"id": "E1", "city": "C1", "institution": "U1"},
                        {"id": "E2", "city": "C2", "institution": "U2"}],
            "applications": [{"id": "A1", "city": "C3", "institution": "U3"}]}"#,
        )
        .unwrap();
        let elig = crate::eligibility::Eligibility::compute(&inst);
        let why = match crate::draw::draw_capped(&inst, &elig, 1, 0.5) {
            Err(DrawError::CapTooLow(why)) => why,
            other => panic!("not refused: {:?}", other.is_ok()),
        };
        let en = why.to_string();
        assert!(en.contains("A1 needs 2 expert(s) from 2 eligible"), "{en}");
        let zh = why.text(crate::io::office::Lang::Zh);
        assert!(zh.starts_with("无法抽取："), "{zh}");
        assert!(zh.contains("A1 需要从 2 名合格专家中抽取 2 名"), "{zh}");
        assert!(
            zh.contains("修改建议：\n  - 将 max_probability 提高到至少 1.000000"),
            "{zh}"
        );
        assert!(!zh.contains("needs") && !zh.contains("raise"), "{zh}");
    }

    #[test]
    fn cap_fractions_are_in_lowest_terms() {
        assert_eq!(cap_fraction(None), (1, 1));
        assert_eq!(cap_fraction(Some(1.0)), (1, 1));
        assert_eq!(cap_fraction(Some(0.5)), (1, 2));
        assert_eq!(cap_fraction(Some(0.25)), (1, 4));
        assert_eq!(cap_fraction(Some(0.3333333)), (333_333, 1_000_000));
        assert_eq!(cap_fraction(Some(0.6)), (3, 5));
        assert_eq!(cap_fraction(Some(1e-9)), (1, 1_000_000));
        assert_eq!(cap_fraction(Some(f64::NAN)), (1, 1));
    }
}
