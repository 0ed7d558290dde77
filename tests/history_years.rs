//! Three yearly rounds through the binary: solve 2024 → replace →
//! history append → solve 2025 (with that history) → … → solve 2026. Every
//! round passes `verify` (with its certificate), the appended files load as
//! the next round's history, no rule is broken across the years (checked
//! here from the history file itself), and appending a round twice is
//! refused without touching the file.

use std::path::{Path, PathBuf};
use std::process::Command;

use panels::generate::{generate, GenConfig};
use panels::io::history_file::read_history_file;
use panels::io::{write_instance, InstanceFormat};
use panels::model::{AvoidRepeat, Instance};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_panels"))
}

fn run(args: &[&str]) -> (i32, String) {
    let out = bin().arg("-q").args(args).output().expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn base_round() -> Instance {
    let cfg = GenConfig {
        applications: 24,
        experts: 50,
        panel_size: 3,
        min_outside_share: 0.34,
        max_per_city: None,
        max_per_institution: None,
        min_load_share: 0.0,
        seed: 7,
        ..GenConfig::default()
    };
    let mut inst = generate(&cfg);
    inst.policy.avoid_repeat = AvoidRepeat::Both;
    inst.policy.max_consecutive_years = Some(2);
    inst.policy.max_reviews_per_year = Some(4);
    inst.policy.max_declines = Some(1);
    inst.policy.history_years = 2;
    inst
}

/// The round of `year` as a CSV directory, with `history` (if any) as its
/// history.csv.
fn write_round(dir: &Path, year: i32, history: Option<&Path>) -> PathBuf {
    let mut inst = base_round();
    inst.policy.year = Some(year);
    let path = dir.join(format!("round{year}"));
    write_instance(&inst, &path, InstanceFormat::CsvDir).unwrap();
    if let Some(h) = history {
        std::fs::copy(h, path.join("history.csv")).unwrap();
    }
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn three_years_solve_replace_append() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let hist = dir.join("history.csv");
    for year in [2024, 2025, 2026] {
        let round = write_round(dir, year, hist.exists().then_some(hist.as_path()));
        let inst = panels::io::load_instance(&round).expect("the appended history loads");
        assert_eq!(inst.history.given, year > 2024);
        // The rules bind: repeats are excluded from 2025 on, experts rest
        // in 2026.
        let counts = panels::eligibility::Eligibility::compute(&inst).conflict_counts(&inst);
        let n = |k| counts.get(&k).copied().unwrap_or(0);
        use panels::eligibility::ConflictKind;
        if year >= 2025 {
            assert!(n(ConflictKind::Repeat) > 0, "{year}: {counts:?}");
        }
        if year == 2026 {
            assert!(n(ConflictKind::Resting) > 0, "{year}: {counts:?}");
        }
        let solved = dir.join(format!("panels{year}.json"));
        let (code, text) = run(&["solve", s(&round), "--out", s(&solved)]);
        assert_eq!(code, 0, "{year}: {text}");
        let (code, text) = run(&["verify", s(&round), s(&solved), "--certificate"]);
        assert_eq!(code, 0, "{year}: {text}");

        // One decline, replaced.
        let file = read_json(&solved);
        let first = &file["panels"][0];
        let decline = format!(
            "{}:{}",
            first["application"].as_str().unwrap(),
            first["experts"][0].as_str().unwrap()
        );
        let fin = dir.join(format!("final{year}.json"));
        let log = dir.join(format!("replace{year}.json"));
        let (code, text) = run(&[
            "replace",
            s(&round),
            s(&solved),
            "--decline",
            &decline,
            "--out",
            s(&fin),
            "--log",
            s(&log),
        ]);
        assert_eq!(code, 0, "{year}: {text}");
        let (code, text) = run(&["verify", s(&round), s(&fin)]);
        assert_eq!(code, 0, "{year}: {text}");

        let y = year.to_string();
        let append = [
            "history",
            "append",
            s(&round),
            s(&fin),
            "--year",
            &y,
            "--replace-log",
            s(&log),
            "--to",
            s(&hist),
        ];
        let (code, text) = run(&append);
        assert_eq!(code, 0, "{year}: {text}");
        let before = std::fs::read(&hist).unwrap();
        let (code, text) = run(&append);
        assert_eq!(code, 2, "{year}: appending twice must be refused: {text}");
        assert_eq!(std::fs::read(&hist).unwrap(), before, "file untouched");

        let records = read_history_file(&hist).unwrap();
        let declined: Vec<_> = records
            .iter()
            .filter(|r| r.year == year && r.outcome == panels::history::Outcome::Declined)
            .collect();
        assert_eq!(declined.len(), 1, "{year}: the decline is recorded");
        let reviewed = records
            .iter()
            .filter(|r| r.year == year && r.outcome.served())
            .count();
        assert_eq!(reviewed, 24 * 3, "{year}: every final pair is recorded");
    }
    check_across_years(&read_history_file(&hist).unwrap());
}

/// The rules across the years, from the history alone: nobody served an
/// institution (or a shared team) in a year after serving it within the
/// window (2 years), nobody served three years running, nobody exceeded 4
/// reviews in a year.
fn check_across_years(records: &[panels::history::PastReview]) {
    let served: Vec<_> = records.iter().filter(|r| r.outcome.served()).collect();
    for r in &served {
        for q in &served {
            if q.expert == r.expert && q.year < r.year && r.year - q.year <= 2 {
                assert!(
                    q.institution != r.institution,
                    "{} reviewed {} in {} and again in {}",
                    r.expert,
                    r.institution,
                    q.year,
                    r.year
                );
                assert!(
                    !q.team.iter().any(|p| r.team.contains(p)),
                    "{} repeated a team member in {}",
                    r.expert,
                    r.year
                );
            }
        }
        let years: std::collections::BTreeSet<i32> = served
            .iter()
            .filter(|q| q.expert == r.expert)
            .map(|q| q.year)
            .collect();
        assert!(
            !(years.contains(&2024) && years.contains(&2025) && years.contains(&2026)),
            "{} served three years running",
            r.expert
        );
        let in_year = served
            .iter()
            .filter(|q| q.expert == r.expert && q.year == r.year)
            .count();
        assert!(
            in_year <= 4,
            "{} reviewed {in_year} times in {}",
            r.expert,
            r.year
        );
    }
}

#[test]
fn history_append_writes_json_that_loads_and_refuses_bad_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let round = write_round(dir, 2024, None);
    let solved = dir.join("p.json");
    assert_eq!(run(&["solve", s(&round), "--out", s(&solved)]).0, 0);
    let hist = dir.join("h.json");
    let (code, text) = run(&[
        "history",
        "append",
        s(&round),
        s(&solved),
        "--year",
        "2024",
        "--round",
        "spring",
        "--to",
        s(&hist),
    ]);
    assert_eq!(code, 0, "{text}");
    // A second round of the same year is fine; the same round is not.
    let (code, _) = run(&[
        "history",
        "append",
        s(&round),
        s(&solved),
        "--year",
        "2024",
        "--round",
        "autumn",
        "--to",
        s(&hist),
    ]);
    assert_eq!(code, 0);
    let records = read_history_file(&hist).unwrap();
    assert_eq!(records.len(), 2 * 24 * 3);
    assert!(records
        .iter()
        .all(|r| r.year == 2024 && r.institution.len() > 1));
    // The JSON list is a bundle's history.
    let mut bundle: serde_json::Value =
        serde_json::from_slice(&panels::io::bundle_to_bytes(&base_round()).unwrap()).unwrap();
    bundle["history"] = read_json(&hist);
    bundle["policy"]["year"] = 2025.into();
    let inst = panels::io::load_bundle_from_bytes(
        Path::new("b.json"),
        serde_json::to_string(&bundle).unwrap().as_bytes(),
    )
    .unwrap();
    assert_eq!(inst.history.records.len(), records.len());

    // Wrong year, wrong extension, the instance itself: exit 2, nothing written.
    let (code, text) = run(&[
        "history",
        "append",
        s(&round),
        s(&solved),
        "--year",
        "2023",
        "--to",
        s(&hist),
    ]);
    assert_eq!(code, 2, "{text}");
    let (code, _) = run(&[
        "history",
        "append",
        s(&round),
        s(&solved),
        "--year",
        "2024",
        "--to",
        s(&dir.join("h.txt")),
    ]);
    assert_eq!(code, 2);
    assert!(!dir.join("h.txt").exists());
    let (code, _) = run(&[
        "history",
        "append",
        s(&round),
        s(&solved),
        "--year",
        "2024",
        "--round",
        "x",
        "--to",
        s(&round.join("history.csv")),
    ]);
    assert_eq!(code, 2, "the instance's own history.csv is an input");
}

