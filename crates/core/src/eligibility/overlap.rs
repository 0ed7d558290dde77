//! Scores without touching every pair: an inverted index from discipline
//! fields, 3-character prefixes and keywords to experts.
//!
//! For one application, [`ScoreIndex::scan`] reports every expert whose
//! score *may differ* from a common floor, with its exact score; every
//! expert it does not report scores exactly [`ScoreIndex::base`]:
//!
//! * **Computed scores** (no affinity list): an expert sharing no field, no
//!   discipline prefix and no keyword with the application scores exactly 0
//!   (see [`crate::score`]). The scan walks the application's postings
//!   (experts listing the field, a field of the same prefix, the keyword),
//!   counts hits per expert in a dense scratch array, and turns the counts
//!   into the score with the very arithmetic of
//!   [`crate::score::computed_score`] (so the numbers are bit-identical; a
//!   test checks it).
//! * **Affinity list**: the listed entries of the application; every other
//!   pair scores `default_affinity`.
//!
//! Cost of one scan: the total length of the application's postings, not
//! the size of the pool. This is model-level code (scores only, no solver):
//! the solver uses it to pick candidates and to price pruned pairs, and
//! `verify --certificate` uses it to evaluate the dual bound over all
//! eligible pairs without enumerating applications × experts.

use std::collections::HashMap;

use crate::model::{AppIx, ExpertIx, Instance, Score};
use crate::score::{discipline_prefix, Scorer, FIELD_WEIGHT, KEYWORD_WEIGHT};

/// Index of an instance's scores; see the module docs.
#[derive(Clone, Debug)]
pub struct ScoreIndex {
    base: Score,
    computed: Option<Postings>,
}

/// Postings of the computed score, in compressed rows.
#[derive(Clone, Debug)]
struct Postings {
    /// Row starts of `experts` (one row per posting list).
    offsets: Vec<u32>,
    /// Experts of each posting list, ascending, each once.
    experts: Vec<u32>,
    /// Per application: the posting lists to walk (row starts in `walk`).
    app_offsets: Vec<u32>,
    /// (list, target, weight): target 0 adds `weight` half field points, 1
    /// adds `weight` keyword hits.
    walk: Vec<(u32, u8, u8)>,
}

/// Reusable scratch for [`ScoreIndex::scan`] (dense arrays over experts).
#[derive(Clone, Debug, Default)]
pub struct ScanScratch {
    half: Vec<u32>,
    hits: Vec<u32>,
    touched: Vec<u32>,
}

impl ScanScratch {
    /// Scratch for a pool of `experts`.
    pub fn new(experts: usize) -> ScanScratch {
        ScanScratch {
            half: vec![0; experts],
            hits: vec![0; experts],
            touched: Vec::new(),
        }
    }
}

