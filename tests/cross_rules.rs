//! Each crossing rule binding on a crafted case: the answer
//! changes when the rule is on, every method finds the new optimum, and
//! `verify` names the rule in plain words when an answer breaks it. Also
//! the soft city bonus, the policy fields as read from a bundle, and the
//! explanations of infeasible crossing rules.

use std::path::Path;

use panels::eligibility::Eligibility;
use panels::model::{
    Affinity, AppIx, Application, CityIx, Expert, ExpertIx, InstIx, Instance, Interner, Policy,
    Score,
};
use panels::solve::{solve_with, Method, SolveError, SolveOptions, Solved, Status};
use panels::verify::{verify, Rule};

/// An expert: (city, title, fields).
type Ex<'a> = (&'a str, &'a str, &'a [&'a str]);
/// An application: (city, fields, panel size).
type Ap<'a> = (&'a str, &'a [&'a str], u32);

/// An instance where every expert and application has its own
/// institution; `scores[a][e]` is the affinity of each pair.
fn build(experts: &[Ex], apps: &[Ap], scores: &[&[f64]], policy: Policy) -> Instance {
    let mut cities = Interner::default();
    let mut institutions = Interner::default();
    let mut persons = Interner::default();
    let experts: Vec<Expert> = experts
        .iter()
        .enumerate()
        .map(|(i, &(city, title, fields))| {
            let id = format!("E{i}");
            persons.intern(&id);
            Expert {
                id,
                name: None,
                city: CityIx(cities.intern(city)),
                institution: InstIx(institutions.intern(&format!("EI{i}"))),
                fields: fields.iter().map(|s| s.to_string()).collect(),
                keywords: vec![],
                title: Some(title.to_string()),
                max_load: None,
                min_load: None,
                available: true,
                programmes: Vec::new(),
            }
        })
        .collect();
    let applications: Vec<Application> = apps
        .iter()
        .enumerate()
        .map(|(j, &(city, fields, k))| Application {
            id: format!("A{j}"),
            title: None,
            city: CityIx(cities.intern(city)),
            institution: InstIx(institutions.intern(&format!("AI{j}"))),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            keywords: vec![],
            panel_size: Some(k),
            team: vec![],
            avoid: vec![],
            programme: None,
        })
        .collect();
    let mut affinity = Vec::new();
    for (a, row) in scores.iter().enumerate() {
        for (e, &s) in row.iter().enumerate() {
            affinity.push(Affinity {
                application: AppIx(a as u32),
                expert: ExpertIx(e as u32),
                score: Score::from_f64(s).unwrap(),
            });
        }
    }
    Instance {
        policy,
        experts,
        applications,
        conflicts: vec![],
        coauthorships: vec![],
        affinity: Some(affinity),
        cities,
        institutions,
        persons,
        kept: Default::default(),
        programmes: Default::default(),
        history: Default::default(),
    }
}

fn run(inst: &Instance, method: Method) -> Result<Solved, SolveError> {
    let elig = Eligibility::compute(inst);
    solve_with(
        inst,
        &elig,
        &SolveOptions {
            method,
            ..Default::default()
        },
    )
}

fn ids(inst: &Instance, s: &Solved) -> Vec<Vec<String>> {
    s.panels
        .iter()
        .map(|p| p.iter().map(|e| inst.experts[e.ix()].id.clone()).collect())
        .collect()
}