/// `generate --years 3 --programmes 2`: every history and programme rule
/// binds somewhere, the round stays feasible, and its answer passes
/// `verify` with a proven certificate; the history survives a bundle and a
/// CSV round trip.
#[test]
fn generated_history_binds_every_rule() {
    use panels::eligibility::{ConflictKind, Eligibility};
    let cfg = GenConfig {
        programmes: 2,
        years: 3,
        seed: 11,
        ..GenConfig::sized(120, 500)
    };
    let inst = generate(&cfg);
    let elig = Eligibility::compute(&inst);
    let counts = elig.conflict_counts(&inst);
    for kind in [
        ConflictKind::Resting,
        ConflictKind::Declines,
        ConflictKind::Rating,
        ConflictKind::Programme,
    ] {
        assert!(
            counts.get(&kind).copied().unwrap_or(0) > 0,
            "{kind:?}: {counts:?}"
        );
    }
    let priced = inst
        .app_ixs()
        .flat_map(|a| inst.expert_ixs().map(move |e| (a, e)))
        .filter(|&(a, e)| elig.pays_penalty(a, e))
        .count();
    assert!(priced > 0, "repeats are priced somewhere");
    assert!(
        inst.expert_ixs()
            .any(|e| inst.max_load(e) < inst.round_max_load(e)),
        "max_reviews_per_year lowers a cap somewhere"
    );
    assert!(inst.any_programme_load_cap());
    let s = panels::solve::solve(&inst, &elig, panels::solve::Method::Auto).expect("feasible");
    let file = panels::solve::panels_file(&inst, &elig, &s, String::new());
    let report = panels::verify::verify_with(&inst, &elig, &file);
    assert!(report.is_ok(), "{}", report.render(&inst));
    let out = panels::verify::check_certificate(&inst, &elig, &file, report.objective_micro);
    assert!(out.is_ok(), "{}", out.describe());

    // The report's programme and history sections, in the figures and in
    // both languages' text.
    let resolved = panels::verify::resolve(&inst, &file);
    let rounds = panels::report::rounds::round_figures(&inst, &elig, &resolved);
    let r = &rounds;
    assert_eq!(r.programmes.len(), 2);
    for p in &r.programmes {
        assert!(p.share() + 1e-9 >= p.required_share, "{p:?}");
    }
    let h = r.history.as_ref().expect("history section");
    assert!(h.resting.count > 0 && h.barred_declines.count > 0 && h.barred_rating.count > 0);
    assert_eq!(h.repeats_paid as usize * 100_000, h.penalty_micro as usize);
    let opts = |lang| panels::report::ReportOptions {
        price_time_limit: None,
        lang: Some(lang),
        ..Default::default()
    };
    let f = panels::report::figures(&inst, &file, &opts(panels::report::Lang::En));
    assert_eq!(f.programmes.as_deref(), Some(&r.programmes[..]));
    assert_eq!(f.history.as_ref(), Some(h));
    let md = panels::report::render(&f, panels::report::ReportFormat::Markdown);
    assert!(md.contains("## Programmes") && md.contains("## History") && md.contains("科技进步奖"));
    assert!(
        md.contains("programmes.科技进步奖.min\\_outside\\_share")
            || md.contains("programmes.科技进步奖.min_outside_share")
    );
    let zh = panels::report::figures(&inst, &file, &opts(panels::report::Lang::Zh));
    let html = panels::report::render(&zh, panels::report::ReportFormat::Html);
    assert!(html.contains("各计划类别的外地评审比例") && html.contains("历年记录"));
    assert!(html.contains("轮空休息的专家"));

    let bytes = panels::io::bundle_to_bytes(&inst).unwrap();
    let back = panels::io::load_bundle_from_bytes(Path::new("g.json"), &bytes).unwrap();
    assert_eq!(back.history, inst.history);
    assert_eq!(back.policy, inst.policy);
    let csv = panels::io::csv_to_bytes(&inst).unwrap();
    let back = panels::io::load_csv_from_bytes(Path::new("g"), &csv).unwrap();
    assert_eq!(back.history, inst.history);
}

