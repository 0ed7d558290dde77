//! Why an instance is infeasible, in a program officer's words.
//!
//! Two layers. First, plain counting checks that name the usual culprits
//! directly (an application with too few eligible or outside-city experts,
//! more reviews needed than the pool can give, load floors that cannot be
//! met). Then, when those pass but the flow still cannot route every
//! review, the min cut of the network is a Hall violator: a set of
//! applications whose demand exceeds what the rules let them get. We name
//! those applications (grouped by city and field), the rules whose caps
//! form the cut, the shortfall, and what would fix it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::network::{ArcRole, Encoded};
use crate::eligibility::{ConflictKind, Eligibility, EligiblePairs};
use crate::flow::Cut;
use crate::model::{AppIx, ExpertIx, Instance};

/// An explanation of infeasibility: a headline, findings and fixes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Infeasibility {
    /// Reviews that cannot be placed (at least this many).
    pub shortfall: u64,
    /// One line per finding, most specific first.
    pub findings: Vec<String>,
    /// Changes that would help, each one line.
    pub fixes: Vec<String>,
}

impl fmt::Display for Infeasibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "infeasible: no assignment obeys every rule (at least {} review(s) cannot be placed)",
            self.shortfall
        )?;
        for line in &self.findings {
            // Lines indented by the builder are details of the line above.
            match line.strip_prefix("    ") {
                Some(detail) => writeln!(f, "      {detail}")?,
                None => writeln!(f, "  - {line}")?,
            }
        }
        if !self.fixes.is_empty() {
            writeln!(f, "what would fix it:")?;
            for line in &self.fixes {
                writeln!(f, "  - {line}")?;
            }
        }
        Ok(())
    }
}

/// Most findings listed before the rest are summarised as a count.
const MAX_LISTED: usize = 12;

/// Counting checks that need no flow. `None` when none fires (the instance
/// may still be infeasible; see [`from_cut`]).
pub(crate) fn precheck(
    inst: &Instance,
    elig: &Eligibility,
    pairs: &EligiblePairs,
) -> Option<Infeasibility> {
    let mut per_city = vec![0u32; inst.cities.len()];
    let short = inst.app_ixs().filter_map(|a| {
        per_city.iter_mut().for_each(|n| *n = 0);
        for e in pairs.experts_of(a) {
            per_city[inst.experts[e.ix()].city.ix()] += 1;
        }
        app_shortage(inst, a, &per_city)
    });
    if let Some(out) = shortage_report(inst, elig, short) {
        return Some(out);
    }
    precheck_pool(inst, Some(pairs))
}

/// Eligible experts of one application counted against its rules: what
/// the counting checks decide on.
#[derive(Clone, Copy, Debug)]
struct AppCounts {
    /// Panel size.
    k: u32,
    /// Required outside-city members.
    q: u32,
    /// Eligible experts.
    total: u32,
    /// Eligible experts from other cities.
    outside: u32,
    /// Seats the per-city caps let eligible experts fill.
    reachable: u32,
}

impl AppCounts {
    fn new(inst: &Instance, a: AppIx, per_city: &[u32]) -> AppCounts {
        let home = inst.applications[a.ix()].city;
        let total: u32 = per_city.iter().sum();
        AppCounts {
            k: inst.panel_size(a),
            q: inst.min_outside(a),
            total,
            outside: total - per_city.get(home.ix()).copied().unwrap_or(0),
            reachable: per_city
                .iter()
                .enumerate()
                .map(|(c, &n)| n.min(inst.max_from_city(a, crate::model::CityIx(c as u32))))
                .sum(),
        }
    }

    /// Reviews short of a panel, when the counts cannot staff one.
    fn shortfall(&self) -> Option<u32> {
        if self.total < self.k {
            Some(self.k - self.total)
        } else if self.outside < self.q {
            Some(self.q - self.outside)
        } else if self.reachable < self.k {
            Some(self.k - self.reachable)
        } else {
            None
        }
    }
}

/// True when application `a`, with `per_city[c]` eligible experts in city
/// `c` (exact counts), cannot be staffed: too few eligible experts, too few
/// from other cities, or per-city caps that leave too few seats.
pub(crate) fn app_counts_short(inst: &Instance, a: AppIx, per_city: &[u32]) -> bool {
    AppCounts::new(inst, a, per_city).shortfall().is_some()
}

/// An application the counting checks find unstaffable: how many reviews
/// it is short, and the counts to explain it with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shortage {
    app: AppIx,
    short: u32,
    counts: AppCounts,
}