/// Solves `off` (rule off) and `on` (rule on) and checks: the answers
/// differ, auto / MIP / Lagrangian agree on `on` at the expected objective
/// (all proven optimal, except the Lagrangian under `max_copanel`, which it
/// does not price: its bound is then the flow's), each passes `verify`,
/// and the rule-off answer checked against `on` breaks exactly `rule`;
/// returns that violation's message.
fn binds(off: &Instance, on: &Instance, expected: f64, rule: Rule) -> String {
    let before = run(off, Method::Auto).expect("feasible without the rule");
    let mut results = Vec::new();
    for m in [Method::Auto, Method::Mip, Method::Lagrange] {
        let s = run(on, m).unwrap_or_else(|e| panic!("{m:?}: {e}"));
        if m == Method::Lagrange && rule == Rule::Copanel {
            assert_eq!(s.status, Status::Feasible, "{m:?}");
            assert!(s.bound_micro.unwrap() > s.objective_micro);
        } else {
            assert_eq!(s.status, Status::Optimal, "{m:?}");
        }
        assert!(
            (panels::model::total_as_f64(s.objective_micro) - expected).abs() < 1e-9,
            "{m:?}: objective {} expected {expected}",
            s.objective_micro
        );
        let elig = Eligibility::compute(on);
        let file = panels::solve::panels_file(on, &elig, &s, "t".into());
        let report = verify(on, &file);
        assert!(report.is_ok(), "{m:?}: {}", report.render(on));
        results.push(ids(on, &s));
    }
    assert_ne!(ids(off, &before), results[0], "the rule changes the answer");
    let elig = Eligibility::compute(on);
    let file = panels::solve::panels_file(on, &elig, &before, "t".into());
    let report = verify(on, &file);
    let rules: Vec<Rule> = report.violations.iter().map(|v| v.rule()).collect();
    assert!(
        !rules.is_empty() && rules.iter().all(|&r| r == rule),
        "expected only {rule:?}, got {rules:?}"
    );
    report.violations[0].describe(on)
}

#[test]
fn min_senior_binds() {
    let experts: &[Ex] = &[
        ("Y", "lecturer", &[]),
        ("Y", "associate professor", &[]),
        ("Y", "Professor", &[]),
    ];
    let off = build(
        experts,
        &[("X", &[], 2)],
        &[&[0.9, 0.8, 0.3]],
        Policy::default(),
    );
    let mut on = off.clone();
    on.policy.min_senior = 1;
    let msg = binds(&off, &on, 1.2, Rule::Senior);
    assert!(msg.contains("A0: 0 experts with a senior title"), "{msg}");
    assert!(msg.contains("min_senior is 1"), "{msg}");
    // "Professor" counts (letter case ignored), "associate professor" not.
    assert!(on.is_senior(ExpertIx(2)) && !on.is_senior(ExpertIx(1)));
}

#[test]
fn senior_titles_match_by_prefix() {
    let experts: &[Ex] = &[
        ("Y", "正高级工程师", &[]),
        ("Y", "副研究员", &[]),
        ("Y", "研究员", &[]),
        ("Y", "主任医师", &[]),
        ("Y", "副主任医师", &[]),
    ];
    let inst = build(experts, &[("X", &[], 1)], &[&[0.0; 5]], Policy::default());
    let senior: Vec<bool> = inst.expert_ixs().map(|e| inst.is_senior(e)).collect();
    assert_eq!(senior, vec![true, false, true, true, false]);
}

#[test]
fn cover_fields_binds() {
    let experts: &[Ex] = &[
        ("Y", "lecturer", &["F0101"]),
        ("Y", "lecturer", &["F0101", "F0103"]),
        ("Y", "lecturer", &["F0102"]),
        // A shared discipline prefix does not cover F0102.
        ("Y", "lecturer", &["F01"]),
    ];
    let off = build(
        experts,
        &[("X", &["F0101", "F0102"], 2)],
        &[&[0.9, 0.8, 0.1, 0.7]],
        Policy::default(),
    );
    let mut on = off.clone();
    on.policy.cover_fields = true;
    let msg = binds(&off, &on, 1.0, Rule::FieldCoverage);
    assert!(msg.contains("F0102"), "{msg}");
}

/// Two applications in X and Y, one seat each; home experts score best.
fn two_cities() -> Instance {
    let experts: &[Ex] = &[
        ("X", "lecturer", &[]),
        ("Y", "lecturer", &[]),
        ("X", "lecturer", &[]),
        ("Y", "lecturer", &[]),
    ];
    build(
        experts,
        &[("X", &[], 1), ("Y", &[], 1)],
        &[&[0.9, 0.5, 0.0, 0.0], &[0.0, 0.0, 0.6, 0.9]],
        Policy {
            max_load: 1,
            ..Policy::default()
        },
    )
}

