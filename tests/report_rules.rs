//! The report under crossing rules: on each crossing rule's crafted case
//! (the cases of `tests/cross_rules.rs`) the price of every rule family is
//! an interval that holds the true price, computed here with the MIP on
//! both sides; targets, rules in force and the "how to check" commands are
//! what the round says; and the guanggu round with `min_senior`,
//! `min_outside_share_by_city {武汉: 0.5}` and `max_copanel` shows the
//! 50% target and no negative price.

use std::time::Duration;

use panels::eligibility::Eligibility;
use panels::model::{
    Affinity, AppIx, Application, CityIx, Expert, ExpertIx, InstIx, Instance, Interner, Policy,
    Score,
};
use panels::report::{self, Family, Lang, PriceOutcome, ReportFormat, ReportOptions};
use panels::solve::{solve_with, Method, SolveOptions, Solved};

/// An expert: (city, title, fields).
type Ex<'a> = (&'a str, &'a str, &'a [&'a str]);
/// An application: (city, fields, panel size).
type Ap<'a> = (&'a str, &'a [&'a str], u32);

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
                name: Some(format!("Expert {i}")),
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
        programmes: Default::default(),
        history: Default::default(),
        kept: Default::default(),
    }
}

fn run(inst: &Instance, method: Method) -> Solved {
    let elig = Eligibility::compute(inst);
    solve_with(
        inst,
        &elig,
        &SolveOptions {
            method,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{method:?}: {e}"))
}

/// The crafted cases: (name, instance with the rule on).
fn cases() -> Vec<(&'static str, Instance)> {
    let mut out = Vec::new();
    // min_senior: the best pair has no senior member.
    let mut senior = build(
        &[
            ("Y", "lecturer", &[]),
            ("Y", "associate professor", &[]),
            ("Y", "Professor", &[]),
        ],
        &[("X", &[], 2)],
        &[&[0.9, 0.8, 0.3]],
        Policy::default(),
    );
    senior.policy.min_senior = 1;
    out.push(("min_senior", senior));
    // cover_fields: F0102 needs the weak expert.
    let mut cover = build(
        &[
            ("Y", "lecturer", &["F0101"]),
            ("Y", "lecturer", &["F0101", "F0103"]),
            ("Y", "lecturer", &["F0102"]),
            ("Y", "lecturer", &["F01"]),
        ],
        &[("X", &["F0101", "F0102"], 2)],
        &[&[0.9, 0.8, 0.1, 0.7]],
        Policy::default(),
    );
    cover.policy.cover_fields = true;
    out.push(("cover_fields", cover));
    // Round shares: home experts score best.
    let two = || {
        build(
            &[
                ("X", "lecturer", &[]),
                ("Y", "lecturer", &[]),
                ("X", "lecturer", &[]),
                ("Y", "lecturer", &[]),
            ],
            &[("X", &[], 1), ("Y", &[], 1)],
            &[&[0.9, 0.5, 0.0, 0.0], &[0.0, 0.0, 0.6, 0.9]],
            Policy {
                max_load: 1,
                ..Policy::default()
            },
        )
    };
    let mut round = two();
    round.policy.min_outside_share_round = Some(0.5);
    out.push(("min_outside_share_round", round));
    let mut by_city = two();
    by_city
        .policy
        .min_outside_share_by_city
        .insert("X".into(), 1.0);
    out.push(("min_outside_share_by_city", by_city));
    // max_copanel: the two best experts would sit together twice.
    let mut copanel = build(
        &[
            ("Y", "lecturer", &[]),
            ("Y", "lecturer", &[]),
            ("Y", "lecturer", &[]),
        ],
        &[("X", &[], 2), ("X", &[], 2)],
        &[&[0.9, 0.8, 0.1], &[0.9, 0.8, 0.1]],
        Policy::default(),
    );
    copanel.policy.max_copanel = Some(1);
    out.push(("max_copanel", copanel));
    // All of them at once, with a per-panel city rule too.
    let mut all = two();
    all.policy.min_outside_share_by_city.insert("X".into(), 1.0);
    all.policy.min_senior = 0;
    all.policy.max_copanel = Some(1);
    all.policy.min_outside = 0;
    out.push(("by_city_and_copanel", all));
    out
}

fn opts() -> ReportOptions {
    ReportOptions {
        instance_label: "round.json".into(),
        panels_label: "panels.json".into(),
        report_label: "report.md".into(),
        price_time_limit: Some(Duration::from_secs(60)),
        lang: Some(Lang::En),
        ..ReportOptions::default()
    }
}

/// The true price of `family`: MIP optimum without it minus MIP optimum
/// with every rule.
fn true_price(inst: &Instance, family: Family) -> i64 {
    let with = run(inst, Method::Mip);
    let without = run(&family.relax(inst), Method::Mip);
    assert_eq!(with.status, panels::solve::Status::Optimal);
    assert_eq!(without.status, panels::solve::Status::Optimal);
    without.objective_micro - with.objective_micro
}

#[test]
fn every_family_price_holds_the_mip_price_under_every_method() {
    for (name, inst) in cases() {
        let elig = Eligibility::compute(&inst);
        for method in [Method::Auto, Method::Mip, Method::Lagrange] {
            let solved = run(&inst, method);
            let file = panels::solve::panels_file(&inst, &elig, &solved, "t".into());
            let f = report::figures(&inst, &file, &opts());
            assert!(
                f.violations.is_empty(),
                "{name} {method:?}: {:?}",
                f.violations
            );
            let in_force: Vec<Family> = Family::ALL
                .into_iter()
                .filter(|fam| fam.in_force(&inst))
                .collect();
            let priced: Vec<Family> = f.prices.iter().map(|p| p.family).collect();
            assert_eq!(priced, in_force, "{name}: every family in force is priced");
            assert!(!priced.is_empty(), "{name}");
            for p in &f.prices {
                let truth = true_price(&inst, p.family);
                match &p.outcome {
                    PriceOutcome::Priced {
                        low_micro,
                        high_micro,
                        with,
                        without,
                    } => {
                        assert!(*low_micro >= 0, "{name} {method:?}: never negative");
                        assert!(
                            *low_micro <= truth && high_micro.is_none_or(|h| truth <= h),
                            "{name} {method:?} {:?}: [{low_micro}, {high_micro:?}] misses {truth}",
                            p.family
                        );
                        if with.proven() && without.proven() {
                            assert_eq!(p.outcome.exact(), Some(truth), "{name}: proven = exact");
                        }
                    }
                    other => panic!("{name} {method:?}: {other:?}"),
                }
            }
            // Every rule the policy switches on is listed.
            let listed: Vec<&str> = f.rules.iter().map(|r| r.rule.as_str()).collect();
            for field in [
                ("min_senior", inst.policy.min_senior > 0),
                ("cover_fields", inst.policy.cover_fields),
                (
                    "min_outside_share_round",
                    inst.policy.min_outside_share_round.is_some(),
                ),
                (
                    "min_outside_share_by_city",
                    !inst.policy.min_outside_share_by_city.is_empty(),
                ),
                ("max_copanel", inst.policy.max_copanel.is_some()),
            ] {
                assert_eq!(listed.contains(&field.0), field.1, "{name}: {}", field.0);
            }
            // No certificate in a crossing-rule file: no --certificate flag.
            let verify = f
                .check
                .commands
                .iter()
                .find(|c| c.starts_with("panels verify"))
                .unwrap();
            assert_eq!(verify.contains("--certificate"), file.certificate.is_some());
        }
    }
}

#[test]
fn a_heuristic_answer_never_shows_a_negative_price() {
    // The copanel case by the Lagrangian: feasible, not proven; the side
    // without the rule is proven. The price is an interval from 0.
    let (_, inst) = cases()
        .into_iter()
        .find(|(n, _)| *n == "max_copanel")
        .unwrap();
    let elig = Eligibility::compute(&inst);
    let solved = run(&inst, Method::Lagrange);
    let file = panels::solve::panels_file(&inst, &elig, &solved, "t".into());
    let f = report::figures(&inst, &file, &opts());
    let copanel = f
        .prices
        .iter()
        .find(|p| p.family == Family::Copanel)
        .unwrap();
    let md = report::render(&f, ReportFormat::Markdown);
    match &copanel.outcome {
        PriceOutcome::Priced { low_micro, .. } => assert!(*low_micro >= 0),
        other => panic!("{other:?}"),
    }
    assert!(!md.contains("| **-"), "no negative price shown:\n{md}");
}

#[test]
fn per_city_targets_are_the_citys_own() {
    let (_, inst) = cases()
        .into_iter()
        .find(|(n, _)| *n == "min_outside_share_by_city")
        .unwrap();
    let elig = Eligibility::compute(&inst);
    let solved = run(&inst, Method::Auto);
    let file = panels::solve::panels_file(&inst, &elig, &solved, "t".into());
    let f = report::figures(&inst, &file, &opts());
    let x = f.city_shares.iter().find(|c| c.city == "X").unwrap();
    assert_eq!(x.target, Some(1.0));
    assert_eq!(x.target_from.as_deref(), Some("min_outside_share_by_city"));
    let y = f.city_shares.iter().find(|c| c.city == "Y").unwrap();
    assert_eq!(y.target, None, "Y has no share target");
    assert!(x.meets_target());
    let md = report::render(&f, ReportFormat::Markdown);
    assert!(
        md.contains("| X | 1 | 1 | 1 | 100.0% | 0.0% | 100.0% |"),
        "{md}"
    );
}

/// The guanggu round with three crossing rules, as a program officer
/// would set them.
fn guanggu() -> Instance {
    let mut inst = panels::io::load_instance(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/instances/guanggu"
    )))
    .expect("guanggu loads");
    inst.policy.min_senior = 1;
    inst.policy
        .min_outside_share_by_city
        .insert("武汉".into(), 0.5);
    inst.policy.max_copanel = Some(2);
    inst
}