/// The precheck's finding for one application with exact per-city
/// eligible counts, or `None` when the counts allow a panel.
pub(crate) fn app_shortage(inst: &Instance, a: AppIx, per_city: &[u32]) -> Option<Shortage> {
    let counts = AppCounts::new(inst, a, per_city);
    counts.shortfall().map(|short| Shortage {
        app: a,
        short,
        counts,
    })
}

impl Shortage {
    /// The finding in words (names what excluded the experts when there
    /// are too few; that look costs one pass over the pool).
    fn describe(&self, inst: &Instance, elig: &Eligibility) -> String {
        let a = self.app;
        let c = self.counts;
        let app = &inst.applications[a.ix()];
        if c.total < c.k {
            format!(
                "{} ({}, {}) has {} eligible expert(s) and needs {}; {}",
                app.id,
                inst.app_city(a),
                fields_label(inst, a),
                c.total,
                c.k,
                exclusion_summary(inst, elig, a)
            )
        } else if c.outside < c.q {
            format!(
                "{} ({}) needs {} expert(s) from outside {}; only {} eligible expert(s) are from other cities",
                app.id,
                inst.app_city(a),
                c.q,
                inst.app_city(a),
                c.outside
            )
        } else {
            format!(
                "{} ({}): the per-city caps (max_per_city {}, home city at most {}) allow only {} of its {} panel seats",
                app.id,
                inst.app_city(a),
                inst.policy
                    .max_per_city
                    .map_or("none".to_string(), |c| c.to_string()),
                inst.max_from_city(a, app.city),
                c.reachable,
                c.k
            )
        }
    }
}

/// The findings and fixes for applications that cannot be staffed (from
/// [`app_shortage`]); `None` when there are none. Only the listed ones are
/// put in words.
pub(crate) fn shortage_report(
    inst: &Instance,
    elig: &Eligibility,
    shortages: impl IntoIterator<Item = Shortage>,
) -> Option<Infeasibility> {
    let mut out = Infeasibility::default();
    let mut short_apps = 0usize;
    let mut kinds: BTreeSet<ConflictKind> = BTreeSet::new();
    for s in shortages {
        out.shortfall += u64::from(s.short);
        short_apps += 1;
        if out.findings.len() < MAX_LISTED {
            out.findings.push(s.describe(inst, elig));
            if s.counts.total < s.counts.k {
                kinds.extend(exclusions(inst, elig, s.app).into_keys());
            }
        }
    }
    if short_apps > MAX_LISTED {
        out.findings.push(format!(
            "… and {} more application(s) like these",
            short_apps - MAX_LISTED
        ));
    }
    if short_apps == 0 {
        return None;
    }
    out.fixes.push(
        "add eligible experts in these fields from other cities to the pool, or review the conflicts that exclude them".into(),
    );
    out.fixes.extend(history_fixes(inst, &kinds));
    if inst.policy.min_outside_share > 0.0
        || inst.policy.min_outside > 0
        || inst.policy.max_per_city.is_some()
        || !programmes_outside_rules(inst).is_empty()
    {
        out.fixes.push(
            "or relax min_outside_share / min_outside / max_per_city for these applications".into(),
        );
    }
    Some(out)
}

