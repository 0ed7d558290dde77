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
use crate::io::office::Lang;
use crate::model::{AppIx, ExpertIx, Instance};

/// An explanation of infeasibility: a headline, findings and fixes.
///
/// Every line is worded where it is found, in English (`findings`,
/// `fixes`: what the CLI prints) and in Chinese (`findings_zh`,
/// `fixes_zh`, line for line: what a Chinese console page shows); a line
/// pushed without Chinese shows its English there.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Infeasibility {
    /// Reviews that cannot be placed (at least this many).
    pub shortfall: u64,
    /// One line per finding, most specific first.
    pub findings: Vec<String>,
    /// Changes that would help, each one line.
    pub fixes: Vec<String>,
    /// The findings in Chinese, line for line.
    pub findings_zh: Vec<String>,
    /// The fixes in Chinese, line for line.
    pub fixes_zh: Vec<String>,
}

impl Infeasibility {
    /// Adds a finding in both languages.
    pub(crate) fn finding(&mut self, en: String, zh: String) {
        self.findings_zh.resize(self.findings.len(), String::new());
        self.findings.push(en);
        self.findings_zh.push(zh);
    }

    /// Adds a fix in both languages.
    pub(crate) fn fix(&mut self, en: String, zh: String) {
        self.fixes_zh.resize(self.fixes.len(), String::new());
        self.fixes.push(en);
        self.fixes_zh.push(zh);
    }

    /// The explanation in `lang` (in English, as [`fmt::Display`] prints
    /// it).
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        // A line's Chinese, or its English when it has none.
        let line = |en: &[String], cn: &[String], i: usize| -> String {
            match cn.get(i).filter(|l| zh && !l.is_empty()) {
                Some(l) => l.clone(),
                None => en[i].clone(),
            }
        };
        let mut out = if zh {
            format!(
                "无法安排：没有任何分配方案能满足全部规则（至少有 {} 个评审席位无法安排）\n",
                self.shortfall
            )
        } else {
            format!(
                "infeasible: no assignment obeys every rule (at least {} review(s) cannot be placed)\n",
                self.shortfall
            )
        };
        for i in 0..self.findings.len() {
            let l = line(&self.findings, &self.findings_zh, i);
            // Lines indented by the builder are details of the line above.
            match l.strip_prefix("    ") {
                Some(detail) => out.push_str(&format!("      {detail}\n")),
                None => out.push_str(&format!("  - {l}\n")),
            }
        }
        if !self.fixes.is_empty() {
            out.push_str(if zh {
                "修改建议：\n"
            } else {
                "what would fix it:\n"
            });
            for i in 0..self.fixes.len() {
                out.push_str(&format!("  - {}\n", line(&self.fixes, &self.fixes_zh, i)));
            }
        }
        out
    }
}

