//! Large rounds: solve on candidate pairs, then prove the answer optimal
//! over **all** eligible pairs by pricing the pruned ones.
//!
//! 1. [`super::candidates`] keeps the K best eligible experts per
//!    application (K automatic, see [`auto_k`], or `--candidates K`) and an
//!    upper bound `B_a` on the score of every eligible pair it left out.
//! 2. The min-cost flow solves the restricted network exactly; its
//!    potentials become LP duals `u, g, w, v, m` in model terms
//!    ([`super::model_duals`], see [`crate::certificate`]).
//! 3. **Pricing.** A pruned pair (a, e) could improve the optimum only if
//!    its slack `s_ae − u_a − g_{a,c(e)} − w_{a,i(e)} − v_e + m_e` is
//!    positive ([`crate::certificate::pair_slack`]). With `g, w ≥ 0`, and
//!    `μ = min v_e` over the experts with `m_e = 0`, every such pair has
//!    slack ≤ `s_ae − u_a − μ ≤ B_a − u_a − μ`. So when `B_a ≤ u_a + μ`,
//!    **no pruned pair of a can violate — proven without enumerating
//!    them.** Only the applications failing this test are re-scanned: their
//!    experts that share a field, prefix or keyword (or are listed) are
//!    priced exactly, and if even the base score (0 or `default_affinity`)
//!    could violate, every expert is. The few experts with `m_e > 0` (a
//!    binding load floor) are priced exactly against every application.
//!    A re-scan keeps the pairs scoring near its threshold `u_a + μ`
//!    (a kept scan); an application failing the test again in a later
//!    pass, its threshold still above what was kept, is priced from those
//!    pairs instead of a new scan of the pool (the same violators, in the
//!    same order; a quarter of the passes' time at 30,000 applications).
//! 4. Violators join the candidates and the network is solved again, until
//!    none is left: **warm**, the new arcs appended to the kept network
//!    and simplex ([`crate::flow::simplex::Simplex::add_arcs`]), which
//!    continues from the previous optimal basis. A violator in a capped
//!    group without a node gets the node in the running network
//!    ([`crate::flow::simplex::Simplex::extend`]); the network is rebuilt
//!    (from the last optimal basis, carried over by role) only when that
//!    cannot be done.
//!    The last duals then satisfy every dual constraint of the LP over all
//!    eligible pairs, so the dual objective — equal to the flow's
//!    objective — bounds every assignment: `status: optimal`, over all
//!    eligible pairs, with a certificate that `verify --certificate`
//!    checks independently.
//!
//! **Infeasible restricted networks.** Fewer arcs can make a feasible round
//! look infeasible. The flow's minimum cut names the applications behind
//! it; those with pruned eligible pairs get twice as many candidates and
//! the network is solved again. Arcs added to applications outside the cut
//! start outside it and cannot cross it, so once every application behind
//! the cut (by its own node or a group node) holds all its eligible
//! experts, the cut is a proof for the whole
//! round, and only then is the round reported infeasible.

use std::time::Instant;

use super::candidates::{self, Candidates, Scanner};
use super::carry::Carried;
use super::explain;
use super::network::{self, ArcRole, NodeRole};
use super::profile::Profile;
use super::{model_duals, SolveError, SolveStats, Solved, Status};
use crate::certificate::{pair_slack, Duals};
use crate::eligibility::overlap::{ScanScratch, ScoreIndex};
use crate::eligibility::Eligibility;
use crate::flow::simplex::Simplex;
use crate::flow::{self, FlowError};
use crate::model::{AppIx, ExpertIx, Instance, Score};

/// How many candidates per application `panels solve` keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CandidateChoice {
    /// Every eligible pair for small rounds (at most [`DENSE_PAIRS`]
    /// applications × experts), else [`auto_k`] candidates with pricing.
    #[default]
    Auto,
    /// Every eligible pair (the dense network), whatever the size.
    All,
    /// This many candidates per application, then pricing.
    Top(usize),
}

impl std::str::FromStr for CandidateChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "auto" => Ok(CandidateChoice::Auto),
            "all" => Ok(CandidateChoice::All),
            n => match n.parse::<usize>() {
                Ok(k) if k >= 1 => Ok(CandidateChoice::Top(k)),
                _ => Err(format!(
                    "expected `auto`, `all` or a number of candidates per application (at least 1), got {s:?}"
                )),
            },
        }
    }
}

/// Rounds with at most this many applications × experts are solved on all
/// eligible pairs under [`CandidateChoice::Auto`].
pub const DENSE_PAIRS: usize = 4_000_000;

/// Candidates per panel seat that [`auto_k`] keeps.
pub const AUTO_PER_SEAT: usize = 12;

/// Fewest candidates per application [`auto_k`] keeps. Smaller panels
/// still get 60: on the national round with panels of 3, 60 candidates
/// left the first pricing pass a fifth of the pairs to add that 40 did,
/// and the whole solve took 0.6 of the time (docs/benchmarks.md).
pub const AUTO_MIN: usize = 60;

/// The automatic number of candidates per application:
/// [`AUTO_PER_SEAT`] per seat of the largest panel, at least [`AUTO_MIN`].
/// Pricing then grows the rows where it finds many violators (see
/// [`run_sparse`]).
pub fn auto_k(inst: &Instance) -> usize {
    (AUTO_PER_SEAT * largest_panel(inst)).max(AUTO_MIN)
}

fn largest_panel(inst: &Instance) -> usize {
    inst.app_ixs()
        .map(|a| inst.panel_size(a))
        .max()
        .unwrap_or(1) as usize
}

/// What `panels solve` says on stderr about the K [`auto_k`] chose.
fn auto_k_reason(inst: &Instance, k: usize) -> String {
    format!(
        "candidates: auto K = {k} per application ({AUTO_PER_SEAT} per seat of the largest panel, {}, at least {AUTO_MIN}); a row that pricing extends a second time grows to twice its size",
        largest_panel(inst)
    )
}

