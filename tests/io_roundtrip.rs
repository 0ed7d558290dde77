//! Round trips: model → bundle / CSV → model gives the same `Instance`;
//! both input forms of the same data load to equal instances; writers are
//! deterministic; panels files read back what was written.

use std::path::Path;

use panels::io::panels::{PanelRecord, PanelsFile};
use panels::io::{
    self, bundle_to_bytes, csv_to_bytes, load_bundle_from_bytes, load_csv_from_bytes,
    load_instance, load_instance_hashed, read_panels, write_instance, write_panels, CsvInput,
    InstanceFormat,
};
use panels::model::{
    Affinity, AppIx, Application, CityIx, Coauthorship, Conflict, ConflictWith, Expert, ExpertIx,
    InstIx, Instance, Interner, PersonIx, Policy, Score,
};
use proptest::prelude::*;

// ------------------------------------------------------------ a test-side builder

/// Instance data with string references, turned into an `Instance` by the
/// test's own interning (the model's documented order), independent of io.
#[derive(Clone, Debug)]
struct Spec {
    policy: Policy,
    experts: Vec<ExpertSpec>,
    apps: Vec<AppSpec>,
    coauthorships: Vec<(String, String, Option<i32>)>,
    /// (expert index, with = app id or person id, reason)
    conflicts: Vec<(usize, String, Option<String>)>,
    affinity: Option<Vec<(usize, usize, i64)>>,
}

#[derive(Clone, Debug)]
struct ExpertSpec {
    name: Option<String>,
    city: String,
    institution: String,
    fields: Vec<String>,
    keywords: Vec<String>,
    title: Option<String>,
    max_load: Option<u32>,
    min_load: Option<u32>,
    available: bool,
}

#[derive(Clone, Debug)]
struct AppSpec {
    title: Option<String>,
    city: String,
    institution: String,
    fields: Vec<String>,
    keywords: Vec<String>,
    panel_size: Option<u32>,
    team: Vec<String>,
    avoid: Vec<usize>,
}

fn build(spec: &Spec) -> Instance {
    let mut cities = Interner::default();
    let mut institutions = Interner::default();
    let mut persons = Interner::default();
    let experts: Vec<Expert> = spec
        .experts
        .iter()
        .enumerate()
        .map(|(i, e)| {
            persons.intern(&format!("E{i}"));
            Expert {
                id: format!("E{i}"),
                name: e.name.clone(),
                city: CityIx(cities.intern(&e.city)),
                institution: InstIx(institutions.intern(&e.institution)),
                fields: e.fields.clone(),
                keywords: e.keywords.clone(),
                title: e.title.clone(),
                max_load: e.max_load,
                min_load: e.min_load,
                available: e.available,
                programmes: Vec::new(),
            }
        })
        .collect();
    let applications: Vec<Application> = spec
        .apps
        .iter()
        .enumerate()
        .map(|(j, a)| Application {
            id: format!("A{j}"),
            title: a.title.clone(),
            city: CityIx(cities.intern(&a.city)),
            institution: InstIx(institutions.intern(&a.institution)),
            fields: a.fields.clone(),
            keywords: a.keywords.clone(),
            panel_size: a.panel_size,
            team: a.team.iter().map(|p| PersonIx(persons.intern(p))).collect(),
            avoid: a.avoid.iter().map(|&e| ExpertIx(e as u32)).collect(),
            programme: None,
        })
        .collect();
    let coauthorships = spec
        .coauthorships
        .iter()
        .map(|(a, b, year)| Coauthorship {
            a: PersonIx(persons.intern(a)),
            b: PersonIx(persons.intern(b)),
            year: *year,
        })
        .collect();
    let conflicts = spec
        .conflicts
        .iter()
        .map(|(e, with, reason)| Conflict {
            expert: ExpertIx(*e as u32),
            with: match with.strip_prefix('A') {
                Some(n) => ConflictWith::Application(AppIx(n.parse().unwrap())),
                None => ConflictWith::Person(PersonIx(persons.get(with).unwrap())),
            },
            reason: reason.clone(),
        })
        .collect();
    let affinity = spec.affinity.as_ref().map(|l| {
        l.iter()
            .map(|&(a, e, s)| Affinity {
                application: AppIx(a as u32),
                expert: ExpertIx(e as u32),
                score: Score(s),
            })
            .collect()
    });
    Instance {
        policy: spec.policy.clone(),
        experts,
        applications,
        conflicts,
        coauthorships,
        affinity,
        cities,
        institutions,
        persons,
        kept: Default::default(),
        programmes: Default::default(),
        history: Default::default(),
    }
}

