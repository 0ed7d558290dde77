//! `panels history append`: a finished round becomes history records.
//!
//! Every pair of the round's final panels is one `reviewed` record (the
//! office may edit the outcome and rating afterwards); every decline the
//! final panels file or a replace log records is one `declined` record. Each record carries the
//! year, the round label, the application's programme, id, institution and
//! team, so next year's repeat rules can match it.

use crate::history::{Outcome, PastReview, ShortText};
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
            round: crate::history::round_label(round).map(|r| ShortText::from(r.as_ref())),
            programme: inst.programme_name(a).map(ShortText::from),
            application: Some(ShortText::from(app.id.as_str())),
            institution: ShortText::from(inst.app_institution(a)),
            team: app
                .team
                .iter()
                .map(|&p| ShortText::from(inst.person_id(p)))
                .collect(),
            expert: ShortText::from(inst.experts[e.ix()].id.as_str()),
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
/// `existing` is refused (the same round must not be recorded twice;
/// round labels compared as names are, [`crate::history::round_label`]).
///
/// # Errors
/// [`RoundRecorded`] when `existing` already holds the round.
pub fn append(
    existing: &[PastReview],
    new: Vec<PastReview>,
    year: i32,
    round: Option<&str>,
) -> Result<Vec<PastReview>, RoundRecorded> {
    refuse_recorded_round(existing, year, round)?;
    let mut out = existing.to_vec();
    out.extend(new);
    Ok(out)
}

/// A round a history already holds: the refusal of a second append, in
/// English (what the CLI prints, its [`std::fmt::Display`]) and in
/// Chinese (what the console's Chinese pages show).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRecorded {
    /// The year.
    pub year: i32,
    /// The round's label as asked for, in its normal form.
    pub round: Option<String>,
    /// The record (counted from 1) that holds the round already.
    pub record: usize,
    /// That record's label as written, when it differs from the one asked
    /// for only as names may (full-width letters, spaces).
    pub written: Option<String>,
}

impl RoundRecorded {
    /// The refusal in Chinese.
    pub fn chinese(&self) -> String {
        format!(
            "历史记录中已有 {} 年{}的记录（第 {} 条{}）；每轮只追加一次（同一年的另一轮请填写不同的轮次）",
            self.year,
            self.round
                .as_deref()
                .map(|r| format!("、轮次 {r} "))
                .unwrap_or_default(),
            self.record,
            self.written
                .as_deref()
                .map(|w| format!("，写作 {w:?}；轮次按名称比较"))
                .unwrap_or_default()
        )
    }
}

impl std::fmt::Display for RoundRecorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the history already holds year {}{} (record {}{}); a round is appended once \
             (give --round to record a second round of the same year)",
            self.year,
            self.round
                .as_deref()
                .map(|r| format!(", round {r}"))
                .unwrap_or_default(),
            self.record,
            self.written
                .as_deref()
                .map(|w| format!(", written {w:?}; round labels are compared as names are"))
                .unwrap_or_default()
        )
    }
}

/// Why the round (`year`, `round`) may not be appended to `existing`: it
/// is already there (round labels compared as names are,
/// [`crate::history::round_label`]).
///
/// # Errors
/// [`RoundRecorded`], naming the record that holds the round.
pub fn refuse_recorded_round(
    existing: &[PastReview],
    year: i32,
    round: Option<&str>,
) -> Result<(), RoundRecorded> {
    use crate::history::round_label;
    let wanted = round_label(round);
    match existing
        .iter()
        .position(|r| r.year == year && round_label(r.round.as_deref()) == wanted)
    {
        Some(i) => {
            let theirs = existing[i].round.as_deref().unwrap_or_default();
            Err(RoundRecorded {
                year,
                written: (wanted.is_some() && theirs != round.unwrap_or_default())
                    .then(|| theirs.to_string()),
                round: wanted.map(|w| w.to_string()),
                record: i + 1,
            })
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spring(year: i32, round: &str) -> PastReview {
        PastReview {
            year,
            round: Some(round.into()),
            application: Some("A1".into()),
            institution: "WHU".into(),
            expert: "E1".into(),
            ..PastReview::default()
        }
    }

    #[test]
    fn a_round_typed_another_way_is_the_same_round() {
        let existing = [spring(2024, "spring")];
        for typed in [
            "spring",
            " spring",
            "ｓｐｒｉｎｇ",
            "spr\u{200B}ing",
            "spring\u{3000}",
        ] {
            let refused =
                append(&existing, vec![spring(2024, typed)], 2024, Some(typed)).unwrap_err();
            let m = refused.to_string();
            assert!(
                refused
                    .chinese()
                    .contains("2024 年、轮次 spring 的记录（第 1 条"),
                "{typed:?}: {}",
                refused.chinese()
            );
            assert!(
                m.contains("year 2024, round spring (record 1"),
                "{typed:?}: {m}"
            );
        }
        let refused = append(&existing, Vec::new(), 2024, Some("ｓｐｒｉｎｇ")).unwrap_err();
        assert!(
            refused.to_string().contains("compared as names are"),
            "{refused}"
        );
        assert!(
            refused.chinese().contains("轮次按名称比较"),
            "{}",
            refused.chinese()
        );
        let unlabelled = [PastReview {
            round: None,
            ..spring(2025, "")
        }];
        let refused = append(&unlabelled, Vec::new(), 2025, None).unwrap_err();
        assert_eq!(
            refused.chinese(),
            "历史记录中已有 2025 年的记录（第 1 条）；每轮只追加一次（同一年的另一轮请填写不同的轮次）"
        );
        assert_eq!(
            append(
                &existing,
                vec![spring(2024, "autumn")],
                2024,
                Some("autumn")
            )
            .unwrap()
            .len(),
            2
        );
        assert!(append(&existing, Vec::new(), 2025, Some("spring")).is_ok());
    }
}