/// Deterministic figures of a solve on candidates (they go into the panels
/// file's `stats.pricing`; timings do not).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct PricingStats {
    /// The set the optimum is proven over.
    pub optimal_over: &'static str,
    /// Candidates kept per application at first (K).
    pub candidates_per_application: usize,
    /// Candidate pairs before pricing.
    pub candidate_pairs: usize,
    /// Pricing passes over the pruned pairs (the last found no violator).
    pub pricing_rounds: u32,
    /// Pair arcs added by pricing, over all passes.
    pub arcs_added: usize,
    /// Applications re-scanned in full by pricing (their bound test
    /// failed), over all passes.
    pub applications_rescanned: usize,
    /// Times the restricted network was infeasible and applications behind
    /// its cut got more candidates.
    pub candidate_expansions: u32,
    /// Flow solves (network simplex runs, cold or warm).
    pub solves: u32,
    /// Solves that continued from the previous basis with the added arcs
    /// (warm start) rather than from scratch.
    pub warm_starts: u32,
    /// Why K is what it is, and how the rows grew (stderr only).
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// Solves `inst` on `k` candidates per application with pricing (see the
/// module docs). The result is optimal over all eligible pairs.
pub fn solve_sparse(
    inst: &Instance,
    elig: &Eligibility,
    k: usize,
    opts: &super::SolveOptions,
) -> Result<Solved, SolveError> {
    let mut run = run_sparse(inst, elig, k, opts, (1, 1))?;
    if let Some(dump) = &opts.dump_network {
        let t = Instant::now();
        (dump.0)(&run.enc.net);
        run.profile.add("dump-network", t, "");
    }
    let t = Instant::now();
    let panels = run.enc.panels(&run.flow);
    let objective_micro = run.objective;
    let certificate = run.duals.to_certificate(inst, objective_micro);
    run.profile.add("panels-and-duals", t, "");
    Ok(Solved {
        panels,
        objective_micro,
        bound_micro: Some(objective_micro),
        status: Status::Optimal,
        certificate: Some(certificate),
        solver: "flow",
        stats: SolveStats {
            eligible_pairs: run.eligible_pairs,
            nodes: run.enc.net.num_nodes(),
            arcs: run.enc.net.num_arcs(),
            build_seconds: run.build_seconds,
            solve_seconds: run.solve_seconds,
            pricing: Some(run.stats),
            gap: None,
            profile: run.profile,
        },
    })
}

/// The optimum of a sparse run: the last network (its node and arc roles
/// map back to the model), its optimal flow, the duals that priced every
/// pruned pair, and the candidates.
#[derive(Debug)]
pub struct SparseRun {
    /// The network last solved; with a cap `(P, D)` every supply and bound
    /// is scaled by `D` and pair arcs carry at most `P`.
    pub enc: network::Encoded,
    /// Its optimal flow.
    pub flow: Vec<i64>,
    /// `−cost` of that flow: the objective in millionths (times `D` with a
    /// cap).
    pub objective: i64,
    /// The model duals of the last solve.
    pub duals: Duals,
    /// The candidates, with every pair pricing added.
    pub candidates: Candidates,
    /// Exact number of eligible pairs of the round.
    pub eligible_pairs: usize,
    /// Candidates and pricing figures.
    pub stats: PricingStats,
    /// Seconds building (candidates, networks, pricing).
    pub build_seconds: f64,
    /// Seconds in the flow solver.
    pub solve_seconds: f64,
    /// Where the time went, phase by phase.
    pub profile: Profile,
}

/// Multiplies every supply and bound of `enc`'s network by `d` and caps
/// pair arcs at `p` (the capped LP of a draw, `crate::draw::lp`).
fn scale_in_place(enc: &mut network::Encoded, (p, d): (i64, i64)) {
    if (p, d) == (1, 1) {
        return;
    }
    let net = &mut enc.net;
    for n in 0..net.num_nodes() {
        let n = crate::flow::NodeId(n as u32);
        net.set_supply(n, net.supply(n).saturating_mul(d));
    }
    for a in 0..net.num_arcs() {
        let a = crate::flow::ArcId(a as u32);
        let (lo, hi) = match enc.arc_roles[a.index()] {
            network::ArcRole::Pair(..) => (0, p),
            _ => (
                net.lower(a).saturating_mul(d),
                net.upper(a).saturating_mul(d),
            ),
        };
        net.set_bounds(a, lo, hi);
    }
}

/// Adds the pairs to a kept network (capped at `p` when scaled), after
/// they joined `cand`'s rows, and takes them into its simplex. A pair in a
/// capped group that has no node yet gets one, put in front of the group's
/// arcs ([`network::Encoded::add_group`], [`Simplex::extend`]). Returns
/// the number of group nodes so added; `None` when the network must be
/// rebuilt instead (a pair needs a node that cannot be added so, or the
/// simplex refuses): the network may then hold some of the pairs, and the
/// simplex none.
fn add_pairs(
    inst: &Instance,
    enc: &mut network::Encoded,
    sx: &mut Simplex,
    cand: &Candidates,
    pairs: &[(AppIx, ExpertIx, Score)],
    cap: (i64, i64),
) -> Option<usize> {
    let first = enc.net.num_arcs();
    let nodes = enc.net.num_nodes();
    let mut row: Vec<ExpertIx> = Vec::new();
    let mut row_of = None;
    // Every arc of the applications that need a group node (found once,
    // when the first does), and the arcs moved behind new nodes.
    let mut app_arcs: Option<std::collections::HashMap<AppIx, Vec<crate::flow::ArcId>>> = None;
    let mut moved = Vec::new();
    for &(a, e, s) in pairs {
        if row_of != Some(a) {
            row.clear();
            row.extend(cand.rows[a.ix()].iter().map(|&(x, _)| x));
            row_of = Some(a);
        }
        // At most two groups (a city, an institution) per pair.
        let mut added = false;
        for _ in 0..3 {
            match enc.add_pair(inst, a, e, s.0, &row) {
                Ok(()) => {
                    added = true;
                    break;
                }
                Err(network::Refusal::NeedsGroup(group)) => {
                    let arcs = app_arcs
                        .get_or_insert_with(|| arcs_of_applications(enc, pairs))
                        .get_mut(&a);
                    let entry = enc.add_group(inst, group, arcs?, &row, &mut moved)?;
                    // Scaled like the rest (see `scale_in_place`).
                    let upper = enc.net.upper(entry);
                    enc.net.set_bounds(entry, 0, upper.saturating_mul(cap.1));
                }
                Err(_) => return None,
            }
        }
        if !added {
            return None;
        }
        let last = crate::flow::ArcId(enc.net.num_arcs() as u32 - 1);
        if let Some(arcs) = app_arcs.as_mut().and_then(|m| m.get_mut(&a)) {
            arcs.push(last);
        }
        if cap != (1, 1) {
            enc.net.set_bounds(last, 0, cap.0);
        }
    }
    enc.merge_added_groups();
    let groups = enc.net.num_nodes() - nodes;
    let taken = if groups == 0 {
        sx.add_arcs(&enc.net, first)
    } else {
        sx.extend(&enc.net, first, &moved)
    };
    taken.ok().map(|()| groups)
}

