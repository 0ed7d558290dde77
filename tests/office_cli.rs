//! The officer's path end to end: `panels template` → fill → `solve` →
//! workbook; workbooks from `solve`, `draw`, `replace` and `export` in the
//! instance's language, with what invitation letters need; an instance
//! exported and read back is the same instance.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx};
use panels::io::xlsx::{read_xlsx_tables, tables_xlsx_bytes, Table, XCell};
use panels::model::Instance;

struct Sandbox(tempfile::TempDir);

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox(tempfile::tempdir().unwrap())
    }
    fn p(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    fn s(&self, name: &str) -> String {
        self.p(name).to_str().unwrap().to_string()
    }
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_panels"))
            .args(args)
            .current_dir(self.0.path())
            .output()
            .unwrap()
    }
    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .to_str()
        .unwrap()
        .to_string()
}

fn sheets(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    read_xlsx_tables(&std::fs::read(path).unwrap()).unwrap()
}

fn sheet<'a>(all: &'a [(String, Vec<Vec<String>>)], name: &str) -> &'a Vec<Vec<String>> {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

/// A small round to fill a template with, with two years of past
/// reviews (its history rules on).
fn small_round(seed: u64) -> Instance {
    let mut cfg = panels::generate::preset("tiny").unwrap();
    cfg.applications = 12;
    cfg.experts = 60;
    cfg.seed = seed;
    cfg.years = 2;
    panels::generate::generate(&cfg)
}

/// Fills a template: for each of its sheets, the template's own header
/// row, then the round's rows placed by header name (the office's extra
/// columns get an e-mail and a phone); the optional sheets the round does
/// not use keep only their header.
fn fill(template: &Path, round: &Instance, lang: panels::io::office::Lang) -> Vec<u8> {
    let filled =
        panels::io::xlsx::instance_xlsx_bytes_in(round, Path::new("x.xlsx"), lang).unwrap();
    let source = read_xlsx_tables(&filled).unwrap();
    let mut tables = Vec::new();
    for (name, rows) in sheets(template) {
        let header = rows[0].clone();
        let mut body: Vec<Vec<XCell>> = Vec::new();
        if let Some((_, src)) = source.iter().find(|(n, _)| *n == name) {
            for (i, r) in src[1..].iter().enumerate() {
                let row = header
                    .iter()
                    .map(|h| match src[0].iter().position(|x| x == h) {
                        Some(c) => XCell::from(r.get(c).map_or("", String::as_str)),
                        None if h == "邮箱" || h == "email" => {
                            XCell::from(format!("e{i}@example.cn"))
                        }
                        None if h == "电话" || h == "phone" => XCell::from(format!("027-{i:04}")),
                        None => XCell::Empty,
                    })
                    .collect();
                body.push(row);
            }
        } else if name == "说明" || name == "instructions" {
            body = rows[1..]
                .iter()
                .map(|r| r.iter().map(|c| XCell::from(c.as_str())).collect())
                .collect();
        }
        tables.push(Table {
            name,
            header,
            rows: body,
        });
    }
    tables_xlsx_bytes(Path::new("filled.xlsx"), &tables).unwrap()
}

