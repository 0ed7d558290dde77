//! How well an expert fits an application: the score of a pair.
//!
//! SPEC.md: a pair's score is its `affinity` entry if listed; otherwise, if
//! the instance has an `affinity` list, `default_affinity`; otherwise the
//! *computed score* below. This module is the one place that rule lives.
//!
//! The computed score is in [0, 1]:
//!
//! ```text
//! score = 0.7 × field_fit + 0.3 × keyword_fit
//! field_fit   = mean over the application's fields f of
//!                 1    if the expert lists f exactly,
//!                 0.5  if the expert lists a field with the same 3-character
//!                      discipline prefix (F0301 ~ F0302: both "F03"),
//!                 0    otherwise
//! keyword_fit = |application keywords ∩ expert keywords| / |application keywords|
//!               (case-insensitive; 0 when the application lists none)
//! ```
//!
//! When the application lists no fields, `field_fit` is 0 and only keywords
//! count. Scores are rounded to millionths like every score (see
//! [`crate::model::SCORE_SCALE`]).

use crate::model::{AppIx, Application, Expert, ExpertIx, Instance, Score};

/// Weight of the field fit in the computed score.
pub(crate) const FIELD_WEIGHT: f64 = 0.7;
/// Weight of the keyword fit in the computed score.
pub(crate) const KEYWORD_WEIGHT: f64 = 0.3;
/// Length of the discipline prefix that earns a partial field match.
pub(crate) const DISCIPLINE_PREFIX: usize = 3;

/// The computed score of an (application, expert) pair, from fields and
/// keywords only.
pub fn computed_score(app: &Application, expert: &Expert) -> Score {
    let field_fit = if app.fields.is_empty() {
        0.0
    } else {
        let total: f64 = app
            .fields
            .iter()
            .map(|f| field_match(f, &expert.fields))
            .sum();
        total / app.fields.len() as f64
    };
    let keyword_fit = if app.keywords.is_empty() {
        0.0
    } else {
        let hits = app
            .keywords
            .iter()
            .filter(|k| {
                expert
                    .keywords
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(k) || x == *k)
            })
            .count();
        hits as f64 / app.keywords.len() as f64
    };
    Score::from_f64(FIELD_WEIGHT * field_fit + KEYWORD_WEIGHT * keyword_fit)
        .expect("a computed score is in [0, 1]")
}

fn field_match(field: &str, expert_fields: &[String]) -> f64 {
    if expert_fields.iter().any(|f| f == field) {
        return 1.0;
    }
    let prefix = discipline_prefix(field);
    if !prefix.is_empty() && expert_fields.iter().any(|f| discipline_prefix(f) == prefix) {
        0.5
    } else {
        0.0
    }
}

/// The discipline prefix of a field code: its first [`DISCIPLINE_PREFIX`]
/// characters, or empty when the code is shorter (then only exact matches
/// count). A 3-character code is its own discipline, so `F03` half-matches
/// `F0301`.
pub(crate) fn discipline_prefix(field: &str) -> &str {
    match field.char_indices().nth(DISCIPLINE_PREFIX) {
        Some((i, _)) => &field[..i],
        None if field.chars().count() == DISCIPLINE_PREFIX => field,
        None => "",
    }
}

/// Scores of every pair of an instance, following SPEC.md's precedence.
///
/// Listed affinities are kept per application, sorted by expert; unlisted
/// pairs fall back to `default_affinity` (when the instance has a list) or
/// to [`computed_score`].
#[derive(Clone, Debug)]
pub struct Scorer {
    /// Per application: listed (expert, score), sorted by expert.
    listed: Vec<Vec<(ExpertIx, Score)>>,
    default: Option<Score>,
}

