//! Office tables: names as offices type them, Chinese and English sheet
//! and column names, title rows, kept columns, encodings, booleans and list
//! separators, the policy as key/value rows, near-typo refusals, and the
//! blank template, each loading to the same instance as a clean bundle.

use std::path::Path;

use panels::eligibility::Eligibility;
use panels::io::office::Lang;
use panels::io::panels::{PanelRecord, PanelsFile};
use panels::io::xlsx::{read_xlsx_tables, tables_xlsx_bytes, Table, XCell};
use panels::io::{
    load_bundle_from_bytes, load_bundle_noted, load_csv_from_bytes, load_csv_noted, CsvInput,
};
use panels::model::Instance;

// ------------------------------------------------------------ helpers

/// Solves and verifies; the panels.
fn solve_verified(inst: &Instance) -> PanelsFile {
    let elig = Eligibility::compute(inst);
    let solved = panels::solve::solve_with(inst, &elig, &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let file = panels::solve::panels_file(inst, &elig, &solved, String::new());
    let report = panels::verify::verify(inst, &file);
    assert!(report.is_ok(), "{}", report.render(inst));
    file
}

fn csv_input(files: &[(&str, String)]) -> CsvInput {
    let mut input = CsvInput::default();
    for (name, text) in files {
        assert!(input.set(name, text.as_bytes().to_vec()), "{name}");
    }
    input
}

fn load_csv(files: &[(&str, String)]) -> Instance {
    load_csv_from_bytes(Path::new("d"), &csv_input(files)).unwrap_or_else(|e| panic!("{e}"))
}

fn load_xlsx(tables: &[Table]) -> Instance {
    let bytes = tables_xlsx_bytes(Path::new("t.xlsx"), tables).unwrap();
    panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &bytes)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn text_row(cells: &[&str]) -> Vec<XCell> {
    cells.iter().map(|c| XCell::from(*c)).collect()
}

fn table(name: &str, header: &[&str], rows: &[&[&str]]) -> Table {
    Table {
        name: name.into(),
        header: header.iter().map(|s| s.to_string()).collect(),
        rows: rows.iter().map(|r| text_row(r)).collect(),
    }
}

// ------------------------------------------------------------ names as offices type them

/// One application in `home`; E1 (best score) in `variant`, which is the
/// same city spelt another way; E2 and E3 elsewhere. Two outside experts
/// are needed, so E1 must not be on the panel.
fn home_round_bundle(home: &str, variant: &str) -> String {
    serde_json::json!({
        "policy": {"panel_size": 2, "min_outside": 2, "default_affinity": 0.0},
        "experts": [
            {"id": "E1", "city": variant, "institution": "U1"},
            {"id": "E2", "city": "长沙", "institution": "U2"},
            {"id": "E3", "city": "合肥", "institution": "U3"},
            {"id": "E4", "city": home, "institution": "U4"}
        ],
        "applications": [{"id": "A1", "city": home, "institution": "U0"}],
        "affinity": [
            {"application": "A1", "expert": "E1", "score": 0.9},
            {"application": "A1", "expert": "E2", "score": 0.5},
            {"application": "A1", "expert": "E3", "score": 0.4}
        ]
    })
    .to_string()
}

fn home_round_csv(home: &str, variant: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "experts.csv",
            format!("id,city,institution\nE1,{variant},U1\nE2,长沙,U2\nE3,合肥,U3\nE4,{home},U4\n"),
        ),
        (
            "applications.csv",
            format!("id,city,institution\nA1,{home},U0\n"),
        ),
        (
            "affinity.csv",
            "application,expert,score\nA1,E1,0.9\nA1,E2,0.5\nA1,E3,0.4\n".into(),
        ),
        (
            "policy.json",
            r#"{"panel_size": 2, "min_outside": 2, "default_affinity": 0.0}"#.into(),
        ),
    ]
}

const SPELLINGS: &[(&str, &str)] = &[
    ("武汉", "武汉 "),
    ("武汉", "武\u{200B}汉"),
    ("武汉", "\u{3000}武汉\u{3000}"),
    ("Zürich", "Zu\u{0308}rich"),
    ("Wuhan", "wuhan"),
    ("Wuhan", "WUHAN\u{FEFF}"),
];

#[test]
fn a_city_spelt_another_way_is_the_same_city_for_the_outside_rule() {
    for &(home, variant) in SPELLINGS {
        let from_bundle = load_bundle_from_bytes(
            Path::new("b.json"),
            home_round_bundle(home, variant).as_bytes(),
        )
        .unwrap();
        let from_csv = load_csv(&home_round_csv(home, variant));
        assert_eq!(from_bundle, from_csv, "{variant:?}");
        let inst = from_bundle;
        assert_eq!(
            inst.cities.len(),
            3,
            "{variant:?}: {:?}",
            inst.cities.names()
        );
        // Shown as the first spelling (E1's), in normal form.
        let shown = panels::io::names::normalize(variant);
        assert_eq!(inst.app_city(panels::model::AppIx(0)), shown, "{variant:?}");
        assert_eq!(
            panels::io::names::place_key(&shown),
            panels::io::names::place_key(home)
        );
        let file = solve_verified(&inst);
        assert_eq!(file.panels[0].experts, ["E2", "E3"], "{variant:?}");
        // E1 on the panel breaks the outside-city rule: it is home.
        let mut wrong = file.clone();
        wrong.panels[0] = PanelRecord {
            application: "A1".into(),
            programme: None,
            experts: vec!["E1".into(), "E2".into()],
            scores: None,
        };
        assert!(
            !panels::verify::verify(&inst, &wrong).is_ok(),
            "{variant:?}"
        );
    }
}

#[test]
fn every_merge_of_spellings_is_noted_once() {
    let (_, notes) = load_bundle_noted(
        Path::new("b.json"),
        home_round_bundle("Wuhan", "wuhan").as_bytes(),
    )
    .unwrap();
    let merges: Vec<&String> = notes
        .notes
        .iter()
        .filter(|n| n.contains("one city"))
        .collect();
    assert_eq!(merges.len(), 1, "{notes:?}");
    assert!(merges[0].contains(r#""wuhan", "Wuhan""#) && merges[0].contains(r#"shown as "wuhan""#));
    // The same spelling twice is no merge.
    let (_, notes) = load_bundle_noted(
        Path::new("b.json"),
        home_round_bundle("Wuhan", "Wuhan").as_bytes(),
    )
    .unwrap();
    assert!(notes.notes.is_empty(), "{notes:?}");
}

/// A past review's institution spelt another way than the round's (case,
/// spaces, full-width or zero-width characters) is the same institution
/// for `avoid_repeat`; a merge across letter case or full-width forms is
/// noted.
#[test]
fn history_institutions_match_as_places_with_a_note() {
    // `extra` goes into the record: `"rating": 4` keeps it on the bundle
    // reader's hand path, an escaped key sends it the general way.
    let bundle = |spelling: &str, extra: &str| {
        format!(
            r#"{{"policy": {{"panel_size": 1, "year": 2026, "avoid_repeat": "institution"}},
              "experts": [{{"id": "E1", "city": "X", "institution": "I"}},
                          {{"id": "E2", "city": "Y", "institution": "J"}}],
              "applications": [{{"id": "A1", "city": "Y", "institution": "Central South University"}}],
              "history": [{{"year": 2025, "institution": {}, "expert": "E1", {extra}}}]}}"#,
            serde_json::to_string(spelling).unwrap()
        )
    };
    let csv = |spelling: &str| {
        csv_input(&[
            (
                "experts.csv",
                "id,city,institution\nE1,X,I\nE2,Y,J\n".to_string(),
            ),
            (
                "applications.csv",
                "id,city,institution\nA1,Y,Central South University\n".to_string(),
            ),
            (
                "policy.json",
                r#"{"panel_size": 1, "year": 2026, "avoid_repeat": "institution"}"#.to_string(),
            ),
            (
                "history.csv",
                format!("year,institution,expert\n2025,\"{spelling}\",E1\n"),
            ),
        ])
    };
    for spelling in [
        "Central South University",
        "central south university ",
        "Central\u{3000}South  University\u{200B}",
        "ＣＥＮＴＲＡＬ South University",
        "Central South University ",
        "Central South\u{00A0}University",
        "\u{200B}Central South University",
    ] {
        let loaded = [
            load_bundle_noted(
                Path::new("b.json"),
                bundle(spelling, r#""rating": 4"#).as_bytes(),
            ),
            load_bundle_noted(
                Path::new("b.json"),
                bundle(spelling, r#""r\u0061ting": 4"#).as_bytes(),
            ),
            load_csv_noted(Path::new("d"), &csv(spelling)),
        ];
        for (form, loaded) in ["bundle", "bundle, general path", "CSV"].iter().zip(loaded) {
            let (inst, notes) = loaded.unwrap_or_else(|e| panic!("{form}: {e}"));
            let elig = Eligibility::compute(&inst);
            let a = panels::model::AppIx(0);
            assert!(
                elig.eligible_score(&inst, a, panels::model::ExpertIx(0))
                    .is_none(),
                "{form}, {spelling:?}: a repeat"
            );
            let noted = notes.notes.iter().any(|n| {
                n.contains("history's institution") && n.contains("Central South University")
            });
            // Every spelling other than today's is a merge, noted (SPEC:
            // nothing that changes which places are the same passes
            // silently), spaces and zero-width characters included.
            let differs = spelling != "Central South University";
            assert_eq!(noted, differs, "{form}, {spelling:?}: {notes:?}");
            // verify's evidence shows the history's spelling without its
            // spaces at the ends or zero-width characters.
            let mut file = solve_verified(&inst);
            file.panels[0].experts = vec!["E1".into()];
            file.panels[0].scores = None;
            let said = panels::verify::verify(&inst, &file).render(&inst);
            let shown = panels::io::names::normalize(spelling);
            assert!(
                said.contains(&format!("E1 reviewed {shown}'s application in 2025")),
                "{form}, {spelling:?}: {said}"
            );
        }
    }
}

#[test]
fn many_history_spellings_are_noted_ten_then_counted() {
    let apps: Vec<String> = (1..=15)
        .map(|i| format!(r#"{{"id": "A{i}", "city": "Y", "institution": "U{i}"}}"#))
        .collect();
    let history: Vec<String> = (1..=15)
        .flat_map(|i| {
            // Each spelling twice: a spelling is noted once.
            [2024, 2025]
                .map(|y| format!(r#"{{"year": {y}, "institution": "U{i} ", "expert": "E1"}}"#))
        })
        .collect();
    let bundle = format!(
        r#"{{"policy": {{"panel_size": 1, "year": 2026}},
          "experts": [{{"id": "E1", "city": "X", "institution": "I"}}],
          "applications": [{}], "history": [{}]}}"#,
        apps.join(","),
        history.join(",")
    );
    let (_, notes) = load_bundle_noted(Path::new("b.json"), bundle.as_bytes()).unwrap();
    let one_by_one: Vec<&String> = notes
        .notes
        .iter()
        .filter(|n| n.contains("the history's institution \""))
        .collect();
    assert_eq!(one_by_one.len(), 10, "{notes:?}");
    assert!(
        one_by_one[0].contains(r#""U1 " is taken as "U1""#),
        "{notes:?}"
    );
    assert!(
        notes
            .notes
            .iter()
            .any(|n| n.contains("5 more spelling(s) of the history's institutions")),
        "{notes:?}"
    );
}

#[test]
fn the_first_spelling_is_the_one_shown() {
    let inst = load_bundle_from_bytes(
        Path::new("b.json"),
        home_round_bundle("Wuhan", "WUHAN").as_bytes(),
    )
    .unwrap();
    // E1 (first) spells it WUHAN.
    assert_eq!(inst.cities.names(), ["WUHAN", "长沙", "合肥"]);
    assert_eq!(inst.app_city(panels::model::AppIx(0)), "WUHAN");
}

#[test]
fn ids_that_collide_after_normalising_are_duplicates() {
    let bundle = r#"{"policy": {}, "experts": [
        {"id": "E1", "city": "X", "institution": "I"},
        {"id": "E1 ", "city": "Y", "institution": "J"}],
      "applications": [{"id": "A1", "city": "Y", "institution": "J"}]}"#;
    let errs = load_bundle_from_bytes(Path::new("b.json"), bundle.as_bytes()).unwrap_err();
    assert!(
        errs.to_string().contains("duplicate expert id \"E1\""),
        "{errs}"
    );
    // Team members, conflicts and affinity ids are compared the same way.
    let bundle = r#"{"policy": {"panel_size": 1}, "experts": [
        {"id": "E1", "city": "X", "institution": "I"},
        {"id": "E2", "city": "Y", "institution": "J"}],
      "applications": [{"id": "A1", "city": "Y", "institution": "K", "team": ["P\u200B1"], "avoid": ["E2 "]}],
      "conflicts": [{"expert": " E1", "with": "P1"}],
      "affinity": [{"application": "A1 ", "expert": "Ｅ1", "score": 0.5}]}"#;
    let inst = load_bundle_from_bytes(Path::new("b.json"), bundle.as_bytes()).unwrap();
    assert_eq!(inst.persons.names(), ["E1", "E2", "P1"]);
    assert_eq!(inst.affinity.as_ref().unwrap().len(), 1);
    assert_eq!(inst.applications[0].avoid.len(), 1);
}

#[test]
fn list_cells_split_at_every_separator_in_every_form() {
    let clean = load_csv(&[
        (
            "experts.csv",
            "id,city,institution,fields,keywords\nE1,X,I,F0401;F0406,光学;激光\n".into(),
        ),
        (
            "applications.csv",
            "id,city,institution,team\nA1,Y,J,P1;P2\n".into(),
        ),
        ("policy.json", "{}".into()),
    ]);
    let office = load_csv(&[
        (
            "experts.csv",
            "id,city,institution,fields,keywords\nE1,X,I,F0401；F0406,光学、 激光\n".into(),
        ),
        (
            "applications.csv",
            "id,city,institution,team\nA1,Y,J,P1、P2；\n".into(),
        ),
        ("policy.json", "{}".into()),
    ]);
    assert_eq!(clean, office);
    assert_eq!(clean.experts[0].fields, ["F0401", "F0406"]);
    let json = load_bundle_from_bytes(
        Path::new("b.json"),
        r#"{"policy": {}, "experts": [{"id": "E1", "city": "X", "institution": "I",
            "fields": ["F0401；F0406"], "keywords": ["光学、激光"]}],
            "applications": [{"id": "A1", "city": "Y", "institution": "J", "team": ["P1", "P2"]}]}"#
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(json, clean);
}