#[test]
fn round_outside_share_binds() {
    let off = two_cities();
    let mut on = off.clone();
    on.policy.min_outside_share_round = Some(0.5);
    let msg = binds(&off, &on, 1.5, Rule::RoundOutsideShare);
    assert!(
        msg.contains("0 of the round's 2 reviews come from outside")
            && msg.contains("min_outside_share_round 0.5 needs at least 1"),
        "{msg}"
    );
}

#[test]
fn outside_share_by_city_binds() {
    let off = two_cities();
    let mut on = off.clone();
    on.policy.min_outside_share_by_city.insert("X".into(), 1.0);
    let msg = binds(&off, &on, 1.4, Rule::RoundOutsideShare);
    assert!(
        msg.contains("0 of the 1 reviews of applications from X come from outside X"),
        "{msg}"
    );
}

#[test]
fn max_copanel_binds() {
    let experts: &[Ex] = &[
        ("Y", "lecturer", &[]),
        ("Y", "lecturer", &[]),
        ("Y", "lecturer", &[]),
    ];
    let off = build(
        experts,
        &[("X", &[], 2), ("X", &[], 2)],
        &[&[0.9, 0.8, 0.1], &[0.9, 0.8, 0.1]],
        Policy::default(),
    );
    let mut on = off.clone();
    on.policy.max_copanel = Some(1);
    let msg = binds(&off, &on, 2.7, Rule::Copanel);
    assert!(
        msg.contains("E0 and E1 sit together on 2 panels (A0, A1), max_copanel is 1"),
        "{msg}"
    );
}

#[test]
fn city_bonus_is_soft_exact_in_the_flow_and_counted_by_verify() {
    let experts: &[Ex] = &[
        ("Y", "lecturer", &[]),
        ("Y", "lecturer", &[]),
        ("Z", "lecturer", &[]),
    ];
    let off = build(
        experts,
        &[("X", &[], 2)],
        &[&[0.9, 0.8, 0.75]],
        Policy::default(),
    );
    let mut on = off.clone();
    on.policy.bonus_per_city = 0.1;
    assert!(on.policy.crossing_rules().is_empty(), "the bonus is soft");
    let before = run(&off, Method::Auto).unwrap();
    assert_eq!(ids(&off, &before), vec![vec!["E0", "E1"]]);
    for m in [Method::Flow, Method::Mip, Method::Auto] {
        let s = run(&on, m).unwrap();
        assert_eq!(s.status, Status::Optimal, "{m:?}");
        assert_eq!(ids(&on, &s), vec![vec!["E0", "E2"]], "{m:?}");
        // 0.9 + 0.75 + one extra city × 0.1
        assert_eq!(s.objective_micro, 1_750_000, "{m:?}");
        let elig = Eligibility::compute(&on);
        let mut file = panels::solve::panels_file(&on, &elig, &s, "t".into());
        assert!(verify(&on, &file).is_ok(), "{m:?}");
        // Claiming the scores alone is an objective mismatch.
        file.objective = 1.65;
        file.bound = None;
        let report = verify(&on, &file);
        assert_eq!(report.violations.len(), 1);
        let msg = report.violations[0].describe(&on);
        assert!(
            msg.contains("sum of scores plus city bonuses is 1.75"),
            "{msg}"
        );
    }
}