/// Every arc of the applications of `pairs` (pair and group arcs), by
/// application: one pass over the network's arcs.
fn arcs_of_applications(
    enc: &network::Encoded,
    pairs: &[(AppIx, ExpertIx, Score)],
) -> std::collections::HashMap<AppIx, Vec<crate::flow::ArcId>> {
    let mut out: std::collections::HashMap<AppIx, Vec<crate::flow::ArcId>> =
        pairs.iter().map(|&(a, _, _)| (a, Vec::new())).collect();
    for (ix, role) in enc.arc_roles.iter().enumerate() {
        let a = match *role {
            ArcRole::Pair(a, _)
            | ArcRole::CityCap(a, _)
            | ArcRole::CityBonus(a, _)
            | ArcRole::InstitutionCap(a, _) => a,
            _ => continue,
        };
        if let Some(v) = out.get_mut(&a) {
            v.push(crate::flow::ArcId(ix as u32));
        }
    }
    out
}

/// Candidate pairs from which a round with group caps is first solved
/// without them, its optimum (panels cut to the caps, and its optimal
/// tree: see `carry::basis_from_panels`) starting the capped
/// solve. At 60,000 × 16,000 with the Yangtze caps (3.6M pairs) the
/// capped first solve took 1.37M pivots (6.7 s) cold and 0.30M from the
/// uncapped optimum, which itself took 1.3 s; at 300,000 × 80,000, 9.6M
/// pivots (171 s) cold.
pub const UNCAPPED_START_FROM: usize = 2_000_000;

/// True when some application has a city or institution cap below its
/// panel size (the caps that make group nodes).
fn has_group_caps(inst: &Instance) -> bool {
    inst.app_ixs().any(|a| {
        let k = inst.panel_size(a);
        inst.max_from_institution(a) < k
            || inst.max_from_city(a, inst.applications[a.ix()].city) < k
            || inst.policy.max_per_city.is_some_and(|c| c < k)
    })
}

/// What the solve without group caps gives the capped one.
struct UncappedStart {
    /// Its panels, those that break a cap cut down to their caps.
    panels: Vec<Vec<crate::model::ExpertIx>>,
    /// Its simplex pivots.
    pivots: u64,
    /// Panels cut down.
    cut: usize,
    /// Its optimal tree and expert potentials.
    tree: crate::carry::UncappedTree,
}

/// The optimum of the candidate network without its group caps, with the
/// panels that break a cap (city, home city or institution) cut down to their
/// caps, and its optimal tree.
/// `None` when that network cannot seat every application (the capped
/// solve then starts afresh and words the problem).
fn uncapped_panels(
    inst: &Instance,
    cand: &Candidates,
    cap: (i64, i64),
) -> Result<Option<UncappedStart>, SolveError> {
    let pairs = cand.to_pairs();
    let mut enc = network::encode_with_options(
        inst,
        &pairs,
        network::EncodeOptions {
            groups_for_later_pairs: false,
            all_available_experts: true,
            without_group_caps: true,
        },
    );
    drop(pairs);
    scale_in_place(&mut enc, cap);
    let mut sx = Simplex::with_cost_bound(&enc.net, COST_BOUND).map_err(SolveError::Flow)?;
    let Ok(sol) = sx.finish(&enc.net) else {
        return Ok(None);
    };
    let mut panels = enc.panels(&sol.flow);
    let tree = crate::carry::UncappedTree {
        arcs: sx
            .basis(&enc.net)
            .arcs
            .iter()
            .filter(|&&(_, _, in_tree)| in_tree)
            .map(|&(a, _, _)| enc.arc_roles[a.index()])
            .collect(),
        expert_potential: enc
            .expert_node
            .iter()
            .map(|n| n.map_or(0, |n| sol.potential[n.index()]))
            .collect(),
    };
    drop(enc);
    let mut cut = 0;
    let mut per_city: std::collections::HashMap<crate::model::CityIx, u32> = Default::default();
    let mut per_inst: std::collections::HashMap<crate::model::InstIx, u32> = Default::default();
    for a in inst.app_ixs() {
        per_city.clear();
        per_inst.clear();
        for &e in &panels[a.ix()] {
            let ex = &inst.experts[e.ix()];
            *per_city.entry(ex.city).or_default() += 1;
            *per_inst.entry(ex.institution).or_default() += 1;
        }
        let breaks = per_city.iter().any(|(&c, &n)| n > inst.max_from_city(a, c))
            || per_inst.values().any(|&n| n > inst.max_from_institution(a));
        if breaks {
            // Cut to its caps: the members beyond a cap leave, lowest
            // scored first (the rest of the panel stays, so that fewer
            // seats are left for the capped solve to route).
            let row = &cand.rows[a.ix()];
            let score = |e: ExpertIx| {
                row.binary_search_by_key(&e, |&(x, _)| x)
                    .map(|i| row[i].1)
                    .unwrap_or(Score(i64::MIN))
            };
            let panel = &mut panels[a.ix()];
            panel.sort_by_key(|&e| (std::cmp::Reverse(score(e)), e));
            let mut keep: Vec<ExpertIx> = Vec::new();
            per_city.clear();
            per_inst.clear();
            for &e in panel.iter() {
                let ex = &inst.experts[e.ix()];
                let ni = per_inst.get(&ex.institution).copied().unwrap_or(0);
                let nc = per_city.get(&ex.city).copied().unwrap_or(0);
                if ni < inst.max_from_institution(a) && nc < inst.max_from_city(a, ex.city) {
                    *per_inst.entry(ex.institution).or_default() += 1;
                    *per_city.entry(ex.city).or_default() += 1;
                    keep.push(e);
                }
            }
            keep.sort();
            *panel = keep;
            cut += 1;
        }
    }
    Ok(Some(UncappedStart {
        panels,
        pivots: sx.pivots,
        cut,
        tree,
    }))
}