#[test]
fn names_typed_on_the_command_line_are_normalised() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    std::fs::write(&b, home_round_bundle("武汉", "武汉 ")).unwrap();
    let bin = env!("CARGO_BIN_EXE_panels");
    let out = std::process::Command::new(bin)
        .args([
            "explain",
            b.to_str().unwrap(),
            "--application",
            "Ａ1 ",
            "--expert",
            "E\u{200B}2",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("eligible"));
}

// ------------------------------------------------------------ office tables

/// The clean round every office variant below must load to.
fn clean_csv() -> Vec<(&'static str, String)> {
    vec![
        (
            "experts.csv",
            "id,name,city,institution,fields,keywords,title,max_load,min_load,available\n\
             E1,李伟,武汉,武汉大学,F0301;F0302,光学;激光,教授,4,1,true\n\
             E2,王芳,长沙,中南大学,F0301,,副教授,,,false\n\
             E3,张强,合肥,中国科学技术大学,F0302,激光,研究员,3,,true\n"
                .into(),
        ),
        (
            "applications.csv",
            "id,title,city,institution,fields,keywords,panel_size,team,avoid\n\
             A1,光子传感器,长沙,中南大学,F0301,光学,2,P9;E2,E3\n\
             A2,激光雷达,武汉,华中科技大学,F0302,,1,P8,\n"
                .into(),
        ),
        ("conflicts.csv", "expert,with,reason\nE1,P8,师生\n".into()),
        ("coauthorships.csv", "a,b,year\nE3,P9,2023\n".into()),
        (
            "affinity.csv",
            "application,expert,score\nA1,E1,0.83\nA2,E3,0.5\n".into(),
        ),
        (
            "policy.json",
            r#"{"panel_size": 2, "min_outside_share": 0.5, "max_load": 3, "avoid_same_institution": false, "seed": 7}"#
                .into(),
        ),
    ]
}

/// The same round as an office writes it: Chinese headers in another
/// order, a title row, kept columns, 是/否, ；/、 lists, policy.csv.
fn office_csv() -> Vec<(&'static str, String)> {
    vec![
        (
            "experts.csv",
            "2026年度专家库,,,,,,,,,,,,\n\
             专家编号,姓名,所在城市,工作单位,学科代码,关键词,职称,评审上限,最少评审数,是否可用,电话,邮箱,备注\n\
             E1,李伟,武汉,武汉大学,F0301；F0302,光学、激光,教授,4,1,是,027-1,li@whu.edu.cn,\n\
             E2,王芳,长沙 ,中南大学,F0301,,副教授,,,否,,,年假\n\
             E3,张强,合肥,中国科学技术大学,F0302,激光,研究员,3,,是,,,\n"
                .into(),
        ),
        (
            "applications.csv",
            "项目编号,项目名称,城市,申报单位,学科,关键词,评审专家数,团队成员,申请回避专家\n\
             A1,光子传感器,长沙,中南大学,F0301,光学,2,P9、E2,E3\n\
             A2,激光雷达,武汉,华中科技大学,F0302,,1,P8,\n"
                .into(),
        ),
        ("conflicts.csv", "专家编号,回避对象,原因\nE1,P8,师生\n".into()),
        ("coauthorships.csv", "成员甲,成员乙,年份\nE3,P9,2023\n".into()),
        (
            "affinity.csv",
            "项目编号,专家编号,匹配度\nA1,E1,0.83\nA2,E3,0.5\n".into(),
        ),
        (
            "policy.csv",
            "参数,值\npanel_size,2\nmin_outside_share,0.5\nmax_load,3\navoid_same_institution,否\nseed,7\n"
                .into(),
        ),
    ]
}

/// The clean round with the office's kept columns.
fn clean_with_kept() -> Instance {
    let mut inst = load_csv(&clean_csv());
    inst.kept.experts = panels::model::KeptColumns {
        columns: vec!["电话".into(), "邮箱".into(), "备注".into()],
        rows: vec![
            vec!["027-1".into(), "li@whu.edu.cn".into(), String::new()],
            vec![String::new(), String::new(), "年假".into()],
            vec![String::new(); 3],
        ],
    };
    inst
}

#[test]
fn an_office_csv_directory_loads_as_the_clean_round() {
    let (inst, notes) = load_csv_noted(Path::new("d"), &csv_input(&office_csv())).unwrap();
    assert_eq!(inst, clean_with_kept());
    assert_eq!(notes.lang, Lang::Zh);
    let all = notes.notes.join("\n");
    assert!(
        all.contains("the header is row 2; row 1 above it skipped"),
        "{all}"
    );
    assert!(
        all.contains("\"电话\"") && all.contains("kept with each expert"),
        "{all}"
    );
}