/// The pool-wide counting checks (reviews needed vs what the pool can
/// give, load floors). With `pairs` (all eligible pairs) the checks are
/// those of [`precheck`]; without (a round solved on candidates), only the
/// checks that need no pairs run, and the pool's capacity is counted over
/// every available expert (an upper bound, so a shortage found is real).
pub(crate) fn precheck_pool(
    inst: &Instance,
    pairs: Option<&EligiblePairs>,
) -> Option<Infeasibility> {
    let mut out = Infeasibility::default();
    // Global capacity: reviews needed vs reviews the pool can give.
    let demand: u64 = inst.app_ixs().map(|a| u64::from(inst.panel_size(a))).sum();
    // Experts a history rule bars give nothing (they have no eligible
    // pair; without pairs they are left out of the upper bound too).
    let barred = barred_by_history(inst);
    let has_pair: Vec<bool> = match pairs {
        Some(pairs) => {
            let mut has_pair = vec![false; inst.experts.len()];
            for e in &pairs.experts {
                has_pair[e.ix()] = true;
            }
            has_pair
        }
        None => {
            let mut has_pair: Vec<bool> = inst.experts.iter().map(|x| x.available).collect();
            for &e in barred.values().flatten() {
                has_pair[e.ix()] = false;
            }
            has_pair
        }
    };
    let who = match (pairs.is_some(), barred.is_empty()) {
        (true, _) => "experts with at least one eligible application can give",
        (false, true) => "available experts can give at most",
        (false, false) => "available experts no history rule bars can give at most",
    };
    let supply: u64 = inst
        .expert_ixs()
        .filter(|e| has_pair[e.ix()])
        .map(|e| u64::from(inst.max_load(e)))
        .sum();
    if supply < demand {
        out.shortfall = demand - supply;
        out.findings.push(format!(
            "the round needs {demand} reviews; {who} {supply} (sum of max_load)"
        ));
        let usable: Vec<ExpertIx> = inst.expert_ixs().filter(|e| has_pair[e.ix()]).collect();
        out.fixes.push(load_raise_fix(
            inst,
            &usable,
            demand - supply,
            "usable experts",
        ));
        yearly_findings(inst, &usable, &mut out);
        history_bar_findings(inst, &barred, &mut out);
        return Some(out);
    }
    let floor: u64 = inst.expert_ixs().map(|e| u64::from(inst.min_load(e))).sum();
    if floor > demand {
        out.shortfall = floor - demand;
        out.findings.push(format!(
            "load floors add up to {floor} reviews but the round has only {demand}"
        ));
        out.fixes
            .push("lower min_load (policy or per expert)".into());
        return Some(out);
    }
    let reversed: Vec<String> = inst
        .expert_ixs()
        .filter(|&e| inst.min_load(e) > inst.max_load(e))
        .map(|e| {
            format!(
                "{} must review at least {} (min_load) but at most {} (max_load)",
                inst.experts[e.ix()].id,
                inst.min_load(e),
                inst.max_load(e)
            )
        })
        .collect();
    if !reversed.is_empty() {
        out.shortfall = inst
            .expert_ixs()
            .map(|e| u64::from(inst.min_load(e).saturating_sub(inst.max_load(e))))
            .sum();
        out.findings.extend(reversed.into_iter().take(MAX_LISTED));
        out.fixes.push(
            "make each expert's min_load at most their max_load (policy or per expert)".into(),
        );
        return Some(out);
    }
    let pairs = pairs?;
    let mut eligible_apps = vec![0u32; inst.experts.len()];
    for e in &pairs.experts {
        eligible_apps[e.ix()] += 1;
    }
    let mut floor_short = Vec::new();
    for e in inst.expert_ixs() {
        let need = inst.min_load(e);
        if need > eligible_apps[e.ix()] {
            out.shortfall += u64::from(need - eligible_apps[e.ix()]);
            floor_short.push(format!(
                "{} must review at least {} application(s) (min_load) but is eligible for {}",
                inst.experts[e.ix()].id,
                need,
                eligible_apps[e.ix()]
            ));
        }
    }
    if !floor_short.is_empty() {
        let n = floor_short.len();
        out.findings
            .extend(floor_short.into_iter().take(MAX_LISTED));
        if n > MAX_LISTED {
            out.findings
                .push(format!("… and {} more expert(s)", n - MAX_LISTED));
        }
        out.fixes.push("lower these experts' min_load".into());
        return Some(out);
    }
    None
}

