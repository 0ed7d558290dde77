//! Candidate pairs for large rounds: per application, the top-K eligible
//! experts by score, without materialising applications × experts.
//!
//! For each application the [`ScoreIndex`] reports the experts that share a
//! field, a discipline prefix or a keyword with it (or, with an affinity
//! list, its listed experts), with exact scores; every other expert scores
//! the index's base (0, or `default_affinity`). From these we keep:
//!
//! * the K best eligible experts by score, ties broken by a fixed
//!   per-application shuffle of the experts (equal scores then spread
//!   over the pool rather than crowding the first experts in input order);
//! * enough experts from other cities (2 × the outside-city minimum), so
//!   the restricted network has room for the outside-city rule;
//! * base-score experts when fewer than K score above it (taken from a
//!   rotating start, so that such applications do not all lean on the
//!   same experts);
//! * for every expert with a load floor, their 4 × `min_load` best
//!   applications, so that floors stay reachable.
//!
//! and, per application, an **upper bound on the score of every eligible
//! pair left out** ([`Candidates::pruned_bound`]): the best score among
//! the eligible experts not kept, or the base score. The pricing step
//! ([`super::pricing`]) uses it to prove, without enumerating them, that no
//! pruned pair can improve the optimum.
//!
//! Alongside, the scan counts each application's eligible experts exactly
//! (in total, and per city), so the counting prechecks of
//! [`super::explain`] stay exact: an application short of eligible experts
//! is reported as such, never confused with one short of *candidates*.

use std::collections::BTreeMap;

use crate::eligibility::overlap::{ScanScratch, ScoreIndex};
use crate::eligibility::Eligibility;
use crate::model::{AppIx, CityIx, ExpertIx, InstIx, Instance, ProgIx, Score};

/// Candidate pairs of a round.
#[derive(Clone, Debug)]
pub struct Candidates {
    /// Per application: candidate (expert, score), sorted by expert.
    pub rows: Vec<Vec<(ExpertIx, Score)>>,
    /// Per application: an upper bound on the score of every eligible pair
    /// not in its row; `None` when the row holds every eligible expert.
    pub pruned_bound: Vec<Option<Score>>,
    /// Per application: the K its row was built with.
    pub k: Vec<usize>,
    /// Per application: the exact number of eligible experts.
    pub eligible: Vec<u32>,
}

impl Candidates {
    /// Number of candidate pairs.
    pub fn len(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// True when there is no candidate pair.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Exact number of eligible pairs of the round.
    pub fn eligible_pairs(&self) -> usize {
        self.eligible.iter().map(|&n| n as usize).sum()
    }

    /// The rows as [`crate::eligibility::EligiblePairs`] (what the encoder
    /// reads).
    pub(crate) fn to_pairs(&self) -> crate::eligibility::EligiblePairs {
        let n = self.len();
        let mut out = crate::eligibility::EligiblePairs {
            offsets: Vec::with_capacity(self.rows.len() + 1),
            experts: Vec::with_capacity(n),
            scores: Vec::with_capacity(n),
        };
        out.offsets.push(0);
        for row in &self.rows {
            for &(e, s) in row {
                out.experts.push(e);
                out.scores.push(s);
            }
            out.offsets.push(out.experts.len());
        }
        out
    }

    /// Adds pairs (a, e, score) not yet in their rows.
    pub fn add(&mut self, pairs: &[(AppIx, ExpertIx, Score)]) -> usize {
        let mut added = 0;
        for &(a, e, s) in pairs {
            let row = &mut self.rows[a.ix()];
            if let Err(i) = row.binary_search_by_key(&e, |&(x, _)| x) {
                row.insert(i, (e, s));
                added += 1;
            }
        }
        added
    }
}

/// Per-city and per-institution counts of available experts: what the
/// exact eligible counts start from.
struct PoolCounts {
    /// Available experts per city.
    city: Vec<u32>,
    /// Available experts per (institution, city).
    inst_city: BTreeMap<(InstIx, CityIx), u32>,
}

impl PoolCounts {
    /// The counts over the available experts that `keep` accepts.
    fn new(inst: &Instance, elig: &Eligibility, keep: impl Fn(ExpertIx) -> bool) -> PoolCounts {
        let mut city = vec![0u32; inst.cities.len()];
        let mut inst_city = BTreeMap::new();
        for (i, ex) in inst.experts.iter().enumerate() {
            let e = ExpertIx(i as u32);
            if elig.out_of_round(e) || !keep(e) {
                continue;
            }
            city[ex.city.ix()] += 1;
            *inst_city.entry((ex.institution, ex.city)).or_insert(0) += 1;
        }
        PoolCounts { city, inst_city }
    }
}

/// True when expert `e`'s own list lets them serve programme `p` (an
/// empty list serves every programme).
fn lists(inst: &Instance, e: ExpertIx, p: ProgIx) -> bool {
    let own = &inst.experts[e.ix()].programmes;
    own.is_empty() || own.contains(&p)
}

/// The pool counts an application starts from: over every available
/// expert, and per programme over those who may serve it (`None` where
/// that is every expert). Counted once per scanner, so that a scan costs
/// O(its reported experts + cities), not O(experts who leave its
/// programme out).
struct Pools {
    all: PoolCounts,
    programme: Vec<Option<PoolCounts>>,
}

impl Pools {
    fn new(inst: &Instance, elig: &Eligibility) -> Pools {
        let programme = (0..inst.programmes.len() as u32)
            .map(ProgIx)
            .map(|p| {
                inst.expert_ixs()
                    .any(|e| !lists(inst, e, p))
                    .then(|| PoolCounts::new(inst, elig, |e| lists(inst, e, p)))
            })
            .collect();
        Pools {
            all: PoolCounts::new(inst, elig, |_| true),
            programme,
        }
    }