impl Scorer {
    /// Prepares the scores of `inst`. A pair listed twice keeps its last entry
    /// (the loader rejects duplicates, so this only matters for hand-built
    /// models).
    pub fn new(inst: &Instance) -> Scorer {
        let mut listed: Vec<Vec<(ExpertIx, Score)>> = vec![Vec::new(); inst.applications.len()];
        let default = inst.affinity.as_ref().map(|list| {
            for a in list {
                listed[a.application.ix()].push((a.expert, a.score));
            }
            Score::from_f64(inst.policy.default_affinity).unwrap_or_default()
        });
        for row in &mut listed {
            // Stable sort, then keep the last of equal experts.
            row.sort_by_key(|&(e, _)| e);
            let mut dedup: Vec<(ExpertIx, Score)> = Vec::with_capacity(row.len());
            for &(e, s) in row.iter() {
                match dedup.last_mut() {
                    Some(last) if last.0 == e => last.1 = s,
                    _ => dedup.push((e, s)),
                }
            }
            *row = dedup;
        }
        Scorer { listed, default }
    }

    /// The score of pair (a, e).
    pub fn score(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> Score {
        let row = &self.listed[a.ix()];
        if let Ok(i) = row.binary_search_by_key(&e, |&(x, _)| x) {
            return row[i].1;
        }
        self.unlisted(inst, a, e)
    }

    /// The score of (a, e) when it has no affinity entry.
    pub fn unlisted(&self, inst: &Instance, a: AppIx, e: ExpertIx) -> Score {
        match self.default {
            Some(d) => d,
            None => computed_score(&inst.applications[a.ix()], &inst.experts[e.ix()]),
        }
    }

    /// Listed (expert, score) entries of application `a`, sorted by expert.
    pub(crate) fn listed_row(&self, a: AppIx) -> &[(ExpertIx, Score)] {
        &self.listed[a.ix()]
    }

    /// True when the score of (a, e) comes from an explicit affinity entry.
    pub fn is_listed(&self, a: AppIx, e: ExpertIx) -> bool {
        self.listed[a.ix()]
            .binary_search_by_key(&e, |&(x, _)| x)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CityIx, InstIx};

    fn app(fields: &[&str], keywords: &[&str]) -> Application {
        Application {
            id: "A".into(),
            title: None,
            city: CityIx(0),
            institution: InstIx(0),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            panel_size: None,
            team: vec![],
            avoid: vec![],
            programme: None,
        }
    }

    fn expert(fields: &[&str], keywords: &[&str]) -> Expert {
        Expert {
            id: "E".into(),
            name: None,
            city: CityIx(0),
            institution: InstIx(0),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            title: None,
            max_load: None,
            min_load: None,
            available: true,
            programmes: Vec::new(),
        }
    }

    #[test]
    fn exact_field_and_all_keywords_score_one() {
        let s = computed_score(
            &app(&["F0301"], &["optics"]),
            &expert(&["F0301"], &["Optics"]),
        );
        assert_eq!(s, Score(SCORE_SCALE_TEST));
    }

    const SCORE_SCALE_TEST: i64 = crate::model::SCORE_SCALE;

    #[test]
    fn same_discipline_prefix_is_half_a_field_match() {
        let s = computed_score(&app(&["F0301"], &[]), &expert(&["F0302"], &[]));
        assert_eq!(s, Score::from_f64(0.35).unwrap());
    }

    #[test]
    fn fields_average_and_keywords_add() {
        let s = computed_score(
            &app(&["F0301", "F0501"], &["a", "b", "c", "d"]),
            &expert(&["F0301"], &["b"]),
        );
        // field_fit = (1 + 0) / 2, keyword_fit = 1/4
        assert_eq!(s, Score::from_f64(0.7 * 0.5 + 0.3 * 0.25).unwrap());
    }

    #[test]
    fn unrelated_pair_scores_zero() {
        let s = computed_score(&app(&["F0301"], &["x"]), &expert(&["G1"], &["y"]));
        assert_eq!(s, Score(0));
    }

    #[test]
    fn prefix_is_char_based_for_non_ascii_codes() {
        assert_eq!(discipline_prefix("物理学一"), "物理学");
        assert_eq!(discipline_prefix("F0"), "");
        assert_eq!(discipline_prefix("F03"), "F03");
    }
}