/// Next year's instance as a workbook: `inst`'s sheets plus the sheets of
/// the workbook `history` (as an office would copy its 历史 sheet in).
fn workbook_with_history(inst: &Instance, history: &Path, out: &Path) {
    use panels::io::xlsx::{
        instance_xlsx_bytes_in, read_xlsx_tables, tables_xlsx_bytes, Table, XCell,
    };
    let own = instance_xlsx_bytes_in(inst, out, panels::io::office::Lang::Zh).unwrap();
    let mut sheets = read_xlsx_tables(&own).unwrap();
    sheets.extend(read_xlsx_tables(&std::fs::read(history).unwrap()).unwrap());
    let tables: Vec<Table> = sheets
        .into_iter()
        .map(|(name, rows)| {
            let mut rows = rows.into_iter();
            Table {
                name,
                header: rows.next().unwrap_or_default(),
                rows: rows
                    .map(|r| r.into_iter().map(XCell::Text).collect())
                    .collect(),
            }
        })
        .collect();
    std::fs::write(out, tables_xlsx_bytes(out, &tables).unwrap()).unwrap();
}

#[test]
fn a_workbook_history_records_declines_and_withdrawals_and_loads_next_year() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let round = write_round(dir, 2025, None);
    let solved = dir.join("panels2025.json");
    assert_eq!(run(&["solve", s(&round), "--out", s(&solved)]).0, 0);
    let file = read_json(&solved);
    let panels = file["panels"].as_array().unwrap();
    let (a0, e0) = (
        panels[0]["application"].as_str().unwrap(),
        panels[0]["experts"][0].as_str().unwrap(),
    );
    // An expert on another panel, not e0, withdraws from the round.
    let gone = panels[1..]
        .iter()
        .flat_map(|p| p["experts"].as_array().unwrap())
        .map(|e| e.as_str().unwrap())
        .find(|&e| e != e0)
        .unwrap()
        .to_string();
    let seats_of_gone = panels
        .iter()
        .filter(|p| {
            p["experts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == gone.as_str())
        })
        .count();
    let fin = dir.join("final2025.json");
    let log = dir.join("replace2025.json");
    let decline = format!("{a0}:{e0},{gone}");
    let (code, text) = run(&[
        "replace",
        s(&round),
        s(&solved),
        "--decline",
        &decline,
        "--out",
        s(&fin),
        "--log",
        s(&log),
    ]);
    assert_eq!(code, 0, "{text}");
    let log_json = read_json(&log);
    assert_eq!(log_json["format"], "panels-replace/2");
    assert_eq!(log_json["withdrawn"][0], gone.as_str());

    let hist = dir.join("history.xlsx");
    let (code, text) = run(&[
        "history",
        "append",
        s(&round),
        s(&fin),
        "--year",
        "2025",
        "--replace-log",
        s(&log),
        "--to",
        s(&hist),
    ]);
    assert_eq!(code, 0, "{text}");
    let records = read_history_file(&hist).unwrap();
    let declined: Vec<(String, String)> = records
        .iter()
        .filter(|r| r.outcome == panels::history::Outcome::Declined)
        .map(|r| {
            (
                r.application.clone().unwrap().to_string(),
                r.expert.to_string(),
            )
        })
        .collect();
    // The declined pair, and one declined record per panel the withdrawn
    // expert was taken off.
    assert!(
        declined.contains(&(a0.to_string(), e0.to_string())),
        "{declined:?}"
    );
    assert_eq!(
        declined.iter().filter(|(_, e)| *e == gone).count(),
        seats_of_gone,
        "{declined:?}"
    );
    assert_eq!(declined.len(), 1 + seats_of_gone);
    assert_eq!(records.len() - declined.len(), 24 * 3, "every final pair");
    // One sheet, the history table.
    let sheets = panels::io::xlsx::read_xlsx_tables(&std::fs::read(&hist).unwrap()).unwrap();
    assert_eq!(sheets.len(), 1);
    assert_eq!(
        panels::io::office::table_of_sheet(&sheets[0].0),
        Some(panels::io::office::TableKind::History)
    );

    // Appending the same round again is refused, the workbook untouched.
    let before = std::fs::read(&hist).unwrap();
    let again = run(&[
        "history",
        "append",
        s(&round),
        s(&fin),
        "--year",
        "2025",
        "--to",
        s(&hist),
    ]);
    assert_eq!(again.0, 2, "{}", again.1);
    assert_eq!(std::fs::read(&hist).unwrap(), before);

    // The sheet loads as the history of next year's workbook.
    let mut next = base_round();
    next.policy.year = Some(2026);
    let book = dir.join("round2026.xlsx");
    workbook_with_history(&next, &hist, &book);
    let loaded = panels::io::load_instance(&book).expect("next year's workbook loads");
    assert_eq!(loaded.history.records, records);
    let counts = panels::eligibility::Eligibility::compute(&loaded).conflict_counts(&loaded);
    assert!(
        counts
            .get(&panels::eligibility::ConflictKind::Repeat)
            .copied()
            .unwrap_or(0)
            > 0
    );
}