impl ScoreIndex {
    /// Builds the index of `inst`. O(total fields and keywords).
    pub fn new(inst: &Instance) -> ScoreIndex {
        if inst.has_affinity_list() {
            return ScoreIndex {
                base: Score::from_f64(inst.policy.default_affinity).unwrap_or_default(),
                computed: None,
            };
        }
        // Keys: "f:" exact field, "p:" prefix, "k:" lower-case keyword.
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut rows: Vec<Vec<u32>> = Vec::new();
        let mut key_id = |key: String, rows: &mut Vec<Vec<u32>>| -> u32 {
            let next = ids.len() as u32;
            let id = *ids.entry(key).or_insert(next);
            if id as usize == rows.len() {
                rows.push(Vec::new());
            }
            id
        };
        for (i, ex) in inst.experts.iter().enumerate() {
            let e = i as u32;
            let push = |row: &mut Vec<u32>| {
                if row.last() != Some(&e) {
                    row.push(e);
                }
            };
            for f in &ex.fields {
                let id = key_id(format!("f:{f}"), &mut rows);
                push(&mut rows[id as usize]);
                let p = discipline_prefix(f);
                if !p.is_empty() {
                    let id = key_id(format!("p:{p}"), &mut rows);
                    push(&mut rows[id as usize]);
                }
            }
            for k in &ex.keywords {
                let id = key_id(format!("k:{}", k.to_ascii_lowercase()), &mut rows);
                push(&mut rows[id as usize]);
            }
        }
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0u32);
        let total: usize = rows.iter().map(Vec::len).sum();
        let mut experts = Vec::with_capacity(total);
        for r in &rows {
            experts.extend_from_slice(r);
            offsets.push(experts.len() as u32);
        }
        drop(rows);
        let mut app_offsets = Vec::with_capacity(inst.applications.len() + 1);
        app_offsets.push(0u32);
        let mut walk = Vec::new();
        for app in &inst.applications {
            for f in &app.fields {
                let p = discipline_prefix(f);
                if let Some(&id) = ids.get(&format!("f:{f}")) {
                    walk.push((id, 0, if p.is_empty() { 2 } else { 1 }));
                }
                if !p.is_empty() {
                    if let Some(&id) = ids.get(&format!("p:{p}")) {
                        walk.push((id, 0, 1));
                    }
                }
            }
            for k in &app.keywords {
                if let Some(&id) = ids.get(&format!("k:{}", k.to_ascii_lowercase())) {
                    walk.push((id, 1, 1));
                }
            }
            app_offsets.push(walk.len() as u32);
        }
        ScoreIndex {
            base: Score(0),
            computed: Some(Postings {
                offsets,
                experts,
                app_offsets,
                walk,
            }),
        }
    }

    /// The score of every pair that [`ScoreIndex::scan`] does not report:
    /// 0 for computed scores, `default_affinity` with an affinity list.
    pub fn base(&self) -> Score {
        self.base
    }

    /// True when scores come from an affinity list.
    pub fn is_listed(&self) -> bool {
        self.computed.is_none()
    }

    /// Number of hits a scan of `a` walks (its postings' total length, or
    /// its listed entries): the scan's cost.
    pub fn scan_cost(&self, scorer: &Scorer, a: AppIx) -> usize {
        match &self.computed {
            None => scorer.listed_row(a).len(),
            Some(p) => p.walk[p.app_offsets[a.ix()] as usize..p.app_offsets[a.ix() + 1] as usize]
                .iter()
                .map(|&(l, _, _)| (p.offsets[l as usize + 1] - p.offsets[l as usize]) as usize)
                .sum(),
        }
    }

    /// Calls `f(e, score)` once for every expert whose score for `a` may
    /// differ from [`ScoreIndex::base`], with the exact score (as
    /// [`Scorer::score`] gives it). Order: listed order (by expert) for an
    /// affinity list, first-hit order for computed scores. Eligibility is
    /// not checked here.
    pub fn scan(
        &self,
        inst: &Instance,
        scorer: &Scorer,
        a: AppIx,
        scratch: &mut ScanScratch,
        mut f: impl FnMut(ExpertIx, Score),
    ) {
        let Some(p) = &self.computed else {
            for &(e, s) in scorer.listed_row(a) {
                f(e, s);
            }
            return;
        };
        if scratch.half.len() < inst.experts.len() {
            *scratch = ScanScratch::new(inst.experts.len());
        }
        let ScanScratch {
            half,
            hits,
            touched,
        } = scratch;
        touched.clear();
        let walk = &p.walk[p.app_offsets[a.ix()] as usize..p.app_offsets[a.ix() + 1] as usize];
        for &(list, target, weight) in walk {
            let (lo, hi) = (p.offsets[list as usize], p.offsets[list as usize + 1]);
            let w = u32::from(weight);
            for &e in &p.experts[lo as usize..hi as usize] {
                let ei = e as usize;
                if half[ei] == 0 && hits[ei] == 0 {
                    touched.push(e);
                }
                if target == 0 {
                    half[ei] += w;
                } else {
                    hits[ei] += w;
                }
            }
        }
        let app = &inst.applications[a.ix()];
        let nf = app.fields.len();
        let nk = app.keywords.len();
        let score_of = |half: u32, hits: u32| {
            // The arithmetic of `computed_score`: the field total is a sum
            // of 1 and 0.5 terms, exact in f64, equal to half / 2.
            let field_fit = if nf == 0 {
                0.0
            } else {
                (f64::from(half) * 0.5) / nf as f64
            };
            let keyword_fit = if nk == 0 {
                0.0
            } else {
                f64::from(hits) / nk as f64
            };
            Score::from_f64(FIELD_WEIGHT * field_fit + KEYWORD_WEIGHT * keyword_fit)
                .unwrap_or_default()
        };
        // Every (half, hits) an expert can reach, scored once.
        let (h_max, k_max) = (2 * nf + 1, nk + 1);
        let table: Vec<Score> = if h_max.saturating_mul(k_max) <= 4096 {
            (0..h_max * k_max)
                .map(|i| score_of((i / k_max) as u32, (i % k_max) as u32))
                .collect()
        } else {
            Vec::new()
        };
        for &e in touched.iter() {
            let ei = e as usize;
            let (h, k) = (half[ei] as usize, hits[ei] as usize);
            let s = if h < h_max && k < k_max && !table.is_empty() {
                table[h * k_max + k]
            } else {
                score_of(half[ei], hits[ei])
            };
            half[ei] = 0;
            hits[ei] = 0;
            f(ExpertIx(e), s);
        }
    }
}