#[test]
fn guanggu_with_crossing_rules_reports_targets_rules_and_a_sound_price() {
    let inst = guanggu();
    let elig = Eligibility::compute(&inst);
    let solved = solve_with(
        &inst,
        &elig,
        &SolveOptions {
            method: Method::Lagrange,
            ..Default::default()
        },
    )
    .expect("solves");
    let file = panels::solve::panels_file(&inst, &elig, &solved, "t".into());
    let o = ReportOptions {
        price_time_limit: Some(Duration::from_secs(20)),
        lang: None,
        ..opts()
    };
    let f = report::figures(&inst, &file, &o);
    assert_eq!(f.lang, Lang::Zh, "Chinese city names");
    assert!(f.violations.is_empty(), "{:?}", f.violations);
    let wuhan = f.city_shares.iter().find(|c| c.city == "武汉").unwrap();
    assert_eq!(wuhan.target, Some(0.5), "武汉's own target");
    let listed: Vec<(&str, Option<&str>)> = f
        .rules
        .iter()
        .map(|r| (r.rule.as_str(), r.city.as_deref()))
        .collect();
    for want in [
        ("min_senior", None),
        ("max_copanel", None),
        ("min_outside_share_by_city", Some("武汉")),
        ("min_outside", None),
    ] {
        assert!(listed.contains(&want), "{want:?} in {listed:?}");
    }
    for p in &f.prices {
        if let PriceOutcome::Priced { low_micro, .. } = &p.outcome {
            assert!(*low_micro >= 0, "{:?}", p.family);
        }
    }
    let html = report::render(&f, ReportFormat::Html);
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("50.0%"), "武汉 target shown");
    assert!(
        f.check
            .commands
            .iter()
            .all(|c| !c.contains("--certificate")),
        "no certificate to check: {:?}",
        f.check.commands
    );
}