// ------------------------------------------------------------ strategies

/// Texts that stress CSV quoting and scripts: commas, quotes, newlines,
/// Chinese, leading spaces.
fn text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Wuhan",
        "武汉",
        "长沙",
        "Hefei, Anhui",
        "the \"east\" campus",
        "two\nlines",
        " padded ",
        "南昌大学",
        "x;y",
    ])
    .prop_map(str::to_string)
}

/// Names (places, titles) as the readers keep them: in normal form
/// (SPEC "Names as offices type them"), still stressing CSV quoting.
fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Wuhan",
        "武汉",
        "长沙",
        "Hefei, Anhui",
        "the \"east\" campus",
        "南昌大学",
        "x;y",
    ])
    .prop_map(str::to_string)
}

fn items() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec![
            "F0301",
            "F0302",
            "G01",
            "光学",
            "lasers",
            "deep learning",
        ]),
        0..3,
    )
    .prop_map(|v| v.into_iter().map(str::to_string).collect())
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        (
            1u32..6,
            0.0f64..=1.0,
            0u32..3,
            prop::option::of(1u32..5),
            prop::option::of(1u32..5),
        ),
        (
            3u32..10,
            0u32..3,
            any::<bool>(),
            0u32..3,
            prop::option::of(0u32..10),
        ),
        (
            prop::option::of(1990i32..2030),
            -1000.0f64..1000.0,
            prop::option::of(-1.0f64..1.0),
            any::<u64>(),
        ),
    )
        .prop_map(
            |((k, share, mo, mpc, mpi), (maxl, minl, asi, hops, cy), (year, da, ma, seed))| {
                Policy {
                    panel_size: k,
                    min_outside_share: share,
                    min_outside: mo,
                    max_per_city: mpc,
                    max_per_institution: mpi,
                    max_load: maxl,
                    min_load: minl,
                    avoid_same_institution: asi,
                    coauthor_hops: hops,
                    coauthor_years: cy,
                    year,
                    default_affinity: da,
                    min_affinity: ma,
                    seed,
                    // Extension fields (draw, crossing rules) round-trip in
                    // their own tests.
                    ..Policy::default()
                }
            },
        )
}