#[test]
fn replace_logs_of_another_format_or_instance_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let round = write_round(dir, 2025, None);
    let solved = dir.join("p.json");
    assert_eq!(run(&["solve", s(&round), "--out", s(&solved)]).0, 0);
    let file = read_json(&solved);
    let decline = format!(
        "{}:{}",
        file["panels"][0]["application"].as_str().unwrap(),
        file["panels"][0]["experts"][0].as_str().unwrap()
    );
    let (fin, log) = (dir.join("f.json"), dir.join("r.json"));
    let (code, text) = run(&[
        "replace",
        s(&round),
        s(&solved),
        "--decline",
        &decline,
        "--out",
        s(&fin),
        "--log",
        s(&log),
    ]);
    assert_eq!(code, 0, "{text}");
    let mut v = read_json(&log);
    let hist = dir.join("h.csv");
    for (what, edit) in [
        ("format", serde_json::json!("panels-replace/1")),
        ("input_sha256", serde_json::json!("0".repeat(64))),
    ] {
        let original = v[what].clone();
        v[what] = edit;
        let bad = dir.join(format!("bad-{what}.json"));
        std::fs::write(&bad, serde_json::to_vec(&v).unwrap()).unwrap();
        v[what] = original;
        let (code, text) = run(&[
            "history",
            "append",
            s(&round),
            s(&fin),
            "--year",
            "2025",
            "--replace-log",
            s(&bad),
            "--to",
            s(&hist),
        ]);
        assert_eq!(code, 2, "{what}: {text}");
        assert!(
            text.contains(if what == "format" {
                "panels-replace/2"
            } else {
                "another instance"
            }),
            "{text}"
        );
        assert!(!hist.exists(), "nothing written");
    }
}

/// `draw` and `replace` on a generated round whose repeats are priced
/// (`repeat_penalty`, with panels that seat repeating pairs): the objective
/// each writes is scores less penalties, as `solve` optimises it and
/// `verify` recomputes it, so both succeed and their files verify.
#[test]
fn draw_and_replace_price_repeats_like_solve() {
    use panels::eligibility::Eligibility;
    let cfg = GenConfig {
        applications: 6,
        experts: 15,
        programmes: 2,
        years: 3,
        seed: 5,
        ..panels::generate::preset("tiny").unwrap()
    };
    let inst = generate(&cfg);
    assert!(inst.policy.repeat_penalty.is_some_and(|p| p > 0.0));
    let tmp = tempfile::tempdir().unwrap();
    let round = tmp.path().join("round.json");
    write_instance(&inst, &round, InstanceFormat::Bundle).unwrap();
    let solved = tmp.path().join("solved.json");
    let (code, text) = run(&["solve", s(&round), "--out", s(&solved)]);
    assert_eq!(code, 0, "{text}");
    let file = read_json(&solved);
    let elig = Eligibility::compute(&inst);
    let seated: Vec<(panels::model::AppIx, panels::model::ExpertIx)> = file["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            let a = inst.app_by_id(p["application"].as_str().unwrap()).unwrap();
            let inst = &inst;
            p["experts"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |e| (a, inst.expert_by_id(e.as_str().unwrap()).unwrap()))
        })
        .collect();
    let priced = seated
        .iter()
        .filter(|&&(a, e)| elig.pays_penalty(a, e))
        .count();
    assert!(priced > 0, "the optimum seats a repeating pair");
    let first = &file["panels"][0];
    let decline = format!(
        "{}:{}",
        first["application"].as_str().unwrap(),
        first["experts"][0].as_str().unwrap()
    );
    let fin = tmp.path().join("final.json");
    let log = tmp.path().join("replace.json");
    let (code, text) = run(&[
        "replace",
        s(&round),
        s(&solved),
        "--decline",
        &decline,
        "--out",
        s(&fin),
        "--log",
        s(&log),
    ]);
    assert_eq!(code, 0, "replace: {text}");
    let drawn = tmp.path().join("drawn.json");
    let draw_log = tmp.path().join("draw.json");
    let (code, text) = run(&["draw", s(&round), "--out", s(&drawn), "--log", s(&draw_log)]);
    assert_eq!(code, 0, "draw: {text}");
    for out in [&fin, &drawn] {
        let (code, text) = run(&["verify", s(&round), s(out)]);
        assert_eq!(code, 0, "{}: {text}", out.display());
    }
}

/// A solved 2024 round in `dir`: the round's CSV directory and its panels.
/// A JSON file of the test's (panels, log, bundle) as a value.
fn read_json(path: impl AsRef<Path>) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn solved_round(dir: &Path) -> (PathBuf, PathBuf) {
    let round = write_round(dir, 2024, None);
    let solved = dir.join("p.json");
    let (code, text) = run(&["solve", s(&round), "--out", s(&solved)]);
    assert_eq!(code, 0, "{text}");
    (round, solved)
}