#[test]
fn a_template_filled_in_solves_and_verifies() {
    use panels::io::office::Lang;
    for (lang, flag, sheet_names) in [
        (
            Lang::Zh,
            "zh",
            [
                "说明",
                "参数",
                "专家",
                "申报项目",
                "回避",
                "合作",
                "匹配度",
                "历史",
            ],
        ),
        (
            Lang::En,
            "en",
            [
                "instructions",
                "policy",
                "experts",
                "applications",
                "conflicts",
                "coauthorships",
                "affinity",
                "history",
            ],
        ),
    ] {
        let sb = Sandbox::new();
        sb.ok(&["template", "--out", "round.xlsx", "--lang", flag]);
        let t = sheets(&sb.p("round.xlsx"));
        let names: Vec<&str> = t.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, sheet_names);
        // The policy sheet lists the main rules with their values.
        assert!(t[1].1.len() > 5, "{:?}", t[1]);
        for (name, rows) in &t[2..] {
            assert_eq!(rows.len(), 2, "{name}: a header and one example row");
        }
        // The template as it stands is a round: one expert, one application.
        let inst = panels::io::load_instance(&sb.p("round.xlsx")).unwrap();
        assert_eq!((inst.experts.len(), inst.applications.len()), (1, 1));
        assert_eq!(inst.history.records.len(), 1, "one example past review");
        assert_eq!(
            inst.kept.experts.columns.len(),
            2,
            "e-mail and phone columns"
        );

        let round = small_round(7);
        assert!(!round.history.records.is_empty());
        std::fs::write(sb.p("filled.xlsx"), fill(&sb.p("round.xlsx"), &round, lang)).unwrap();
        let loaded = panels::io::load_instance(&sb.p("filled.xlsx")).unwrap();
        let mut without_kept = loaded.clone();
        without_kept.kept = Default::default();
        assert_eq!(without_kept, round, "{flag}");
        assert_eq!(loaded.kept.experts.columns.len(), 2);

        sb.ok(&["solve", "filled.xlsx", "--out", "panels.xlsx"]);
        sb.ok(&["verify", "filled.xlsx", "panels.xlsx"]);
        let out = sheets(&sb.p("panels.xlsx"));
        let by_expert = match lang {
            Lang::Zh => sheet(&out, "按专家"),
            Lang::En => sheet(&out, "by expert"),
        };
        let header = &by_expert[0];
        let wanted: &[&str] = match lang {
            Lang::Zh => &[
                "专家编号",
                "姓名",
                "邮箱",
                "电话",
                "项目编号",
                "项目名称",
                "申报单位",
                "项目城市",
                "匹配度",
            ],
            Lang::En => &[
                "expert",
                "name",
                "email",
                "phone",
                "application",
                "application_title",
                "application_institution",
                "application_city",
                "score",
            ],
        };
        for w in wanted {
            assert!(
                header.iter().any(|h| h == w),
                "{flag}: no column {w} in {header:?}"
            );
        }
        let col = |w: &str| header.iter().position(|h| h == w).unwrap();
        let mail = col(wanted[2]);
        assert!(by_expert[1..]
            .iter()
            .all(|r| r[mail].contains("@example.cn")));
        let title = col(wanted[5]);
        assert!(by_expert[1..].iter().all(|r| !r[title].is_empty()));
        // The city sheets' state columns speak the workbook's language.
        let state: &[&str] = match lang {
            Lang::Zh => &["已确认", "锁定"],
            Lang::En => &["confirmed", "locked"],
        };
        let city_sheets: Vec<&(String, Vec<Vec<String>>)> = out
            .iter()
            .filter(|(_, rows)| {
                rows.first()
                    .is_some_and(|h| h.iter().any(|c| c == state[0]))
            })
            .collect();
        assert!(
            !city_sheets.is_empty(),
            "{flag}: a city sheet with {state:?}"
        );
        for (name, rows) in city_sheets {
            assert!(rows[0].iter().any(|c| c == state[1]), "{flag} {name}");
            assert!(
                rows[0].iter().all(|c| c != "confirmed" && c != "locked") || lang == Lang::En,
                "{flag} {name}: {:?}",
                rows[0]
            );
        }
    }
}

/// The seed (and every count) is a number cell; ids are text cells.
#[test]
fn numbers_are_numbers_and_ids_stay_text() {
    let sb = Sandbox::new();
    sb.ok(&[
        "solve",
        &repo("instances/yangtze-office.xlsx"),
        "--out",
        "p.xlsx",
        "-q",
    ]);
    let mut wb: Xlsx<_> = calamine::open_workbook(sb.p("p.xlsx")).unwrap();
    let summary = wb.worksheet_range("汇总").unwrap();
    let seed = summary
        .rows()
        .find(|r| r[0] == Data::String("随机种子".into()))
        .unwrap();
    assert!(matches!(seed[1], Data::Float(x) if x == 2026.0), "{seed:?}");
    let by_expert = wb.worksheet_range("按专家").unwrap();
    let second = by_expert.rows().nth(1).unwrap();
    assert!(matches!(&second[0], Data::String(s) if s.starts_with('E')));
    assert!(
        matches!(second[4], Data::Float(_)),
        "load is a number: {second:?}"
    );
}

#[test]
fn workbooks_speak_the_instances_language_unless_told() {
    let sb = Sandbox::new();
    let zh = repo("instances/yangtze-office.xlsx");
    let en = repo("instances/yangtze.json");
    sb.ok(&["solve", &zh, "--out", "zh.xlsx", "-q"]);
    sb.ok(&["solve", &en, "--out", "en.xlsx", "-q"]);
    sb.ok(&["solve", &en, "--out", "forced.xlsx", "--lang", "zh", "-q"]);
    let first = |p: &str| sheets(&sb.p(p))[0].0.clone();
    assert_eq!(first("zh.xlsx"), "汇总");
    assert_eq!(first("en.xlsx"), "summary");
    assert_eq!(first("forced.xlsx"), "汇总");
    // Every panels workbook reads back wherever panels are read.
    sb.ok(&["verify", &en, "forced.xlsx"]);
    sb.ok(&["export", &en, "forced.xlsx", "--out", "again.json"]);
    // (A workbook carries no certificate, so neither does its export.)
    sb.ok(&["verify", &en, "again.json"]);
}