#[test]
fn each_office_habit_alone_loads_as_the_clean_round() {
    let clean = load_csv(&clean_csv());
    let base = clean_csv();
    let with = |name: &str, text: &str| -> Vec<(&'static str, String)> {
        base.iter()
            .map(|(n, t)| {
                (
                    *n,
                    if *n == name {
                        text.to_string()
                    } else {
                        t.clone()
                    },
                )
            })
            .collect()
    };
    let experts = &base[0].1;
    let cases: Vec<(&str, Vec<(&'static str, String)>)> = vec![
        (
            "a title row",
            with("experts.csv", &format!("2026年度专家库\n\n{experts}")),
        ),
        (
            "two title rows and a date",
            with(
                "experts.csv",
                &format!("专家库,\n制表日期：2026-03-01,\n{experts}"),
            ),
        ),
        (
            "TRUE/FALSE",
            with(
                "experts.csv",
                &experts.replace("true", "TRUE").replace("false", "FALSE"),
            ),
        ),
        (
            "yes/no",
            with(
                "experts.csv",
                &experts.replace("true", "yes").replace("false", "No"),
            ),
        ),
        (
            "1/0",
            with(
                "experts.csv",
                &experts.replace(",true", ",1").replace(",false", ",0"),
            ),
        ),
        (
            "是/否",
            with(
                "experts.csv",
                &experts.replace("true", "是").replace("false", "否"),
            ),
        ),
        (
            "√/×",
            with(
                "experts.csv",
                &experts.replace("true", "√").replace("false", "×"),
            ),
        ),
        (
            "Y/N",
            with(
                "experts.csv",
                &experts.replace("true", "Y").replace("false", "n"),
            ),
        ),
        ("；", with("experts.csv", &experts.replace(';', "；"))),
        ("、", with("experts.csv", &experts.replace(';', "、"))),
        (
            "English names in other case and spacing",
            with(
                "experts.csv",
                &experts
                    .replacen("id,name,city,institution", "ID, Name ,CITY,Institution", 1)
                    .replacen("max_load,min_load", "Max Load,min-load", 1),
            ),
        ),
    ];
    for (what, files) in cases {
        assert_eq!(load_csv(&files), clean, "{what}");
    }
    // Every Chinese alias of SPEC's table.
    for (file, english, alias) in [
        ("experts.csv", "id", "编号"),
        ("experts.csv", "id", "专家编号"),
        ("experts.csv", "name", "姓名"),
        ("experts.csv", "city", "城市"),
        ("experts.csv", "city", "所在城市"),
        ("experts.csv", "institution", "单位"),
        ("experts.csv", "institution", "工作单位"),
        ("experts.csv", "institution", "所在单位"),
        ("experts.csv", "fields", "学科"),
        ("experts.csv", "fields", "学科代码"),
        ("experts.csv", "fields", "研究领域"),
        ("experts.csv", "keywords", "关键词"),
        ("experts.csv", "title", "职称"),
        ("experts.csv", "max_load", "评审上限"),
        ("experts.csv", "max_load", "最多评审数"),
        ("experts.csv", "min_load", "最少评审数"),
        ("experts.csv", "available", "是否可用"),
        ("experts.csv", "available", "可用"),
        ("applications.csv", "id", "项目编号"),
        ("applications.csv", "id", "编号"),
        ("applications.csv", "title", "项目名称"),
        ("applications.csv", "title", "名称"),
        ("applications.csv", "city", "城市"),
        ("applications.csv", "city", "所在城市"),
        ("applications.csv", "institution", "申报单位"),
        ("applications.csv", "institution", "依托单位"),
        ("applications.csv", "institution", "单位"),
        ("applications.csv", "fields", "学科代码"),
        ("applications.csv", "keywords", "关键词"),
        ("applications.csv", "panel_size", "专家数"),
        ("applications.csv", "panel_size", "评审专家数"),
        ("applications.csv", "team", "团队成员"),
        ("applications.csv", "team", "团队"),
        ("applications.csv", "avoid", "申请回避专家"),
        ("applications.csv", "avoid", "回避专家"),
        ("conflicts.csv", "expert", "专家编号"),
        ("conflicts.csv", "expert", "专家"),
        ("conflicts.csv", "with", "回避对象"),
        ("conflicts.csv", "with", "对象"),
        ("conflicts.csv", "reason", "原因"),
        ("coauthorships.csv", "a", "成员甲"),
        ("coauthorships.csv", "b", "成员乙"),
        ("coauthorships.csv", "year", "年份"),
        ("affinity.csv", "application", "项目编号"),
        ("affinity.csv", "expert", "专家编号"),
        ("affinity.csv", "score", "匹配度"),
        ("affinity.csv", "score", "分数"),
    ] {
        let text = &base.iter().find(|(n, _)| *n == file).unwrap().1;
        let (head, body) = text.split_once('\n').unwrap();
        let head: Vec<&str> = head
            .split(',')
            .map(|h| if h == english { alias } else { h })
            .collect();
        let files = with(file, &format!("{}\n{body}", head.join(",")));
        assert_eq!(load_csv(&files), clean, "{file}: {english} as {alias}");
    }
}

#[test]
fn gbk_and_utf16_files_are_decoded_with_a_note() {
    let clean = load_csv(&clean_csv());
    let office = office_csv();
    for (enc, encode) in [
        (
            "GB18030",
            Box::new(|t: &str| encoding_rs::GB18030.encode(t).0.into_owned())
                as Box<dyn Fn(&str) -> Vec<u8>>,
        ),
        (
            "UTF-16LE",
            Box::new(|t: &str| {
                let mut b = vec![0xFF, 0xFE];
                b.extend(t.encode_utf16().flat_map(u16::to_le_bytes));
                b
            }),
        ),
        (
            "UTF-16BE",
            Box::new(|t: &str| {
                let mut b = vec![0xFE, 0xFF];
                b.extend(t.encode_utf16().flat_map(u16::to_be_bytes));
                b
            }),
        ),
    ] {
        let mut input = CsvInput::default();
        for (name, text) in &office {
            input.set(name, encode(text));
        }
        let (inst, notes) =
            load_csv_noted(Path::new("d"), &input).unwrap_or_else(|e| panic!("{enc}: {e}"));
        assert_eq!(inst, clean_with_kept(), "{enc}");
        assert!(
            notes
                .notes
                .iter()
                .any(|n| n.contains(&format!("read as {enc}"))),
            "{enc}: {notes:?}"
        );
        // From disk (read whole after a look at the first bytes).
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &office {
            std::fs::write(dir.path().join(name), encode(text)).unwrap();
        }
        assert_eq!(
            panels::io::load_instance(dir.path()).unwrap(),
            inst,
            "{enc} from disk"
        );
    }
    assert_eq!(clean.experts.len(), 3);
}

/// A GBK table whose first megabytes are plain ASCII (the encoding cannot
/// be told from a prefix) is decoded where its Chinese starts, with the
/// note; it loads to the instance of the same directory in UTF-8.
#[test]
fn gbk_after_a_long_ascii_prefix_is_decoded() {
    let mut experts = String::from("id,city,institution,name\n");
    let mut i = 0;
    while experts.len() < 3 << 20 {
        experts.push_str(&format!("E{i:07},City{},Institute {i},Expert {i}\n", i % 7));
        i += 1;
    }
    for (j, (city, inst, name)) in [("武汉", "武汉大学", "李伟"), ("长沙", "中南大学", "王芳")]
        .iter()
        .enumerate()
    {
        experts.push_str(&format!("Z{j},{city},{inst},{name}\n"));
    }
    let files = [
        ("experts.csv", experts),
        (
            "applications.csv",
            "id,city,institution,title\nA1,武汉,华中科技大学,光学\nA2,City3,X,y\n".to_string(),
        ),
        ("policy.csv", "key,value\npanel_size,2\n".to_string()),
    ];
    let write = |encode: &dyn Fn(&str) -> Vec<u8>| {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &files {
            std::fs::write(dir.path().join(name), encode(text)).unwrap();
        }
        dir
    };
    let utf8 = write(&|t| t.as_bytes().to_vec());
    let gbk = write(&|t| encoding_rs::GB18030.encode(t).0.into_owned());
    let load = |p: &Path| {
        panels::io::load_instance_noted(p, &|_| {}).unwrap_or_else(|e| panic!("{}", e.first()))
    };
    let (clean, decoded) = (load(utf8.path()), load(gbk.path()));
    assert_eq!(decoded.instance, clean.instance);
    assert!(
        decoded
            .notes
            .iter()
            .any(|n| n.contains("experts.csv") && n.contains("read as GB18030")),
        "{:?}",
        decoded.notes
    );
    assert!(!clean.notes.iter().any(|n| n.contains("GB18030")));
    // Neither UTF-8 nor GB18030 after the prefix: refused at the first
    // byte that is not UTF-8, from disk as from memory.
    let mut bad = encoding_rs::GB18030.encode(&files[0].1).0.into_owned();
    let at = bad.len() - 3;
    bad[at] = 0xFF;
    std::fs::write(gbk.path().join("experts.csv"), &bad).unwrap();
    let disk = panels::io::load_instance(gbk.path()).unwrap_err();
    assert!(disk.to_string().contains("invalid UTF-8"), "{disk}");
    let mut input = CsvInput::default();
    for (name, text) in &files[1..] {
        input.set(name, text.as_bytes().to_vec());
    }
    input.set("experts.csv", bad);
    let memory = load_csv_from_bytes(gbk.path(), &input).unwrap_err();
    assert_eq!(disk.to_string(), memory.to_string());
}

#[test]
fn a_policy_csv_next_to_a_policy_json_is_refused() {
    let mut files = office_csv();
    files.push(("policy.json", "{}".into()));
    let errs = load_csv_from_bytes(Path::new("d"), &csv_input(&files)).unwrap_err();
    assert!(
        errs.to_string().contains("both policy.json and policy.csv"),
        "{errs}"
    );
}

#[test]
fn policy_rows_are_checked_like_policy_json() {
    let mut files = clean_csv();
    files.retain(|(n, _)| *n != "policy.json");
    files.push((
        "policy.csv",
        "key,value\npanel_size,2\nmax_laod,3\nseed,x\n".into(),
    ));
    let errs = load_csv_from_bytes(Path::new("d"), &csv_input(&files)).unwrap_err();
    let text = errs.to_string();
    assert!(
        text.contains("d/policy.csv row 3, field max_laod: unknown field; did you mean max_load?"),
        "{text}"
    );
    assert!(text.contains("d/policy.csv row 4, field seed"), "{text}");
}

/// The JSON of a policy table's cell (`programmes` in policy.csv or a 参数
/// sheet) took a key given twice silently, the last one winning (a panel
/// of 5 where the first said 3), while policy.json refused it. Every form
/// now refuses it, naming the file or sheet, the row and the key.
#[test]
fn json_in_a_policy_cell_refuses_a_key_given_twice() {
    let with_programme = |files: &mut Vec<(&'static str, String)>, cell: &str| {
        files.retain(|(n, _)| *n != "policy.json");
        let apps = &mut files
            .iter_mut()
            .find(|(n, _)| *n == "applications.csv")
            .unwrap()
            .1;
        *apps = apps
            .replacen("team,avoid\n", "team,avoid,programme\n", 1)
            .replacen("P9;E2,E3\n", "P9;E2,E3,人才计划\n", 1)
            .replacen("P8,\n", "P8,,\n", 1);
        files.push((
            "policy.csv",
            format!(
                "key,value\npanel_size,2\nprogrammes,\"{}\"\n",
                cell.replace('"', "\"\"")
            ),
        ));
    };
    // Once each: the programme's rules load.
    let mut files = clean_csv();
    with_programme(&mut files, r#"{"人才计划":{"panel_size":1}}"#);
    let inst = load_csv(&files);
    assert_eq!(inst.policy.programmes["人才计划"].panel_size, Some(1));
    for (cell, key) in [
        (
            r#"{"人才计划":{"panel_size":1,"panel_size":2}}"#,
            "panel_size",
        ),
        (
            r#"{"人才计划":{"panel_size":1},"人才计划":{"panel_size":2}}"#,
            "人才计划",
        ),
    ] {
        let mut files = clean_csv();
        with_programme(&mut files, cell);
        let text = load_csv_from_bytes(Path::new("d"), &csv_input(&files))
            .unwrap_err()
            .to_string();
        assert!(
            text.contains(&format!(
                "d/policy.csv row 3, field value (column B): the programmes JSON in this cell: the key {key:?} is given twice in one object; keep one"
            )),
            "{text}"
        );
        // The same cell in a workbook's 参数 sheet.
        let bytes = tables_xlsx_bytes(
            Path::new("t.xlsx"),
            &[
                table("参数", &["参数", "值"], &[&["programmes", cell]]),
                table(
                    "专家",
                    &["专家编号", "城市", "工作单位"],
                    &[&["E1", "X", "I"]],
                ),
                table(
                    "申报项目",
                    &["项目编号", "城市", "申报单位", "计划类别"],
                    &[&["A1", "Y", "J", "人才计划"]],
                ),
            ],
        )
        .unwrap();
        let text = panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &bytes)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("t.xlsx sheet 参数 row 2")
                && text.contains(&format!("the key {key:?} is given twice")),
            "{text}"
        );
        // policy.json refuses the same text, as it did.
        let mut files = clean_csv();
        with_programme(&mut files, cell);
        files.retain(|(n, _)| *n != "policy.csv");
        files.push((
            "policy.json",
            format!(r#"{{"panel_size": 2, "programmes": {cell}}}"#),
        ));
        let text = load_csv_from_bytes(Path::new("d"), &csv_input(&files))
            .unwrap_err()
            .to_string();
        assert!(
            text.contains(&format!("the key {key:?} is given twice")),
            "{text}"
        );
    }
}

#[test]
fn near_typos_of_known_columns_are_errors_naming_the_column() {
    let mut files = clean_csv();
    files[0].1 = files[0].1.replacen("max_load", "max_laod", 1);
    let errs = load_csv_from_bytes(Path::new("d"), &csv_input(&files)).unwrap_err();
    assert!(
        errs.to_string().contains(
            "d/experts.csv row 1, field max_laod: column H \"max_laod\" is not a known column; \
             did you mean max_load (评审上限/最多评审数)? Rename the header cell"
        ),
        "{errs}"
    );
    // In a workbook: the sheet, the header's row and the column letter.
    let bytes = tables_xlsx_bytes(
        Path::new("t.xlsx"),
        &[
            table("参数", &["参数", "值"], &[]),
            table(
                "专家",
                &["2026年度专家库"],
                &[
                    &["专家编号", "城市", "工作单位", "评审上线"],
                    &["E1", "X", "I", "3"],
                ],
            ),
            table(
                "申报项目",
                &["项目编号", "城市", "申报单位"],
                &[&["A1", "Y", "J"]],
            ),
        ],
    )
    .unwrap();
    let errs = panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &bytes).unwrap_err();
    assert!(
        errs.to_string().contains(
            "t.xlsx sheet 专家 row 2, field 评审上线: column D \"评审上线\" is not a known column; \
             did you mean max_load (评审上限/最多评审数)?"
        ),
        "{errs}"
    );
    // Office columns are kept, not typos.
    for kept in ["phone", "电话", "notes", "备注", "email", "邮箱"] {
        let mut files = clean_csv();
        let (head, body) = files[0].1.split_once('\n').unwrap();
        files[0].1 = format!(
            "{head},{kept}\n{}",
            body.lines().map(|l| format!("{l},x\n")).collect::<String>()
        );
        let inst = load_csv(&files);
        assert_eq!(inst.kept.experts.columns, [kept], "{kept}");
        assert_eq!(inst.kept.experts.get(2, kept), "x");
    }
}