/// Solves on `k` candidates per application with pricing (see the module
/// docs), every pair arc capped at `P/D` when `cap = (P, D)` is not
/// `(1, 1)`: the LP optimum over **all** eligible pairs, proven by pricing.
///
/// # Errors
/// [`SolveError::Infeasible`] when even every eligible pair of the
/// applications behind the cut cannot carry the flow.
pub fn run_sparse(
    inst: &Instance,
    elig: &Eligibility,
    k: usize,
    opts: &super::SolveOptions,
    cap: (i64, i64),
) -> Result<SparseRun, SolveError> {
    let progress = &opts.progress;
    let started = Instant::now();
    if let Some(why) = explain::precheck_pool(inst, elig, None) {
        return Err(SolveError::Infeasible(why));
    }
    let mut profile = Profile::default();
    let t = Instant::now();
    let index = ScoreIndex::new(inst);
    profile.add("index", t, "");
    let n_apps = inst.applications.len();
    let t = Instant::now();
    let bar = progress.bar(n_apps as u64, "candidates");
    let generated = candidates::generate(inst, elig, &index, k.max(1), &|| bar.inc(1));
    bar.finish_and_clear();
    profile.add(
        "candidates",
        t,
        format!(
            "{n_apps} applications, K {k}, {} pairs, {} thread(s)",
            generated.candidates.len(),
            candidates::threads()
        ),
    );
    if let Some(why) = explain::shortage_report(
        inst,
        elig,
        generated
            .short
            .iter()
            .filter_map(|(a, per_city)| explain::app_shortage(inst, *a, per_city)),
    ) {
        return Err(SolveError::Infeasible(why));
    }
    let mut cand = generated.candidates;
    let mut stats = PricingStats {
        optimal_over: "all eligible pairs",
        candidates_per_application: k,
        candidate_pairs: cand.len(),
        ..Default::default()
    };
    // `--candidates auto`: rows grow where pricing finds many violators.
    let grow = opts.candidates == CandidateChoice::Auto;
    // Per application: pricing has extended its row before.
    let mut extended = vec![false; n_apps];
    if grow {
        stats.notes.push(auto_k_reason(inst, k));
    }
    let eligible_pairs = cand.eligible_pairs();
    let mut scanner = Scanner::new(inst, elig, &index);
    let mut pricer = Pricer::new(inst);
    let mut build_seconds = started.elapsed().as_secs_f64();
    let mut solve_seconds = 0.0;
    // The network and its simplex, kept across pricing rounds (warm start).
    let mut warm: Option<(network::Encoded, Simplex)> = None;
    // The last optimal basis, when the network had to be rebuilt: the
    // rebuilt network starts from it.
    let mut carried: Option<Carried> = None;
    // A large round with group caps first solves without them; its
    // panels that keep every cap seed the capped network's first basis.
    let from = opts.uncapped_start_from.unwrap_or(UNCAPPED_START_FROM);
    let mut seed = if cand.len() >= from && has_group_caps(inst) {
        let t = Instant::now();
        let seed = uncapped_panels(inst, &cand, cap)?;
        solve_seconds += t.elapsed().as_secs_f64();
        if let Some(s) = &seed {
            profile.add(
                "uncapped",
                t,
                format!(
                    "{} pivots, {} panels breaking a cap cut to their caps",
                    s.pivots, s.cut
                ),
            );
        }
        seed.map(|s| (s.panels, s.tree))
    } else {
        None
    };
    loop {
        let t = Instant::now();
        let mut from_basis = false;
        let (mut enc, mut sx) = match warm.take() {
            Some(kept) => kept,
            None => {
                let pairs = cand.to_pairs();
                let enc = network::encode_with_options(
                    inst,
                    &pairs,
                    network::EncodeOptions {
                        groups_for_later_pairs: true,
                        all_available_experts: true,
                        without_group_caps: false,
                    },
                );
                drop(pairs);
                let mut enc = enc;
                scale_in_place(&mut enc, cap);
                // The start: a basis carried over when one is at hand and
                // the simplex takes it (the first that does), else the
                // usual starting tree.
                let mut refused = None;
                let mut take = |basis: Option<crate::flow::simplex::Basis>,
                                whence: &str|
                 -> Result<Option<(Simplex, String)>, SolveError> {
                    let Some(basis) = basis else {
                        return Ok(None);
                    };
                    let (sx, taken) = Simplex::with_basis(&enc.net, COST_BOUND, &basis)
                        .map_err(SolveError::Flow)?;
                    Ok(match taken {
                        Ok(()) => Some((sx, format!(", from {whence}"))),
                        Err(why) => {
                            // It starts from the usual tree: kept in case
                            // no basis is taken.
                            refused = Some((why, sx));
                            None
                        }
                    })
                };
                let taken = match seed.take() {
                    Some((panels, tree)) => {
                        let along =
                            crate::carry::basis_from_panels(inst, &enc, &panels, Some(&tree));
                        match take(along, "the optimum without group caps, along its tree")? {
                            Some(kept) => Some(kept),
                            None => take(
                                crate::carry::basis_from_panels(inst, &enc, &panels, None),
                                "the optimum without group caps",
                            )?,
                        }
                    }
                    None => take(
                        carried.take().and_then(|c| c.basis_for(&enc)),
                        "the last optimal basis",
                    )?,
                };
                let (sx, start) = match taken {
                    Some(kept) => {
                        from_basis = true;
                        stats.warm_starts += 1;
                        kept
                    }
                    None => match refused {
                        Some((why, sx)) => (sx, format!(", afresh ({why})")),
                        None => (
                            Simplex::with_cost_bound(&enc.net, COST_BOUND)
                                .map_err(SolveError::Flow)?,
                            String::new(),
                        ),
                    },
                };
                profile.add(
                    format!("network.{}", stats.solves + 1),
                    t,
                    format!(
                        "{} nodes, {} arcs{start}",
                        enc.net.num_nodes(),
                        enc.net.num_arcs()
                    ),
                );
                (enc, sx)
            }
        };
        build_seconds += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let pivots_before = sx.pivots;
        let spin = progress.spinner(format!(
            "solving {} arcs (solve {})",
            enc.net.num_arcs(),
            stats.solves + 1
        ));
        let result = sx.finish(&enc.net);
        spin.finish_and_clear();
        solve_seconds += t.elapsed().as_secs_f64();
        stats.solves += 1;
        profile.add(
            format!("solve.{}", stats.solves),
            t,
            format!(
                "{} arcs, {} pivots{}",
                enc.net.num_arcs(),
                sx.pivots - pivots_before,
                if stats.solves > 1 && (pivots_before > 0 || from_basis) {
                    ", warm"
                } else {
                    ""
                }
            ),
        );
        let sol = match result {
            Ok(sol) => sol,
            Err(FlowError::Infeasible(cut)) => {
                // Applications with any node (own or group) behind the cut
                // and eligible pairs still pruned.
                let mut behind_mark = vec![false; n_apps];
                for (ix, role) in enc.node_roles.iter().enumerate() {
                    let app = match *role {
                        NodeRole::Application(a)
                        | NodeRole::CityGroup(a, _)
                        | NodeRole::InstitutionGroup(a, _) => a,
                        _ => continue,
                    };
                    if cut.contains(crate::flow::NodeId(ix as u32)) {
                        behind_mark[app.ix()] = true;
                    }
                }
                let behind: Vec<AppIx> = inst
                    .app_ixs()
                    .filter(|&a| behind_mark[a.ix()] && cand.pruned_bound[a.ix()].is_some())
                    .collect();
                if behind.is_empty() {
                    return Err(SolveError::Infeasible(explain::from_cut(inst, &enc, &cut)));
                }
                stats.candidate_expansions += 1;
                let all = inst.experts.len();
                let mut extra: Vec<(AppIx, ExpertIx, Score)> = Vec::new();
                for a in behind {
                    let ka = (cand.k[a.ix()] * 2).min(all);
                    let scan = scanner.scan(a, ka);
                    let row = &cand.rows[a.ix()];
                    extra.extend(
                        scan.row
                            .iter()
                            .filter(|(e, _)| row.binary_search_by_key(e, |&(x, _)| x).is_err())
                            .map(|&(e, s)| (a, e, s)),
                    );
                    cand.k[a.ix()] = ka;
                    cand.pruned_bound[a.ix()] = if ka >= all { None } else { scan.pruned_bound };
                }
                cand.add(&extra);
                // The big-M phase simply continues with the new arcs.
                if add_pairs(inst, &mut enc, &mut sx, &cand, &extra, cap).is_some() {
                    stats.warm_starts += 1;
                    warm = Some((enc, sx));
                }
                continue;
            }
            Err(e) => return Err(SolveError::Flow(e)),
        };
        let t = Instant::now();
        flow::certify(&enc.net, &sol).map_err(|e| SolveError::Uncertified(e.to_string()))?;
        let objective_micro = i64::try_from(-sol.cost)
            .map_err(|_| SolveError::Uncertified("objective overflow".into()))?;
        let bound = -flow::dual_objective(&enc.net, &sol.potential);
        if bound != -sol.cost {
            return Err(SolveError::Uncertified(format!(
                "dual bound {bound} differs from objective {objective_micro}"
            )));
        }
        let duals = model_duals(inst, &enc, &sol.potential);
        profile.add(format!("certificate.{}", stats.solves), t, "");
        let t = Instant::now();
        let bar = progress.bar(n_apps as u64, "pricing");
        let priced = pricer.price(inst, elig, &index, &cand, &duals, grow, &|| bar.inc(1));
        bar.finish_and_clear();
        build_seconds += t.elapsed().as_secs_f64();
        stats.pricing_rounds += 1;
        stats.applications_rescanned += pricer.rescanned;
        let violators =
            priced.violators.len() + priced.growth.iter().map(|g| g.violators).sum::<usize>();
        // A row that pricing extends a second time grows (twice as many
        // candidates, the bound on the rest lowered), so that the next
        // passes prove it by the bound test rather than re-scan it again.
        let mut found = priced.violators;
        let mut grown = 0usize;
        for g in &priced.growth {
            let again = std::mem::replace(&mut extended[g.app.ix()], true);
            let take = if again {
                grown += 1;
                g.add.len()
            } else {
                g.violators
            };
            found.extend(g.add[..take].iter().map(|&(e, s)| (g.app, e, s)));
        }
        profile.add(
            format!("pricing.{}", stats.pricing_rounds),
            t,
            format!(
                "{} re-scanned, {} re-priced from their last scan, {} violators, {} pairs added",
                pricer.rescanned,
                pricer.repriced,
                violators,
                found.len()
            ),
        );
        if found.is_empty() {
            return Ok(SparseRun {
                enc,
                flow: sol.flow,
                objective: objective_micro,
                duals,
                candidates: cand,
                eligible_pairs,
                stats,
                build_seconds,
                solve_seconds,
                profile,
            });
        }
        drop(sol);
        stats.arcs_added += cand.add(&found);
        if grown > 0 {
            for g in &priced.growth {
                if g.add.len() > g.violators || cand.pruned_bound[g.app.ix()] != g.bound {
                    let row = &cand.rows[g.app.ix()];
                    // Grown: every pair of `add` is in the row now.
                    if g.add
                        .iter()
                        .all(|(e, _)| row.binary_search_by_key(e, |&(x, _)| x).is_ok())
                    {
                        cand.pruned_bound[g.app.ix()] = g.bound;
                        cand.k[g.app.ix()] = row.len();
                    }
                }
            }
            stats.notes.push(format!(
                "pricing pass {}: {violators} violators; {grown} rows extended a second time grew to twice their size",
                stats.pricing_rounds,
            ));
        }
        // Warm start: the violators join the kept network and simplex;
        // when one needs a node the network lacks, rebuild instead,
        // starting from this optimal basis carried over.
        let t = Instant::now();
        let added = add_pairs(inst, &mut enc, &mut sx, &cand, &found, cap);
        if let Some(groups) = added {
            profile.add(
                format!("extend.{}", stats.pricing_rounds),
                t,
                format!(
                    "{} arcs, {groups} group node(s) added in place",
                    found.len()
                ),
            );
        }
        if added.is_some() {
            stats.warm_starts += 1;
            warm = Some((enc, sx));
        } else {
            carried = Some(Carried::read(&enc, &sx));
        }
    }
}