/// The generated Yangtze round with two programmes (科技进步奖 sets its own
/// `min_outside_share` of 0.6), as bundle JSON.
fn programme_round_json() -> serde_json::Value {
    let mut cfg = panels::generate::preset("yangtze").unwrap();
    cfg.applications = 80;
    cfg.experts = 400;
    cfg.seed = 8;
    cfg.programmes = 2;
    let inst = panels::generate::generate(&cfg);
    let bytes = panels::io::bundle_to_bytes(&inst).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn load_json(v: &serde_json::Value) -> Instance {
    let bytes = serde_json::to_vec(v).unwrap();
    panels::io::load_bundle_from_bytes(std::path::Path::new("round.json"), &bytes).unwrap()
}

fn optimum(inst: &Instance) -> i64 {
    let s = run(inst, Method::Auto);
    assert_eq!(s.status, panels::solve::Status::Optimal);
    s.objective_micro
}

/// A programme's own outside-city share is a city rule for its
/// applications: the price of the city rules drops it with the round's,
/// names it among the rules dropped, and equals the optimum of the round
/// without any outside-city rule (made here by editing the policy, and
/// solved on its own) minus the optimum with every rule. Both with the
/// round's city rules on, and with the programme's rule alone in force.
#[test]
fn the_price_of_the_city_rules_drops_each_programmes_own_city_rules() {
    let base = programme_round_json();
    let programme = "科技进步奖";
    assert_eq!(
        base["policy"]["programmes"][programme]["min_outside_share"],
        serde_json::json!(0.6),
        "the generated round gives the programme its own share"
    );
    let mut programme_alone = base.clone();
    programme_alone["policy"]["min_outside_share"] = serde_json::json!(0);
    programme_alone["policy"]["max_per_city"] = serde_json::Value::Null;
    for (name, round, dropped) in [
        (
            "round and programme rules",
            base,
            vec![
                "min_outside_share".to_string(),
                "max_per_city".to_string(),
                format!("programmes.{programme}.min_outside_share"),
            ],
        ),
        (
            "the programme's rule alone",
            programme_alone,
            vec![format!("programmes.{programme}.min_outside_share")],
        ),
    ] {
        let inst = load_json(&round);
        // The relaxed round by hand: no outside-city rule anywhere.
        let mut relaxed = round.clone();
        let policy = relaxed["policy"].as_object_mut().unwrap();
        for key in [
            "min_outside_share",
            "min_outside",
            "max_per_city",
            "min_outside_share_round",
            "min_outside_share_by_city",
        ] {
            policy.remove(key);
        }
        for rules in policy["programmes"].as_object_mut().unwrap().values_mut() {
            let rules = rules.as_object_mut().unwrap();
            for key in ["min_outside_share", "min_outside", "max_per_city"] {
                rules.remove(key);
            }
        }
        let truth = optimum(&load_json(&relaxed)) - optimum(&inst);
        assert!(truth > 0, "{name}: the programme's rule binds");

        let elig = Eligibility::compute(&inst);
        let file = panels::solve::panels_file(&inst, &elig, &run(&inst, Method::Auto), "t".into());
        let f = report::figures(&inst, &file, &opts());
        let city = f.prices.iter().find(|p| p.family == Family::City).unwrap();
        assert_eq!(city.dropped, dropped, "{name}");
        assert_eq!(
            city.outcome.exact(),
            Some(truth),
            "{name}: {:?}",
            city.outcome
        );
        let md = report::render(&f, ReportFormat::Markdown);
        assert!(
            md.contains(&format!("programmes.{programme}.min\\_outside\\_share")),
            "{name}: the report names the programme's rule among those dropped"
        );
        let diffs = report::check::check(
            &md,
            ReportFormat::Markdown,
            &inst,
            &file,
            &report::check::Inputs {
                input_is_file: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(diffs.is_empty(), "{name}: {diffs:#?}");
    }
}

/// The relaxation drops exactly the rules it names: the rules in force of
/// the relaxed round are those of the round less the family's, and a
/// family whose only rule is a programme's is in force and priced.
#[test]
fn each_family_drops_exactly_the_rules_it_names() {
    let mut round = programme_round_json();
    round["policy"]["programmes"]["人才计划"]["min_senior"] = serde_json::json!(1);
    round["policy"]["programmes"]["人才计划"]["cover_fields"] = serde_json::json!(true);
    let inst = load_json(&round);
    let o = ReportOptions {
        price_time_limit: None,
        ..opts()
    };
    let rules = |i: &Instance| -> Vec<String> {
        report::figures(i, &Default::default(), &o)
            .rules
            .iter()
            .map(|r| {
                format!(
                    "{}|{}|{}|{}",
                    r.rule,
                    r.value,
                    r.city.as_deref().unwrap_or(""),
                    r.programme.as_deref().unwrap_or("")
                )
            })
            .collect()
    };
    let all = rules(&inst);
    for family in Family::ALL {
        let dropped = family.dropped(&inst);
        assert_eq!(
            family.in_force(&inst),
            !dropped.is_empty(),
            "{family:?}: in force exactly when it drops a rule"
        );
        let kept = rules(&family.relax(&inst));
        assert_eq!(
            all.len() - kept.len(),
            dropped.len(),
            "{family:?}: {dropped:?}"
        );
        assert!(kept.iter().all(|r| all.contains(r)), "{family:?}");
        assert!(!family.in_force(&family.relax(&inst)), "{family:?}");
    }
    assert_eq!(
        Family::Senior.dropped(&inst),
        vec!["programmes.人才计划.min_senior".to_string()]
    );
    assert_eq!(
        Family::CoverFields.dropped(&inst),
        vec!["programmes.人才计划.cover_fields".to_string()]
    );
}