    /// The counts for application `a`'s programme.
    fn of(&self, inst: &Instance, a: AppIx) -> &PoolCounts {
        inst.applications[a.ix()]
            .programme
            .and_then(|p| self.programme[p.ix()].as_ref())
            .unwrap_or(&self.all)
    }
}

/// Everything one application's scan produced.
pub struct AppScan {
    /// The row, sorted by expert.
    pub row: Vec<(ExpertIx, Score)>,
    /// Bound on pruned eligible pairs (`None`: the row holds them all).
    pub pruned_bound: Option<Score>,
    /// Exact eligible experts per city (by city index).
    pub per_city: Vec<u32>,
}

/// What a scan reads of an expert, packed (the `Expert` records are large
/// and scattered; this keeps the hot loop in cache).
#[derive(Clone, Copy)]
struct Packed {
    city: u32,
    institution: u32,
    available: bool,
    /// Bit p set when the expert may serve programme p (every bit when
    /// the expert lists none); programmes from the 64th on are looked up
    /// in the instance.
    programmes: u64,
}

/// The programme bits of [`Packed::programmes`].
fn programme_bits(list: &[crate::model::ProgIx]) -> u64 {
    if list.is_empty() {
        return u64::MAX;
    }
    list.iter()
        .filter(|p| p.ix() < 64)
        .fold(0, |bits, p| bits | 1 << p.ix())
}

/// Scratch shared by the scans of one pass.
pub struct Scanner<'a> {
    inst: &'a Instance,
    elig: &'a Eligibility,
    index: &'a ScoreIndex,
    pool: Pools,
    packed: Vec<Packed>,
    scratch: ScanScratch,
    /// Stamp per expert: `stamp[e] == mark` when e was reported by the scan.
    stamp: Vec<u32>,
    /// Stamp per expert: `repeat[e] == mark` when (a, e) repeats a past
    /// review (`avoid_repeat`), for the application being scanned.
    repeat: Vec<u32>,
    /// Stamp per expert: `excluded[e] == mark` when a person-based rule
    /// excludes (a, e), for the application being scanned (an array read
    /// per reported expert instead of a search in the application's map).
    excluded: Vec<u32>,
    mark: u32,
    buf: Vec<(Score, ExpertIx)>,
    base: Score,
}