/// Largest |arc cost| the kept simplex is made for: every score lies
/// within ±[`crate::model::MAX_ABS_SCORE`].
const COST_BOUND: i64 = (crate::model::MAX_ABS_SCORE as i64) * crate::model::SCORE_SCALE;

/// A pruned pair with positive slack: (application, expert, score).
type Violator = (AppIx, ExpertIx, Score);

/// An application's row grown by pricing: its next best eligible experts
/// (violators among them) and the bound on the eligible pairs still left
/// out.
pub(crate) struct Growth {
    app: AppIx,
    /// Pairs to add (not yet in the row): the violators first, then the
    /// next best experts.
    add: Vec<(ExpertIx, Score)>,
    /// How many of `add` are violators.
    violators: usize,
    /// Bound on every eligible pair of the application left out once
    /// `add` joined the row (`None`: none is left out).
    bound: Option<Score>,
}

/// What one pricing pass found.
struct Priced {
    /// Every pruned pair with positive slack.
    violators: Vec<Violator>,
    /// Per application with a violator found by its re-scan, when growth
    /// was asked: its next best experts (see [`Growth`]).
    growth: Vec<Growth>,
}

/// Most pairs a [`KeptScan`] holds: an application with more pairs
/// scoring near its threshold keeps its best ones, the floor raised above
/// the rest ([`KeptScan::of`]).
const KEPT_SCAN_MAX_PAIRS: usize = 1024;