/// `history append` of the 2024 round as round `rnd` to `to`, notes
/// shown.
fn append_to(round: &Path, panels: &Path, rnd: &str, to: &Path) -> (i32, String) {
    let out = bin()
        .args([
            "history",
            "append",
            s(round),
            s(panels),
            "--year",
            "2024",
            "--round",
            rnd,
            "--to",
            s(to),
        ])
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The text of `bytes` around its `history` list: (before, after).
fn around_history(bytes: &[u8]) -> (String, String) {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let start = text.find("\"history\": [").unwrap() + "\"history\": ".len();
    // The list ends at the first `]` that closes valid JSON.
    let close = text[start..]
        .match_indices(']')
        .map(|(i, _)| start + i + 1)
        .find(|&e| serde_json::from_str::<serde_json::Value>(&text[start..e]).is_ok())
        .unwrap();
    (text[..start].to_string(), text[close..].to_string())
}

#[test]
fn appending_to_a_bundle_keeps_every_other_key_and_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (round, solved) = solved_round(dir);
    // Next year's round as a bundle with an empty history list.
    let mut next = base_round();
    next.policy.year = Some(2025);
    next.history.given = true;
    let bundle = dir.join("next.json");
    write_instance(&next, &bundle, InstanceFormat::Bundle).unwrap();
    let before = std::fs::read(&bundle).unwrap();
    let (code, text) = append_to(&round, &solved, "spring", &bundle);
    assert_eq!(code, 0, "{text}");
    let after = std::fs::read(&bundle).unwrap();
    assert_eq!(around_history(&after), around_history(&before));
    let (code, text) = append_to(&round, &solved, "autumn", &bundle);
    assert_eq!(code, 0, "{text}");
    let twice = std::fs::read(&bundle).unwrap();
    assert_eq!(around_history(&twice), around_history(&before));
    // Every key but history holds what it held.
    let (old, new): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&before).unwrap(),
        serde_json::from_slice(&twice).unwrap(),
    );
    for (k, v) in old.as_object().unwrap() {
        if k != "history" {
            assert_eq!(&new[k], v, "{k}");
        }
    }
    assert_eq!(new["history"].as_array().unwrap().len(), 2 * 24 * 3);
    // The bundle loads, with the records as its history, and solves.
    let inst = panels::io::load_instance(&bundle).unwrap();
    assert_eq!(inst.history.records.len(), 2 * 24 * 3);
    assert_eq!(inst.history.records[0].round.as_deref(), Some("spring"));
    let out = dir.join("p2025.json");
    let (code, text) = run(&["solve", s(&bundle), "--out", s(&out)]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&["verify", s(&bundle), s(&out)]);
    assert_eq!(code, 0, "{text}");

    // A bare object: its other keys stay, byte for byte.
    let small = dir.join("small.json");
    std::fs::write(&small, "{\"history\": [], \"policy\": {}}\n").unwrap();
    let (code, text) = append_to(&round, &solved, "spring", &small);
    assert_eq!(code, 0, "{text}");
    let t = std::fs::read_to_string(&small).unwrap();
    assert!(t.starts_with("{\"history\": [\n  {\"year\":2024,"), "{t}");
    assert!(t.ends_with("}\n], \"policy\": {}}\n"), "{t}");
    assert_eq!(read_history_file(&small).unwrap().len(), 24 * 3);
}

#[test]
fn appending_to_a_table_keeps_its_header_and_the_offices_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (round, solved) = solved_round(dir);
    // An English table with a notes column, a Chinese one with 备注 (not a
    // history column: the office's own). Known columns the new records
    // need (round, application, team; not programme: the round has none)
    // are added in the header's language.
    let cases = [
        (
            "en.csv",
            "year,institution,expert,outcome,notes\n2023,U1,E0001,reviewed,late report\n",
            "year,institution,expert,outcome,notes,round,application,team\n",
            "2023,U1,E0001,reviewed,late report,,,\n",
        ),
        (
            "zh.csv",
            "年份,单位,专家,结果,备注\n2023,U1,E0001,已评审,迟交\n",
            "年份,单位,专家,结果,备注,轮次,项目编号,团队成员\n",
            "2023,U1,E0001,已评审,迟交,,,\n",
        ),
    ];
    for (name, text, header, first) in cases {
        let hist = dir.join(name);
        std::fs::write(&hist, text).unwrap();
        let (code, out) = append_to(&round, &solved, "spring", &hist);
        assert_eq!(code, 0, "{name}: {out}");
        let kept = if name == "en.csv" { "notes" } else { "备注" };
        assert!(
            out.contains(kept) && out.contains("history append writes them back"),
            "{name}: {out}"
        );
        let t = std::fs::read_to_string(&hist).unwrap();
        let t = t.trim_start_matches('\u{feff}');
        assert!(t.starts_with(&format!("{header}{first}")), "{name}:\n{t}");
        let records = read_history_file(&hist).unwrap();
        assert_eq!(records.len(), 1 + 24 * 3, "{name}");
        // New records leave the office's column empty.
        assert!(
            t.lines().skip(2).all(|l| l.split(',').nth(4) == Some("")),
            "{name}:\n{t}"
        );
        // Appending again keeps the column and its value.
        let (code, out) = append_to(&round, &solved, "autumn", &hist);
        assert_eq!(code, 0, "{name}: {out}");
        let again = std::fs::read_to_string(&hist).unwrap();
        assert!(again
            .trim_start_matches('\u{feff}')
            .starts_with(&format!("{header}{first}")));
        assert_eq!(read_history_file(&hist).unwrap().len(), 1 + 2 * 24 * 3);
    }

    // A workbook: its sheet name, Chinese header and 备注 column stay.
    use panels::io::xlsx::{read_xlsx_tables, tables_xlsx_bytes, Table, XCell};
    let hist = dir.join("h.xlsx");
    let t = |s: &str| XCell::Text(s.into());
    let table = Table {
        name: "评审记录".into(),
        header: ["年份", "单位", "专家", "结果", "备注"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: vec![vec![
            XCell::Number(2023.0),
            t("U1"),
            t("E0001"),
            t("已评审"),
            t("报告迟交"),
        ]],
    };
    std::fs::write(&hist, tables_xlsx_bytes(&hist, &[table]).unwrap()).unwrap();
    let (code, out) = append_to(&round, &solved, "spring", &hist);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("备注"), "{out}");
    let sheets = read_xlsx_tables(&std::fs::read(&hist).unwrap()).unwrap();
    assert_eq!(sheets.len(), 1);
    let (name, rows) = &sheets[0];
    assert_eq!(name, "评审记录");
    assert_eq!(
        rows[0][..5],
        ["年份", "单位", "专家", "结果", "备注"].map(String::from)
    );
    assert_eq!(rows[1][4], "报告迟交");
    assert_eq!(rows.len(), 2 + 24 * 3);
    assert!(rows[2].get(4).is_none_or(|c| c.is_empty()));
    assert_eq!(read_history_file(&hist).unwrap().len(), 1 + 24 * 3);

    // A workbook holding other sheets is refused, untouched.
    let inst = base_round();
    let both = dir.join("both.xlsx");
    workbook_with_history(&inst, &hist, &both);
    let before = std::fs::read(&both).unwrap();
    let (code, out) = append_to(&round, &solved, "autumn", &both);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("other sheets"), "{out}");
    assert_eq!(std::fs::read(&both).unwrap(), before);
}