impl<'a> Scanner<'a> {
    /// A scanner over `inst`.
    pub fn new(inst: &'a Instance, elig: &'a Eligibility, index: &'a ScoreIndex) -> Scanner<'a> {
        Scanner {
            inst,
            elig,
            index,
            pool: Pools::new(inst, elig),
            packed: inst
                .experts
                .iter()
                .enumerate()
                .map(|(i, x)| Packed {
                    city: x.city.0,
                    institution: x.institution.0,
                    available: !elig.out_of_round(ExpertIx(i as u32)),
                    programmes: programme_bits(&x.programmes),
                })
                .collect(),
            scratch: ScanScratch::new(inst.experts.len()),
            stamp: vec![0; inst.experts.len()],
            repeat: vec![0; inst.experts.len()],
            excluded: vec![0; inst.experts.len()],
            mark: 0,
            buf: Vec::new(),
            base: index.base(),
        }
    }

    /// Builds application `a`'s row with `k` best experts (see the module
    /// docs), counting its eligible experts exactly.
    pub fn scan(&mut self, a: AppIx, k: usize) -> AppScan {
        let (per_city, base_count) = self.eligible(a);
        self.select(a, k, per_city, base_count)
    }

    /// Application `a`'s eligible experts per city (whatever their
    /// score), without choosing a row: what a count needs, at the cost of
    /// one pass over the scored experts (no ranking).
    pub fn eligible_per_city(&mut self, a: AppIx) -> Vec<u32> {
        self.eligible(a).0
    }

    /// The first half of [`Scanner::scan`]: the scored eligible experts
    /// into `buf` (stamped), and per city the eligible experts; also how
    /// many base-score experts are eligible.
    fn eligible(&mut self, a: AppIx) -> (Vec<u32>, u32) {
        let inst = self.inst;
        let elig = self.elig;
        let n_cities = inst.cities.len();
        let app = &inst.applications[a.ix()];
        let base_ok = self.base_eligible(a);
        self.mark = self.mark.wrapping_add(1);
        if self.mark == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.repeat.iter_mut().for_each(|s| *s = 0);
            self.excluded.iter_mut().for_each(|s| *s = 0);
            self.mark = 1;
        }
        let mark = self.mark;
        let (repeat_set, others) = elig.repeat_experts(a);
        for e in others {
            self.repeat[e.ix()] = mark;
        }
        for e in elig.person_based_experts(a) {
            self.excluded[e.ix()] = mark;
        }
        // Experts reported by the scan: eligible ones into buf; per city,
        // how many pass the pair rules (whatever their score).
        self.buf.clear();
        let mut rules_ok_reported = vec![0u32; n_cities];
        let mut per_city = vec![0u32; n_cities];
        {
            let (stamp, buf, packed) = (&mut self.stamp, &mut self.buf, &self.packed);
            let (repeat, excluded) = (&self.repeat, &self.excluded);
            let same_inst = inst.policy.avoid_same_institution;
            let app_inst = app.institution.0;
            let min = elig.min_affinity(a);
            let ban = elig.repeats_banned();
            // The application's programme bit; `None`: no programme, or
            // one past the 64th (looked up in the instance).
            let prog_bit = app
                .programme
                .filter(|p| p.ix() < 64)
                .map(|p| 1u64 << p.ix());
            let wide = app.programme.is_some_and(|p| p.ix() >= 64);
            self.index
                .scan(inst, elig.scorer(), a, &mut self.scratch, |e, s| {
                    stamp[e.ix()] = mark;
                    let p = packed[e.ix()];
                    let repeats = repeat[e.ix()] == mark
                        || repeat_set.is_some_and(|set| crate::history::in_set(set, e));
                    if !p.available
                        || (same_inst && p.institution == app_inst)
                        || (ban && repeats)
                        || excluded[e.ix()] == mark
                        || prog_bit.is_some_and(|b| p.programmes & b == 0)
                        || (wide && !elig.serves(inst, a, e))
                    {
                        return;
                    }
                    let c = p.city as usize;
                    rules_ok_reported[c] += 1;
                    if min.is_none_or(|m| s >= m) {
                        // A priced repeat ranks by what it adds.
                        let s = if repeats { elig.penalised(s) } else { s };
                        buf.push((s, e));
                        per_city[c] += 1;
                    }
                });
        }
        // Base-score experts: those passing the pair rules, not reported.
        // From the pool of the application's programme: available,
        // serving the programme, not of its institution (when that rule is
        // on), less the person-excluded among them.
        let pool = self.pool.of(inst, a);
        let mut rules_ok_city = pool.city.clone();
        if inst.policy.avoid_same_institution {
            for (c, n) in rules_ok_city.iter_mut().enumerate() {
                *n -= pool
                    .inst_city
                    .get(&(app.institution, CityIx(c as u32)))
                    .copied()
                    .unwrap_or(0);
            }
        }
        for e in elig.person_excluded(a) {
            let ex = &inst.experts[e.ix()];
            let same = inst.policy.avoid_same_institution && ex.institution == app.institution;
            let serves = app.programme.is_none_or(|p| lists(inst, e, p));
            if !elig.out_of_round(e) && !same && serves {
                rules_ok_city[ex.city.ix()] -= 1;
            }
        }
        let mut base_count = 0u32;
        if base_ok {
            for c in 0..n_cities {
                let n = rules_ok_city[c] - rules_ok_reported[c];
                per_city[c] += n;
                base_count += n;
            }
        }
        (per_city, base_count)
    }