/// Fewest pairs a [`KeptScan`] is cut to when a pass re-scans so many
/// applications that [`KEPT_SCANS_MAX_PAIRS`] cannot give each
/// [`KEPT_SCAN_MAX_PAIRS`].
const KEPT_SCAN_MIN_PAIRS: usize = 64;

/// Most pairs near its threshold one re-scan collects to choose what it
/// keeps (an application with more keeps nothing, and is scanned again
/// when it fails the bound test again).
const KEPT_SCAN_COLLECT_MAX: usize = 16 * KEPT_SCAN_MAX_PAIRS;

/// Most pairs all [`KeptScan`]s hold together (16 bytes each: 128 MiB),
/// so that a national round's many re-scans do not add gigabytes; past
/// it, a re-scan keeps nothing.
const KEPT_SCANS_MAX_PAIRS: usize = 8 << 20;

/// What the re-scan of an application found, kept for the next passes:
/// every eligible pair out of its row scoring at least `floor`, in scan
/// order, with its eligible (penalised) score. A later pass whose
/// threshold for the application (the least `u_a + g_ac + μ_c`, below
/// which no pair can violate) is still at least `floor` prices these pairs
/// instead of scanning the pool again: every pair that can violate is
/// among them, so it finds the same violators in the same order.
#[derive(Debug, PartialEq)]
struct KeptScan {
    floor: i128,
    pairs: Vec<(ExpertIx, Score)>,
}

impl KeptScan {
    /// What a re-scan keeps of `near`, every eligible pair out of the row
    /// scoring at least `floor`, in scan order: all of them when they are
    /// at most `limit`; else the best of them, at most `limit`, with the
    /// floor raised to just above the best pair left out (pairs tied at
    /// that score leave together, so that every pair scoring at least the
    /// new floor is still kept). `None` when the floor is out of range.
    ///
    /// National rounds with caps re-scan tens of thousands of applications
    /// with many pairs near their threshold; keeping their best lets the
    /// next passes re-price them instead of scanning the pool again while
    /// their threshold stays above the raised floor.
    fn of(floor: i128, mut near: Vec<(ExpertIx, Score)>, limit: usize) -> Option<KeptScan> {
        if !i64::try_from(floor).is_ok_and(|f| f > i64::MIN) {
            return None;
        }
        let mut floor = floor;
        if near.len() > limit {
            let mut scores: Vec<i64> = near.iter().map(|&(_, s)| s.0).collect();
            // The best score left out: the (limit + 1)-th best.
            let (_, &mut cut, _) = scores.select_nth_unstable_by(limit, |x, y| y.cmp(x));
            near.retain(|&(_, s)| s.0 > cut);
            floor = i128::from(cut) + 1;
        }
        Some(KeptScan { floor, pairs: near })
    }
}

/// Prices pruned pairs against duals (step 3 of the module docs).
struct Pricer {
    /// Applications re-scanned by the last [`Pricer::price`].
    rescanned: usize,
    /// Applications re-priced from their [`KeptScan`] by the last
    /// [`Pricer::price`] (no scan of the pool).
    repriced: usize,
    /// Per application, its last re-scan's pairs near the threshold.
    kept: Vec<Option<KeptScan>>,
    /// Pairs held in `kept`, at most [`KEPT_SCANS_MAX_PAIRS`].
    kept_pairs: usize,
}

impl Pricer {
    fn new(inst: &Instance) -> Pricer {
        Pricer {
            rescanned: 0,
            repriced: 0,
            kept: (0..inst.applications.len()).map(|_| None).collect(),
            kept_pairs: 0,
        }
    }