#[test]
fn flow_method_refuses_crossing_rules() {
    let mut inst = two_cities();
    inst.policy.max_copanel = Some(1);
    match run(&inst, Method::Flow) {
        Err(SolveError::CrossingRules(msg)) => assert!(msg.contains("max_copanel"), "{msg}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn infeasible_crossing_rules_are_explained() {
    let experts: &[Ex] = &[
        ("Y", "professor", &["F01"]),
        ("Y", "lecturer", &["F01"]),
        ("Y", "lecturer", &["F01"]),
    ];
    let base = build(
        experts,
        &[("X", &["F01", "F02"], 2)],
        &[&[0.5, 0.5, 0.5]],
        Policy::default(),
    );
    let mut senior = base.clone();
    senior.policy.min_senior = 2;
    let Err(SolveError::Infeasible(why)) = run(&senior, Method::Auto) else {
        panic!("expected infeasible");
    };
    let text = why.to_string();
    assert!(
        text.contains("A0 (X): only 1 eligible expert(s) hold a senior title, min_senior is 2"),
        "{text}"
    );
    let mut cover = base.clone();
    cover.policy.cover_fields = true;
    let Err(SolveError::Infeasible(why)) = run(&cover, Method::Lagrange) else {
        panic!("expected infeasible");
    };
    assert!(
        why.to_string()
            .contains("no eligible expert lists field F02"),
        "{why}"
    );

    // Round share above what the loads allow: only a home expert has room.
    let experts: &[Ex] = &[("X", "lecturer", &[]), ("Y", "lecturer", &[])];
    let mut round = build(experts, &[("X", &[], 1)], &[&[0.5, 0.5]], Policy::default());
    round.experts[1].max_load = Some(0);
    round.policy.min_outside_share_round = Some(0.5);
    let Err(SolveError::Infeasible(why)) = run(&round, Method::Auto) else {
        panic!("expected infeasible");
    };
    assert!(
        why.to_string()
            .contains("at most 0 of the 1 reviews of the round can come from outside"),
        "{why}"
    );
}

#[test]
fn policy_fields_load_from_a_bundle_and_bad_values_are_named() {
    let bundle = |policy: &str| {
        format!(
            r#"{{"policy": {policy},
            "experts": [{{"id": "E1", "city": "武汉", "institution": "U1", "title": "教授"}}],
            "applications": [{{"id": "A1", "city": "长沙", "institution": "U2", "panel_size": 1}}]}}"#
        )
    };
    let load = |policy: &str| {
        panels::io::load_bundle_from_bytes(Path::new("b.json"), bundle(policy).as_bytes())
    };
    let inst = load(
        r#"{"min_senior": 1, "senior_titles": ["教授"], "cover_fields": true,
            "min_outside_share_round": 0.18, "min_outside_share_by_city": {"长沙": 0.5},
            "max_copanel": 2, "bonus_per_city": 0.05}"#,
    )
    .unwrap();
    let p = &inst.policy;
    assert_eq!(p.min_senior, 1);
    assert_eq!(p.senior_titles, vec!["教授".to_string()]);
    assert!(p.cover_fields);
    assert_eq!(p.min_outside_share_round, Some(0.18));
    assert_eq!(p.min_outside_share_by_city.get("长沙"), Some(&0.5));
    assert_eq!(p.max_copanel, Some(2));
    assert_eq!(p.bonus_per_city, 0.05);
    assert!(inst.is_senior(ExpertIx(0)));
    // Round trip through the writer.
    let bytes = panels::io::bundle_to_bytes(&inst).unwrap();
    let again = panels::io::load_bundle_from_bytes(Path::new("b.json"), &bytes).unwrap();
    assert_eq!(again, inst);
    // Defaults are not written.
    let plain = load("{}").unwrap();
    let text = String::from_utf8(panels::io::bundle_to_bytes(&plain).unwrap()).unwrap();
    assert!(
        !text.contains("senior") && !text.contains("copanel"),
        "{text}"
    );

    for (policy, expect) in [
        (
            r#"{"min_outside_share_round": 1.5}"#,
            "a share must lie between 0 and 1, got 1.5",
        ),
        (
            r#"{"min_outside_share_by_city": {"长沙": -0.1}}"#,
            "a share must lie between 0 and 1",
        ),
        (
            r#"{"min_outside_share_by_city": {"长沙市": 0.2}}"#,
            "no application is in city \"长沙市\"",
        ),
        (
            r#"{"min_outside_share_by_city": 0.2}"#,
            "expected an object of city",
        ),
        (r#"{"max_copanel": 0}"#, "must be at least 1, got 0"),
        (
            r#"{"senior_titles": []}"#,
            "an empty list makes no title senior",
        ),
        (
            r#"{"bonus_per_city": -1}"#,
            "a bonus must lie between 0 and",
        ),
        (r#"{"min_senoir": 1}"#, "min_senior"),
    ] {
        let err = load(policy).expect_err(policy);
        let text = err.to_string();
        assert!(text.contains(expect), "{policy}: {text}");
    }
}