    /// The second half of [`Scanner::scan`]: the row of `a` from the
    /// experts [`Scanner::eligible`] left in `buf`.
    fn select(&mut self, a: AppIx, k: usize, per_city: Vec<u32>, base_count: u32) -> AppScan {
        let base_ok = self.base_eligible(a);
        let inst = self.inst;
        let elig = self.elig;
        let app = &inst.applications[a.ix()];
        let mark = self.mark;
        // Top k by rank (score desc, ties by a fixed shuffle).
        let buf = &mut self.buf;
        let by_rank = rank(a);
        if buf.len() > k && k > 0 {
            buf.select_nth_unstable_by(k - 1, by_rank);
        }
        let split = k.min(buf.len());
        let mut row: Vec<(ExpertIx, Score)> = buf[..split].iter().map(|&(s, e)| (e, s)).collect();

        // Enough outside-city experts for the outside-city rule.
        let home = app.city;
        let need_out = 2 * inst.min_outside(a) as usize;
        let mut outside = row
            .iter()
            .filter(|(e, _)| self.packed[e.ix()].city != home.0)
            .count();
        let mut best_pruned = None;
        if outside < need_out && split < buf.len() {
            let rest = &mut buf[split..];
            rest.sort_unstable_by(by_rank);
            for &(s, e) in rest.iter() {
                if outside < need_out && self.packed[e.ix()].city != home.0 {
                    row.push((e, s));
                    outside += 1;
                } else if best_pruned.is_none() {
                    best_pruned = Some(s); // sorted: the first left out is the best
                }
            }
        } else {
            best_pruned = buf[split..].iter().map(|&(s, _)| s).max();
        }

        // Base-score experts when the scan gave too few (or too few from
        // other cities), from a rotating start.
        let base = self.index.base();
        let want_base = k.saturating_sub(row.len()) + need_out.saturating_sub(outside);
        let mut base_taken = 0u32;
        if base_ok && base_count > 0 && want_base > 0 {
            let n = inst.experts.len();
            let start = (a.ix() as u64 * 7919 % n as u64) as usize;
            let mut want_any = k.saturating_sub(row.len());
            let mut want_out = need_out.saturating_sub(outside);
            for i in 0..n {
                if want_any == 0 && want_out == 0 {
                    break;
                }
                let e = ExpertIx(((start + i) % n) as u32);
                if self.stamp[e.ix()] == mark {
                    continue;
                }
                let Some(s) = elig.eligible_given(inst, a, e, base) else {
                    continue;
                };
                let out = inst.experts[e.ix()].city != home;
                if want_any > 0 || (out && want_out > 0) {
                    row.push((e, s));
                    base_taken += 1;
                    want_any = want_any.saturating_sub(1);
                    if out {
                        want_out = want_out.saturating_sub(1);
                    }
                }
            }
        }
        if base_ok && base_taken < base_count {
            best_pruned = Some(best_pruned.map_or(base, |b| b.max(base)));
        }
        row.sort_unstable_by_key(|&(e, _)| e);
        AppScan {
            row,
            pruned_bound: best_pruned,
            per_city,
        }
    }

    /// True when the base score passes application `a`'s `min_affinity`
    /// (base-score experts can be eligible for it).
    pub fn base_eligible(&self, a: AppIx) -> bool {
        self.elig.min_affinity(a).is_none_or(|m| self.base >= m)
    }
}