/// Explains a min cut of the encoded network (see [`crate::flow::Cut`]):
/// the applications on the source side cannot all be staffed.
pub(crate) fn from_cut(inst: &Instance, enc: &Encoded, cut: &Cut) -> Infeasibility {
    let mut out = Infeasibility {
        shortfall: cut.shortfall.max(0) as u64,
        ..Default::default()
    };
    let side = |n: crate::flow::NodeId| cut.contains(n);

    // Applications behind the cut, grouped by (city, first field).
    let stuck: Vec<AppIx> = inst
        .app_ixs()
        .filter(|&a| side(enc.app_node[a.ix()]))
        .collect();
    let mut groups: BTreeMap<(String, String), Vec<AppIx>> = BTreeMap::new();
    for &a in &stuck {
        groups
            .entry((inst.app_city(a).to_string(), fields_label(inst, a)))
            .or_default()
            .push(a);
    }
    let demand: u64 = stuck.iter().map(|&a| u64::from(inst.panel_size(a))).sum();

    // What the cut is made of.
    let mut city_caps: BTreeMap<String, (u32, i64)> = BTreeMap::new(); // home city → (apps, seats)
    let mut other_city_caps = 0i64;
    let mut inst_caps = 0i64;
    let mut load_capped: Vec<ExpertIx> = Vec::new();
    let mut used_elsewhere = 0i64;
    let mut programme_capped: Vec<(ExpertIx, crate::model::ProgIx)> = Vec::new();
    let mut counted: std::collections::BTreeSet<AppIx> = Default::default();
    for a in enc.net.arcs() {
        let (u, v) = (enc.net.source(a), enc.net.target(a));
        if !side(u) || side(v) {
            continue;
        }
        let cap = enc.net.upper(a);
        match enc.arc_role(a) {
            ArcRole::CityCap(app, c) | ArcRole::CityBonus(app, c) => {
                if inst.applications[app.ix()].city == c {
                    let entry = city_caps.entry(inst.app_city(app).to_string()).or_default();
                    // With a city bonus a group has two arcs: count the
                    // application once.
                    if counted.insert(app) {
                        entry.0 += 1;
                    }
                    entry.1 += cap;
                } else {
                    other_city_caps += cap;
                }
            }
            ArcRole::InstitutionCap(..) => inst_caps += cap,
            ArcRole::Load(e) => load_capped.push(e),
            ArcRole::ProgrammeCap(e, p) => programme_capped.push((e, p)),
            ArcRole::Pair(..) => used_elsewhere += cap,
        }
    }

    out.findings.push(format!(
        "{} application(s) need {} reviews together but the rules let them get at most {} (shortfall {}):",
        stuck.len(),
        demand,
        demand.saturating_sub(out.shortfall),
        out.shortfall
    ));
    for ((city, field), apps) in groups.iter().take(MAX_LISTED) {
        let ids: Vec<&str> = apps
            .iter()
            .take(6)
            .map(|a| inst.applications[a.ix()].id.as_str())
            .collect();
        let more = if apps.len() > 6 {
            format!(", … ({} in all)", apps.len())
        } else {
            String::new()
        };
        out.findings
            .push(format!("    {city}, {field}: {}{more}", ids.join(", ")));
    }
    if groups.len() > MAX_LISTED {
        out.findings.push(format!(
            "    … and {} more group(s)",
            groups.len() - MAX_LISTED
        ));
    }
    let by_programme = programmes_outside_rules(inst);
    let home_rules = match inst.policy.max_per_city {
        Some(cap) => format!(
            "the outside-city rule (min_outside_share {}, min_outside {}{by_programme}) and max_per_city {cap}",
            inst.policy.min_outside_share, inst.policy.min_outside
        ),
        None => format!(
            "the outside-city rule (min_outside_share {}, min_outside {}{by_programme})",
            inst.policy.min_outside_share, inst.policy.min_outside
        ),
    };
    let home_seats: i64 = city_caps.values().map(|&(_, seats)| seats).sum();
    for (city, (apps, seats)) in &city_caps {
        out.findings.push(format!(
            "binding: {home_rules} let {apps} application(s) from {city} take only {seats} seat(s) from {city}; the rest must come from other cities"
        ));
    }
    if !city_caps.is_empty() {
        // The cut's capacity is the home seats plus what the rest of the cut
        // (other cities' experts, their loads and caps) can give.
        let need = (demand as i64 - home_seats).max(0);
        let can_give = (need - out.shortfall as i64).max(0);
        out.findings.push(format!(
            "so these applications need {need} review(s) from other cities; eligible experts from other cities can give at most {can_give}"
        ));
    }
    if other_city_caps > 0 {
        out.findings.push(format!(
            "binding: max_per_city {} caps what other cities can give ({other_city_caps} seat(s))",
            inst.policy.max_per_city.unwrap_or(0)
        ));
    }
    if inst_caps > 0 {
        out.findings.push(format!(
            "binding: max_per_institution {} caps what single institutions can give ({inst_caps} seat(s))",
            inst.policy.max_per_institution.unwrap_or(0)
        ));
    }
    if !load_capped.is_empty() {
        let mut by_city: BTreeMap<&str, u32> = BTreeMap::new();
        let spare: i64 = load_capped
            .iter()
            .map(|&e| {
                *by_city.entry(inst.expert_city(e)).or_default() += 1;
                i64::from(inst.max_load(e))
            })
            .sum();
        let cities: Vec<String> = by_city.iter().map(|(c, n)| format!("{n} in {c}")).collect();
        out.findings.push(format!(
            "binding: max_load of the {} eligible expert(s) who could help ({}) gives only {spare} review(s)",
            load_capped.len(),
            cities.join(", ")
        ));
        let fix = load_raise_fix(inst, &load_capped, out.shortfall, "expert(s)");
        out.fixes.push(fix);
    }
    programme_findings(inst, &programme_capped, &mut out);
    yearly_findings(inst, &load_capped, &mut out);
    if used_elsewhere > 0 {
        out.findings.push(format!(
            "{used_elsewhere} further pair(s) lead to experts whose load other applications need"
        ));
    }
    for (city, (apps, _)) in &city_caps {
        let per_app = out.shortfall.div_ceil(u64::from(*apps).max(1));
        out.fixes.push(format!(
            "or let applications from {city} take {per_app} more home-city expert(s) each (lower min_outside_share or min_outside for {city})"
        ));
    }
    if out.fixes.is_empty() {
        out.fixes.push(
            "add eligible experts for these applications, or relax the binding rules above".into(),
        );
    }
    out
}