#[test]
fn the_applicants_export_speaks_the_rounds_language_unless_told() {
    let sb = Sandbox::new();
    let zh = repo("instances/yangtze-office.xlsx");
    let en = repo("instances/yangtze.json");
    sb.ok(&["solve", &zh, "--out", "zh.json", "-q"]);
    sb.ok(&["solve", &en, "--out", "en.json", "-q"]);
    let chinese = [
        "项目编号",
        "项目名称",
        "项目城市",
        "评审组代码",
        "评审专家数",
        "外地专家数",
        "应有外地专家数",
    ];
    let english = [
        "application",
        "title",
        "city",
        "panel_code",
        "panel_size",
        "reviewers_from_other_cities",
        "required_from_other_cities",
    ];
    // (round, panels, --lang flags, sheet, header)
    type Case<'a> = (&'a str, &'a str, &'a [&'a str], &'a str, &'a [&'a str]);
    let cases: [Case; 5] = [
        (&zh, "zh.json", &[], "申报方", &chinese),
        (&zh, "zh.json", &["--lang", "zh"], "申报方", &chinese),
        (&zh, "zh.json", &["--lang", "en"], "applicants", &english),
        (&en, "en.json", &[], "applicants", &english),
        (&en, "en.json", &["--lang", "zh"], "申报方", &chinese),
    ];
    for (i, (round, panels, lang, sheet_name, header)) in cases.iter().enumerate() {
        let out = format!("anon{i}.xlsx");
        let mut args = vec!["export", round, panels, "--anonymous", "--out", &out, "-q"];
        args.extend_from_slice(lang);
        sb.ok(&args);
        let all = sheets(&sb.p(&out));
        assert_eq!(all.len(), 1, "{lang:?}");
        assert_eq!(all[0].0, *sheet_name, "{lang:?}");
        assert_eq!(all[0].1[0], *header, "{lang:?}");
        // The CSV form has the same header.
        let csv = format!("anon{i}.csv");
        let mut args = vec!["export", round, panels, "--anonymous", "--out", &csv, "-q"];
        args.extend_from_slice(lang);
        sb.ok(&args);
        let text = std::fs::read_to_string(sb.p(&csv)).unwrap();
        let first = text.trim_start_matches('\u{feff}').lines().next().unwrap();
        assert_eq!(first, header.join(","), "{lang:?}");
    }
}

/// A small Chinese round whose sheets carry office columns: 电话 on the
/// experts, 联系人 on the applications.
fn round_with_office_columns() -> Vec<u8> {
    let t = |name: &str, header: &[&str], rows: &[&[&str]]| Table {
        name: name.into(),
        header: header.iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| XCell::from(*c)).collect())
            .collect(),
    };
    let tables = [
        t("参数", &["参数", "值"], &[&["panel_size", "2"]]),
        t(
            "专家",
            &["专家编号", "姓名", "城市", "工作单位", "电话"],
            &[
                &["E1", "李伟", "武汉", "武汉大学", "027-1"],
                &["E2", "王芳", "长沙", "中南大学", "0731-2"],
                &["E3", "张强", "合肥", "中国科学技术大学", ""],
            ],
        ),
        t(
            "申报项目",
            &["项目编号", "项目名称", "城市", "申报单位", "联系人"],
            &[
                &["A1", "光子传感", "武汉", "华中科技大学", "王老师"],
                &["A2", "储能材料", "长沙", "湖南大学", "李老师"],
            ],
        ),
    ];
    tables_xlsx_bytes(Path::new("round.xlsx"), &tables).unwrap()
}

#[test]
fn kept_application_columns_are_shown_where_the_note_says() {
    let sb = Sandbox::new();
    std::fs::write(sb.p("round.xlsx"), round_with_office_columns()).unwrap();
    let out = sb.ok(&["solve", "round.xlsx", "--out", "panels.xlsx"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "column(s) E \"联系人\" are not used by the program; kept with each application: \
             shown on the city sheets and the reviewer sheet of panels workbooks"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("column(s) E \"电话\" are not used by the program; kept with each expert: shown on the reviewer sheet of panels workbooks"),
        "{stderr}"
    );
    let all = sheets(&sb.p("panels.xlsx"));
    for (city, contact) in [("武汉", "王老师"), ("长沙", "李老师")] {
        let rows = sheet(&all, city);
        assert_eq!(
            rows[0][..5],
            ["项目编号", "项目名称", "单位", "联系人", "评审专家数"],
            "{city}"
        );
        assert_eq!(rows[1][3], contact, "{city}");
    }
    let by = sheet(&all, "按专家");
    let h = &by[0];
    let at = |name: &str| h.iter().position(|c| c == name).unwrap();
    assert_eq!(at("联系人") + 1, at("匹配度"), "{h:?}");
    assert_eq!(at("电话") + 1, at("项目编号"), "{h:?}");
    for row in &by[1..] {
        let want = if row[at("项目编号")] == "A1" {
            "王老师"
        } else {
            "李老师"
        };
        assert_eq!(row[at("联系人")], want, "{row:?}");
    }
    // The workbook still reads back as the panels it shows.
    let (again, solved) = panels_workbook_read_back(&sb);
    assert_eq!(again["panels"], solved["panels"]);
}

/// `round.xlsx` solved to JSON, and its `panels.xlsx` verified and
/// exported back to JSON: (the export, the solve).
fn panels_workbook_read_back(sb: &Sandbox) -> (serde_json::Value, serde_json::Value) {
    sb.ok(&["solve", "round.xlsx", "--out", "panels.json", "-q"]);
    sb.ok(&["verify", "round.xlsx", "panels.xlsx"]);
    sb.ok(&[
        "export",
        "round.xlsx",
        "panels.xlsx",
        "--out",
        "again.json",
        "-q",
    ]);
    let json = |p: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(sb.p(p)).unwrap()).unwrap()
    };
    (json("again.json"), json("panels.json"))
}