/// The order candidates are taken in for application `a`: score
/// descending, ties broken by a fixed shuffle of the experts per
/// application, so that applications with equal scores spread over the
/// pool instead of all taking the first experts in input order (which
/// would crowd their loads and starve the restricted network).
pub fn rank(
    a: AppIx,
) -> impl Fn(&(Score, ExpertIx), &(Score, ExpertIx)) -> std::cmp::Ordering + Copy {
    let salt = u64::from(a.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let shuffle = move |e: ExpertIx| (u64::from(e.0) ^ salt).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    move |x: &(Score, ExpertIx), y: &(Score, ExpertIx)| {
        y.0.cmp(&x.0).then(shuffle(x.1).cmp(&shuffle(y.1)))
    }
}

/// What [`generate`] found besides the candidates: exact per-application
/// shortages for the prechecks.
pub struct Generated {
    /// The candidates.
    pub candidates: Candidates,
    /// Exact per-city eligible counts of the applications the counting
    /// precheck flags (application, per-city counts).
    pub short: Vec<(AppIx, Vec<u32>)>,
}

/// Threads for the scans: `PANELS_THREADS` when set to a number from 1,
/// else the machine's parallelism; at most 8. The scans' results do not
/// depend on it (each thread takes a contiguous range of applications and
/// the parts are joined in order).
pub fn threads() -> usize {
    std::env::var("PANELS_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n >= 1)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 8)
}

/// Splits `0..n` into `parts` contiguous ranges (in order).
pub fn chunks(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.max(1);
    (0..parts)
        .map(|i| (n * i / parts)..(n * (i + 1) / parts))
        .filter(|r| !r.is_empty())
        .collect()
}

/// One thread's share of [`generate`].
#[derive(Default)]
struct Part {
    rows: Vec<Vec<(ExpertIx, Score)>>,
    bounds: Vec<Option<Score>>,
    eligible: Vec<u32>,
    short: Vec<(AppIx, Vec<u32>)>,
    floor_best: BTreeMap<ExpertIx, Vec<(Score, AppIx)>>,
}

/// Keeps the `need` best (score desc, application order) of a floor list.
fn prune_floor(list: &mut Vec<(Score, AppIx)>, need: usize) {
    list.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    list.truncate(need);
}

/// Builds the candidates of every application with `k` best experts each
/// (see the module docs), scanning applications on [`threads`] threads
/// (the result does not depend on their number). `tick` is called once
/// per application (progress).
pub fn generate(
    inst: &Instance,
    elig: &Eligibility,
    index: &ScoreIndex,
    k: usize,
    tick: &(dyn Fn() + Sync),
) -> Generated {
    let n_apps = inst.applications.len();
    // Experts with a load floor: their best applications, kept bounded.
    let floor_need: Vec<usize> = inst
        .expert_ixs()
        .map(|e| 4 * inst.min_load(e) as usize)
        .collect();
    let floor_need = &floor_need;
    let run = |range: std::ops::Range<usize>| {
        let mut scanner = Scanner::new(inst, elig, index);
        let mut part = Part::default();
        for a in range.map(|a| AppIx(a as u32)) {
            let scan = scanner.scan(a, k);
            if crate::explain::app_counts_short(inst, a, &scan.per_city) {
                part.short.push((a, scan.per_city.clone()));
            }
            for &(s, e) in &scanner.buf {
                let need = floor_need[e.ix()];
                if need > 0 {
                    let list = part.floor_best.entry(e).or_default();
                    list.push((s, a));
                    if list.len() > 4 * need {
                        prune_floor(list, need);
                    }
                }
            }
            part.eligible.push(scan.per_city.iter().sum());
            part.rows.push(scan.row);
            part.bounds.push(scan.pruned_bound);
            tick();
        }
        part
    };
    let ranges = chunks(n_apps, threads());
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
    let mut cand = Candidates {
        rows: Vec::with_capacity(n_apps),
        pruned_bound: Vec::with_capacity(n_apps),
        k: vec![k; n_apps],
        eligible: Vec::with_capacity(n_apps),
    };
    let mut short = Vec::new();
    let mut floor_best: BTreeMap<ExpertIx, Vec<(Score, AppIx)>> = BTreeMap::new();
    for part in parts {
        cand.rows.extend(part.rows);
        cand.pruned_bound.extend(part.bounds);
        cand.eligible.extend(part.eligible);
        short.extend(part.short);
        for (e, list) in part.floor_best {
            floor_best.entry(e).or_default().extend(list);
        }
    }
    // Floors: each such expert's best applications join the candidates.
    let mut extra = Vec::new();
    let mut have = vec![0usize; inst.experts.len()];
    for (e, mut list) in floor_best {
        prune_floor(&mut list, floor_need[e.ix()]);
        have[e.ix()] = list.len();
        extra.extend(list.iter().map(|&(s, a)| (a, e, s)));
    }
    // Floors the scans could not feed (few reported applications): base
    // score applications, from a rotating start.
    {
        let base = index.base();
        let n = n_apps.max(1);
        for e in inst.expert_ixs() {
            let need = floor_need[e.ix()];
            if need == 0 {
                continue;
            }
            let mut missing = need.saturating_sub(have[e.ix()]);
            let start = e.ix() * 7919 % n;
            for i in 0..n_apps {
                if missing == 0 {
                    break;
                }
                let a = AppIx(((start + i) % n) as u32);
                if elig.score(inst, a, e) != base {
                    continue;
                }
                if let Some(s) = elig.eligible_given(inst, a, e, base) {
                    extra.push((a, e, s));
                    missing -= 1;
                }
            }
        }
    }
    cand.add(&extra);
    Generated {
        candidates: cand,
        short,
    }
}