#[test]
fn a_panels_file_that_is_not_the_rounds_whole_final_panels_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (round, solved) = solved_round(dir);
    let file = read_json(&solved);
    let a0 = file["panels"][0]["application"]
        .as_str()
        .unwrap()
        .to_string();
    let hist = dir.join("h.csv");
    std::fs::write(&hist, "year,institution,expert\n2023,U1,E0001\n").unwrap();
    let before = std::fs::read(&hist).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit, &[&str]); 3] = [
        (
            "twice",
            |f| {
                let p = f["panels"][0].clone();
                f["panels"].as_array_mut().unwrap().push(p);
            },
            &["has two panels"],
        ),
        (
            "expert-twice",
            |f| {
                let e = f["panels"][0]["experts"][0].clone();
                f["panels"][0]["experts"][1] = e;
            },
            &["listed twice on the panel of"],
        ),
        (
            "partial",
            |f| {
                f["panels"].as_array_mut().unwrap().truncate(20);
            },
            &["have no panel", "covers 20 of 24"],
        ),
    ];
    for (name, edit, parts) in edits {
        let mut f = file.clone();
        edit(&mut f);
        let p = dir.join(format!("{name}.json"));
        std::fs::write(&p, serde_json::to_vec(&f).unwrap()).unwrap();
        let (code, out) = append_to(&round, &p, "spring", &hist);
        assert_eq!(code, 2, "{name}: {out}");
        for part in parts.iter().chain(&[p.to_str().unwrap(), "panels verify"]) {
            assert!(out.contains(part), "{name}: {part:?} not in {out}");
        }
        if name != "partial" {
            assert!(out.contains(&a0), "{name}: {out}");
        }
        assert_eq!(std::fs::read(&hist).unwrap(), before, "{name}");
    }
}

#[test]
fn repeated_history_records_are_refused_naming_both_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut inst = base_round();
    inst.policy.year = Some(2025);
    let round = dir.join("r");
    write_instance(&inst, &round, InstanceFormat::CsvDir).unwrap();
    let e = inst.experts[0].id.clone();
    // One decline, typed twice (the second with a full-width id): under
    // max_declines 1 it would bar the expert.
    std::fs::write(
        round.join("history.csv"),
        format!(
            "year,round,application,institution,expert,outcome\n\
             2024,spring,A1,U1,{e},declined\n\
             2024,spring,A2,U1,{e},reviewed\n\
             2024,spring,Ａ1,U1,{e},declined\n\
             2024,,,U1,{e},reviewed\n\
             2024,,,U1,{e},reviewed\n"
        ),
    )
    .unwrap();
    let out = dir.join("p.json");
    let (code, text) = run(&["solve", s(&round), "--out", s(&out)]);
    assert_eq!(code, 2, "{text}");
    for part in [
        "history.csv",
        "row 4",
        "repeats row 2",
        "application A1",
        &e,
        "delete one",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    assert!(
        !text.contains("row 6"),
        "records without an application are not compared: {text}"
    );
    assert!(!out.exists());
    // The same in a JSON history file read for appending.
    let h = dir.join("h.json");
    std::fs::write(
        &h,
        format!(
            "[{{\"year\":2024,\"application\":\"A1\",\"institution\":\"U1\",\"expert\":\"{e}\"}},\n\
             {{\"year\":2024,\"application\":\"A1\",\"institution\":\"U1\",\"expert\":\"{e}\"}}]"
        ),
    )
    .unwrap();
    let m = read_history_file(&h).unwrap_err().to_string();
    assert!(
        m.contains("history[1]") && m.contains("repeats history[0]"),
        "{m}"
    );
}

