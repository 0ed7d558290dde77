//! `panels history append`: a finished round becomes history records.
//!
//! Every pair of the round's final panels is one `reviewed` record (the
//! office may edit the outcome and rating afterwards); every decline a
//! replace log records is one `declined` record. Each record carries the
//! year, the round label, the application's programme, id, institution and
//! team, so next year's repeat rules can match it.

use crate::history::{Outcome, PastReview};
use crate::model::{AppIx, ExpertIx, Instance};

/// The records a finished round adds, in order: the final panels'
/// pairs (applications in input order, experts in panel order), then the
/// declines (in the order given, each once, leaving out a pair that is on
/// a final panel).
pub fn round_records(
    inst: &Instance,
    panels: &[(AppIx, Vec<ExpertIx>)],
    declines: &[(AppIx, ExpertIx)],
    year: i32,
    round: Option<&str>,
) -> Vec<PastReview> {
    let record = |a: AppIx, e: ExpertIx, outcome: Outcome| {
        let app = &inst.applications[a.ix()];
        PastReview {
            year,
            round: round.map(str::to_string),
            programme: inst.programme_name(a).map(str::to_string),
            application: Some(app.id.clone()),
            institution: inst.app_institution(a).to_string(),
            team: app
                .team
                .iter()
                .map(|&p| inst.person_id(p).to_string())
                .collect(),
            expert: inst.experts[e.ix()].id.clone(),
            outcome,
            rating: None,
        }
    };
    let mut out = Vec::new();
    for (a, experts) in panels {
        for &e in experts {
            out.push(record(*a, e, Outcome::Reviewed));
        }
    }
    let mut seen: Vec<(AppIx, ExpertIx)> = Vec::new();
    for &(a, e) in declines {
        let on_panel = panels.iter().any(|(x, ex)| *x == a && ex.contains(&e));
        if on_panel || seen.contains(&(a, e)) {
            continue;
        }
        seen.push((a, e));
        out.push(record(a, e, Outcome::Declined));
    }
    out
}

/// `existing` with `new` appended, or why not: a (year, round) already in
/// `existing` is refused (the same round must not be recorded twice).
pub fn append(
    existing: &[PastReview],
    new: Vec<PastReview>,
    year: i32,
    round: Option<&str>,
) -> Result<Vec<PastReview>, String> {
    let label = |r: Option<&str>| {
        r.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let wanted = label(round);
    if let Some(i) = existing
        .iter()
        .position(|r| r.year == year && label(r.round.as_deref()) == wanted)
    {
        return Err(format!(
            "the history already holds year {year}{} (record {}); a round is appended once \
             (give --round to record a second round of the same year)",
            wanted
                .as_deref()
                .map(|r| format!(", round {r}"))
                .unwrap_or_default(),
            i + 1
        ));
    }
    let mut out = existing.to_vec();
    out.extend(new);
    Ok(out)
}

/// The declined pairs (application id, expert id) a replace log records:
/// its `declined` pairs, then, for each expert who withdrew from the
/// round, every panel this replacement took them off. Reads the current
/// log format ([`crate::draw::log::REPLACE_FORMAT`]) only, and refuses a
/// log of another instance (its `input_sha256` against `input_sha256`).
///
/// # Errors
/// Not a replace log, another format, or another instance's log (a
/// message in the user's terms).
pub fn replace_log_declines(
    bytes: &[u8],
    input_sha256: &str,
) -> Result<Vec<(String, String)>, String> {
    use crate::draw::log::{ReplaceLog, REPLACE_FORMAT};
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not a replace log: {e}"))?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != REPLACE_FORMAT {
        return Err(format!(
            "not a replace log of format {REPLACE_FORMAT} (it says {format:?}); \
             give the log panels replace wrote for this round"
        ));
    }
    let log: ReplaceLog =
        serde_json::from_value(value).map_err(|e| format!("not a replace log: {e}"))?;
    if !log.input_sha256.eq_ignore_ascii_case(input_sha256) {
        return Err(format!(
            "this replace log belongs to another instance (input SHA-256 {}, the instance's is {})",
            log.input_sha256, input_sha256
        ));
    }
    let mut pairs: Vec<(String, String)> = log
        .declined
        .iter()
        .map(|d| (d.application.clone(), d.expert.clone()))
        .collect();
    for w in &log.withdrawn {
        for c in &log.changes {
            if c.removed.iter().any(|x| x == w) {
                pairs.push((c.application.clone(), w.clone()));
            }
        }
    }
    Ok(pairs)
}