#[test]
fn a_kept_column_named_like_a_panels_column_does_not_confuse_the_reader() {
    // The office's own 已确认 column on the applications sheet sits
    // before the panel's columns; the marks are read from the panel's.
    let sb = Sandbox::new();
    let bytes = round_with_office_columns();
    let mut all = read_xlsx_tables(&bytes).unwrap();
    for (name, rows) in &mut all {
        if name == "申报项目" {
            rows[0].push("已确认".to_string());
            rows[1].push("是".to_string());
            rows[2].push("是".to_string());
        }
    }
    let tables: Vec<Table> = all
        .into_iter()
        .map(|(name, rows)| Table {
            name,
            header: rows[0].clone(),
            rows: rows[1..]
                .iter()
                .map(|r| r.iter().map(|c| XCell::from(c.as_str())).collect())
                .collect(),
        })
        .collect();
    std::fs::write(
        sb.p("round.xlsx"),
        tables_xlsx_bytes(Path::new("round.xlsx"), &tables).unwrap(),
    )
    .unwrap();
    sb.ok(&["solve", "round.xlsx", "--out", "panels.xlsx", "-q"]);
    let (again, solved) = panels_workbook_read_back(&sb);
    assert_eq!(again["panels"], solved["panels"]);
    assert_eq!(again["confirmed"], solved["confirmed"]);
    assert!(again["confirmed"].as_array().is_none_or(Vec::is_empty));
}

#[test]
fn draw_and_replace_write_workbooks() {
    let sb = Sandbox::new();
    let zh = repo("instances/yangtze-office.xlsx");
    sb.ok(&["draw", &zh, "--out", "d.xlsx", "--log", "d.json", "-q"]);
    sb.ok(&["verify", &zh, "d.xlsx"]);
    assert_eq!(sheets(&sb.p("d.xlsx"))[0].0, "汇总");
    let json = sb.s("p.json");
    sb.ok(&["solve", &zh, "--out", &json, "-q"]);
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.p("p.json")).unwrap()).unwrap();
    let app = file["panels"][0]["application"]
        .as_str()
        .unwrap()
        .to_string();
    let ex = file["panels"][0]["experts"][0]
        .as_str()
        .unwrap()
        .to_string();
    // Ids typed with a full-width letter and a trailing space still match.
    let typed = format!("{}:{} ", app.replacen('A', "Ａ", 1), ex);
    sb.ok(&[
        "replace",
        &zh,
        "p.json",
        "--decline",
        &typed,
        "--out",
        "r.xlsx",
        "--log",
        "r.json",
        "--lang",
        "en",
        "-q",
    ]);
    sb.ok(&["verify", &zh, "r.xlsx"]);
    assert_eq!(sheets(&sb.p("r.xlsx"))[0].0, "summary");
}