impl fmt::Display for Infeasibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
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
    precheck_pool(inst, elig, Some(pairs))
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
        let total: u32 = per_city.iter().sum();
        let caps = inst.city_caps(a);
        AppCounts {
            k: caps.panel_size,
            q: caps.min_outside,
            total,
            outside: total - per_city.get(caps.home.ix()).copied().unwrap_or(0),
            reachable: per_city
                .iter()
                .enumerate()
                .map(|(c, &n)| n.min(caps.of(crate::model::CityIx(c as u32))))
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
    fn describe(&self, inst: &Instance, elig: &Eligibility) -> (String, String) {
        let a = self.app;
        let c = self.counts;
        let app = &inst.applications[a.ix()];
        let city = inst.app_city(a);
        if c.total < c.k {
            let counts = exclusions(inst, elig, a);
            (
                format!(
                    "{} ({city}, {}) has {} eligible expert(s) and needs {}; {}",
                    app.id,
                    fields_label(inst, a, Lang::En),
                    c.total,
                    c.k,
                    exclusion_summary(inst, &counts, Lang::En)
                ),
                format!(
                    "{}（{city}，{}）只有 {} 名符合条件的专家，需要 {} 名；{}",
                    app.id,
                    fields_label(inst, a, Lang::Zh),
                    c.total,
                    c.k,
                    exclusion_summary(inst, &counts, Lang::Zh)
                ),
            )
        } else if c.outside < c.q {
            (
                format!(
                    "{} ({city}) needs {} expert(s) from outside {city}; only {} eligible expert(s) are from other cities",
                    app.id, c.q, c.outside
                ),
                format!(
                    "{}（{city}）需要 {} 名{city}以外的专家；符合条件的外地专家只有 {} 名",
                    app.id, c.q, c.outside
                ),
            )
        } else {
            let (id, home, reach, k) = (&app.id, inst.max_from_city(a, app.city), c.reachable, c.k);
            let cap = inst.policy.max_per_city.map(|c| c.to_string());
            (
                format!(
                    "{id} ({city}): the per-city caps (max_per_city {}, home city at most {home}) allow only {reach} of its {k} panel seats",
                    cap.as_deref().unwrap_or("none")
                ),
                format!(
                    "{id}（{city}）：每市人数上限（max_per_city {}，本市至多 {home} 人）只能填满评审组 {k} 个席位中的 {reach} 个",
                    cap.as_deref().unwrap_or("无")
                ),
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
            let (en, zh) = s.describe(inst, elig);
            out.finding(en, zh);
            if s.counts.total < s.counts.k {
                kinds.extend(exclusions(inst, elig, s.app).into_keys());
            }
        }
    }
    if short_apps > MAX_LISTED {
        out.finding(
            format!(
                "… and {} more application(s) like these",
                short_apps - MAX_LISTED
            ),
            format!("……另有 {} 个类似的项目", short_apps - MAX_LISTED),
        );
    }
    if short_apps == 0 {
        return None;
    }
    out.fix(
        "add eligible experts in these fields from other cities to the pool, or review the conflicts that exclude them".into(),
        "在专家库中增加这些学科领域的外地合格专家，或复核排除他们的利益冲突".into(),
    );
    history_fixes(inst, &kinds, &mut out);
    if inst.policy.min_outside_share > 0.0
        || inst.policy.min_outside > 0
        || inst.policy.max_per_city.is_some()
        || !programmes_outside_rules(inst, Lang::En).is_empty()
    {
        out.fix(
            "or relax min_outside_share / min_outside / max_per_city for these applications".into(),
            "或为这些项目放宽 min_outside_share / min_outside / max_per_city".into(),
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
    elig: &Eligibility,
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
    let (who, who_zh) = match (pairs.is_some(), barred.is_empty()) {
        (true, _) => (
            "experts with at least one eligible application can give",
            "至少可评审一个项目的专家最多能承担",
        ),
        (false, true) => (
            "available experts can give at most",
            "可参加的专家最多能承担",
        ),
        (false, false) => (
            "available experts no history rule bars can give at most",
            "未被历史规则排除的可参加专家最多能承担",
        ),
    };
    let supply: u64 = inst
        .expert_ixs()
        .filter(|e| has_pair[e.ix()])
        .map(|e| u64::from(inst.max_load(e)))
        .sum();
    if supply < demand {
        out.shortfall = demand - supply;
        out.finding(
            format!("the round needs {demand} reviews; {who} {supply} (sum of max_load)"),
            format!("本轮共需 {demand} 个评审席位；{who_zh} {supply} 个（max_load 之和）"),
        );
        let usable: Vec<ExpertIx> = inst.expert_ixs().filter(|e| has_pair[e.ix()]).collect();
        let (en, zh) = load_raise_fix(inst, &usable, demand - supply, Usable::Pool);
        out.fix(en, zh);
        yearly_findings(inst, &usable, &mut out);
        taken_out_findings(inst, &barred, TakenBy::History, &mut out);
        let others = taken_out_by_other_rules(inst, elig, pairs, &has_pair, &barred);
        taken_out_findings(inst, &others, TakenBy::Other, &mut out);
        return Some(out);
    }
    let floor: u64 = inst.expert_ixs().map(|e| u64::from(inst.min_load(e))).sum();
    if floor > demand {
        out.shortfall = floor - demand;
        out.finding(
            format!("load floors add up to {floor} reviews but the round has only {demand}"),
            format!("专家评审下限（min_load）合计 {floor} 个，但本轮只有 {demand} 个评审席位"),
        );
        out.fix(
            "lower min_load (policy or per expert)".into(),
            "降低 min_load（参数或单个专家）".into(),
        );
        return Some(out);
    }
    let reversed: Vec<ExpertIx> = inst
        .expert_ixs()
        .filter(|&e| inst.min_load(e) > inst.max_load(e))
        .collect();
    if !reversed.is_empty() {
        out.shortfall = inst
            .expert_ixs()
            .map(|e| u64::from(inst.min_load(e).saturating_sub(inst.max_load(e))))
            .sum();
        for &e in reversed.iter().take(MAX_LISTED) {
            let (id, lo, hi) = (&inst.experts[e.ix()].id, inst.min_load(e), inst.max_load(e));
            out.finding(
                format!("{id} must review at least {lo} (min_load) but at most {hi} (max_load)"),
                format!("{id} 至少要评审 {lo} 个（min_load），但至多只能评审 {hi} 个（max_load）"),
            );
        }
        out.fix(
            "make each expert's min_load at most their max_load (policy or per expert)".into(),
            "使每位专家的 min_load 不超过其 max_load（参数或单个专家）".into(),
        );
        return Some(out);
    }
    let pairs = pairs?;
    let mut eligible_apps = vec![0u32; inst.experts.len()];
    for e in &pairs.experts {
        eligible_apps[e.ix()] += 1;
    }
    let mut floor_short = 0usize;
    for e in inst.expert_ixs() {
        let need = inst.min_load(e);
        let can = eligible_apps[e.ix()];
        if need > can {
            out.shortfall += u64::from(need - can);
            floor_short += 1;
            if floor_short <= MAX_LISTED {
                let id = &inst.experts[e.ix()].id;
                out.finding(
                    format!("{id} must review at least {need} application(s) (min_load) but is eligible for {can}"),
                    format!("{id} 至少要评审 {need} 个项目（min_load），但只符合 {can} 个项目的条件"),
                );
            }
        }
    }
    if floor_short > 0 {
        if floor_short > MAX_LISTED {
            let n = floor_short - MAX_LISTED;
            out.finding(
                format!("… and {n} more expert(s)"),
                format!("……另有 {n} 名专家"),
            );
        }
        out.fix(
            "lower these experts' min_load".into(),
            "降低这些专家的 min_load".into(),
        );
        return Some(out);
    }
    None
}

/// Experts other rules than history take out of the whole round, per
/// exclusion kind (an expert two kinds exclude counts under both), in
/// pool order: the unavailable, and, with every eligible pair known,
/// the available experts no history rule bars who are eligible for no
/// application (conflicts, programmes, `min_affinity` …; found by
/// checking their pairs, only when the pool falls short).
fn taken_out_by_other_rules(
    inst: &Instance,
    elig: &Eligibility,
    pairs: Option<&EligiblePairs>,
    has_pair: &[bool],
    barred: &BTreeMap<ConflictKind, Vec<ExpertIx>>,
) -> BTreeMap<ConflictKind, Vec<ExpertIx>> {
    let barred: BTreeSet<ExpertIx> = barred.values().flatten().copied().collect();
    let mut out: BTreeMap<ConflictKind, Vec<ExpertIx>> = BTreeMap::new();
    for e in inst.expert_ixs() {
        if !inst.experts[e.ix()].available {
            out.entry(ConflictKind::Unavailable).or_default().push(e);
            continue;
        }
        if pairs.is_none() || has_pair[e.ix()] || barred.contains(&e) {
            continue;
        }
        let mut kinds: BTreeSet<ConflictKind> = BTreeSet::new();
        for a in inst.app_ixs() {
            kinds.extend(elig.check(inst, a, e).reasons.iter().map(|r| r.kind()));
        }
        for k in kinds.into_iter().filter(|k| !k.is_history()) {
            out.entry(k).or_default().push(e);
        }
    }
    out
}

/// Fixes for the rules other than history that took experts out of the
/// round (`kinds`: the exclusion kinds seen).
fn other_rule_fixes(inst: &Instance, kinds: &BTreeSet<ConflictKind>, out: &mut Infeasibility) {
    let has = |k| kinds.contains(&k);
    if has(ConflictKind::Unavailable) {
        out.fix(
            "or mark experts who can serve after all as available (column available)".into(),
            "或将确实能参加的专家重新标为可参加（available 列）".into(),
        );
    }
    if has(ConflictKind::Programme) {
        out.fix(
            "or let experts review other programmes too (their programmes), or add experts for the programmes short of them".into(),
            "或允许专家评审其他类别（专家的 programmes），或为缺少专家的类别增加专家".into(),
        );
    }
    if has(ConflictKind::LowAffinity) {
        let m = inst.policy.min_affinity;
        out.fix(
            format!(
                "or lower min_affinity{}, or add experts whose fields match the applications",
                m.map_or_else(String::new, |m| format!(" ({m})"))
            ),
            format!(
                "或降低 min_affinity{}，或增加学科领域与项目相符的专家",
                m.map_or_else(String::new, |m| format!("（{m}）"))
            ),
        );
    }
    if [
        ConflictKind::Team,
        ConflictKind::ApplicantRequest,
        ConflictKind::Declared,
        ConflictKind::Coauthor,
        ConflictKind::Institution,
    ]
    .into_iter()
    .any(has)
    {
        out.fix(
            "or review the conflicts that exclude these experts from every application".into(),
            "或复核使这些专家无法评审任何项目的利益冲突".into(),
        );
    }
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
            .entry((
                inst.app_city(a).to_string(),
                fields_label(inst, a, Lang::En),
            ))
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

    let (n, got, short) = (
        stuck.len(),
        demand.saturating_sub(out.shortfall),
        out.shortfall,
    );
    out.finding(
        format!(
            "{n} application(s) need {demand} reviews together but the rules let them get at most {got} (shortfall {short}):"
        ),
        format!(
            "{n} 个项目共需 {demand} 个评审席位，但规则至多允许安排 {got} 个（缺 {short} 个）："
        ),
    );
    for ((city, field), apps) in groups.iter().take(MAX_LISTED) {
        let ids: Vec<&str> = apps
            .iter()
            .take(6)
            .map(|a| inst.applications[a.ix()].id.as_str())
            .collect();
        let (more, more_zh) = if apps.len() > 6 {
            (
                format!(", … ({} in all)", apps.len()),
                format!("……（共 {} 个）", apps.len()),
            )
        } else {
            (String::new(), String::new())
        };
        let field_zh = if apps
            .first()
            .is_some_and(|&a| inst.applications[a.ix()].fields.is_empty())
        {
            fields_label(inst, apps[0], Lang::Zh)
        } else {
            field.clone()
        };
        out.finding(
            format!("    {city}, {field}: {}{more}", ids.join(", ")),
            format!("    {city}，{field_zh}：{}{more_zh}", ids.join("、")),
        );
    }
    if groups.len() > MAX_LISTED {
        let n = groups.len() - MAX_LISTED;
        out.finding(
            format!("    … and {n} more group(s)"),
            format!("    ……另有 {n} 组"),
        );
    }
    let (share, min_out) = (inst.policy.min_outside_share, inst.policy.min_outside);
    let (by_programme, by_programme_zh) = (
        programmes_outside_rules(inst, Lang::En),
        programmes_outside_rules(inst, Lang::Zh),
    );
    let (home_rules, home_rules_zh) = match inst.policy.max_per_city {
        Some(cap) => (
            format!(
                "the outside-city rule (min_outside_share {share}, min_outside {min_out}{by_programme}) and max_per_city {cap}"
            ),
            format!(
                "外地专家规则（min_outside_share {share}，min_outside {min_out}{by_programme_zh}）和 max_per_city {cap}"
            ),
        ),
        None => (
            format!(
                "the outside-city rule (min_outside_share {share}, min_outside {min_out}{by_programme})"
            ),
            format!(
                "外地专家规则（min_outside_share {share}，min_outside {min_out}{by_programme_zh}）"
            ),
        ),
    };
    let home_seats: i64 = city_caps.values().map(|&(_, seats)| seats).sum();
    for (city, (apps, seats)) in &city_caps {
        out.finding(
            format!(
                "binding: {home_rules} let {apps} application(s) from {city} take only {seats} seat(s) from {city}; the rest must come from other cities"
            ),
            format!(
                "起约束作用：{home_rules_zh}只允许{city}的 {apps} 个项目从{city}安排 {seats} 个席位；其余必须来自外地"
            ),
        );
    }
    if !city_caps.is_empty() {
        // The cut's capacity is the home seats plus what the rest of the cut
        // (other cities' experts, their loads and caps) can give.
        let need = (demand as i64 - home_seats).max(0);
        let can_give = (need - out.shortfall as i64).max(0);
        out.finding(
            format!(
                "so these applications need {need} review(s) from other cities; eligible experts from other cities can give at most {can_give}"
            ),
            format!(
                "因此这些项目需要 {need} 个外地专家席位；符合条件的外地专家至多能承担 {can_give} 个"
            ),
        );
    }
    if other_city_caps > 0 {
        let cap = inst.policy.max_per_city.unwrap_or(0);
        out.finding(
            format!(
                "binding: max_per_city {cap} caps what other cities can give ({other_city_caps} seat(s))"
            ),
            format!(
                "起约束作用：max_per_city {cap} 限制了其他城市能提供的席位（{other_city_caps} 个）"
            ),
        );
    }
    if inst_caps > 0 {
        let cap = inst.policy.max_per_institution.unwrap_or(0);
        out.finding(
            format!(
                "binding: max_per_institution {cap} caps what single institutions can give ({inst_caps} seat(s))"
            ),
            format!(
                "起约束作用：max_per_institution {cap} 限制了单个单位能提供的席位（{inst_caps} 个）"
            ),
        );
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
        let cities_zh: Vec<String> = by_city.iter().map(|(c, n)| format!("{c} {n} 名")).collect();
        let n = load_capped.len();
        out.finding(
            format!(
                "binding: max_load of the {n} eligible expert(s) who could help ({}) gives only {spare} review(s)",
                cities.join(", ")
            ),
            format!(
                "起约束作用：能帮忙的 {n} 名合格专家（{}）按 max_load 只能承担 {spare} 个评审席位",
                cities_zh.join("，")
            ),
        );
        let (en, zh) = load_raise_fix(inst, &load_capped, out.shortfall, Usable::Cut);
        out.fix(en, zh);
    }
    programme_findings(inst, &programme_capped, &mut out);
    yearly_findings(inst, &load_capped, &mut out);
    if used_elsewhere > 0 {
        out.finding(
            format!(
                "{used_elsewhere} further pair(s) lead to experts whose load other applications need"
            ),
            format!("另有 {used_elsewhere} 个配对指向其他项目也需要其评审量的专家"),
        );
    }
    for (city, (apps, _)) in &city_caps {
        let per_app = out.shortfall.div_ceil(u64::from(*apps).max(1));
        out.fix(
            format!(
                "or let applications from {city} take {per_app} more home-city expert(s) each (lower min_outside_share or min_outside for {city})"
            ),
            format!(
                "或允许{city}的项目每个多安排 {per_app} 名本市专家（为{city}降低 min_outside_share 或 min_outside）"
            ),
        );
    }
    if out.fixes.is_empty() {
        out.fix(
            "add eligible experts for these applications, or relax the binding rules above".into(),
            "为这些项目增加合格专家，或放宽上面起约束作用的规则".into(),
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
        out.finding(
            format!(
                "binding: programme {name}'s max_load {cap} caps the reviews {n} expert(s) may give within {name}"
            ),
            format!(
                "起约束作用：类别 {name} 的 max_load {cap} 限制了 {n} 名专家在 {name} 中的评审数量"
            ),
        );
        out.fix(
            format!("raise max_load of programme {name} in the policy's programmes"),
            format!("在参数的 programmes 中提高类别 {name} 的 max_load"),
        );
    }
}

/// Findings for load arcs in a cut that `max_reviews_per_year` lowered:
/// those experts already reviewed this year.
/// True when `max_reviews_per_year` holds expert `e` below the round's
/// `max_load`.
fn held_by_yearly_cap(inst: &Instance, e: ExpertIx) -> bool {
    inst.max_load(e) < inst.round_max_load(e)
}

/// Who the experts of a [`load_raise_fix`] are.
#[derive(Clone, Copy)]
enum Usable {
    /// The usable experts of the pool.
    Pool,
    /// The eligible experts of a cut.
    Cut,
}

/// The fix "raise max_load" for a shortfall of `shortfall` reviews among
/// `experts` (`who` names them), in English and Chinese. Raising `max_load` gives an expert only
/// what `max_reviews_per_year` leaves above their load this round, so the
/// raise asked is the least that covers the shortfall within that room
/// (named only for the experts it helps), and "add experts" alone when no
/// raise can.
fn load_raise_fix(
    inst: &Instance,
    experts: &[ExpertIx],
    shortfall: u64,
    who: Usable,
) -> (String, String) {
    let (who, who_zh) = match who {
        Usable::Pool => ("usable experts", "名可用专家"),
        Usable::Cut => ("expert(s)", "名专家"),
    };
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
        let n = experts.len();
        return (
            format!(
                "add experts who can review these applications (max_reviews_per_year leaves the {n} {who} too little room for a higher max_load to cover the {shortfall} missing review(s))"
            ),
            format!(
                "增加能评审这些项目的专家（max_reviews_per_year 留给这 {n} {who_zh}的余量太小，提高 max_load 也补不上缺少的 {shortfall} 个评审席位）"
            ),
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
    let (room, room_zh) = match (gains.iter().any(Option::is_some), held) {
        (false, _) => (String::new(), String::new()),
        (true, 0) => (
            " (as far as max_reviews_per_year leaves room)".to_string(),
            "（以 max_reviews_per_year 留有余量为限）".to_string(),
        ),
        (true, held) => (
            format!(" (as far as max_reviews_per_year leaves room; it leaves none to {held} more)"),
            format!("（以 max_reviews_per_year 留有余量为限；另有 {held} 名专家已无余量）"),
        ),
    };
    (
        format!("raise max_load by {lo} for each of the {helped} {who}{room}, or add experts"),
        format!("将这 {helped} {who_zh}的 max_load 各提高 {lo}{room_zh}，或增加专家"),
    )
}

fn yearly_findings(inst: &Instance, load_capped: &[ExpertIx], out: &mut Infeasibility) {
    let Some(cap) = inst.policy.max_reviews_per_year else {
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
                inst.reviews_earlier_this_year(e)
            )
        })
        .collect();
    let (n, more) = (lowered.len(), lowered.len() > SHOWN);
    let more = if more { ", …" } else { "" };
    let more_zh = if more.is_empty() { "" } else { "，……" };
    let (en, zh) = match inst.policy.year {
        Some(year) => (
            format!(
                "binding: max_reviews_per_year {cap} holds {n} of these expert(s) below max_load (served or no-show in {year} already: {}{more})",
                each.join(", "),
            ),
            format!(
                "起约束作用：max_reviews_per_year {cap} 使其中 {n} 名专家低于 max_load（{year} 年已评审或缺席的次数：{}{more_zh}）",
                each.join("，"),
            ),
        ),
        // No round year: no past reviews, the cap alone is below max_load.
        None => (
            format!("binding: max_reviews_per_year {cap} holds {n} of these expert(s) below max_load"),
            format!("起约束作用：max_reviews_per_year {cap} 使其中 {n} 名专家低于 max_load"),
        ),
    };
    out.finding(en, zh);
    out.fix(
        format!("or raise max_reviews_per_year above {cap}"),
        format!("或将 max_reviews_per_year 提高到 {cap} 以上"),
    );
}

/// Who took experts out of the whole round ([`taken_out_findings`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TakenBy {
    /// History rules ([`barred_by_history`]).
    History,
    /// Every other rule ([`taken_out_by_other_rules`]).
    Other,
}

/// The finding and fixes for experts that rules take out of a round whose
/// loads fall short (`taken`: per exclusion kind, the experts): how many,
/// the reviews they could have given, per kind how many (a history rule
/// with its value and the experts, worded as for a short application,
/// [`exclusion_parts`]), and the rules to relax.
fn taken_out_findings(
    inst: &Instance,
    taken: &BTreeMap<ConflictKind, Vec<ExpertIx>>,
    by: TakenBy,
    out: &mut Infeasibility,
) {
    if taken.is_empty() {
        return;
    }
    let experts: BTreeSet<ExpertIx> = taken.values().flatten().copied().collect();
    let could: u64 = experts.iter().map(|&e| u64::from(inst.max_load(e))).sum();
    let n = experts.len();
    let (rules, rules_zh) = match by {
        TakenBy::History => ("history rules", "历史规则"),
        TakenBy::Other => ("other rules", "其他规则"),
    };
    out.finding(
        format!(
            "{rules} take {n} expert(s) out of the round, who could give {could} review(s) (max_load): {}",
            exclusion_parts(inst, taken, Lang::En)
        ),
        format!(
            "{rules_zh}使 {n} 名专家无法参加本轮评审，他们本可承担 {could} 个评审席位（max_load）：{}",
            exclusion_parts(inst, taken, Lang::Zh)
        ),
    );
    let kinds: BTreeSet<ConflictKind> = taken.keys().copied().collect();
    match by {
        TakenBy::History => history_fixes(inst, &kinds, out),
        TakenBy::Other => other_rule_fixes(inst, &kinds, out),
    }
}

/// Fixes for the history rules that excluded experts of the short
/// applications (`kinds`: the exclusion kinds seen).
fn history_fixes(inst: &Instance, kinds: &BTreeSet<ConflictKind>, out: &mut Infeasibility) {
    let p = &inst.policy;
    if kinds.contains(&ConflictKind::Repeat) && p.repeat_penalty_micro().is_none() {
        let a = p.avoid_repeat.as_str();
        out.fix(
            format!(
                "or turn repeats from a ban into a cost: set repeat_penalty (avoid_repeat is {a}), or set avoid_repeat to off"
            ),
            format!(
                "或把禁止重复评审改为计入代价：设置 repeat_penalty（avoid_repeat 为 {a}），或将 avoid_repeat 设为 off"
            ),
        );
    }
    if let Some(n) = p
        .max_consecutive_years
        .filter(|_| kinds.contains(&ConflictKind::Resting))
    {
        out.fix(
            format!("or raise max_consecutive_years ({n}) so that fewer experts rest"),
            format!("或提高 max_consecutive_years（{n}），让轮休的专家少一些"),
        );
    }
    if let Some(n) = p
        .max_declines
        .filter(|_| kinds.contains(&ConflictKind::Declines))
    {
        out.fix(
            format!("or raise max_declines ({n})"),
            format!("或提高 max_declines（{n}）"),
        );
    }
    if let Some(r) = p
        .min_rating
        .filter(|_| kinds.contains(&ConflictKind::Rating))
    {
        out.fix(
            format!("or lower min_rating ({r})"),
            format!("或降低 min_rating（{r}）"),
        );
    }
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

fn fields_label(inst: &Instance, a: AppIx, lang: Lang) -> String {
    let f = &inst.applications[a.ix()].fields;
    match (f.is_empty(), lang) {
        (true, Lang::En) => "no field".to_string(),
        (true, Lang::Zh) => "无学科领域".to_string(),
        (false, _) => f.join("+"),
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
fn exclusion_summary(
    inst: &Instance,
    counts: &BTreeMap<ConflictKind, Vec<ExpertIx>>,
    lang: Lang,
) -> String {
    match (counts.is_empty(), lang) {
        (true, Lang::En) => "the pool is too small".into(),
        (true, Lang::Zh) => "专家库太小".into(),
        (false, Lang::En) => format!("excluded: {}", exclusion_parts(inst, counts, lang)),
        (false, Lang::Zh) => format!("被排除：{}", exclusion_parts(inst, counts, lang)),
    }
}

/// "3 same institution, 2 resting (history) (max_consecutive_years 1: E1,
/// E2)": per exclusion kind, how many experts it keeps out; a history rule
/// with its value and the experts (the first [`HISTORY_NAMED`]).
fn exclusion_parts(
    inst: &Instance,
    counts: &BTreeMap<ConflictKind, Vec<ExpertIx>>,
    lang: Lang,
) -> String {
    let zh = lang == Lang::Zh;
    let parts: Vec<String> = counts
        .iter()
        .map(|(k, list)| {
            let n = list.len();
            match (history_rule(inst, *k), zh) {
                (Some(rule), _) => {
                    let ids: Vec<&str> = list
                        .iter()
                        .take(HISTORY_NAMED)
                        .map(|&e| inst.experts[e.ix()].id.as_str())
                        .collect();
                    let more = list.len() > HISTORY_NAMED;
                    if zh {
                        format!(
                            "{}（{n} 名；{rule}：{}{}）",
                            k.label_zh(),
                            ids.join("、"),
                            if more { "……" } else { "" }
                        )
                    } else {
                        format!(
                            "{n} {} ({rule}: {}{})",
                            k.label(),
                            ids.join(", "),
                            if more { ", …" } else { "" }
                        )
                    }
                }
                (None, true) => format!("{} {n} 名", k.label_zh()),
                (None, false) => format!("{n} {}", k.label()),
            }
        })
        .collect();
    parts.join(if zh { "，" } else { ", " })
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

/// A field code that eligible `experts` list and that differs from `f`
/// only in letter case (`F0301` for `f0301`), if any: the likely
/// spelling the application meant.
fn case_twin_listed<'a>(inst: &'a Instance, experts: &[ExpertIx], f: &str) -> Option<&'a str> {
    experts
        .iter()
        .flat_map(|&e| &inst.experts[e.ix()].fields)
        .find(|g| panels_core::names::differ_only_in_case(g, f))
        .map(String::as_str)
}

/// Counting checks for the crossing rules (docs/algorithms.md, "Crossing rules"), run
/// after [`precheck`]: an application whose panel is smaller than
/// `min_senior` or that has too few eligible seniors, a field no eligible
/// expert lists, and a round outside-share target above what the flow
/// rules allow (found exactly by a flow that maximises outside reviews).
/// `None` when none fires (the rules together may still be infeasible).
pub(crate) fn precheck_crossing(inst: &Instance, pairs: &EligiblePairs) -> Option<Infeasibility> {
    let mut out = Infeasibility::default();
    let mut listed = 0usize;
    let mut push = |out: &mut Infeasibility, (en, zh): (String, String)| {
        listed += 1;
        if listed <= MAX_LISTED {
            out.finding(en, zh);
        }
    };
    let mut senior_short = 0u32;
    let mut field_short = 0u32;
    let mut case_short = 0u32;
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
                let city = inst.app_city(a);
                let why = if k < s {
                    (
                        format!("{id} ({city}): its panel has {k} seat(s), min_senior is {s}"),
                        format!("{id}（{city}）：评审组只有 {k} 个席位，min_senior 却是 {s}"),
                    )
                } else {
                    (
                        format!(
                            "{id} ({city}): only {seniors} eligible expert(s) hold a senior title, min_senior is {s}"
                        ),
                        format!(
                            "{id}（{city}）：只有 {seniors} 名合格专家有高级职称，min_senior 为 {s}"
                        ),
                    )
                };
                push(&mut out, why);
            }
        }
        for f in inst.fields_to_cover(a) {
            if !experts.iter().any(|&e| inst.covers(e, f)) {
                out.shortfall += 1;
                field_short += 1;
                let city = inst.app_city(a);
                let (near, near_zh) = match case_twin_listed(inst, experts, f) {
                    Some(twin) => {
                        case_short += 1;
                        (
                        format!(
                            " (they list {twin:?}, which differs only in letter case: field codes keep their letter case; write the code alike everywhere)"
                        ),
                        format!(
                            "（他们的学科领域中有 “{twin}”，仅字母大小写不同：学科代码区分大小写，请各处写法一致）"
                        ),
                    )
                    }
                    None => (String::new(), String::new()),
                };
                push(
                    &mut out,
                    (
                        format!("{id} ({city}): no eligible expert lists field {f}{near}"),
                        format!("{id}（{city}）：没有合格专家的学科领域包含 {f}{near_zh}"),
                    ),
                );
            }
        }
    }
    if listed > MAX_LISTED {
        let n = listed - MAX_LISTED;
        out.finding(
            format!("… and {n} more finding(s)"),
            format!("……另有 {n} 条"),
        );
    }
    if senior_short > 0 {
        out.fix(
            format!(
                "lower min_senior (the round's or the programme's), add senior titles to senior_titles, or add eligible senior experts for these {senior_short} application(s)"
            ),
            format!(
                "降低 min_senior（本轮的或类别的），在 senior_titles 中加入高级职称，或为这 {senior_short} 个项目增加有高级职称的合格专家"
            ),
        );
    }
    if field_short > 0 {
        out.fix(
            format!(
                "turn cover_fields off, or add experts who list the missing field(s) ({field_short} field(s))"
            ),
            format!(
                "关闭 cover_fields，或增加学科领域包含所缺领域的专家（{field_short} 个领域）"
            ),
        );
    }
    if case_short > 0 {
        out.fix(
            format!(
                "write the field code as the experts list it, in the same letter case ({case_short} field(s) differ only in letter case)"
            ),
            format!(
                "按专家的写法（相同的字母大小写）填写学科代码（{case_short} 个领域仅大小写不同）"
            ),
        );
    }
    if super::network::check_laminar(inst).is_ok() {
        for (city, share) in inst.round_outside_targets() {
            let (total, need) = inst.round_outside_needed(city, share);
            let Some(max) = max_outside(inst, pairs, city) else {
                continue;
            };
            if max < need {
                out.shortfall += need - max;
                let (scope, scope_zh, field) = match city {
                    None => (
                        "the round".to_string(),
                        "本轮".to_string(),
                        format!("min_outside_share_round {share}"),
                    ),
                    Some(c) => (
                        format!("applications from {}", inst.cities.name(c.0)),
                        format!("{}的项目", inst.cities.name(c.0)),
                        format!("min_outside_share_by_city {share}"),
                    ),
                };
                out.finding(
                    format!(
                        "at most {max} of the {total} reviews of {scope} can come from outside the applicant's city under the other rules; {field} needs {need}"
                    ),
                    format!(
                        "在其他规则下，{scope_zh}的 {total} 个评审席位中至多 {max} 个能由申请人所在城市以外的专家承担；{field} 要求 {need} 个"
                    ),
                );
                let most = max as f64 / total.max(1) as f64;
                out.fix(
                    format!(
                        "lower {field} to at most {most:.4}, or raise max_load / add experts outside the applicants' cities"
                    ),
                    format!(
                        "将 {field} 降到 {most:.4} 以下，或提高 max_load、增加申请人所在城市以外的专家"
                    ),
                );
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
    let mut out = Infeasibility {
        shortfall: 1,
        ..Default::default()
    };
    out.finding(
        format!(
            "the MIP proved that no assignment obeys the crossing rules ({}) together with the other rules",
            on.join(", ")
        ),
        format!(
            "整数规划证明：没有任何分配方案能同时满足交叉规则（{}）和其他规则",
            on.join("，")
        ),
    );
    if flow_rules_feasible {
        out.finding(
            "without the crossing rules the round is feasible (the flow found panels), and each application passes the per-application counts; the rules conflict through shared experts' loads".into(),
            "去掉交叉规则后本轮可行（网络流找到了评审组），且每个项目都通过了逐项计数检查；这些规则通过共用专家的评审量相互冲突".into(),
        );
    }
    out.fix(
        "relax one of the crossing rules (lower min_senior or an outside share, raise max_copanel), or raise max_load of the experts they need".into(),
        "放宽其中一条交叉规则（降低 min_senior 或外地比例，提高 max_copanel），或提高所需专家的 max_load".into(),
    );
    out
}

/// The programmes' own outside-city rules, for messages that quote the
/// round's: `"; programme 科技进步奖: min_outside_share 0.6"` per programme
/// that sets `min_outside_share`, `min_outside` or `max_per_city` (empty
/// when none does).
fn programmes_outside_rules(inst: &Instance, lang: Lang) -> String {
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
            out.push_str(&match lang {
                Lang::En => format!("; programme {name}: {}", set.join(", ")),
                Lang::Zh => format!("；类别 {name}：{}", set.join("，")),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why `json` (a bundle) has no assignment.
    fn why(json: &str) -> Infeasibility {
        let inst =
            crate::io::load_bundle_from_bytes(std::path::Path::new("r.json"), json.as_bytes())
                .expect("loads");
        let elig = Eligibility::compute(&inst);
        match crate::solve_with(&inst, &elig, &crate::SolveOptions::default()) {
            Err(crate::SolveError::Infeasible(why)) => why,
            other => panic!("not infeasible: {:?}", other.map(|s| s.status)),
        }
    }

    #[test]
    fn a_short_pool_names_the_experts_other_rules_take_out() {
        // Three applications of programme P need 3 reviews; E1 gives 1.
        // E2 is unavailable, E3 serves programme Q only, E4 works where
        // every applicant does: the pool is short, and the rules that
        // took them out are named with counts and a fix, in both
        // languages.
        let why = why(r#"{"policy": {"panel_size": 1, "max_load": 1},
            "experts": [
              {"id": "E1", "city": "武汉", "institution": "U1"},
              {"id": "E2", "city": "武汉", "institution": "U2", "available": false},
              {"id": "E3", "city": "武汉", "institution": "U3", "programmes": ["Q"]},
              {"id": "E4", "city": "武汉", "institution": "U9"}],
            "applications": [
              {"id": "A1", "city": "长沙", "institution": "U9", "programme": "P"},
              {"id": "A2", "city": "长沙", "institution": "U9", "programme": "P"},
              {"id": "A3", "city": "长沙", "institution": "U9", "programme": "P"}]}"#);
        let en = why.to_string();
        assert!(en.contains("can give 1 (sum of max_load)"), "{en}");
        assert!(
            en.contains(
                "other rules take 3 expert(s) out of the round, who could give 3 review(s) \
                 (max_load): 1 unavailable, 1 same institution, 1 other programme"
            ),
            "{en}"
        );
        assert!(
            en.contains("or mark experts who can serve after all as available"),
            "{en}"
        );
        assert!(
            en.contains("or let experts review other programmes too"),
            "{en}"
        );
        assert!(
            en.contains("or review the conflicts that exclude these experts"),
            "{en}"
        );
        let zh = why.text(Lang::Zh);
        assert!(
            zh.contains(
                "其他规则使 3 名专家无法参加本轮评审，他们本可承担 3 个评审席位（max_load）：\
                 本轮不能参加 1 名，同一单位 1 名，不评审该类别 1 名"
            ),
            "{zh}"
        );
        assert!(zh.contains("或将确实能参加的专家重新标为可参加"), "{zh}");
        assert!(zh.starts_with("无法安排："), "{zh}");
        assert!(zh.contains("修改建议："), "{zh}");
        // Every line has its Chinese: no English sentence on a Chinese page.
        for word in [
            "the round",
            "experts",
            "review(s)",
            "what would fix it",
            "or ",
        ] {
            assert!(!zh.contains(word), "{word:?} in {zh}");
        }
    }

    #[test]
    fn history_and_other_rules_are_named_side_by_side() {
        // E1 rests (history), E2 is unavailable: both named.
        let why = why(
            r#"{"policy": {"panel_size": 1, "max_load": 1, "year": 2026, "max_consecutive_years": 1},
            "experts": [
              {"id": "E1", "city": "武汉", "institution": "U1"},
              {"id": "E2", "city": "武汉", "institution": "U2", "available": false},
              {"id": "E3", "city": "武汉", "institution": "U3"}],
            "applications": [
              {"id": "A1", "city": "长沙", "institution": "U9"},
              {"id": "A2", "city": "长沙", "institution": "U9"}],
            "history": [{"year": 2025, "institution": "U7", "expert": "E1"}]}"#,
        );
        let en = why.to_string();
        assert!(en.contains("history rules take 1 expert(s)"), "{en}");
        assert!(
            en.contains("other rules take 1 expert(s) out of the round, who could give 1 review(s) (max_load): 1 unavailable"),
            "{en}"
        );
        let zh = why.text(Lang::Zh);
        assert!(zh.contains("历史规则使 1 名专家无法参加本轮评审"), "{zh}");
        assert!(
            zh.contains("轮休（历史）（1 名；max_consecutive_years 1：E1）"),
            "{zh}"
        );
        assert!(zh.contains("本轮不能参加 1 名"), "{zh}");
    }
}