#[test]
fn cell_errors_name_sheet_row_column_letter_and_header() {
    let bytes = tables_xlsx_bytes(
        Path::new("t.xlsx"),
        &[
            table("参数", &["参数", "值"], &[]),
            table(
                "专家",
                &["专家编号", "城市", "工作单位", "评审上限", "是否可用"],
                &[
                    &["E1", "X", "I", "三", "是"],
                    &["E2", "X", "I", "2", "也许"],
                ],
            ),
            table(
                "申报项目",
                &["项目编号", "城市", "申报单位"],
                &[&["A1", "Y", "J"]],
            ),
        ],
    )
    .unwrap();
    let text = panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &bytes)
        .unwrap_err()
        .to_string();
    assert!(text.contains("t.xlsx sheet 专家 row 2 (id E1), field max_load (column D \"评审上限\"): expected a non-negative integer, got \"三\""), "{text}");
    assert!(text.contains("t.xlsx sheet 专家 row 3 (id E2), field available (column E \"是否可用\"): expected 是/否"), "{text}");
}

/// The clean round as an office workbook: Chinese sheets and headers in
/// another order, a title row, kept columns, 是/否, ；-lists, 参数 sheet.
fn office_workbook() -> Vec<Table> {
    vec![
        table("说明", &["本工作簿由科技处维护"], &[]),
        table(
            "参数",
            &["参数", "值"],
            &[
                &["panel_size", "2"],
                &["min_outside_share", "0.5"],
                &["max_load", "3"],
                &["avoid_same_institution", "否"],
                &["seed", "7"],
            ],
        ),
        table(
            "专家库",
            &["2026年度专家库"],
            &[
                &[
                    "姓名",
                    "专家编号",
                    "工作单位",
                    "所在城市",
                    "学科代码",
                    "关键词",
                    "职称",
                    "评审上限",
                    "最少评审数",
                    "是否可用",
                    "电话",
                    "邮箱",
                    "备注",
                ],
                &[
                    "李伟",
                    "E1",
                    "武汉大学",
                    "武汉",
                    "F0301；F0302",
                    "光学；激光",
                    "教授",
                    "4",
                    "1",
                    "是",
                    "027-1",
                    "li@whu.edu.cn",
                    "",
                ],
                &[
                    "王芳",
                    "E2",
                    "中南大学",
                    "长沙",
                    "F0301",
                    "",
                    "副教授",
                    "",
                    "",
                    "否",
                    "",
                    "",
                    "年假",
                ],
                &[
                    "张强",
                    "E3",
                    "中国科学技术大学",
                    "合肥",
                    "F0302",
                    "激光",
                    "研究员",
                    "3",
                    "",
                    "是",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        table(
            "申报项目",
            &[
                "项目编号",
                "项目名称",
                "城市",
                "依托单位",
                "研究领域",
                "关键词",
                "评审专家数",
                "团队",
                "回避专家",
            ],
            &[
                &[
                    "A1",
                    "光子传感器",
                    "长沙",
                    "中南大学",
                    "F0301",
                    "光学",
                    "2",
                    "P9；E2",
                    "E3",
                ],
                &[
                    "A2",
                    "激光雷达",
                    "武汉",
                    "华中科技大学",
                    "F0302",
                    "",
                    "1",
                    "P8",
                    "",
                ],
            ],
        ),
        table(
            "利益冲突",
            &["专家", "对象", "原因"],
            &[&["E1", "P8", "师生"]],
        ),
        table(
            "合著",
            &["成员甲", "成员乙", "年份"],
            &[&["E3", "P9", "2023"]],
        ),
        table(
            "评分",
            &["项目编号", "专家编号", "分数"],
            &[&["A1", "E1", "0.83"], &["A2", "E3", "0.5"]],
        ),
    ]
}

#[test]
fn an_office_workbook_loads_as_the_clean_round() {
    let bytes = tables_xlsx_bytes(Path::new("t.xlsx"), &office_workbook()).unwrap();
    let (inst, notes) = panels::io::xlsx::load_xlsx_noted(Path::new("t.xlsx"), &bytes).unwrap();
    assert_eq!(inst, clean_with_kept());
    assert_eq!(notes.lang, Lang::Zh);
    assert!(
        notes
            .notes
            .iter()
            .any(|n| n.contains("sheet 专家库: the header is row 2; row 1 above it skipped")),
        "{notes:?}"
    );
}

#[test]
fn an_edited_workbook_still_loads() {
    // Written by export (Chinese), then edited: a title row added above a
    // header, columns reordered, a row added.
    let clean = clean_with_kept();
    let bytes =
        panels::io::xlsx::instance_xlsx_bytes_in(&clean, Path::new("t.xlsx"), Lang::Zh).unwrap();
    let back = panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &bytes).unwrap();
    assert_eq!(back, clean);
    let sheets = read_xlsx_tables(&bytes).unwrap();
    let mut tables = Vec::new();
    for (name, rows) in sheets {
        let mut rows = rows;
        if name == "专家" {
            // Reverse the columns and add a row.
            let width = rows[0].len();
            for r in &mut rows {
                r.resize(width, String::new());
                r.reverse();
            }
            let mut new = vec![String::new(); width];
            let col = |h: &str| rows[0].iter().position(|x| x == h).unwrap();
            new[col("专家编号")] = "E4".into();
            new[col("城市")] = "南昌".into();
            new[col("工作单位")] = "南昌大学".into();
            rows.push(new);
        }
        let header = rows[0].clone();
        let mut body: Vec<Vec<XCell>> = rows[1..]
            .iter()
            .map(|r| r.iter().map(|c| XCell::from(c.as_str())).collect())
            .collect();
        // A title row above the header.
        body.insert(0, header.iter().map(|c| XCell::from(c.as_str())).collect());
        tables.push(Table {
            name,
            header: vec!["2026年度评审".into()],
            rows: body,
        });
    }
    let edited = load_xlsx(&tables);
    assert_eq!(edited.experts.len(), 4);
    assert_eq!(edited.experts[3].id, "E4");
    let mut first3 = edited.clone();
    first3.experts.truncate(3);
    first3.kept.experts.rows.truncate(3);
    first3.persons = clean.persons.clone();
    first3.cities = clean.cities.clone();
    first3.institutions = clean.institutions.clone();
    assert_eq!(first3.experts, clean.experts);
    assert_eq!(first3.applications.len(), clean.applications.len());
}

/// A city merged down its column over several experts (as offices merge a
/// shared value) is every one of those experts' city, with a note; a
/// title merged across the columns stays a title; a hidden table sheet
/// is read, with a note.
#[test]
fn merged_cells_down_a_column_and_hidden_sheets_are_read_with_notes() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let plain = Format::new();
    let policy = wb.add_worksheet().set_name("参数").unwrap();
    policy.write_row(0, 0, ["参数", "值"]).unwrap();
    policy.write_row(1, 0, ["panel_size", "2"]).unwrap();
    let experts = wb.add_worksheet().set_name("专家").unwrap();
    experts
        .merge_range(0, 0, 0, 2, "2026年度专家库", &plain)
        .unwrap();
    experts.write_row(1, 0, ["编号", "城市", "单位"]).unwrap();
    for (r, (id, inst)) in [("E1", "U1"), ("E2", "U2"), ("E3", "U3")]
        .iter()
        .enumerate()
    {
        experts.write_row(2 + r as u32, 0, [*id]).unwrap();
        experts.write(2 + r as u32, 2, *inst).unwrap();
    }
    experts.merge_range(2, 1, 4, 1, "武汉", &plain).unwrap();
    experts.write_row(5, 0, ["E4", "长沙", "U4"]).unwrap();
    let apps = wb.add_worksheet().set_name("申报项目").unwrap();
    apps.write_row(0, 0, ["编号", "城市", "单位"]).unwrap();
    apps.write_row(1, 0, ["A1", "武汉", "X"]).unwrap();
    apps.set_hidden(true);
    let bytes = wb.save_to_buffer().unwrap();
    let (inst, notes) = panels::io::xlsx::load_xlsx_noted(Path::new("m.xlsx"), &bytes)
        .unwrap_or_else(|e| panic!("{e}"));
    let cities: Vec<&str> = inst
        .experts
        .iter()
        .map(|e| inst.cities.name(e.city.0))
        .collect();
    assert_eq!(cities, ["武汉", "武汉", "武汉", "长沙"]);
    let bundle = r#"{"policy": {"panel_size": 2}, "experts": [
        {"id": "E1", "city": "武汉", "institution": "U1"}, {"id": "E2", "city": "武汉", "institution": "U2"},
        {"id": "E3", "city": "武汉", "institution": "U3"}, {"id": "E4", "city": "长沙", "institution": "U4"}],
      "applications": [{"id": "A1", "city": "武汉", "institution": "X"}]}"#;
    let clean = load_bundle_from_bytes(Path::new("b.json"), bundle.as_bytes()).unwrap();
    assert_eq!(
        solve_verified(&inst).objective,
        solve_verified(&clean).objective
    );
    assert_eq!(inst.experts.len(), clean.experts.len());
    let has = |what: &str| notes.notes.iter().any(|n| n.contains(what));
    assert!(has("merged cells B3:B5"), "{notes:?}");
    assert!(has("sheet 申报项目: hidden in Excel"), "{notes:?}");
}