fn expert() -> impl Strategy<Value = ExpertSpec> {
    (
        prop::option::of(text()),
        name(),
        name(),
        items(),
        items(),
        prop::option::of(name()),
        prop::option::of(3u32..10),
        prop::option::of(0u32..3),
        any::<bool>(),
    )
        .prop_map(
            |(name, city, institution, fields, keywords, title, max_load, min_load, available)| {
                ExpertSpec {
                    name,
                    city,
                    institution,
                    fields,
                    keywords,
                    title,
                    max_load,
                    min_load,
                    available,
                }
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (policy(), prop::collection::vec(expert(), 1..6), 1usize..5).prop_flat_map(
        |(policy, experts, n_apps)| {
            let ne = experts.len();
            let person = prop::sample::select(
                (0..ne)
                    .map(|i| format!("E{i}"))
                    .chain(["P1", "P2", "张三"].map(String::from))
                    .collect::<Vec<_>>(),
            );
            let app = (
                prop::option::of(name()),
                name(),
                name(),
                items(),
                items(),
                prop::option::of(1u32..6),
                prop::collection::vec(person.clone(), 0..3),
                prop::collection::vec(0..ne, 0..3),
            )
                .prop_map(
                    |(title, city, institution, fields, keywords, panel_size, team, avoid)| {
                        AppSpec {
                            title,
                            city,
                            institution,
                            fields,
                            keywords,
                            panel_size,
                            team,
                            avoid,
                        }
                    },
                );
            let coauthor = (person.clone(), person, prop::option::of(1990i32..2030))
                .prop_filter("no self links", |(a, b, _)| a != b);
            let affinity = prop::option::of(prop::collection::btree_map(
                (0..n_apps, 0..ne),
                -1_000_000_000i64..=1_000_000_000,
                0..6,
            ));
            (
                Just(policy),
                Just(experts),
                prop::collection::vec(app, n_apps),
                prop::collection::vec(coauthor, 0..4),
                prop::collection::vec(
                    (
                        0..ne,
                        any::<prop::sample::Index>(),
                        prop::option::of(text()),
                    ),
                    0..4,
                ),
                affinity,
            )
                .prop_map(
                    |(policy, experts, apps, coauthorships, raw_conflicts, affinity)| {
                        // A conflict's `with`: an application or a person known by now.
                        let mut known: Vec<String> =
                            (0..experts.len()).map(|i| format!("E{i}")).collect();
                        for a in &apps {
                            known.extend(a.team.iter().cloned());
                        }
                        for (a, b, _) in &coauthorships {
                            known.push(a.clone());
                            known.push(b.clone());
                        }
                        known.extend((0..apps.len()).map(|j| format!("A{j}")));
                        let conflicts = raw_conflicts
                            .into_iter()
                            .map(|(e, ix, reason)| (e, ix.get(&known).clone(), reason))
                            .collect();
                        Spec {
                            policy,
                            experts,
                            apps,
                            coauthorships,
                            conflicts,
                            affinity: affinity
                                .map(|m| m.into_iter().map(|((a, e), s)| (a, e, s)).collect()),
                        }
                    },
                )
        },
    )
}

fn load_bundle(bytes: &[u8]) -> Instance {
    load_bundle_from_bytes(Path::new("bundle.json"), bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn load_csv(input: &CsvInput) -> Instance {
    load_csv_from_bytes(Path::new("inst"), input).unwrap_or_else(|e| panic!("{e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn model_bundle_csv_model(spec in spec()) {
        let inst = build(&spec);
        let bundle = bundle_to_bytes(&inst).unwrap();
        let csv = csv_to_bytes(&inst).unwrap();
        let from_bundle = load_bundle(&bundle);
        let from_csv = load_csv(&csv);
        prop_assert_eq!(&from_bundle, &inst);
        prop_assert_eq!(&from_csv, &inst);
        // Writers are deterministic and agree after a round trip.
        prop_assert_eq!(bundle_to_bytes(&from_csv).unwrap(), bundle);
        prop_assert_eq!(csv_to_bytes(&from_bundle).unwrap(), csv);
    }
}

// ------------------------------------------------------------ fixed cases

const BUNDLE: &str = r#"{
  "policy": { "panel_size": 2, "min_outside_share": 0.5, "max_load": 3 },
  "experts": [
    { "id": "E1", "name": "李伟", "city": "武汉", "institution": "武汉大学",
      "fields": ["F0301", " F0302 ", ""], "keywords": ["光学"], "title": "教授",
      "max_load": 4, "min_load": 1, "available": true },
    { "id": "E2", "name": "", "city": "长沙", "institution": "中南大学", "available": false },
    { "id": "E3", "city": "合肥", "institution": "中国科学技术大学", "max_load": 2.0 }
  ],
  "applications": [
    { "id": "A1", "title": "光子传感器", "city": "长沙", "institution": "中南大学",
      "fields": ["F0301"], "team": ["P9", "E2"], "avoid": ["E3"], "panel_size": 2 },
    { "id": "A2", "city": "武汉", "institution": "华中科技大学", "team": ["P9"] }
  ],
  "conflicts": [ { "expert": "E1", "with": "A2", "reason": "同事" },
                 { "expert": "E3", "with": "P9" } ],
  "coauthorships": [ { "a": "E1", "b": "Q7", "year": 2023 }, { "a": "Q7", "b": "P9" } ],
  "affinity": [ { "application": "A1", "expert": "E1", "score": 0.83 } ]
}"#;

// Field by field reads best here: each file is its own literal.
#[allow(clippy::field_reassign_with_default)]
fn same_as_csv() -> CsvInput {
    CsvInput {
    // BOM + CRLF + Excel TRUE/FALSE + trailing unnamed empty column + columns in another order.
    experts: Some(
        "\u{feff}id,city,institution,name,fields,keywords,title,max_load,min_load,available,\r\n\
         E1,武汉,武汉大学,李伟,F0301; F0302 ;,光学,教授,4,1,TRUE,\r\n\
         E2,长沙,中南大学,,,,,,,FALSE,\r\n\
         E3,合肥,中国科学技术大学,,,,,2.0,,,\r\n"
            .as_bytes()
            .to_vec(),
    ),
    applications: Some(
        "id,title,city,institution,fields,keywords,panel_size,team,avoid\n\
         A1,光子传感器,长沙,中南大学,F0301,,2,P9;E2,E3\n\
         A2,,武汉,华中科技大学,,,,P9,\n"
            .as_bytes()
            .to_vec(),
    ),
    conflicts: Some(
        "expert,with,reason\nE1,A2,同事\nE3,P9,\n"
            .as_bytes()
            .to_vec(),
    ),
    coauthorships: Some(b"a,b,year\nE1,Q7,2023\nQ7,P9,\n".to_vec()),
    affinity: Some(b"application,expert,score\nA1,E1,0.83\n".to_vec()),
    policy: Some(br#"{ "panel_size": 2, "min_outside_share": 0.5, "max_load": 3 }"#.to_vec()),
    policy_csv: None,
    history: None,
    }
}

#[test]
fn bundle_and_csv_with_chinese_text_bom_and_excel_quirks_load_equal() {
    let a = load_bundle(BUNDLE.as_bytes());
    let b = load_csv(&same_as_csv());
    assert_eq!(a, b);
    // Spot checks on the model itself.
    assert_eq!(a.experts[0].fields, vec!["F0301", "F0302"]);
    assert_eq!(a.experts[1].name, None, "empty string means not given");
    assert_eq!(a.experts[2].max_load, Some(2));
    assert_eq!(a.expert_city(ExpertIx(0)), "武汉");
    assert_eq!(a.persons.names(), ["E1", "E2", "E3", "P9", "Q7"]);
    assert_eq!(a.applications[0].team, vec![PersonIx(3), PersonIx(1)]);
    assert_eq!(a.conflicts[1].with, ConflictWith::Person(PersonIx(3)));
    assert_eq!(a.affinity.as_ref().unwrap()[0].score, Score(830_000));
    assert_eq!(a.cities.names(), ["武汉", "长沙", "合肥"]);
}

#[test]
fn bom_on_a_bundle_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(BUNDLE.as_bytes());
    assert_eq!(load_bundle(&bytes), load_bundle(BUNDLE.as_bytes()));
}

#[test]
fn header_only_affinity_csv_means_an_empty_affinity_list() {
    let mut c = same_as_csv();
    c.affinity = Some(b"application,expert,score\n".to_vec());
    assert_eq!(load_csv(&c).affinity, Some(vec![]));
    c.affinity = None;
    assert_eq!(load_csv(&c).affinity, None);
    let with_key = BUNDLE.replace(
        r#"[ { "application": "A1", "expert": "E1", "score": 0.83 } ]"#,
        "[]",
    );
    assert_eq!(load_bundle(with_key.as_bytes()).affinity, Some(vec![]));
}

#[test]
fn on_disk_round_trip_both_forms_and_hash() {
    let inst = load_bundle(BUNDLE.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("round.json");
    let c = dir.path().join("round-csv");
    write_instance(&inst, &b, InstanceFormat::Bundle).unwrap();
    write_instance(&inst, &c, InstanceFormat::CsvDir).unwrap();
    assert_eq!(load_instance(&b).unwrap(), inst);
    assert_eq!(load_instance(&c).unwrap(), inst);
    // Overwriting an instance directory works and leaves no temp files.
    let mut no_aff = inst.clone();
    no_aff.affinity = None;
    write_instance(&no_aff, &c, InstanceFormat::CsvDir).unwrap();
    assert_eq!(load_instance(&c).unwrap(), no_aff);
    assert!(
        !c.join("affinity.csv").exists(),
        "a stale affinity.csv would change the instance"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "temp files left: {names:?}");

    // Hashes: bundle = sha256 of the bytes; load_instance_hashed agrees; a
    // changed file changes the directory hash; other files do not.
    let h1 = io::instance_sha256(&c).unwrap();
    assert_eq!(load_instance_hashed(&c).unwrap().1, h1);
    std::fs::write(c.join("notes.txt"), "not part of the instance").unwrap();
    assert_eq!(io::instance_sha256(&c).unwrap(), h1);
    let mut text = std::fs::read_to_string(c.join("conflicts.csv")).unwrap();
    text.push_str("E1,A1,\n");
    std::fs::write(c.join("conflicts.csv"), text).unwrap();
    assert_ne!(io::instance_sha256(&c).unwrap(), h1);
    let hb = io::instance_sha256(&b).unwrap();
    assert_eq!(hb.len(), 64);
    assert_eq!(load_instance_hashed(&b).unwrap().1, hb);

    // A directory holding other files is not replaced.
    let err = write_instance(&inst, &c, InstanceFormat::CsvDir).unwrap_err();
    assert!(err.to_string().contains("notes.txt"), "{err}");
}

#[test]
fn write_atomic_replaces_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.json");
    io::write_atomic(&p, b"first").unwrap();
    io::write_atomic(&p, b"second").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"second");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // A missing directory is an error, not a panic, and writes nothing.
    assert!(io::write_atomic(&dir.path().join("no/such/dir/x.json"), b"x").is_err());
}

#[test]
fn panels_round_trip_json_and_csv() {
    let inst = load_bundle(BUNDLE.as_bytes());
    let file = PanelsFile {
        status: "optimal".into(),
        objective: 1.33,
        bound: Some(1.33),
        panels: vec![
            PanelRecord {
                application: "A1".into(),
                programme: None,
                experts: vec!["E1".into(), "E3".into()],
                scores: Some(vec![0.83, 0.5]),
            },
            PanelRecord {
                application: "A2".into(),
                programme: None,
                experts: vec!["E3".into()],
                scores: Some(vec![0.0]),
            },
        ],
        solver: Some("flow".into()),
        seed: Some(7),
        input_sha256: None,
        certificate: None,
        stats: None,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("panels.json");
    write_panels(&j, &file, &inst).unwrap();
    assert_eq!(read_panels(&j).unwrap(), file);

    let c = dir.path().join("panels.CSV");
    write_panels(&c, &file, &inst).unwrap();
    let text = std::fs::read_to_string(&c).unwrap();
    assert_eq!(
        text,
        "\u{feff}application,expert,score,expert_city,application_city\n\
         A1,E1,0.83,武汉,长沙\nA1,E3,0.5,合肥,长沙\nA2,E3,0,合肥,武汉\n"
    );
    let back = read_panels(&c).unwrap();
    assert_eq!(back.panels, file.panels);
    // A CSV records no claims: its status reads as "not recorded".
    assert_eq!(back.status, panels::verify::STATUS_NOT_RECORDED);
    assert!((back.objective - 1.33).abs() < 1e-12);

    // Without scores: no score column, scores read back as None.
    let mut plain = file.clone();
    for p in &mut plain.panels {
        p.scores = None;
    }
    write_panels(&c, &plain, &inst).unwrap();
    assert!(std::fs::read_to_string(&c)
        .unwrap()
        .starts_with("\u{feff}application,expert,expert_city,"));
    assert_eq!(read_panels(&c).unwrap().panels, plain.panels);

    // Unknown extension: error, nothing written.
    let x = dir.path().join("panels.txt");
    assert!(matches!(
        write_panels(&x, &file, &inst),
        Err(io::WriteError::UnknownFormat { .. })
    ));
    assert!(!x.exists());
}
