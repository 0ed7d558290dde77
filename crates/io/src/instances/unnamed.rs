//! Programmes an expert lists that no application names.
//!
//! An expert's `programmes` are the programmes they serve (empty = all).
//! A name there that no application of the round names is kept (a pool
//! shared by several cities and rounds lists programmes this round does
//! not have), but never silently: a typo (`人才计化` for `人才计划`) would
//! keep the expert out of the programme they meant. The load notes it on
//! stderr, and the console shows it on the round's page, both from
//! [`unnamed_programmes`], with the closest programme the applications
//! name ([`crate::instances::office::near_typo`]'s rule).

use crate::instances::office::{near_typo, Lang};
use crate::model::Instance;

/// Most expert ids one notice lists (the rest are counted).
const EXPERTS_SHOWN: usize = 10;

/// One programme name that experts list and no application names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnnamedProgramme {
    /// The name as the experts list it (after name normalisation).
    pub programme: String,
    /// The experts who list it, in pool order (their ids).
    pub experts: Vec<String>,
    /// The programme the applications name that it is probably a typo
    /// of, when one is near.
    pub near: Option<String>,
}

impl UnnamedProgramme {
    /// The notice in `lang`, naming the programme, its experts (the first
    /// ten and how many more) and the near programme; one line (the load's
    /// note is its English after `note: `).
    pub fn text(&self, lang: Lang) -> String {
        let n = self.experts.len();
        let shown: Vec<&str> = self
            .experts
            .iter()
            .take(EXPERTS_SHOWN)
            .map(String::as_str)
            .collect();
        let more = n - shown.len();
        let p = &self.programme;
        match lang {
            Lang::En => {
                let list = shown.join(", ");
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                let who = if n == 1 { "expert" } else { "experts" };
                let fix = match &self.near {
                    Some(near) => format!(
                        "did you mean {near:?}? As written, they do not serve {near:?}; correct \
                         the experts' programmes"
                    ),
                    None => "they serve only the other programmes they list; check the \
                             spelling if a programme of this round was meant"
                        .to_string(),
                };
                format!(
                    "{n} {who} ({list}{more}) list the programme {p:?}, which no \
                     application names; {fix}"
                )
            }
            Lang::Zh => {
                let list = shown.join("、");
                let more = if more > 0 {
                    format!("等，另有 {more} 位")
                } else {
                    String::new()
                };
                let fix = match &self.near {
                    Some(near) => format!(
                        "是否应为“{near}”？按现在的写法，这些专家不参加“{near}”的评审；\
                         请更正专家的可评计划"
                    ),
                    None => "这些专家只参加其列出的其他计划的评审；如本意是本轮的某个计划，\
                             请检查拼写"
                        .to_string(),
                };
                format!(
                    "{n} 位专家（{list}{more}）的可评计划中有“{p}”，但没有任何申报项目属于\
                     该计划；{fix}"
                )
            }
        }
    }
}

/// The programmes experts list that no application names, in the order
/// they are first listed, each with its experts and the nearest
/// programme an application names.
pub fn unnamed_programmes(inst: &Instance) -> Vec<UnnamedProgramme> {
    let mut named = vec![false; inst.programmes.len()];
    for a in &inst.applications {
        if let Some(p) = a.programme {
            named[p.0 as usize] = true;
        }
    }
    let known: Vec<&str> = (0..inst.programmes.len())
        .filter(|&i| named[i])
        .map(|i| inst.programmes.name(i as u32))
        .collect();
    let mut out: Vec<UnnamedProgramme> = Vec::new();
    let mut slot: Vec<Option<usize>> = vec![None; inst.programmes.len()];
    for e in &inst.experts {
        for p in &e.programmes {
            let i = p.0 as usize;
            if named[i] {
                continue;
            }
            let k = *slot[i].get_or_insert_with(|| {
                let name = inst.programmes.name(p.0);
                out.push(UnnamedProgramme {
                    programme: name.to_string(),
                    experts: Vec::new(),
                    near: near_typo(name, known.iter().copied()).map(str::to_string),
                });
                out.len() - 1
            });
            if out[k].experts.last() != Some(&e.id) {
                out[k].experts.push(e.id.clone());
            }
        }
    }
    out
}