/// A header of tens of thousands of unknown columns loads (each is kept
/// once, duplicates found by key, not by comparing every pair) and the
/// note names the first columns and counts the rest.
#[test]
fn a_very_wide_header_loads_and_its_note_stays_short() {
    let n = 30_000;
    let mut head = String::from("id,city,institution");
    let mut row = String::from("E1,长沙,U");
    for i in 0..n {
        head.push_str(&format!(",c{i}"));
        row.push_str(if i % 2 == 0 { ",x" } else { "," });
    }
    let files = [
        ("experts.csv", format!("{head}\n{row}\n")),
        (
            "applications.csv",
            "id,city,institution\nA1,武汉,X\n".to_string(),
        ),
        ("policy.json", r#"{"panel_size": 1}"#.to_string()),
    ];
    let (inst, notes) = load_csv_noted(Path::new("d"), &csv_input(&files)).unwrap();
    assert_eq!(inst.experts.len(), 1);
    let note = notes
        .notes
        .iter()
        .find(|n| n.contains("not used by the program"))
        .expect("a note on the kept columns");
    let start: String = note.chars().take(300).collect();
    assert!(note.contains(&format!("and {} more", n - 20)), "{start}…");
    assert!(note.len() < 1000, "{} bytes", note.len());
    // A column named twice among them is still found.
    let mut twice = files.clone();
    twice[0].1 = format!("{head},C7\n{row},y\n");
    let errs = load_csv_from_bytes(Path::new("d"), &csv_input(&twice)).unwrap_err();
    assert!(errs.to_string().contains("appears twice"), "{errs}");
}

/// A UTF-8 byte order mark over GBK text is no character of the header:
/// the file reads as GB18030, with the note.
#[test]
fn a_utf8_mark_over_gbk_text_reads_as_gb18030() {
    let mut files = vec![
        (
            "applications.csv",
            "id,city,institution\nA1,武汉,X\n".to_string(),
        ),
        ("policy.json", r#"{"panel_size": 1}"#.to_string()),
    ];
    let clean = {
        files.push((
            "experts.csv",
            "id,city,institution\nE1,长沙,中南大学\n".to_string(),
        ));
        load_csv(&files)
    };
    let mut input = csv_input(&files[..2]);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        &encoding_rs::GB18030
            .encode("id,city,institution\nE1,长沙,中南大学\n")
            .0,
    );
    input.set("experts.csv", bytes);
    let (inst, notes) = load_csv_noted(Path::new("d"), &input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inst, clean);
    assert!(
        notes.notes.iter().any(|n| n.contains("read as GB18030")),
        "{notes:?}"
    );
}

/// A workbook whose experts sheet has thousands of extra columns loads,
/// every column kept once (kept columns are placed by name in a map, not
/// by scanning the columns seen so far for every cell).
#[test]
fn a_workbook_with_thousands_of_kept_columns_loads() {
    use rust_xlsxwriter::Workbook;
    let n: u16 = 16_000;
    let mut wb = Workbook::new();
    let policy = wb.add_worksheet().set_name("参数").unwrap();
    policy.write_row(0, 0, ["参数", "值"]).unwrap();
    policy.write_row(1, 0, ["panel_size", "1"]).unwrap();
    let experts = wb.add_worksheet().set_name("专家").unwrap();
    experts.write_row(0, 0, ["编号", "城市", "单位"]).unwrap();
    for (r, (id, city, inst)) in [
        ("E1", "长沙", "U"),
        ("E2", "合肥", "V"),
        ("E3", "南昌", "W"),
    ]
    .iter()
    .enumerate()
    {
        experts
            .write_row(1 + r as u32, 0, [*id, *city, *inst])
            .unwrap();
    }
    for c in 0..n {
        experts.write(0, 3 + c, format!("备注{c}")).unwrap();
        experts.write(1, 3 + c, "x").unwrap();
        experts.write(2 + u32::from(c % 2), 3 + c, "y").unwrap();
    }
    let apps = wb.add_worksheet().set_name("申报项目").unwrap();
    apps.write_row(0, 0, ["编号", "城市", "单位"]).unwrap();
    apps.write_row(1, 0, ["A1", "武汉", "X"]).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let (inst, notes) = panels::io::xlsx::load_xlsx_noted(Path::new("w.xlsx"), &bytes)
        .unwrap_or_else(|e| panic!("{}", e.first()));
    assert_eq!(inst.kept.experts.columns.len(), usize::from(n));
    assert_eq!(inst.kept.experts.rows[0].len(), usize::from(n));
    assert!(inst.kept.experts.rows[1][..2] == ["y".to_string(), String::new()]);
    assert!(notes.notes.iter().all(|n| n.len() < 2000));
}

/// Numbers typed with full-width digits (as a Chinese input method types
/// them: ６, ０.５) are the numbers they show, in table cells and in the
/// policy's rows.
#[test]
fn full_width_digits_are_numbers() {
    let typed = [
        (
            "experts.csv",
            "id,city,institution,max_load,min_load\nE1,长沙,U,６ ,０\nE2,合肥,V,3,\n".to_string(),
        ),
        (
            "applications.csv",
            "id,city,institution,panel_size\nA1,武汉,X,２\n".to_string(),
        ),
        (
            "policy.csv",
            "key,value\npanel_size,１\nmin_outside_share,０.５\n".to_string(),
        ),
    ];
    let clean = [
        (
            "experts.csv",
            "id,city,institution,max_load,min_load\nE1,长沙,U,6,0\nE2,合肥,V,3,\n".to_string(),
        ),
        (
            "applications.csv",
            "id,city,institution,panel_size\nA1,武汉,X,2\n".to_string(),
        ),
        (
            "policy.csv",
            "key,value\npanel_size,1\nmin_outside_share,0.5\n".to_string(),
        ),
    ];
    assert_eq!(load_csv(&typed), load_csv(&clean));
}

/// UTF-16 saved without a byte order mark (as some tools save "Unicode
/// text") is told by its NUL bytes and decoded, little- or big-endian,
/// with a note, from memory and from disk alike; UTF-16 that cannot be
/// decoded (a byte cut off) says what it is; a UTF-8 file with a stray
/// NUL is no UTF-16 (the NUL is refused where it is).
#[test]
fn utf16_without_a_byte_order_mark_is_decoded_with_a_note() {
    let office = office_csv();
    let le = |t: &str| -> Vec<u8> { t.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let be = |t: &str| -> Vec<u8> { t.encode_utf16().flat_map(u16::to_be_bytes).collect() };
    for (enc, encode) in [
        ("UTF-16LE", &le as &dyn Fn(&str) -> Vec<u8>),
        ("UTF-16BE", &be),
    ] {
        let mut input = CsvInput::default();
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &office {
            input.set(name, encode(text));
            std::fs::write(dir.path().join(name), encode(text)).unwrap();
        }
        let (inst, notes) =
            load_csv_noted(Path::new("d"), &input).unwrap_or_else(|e| panic!("{enc}: {e}"));
        assert_eq!(inst, clean_with_kept(), "{enc}");
        let note = format!("read as {enc} without a byte order mark");
        assert!(
            notes.notes.iter().any(|n| n.contains(&note)),
            "{enc}: {notes:?}"
        );
        assert_eq!(
            panels::io::load_instance(dir.path()).unwrap(),
            inst,
            "{enc} from disk"
        );

        // A byte cut off the end: not valid UTF-16, said so.
        let mut cut = encode(&office.iter().find(|(n, _)| *n == "experts.csv").unwrap().1);
        cut.pop();
        input.set("experts.csv", cut.clone());
        let m = load_csv_from_bytes(Path::new("d"), &input)
            .unwrap_err()
            .to_string();
        assert!(
            m.contains(&format!(
                "d/experts.csv: the file looks like {enc} without a byte order mark"
            )) && m.contains("save it as UTF-8"),
            "{m}"
        );
        std::fs::write(dir.path().join("experts.csv"), &cut).unwrap();
        let disk = panels::io::load_instance(dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            disk.contains(&format!("looks like {enc} without a byte order mark"))
                && disk.contains(&format!("is not valid {enc}")),
            "{disk}"
        );
    }
    // A UTF-8 table with one NUL: read as UTF-8, the NUL refused at its cell.
    let mut files = clean_csv();
    let experts = files.iter_mut().find(|(n, _)| *n == "experts.csv").unwrap();
    experts.1 = experts.1.replacen("E1", "E\u{0}1", 1);
    let m = load_csv_from_bytes(Path::new("d"), &csv_input(&files))
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("holds the control character U+0000 (NUL)"),
        "{m}"
    );
    assert!(!m.contains("read as UTF-16"), "{m}");
}

/// Headers as office templates mark them — `*` on a required column, a
/// note in brackets (`专家编号（必填）`, `职称\n(正高/副高)`, `评审上限[项]`)
/// — name their field, with a note, in a CSV table and in a workbook; a
/// marked column whose field has a plain column of its own stays the
/// office's (kept). Before, `*专家编号` was refused as a near-typo, a
/// bracketed id hid the header row, and `职称（正高/副高）` was silently
/// kept, so the titles went unread.
#[test]
fn headers_with_required_marks_and_bracketed_notes_name_their_field() {
    let marked = |csv: &str| {
        csv.replacen("专家编号,", "*专家编号,", 1)
            .replacen(",姓名,", ",姓名（必填）,", 1)
            .replacen(",职称,", ",\"职称\n(正高/副高)\",", 1)
            .replacen(",评审上限,", ",评审上限[项]*,", 1)
    };
    let mut files = office_csv();
    files[0].1 = marked(&files[0].1);
    let (inst, notes) = load_csv_noted(Path::new("d"), &csv_input(&files)).unwrap();
    assert_eq!(inst, clean_with_kept());
    assert!(
        notes
            .notes
            .iter()
            .any(|n| n.contains(r#"A "*专家编号" as id"#)
                && n.contains(r#"G "职称 (正高/副高)" as title"#)
                && n.contains("not part of the name")),
        "{notes:?}"
    );
    // A plain 职称 column wins; the marked one is the office's own.
    let mut files = office_csv();
    files[0].1 = files[0].1.replacen(",备注\n", ",职称(旧)\n", 1);
    let inst = load_csv(&files);
    assert!(inst.kept.experts.columns.iter().any(|c| c == "职称(旧)"));
    // The same marks in a workbook.
    let mut tables = office_workbook();
    let experts = tables.iter_mut().find(|t| t.name == "专家库").unwrap();
    for cell in &mut experts.rows[0] {
        if *cell == XCell::from("专家编号") {
            *cell = XCell::from("专家编号（必填）");
        } else if *cell == XCell::from("职称") {
            *cell = XCell::from("*职称");
        }
    }
    assert_eq!(load_xlsx(&tables), clean_with_kept());
}

/// Excel's only UTF-16 export, "Unicode text", separates cells by tabs
/// (so does "Text (tab delimited)"): such a table, renamed `.csv`, loads
/// as the comma one does, with a note, from memory and from disk; commas
/// inside a tab-separated cell are text.
#[test]
fn tab_separated_tables_as_excel_saves_unicode_text_load_like_csv() {
    let office = office_csv();
    let tabbed = |t: &str| -> Vec<u8> {
        let t = t.replace(',', "\t").replace("年假", "年假,病假");
        let mut b = vec![0xFF, 0xFE];
        b.extend(t.encode_utf16().flat_map(u16::to_le_bytes));
        b
    };
    let mut input = CsvInput::default();
    for (name, text) in &office {
        if *name == "experts.csv" {
            input.set(name, tabbed(text));
        } else {
            input.set(name, text.as_bytes().to_vec());
        }
    }
    let (inst, notes) = load_csv_noted(Path::new("d"), &input).unwrap_or_else(|e| panic!("{e}"));
    let mut want = clean_with_kept();
    for row in &mut want.kept.experts.rows {
        for v in row.iter_mut() {
            if v == "年假" {
                *v = "年假,病假".into();
            }
        }
    }
    assert_eq!(inst, want);
    assert!(
        notes
            .notes
            .iter()
            .any(|n| n.contains("d/experts.csv: cells are separated by tabs")),
        "{notes:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in &office {
        let bytes = if *name == "experts.csv" {
            tabbed(text)
        } else {
            text.as_bytes().to_vec()
        };
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    assert_eq!(panels::io::load_instance(dir.path()).unwrap(), inst);
}

/// A workbook whose experts' and applications' sheets carry the office's
/// own names (专家信息表, 项目信息) is refused with what to change: the
/// names to give them and the workbook's other sheets, among which they
/// are.
#[test]
fn a_missing_table_sheet_names_the_sheets_there_are_and_what_to_rename() {
    let mut tables = office_workbook();
    for t in &mut tables {
        if t.name == "专家库" {
            t.name = "专家信息表".into();
        } else if t.name == "申报项目" || t.name == "项目" {
            t.name = "项目信息".into();
        }
    }
    let bytes = tables_xlsx_bytes(Path::new("t.xlsx"), &tables).unwrap();
    let text = panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("missing sheet experts (专家): the pool of experts is required; name its sheet 专家, 专家库 or experts; the workbook's other sheets are")
            && text.contains("\"专家信息表\"")
            && text.contains("\"项目信息\"")
            && text.contains("name their sheet 申报项目, 项目 or applications"),
        "{text}"
    );
}

/// A list typed with commas (`P9，E2` with a Chinese comma, `F0301,F0302`)
/// is not split at them — SPEC's separators are `;`, `；` and `、` — but
/// never silently: one note per file and field says how the cell was read
/// and what to write.
#[test]
fn a_list_typed_with_commas_is_noted_not_silently_read_as_one_item() {
    let mut files = office_csv();
    files[1].1 = files[1].1.replacen("P9、E2", "\"P9，E2\"", 1);
    let (inst, notes) = load_csv_noted(Path::new("d"), &csv_input(&files)).unwrap();
    assert_eq!(inst.applications.len(), 2);
    assert!(
        notes.notes.iter().any(|n| n
            .contains("d/applications.csv: field team: an item holds a comma")
            && n.contains("P0001；P0002")),
        "{notes:?}"
    );
}

// ------------------------------------------------------------ GBK bytes that are valid UTF-8

/// The files of a small round in 太原 and 眉山, each in an encoding.
fn taiyuan_files(prefix_rows: usize) -> Vec<(&'static str, String)> {
    let mut experts = String::from("id,name,city,institution\n");
    for i in 0..prefix_rows {
        experts.push_str(&format!("X{i:06},Name {i},Elsewhere,Inst {i}\n"));
    }
    experts.push_str("E1,毛,太原,U1\nE2,Li,太原,U2\nE3,Wu,眉山,U3\nE4,Qian,台山,U4\n");
    vec![
        ("experts.csv", experts),
        (
            "applications.csv",
            "id,city,institution\nA1,太原,山西大学\nA2,眉山,眉山学院\n".to_string(),
        ),
        (
            "policy.json",
            r#"{"panel_size": 2, "min_outside": 1, "max_load": 1}"#.to_string(),
        ),
    ]
}

fn load_encoded(
    files: &[(&str, String)],
    gbk: &[&str],
) -> (Instance, Vec<String>, Instance, Vec<String>) {
    let mut input = CsvInput::default();
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let bytes = if gbk.contains(name) {
            encoding_rs::GB18030.encode(text).0.into_owned()
        } else {
            text.as_bytes().to_vec()
        };
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        input.set(name, bytes);
    }
    let (memory, notes) = load_csv_noted(Path::new("d"), &input).unwrap_or_else(|e| panic!("{e}"));
    let disk =
        panels::io::load_instance_noted(dir.path(), &|_| {}).unwrap_or_else(|e| panic!("{e}"));
    (memory, notes.notes, disk.instance, disk.notes)
}

/// GBK text whose bytes happen to be valid UTF-8 (太原 is the UTF-8 of a
/// combining mark and a Cyrillic letter) is read as GB18030, with a note,
/// in a small file and in one streamed after a long ASCII prefix; the
/// round is the one its UTF-8 twin gives, and a 太原 expert is never
/// outside 太原.
#[test]
fn gbk_bytes_that_are_valid_utf8_are_read_as_gb18030() {
    for prefix_rows in [0, 5000] {
        let files = taiyuan_files(prefix_rows);
        let clean = load_encoded(&files, &[]).0;
        for gbk in [&["experts.csv"][..], &["experts.csv", "applications.csv"]] {
            let (memory, notes, disk, disk_notes) = load_encoded(&files, gbk);
            assert_eq!(memory, clean, "{gbk:?} {prefix_rows}");
            assert_eq!(disk, clean, "{gbk:?} {prefix_rows} from disk");
            for notes in [&notes, &disk_notes] {
                assert!(
                    notes
                        .iter()
                        .any(|n| n.contains("experts.csv") && n.contains("read as GB18030")),
                    "{notes:?}"
                );
            }
        }
        let e1 = clean.experts.iter().position(|e| e.id == "E1").unwrap();
        let a1 = clean
            .applications
            .iter()
            .position(|a| a.id == "A1")
            .unwrap();
        assert_eq!(clean.experts[e1].city, clean.applications[a1].city);
    }
}

/// A table whose bytes read both ways (毛 in GBK is the UTF-8 of ë) is
/// read as GB18030 when another table of the directory is GB18030, and
/// kept as UTF-8 with a note when none is.
#[test]
fn ambiguous_tables_follow_the_directory() {
    let files = vec![
        (
            "experts.csv",
            "id,name,city,institution\nE1,毛,Wuhan,U1\nE2,Li,Hefei,U2\n".to_string(),
        ),
        (
            "applications.csv",
            "id,city,institution\nA1,Wuhan,武汉大学\n".to_string(),
        ),
        ("policy.json", r#"{"panel_size": 1}"#.to_string()),
    ];
    let clean = load_encoded(&files, &[]).0;
    let (memory, notes, disk, disk_notes) =
        load_encoded(&files, &["experts.csv", "applications.csv"]);
    assert_eq!(memory, clean);
    assert_eq!(disk, clean);
    for notes in [&notes, &disk_notes] {
        assert!(
            notes.iter().any(|n| n.contains("experts.csv")
                && n.contains("like the directory's other GB18030 tables")),
            "{notes:?}"
        );
    }
    // Alone, the ambiguous table stays UTF-8, said so.
    let (memory, notes, _, disk_notes) = load_encoded(&files, &["experts.csv"]);
    assert_eq!(memory.experts[0].name.as_deref(), Some("ë"));
    for notes in [&notes, &disk_notes] {
        assert!(
            notes
                .iter()
                .any(|n| n.contains("experts.csv") && n.contains("save it as \"CSV UTF-8\"")),
            "{notes:?}"
        );
    }
    // Real UTF-8 with Latin letters beyond ASCII stays UTF-8 beside a
    // GBK table, without a note.
    let mut files = files;
    files[0].1 = "id,name,city,institution\nE1,Müller,Zürich,U1\nE2,Li,Hefei,U2\n".into();
    let (memory, notes, _, _) = load_encoded(&files, &["applications.csv"]);
    assert_eq!(memory.experts[0].name.as_deref(), Some("Müller"));
    assert!(
        !notes.iter().any(|n| n.contains("experts.csv")),
        "{notes:?}"
    );
}

// ------------------------------------------------------------ repeated headers, blank rows

/// A header repeated inside a table (blocks pasted together, each with
/// its header) is an error at its row, in a CSV file and in a workbook
/// alike, whether it repeats the header as written or names the columns
/// by their other names; never a record.
#[test]
fn a_repeated_header_row_is_an_error_naming_its_row() {
    let office = office_csv();
    let with = |name: &str, text: String| {
        let mut files = office.clone();
        files.iter_mut().find(|(n, _)| *n == name).unwrap().1 = text;
        files
    };
    let experts = &office[0].1;
    let mut lines: Vec<&str> = experts.lines().collect();
    let header = lines[1];
    lines.insert(3, header);
    let cases = [
        ("experts.csv", lines.join("\n") + "\n", 4),
        (
            "experts.csv",
            experts.replacen("E2,", "编号,姓名,城市,单位,,,,,,,,,\nE2,", 1),
            4,
        ),
        (
            "applications.csv",
            office[1].1.replacen(
                "A2,",
                "项目编号,项目名称,城市,申报单位,学科,关键词,评审专家数,团队成员,申请回避专家\nA2,",
                1,
            ),
            3,
        ),
    ];
    for (name, text, row) in cases {
        let errs = load_csv_from_bytes(Path::new("d"), &csv_input(&with(name, text)))
            .unwrap_err()
            .to_string();
        assert!(
            errs.contains(&format!("{name} row {row}"))
                && errs.contains(&format!("row {row} repeats the header"))
                && errs.contains("delete it"),
            "{errs}"
        );
    }
    let sheet = table(
        "专家",
        &["专家编号", "姓名", "城市", "单位"],
        &[
            &["E1", "李伟", "武汉", "武汉大学"],
            &["专家编号", "姓名", "城市", "单位"],
            &["E2", "王芳", "长沙", "中南大学"],
        ],
    );
    let apps = table(
        "申报项目",
        &["项目编号", "城市", "申报单位"],
        &[&["A1", "长沙", "中南大学"]],
    );
    let bytes = tables_xlsx_bytes(Path::new("t.xlsx"), &[sheet, apps]).unwrap();
    let errs = panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        errs.contains("sheet 专家 row 3") && errs.contains("row 3 repeats the header"),
        "{errs}"
    );
}

/// Excel writes a blank row of a CSV file as a line of commas: skipped,
/// in the middle and at the end, as a blank workbook row is.
#[test]
fn rows_of_empty_cells_are_skipped_in_csv() {
    let office = office_csv();
    let clean = load_csv(&office);
    let mut files = office.clone();
    files[0].1 = files[0]
        .1
        .replacen("E2,", ",,,,,,,,,,,,\n , ,,\u{3000},,,,,,,,,\nE2,", 1)
        + ",,,,,,,,,,,,\r\n,,,,,,,,,,,,\r\n";
    files[1].1.push_str(",,,,,,,,\n");
    assert_eq!(load_csv(&files), clean);
}

// ------------------------------------------------------------ policy errors at their rows

/// An error about a policy key found after reading (a city or programme
/// no application has) names the file the policy came from and the key's
/// row: `policy.csv` (not a `policy.json` the directory does not have),
/// the workbook's 参数 sheet.
#[test]
fn policy_errors_name_the_policy_rows() {
    let mut files = office_csv();
    let policy = files.iter_mut().find(|(n, _)| *n == "policy.csv").unwrap();
    policy
        .1
        .push_str("min_outside_share_by_city,\"{\"\"南京\"\": 0.5}\"\n");
    policy
        .1
        .push_str("programmes,\"{\"\"人才计划\"\": {\"\"min_outside\"\": 1}}\"\n");
    let errs = load_csv_from_bytes(Path::new("d"), &csv_input(&files))
        .unwrap_err()
        .to_string();
    assert!(!errs.contains("policy.json"), "{errs}");
    assert!(
        errs.contains("policy.csv row 7")
            && errs.contains("min_outside_share_by_city")
            && errs.contains("南京"),
        "{errs}"
    );
    assert!(
        errs.contains("policy.csv row 8") && errs.contains("人才计划"),
        "{errs}"
    );
    let sheets = [
        table(
            "参数",
            &["参数", "值"],
            &[
                &["panel_size", "1"],
                &["min_outside_share_by_city", "{\"南京\": 0.5}"],
            ],
        ),
        table(
            "专家",
            &["专家编号", "城市", "单位"],
            &[&["E1", "武汉", "武汉大学"]],
        ),
        table(
            "申报项目",
            &["项目编号", "城市", "申报单位"],
            &[&["A1", "长沙", "中南大学"]],
        ),
    ];
    let bytes = tables_xlsx_bytes(Path::new("t.xlsx"), &sheets).unwrap();
    let errs = panels::io::xlsx::load_xlsx_from_bytes(Path::new("t.xlsx"), &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        errs.contains("sheet 参数 row 3") && errs.contains("南京"),
        "{errs}"
    );
}

/// `0,5` in a policy number is refused, saying a comma is not a decimal
/// mark.
#[test]
fn a_decimal_comma_in_the_policy_is_refused_saying_so() {
    let mut files = office_csv();
    let policy = files.iter_mut().find(|(n, _)| *n == "policy.csv").unwrap();
    policy.1 = policy
        .1
        .replace("min_outside_share,0.5", "min_outside_share,\"0,5\"");
    let errs = load_csv_from_bytes(Path::new("d"), &csv_input(&files))
        .unwrap_err()
        .to_string();
    assert!(
        errs.contains("policy.csv row 3") && errs.contains("a comma is not a decimal mark"),
        "{errs}"
    );
}

// ------------------------------------------------------------ spellings that may change a rule

/// Field codes keep their letter case (SPEC folds case for places only):
/// an application's `f0301` is not the experts' `F0301`. The load notes
/// both spellings and who lists them, and when `cover_fields` cannot be
/// met because of it, the finding names the experts' spelling.
#[test]
fn field_codes_differing_only_in_letter_case_are_noted_and_named_when_infeasible() {
    let files = |policy: &str| {
        vec![
            (
                "experts.csv",
                "id,city,institution,fields\nE1,武汉,U1,F0301\nE2,长沙,U2,F0301\nE3,合肥,U3,F0302\n"
                    .to_string(),
            ),
            (
                "applications.csv",
                "id,city,institution,fields\nA1,南昌,U9,f0301\n".to_string(),
            ),
            ("policy.json", policy.to_string()),
        ]
    };
    let plain = files(r#"{"panel_size": 2}"#);
    let (inst, notes) = load_csv_noted(Path::new("d"), &csv_input(&plain)).unwrap();
    let notes = notes.notes.join("\n");
    assert!(
        notes.contains(
            "the field codes \"F0301\" (listed by experts E1, E2) and \"f0301\" (listed by \
             application A1) differ only in letter case"
        ),
        "{notes}"
    );
    // The rule is unchanged: the codes are two fields.
    assert_eq!(inst.applications[0].fields, ["f0301"]);

    let covered = files(r#"{"panel_size": 2, "cover_fields": true}"#);
    let inst = load_csv(&covered);
    let elig = Eligibility::compute(&inst);
    let Err(panels::solve::SolveError::Infeasible(why)) =
        panels::solve::solve(&inst, &elig, panels::solve::Method::Auto)
    else {
        panic!("cover_fields with f0301 against F0301 is infeasible");
    };
    let finding = why
        .findings
        .iter()
        .position(|f| f.contains("no eligible expert lists field f0301"))
        .unwrap_or_else(|| panic!("{why}"));
    assert!(
        why.findings[finding].contains("they list \"F0301\", which differs only in letter case"),
        "{why}"
    );
    assert!(why.findings_zh[finding].contains("“F0301”"), "{why:?}");
    assert!(
        why.fixes.iter().any(|f| f.contains("same letter case")),
        "{why}"
    );

    // Codes written alike: no note.
    let mut alike = plain.clone();
    alike[1].1 = alike[1].1.replace("f0301", "F0301");
    let (_, notes) = load_csv_noted(Path::new("d"), &csv_input(&alike)).unwrap();
    assert!(
        !notes.notes.iter().any(|n| n.contains("letter case")),
        "{notes:?}"
    );
}

/// Person ids that differ only in letter case are two people (ids keep
/// their case) and cities that differ by a trailing 市 are two cities
/// (SPEC merges neither); each is noted, so the rule change is never
/// silent.
#[test]
fn near_spellings_of_persons_and_cities_are_noted() {
    let files = vec![
        (
            "experts.csv",
            "id,city,institution\nE1,武汉市,U1\nE2,长沙,U2\nE3,合肥,U3\n".to_string(),
        ),
        (
            "applications.csv",
            "id,city,institution,team\nA1,武汉,U9,P1\n".to_string(),
        ),
        ("coauthorships.csv", "a,b\nE3,p1\n".to_string()),
        ("policy.json", r#"{"panel_size": 1}"#.to_string()),
    ];
    let (inst, notes) = load_csv_noted(Path::new("d"), &csv_input(&files)).unwrap();
    assert_eq!(inst.cities.len(), 4, "武汉市 and 武汉 stay two cities");
    let notes = notes.notes.join("\n");
    assert!(
        notes.contains("\"P1\" and \"p1\" differ only in letter case"),
        "{notes}"
    );
    assert!(
        notes.contains("the cities \"武汉市\" and \"武汉\" differ only by a trailing 市"),
        "{notes}"
    );
    // Without the near spellings, no such notes.
    let mut clean = files.clone();
    clean[0].1 = clean[0].1.replace("武汉市", "武汉");
    clean[2].1 = clean[2].1.replace("p1", "P1");
    let (_, notes) = load_csv_noted(Path::new("d"), &csv_input(&clean)).unwrap();
    assert!(
        !notes
            .notes
            .iter()
            .any(|n| n.contains("letter case") || n.contains("市")),
        "{notes:?}"
    );
}

/// A year typed as offices type it — `2025年`, `２０２５年度` — is the year,
/// in every form a year is read from: the history table (CSV, workbook,
/// bundle), the policy (`policy.csv`, a policy sheet, `policy.json`, a
/// bundle) and the co-authorships; the round loads as with plain years.
/// Text that is no year stays refused, saying how a year is written, in
/// both languages.
#[test]
fn a_year_typed_with_nian_is_the_year_in_every_form() {
    let experts = "id,city,institution\nE1,武汉,武汉大学\nE2,长沙,中南大学\n";
    let apps = "id,city,institution\nA1,合肥,中国科学技术大学\n";
    let csv_round = |policy_year: &str, history_year: &str, coauthor_year: &str| {
        load_csv(&[
            ("experts.csv", experts.to_string()),
            ("applications.csv", apps.to_string()),
            (
                "policy.csv",
                format!("参数,值\npanel_size,1\nmax_declines,1\nyear,{policy_year}\n"),
            ),
            (
                "history.csv",
                format!("年份,专家编号,申报单位\n{history_year},E1,中南大学\n"),
            ),
            (
                "coauthorships.csv",
                format!("a,b,year\nE1,P9,{coauthor_year}\n"),
            ),
        ])
    };
    let plain = csv_round("2026", "2025", "2024");
    assert_eq!(plain.policy.year, Some(2026));
    assert_eq!(plain.history.records[0].year, 2025);
    for (p, h, c) in [
        ("2026年", "2025年", "2024年"),
        ("２０２６年", "２０２５ 年", "2024年度"),
        ("2026年度", "2025", "2024年"),
    ] {
        assert_eq!(csv_round(p, h, c), plain, "{p} {h} {c}");
    }
    // policy.json and a bundle: a year as a JSON number or as text.
    let json_round = |year: serde_json::Value, past: serde_json::Value| {
        serde_json::json!({
            "policy": {"panel_size": 1, "max_declines": 1, "year": year},
            "experts": [
                {"id": "E1", "city": "武汉", "institution": "武汉大学"},
                {"id": "E2", "city": "长沙", "institution": "中南大学"}
            ],
            "applications": [{"id": "A1", "city": "合肥", "institution": "中国科学技术大学"}],
            "history": [{"year": past, "expert": "E1", "institution": "中南大学"}]
        })
        .to_string()
    };
    let load = |text: String| {
        load_bundle_from_bytes(Path::new("b.json"), text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let bundle_plain = load(json_round(2026.into(), 2025.into()));
    assert_eq!(
        load(json_round("2026年".into(), "２０２５年".into())),
        bundle_plain
    );
    assert_eq!(bundle_plain.policy.year, Some(2026));
    assert_eq!(bundle_plain.history.records[0].year, 2025);
    // A workbook: the policy sheet and the history sheet.
    let book = |policy_year: &str, history_year: &str| {
        load_xlsx(&[
            table(
                "参数",
                &["参数", "值"],
                &[
                    &["panel_size", "1"],
                    &["max_declines", "1"],
                    &["year", policy_year],
                ],
            ),
            table(
                "专家",
                &["专家编号", "城市", "工作单位"],
                &[&["E1", "武汉", "武汉大学"], &["E2", "长沙", "中南大学"]],
            ),
            table(
                "申报项目",
                &["项目编号", "城市", "申报单位"],
                &[&["A1", "合肥", "中国科学技术大学"]],
            ),
            table(
                "历史",
                &["年份", "专家编号", "申报单位"],
                &[&[history_year, "E1", "中南大学"]],
            ),
        ])
    };
    let book_plain = book("2026", "2025");
    assert_eq!(book("2026年", "2025年"), book_plain);
    assert_eq!(book_plain.history.records[0].year, 2025);

    // Real garbage stays refused, saying how to write a year.
    for bad in ["2025年3月", "二〇二五年", "去年", "年"] {
        let input = csv_input(&[
            ("experts.csv", experts.to_string()),
            ("applications.csv", apps.to_string()),
            (
                "policy.csv",
                "参数,值\npanel_size,1\nyear,2026\n".to_string(),
            ),
            (
                "history.csv",
                format!("年份,专家编号,申报单位\n{bad},E1,中南大学\n"),
            ),
        ]);
        let errs = load_csv_from_bytes(Path::new("d"), &input).expect_err(bad);
        let e = errs.first();
        assert_eq!(e.field(), Some("year"), "{bad}: {e}");
        assert!(
            e.message()
                .contains("expected a year such as 2025 or 2025年"),
            "{bad}: {e}"
        );
        assert!(
            e.message_in(Lang::Zh)
                .starts_with("应为年份（如 2025 或 2025年），实际为"),
            "{bad}: {}",
            e.message_in(Lang::Zh)
        );
    }
    let errs = load_bundle_from_bytes(
        Path::new("b.json"),
        json_round("明年".into(), 2025.into()).as_bytes(),
    )
    .expect_err("no year");
    assert!(
        errs.first()
            .message()
            .contains("expected a year such as 2025"),
        "{errs}"
    );
}

/// An expert's programme that no application names is never dropped
/// silently: the load notes it (for stderr), naming the experts, the
/// programme and the programme of the round it is near; a correctly
/// spelt programme is not noted, and the expert still serves it.
#[test]
fn an_experts_programme_no_application_names_is_noted_with_the_near_name() {
    let files = [
        (
            "experts.csv",
            "专家编号,城市,工作单位,可评计划\n\
             E1,武汉,武汉大学,人才计化\n\
             E2,合肥,中国科学技术大学,人才计划；科技进步奖\n\
             E3,南昌,南昌大学,人才计化、青年基金\n\
             E4,长沙,湖南大学,\n"
                .to_string(),
        ),
        (
            "applications.csv",
            "项目编号,城市,申报单位,计划类别\nA1,长沙,中南大学,人才计划\nA2,长沙,中南大学,科技进步奖\n"
                .to_string(),
        ),
        ("policy.csv", "参数,值\npanel_size,1\n".to_string()),
    ];
    let (inst, notes) =
        load_csv_noted(Path::new("d"), &csv_input(&files)).unwrap_or_else(|e| panic!("{e}"));
    let unnamed = panels::io::unnamed_programmes(&inst);
    assert_eq!(unnamed.len(), 2, "{unnamed:?}");
    assert_eq!(unnamed[0].programme, "人才计化");
    assert_eq!(unnamed[0].experts, ["E1", "E3"]);
    assert_eq!(unnamed[0].near.as_deref(), Some("人才计划"));
    assert_eq!(unnamed[1].programme, "青年基金");
    assert_eq!(unnamed[1].near, None);
    let noted: Vec<&String> = notes
        .notes
        .iter()
        .filter(|n| n.contains("no application names"))
        .collect();
    assert_eq!(noted.len(), 2, "{:?}", notes.notes);
    assert_eq!(
        noted[0],
        "note: 2 experts (E1, E3) list the programme \"人才计化\", which no application \
         names; did you mean \"人才计划\"? As written, they do not serve \"人才计划\"; correct \
         the experts' programmes"
    );
    assert!(
        noted[1].contains("\"青年基金\"") && noted[1].contains("(E3)"),
        "{}",
        noted[1]
    );
    assert_eq!(
        unnamed[0].text(Lang::Zh),
        "2 位专家（E1、E3）的可评计划中有“人才计化”，但没有任何申报项目属于该计划；\
         是否应为“人才计划”？按现在的写法，这些专家不参加“人才计划”的评审；请更正专家的可评计划"
    );
    // The same round from the command line: the note on stderr, exit 0.
    let dir = tempfile::tempdir().unwrap();
    let round = dir.path().join("round");
    std::fs::create_dir(&round).unwrap();
    for (name, text) in &files {
        std::fs::write(round.join(name), text).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_panels"))
        .arg("solve")
        .arg(&round)
        .arg("--out")
        .arg(dir.path().join("panels.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("did you mean \"人才计划\""), "{stderr}");
}