/// The most years of history `generate` writes still give rounds that
/// solve (every history rule on), and one year more is refused.
#[test]
fn the_longest_generated_history_still_solves() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_panels"))
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let most = panels::generate::history::MAX_YEARS.to_string();
    for (preset, seed) in [("guanggu", "1"), ("guanggu", "2"), ("tiny", "3")] {
        let o = run(&[
            "-q",
            "generate",
            "--preset",
            preset,
            "--seed",
            seed,
            "--years",
            &most,
            "--programmes",
            "2",
            "--out",
            "r.json",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = run(&["-q", "solve", "r.json", "--out", "p.json"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{preset} {seed}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let more = (panels::generate::history::MAX_YEARS + 1).to_string();
    let o = run(&[
        "-q", "generate", "--preset", "tiny", "--years", &more, "--out", "x.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("x.json").exists());
}

/// Appends started at once to one history file wait for each other: every
/// round lands (each append reads the file, adds its round and writes it
/// back, so without waiting the last writer would drop the others).
#[test]
fn concurrent_appends_to_one_history_file_keep_every_round() {
    let tmp = tempfile::tempdir().unwrap();
    let (round, solved) = solved_round(tmp.path());
    for name in ["h.csv", "h.json"] {
        let to = tmp.path().join(name);
        let labels: Vec<String> = (1..=6).map(|i| format!("r{i}")).collect();
        let children: Vec<_> = labels
            .iter()
            .map(|rnd| {
                bin()
                    .args([
                        "-q",
                        "history",
                        "append",
                        s(&round),
                        s(&solved),
                        "--year",
                        "2024",
                    ])
                    .args(["--round", rnd, "--to", s(&to)])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("starts")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let records = read_history_file(&to).expect("the history loads");
        let mut rounds: Vec<String> = records
            .iter()
            .filter_map(|r| r.round.as_ref().map(|x| x.to_string()))
            .collect();
        rounds.sort();
        rounds.dedup();
        assert_eq!(
            rounds, labels,
            "{name}: every appended round is in the file"
        );
    }
}

/// The panels file a replace log started from is not the round's final
/// panels: appended with that log, a declined expert would be recorded as
/// `reviewed` and the replacement left out. It is refused, naming the
/// file to give; the final panels append.
#[test]
fn the_panels_a_replace_log_started_from_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (round, solved) = solved_round(tmp.path());
    let panels = read_json(&solved);
    let first = &panels["panels"][0];
    let decline = format!(
        "{}:{}",
        first["application"].as_str().unwrap(),
        first["experts"][0].as_str().unwrap()
    );
    let fin = tmp.path().join("final.json");
    let log = tmp.path().join("replace-log.json");
    let (code, text) = run(&[
        "replace",
        s(&round),
        s(&solved),
        "--decline",
        &decline,
        "--out",
        s(&fin),
        "--log",
        s(&log),
    ]);
    assert_eq!(code, 0, "{text}");
    let to = tmp.path().join("h.csv");
    let append = |panels: &Path| {
        run(&[
            "history",
            "append",
            s(&round),
            s(panels),
            "--year",
            "2024",
            "--replace-log",
            s(&log),
            "--to",
            s(&to),
        ])
    };
    let (code, text) = append(&solved);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("started from") && text.contains("final panels"),
        "{text}"
    );
    assert!(!to.exists(), "a refused append writes nothing");
    let (code, text) = append(&fin);
    assert_eq!(code, 0, "{text}");
    let records = read_history_file(&to).unwrap();
    let (app, expert) = decline.split_once(':').unwrap();
    assert!(records.iter().any(|r| r.application.as_deref() == Some(app)
        && &*r.expert == expert
        && r.outcome == panels::history::Outcome::Declined));
}

/// Panels made for another version of the round are appended as they
/// are, with verify's one-line note.
#[test]
fn panels_of_another_version_of_the_round_are_noted() {
    let tmp = tempfile::tempdir().unwrap();
    let (round, solved) = solved_round(tmp.path());
    // Another version: the same round with one more (harmless) policy key.
    let policy = round.join("policy.json");
    let mut v = read_json(&policy);
    v["seed"] = serde_json::json!(12345);
    std::fs::write(&policy, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, text) = append_to(&round, &solved, "spring", &tmp.path().join("h.csv"));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("another version of the round"), "{text}");
}

/// 评分 (the usual word for a rating) heads the rating column of a
/// history table, as 评价 does: its ratings count for `min_rating`.
#[test]
fn a_history_column_headed_pingfen_is_the_rating() {
    let tmp = tempfile::tempdir().unwrap();
    let hist = tmp.path().join("h.csv");
    std::fs::write(
        &hist,
        "年份,单位,专家,结果,评分\n2023,U1,E0001,已评审,1\n2024,U1,E0001,已评审,2\n",
    )
    .unwrap();
    let records = read_history_file(&hist).expect("loads");
    let ratings: Vec<Option<f64>> = records.iter().map(|r| r.rating).collect();
    assert_eq!(ratings, vec![Some(1.0), Some(2.0)]);
}

/// The declined pairs of a history file, in file order.
fn declined_records(hist: &Path) -> Vec<(String, String)> {
    read_history_file(hist)
        .unwrap()
        .iter()
        .filter(|r| r.outcome == panels::history::Outcome::Declined)
        .map(|r| {
            (
                r.application.clone().unwrap().to_string(),
                r.expert.to_string(),
            )
        })
        .collect()
}

#[test]
fn history_append_takes_the_declines_the_final_panels_file_records() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (round, solved) = solved_round(dir);
    let file = read_json(&solved);
    let pair = |i: usize| {
        let p = &file["panels"][i];
        (
            p["application"].as_str().unwrap().to_string(),
            p["experts"][0].as_str().unwrap().to_string(),
        )
    };
    let (first, second) = (pair(0), pair(1));
    // Two replacements, one decline each: the second's panels file
    // records both.
    // One replacement from `from`, declining `decline` (APP:EXPERT, or an
    // expert who withdraws): its panels f{n}.json and log l{n}.json.
    let replace = |from: &Path, decline: &str, n: &str| {
        let out = dir.join(format!("f{n}.json"));
        let log = dir.join(format!("l{n}.json"));
        let (code, text) = run(&[
            "replace",
            s(&round),
            s(from),
            "--decline",
            decline,
            "--out",
            s(&out),
            "--log",
            s(&log),
        ]);
        assert_eq!(code, 0, "{text}");
        (out, log)
    };
    let step = |from: &Path, (a, e): &(String, String), n: u32| {
        replace(from, &format!("{a}:{e}"), &n.to_string())
    };
    let (f1, l1) = step(&solved, &first, 1);
    let (f2, l2) = step(&f1, &second, 2);
    let both = vec![first.clone(), second.clone()];
    let append = |panels: &Path, to: &Path, logs: &[&Path]| {
        let mut args = vec![
            "history",
            "append",
            s(&round),
            s(panels),
            "--year",
            "2024",
            "--to",
            s(to),
        ];
        for l in logs {
            args.extend(["--replace-log", s(l)]);
        }
        run(&args)
    };

    // Without a log, with the first only, with both: the same declines,
    // each once, and records alike in every field.
    let written: Vec<Vec<u8>> = [
        ("none.csv", vec![]),
        ("one.csv", vec![l1.as_path()]),
        ("all.csv", vec![l1.as_path(), l2.as_path()]),
    ]
    .iter()
    .map(|(name, logs)| {
        let to = dir.join(name);
        let (code, text) = append(&f2, &to, logs);
        assert_eq!(code, 0, "{name}: {text}");
        assert_eq!(declined_records(&to), both, "{name}");
        std::fs::read(&to).unwrap()
    })
    .collect();
    assert_eq!(written[0], written[2], "without a log and with both");
    assert_eq!(written[1], written[2], "with the first log and with both");

    // A log whose decline the panels file does not record (another
    // replacement of the first panels) is refused, nothing written.
    let third = pair(2);
    let (_, stray) = step(&solved, &third, 3);
    let refused = dir.join("refused.csv");
    let (code, text) = append(&f2, &refused, &[&l1, &stray]);
    assert_eq!(code, 2, "{text}");
    let (a3, e3) = &third;
    assert!(
        text.contains(&format!("{e3} declined {a3}")) && text.contains("l3.json"),
        "{text}"
    );
    assert!(!refused.exists());

    // An expert who withdrew: the panels file does not say which panels
    // they left, so without the log a note names them.
    let gone = file["panels"][3]["experts"][1]
        .as_str()
        .unwrap()
        .to_string();
    let (fw, lw) = replace(&f2, &gone, "w");
    let withdrawn = dir.join("withdrawn.csv");
    let out = bin()
        .args([
            "history",
            "append",
            s(&round),
            s(&fw),
            "--year",
            "2024",
            "--to",
            s(&withdrawn),
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!("expert {gone} withdrew from the round")),
        "{said}"
    );
    assert_eq!(declined_records(&withdrawn), both);
    let logged = dir.join("logged.csv");
    let (code, text) = append(&fw, &logged, &[&lw]);
    assert_eq!(code, 0, "{text}");
    let with_log = declined_records(&logged);
    assert!(with_log.iter().any(|(_, e)| *e == gone), "{with_log:?}");
    assert!(both.iter().all(|p| with_log.contains(p)), "{with_log:?}");
}

/// The README's yearly loop ("For people who script rounds"), as written.
fn readme_yearly_script() -> String {
    let readme = include_str!("../README.md");
    let from = readme
        .find("## For people who script rounds")
        .expect("the README's yearly script");
    let rest = &readme[from..];
    let start = rest.find("```sh\n").expect("its code block") + "```sh\n".len();
    let end = start + rest[start..].find("```").expect("the block's end");
    rest[start..end].to_string()
}

#[test]
fn the_readmes_yearly_script_runs_with_a_year_nobody_declined() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for year in [2024, 2025, 2026] {
        write_round(dir, year, None);
    }
    // 2024: a declined pair (the 2024 round has no history, so its
    // panels are the ones the loop will solve) and a withdrawal, one a
    // line; 2025: nobody declined (an empty file); 2026: a withdrawal.
    let scratch = dir.join("scratch.json");
    let (code, text) = run(&["solve", s(&dir.join("round2024")), "--out", s(&scratch)]);
    assert_eq!(code, 0, "{text}");
    let solved = read_json(&scratch);
    std::fs::remove_file(&scratch).unwrap();
    let first = &solved["panels"][0];
    let pair = format!(
        "{}:{}",
        first["application"].as_str().unwrap(),
        first["experts"][0].as_str().unwrap()
    );
    let inst = base_round();
    let (gone, later) = (&inst.experts[5].id, &inst.experts[9].id);
    std::fs::write(dir.join("declines2024.txt"), format!("{pair}\n{gone}\n")).unwrap();
    std::fs::write(dir.join("declines2025.txt"), "").unwrap();
    std::fs::write(dir.join("declines2026.txt"), format!("{later}\n")).unwrap();

    let bin_dir = Path::new(env!("CARGO_BIN_EXE_panels")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(readme_yearly_script())
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .expect("sh runs");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("nothing declined (--decline is empty)"),
        "{said}"
    );

    // 2025: the panels as solved, a log that records no change.
    let json = |name: &str| read_json(dir.join(name));
    assert_eq!(
        json("final2025.json")["panels"],
        json("panels2025.json")["panels"]
    );
    let log = json("replace2025.json");
    assert_eq!(log["pairs_changed"], 0, "{log}");
    assert_eq!(log["changes"], serde_json::json!([]), "{log}");
    assert_eq!(log["declined"], serde_json::json!([]), "{log}");
    // The log replays.
    let (code, text) = run(&["replace", "--replay", s(&dir.join("replace2025.json"))]);
    assert_eq!(code, 0, "{text}");

    // Every year is in the history; 2025 has no declined record, the
    // other years theirs.
    let records = read_history_file(&dir.join("history.csv")).unwrap();
    let declined = |year: i32| {
        records
            .iter()
            .filter(|r| r.year == year && r.outcome == panels::history::Outcome::Declined)
            .count()
    };
    for year in [2024, 2025, 2026] {
        let reviewed = records
            .iter()
            .filter(|r| r.year == year && r.outcome == panels::history::Outcome::Reviewed)
            .count();
        assert_eq!(reviewed, 24 * 3, "{year}");
    }
    assert!(declined(2024) >= 1, "{records:?}");
    assert_eq!(declined(2025), 0);
    check_across_years(&records);
}