    /// Every pruned eligible pair with positive slack, by application
    /// (scanned on several threads; the result does not depend on their
    /// number). With `grow`, an application whose re-scan finds a
    /// violator also reports its next best experts, enough to double its
    /// row (see [`Growth`]).
    #[allow(clippy::too_many_arguments)]
    fn price(
        &mut self,
        inst: &Instance,
        elig: &Eligibility,
        index: &ScoreIndex,
        cand: &Candidates,
        duals: &Duals,
        grow: bool,
        tick: &(dyn Fn() + Sync),
    ) -> Priced {
        // Experts with a binding floor are priced one by one; μ is the
        // least v_e over the others.
        let floor: Vec<ExpertIx> = inst
            .expert_ixs()
            .filter(|e| duals.min_load[e.ix()] > 0)
            .collect();
        // Per city: the other experts by v_e ascending, and μ_c, the least
        // v_e there. A pruned pair (a, e) of city c has slack at most
        // B_a − u_a − g_ac − v_e ≤ B_a − u_a − g_ac − μ_c (w, q ≥ 0).
        let mut by_city: Vec<Vec<(i64, ExpertIx)>> = vec![Vec::new(); inst.cities.len()];
        for e in inst.expert_ixs() {
            if duals.min_load[e.ix()] == 0 {
                by_city[inst.experts[e.ix()].city.ix()].push((duals.max_load[e.ix()], e));
            }
        }
        for list in &mut by_city {
            list.sort_unstable();
        }
        let mu_city: Vec<Option<i128>> = by_city
            .iter()
            .map(|l| l.first().map(|&(v, _)| i128::from(v)))
            .collect();
        let (by_city, mu_city) = (&by_city, &mu_city);
        let base = index.base();
        let floor = &floor;
        let kept = &self.kept;
        let run = |range: std::ops::Range<usize>| {
            let mut scratch = ScanScratch::new(inst.experts.len());
            let mut stamp = vec![0u32; inst.experts.len()];
            let mut out = Vec::new();
            let mut growth = Vec::new();
            let mut pool: Vec<(Score, ExpertIx)> = Vec::new();
            let mut rescanned = 0usize;
            let mut repriced = 0usize;
            let mut new_kept: Vec<(AppIx, Option<KeptScan>)> = Vec::new();
            for a in range.map(|a| AppIx(a as u32)) {
                tick();
                let Some(bound) = cand.pruned_bound[a.ix()] else {
                    continue;
                };
                let row = &cand.rows[a.ix()];
                let in_row = |e: ExpertIx| row.binary_search_by_key(&e, |&(x, _)| x).is_ok();
                let u = i128::from(duals.panel[a.ix()]);
                let b = i128::from(bound.0);
                for &e in floor {
                    // Slack ≤ B_a − u_a − v_e + m_e; score only when that
                    // leaves room.
                    let room = b - u - i128::from(duals.max_load[e.ix()])
                        + i128::from(duals.min_load[e.ix()]);
                    if room <= 0 || in_row(e) {
                        continue;
                    }
                    if let Some(s) = elig.eligible_score(inst, a, e) {
                        if pair_slack(inst, duals, a, e, s.0) > 0 {
                            out.push((a, e, s));
                        }
                    }
                }
                let g_of = |c: usize| {
                    i128::from(duals.city[a.ix()].get(&(c as u32)).copied().unwrap_or(0))
                };
                let worst = mu_city
                    .iter()
                    .enumerate()
                    .filter_map(|(c, m)| m.map(|m| b - u - g_of(c) - m))
                    .max();
                let Some(worst) = worst.filter(|&w| w > 0) else {
                    continue; // proven: no pruned pair of a violates
                };
                // No pair of a scoring at most this can violate.
                let threshold = b - worst;
                let first = out.len();
                let mark = a.0 + 1;
                pool.clear();
                // Best score of a floor expert left out (priced above).
                let mut floor_best: Option<Score> = None;
                let mut price_pair = |e: ExpertIx, s: Score| {
                    if duals.min_load[e.ix()] > 0 {
                        floor_best = floor_best.max(Some(s));
                    } else if pair_slack(inst, duals, a, e, s.0) > 0 {
                        out.push((a, e, s));
                    } else if grow {
                        pool.push((s, e));
                    }
                };
                // The pairs out of reach of the pairs priced here score
                // below this (`None`: every eligible pair of a's scan).
                let mut unpriced_below: Option<Score> = None;
                match kept[a.ix()].as_ref().filter(|k| threshold >= k.floor) {
                    Some(k) => {
                        repriced += 1;
                        for &(e, s) in &k.pairs {
                            stamp[e.ix()] = mark;
                            if !in_row(e) {
                                price_pair(e, s);
                            }
                        }
                        unpriced_below = Some(Score(k.floor as i64));
                    }
                    None => {
                        rescanned += 1;
                        // Pairs near the threshold are kept for the next
                        // passes: down to a sixteenth of its size below it
                        // (the best of them, when there are many).
                        let floor = threshold - threshold.abs() / 16 - 1;
                        let mut near: Vec<(ExpertIx, Score)> = Vec::new();
                        let mut complete = true;
                        index.scan(inst, elig.scorer(), a, &mut scratch, |e, s| {
                            stamp[e.ix()] = mark;
                            if in_row(e) {
                                return;
                            }
                            // The penalised score (a repeat's) is what the
                            // pair adds.
                            if let Some(s) = elig.eligible_given(inst, a, e, s) {
                                if i128::from(s.0) >= floor {
                                    if near.len() < KEPT_SCAN_COLLECT_MAX {
                                        near.push((e, s));
                                    } else {
                                        complete = false;
                                    }
                                }
                                price_pair(e, s);
                            }
                        });
                        let kept = if complete {
                            KeptScan::of(floor, near, KEPT_SCAN_MAX_PAIRS)
                        } else {
                            None
                        };
                        new_kept.push((a, kept));
                    }
                }
                let found_by_scan = out.len() > first;
                let base_ok = elig.min_affinity(a).is_none_or(|m| base >= m);
                if base_ok {
                    // Base-score experts: per city, only those with
                    // v_e < base − u_a − g_ac can violate.
                    for (c, list) in by_city.iter().enumerate() {
                        let threshold = i128::from(base.0) - u - g_of(c);
                        for &(v, e) in list {
                            if i128::from(v) >= threshold {
                                break;
                            }
                            if stamp[e.ix()] == mark || in_row(e) {
                                continue;
                            }
                            // After a full scan every expert not stamped
                            // scores the base; re-priced from a kept scan,
                            // an expert may share a field with a and score
                            // below the kept floor: scored exactly.
                            let s = match unpriced_below {
                                None => elig.eligible_given(inst, a, e, base),
                                Some(_) => elig.eligible_score(inst, a, e),
                            };
                            if let Some(s) = s {
                                if pair_slack(inst, duals, a, e, s.0) > 0 {
                                    out.push((a, e, s));
                                }
                            }
                        }
                    }
                }
                if grow && found_by_scan {
                    // The next best experts, enough to double the row with
                    // the violators; the bound drops to the best left out.
                    let want = row.len().saturating_sub(out.len() - first);
                    let rank = candidates::rank(a);
                    if pool.len() > want && want > 0 {
                        pool.select_nth_unstable_by(want - 1, rank);
                    }
                    let take = want.min(pool.len());
                    let mut add: Vec<(ExpertIx, Score)> =
                        out[first..].iter().map(|&(_, e, s)| (e, s)).collect();
                    add.extend(pool[..take].iter().map(|&(s, e)| (e, s)));
                    let rest = pool[take..]
                        .iter()
                        .map(|&(s, _)| s)
                        .max()
                        .max(floor_best)
                        .max(unpriced_below);
                    let bound = match (rest, base_ok) {
                        (r, true) => Some(r.map_or(base, |r| r.max(base))),
                        (r, false) => r,
                    };
                    let violators = out.len() - first;
                    out.truncate(first);
                    growth.push(Growth {
                        app: a,
                        add,
                        violators,
                        bound,
                    });
                }
            }
            Part {
                violators: out,
                growth,
                rescanned,
                repriced,
                kept: new_kept,
            }
        };
        let ranges = candidates::chunks(inst.applications.len(), candidates::threads());
        let parts: Vec<Part> = if ranges.len() <= 1 {
            ranges.into_iter().map(run).collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = ranges
                    .into_iter()
                    .map(|r| scope.spawn(move || run(r)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        self.rescanned = parts.iter().map(|p| p.rescanned).sum();
        self.repriced = parts.iter().map(|p| p.repriced).sum();
        let mut priced = Priced {
            violators: Vec::new(),
            growth: Vec::new(),
        };
        // Each new kept scan is cut to its share of the budget (the best
        // pairs of each, at least KEPT_SCAN_MIN_PAIRS): many short scans
        // serve the next passes better than a few long ones. They are
        // taken in application order while the budget lasts (scans kept
        // from earlier passes hold their part of it).
        let new_kept: usize = parts
            .iter()
            .map(|p| p.kept.iter().filter(|(_, k)| k.is_some()).count())
            .sum();
        let limit = (KEPT_SCANS_MAX_PAIRS / new_kept.max(1))
            .clamp(KEPT_SCAN_MIN_PAIRS, KEPT_SCAN_MAX_PAIRS);
        for part in parts {
            priced.violators.extend(part.violators);
            priced.growth.extend(part.growth);
            for (a, k) in part.kept {
                let k = k.and_then(|k| KeptScan::of(k.floor, k.pairs, limit));
                let old = self.kept[a.ix()].take().map_or(0, |k| k.pairs.len());
                self.kept_pairs -= old;
                let fits = k
                    .as_ref()
                    .is_some_and(|k| self.kept_pairs + k.pairs.len() <= KEPT_SCANS_MAX_PAIRS);
                if fits {
                    self.kept_pairs += k.as_ref().map_or(0, |k| k.pairs.len());
                    self.kept[a.ix()] = k;
                }
            }
        }
        priced
    }
}

/// What one thread of [`Pricer::price`] found over its applications.
struct Part {
    violators: Vec<Violator>,
    growth: Vec<Growth>,
    rescanned: usize,
    repriced: usize,
    /// The applications it re-scanned, with what to keep of each scan.
    kept: Vec<(AppIx, Option<KeptScan>)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A kept scan holds exactly the pairs scoring at least its floor,
        /// in scan order, at most `limit` of them, and its floor never
        /// falls below the one asked for.
        #[test]
        fn a_kept_scan_holds_every_pair_at_or_above_its_floor(
            scores in proptest::collection::vec(0i64..40, 0..2500),
            floor in 0i128..10,
            limit in 0usize..1500,
        ) {
            let near: Vec<(ExpertIx, Score)> = scores
                .iter()
                .enumerate()
                .filter(|&(_, &s)| i128::from(s) >= floor)
                .map(|(i, &s)| (ExpertIx(i as u32), Score(s)))
                .collect();
            let kept = KeptScan::of(floor, near.clone(), limit).expect("in range");
            prop_assert!(kept.floor >= floor);
            prop_assert!(kept.pairs.len() <= limit);
            let want: Vec<(ExpertIx, Score)> = near
                .iter()
                .copied()
                .filter(|&(_, s)| i128::from(s.0) >= kept.floor)
                .collect();
            prop_assert_eq!(&kept.pairs, &want);
            if near.len() <= limit {
                prop_assert_eq!(kept, KeptScan { floor, pairs: near });
            } else {
                // Cut at a score: some pair just below the floor is left out.
                prop_assert!(near.iter().any(|&(_, s)| i128::from(s.0) == kept.floor - 1));
            }
        }
    }

    #[test]
    fn a_floor_out_of_range_keeps_nothing() {
        assert_eq!(KeptScan::of(i128::from(i64::MIN), Vec::new(), 1), None);
        assert_eq!(KeptScan::of(i128::from(i64::MIN) - 1, Vec::new(), 1), None);
        assert!(KeptScan::of(0, Vec::new(), 1).is_some());
    }
}