#[test]
fn an_exported_instance_reads_back_the_same() {
    let sb = Sandbox::new();
    for (input, out, lang) in [
        (repo("instances/yangtze.json"), "y-zh.xlsx", "zh"),
        (repo("instances/yangtze.json"), "y-en.xlsx", "en"),
        (repo("instances/yangtze-office.xlsx"), "o.json", "en"),
        (repo("instances/yangtze-office-gbk"), "g.xlsx", "zh"),
    ] {
        sb.ok(&["export", &input, "--out", out, "--lang", lang, "-q"]);
        let a = panels::io::load_instance(Path::new(&input)).unwrap();
        let b = panels::io::load_instance(&sb.p(out)).unwrap();
        assert_eq!(a, b, "{input} → {out}");
    }
    // Export refuses to write over its input.
    let copy = sb.p("in.xlsx");
    std::fs::copy(repo("instances/yangtze-office.xlsx"), &copy).unwrap();
    let out = sb.run(&["export", "in.xlsx", "--out", "in.xlsx"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The template never overwrites a file (a filled-in round) unless told
/// to with `--force`.
#[test]
fn template_refuses_an_existing_file_without_force() {
    let sb = Sandbox::new();
    std::fs::write(sb.p("2026.xlsx"), b"filled in").unwrap();
    let out = sb.run(&["template", "--out", "2026.xlsx"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2026.xlsx exists; give another name, or --force to overwrite it"),
        "{err}"
    );
    assert_eq!(std::fs::read(sb.p("2026.xlsx")).unwrap(), b"filled in");
    sb.ok(&["template", "--out", "2026.xlsx", "--force"]);
    assert!(!sheets(&sb.p("2026.xlsx")).is_empty());
}

#[test]
fn template_refuses_other_extensions() {
    let sb = Sandbox::new();
    let out = sb.run(&["template", "--out", "round.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!sb.p("round.csv").exists());
}

/// Ids in a hand-edited panels file (json, csv, xlsx) typed with a
/// trailing space, a full-width space or a zero-width character are read
/// in their normal form, with a note naming them: the file verifies.
#[test]
fn ids_in_hand_edited_panels_files_are_normalised_with_a_note() {
    let sb = Sandbox::new();
    let round = repo("instances/tiny/outside_city.json");
    for out in ["p.json", "p.csv", "p.xlsx"] {
        sb.ok(&["solve", &round, "--out", out, "-q"]);
    }
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.p("p.json")).unwrap()).unwrap();
    let app = file["panels"][0]["application"].as_str().unwrap();
    let ex = file["panels"][0]["experts"][0].as_str().unwrap();
    let typed_app = format!("{app} ");
    let typed_ex = format!("\u{3000}{ex}\u{200B}");
    // JSON.
    let text = std::fs::read_to_string(sb.p("p.json")).unwrap();
    let text = text
        .replacen(
            &format!("\"application\": \"{app}\""),
            &format!("\"application\": {typed_app:?}"),
            1,
        )
        .replacen(&format!("\"{ex}\""), &format!("\"{typed_ex}\""), 1);
    assert!(text.contains(&typed_ex));
    std::fs::write(sb.p("e.json"), text).unwrap();
    // CSV.
    let text = std::fs::read_to_string(sb.p("p.csv")).unwrap();
    let text = text.replacen(
        &format!("\n{app},{ex},"),
        &format!("\n{typed_app},{typed_ex},"),
        1,
    );
    assert!(text.contains(&typed_ex));
    std::fs::write(sb.p("e.csv"), text).unwrap();
    // Workbook: every sheet rewritten as text, one id retyped.
    let retyped = std::cell::Cell::new(0);
    rewrite_panels(
        &sb.p("p.xlsx"),
        &sb.p("e.xlsx"),
        &|h| h.to_string(),
        &|sheet, _, _, cell| {
            if cell == ex && retyped.get() == 0 && sheet != "by expert" && sheet != "按专家" {
                retyped.set(1);
                typed_ex.clone()
            } else {
                cell
            }
        },
    );
    assert_eq!(retyped.get(), 1);
    for (edited, noted) in [("e.json", true), ("e.csv", false), ("e.xlsx", true)] {
        let out = sb.ok(&["verify", &round, edited]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.contains("read without their extra spaces"),
            noted,
            "{edited}: {err}"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stdout.contains("edited after solving"),
            "{edited}: {stdout}"
        );
    }
}

/// The panels workbook rewritten as text, with `header_edit` applied to
/// every header cell and `edit(sheet, data row from 0, column header,
/// cell)` to every other cell.
fn rewrite_panels(
    path: &Path,
    out: &Path,
    header_edit: &dyn Fn(&str) -> String,
    edit: &dyn Fn(&str, usize, &str, String) -> String,
) {
    let tables: Vec<Table> = sheets(path)
        .into_iter()
        .map(|(name, rows)| {
            let mut rows = rows.into_iter();
            let header = rows.next().unwrap_or_default();
            let rows = rows
                .enumerate()
                .map(|(r, mut row)| {
                    // Empty cells at the end of a row are not read back.
                    if row.len() < header.len() {
                        row.resize(header.len(), String::new());
                    }
                    row.into_iter()
                        .enumerate()
                        .map(|(c, cell)| {
                            let h = header.get(c).map_or("", String::as_str);
                            XCell::from(edit(&name, r, h, cell))
                        })
                        .collect()
                })
                .collect();
            let header = header.iter().map(|h| header_edit(h)).collect();
            Table { name, header, rows }
        })
        .collect();
    std::fs::write(out, tables_xlsx_bytes(out, &tables).unwrap()).unwrap();
}

/// Marks in the workbook's `confirmed` column (header in any letter case):
/// the ticks offices type lock with `--lock-confirmed`; a mark the program
/// does not understand is an error naming sheet, row and column, never a
/// silent "not confirmed".
#[test]
fn confirmed_marks_are_read_or_refused_never_ignored() {
    let sb = Sandbox::new();
    let round = repo("instances/yangtze.json");
    sb.ok(&["solve", &round, "--out", "p.xlsx", "-q"]);
    let first_sheet = sheets(&sb.p("p.xlsx"))[1].0.clone();
    for (mark, ok) in [
        ("✔", true),
        ("是", true),
        ("ｙｅｓ", true),
        ("maybe", false),
    ] {
        let capital = |h: &str| {
            if h == "confirmed" {
                "Confirmed".to_string()
            } else {
                h.to_string()
            }
        };
        rewrite_panels(
            &sb.p("p.xlsx"),
            &sb.p("m.xlsx"),
            &capital,
            &|sheet, r, h, cell| {
                if sheet == first_sheet && r == 0 && h == "confirmed" {
                    mark.to_string()
                } else {
                    cell
                }
            },
        );
        let out = sb.run(&["verify", &round, "m.xlsx"]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        if ok {
            assert_eq!(out.status.code(), Some(0), "{mark}: {err}");
            let file = panels::io::read_panels(&sb.p("m.xlsx")).unwrap();
            assert_eq!(file.confirmed.len(), 1, "{mark}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{mark}: {err}");
            assert!(
                err.contains(&format!("sheet {first_sheet} row 2"))
                    && err.contains("\"Confirmed\"")
                    && err.contains("maybe"),
                "{err}"
            );
        }
    }
}

/// Rewrites one entry of a zip archive (a workbook's sheet XML) by a
/// string replacement that must apply.
fn rezip(bytes: &[u8], entry: &str, from: &str, to: &str) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == entry {
            let text = String::from_utf8(data).unwrap();
            assert!(text.contains(from), "{entry} has no {from}");
            data = text.replace(from, to).into_bytes();
        }
        out.start_file(name, opts).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A workbook cell holding a formula with no saved value (written by a
/// program that does not calculate) is refused by sheet, row, column
/// letter and header, exit 2, nothing written — in both the forms such
/// programs write (no value element, an empty one); a formula with its
/// value saved reads as that value.
#[test]
fn formulas_without_saved_values_are_refused_by_cell() {
    let sb = Sandbox::new();
    let book = |formula_row: &[&str]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let policy = wb.add_worksheet().set_name("参数").unwrap();
        policy.write_row(0, 0, ["参数", "值"]).unwrap();
        policy.write_row(1, 0, ["panel_size", "1"]).unwrap();
        let experts = wb.add_worksheet().set_name("专家").unwrap();
        experts
            .write_row(0, 0, ["专家编号", "城市", "工作单位", "评审上限"])
            .unwrap();
        experts.write_row(1, 0, ["E1", "X", "I"]).unwrap();
        experts
            .write_formula(1, 3, rust_xlsxwriter::Formula::new("=1+2").set_result("3"))
            .unwrap();
        experts
            .write_row(2, 0, formula_row.iter().copied())
            .unwrap();
        let apps = wb.add_worksheet().set_name("申报项目").unwrap();
        apps.write_row(0, 0, ["项目编号", "城市", "申报单位"])
            .unwrap();
        apps.write_row(1, 0, ["A1", "Y", "J"]).unwrap();
        wb.save_to_buffer().unwrap()
    };
    // With the value saved: E1's 评审上限 is 3.
    let saved = book(&["E2", "Z", "K", "2"]);
    let inst =
        panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &saved).unwrap_or_else(|e| {
            panic!("{e}");
        });
    assert_eq!(inst.experts[0].max_load, Some(3));
    for unsaved in ["<f>1+2</f>", "<f>1+2</f><v/>", "<f>1+2</f><v></v>"] {
        let bytes = rezip(
            &saved,
            "xl/worksheets/sheet2.xml",
            "<f>1+2</f><v>3</v>",
            unsaved,
        );
        std::fs::write(sb.p("f.xlsx"), &bytes).unwrap();
        let out = sb.run(&["solve", "f.xlsx", "--out", "p.json"]);
        assert_eq!(out.status.code(), Some(2), "{unsaved}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "f.xlsx sheet 专家 row 2, field max_load (column D \"评审上限\"): has a formula \
                 with no saved value; open the file in Excel or WPS and save it again"
            ),
            "{unsaved}: {err}"
        );
        assert!(!sb.p("p.json").exists());
        let mem = panels::io::xlsx::load_xlsx_from_bytes(Path::new("f.xlsx"), &bytes)
            .unwrap_err()
            .to_string();
        assert!(
            mem.contains("sheet 专家 row 2, field max_load (column D \"评审上限\"): has a formula"),
            "{mem}"
        );
    }
    // A formula in a row of its own (the row reads as empty otherwise)
    // and in a column without a header are found too.
    let bytes = rezip(
        &book(&["E2", "Z", "K", "2"]),
        "xl/worksheets/sheet2.xml",
        "<f>1+2</f><v>3</v>",
        "<v>3</v>",
    );
    let bytes = rezip(
        &bytes,
        "xl/worksheets/sheet2.xml",
        "</sheetData>",
        r#"<row r="5"><c r="F5"><f>SUM(D2:D3)</f></c></row></sheetData>"#,
    );
    let err = panels::io::xlsx::load_xlsx_from_bytes(Path::new("f.xlsx"), &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sheet 专家 row 5: column F has a formula with no saved value"),
        "{err}"
    );
}

/// Dates, Excel errors and formulas without a saved value are refused
/// only where the program needs a value: above the header (a title row
/// dated 2026-12-06, a `=TODAY()` never calculated) they are skipped with
/// the title; in a kept column (an office's own 入库日期, 备注) they are
/// kept as the text Excel shows (`2020-01-04`, `#REF!`; an unsaved
/// formula as blank) with one note per column; in a column the program
/// reads, the error names the cell and its header.
#[test]
fn dates_and_errors_outside_the_read_columns_do_not_refuse_a_workbook() {
    let sb = Sandbox::new();
    let book = |load: Option<rust_xlsxwriter::ExcelDateTime>| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let policy = wb.add_worksheet().set_name("参数").unwrap();
        policy.write_row(0, 0, ["参数", "值"]).unwrap();
        policy.write_row(1, 0, ["panel_size", "1"]).unwrap();
        let experts = wb.add_worksheet().set_name("专家").unwrap();
        experts.write_string(0, 0, "2026年度专家库").unwrap();
        experts
            .write_datetime_with_format(
                0,
                2,
                rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 12, 6).unwrap(),
                &date_format,
            )
            .unwrap();
        experts
            .write_formula(0, 4, rust_xlsxwriter::Formula::new("=TODAY()"))
            .unwrap();
        experts
            .write_row(
                1,
                0,
                [
                    "专家编号",
                    "城市",
                    "工作单位",
                    "评审上限",
                    "入库日期",
                    "备注",
                    "合计",
                ],
            )
            .unwrap();
        for (r, id) in [(2u32, "E1"), (3, "E2")] {
            experts.write_row(r, 0, [id, "武汉", "I"]).unwrap();
            experts
                .write_datetime_with_format(
                    r,
                    4,
                    rust_xlsxwriter::ExcelDateTime::from_ymd(2020, 1, r as u8 + 1).unwrap(),
                    &date_format,
                )
                .unwrap();
            experts
                .write_formula(r, 6, rust_xlsxwriter::Formula::new("=1+2"))
                .unwrap();
        }
        if let Some(d) = load {
            experts
                .write_datetime_with_format(3, 3, d, &date_format)
                .unwrap();
        }
        experts.write_string(2, 5, "#REF!").unwrap();
        let apps = wb.add_worksheet().set_name("申报项目").unwrap();
        apps.write_row(0, 0, ["项目编号", "城市", "申报单位"])
            .unwrap();
        apps.write_row(1, 0, ["A1", "长沙", "J"]).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        // rust_xlsxwriter saves a formula's value as 0: take it out, as a
        // program that does not calculate writes it; and make the 备注 cell
        // an Excel error.
        let bytes = rezip_all(&bytes, "xl/worksheets/sheet2.xml", "<v>0</v>", "");
        let text = sheet_xml(&bytes, "xl/worksheets/sheet2.xml");
        let re = regex_cell(&text, "F3");
        rezip(
            &bytes,
            "xl/worksheets/sheet2.xml",
            &re,
            r#"<c r="F3" t="e"><v>#REF!</v></c>"#,
        )
    };
    let bytes = book(None);
    std::fs::write(sb.p("o.xlsx"), &bytes).unwrap();
    let out = sb.run(&["solve", "o.xlsx", "--out", "p.xlsx"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "column E \"入库日期\": 2 cell(s) (row 3, row 4) hold a date or time, kept as its text"
        ),
        "{err}"
    );
    assert!(
        err.contains("column F \"备注\": 1 cell(s) (row 3) hold an Excel error"),
        "{err}"
    );
    assert!(
        err.contains("column G \"合计\": 2 cell(s) (row 3, row 4) hold a formula with no saved value, kept empty"),
        "{err}"
    );
    let inst = panels::io::xlsx::load_xlsx_from_bytes(Path::new("o.xlsx"), &bytes).unwrap();
    assert_eq!(inst.kept.experts.get(0, "入库日期"), "2020-01-03");
    assert_eq!(inst.kept.experts.get(1, "入库日期"), "2020-01-04");
    assert_eq!(inst.kept.experts.get(0, "备注"), "#REF!");
    assert_eq!(inst.kept.experts.get(0, "合计"), "");
    // The reviewer sheet carries the date as the office typed it.
    let tables = read_xlsx_tables(&std::fs::read(sb.p("p.xlsx")).unwrap()).unwrap();
    let reviewers = &tables.last().unwrap().1;
    let col = reviewers[0].iter().position(|h| h == "入库日期").unwrap();
    assert!(
        reviewers[1..].iter().any(|r| r[col] == "2020-01-03"),
        "{reviewers:?}"
    );
    // A date where the program reads a number is refused by cell and header.
    let bytes = book(Some(
        rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 1, 6).unwrap(),
    ));
    std::fs::write(sb.p("d.xlsx"), &bytes).unwrap();
    let out = sb.run(&["solve", "d.xlsx", "--out", "q.json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "d.xlsx sheet 专家 row 4, field max_load (column D \"评审上限\"): holds a date or time"
        ),
        "{err}"
    );
    assert!(!sb.p("q.json").exists());
}

/// Every occurrence of `from` in one entry of a zip archive replaced.
fn rezip_all(bytes: &[u8], entry: &str, from: &str, to: &str) -> Vec<u8> {
    let text = sheet_xml(bytes, entry);
    assert!(text.contains(from), "{entry} has no {from}");
    rezip(bytes, entry, &text, &text.replace(from, to))
}

/// One entry of a zip archive as text.
fn sheet_xml(bytes: &[u8], entry: &str) -> String {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = archive.by_name(entry).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

/// The whole `<c r="REF" …>…</c>` element of one cell in a sheet's XML.
fn regex_cell(xml: &str, cell: &str) -> String {
    let start = xml.find(&format!("<c r=\"{cell}\"")).unwrap();
    let end = start + xml[start..].find("</c>").unwrap() + 4;
    xml[start..end].to_string()
}

/// A workbook is known by its bytes, not its name: an `.xlsx` saved as
/// `round.xls` (or `.xlsm`) loads as the workbook; an Excel 97–2003 file
/// (`.xls`, WPS `.et`) is refused with what to do (save it as .xlsx), not
/// read as a CSV or JSON file; exit 2, nothing written.
#[test]
fn a_workbook_is_known_by_its_bytes_and_an_old_xls_is_told_to_save_as_xlsx() {
    let sb = Sandbox::new();
    let book =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("instances/yangtze-office.xlsx"))
            .unwrap();
    for name in ["round.xls", "round.xlsm", "round"] {
        std::fs::write(sb.p(name), &book).unwrap();
        let out = sb.run(&["solve", name, "--out", "p.json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut old = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    old.resize(4096, 0);
    for name in ["old.xls", "old.et", "old.xlsx"] {
        std::fs::write(sb.p(name), &old).unwrap();
        let out = sb.run(&["solve", name, "--out", "q.json"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}: an Excel 97–2003 workbook (.xls)"))
                && err.contains("save it as an Excel workbook (.xlsx)"),
            "{name}: {err}"
        );
        assert!(!sb.p("q.json").exists());
    }
    // A panels file saved as Excel 97-2003 is told the same.
    std::fs::write(sb.p("round.xlsx"), &book).unwrap();
    std::fs::write(sb.p("panels.xlsx"), &old).unwrap();
    let out = sb.run(&["verify", "round.xlsx", "panels.xlsx"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("panels.xlsx: an Excel 97–2003 workbook (.xls)"),
        "{err}"
    );
}

/// A workbook saved with a password is an OLE2 file too (holding the
/// streams EncryptionInfo and EncryptedPackage): it is told to remove the
/// password, not to save as .xlsx (which keeps the password); as a round
/// and as a panels file; exit 2, nothing written.
#[test]
fn a_password_protected_workbook_is_told_to_remove_the_password() {
    let sb = Sandbox::new();
    let mut locked = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    locked.resize(1024, 0);
    for name in ["EncryptionInfo", "EncryptedPackage"] {
        locked.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
        locked.resize(locked.len() + 64, 0);
    }
    std::fs::write(sb.p("locked.xlsx"), &locked).unwrap();
    let out = sb.run(&["solve", "locked.xlsx", "--out", "q.json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("locked.xlsx: a workbook protected with a password")
            && err.contains("remove the password")
            && !err.contains("97–2003"),
        "{err}"
    );
    assert!(!sb.p("q.json").exists());
    let book =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("instances/yangtze-office.xlsx"))
            .unwrap();
    std::fs::write(sb.p("round.xlsx"), &book).unwrap();
    let out = sb.run(&["verify", "round.xlsx", "locked.xlsx"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("protected with a password"), "{err}");
}

/// `explain` prints the load's notes as every command does (a merged
/// spelling may be why an expert counts as same-city); `-q` silences them.
#[test]
fn explain_prints_the_load_notes() {
    let sb = Sandbox::new();
    let dir = sb.p("round");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("experts.csv"),
        "id,city,institution\nE1,武汉,U1\nE2,武汉 ,U2\nE3,长沙,U3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("applications.csv"),
        "id,city,institution\nA1,武汉,U9\n",
    )
    .unwrap();
    std::fs::write(dir.join("policy.json"), r#"{"panel_size": 1}"#).unwrap();
    let out = sb.ok(&["explain", "round", "--application", "A1", "--expert", "E2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("note: the city spellings"), "{err}");
    let out = sb.ok(&[
        "explain",
        "round",
        "--application",
        "A1",
        "--expert",
        "E2",
        "-q",
    ]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("note:"));
}