/// Findings for programme `max_load` arcs in a cut: per programme, how
/// many experts it caps and at what.
fn programme_findings(
    inst: &Instance,
    capped: &[(ExpertIx, crate::model::ProgIx)],
    out: &mut Infeasibility,
) {
    let mut by_prog: BTreeMap<crate::model::ProgIx, u32> = BTreeMap::new();
    for &(_, p) in capped {
        *by_prog.entry(p).or_default() += 1;
    }
    for (p, n) in by_prog {
        let name = inst.programmes.name(p.0);
        let cap = inst.programme_max_load(p).unwrap_or(0);
        out.findings.push(format!(
            "binding: programme {name}'s max_load {cap} caps the reviews {n} expert(s) may give within {name}"
        ));
        out.fixes.push(format!(
            "raise max_load of programme {name} in the policy's programmes"
        ));
    }
}

/// Findings for load arcs in a cut that `max_reviews_per_year` lowered:
/// those experts already reviewed this year.
/// True when `max_reviews_per_year` holds expert `e` below the round's
/// `max_load`.
fn held_by_yearly_cap(inst: &Instance, e: ExpertIx) -> bool {
    inst.max_load(e) < inst.round_max_load(e)
}

/// The fix "raise max_load" for a shortfall of `shortfall` reviews among
/// `experts` (`who` names them). Raising `max_load` gives an expert only
/// what `max_reviews_per_year` leaves above their load this round, so the
/// raise asked is the least that covers the shortfall within that room
/// (named only for the experts it helps), and "add experts" alone when no
/// raise can.
fn load_raise_fix(inst: &Instance, experts: &[ExpertIx], shortfall: u64, who: &str) -> String {
    // What each expert gains from a raise of `by` (the yearly cap's room
    // above today's max_load, if the rule is on).
    let gains: Vec<Option<u64>> = experts
        .iter()
        .map(|&e| {
            inst.yearly_room(e)
                .map(|room| u64::from(room.saturating_sub(inst.max_load(e))))
        })
        .collect();
    let gained = |by: u64| -> u64 { gains.iter().map(|g| g.map_or(by, |g| g.min(by))).sum() };
    let helped = gains.iter().filter(|g| g.is_none_or(|g| g > 0)).count();
    if helped == 0 || gained(shortfall) < shortfall {
        return format!(
            "add experts who can review these applications (max_reviews_per_year leaves the {} {who} too little room for a higher max_load to cover the {shortfall} missing review(s))",
            experts.len()
        );
    }
    // The least raise that covers the shortfall (gained is monotone).
    let (mut lo, mut hi) = (1u64, shortfall.max(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if gained(mid) >= shortfall {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let held = experts.len() - helped;
    format!(
        "raise max_load by {lo} for each of the {helped} {who}{}, or add experts",
        if gains.iter().any(Option::is_some) {
            format!(
                " (as far as max_reviews_per_year leaves room{})",
                if held > 0 {
                    format!("; it leaves none to {held} more")
                } else {
                    String::new()
                }
            )
        } else {
            String::new()
        }
    )
}

fn yearly_findings(inst: &Instance, load_capped: &[ExpertIx], out: &mut Infeasibility) {
    let (Some(cap), Some(year)) = (inst.policy.max_reviews_per_year, inst.policy.year) else {
        return;
    };
    let lowered: Vec<ExpertIx> = load_capped
        .iter()
        .copied()
        .filter(|&e| held_by_yearly_cap(inst, e))
        .collect();
    if lowered.is_empty() {
        return;
    }
    const SHOWN: usize = 6;
    let each: Vec<String> = lowered
        .iter()
        .take(SHOWN)
        .map(|&e| {
            format!(
                "{} {}",
                inst.experts[e.ix()].id,
                inst.history.reviews_in_year(e, year)
            )
        })
        .collect();
    out.findings.push(format!(
        "binding: max_reviews_per_year {cap} holds {} of these expert(s) below max_load (served or no-show in {year} already: {}{})",
        lowered.len(),
        each.join(", "),
        if lowered.len() > SHOWN { ", …" } else { "" }
    ));
    out.fixes
        .push(format!("or raise max_reviews_per_year above {cap}"));
}

/// The finding and fixes for experts a history rule takes out of a round
/// whose loads fall short (`barred`: from [`barred_by_history`]): the rule
/// with its value, the experts, the reviews they could have given, and
/// the rule to relax (worded as for a short application).
fn history_bar_findings(
    inst: &Instance,
    barred: &BTreeMap<ConflictKind, Vec<ExpertIx>>,
    out: &mut Infeasibility,
) {
    if barred.is_empty() {
        return;
    }
    let experts: BTreeSet<ExpertIx> = barred.values().flatten().copied().collect();
    let could: u64 = experts.iter().map(|&e| u64::from(inst.max_load(e))).sum();
    out.findings.push(format!(
        "history rules take {} expert(s) out of the round, who could give {could} review(s) (max_load): {}",
        experts.len(),
        exclusion_parts(inst, barred)
    ));
    let kinds: BTreeSet<ConflictKind> = barred.keys().copied().collect();
    out.fixes.extend(history_fixes(inst, &kinds));
}

/// Fixes for the history rules that excluded experts of the short
/// applications (`kinds`: the exclusion kinds seen).
fn history_fixes(inst: &Instance, kinds: &BTreeSet<ConflictKind>) -> Vec<String> {
    let p = &inst.policy;
    let mut out = Vec::new();
    if kinds.contains(&ConflictKind::Repeat) && p.repeat_penalty_micro().is_none() {
        out.push(format!(
            "or turn repeats from a ban into a cost: set repeat_penalty (avoid_repeat is {}), or set avoid_repeat to off",
            p.avoid_repeat.as_str()
        ));
    }
    if let Some(n) = p
        .max_consecutive_years
        .filter(|_| kinds.contains(&ConflictKind::Resting))
    {
        out.push(format!(
            "or raise max_consecutive_years ({n}) so that fewer experts rest"
        ));
    }
    if let Some(n) = p
        .max_declines
        .filter(|_| kinds.contains(&ConflictKind::Declines))
    {
        out.push(format!("or raise max_declines ({n})"));
    }
    if let Some(r) = p
        .min_rating
        .filter(|_| kinds.contains(&ConflictKind::Rating))
    {
        out.push(format!("or lower min_rating ({r})"));
    }
    out
}

/// The policy field behind a history exclusion kind, with its value.
fn history_rule(inst: &Instance, kind: ConflictKind) -> Option<String> {
    let p = &inst.policy;
    let opt = |name: &str, v: Option<String>| v.map(|v| format!("{name} {v}"));
    match kind {
        ConflictKind::Repeat => Some(format!("avoid_repeat {}", p.avoid_repeat.as_str())),
        ConflictKind::Resting => opt(
            "max_consecutive_years",
            p.max_consecutive_years.map(|n| n.to_string()),
        ),
        ConflictKind::Declines => opt("max_declines", p.max_declines.map(|n| n.to_string())),
        ConflictKind::Rating => opt("min_rating", p.min_rating.map(|r| r.to_string())),
        _ => None,
    }
}

fn fields_label(inst: &Instance, a: AppIx) -> String {
    let f = &inst.applications[a.ix()].fields;
    if f.is_empty() {
        "no field".to_string()
    } else {
        f.join("+")
    }
}

/// Per exclusion kind, the experts it keeps from application `a` (a pair
/// with two kinds counts under both), in pool order.
fn exclusions(
    inst: &Instance,
    elig: &Eligibility,
    a: AppIx,
) -> BTreeMap<ConflictKind, Vec<ExpertIx>> {
    let mut out: BTreeMap<ConflictKind, Vec<ExpertIx>> = BTreeMap::new();
    for e in inst.expert_ixs() {
        let v = elig.check(inst, a, e);
        let mut kinds: Vec<ConflictKind> = v.reasons.iter().map(|r| r.kind()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        for k in kinds {
            out.entry(k).or_default().push(e);
        }
    }
    out
}

/// Experts named in a history exclusion before "…".
const HISTORY_NAMED: usize = 5;

/// "excluded: 3 same institution, 1 co-author" for one application; a
/// history rule is named with its value and the experts it keeps out
/// ("3 resting (history; max_consecutive_years 1: E1, E2, E3)").
fn exclusion_summary(inst: &Instance, elig: &Eligibility, a: AppIx) -> String {
    let counts = exclusions(inst, elig, a);
    if counts.is_empty() {
        return "the pool is too small".into();
    }
    format!("excluded: {}", exclusion_parts(inst, &counts))
}

/// "3 same institution, 2 resting (history) (max_consecutive_years 1: E1,
/// E2)": per exclusion kind, how many experts it keeps out; a history rule
/// with its value and the experts (the first [`HISTORY_NAMED`]).
fn exclusion_parts(inst: &Instance, counts: &BTreeMap<ConflictKind, Vec<ExpertIx>>) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(k, list)| match history_rule(inst, *k) {
            Some(rule) => {
                let ids: Vec<&str> = list
                    .iter()
                    .take(HISTORY_NAMED)
                    .map(|&e| inst.experts[e.ix()].id.as_str())
                    .collect();
                let more = if list.len() > HISTORY_NAMED {
                    ", …"
                } else {
                    ""
                };
                format!(
                    "{} {} ({rule}: {}{more})",
                    list.len(),
                    k.label(),
                    ids.join(", ")
                )
            }
            None => format!("{} {}", list.len(), k.label()),
        })
        .collect();
    parts.join(", ")
}

/// The available experts a history rule bars from the whole round
/// (resting, declines, rating), per rule, in pool order (an expert two
/// rules bar counts under both).
fn barred_by_history(inst: &Instance) -> BTreeMap<ConflictKind, Vec<ExpertIx>> {
    let mut out: BTreeMap<ConflictKind, Vec<ExpertIx>> = BTreeMap::new();
    for e in inst.expert_ixs() {
        if !inst.experts[e.ix()].available || !crate::history::barred(inst, e) {
            continue;
        }
        for bar in crate::history::bars(inst, e) {
            out.entry(crate::eligibility::Reason::History(bar).kind())
                .or_default()
                .push(e);
        }
    }
    out
}

/// Counting checks for the crossing rules (README "Crossing rules"), run
/// after [`precheck`]: an application whose panel is smaller than
/// `min_senior` or that has too few eligible seniors, a field no eligible
/// expert lists, and a round outside-share target above what the flow
/// rules allow (found exactly by a flow that maximises outside reviews).
/// `None` when none fires (the rules together may still be infeasible).
pub(crate) fn precheck_crossing(inst: &Instance, pairs: &EligiblePairs) -> Option<Infeasibility> {
    let mut out = Infeasibility::default();
    let mut listed = 0usize;
    let mut push = |out: &mut Infeasibility, line: String| {
        listed += 1;
        if listed <= MAX_LISTED {
            out.findings.push(line);
        }
    };
    let mut senior_short = 0u32;
    let mut field_short = 0u32;
    for a in inst.app_ixs() {
        let id = &inst.applications[a.ix()].id;
        let experts = pairs.experts_of(a);
        let s = inst.min_senior(a);
        if s > 0 {
            let k = inst.panel_size(a);
            let seniors = experts.iter().filter(|&&e| inst.is_senior(e)).count() as u32;
            let short = s.saturating_sub(k.min(seniors));
            if short > 0 {
                out.shortfall += u64::from(short);
                senior_short += 1;
                let why = if k < s {
                    format!(
                        "{id} ({}): its panel has {k} seat(s), min_senior is {s}",
                        inst.app_city(a)
                    )
                } else {
                    format!(
                        "{id} ({}): only {seniors} eligible expert(s) hold a senior title, min_senior is {s}",
                        inst.app_city(a)
                    )
                };
                push(&mut out, why);
            }
        }
        for f in inst.fields_to_cover(a) {
            if !experts.iter().any(|&e| inst.covers(e, f)) {
                out.shortfall += 1;
                field_short += 1;
                push(
                    &mut out,
                    format!(
                        "{id} ({}): no eligible expert lists field {f}",
                        inst.app_city(a)
                    ),
                );
            }
        }
    }
    if listed > MAX_LISTED {
        out.findings
            .push(format!("… and {} more finding(s)", listed - MAX_LISTED));
    }
    if senior_short > 0 {
        out.fixes.push(format!(
            "lower min_senior (the round's or the programme's), add senior titles to senior_titles, or add eligible senior experts for these {senior_short} application(s)"
        ));
    }
    if field_short > 0 {
        out.fixes.push(format!(
            "turn cover_fields off, or add experts who list the missing field(s) ({field_short} field(s))"
        ));
    }
    if super::network::check_laminar(inst).is_ok() {
        for (city, share) in inst.round_outside_targets() {
            let (total, need) = inst.round_outside_needed(city, share);
            let Some(max) = max_outside(inst, pairs, city) else {
                continue;
            };
            if max < need {
                out.shortfall += need - max;
                let (scope, field) = match city {
                    None => (
                        "the round".to_string(),
                        format!("min_outside_share_round {share}"),
                    ),
                    Some(c) => (
                        format!("applications from {}", inst.cities.name(c.0)),
                        format!("min_outside_share_by_city {share}"),
                    ),
                };
                out.findings.push(format!(
                    "at most {max} of the {total} reviews of {scope} can come from outside the applicant's city under the other rules; {field} needs {need}"
                ));
                out.fixes.push(format!(
                    "lower {field} to at most {:.4}, or raise max_load / add experts outside the applicants' cities",
                    max as f64 / total.max(1) as f64
                ));
            }
        }
    }
    (!out.findings.is_empty()).then_some(out)
}

/// Most outside-city reviews the flow rules allow for the applications in
/// scope (`None` when the flow rules alone cannot be met; the flow path
/// explains that).
fn max_outside(
    inst: &Instance,
    pairs: &EligiblePairs,
    city: Option<crate::model::CityIx>,
) -> Option<u64> {
    let mut w = vec![0i64; pairs.len()];
    for a in inst.app_ixs().filter(|&a| inst.in_scope(a, city)) {
        let home = inst.applications[a.ix()].city;
        let start = pairs.offsets[a.ix()];
        for (i, e) in pairs.experts_of(a).iter().enumerate() {
            if inst.experts[e.ix()].city != home {
                w[start + i] = 1;
            }
        }
    }
    let enc = super::network::encode_with(inst, pairs, &w, 0);
    let sol = enc.net.solve().ok()?;
    u64::try_from(-sol.cost).ok()
}

/// Explanation when the MIP proves the crossing rules infeasible together
/// (each passed [`precheck_crossing`] on its own).
pub(crate) fn crossing_infeasible(inst: &Instance, flow_rules_feasible: bool) -> Infeasibility {
    let p = &inst.policy;
    let mut on = Vec::new();
    if p.min_senior > 0 {
        on.push(format!("min_senior {}", p.min_senior));
    }
    if p.cover_fields {
        on.push("cover_fields".to_string());
    }
    if let Some(s) = p.min_outside_share_round {
        on.push(format!("min_outside_share_round {s}"));
    }
    for (c, s) in &p.min_outside_share_by_city {
        on.push(format!("min_outside_share_by_city {c} {s}"));
    }
    if let Some(m) = p.max_copanel {
        on.push(format!("max_copanel {m}"));
    }
    let mut findings = vec![format!(
        "the MIP proved that no assignment obeys the crossing rules ({}) together with the other rules",
        on.join(", ")
    )];
    if flow_rules_feasible {
        findings.push(
            "without the crossing rules the round is feasible (the flow found panels), and each application passes the per-application counts; the rules conflict through shared experts' loads".into(),
        );
    }
    Infeasibility {
        shortfall: 1,
        findings,
        fixes: vec![
            "relax one of the crossing rules (lower min_senior or an outside share, raise max_copanel), or raise max_load of the experts they need".into(),
        ],
    }
}

/// The programmes' own outside-city rules, for messages that quote the
/// round's: `"; programme 科技进步奖: min_outside_share 0.6"` per programme
/// that sets `min_outside_share`, `min_outside` or `max_per_city` (empty
/// when none does).
fn programmes_outside_rules(inst: &Instance) -> String {
    let mut out = String::new();
    for (name, r) in &inst.policy.programmes {
        let mut set = Vec::new();
        if let Some(s) = r.min_outside_share {
            set.push(format!("min_outside_share {s}"));
        }
        if let Some(c) = r.min_outside {
            set.push(format!("min_outside {c}"));
        }
        if let Some(c) = r.max_per_city {
            set.push(format!("max_per_city {c}"));
        }
        if !set.is_empty() {
            out.push_str(&format!("; programme {name}: {}", set.join(", ")));
        }
    }
    out
}
