//! `verify`: one test per violation kind on tiny hand-built instances, a
//! valid assignment, and properties against a brute, count-based oracle
//! written independently of `crates/verify`.

use std::collections::{BTreeMap, BTreeSet};

use panels::io::panels::{PanelRecord, PanelsFile};
use panels::model::{Affinity, SCORE_SCALE};
use panels::model::{
    AppIx, Application, CityIx, Conflict, ConflictWith, Expert, ExpertIx, InstIx, Instance,
    Interner, PersonIx, Policy, Score,
};
use panels::verify::{verify, Rule, Violation};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// A small builder for hand-made instances.

#[derive(Clone, Debug)]
struct Ex {
    id: String,
    city: String,
    inst: String,
    max_load: Option<u32>,
    min_load: Option<u32>,
    available: bool,
}

#[derive(Clone, Debug)]
struct Ap {
    id: String,
    city: String,
    inst: String,
    k: Option<u32>,
    team: Vec<String>,
    avoid: Vec<String>,
}

#[derive(Clone, Debug)]
struct B {
    policy: Policy,
    experts: Vec<Ex>,
    apps: Vec<Ap>,
    /// (expert, application or person id)
    conflicts: Vec<(String, String)>,
    /// (application, expert, micro-score)
    affinity: Option<Vec<(String, String, i64)>>,
}

impl B {
    fn new(policy: Policy) -> B {
        B {
            policy,
            experts: vec![],
            apps: vec![],
            conflicts: vec![],
            affinity: Some(vec![]),
        }
    }

    fn expert(&mut self, id: &str, city: &str, inst: &str) -> &mut Ex {
        self.experts.push(Ex {
            id: id.into(),
            city: city.into(),
            inst: inst.into(),
            max_load: None,
            min_load: None,
            available: true,
        });
        self.experts.last_mut().unwrap()
    }

    fn app(&mut self, id: &str, city: &str, inst: &str) -> &mut Ap {
        self.apps.push(Ap {
            id: id.into(),
            city: city.into(),
            inst: inst.into(),
            k: None,
            team: vec![],
            avoid: vec![],
        });
        self.apps.last_mut().unwrap()
    }

    fn score(&mut self, app: &str, expert: &str, micro: i64) {
        self.affinity
            .get_or_insert_with(Vec::new)
            .push((app.into(), expert.into(), micro));
    }

    fn build(&self) -> Instance {
        let mut cities = Interner::default();
        let mut institutions = Interner::default();
        let mut persons = Interner::default();
        let experts: Vec<Expert> = self
            .experts
            .iter()
            .map(|x| {
                persons.intern(&x.id);
                Expert {
                    id: x.id.clone(),
                    name: None,
                    city: CityIx(cities.intern(&x.city)),
                    institution: InstIx(institutions.intern(&x.inst)),
                    fields: vec![],
                    keywords: vec![],
                    title: None,
                    max_load: x.max_load,
                    min_load: x.min_load,
                    available: x.available,
                    programmes: Vec::new(),
                }
            })
            .collect();
        let expert_ix = |id: &str| -> ExpertIx {
            ExpertIx(self.experts.iter().position(|x| x.id == id).unwrap() as u32)
        };
        let app_ix = |id: &str| -> Option<AppIx> {
            self.apps
                .iter()
                .position(|a| a.id == id)
                .map(|i| AppIx(i as u32))
        };
        let applications: Vec<Application> = self
            .apps
            .iter()
            .map(|a| Application {
                id: a.id.clone(),
                title: None,
                city: CityIx(cities.intern(&a.city)),
                institution: InstIx(institutions.intern(&a.inst)),
                fields: vec![],
                keywords: vec![],
                panel_size: a.k,
                team: a.team.iter().map(|p| PersonIx(persons.intern(p))).collect(),
                avoid: a.avoid.iter().map(|e| expert_ix(e)).collect(),
                programme: None,
            })
            .collect();
        let conflicts = self
            .conflicts
            .iter()
            .map(|(e, with)| Conflict {
                expert: expert_ix(e),
                with: match app_ix(with) {
                    Some(a) => ConflictWith::Application(a),
                    None => ConflictWith::Person(PersonIx(persons.intern(with))),
                },
                reason: None,
            })
            .collect();
        let affinity = self.affinity.as_ref().map(|list| {
            list.iter()
                .map(|(a, e, s)| Affinity {
                    application: app_ix(a).unwrap(),
                    expert: expert_ix(e),
                    score: Score(*s),
                })
                .collect()
        });
        Instance {
            policy: self.policy.clone(),
            experts,
            applications,
            conflicts,
            coauthorships: vec![],
            affinity,
            cities,
            institutions,
            persons,
            kept: Default::default(),
            programmes: Default::default(),
            history: Default::default(),
        }
    }
}

fn file(
    status: &str,
    objective: f64,
    bound: Option<f64>,
    panels: &[(&str, &[&str])],
) -> PanelsFile {
    PanelsFile {
        status: status.into(),
        objective,
        bound,
        panels: panels
            .iter()
            .map(|(a, es)| PanelRecord {
                application: a.to_string(),
                programme: None,
                experts: es.iter().map(|e| e.to_string()).collect(),
                scores: None,
            })
            .collect(),
        solver: None,
        seed: None,
        input_sha256: None,
        certificate: None,
        stats: None,
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------
// The base fixture: two cities, four experts, two applications.
//
//   E1 武汉 WHU   E2 武汉 HUST   E3 长沙 CSU   E4 长沙 HNU
//   A1 长沙 CSU (E3 same institution)   A2 武汉 WHU (E1 same institution)
//
// Panel size 2, at least 1 from outside, max_load 2. A valid assignment:
// A1 = [E1, E4], A2 = [E3, E4], objective 0.9 + 0.3 + 0.8 + 0.25 = 2.25.

fn base() -> B {
    let policy = Policy {
        panel_size: 2,
        min_outside: 1,
        max_load: 2,
        ..Policy::default()
    };
    let mut b = B::new(policy);
    b.expert("E1", "武汉", "WHU");
    b.expert("E2", "武汉", "HUST");
    b.expert("E3", "长沙", "CSU");
    b.expert("E4", "长沙", "HNU");
    b.app("A1", "长沙", "CSU");
    b.app("A2", "武汉", "WHU");
    b.score("A1", "E1", 900_000);
    b.score("A1", "E2", 500_000);
    b.score("A1", "E4", 300_000);
    b.score("A2", "E3", 800_000);
    b.score("A2", "E4", 250_000);
    b.score("A2", "E2", 100_000);
    b
}

const VALID: [(&str, &[&str]); 2] = [("A1", &["E1", "E4"]), ("A2", &["E3", "E4"])];

/// Runs verify and returns the report with its rendered violation lines.
fn check(inst: &Instance, f: &PanelsFile) -> (panels::verify::Report, Vec<String>) {
    let r = verify(inst, f);
    let lines = r.violations.iter().map(|v| v.describe(inst)).collect();
    (r, lines)
}

fn e(i: u32) -> ExpertIx {
    ExpertIx(i)
}
fn a(i: u32) -> AppIx {
    AppIx(i)
}

#[test]
fn valid_assignment_has_no_violation_and_exact_objective() {
    let inst = base().build();
    let f = file("optimal", 2.25, Some(2.25), &VALID);
    let (r, lines) = check(&inst, &f);
    assert!(r.is_ok(), "{lines:?}");
    assert_eq!(r.objective_micro, 2_250_000);
    assert_eq!(r.objective, 2.25);
    assert_eq!(r.claimed_objective, 2.25);
    assert_eq!(r.pairs_scored, 4);
    let text = r.render(&inst);
    assert!(
        text.starts_with("OK: 2 panel(s) for 2 application(s)"),
        "{text}"
    );
    assert!(text.contains("recomputed 2.25 (4 pairs)"), "{text}");
    assert!(!text.contains("certificate"), "{text}");
}

#[test]
fn missing_application() {
    let inst = base().build();
    let f = file("feasible", 1.2, None, &[("A1", &["E1", "E4"])]);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::MissingApplication { app: a(1) }]
    );
    assert_eq!(lines, vec!["A2: no panel in the file"]);
}

#[test]
fn duplicate_application_is_reported_once_and_each_record_counts() {
    let inst = base().build();
    let f = file(
        "feasible",
        3.05,
        None,
        &[
            ("A1", &["E1", "E4"]),
            ("A1", &["E2", "E4"]),
            ("A2", &["E3", "E4"]),
        ],
    );
    let (r, lines) = check(&inst, &f);
    // E4 now sits on three panels: the duplicate counts toward its load.
    assert_eq!(
        r.violations,
        vec![
            Violation::DuplicateApplication {
                app: a(0),
                records: vec![0, 1]
            },
            Violation::Overloaded {
                expert: e(3),
                apps: vec![a(0), a(0), a(1)],
                max: 2
            },
        ]
    );
    assert_eq!(
        lines[0],
        "A1: 2 panels in the file (panels[0], panels[1]), must be exactly one"
    );
    assert_eq!(
        lines[1],
        "E4: sits on 3 panels (A1, A1, A2), max_load is 2 (policy)"
    );
    assert_eq!(
        r.objective_micro,
        900_000 + 300_000 + 500_000 + 300_000 + 800_000 + 250_000
    );
}

#[test]
fn unknown_application_is_reported_not_dropped() {
    let inst = base().build();
    let mut panels = VALID.to_vec();
    panels.push(("A9", &["E1", "E2"]));
    let f = file("feasible", 2.25, None, &panels);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::UnknownApplication {
            record: 2,
            id: "A9".into()
        }]
    );
    assert_eq!(
        lines,
        vec![r#"panels[2]: application id "A9" is not in the instance"#]
    );
}

#[test]
fn unknown_expert_is_reported_with_its_position() {
    let inst = base().build();
    let f = file(
        "feasible",
        1.95,
        None,
        &[("A1", &["E1", "E99"]), ("A2", &["E3", "E4"])],
    );
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![
            Violation::UnknownExpert {
                record: 0,
                application: "A1".into(),
                position: 1,
                id: "E99".into()
            },
            // E99's city is unknown, so it does not count; E1 does.
        ]
    );
    assert_eq!(
        lines,
        vec![r#"A1 (panels[0]): expert id "E99" at experts[1] is not in the instance"#]
    );
    assert_eq!(r.objective_micro, 900_000 + 800_000 + 250_000);
}

#[test]
fn non_expert_person_id_is_an_unknown_expert() {
    // A team member who is not an expert is a person, not an expert.
    let mut b = base();
    b.apps[0].team.push("P7".into());
    let inst = b.build();
    let f = file(
        "feasible",
        2.25,
        None,
        &[("A1", &["E1", "P7", "E4"]), VALID[1]],
    );
    let (r, _) = check(&inst, &f);
    let rules: Vec<Rule> = r.violations.iter().map(|v| v.rule()).collect();
    assert_eq!(rules, vec![Rule::UnknownExpert, Rule::PanelSize]);
}

#[test]
fn panels_out_of_input_order() {
    let inst = base().build();
    let f = file("feasible", 2.25, None, &[VALID[1], VALID[0]]);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::PanelOrder {
            record: 1,
            app: a(0),
            after: a(1)
        }]
    );
    assert!(
        lines[0].starts_with("A1 (panels[1]) is listed after A2"),
        "{}",
        lines[0]
    );
}

#[test]
fn wrong_panel_size() {
    let inst = base().build();
    let f = file(
        "feasible",
        2.75,
        None,
        &[("A1", &["E1", "E2", "E4"]), VALID[1]],
    );
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::WrongPanelSize {
            record: 0,
            app: a(0),
            listed: 3,
            k: 2
        }]
    );
    assert_eq!(lines, vec!["A1: 3 experts listed, panel size is 2"]);
}

#[test]
fn application_panel_size_wins_over_policy() {
    let mut b = base();
    b.apps[0].k = Some(3);
    let inst = b.build();
    let f = file("feasible", 2.25, None, &VALID);
    let (r, lines) = check(&inst, &f);
    assert_eq!(lines, vec!["A1: 2 experts listed, panel size is 3"]);
    assert_eq!(r.violations.len(), 1);
}

#[test]
fn repeated_expert() {
    let inst = base().build();
    // A1 = [E1, E1]: size matches, but E1 twice. Counted once in the
    // objective and the load.
    let f = file("feasible", 1.95, None, &[("A1", &["E1", "E1"]), VALID[1]]);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::RepeatedExpert {
            record: 0,
            application: "A1".into(),
            id: "E1".into(),
            times: 2
        }]
    );
    assert_eq!(
        lines,
        vec!["A1 (panels[0]): expert E1 is listed 2 times in one panel"]
    );
    assert_eq!(r.objective_micro, 900_000 + 800_000 + 250_000);
}

#[test]
fn repeated_expert_cannot_help_the_outside_count() {
    let mut b = base();
    b.policy.min_outside = 2;
    let inst = b.build();
    // A1 (长沙) = [E1, E1]: only one distinct outside expert.
    let f = file("feasible", 0.9, None, &[("A1", &["E1", "E1"])]);
    let (r, _) = check(&inst, &f);
    assert!(r.violations.contains(&Violation::TooFewOutside {
        record: 0,
        app: a(0),
        outside: 1,
        min: 2
    }));
}

#[test]
fn ineligible_pair_lists_every_reason() {
    let mut b = base();
    b.apps[0].avoid.push("E3".into());
    b.conflicts.push(("E3".into(), "A1".into()));
    let inst = b.build();
    // A1 (CSU) gets E3 (CSU, avoided, declared conflict) and E1.
    let f = file("feasible", 1.95, None, &[("A1", &["E1", "E3"]), VALID[1]]);
    let (r, lines) = check(&inst, &f);
    assert_eq!(r.violations.len(), 1, "{lines:?}");
    match &r.violations[0] {
        Violation::Ineligible {
            record,
            app,
            expert,
            reasons,
        } => {
            assert_eq!((*record, *app, *expert), (0, a(0), e(2)));
            assert_eq!(reasons.len(), 3, "{reasons:?}");
        }
        v => panic!("unexpected {v:?}"),
    }
    let l = &lines[0];
    assert!(l.starts_with("A1: E3 is not eligible: "), "{l}");
    assert!(l.contains("the applicants of A1 asked to avoid E3"), "{l}");
    assert!(l.contains("declared conflict between E3 and A1"), "{l}");
    assert!(l.contains("E3 and A1 are both at CSU"), "{l}");
}

#[test]
fn unavailable_and_team_member_are_ineligible() {
    let mut b = base();
    b.experts[0].available = false;
    b.apps[1].team.push("E4".into());
    let inst = b.build();
    let f = file("feasible", 2.25, None, &VALID);
    let (_, lines) = check(&inst, &f);
    assert_eq!(
        lines,
        vec![
            "A1: E1 is not eligible: E1 is marked unavailable this round",
            "A2: E4 is not eligible: E4 is on the team of A2",
        ]
    );
}

#[test]
fn below_min_affinity_is_ineligible() {
    let mut b = base();
    b.policy.min_affinity = Some(0.3);
    let inst = b.build();
    let f = file("feasible", 2.25, None, &VALID);
    let (_, lines) = check(&inst, &f);
    assert_eq!(
        lines,
        vec!["A2: E4 is not eligible: score 0.25 is below min_affinity 0.3"]
    );
}

#[test]
fn too_few_outside_names_city_and_rule() {
    let policy = Policy {
        panel_size: 5,
        min_outside_share: 0.4,
        ..Policy::default()
    };
    let mut b = B::new(policy);
    b.expert("E1", "长沙", "I1");
    b.expert("E2", "长沙", "I2");
    b.expert("E3", "长沙", "I3");
    b.expert("E4", "长沙", "I4");
    b.expert("E5", "武汉", "I5");
    b.app("A017", "长沙", "I0");
    let inst = b.build();
    let f = file(
        "feasible",
        0.0,
        None,
        &[("A017", &["E1", "E2", "E3", "E4", "E5"])],
    );
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::TooFewOutside {
            record: 0,
            app: a(0),
            outside: 1,
            min: 2
        }]
    );
    assert_eq!(
        lines,
        vec!["A017: 1 expert from outside 长沙, policy needs at least 2 (min_outside_share 0.4 of 5)"]
    );
}

#[test]
fn too_few_outside_by_min_outside() {
    let mut b = base();
    b.policy.min_outside = 2;
    let inst = b.build();
    // A1 (长沙) = [E1, E4]: one outside; A2 (武汉) = [E3, E4]: both outside.
    let f = file("feasible", 2.25, None, &VALID);
    let (_, lines) = check(&inst, &f);
    assert_eq!(
        lines,
        vec!["A1: 1 expert from outside 长沙, policy needs at least 2 (min_outside 2)"]
    );
}

#[test]
fn city_cap_counts_the_home_city() {
    let mut b = base();
    b.policy.min_outside = 0;
    b.policy.max_per_city = Some(1);
    b.expert("E5", "长沙", "XTU");
    let inst = b.build();
    // A1 (长沙, CSU) = [E4, E5]: both from 长沙, the home city.
    // A2 (武汉) = [E2, E3]: one from each city.
    let f = file(
        "feasible",
        1.2,
        None,
        &[("A1", &["E4", "E5"]), ("A2", &["E2", "E3"])],
    );
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::CityCap {
            record: 0,
            app: a(0),
            city: CityIx(1),
            experts: vec![e(3), e(4)],
            max: 1
        }]
    );
    assert_eq!(
        lines,
        vec!["A1: 2 experts from 长沙 (the home city) (E4, E5), max_per_city is 1"]
    );
}

#[test]
fn city_cap_on_an_outside_city() {
    let mut b = base();
    b.policy.max_per_city = Some(1);
    let inst = b.build();
    // A1 (长沙) = [E1, E2]: both from 武汉.
    let f = file(
        "feasible",
        2.3,
        None,
        &[("A1", &["E1", "E2"]), ("A2", &["E2", "E3"])],
    );
    let (_, lines) = check(&inst, &f);
    assert_eq!(
        lines,
        vec!["A1: 2 experts from 武汉 (E1, E2), max_per_city is 1"]
    );
}

#[test]
fn institution_cap() {
    let mut b = base();
    b.policy.max_per_institution = Some(1);
    b.expert("E5", "武汉", "HUST");
    b.score("A1", "E5", 100_000);
    let inst = b.build();
    let f = file("feasible", 1.65, None, &[("A1", &["E2", "E5"]), VALID[1]]);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::InstitutionCap {
            record: 0,
            app: a(0),
            institution: InstIx(1),
            experts: vec![e(1), e(4)],
            max: 1
        }]
    );
    assert_eq!(
        lines,
        vec!["A1: 2 experts from HUST (E2, E5), max_per_institution is 1"]
    );
}

#[test]
fn underloaded_own_and_policy_floor() {
    let mut b = base();
    b.policy.min_load = 1;
    b.experts[1].min_load = Some(2); // E2: own floor
    b.experts[0].available = false; // E1 unavailable: no floor
    let inst = b.build();
    let f = file("feasible", 1.85, None, &[("A1", &["E2", "E4"]), VALID[1]]);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::Underloaded {
            expert: e(1),
            load: 1,
            min: 2
        }]
    );
    assert_eq!(lines, vec!["E2: sits on 1 panel, min_load is 2 (own)"]);

    let f = file(
        "feasible",
        1.15,
        None,
        &[("A1", &["E2", "E4"]), ("A2", &["E2", "E4"])],
    );
    let (_, lines) = check(&inst, &f);
    assert_eq!(lines, vec!["E3: sits on 0 panels, min_load is 1 (policy)"]);
}

#[test]
fn overloaded_own_cap() {
    let mut b = base();
    b.experts[3].max_load = Some(1);
    let inst = b.build();
    let f = file("feasible", 2.25, None, &VALID);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::Overloaded {
            expert: e(3),
            apps: vec![a(0), a(1)],
            max: 1
        }]
    );
    assert_eq!(
        lines,
        vec!["E4: sits on 2 panels (A1, A2), max_load is 1 (own)"]
    );
}

#[test]
fn listed_scores_are_checked_when_present() {
    let inst = base().build();
    let mut f = file("feasible", 2.25, None, &VALID);
    f.panels[0].scores = Some(vec![0.9, 0.3]);
    f.panels[1].scores = Some(vec![0.8, 0.35]);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::ListedScore {
            record: 1,
            app: a(1),
            expert: e(3),
            listed: 0.35,
            actual: Score(250_000)
        }]
    );
    assert!(
        lines[0].starts_with("A2: score of E4 is listed as 0.35, recomputed 0.25 (differs by 0.1"),
        "{}",
        lines[0]
    );

    f.panels[1].scores = Some(vec![0.8]);
    let (_, lines) = check(&inst, &f);
    assert_eq!(lines, vec!["A2: 1 score listed for 2 experts"]);
}

#[test]
fn objective_claims_are_compared_exactly() {
    let inst = base().build();
    // Scores are whole millionths: one millionth off is a broken claim.
    let f = file("feasible", 2.25 + 1e-6, None, &VALID);
    let r = verify(&inst, &f);
    assert!(r.rules_ok() && !r.claims_ok());

    let f = file("feasible", 2.26, None, &VALID);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::ObjectiveMismatch {
            claimed: 2.26,
            recomputed_micro: 2_250_000
        }]
    );
    assert!(
        lines[0].starts_with("the file's objective is 2.26, the recomputed sum of scores is 2.25")
    );
    assert!(lines[0].contains("differs by 0.01"), "{}", lines[0]);

    // An objective of at most 1 is compared exactly too.
    let mut b = base();
    b.affinity = Some(vec![("A1".into(), "E1".into(), 400_000)]);
    let inst = b.build();
    let f = file("feasible", 0.4 + 2e-6, None, &VALID);
    let (r, lines) = check(&inst, &f);
    assert_eq!(r.objective_micro, 400_000);
    assert_eq!(r.violations.len(), 1);
    assert!(lines[0].contains("differs by"), "{}", lines[0]);
}

#[test]
fn non_finite_objective_never_passes() {
    let inst = base().build();
    let f = file("feasible", f64::NAN, None, &VALID);
    let (r, lines) = check(&inst, &f);
    assert_eq!(r.violations.len(), 1);
    assert!(lines[0].contains("not a finite number"), "{}", lines[0]);
}

#[test]
fn objective_above_bound() {
    let inst = base().build();
    let f = file("feasible", 2.25, Some(2.0), &VALID);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::AboveBound {
            bound: 2.0,
            recomputed_micro: 2_250_000
        }]
    );
    assert!(
        lines[0].starts_with("the recomputed objective 2.25 exceeds the file's bound 2"),
        "{}",
        lines[0]
    );

    // A feasible file may have a gap.
    let f = file("feasible", 2.25, Some(3.0), &VALID);
    assert!(verify(&inst, &f).is_ok());
}

#[test]
fn bad_status() {
    let inst = base().build();
    let f = file("done", 2.25, None, &VALID);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::BadStatus {
            status: "done".into()
        }]
    );
    assert_eq!(
        lines,
        vec![r#"status "done" is neither "optimal" nor "feasible""#]
    );
}

#[test]
fn optimal_with_a_gap() {
    let inst = base().build();
    let f = file("optimal", 2.25, Some(2.5), &VALID);
    let (r, lines) = check(&inst, &f);
    assert_eq!(
        r.violations,
        vec![Violation::OptimalWithGap {
            bound: 2.5,
            recomputed_micro: 2_250_000
        }]
    );
    assert!(
        lines[0].starts_with(r#"status is "optimal" but the bound 2.5 differs"#),
        "{}",
        lines[0]
    );
    // Optimal without a bound is accepted (nothing to compare).
    assert!(verify(&inst, &file("optimal", 2.25, None, &VALID)).is_ok());
}

#[test]
fn many_violations_come_by_rule_then_input_order_and_render_is_stable() {
    let mut b = base();
    b.policy.min_outside = 2;
    let inst = b.build();
    let f = file(
        "guess",
        9.0,
        Some(0.5),
        &[
            ("A2", &["E1", "E1", "E9"]),
            ("A7", &["E8"]),
            ("A2", &["E3"]),
        ],
    );
    let r = verify(&inst, &f);
    let rules: Vec<Rule> = r.violations.iter().map(|v| v.rule()).collect();
    let mut sorted = rules.clone();
    sorted.sort();
    assert_eq!(rules, sorted);
    for want in [
        Rule::Coverage,
        Rule::UnknownApplication,
        Rule::UnknownExpert,
        Rule::PanelSize,
        Rule::Distinct,
        Rule::Eligibility,
        Rule::OutsideCity,
        Rule::Objective,
        Rule::Bound,
        Rule::Status,
    ] {
        assert!(rules.contains(&want), "{want:?} missing from {rules:?}");
    }
    // Unknown experts in input order: E9 in panels[0], then E8 in panels[1].
    let unknown: Vec<(usize, usize)> = r
        .violations
        .iter()
        .filter_map(|v| match v {
            Violation::UnknownExpert {
                record, position, ..
            } => Some((*record, *position)),
            _ => None,
        })
        .collect();
    assert_eq!(unknown, vec![(0, 2), (1, 0)]);
    let text = r.render(&inst);
    assert!(
        text.starts_with(&format!(
            "FAILED: {} rule violation(s) in 3 panel(s)",
            r.rule_violations().count()
        )),
        "{text}"
    );
    assert_eq!(text, verify(&inst, &f).render(&inst));
    assert!(
        text.contains("   1. [coverage] A1: no panel in the file"),
        "{text}"
    );
}

#[test]
fn certificate_presence_is_noted_and_left_to_the_certificate_check() {
    let inst = base().build();
    let mut f = file("optimal", 2.25, Some(2.25), &VALID);
    f.certificate = Some(serde_json::json!({"potentials": []}));
    let r = verify(&inst, &f);
    assert!(r.is_ok());
    assert!(r.certificate_present);
    let text = r.render(&inst);
    assert!(
        text.contains("certificate: present, not checked (add --certificate to check it)"),
        "{text}"
    );
    assert!(!text.contains("re-checked"), "{text}");
}

#[test]
fn empty_instance_and_empty_file() {
    let inst = B::new(Policy::default()).build();
    let r = verify(&inst, &file("optimal", 0.0, Some(0.0), &[]));
    assert!(r.is_ok());
    let r = verify(&inst, &file("optimal", 0.0, None, &[("A1", &[])]));
    assert_eq!(
        r.violations,
        vec![Violation::UnknownApplication {
            record: 0,
            id: "A1".into()
        }]
    );
}

// ---------------------------------------------------------------------------
// Properties: verify against a brute, count-based oracle.
//
// The oracle re-derives every rule from the builder's plain data (strings,
// not indices), counting with maps; it shares no code with crates/verify.

#[derive(Clone, Debug)]
struct Case {
    b: B,
    panels: Vec<(String, Vec<String>)>,
    /// Offset added to the true objective: 0 or clearly beyond tolerance.
    objective_offset: f64,
    /// Offset of the bound from the true objective, if a bound is given.
    bound_offset: Option<f64>,
    status: String,
}

/// The micro-score of (app, expert) from the builder's data.
fn oracle_score(b: &B, app: &str, expert: &str) -> i64 {
    let list = b.affinity.as_ref().unwrap();
    // The last listed entry wins, as for the Scorer of a hand-built model.
    let mut s = (b.policy.default_affinity * SCORE_SCALE as f64).round() as i64;
    for (a, e, v) in list {
        if a == app && e == expert {
            s = *v;
        }
    }
    s
}

fn oracle_eligible(b: &B, ap: &Ap, ex: &Ex) -> bool {
    let min = b
        .policy
        .min_affinity
        .map(|m| (m * SCORE_SCALE as f64).round() as i64);
    let declared = b
        .conflicts
        .iter()
        .any(|(e, w)| *e == ex.id && (*w == ap.id || ap.team.contains(w)));
    let excluded_by = [
        !ex.available,
        ap.team.contains(&ex.id),
        ap.avoid.contains(&ex.id),
        declared,
        b.policy.avoid_same_institution && ex.inst == ap.inst,
        min.is_some_and(|m| oracle_score(b, &ap.id, &ex.id) < m),
    ];
    excluded_by.iter().all(|&x| !x)
}

/// The true objective (millionths) and the set of broken rules, except the
/// three rules on claimed numbers, which the case decides.
fn oracle(c: &Case) -> (i64, BTreeSet<Rule>) {
    let b = &c.b;
    let p = &b.policy;
    let mut broken = BTreeSet::new();
    let ap_of: BTreeMap<&str, &Ap> = b.apps.iter().map(|x| (x.id.as_str(), x)).collect();
    let ex_of: BTreeMap<&str, &Ex> = b.experts.iter().map(|x| (x.id.as_str(), x)).collect();

    let mut records_per_app: BTreeMap<&str, usize> = BTreeMap::new();
    let mut load: BTreeMap<&str, u32> = BTreeMap::new();
    let mut total: i64 = 0;
    let mut last_pos: Option<usize> = None;
    for (app_id, experts) in &c.panels {
        // Multiplicity of every id as written.
        let mut mult: BTreeMap<&str, usize> = BTreeMap::new();
        for x in experts {
            *mult.entry(x.as_str()).or_default() += 1;
            if !ex_of.contains_key(x.as_str()) {
                broken.insert(Rule::UnknownExpert);
            }
        }
        if mult.values().any(|&m| m > 1) {
            broken.insert(Rule::Distinct);
        }
        let Some(ap) = ap_of.get(app_id.as_str()) else {
            broken.insert(Rule::UnknownApplication);
            continue;
        };
        *records_per_app.entry(app_id.as_str()).or_default() += 1;
        let pos = b.apps.iter().position(|x| x.id == *app_id).unwrap();
        if last_pos.is_some_and(|l| pos < l) {
            broken.insert(Rule::PanelOrder);
        }
        last_pos = Some(last_pos.map_or(pos, |l| l.max(pos)));
        let k = ap.k.unwrap_or(p.panel_size);
        if experts.len() != k as usize {
            broken.insert(Rule::PanelSize);
        }
        let known: Vec<&Ex> = mult.keys().filter_map(|x| ex_of.get(x).copied()).collect();
        let mut per_city: BTreeMap<&str, u32> = BTreeMap::new();
        let mut per_inst: BTreeMap<&str, u32> = BTreeMap::new();
        for ex in &known {
            *per_city.entry(ex.city.as_str()).or_default() += 1;
            *per_inst.entry(ex.inst.as_str()).or_default() += 1;
            *load.entry(ex.id.as_str()).or_default() += 1;
            total += oracle_score(b, &ap.id, &ex.id);
            if !oracle_eligible(b, ap, ex) {
                broken.insert(Rule::Eligibility);
            }
        }
        let outside = known.len() as u32 - per_city.get(ap.city.as_str()).copied().unwrap_or(0);
        // Required: max(ceil(share·k), min_outside), capped at k. Shares are
        // multiples of 1/10 here, so integer arithmetic is exact.
        let share_tenths = (p.min_outside_share * 10.0).round() as u32;
        let need = (share_tenths * k).div_ceil(10).max(p.min_outside).min(k);
        if outside < need {
            broken.insert(Rule::OutsideCity);
        }
        if p.max_per_city
            .is_some_and(|m| per_city.values().any(|&n| n > m))
        {
            broken.insert(Rule::CityCap);
        }
        if p.max_per_institution
            .is_some_and(|m| per_inst.values().any(|&n| n > m))
        {
            broken.insert(Rule::InstitutionCap);
        }
    }
    for ap in &b.apps {
        if records_per_app.get(ap.id.as_str()).copied().unwrap_or(0) != 1 {
            broken.insert(Rule::Coverage);
        }
    }
    for ex in &b.experts {
        let l = load.get(ex.id.as_str()).copied().unwrap_or(0);
        let max = ex.max_load.unwrap_or(p.max_load);
        let min = if ex.available {
            ex.min_load.unwrap_or(p.min_load)
        } else {
            0
        };
        if l < min || l > max {
            broken.insert(Rule::Load);
        }
    }
    if c.objective_offset != 0.0 {
        broken.insert(Rule::Objective);
    }
    if c.bound_offset.is_some_and(|d| d < 0.0) {
        broken.insert(Rule::Bound);
    }
    match c.status.as_str() {
        "feasible" => {}
        "optimal" => {
            if c.bound_offset.is_some_and(|d| d != 0.0) {
                broken.insert(Rule::Status);
            }
        }
        _ => {
            broken.insert(Rule::Status);
        }
    }
    (total, broken)
}

fn to_file(c: &Case, true_micro: i64) -> PanelsFile {
    let obj = true_micro as f64 / SCORE_SCALE as f64;
    PanelsFile {
        status: c.status.clone(),
        objective: obj + c.objective_offset,
        bound: c.bound_offset.map(|d| obj + d),
        panels: c
            .panels
            .iter()
            .map(|(a, es)| PanelRecord {
                application: a.clone(),
                programme: None,
                experts: es.clone(),
                scores: None,
            })
            .collect(),
        solver: None,
        seed: None,
        input_sha256: None,
        certificate: None,
        stats: None,
        ..Default::default()
    }
}

const CITIES: [&str; 3] = ["武汉", "长沙", "合肥"];
const INSTS: [&str; 3] = ["U0", "U1", "U2"];

/// A random tiny instance (1–5 experts, 1–3 applications).
fn instance_strategy() -> impl Strategy<Value = B> {
    let expert = (
        0..3usize,
        0..3usize,
        prop::bool::weighted(0.9),
        prop::option::of(1..3u32),
        prop::option::weighted(0.2, 0..2u32),
    );
    let app = (
        0..3usize,
        0..3usize,
        prop::option::weighted(0.3, 1..4u32),
        prop::collection::vec(0..8usize, 0..2),
        prop::collection::vec(0..8usize, 0..2),
        prop::option::weighted(0.2, 0..8usize),
    );
    let policy = (
        1..4u32,
        prop::sample::select(vec![0.0, 0.2, 0.4, 0.5, 1.0]),
        0..2u32,
        prop::option::weighted(0.4, 1..3u32),
        prop::option::weighted(0.4, 1..3u32),
        1..4u32,
        prop::option::weighted(0.2, 0..2u32),
        prop::bool::weighted(0.3),
        prop::option::weighted(0.2, prop::sample::select(vec![0.0, 0.1, 0.3])),
        prop::sample::select(vec![0.0, 0.2]),
    );
    let affinity = prop::collection::vec((0..8usize, 0..8usize, 0..=10i64), 0..8);
    (
        prop::collection::vec(expert, 1..=5),
        prop::collection::vec(app, 1..=3),
        policy,
        affinity,
    )
        .prop_map(|(experts, apps, pol, aff)| {
            let (
                panel_size,
                share,
                min_outside,
                mpc,
                mpi,
                max_load,
                min_load,
                avoid_inst,
                min_aff,
                default_aff,
            ) = pol;
            let policy = Policy {
                panel_size,
                min_outside_share: share,
                min_outside,
                max_per_city: mpc,
                max_per_institution: mpi,
                max_load,
                min_load: min_load.unwrap_or(0),
                avoid_same_institution: avoid_inst,
                coauthor_hops: 1,
                min_affinity: min_aff,
                default_affinity: default_aff,
                ..Policy::default()
            };
            let mut b = B::new(policy);
            let n = experts.len();
            for (i, (city, inst, available, max, min)) in experts.into_iter().enumerate() {
                let x = b.expert(&format!("E{i}"), CITIES[city], INSTS[inst]);
                x.available = available;
                x.max_load = max;
                x.min_load = min;
            }
            for (j, (city, inst, k, team, avoid, conflict)) in apps.into_iter().enumerate() {
                let id = format!("A{j}");
                let x = b.app(&id, CITIES[city], INSTS[inst]);
                x.k = k;
                x.team = team.into_iter().map(|t| format!("E{}", t % n)).collect();
                x.avoid = avoid.into_iter().map(|t| format!("E{}", t % n)).collect();
                if let Some(c) = conflict {
                    b.conflicts.push((format!("E{}", c % n), id));
                }
            }
            let m = b.apps.len();
            for (ai, ei, s) in aff {
                b.score(
                    &format!("A{}", ai % m),
                    &format!("E{}", ei % n),
                    s * 100_000,
                );
            }
            b
        })
}

/// Random panels: per application 0–2 records (mostly 1), each either k
/// distinct experts of the pool or a raw list of 0–4 ids (repeats and
/// unknown ids possible); sometimes a record for an unknown application;
/// sometimes two neighbouring records swapped.
fn case_strategy() -> impl Strategy<Value = Case> {
    (
        instance_strategy(),
        prop::collection::vec(
            (
                prop::sample::select(vec![1usize, 1, 1, 1, 1, 1, 1, 1, 0, 2]),
                // Either a clean panel (the first k of a shuffled pool) or
                // a raw list of ids, repeats and unknown ids allowed.
                prop::option::weighted(0.3, prop::collection::vec(0..12usize, 0..=4)),
                Just((0..5usize).collect::<Vec<_>>()).prop_shuffle(),
            ),
            3,
        ),
        prop::option::weighted(0.1, prop::collection::vec(0..12usize, 0..=2)),
        prop::option::weighted(0.1, any::<prop::sample::Index>()),
        prop::sample::select(vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.5, -0.01]),
        prop::option::of(prop::sample::select(vec![0.0, 0.0, 0.5, -0.5])),
        prop::sample::select(vec!["optimal", "feasible", "feasible", "feasible", "done"]),
    )
        .prop_map(
            |(b, picks, stray, swap, objective_offset, bound_offset, status)| {
                let n = b.experts.len();
                let id = |x: usize| {
                    if x >= 10 {
                        format!("X{x}")
                    } else {
                        format!("E{}", x % n)
                    }
                };
                let mut panels = Vec::new();
                for (ap, (copies, raw, shuffled)) in b.apps.iter().zip(picks) {
                    let k = ap.k.unwrap_or(b.policy.panel_size) as usize;
                    let chosen: Vec<usize> = match raw {
                        Some(raw) => raw,
                        None => shuffled.into_iter().filter(|&x| x < n).take(k).collect(),
                    };
                    for _ in 0..copies {
                        panels.push((ap.id.clone(), chosen.iter().map(|&x| id(x)).collect()));
                    }
                }
                if let Some(stray) = stray {
                    panels.push(("A9".to_string(), stray.iter().map(|&x| id(x)).collect()));
                }
                if let Some(i) = swap {
                    if panels.len() >= 2 {
                        let i = i.index(panels.len() - 1);
                        panels.swap(i, i + 1);
                    }
                }
                Case {
                    b,
                    panels,
                    objective_offset,
                    bound_offset,
                    status: status.to_string(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// On random files, verify breaks exactly the rules the oracle breaks,
    /// and recomputes the same objective.
    #[test]
    fn verify_matches_count_based_oracle(c in case_strategy()) {
        let inst = c.b.build();
        let (micro, broken) = oracle(&c);
        let r = verify(&inst, &to_file(&c, micro));
        prop_assert_eq!(r.objective_micro, micro);
        let got: BTreeSet<Rule> = r.violations.iter().map(|v| v.rule()).collect();
        prop_assert_eq!(&got, &broken, "{}", r.render(&inst));
        prop_assert_eq!(r.is_ok(), broken.is_empty());
        // Every violation renders without panicking and names something.
        for v in &r.violations {
            prop_assert!(!v.describe(&inst).is_empty());
        }
        let rules: Vec<Rule> = r.violations.iter().map(|v| v.rule()).collect();
        prop_assert!(rules.windows(2).all(|w| w[0] <= w[1]));
    }

    /// The best valid assignment found by brute force (every panel a set of
    /// k experts, any combination) passes verify as `optimal`; every other
    /// combination verify accepts is one the oracle accepts.
    #[test]
    fn brute_force_assignments_agree(b in instance_strategy()) {
        let n = b.experts.len();
        let ks: Vec<usize> = b.apps.iter().map(|a| a.k.unwrap_or(b.policy.panel_size) as usize).collect();
        // All k-subsets of experts, per application, as bitmasks.
        let subsets = |k: usize| -> Vec<u32> {
            (0u32..(1 << n)).filter(|m| m.count_ones() as usize == k).collect()
        };
        let options: Vec<Vec<u32>> = ks.iter().map(|&k| subsets(k)).collect();
        let inst = b.build();
        let mut best: Option<(i64, Vec<u32>)> = None;
        let mut choice = vec![0usize; options.len()];
        let mut checked = 0;
        'outer: loop {
            if options.iter().all(|o| !o.is_empty()) {
                let masks: Vec<u32> = choice.iter().zip(&options).map(|(&i, o)| o[i]).collect();
                let panels: Vec<(String, Vec<String>)> = b.apps.iter().zip(&masks).map(|(ap, m)| {
                    (ap.id.clone(), (0..n).filter(|i| m & (1 << i) != 0).map(|i| format!("E{i}")).collect())
                }).collect();
                let c = Case { b: b.clone(), panels, objective_offset: 0.0, bound_offset: None, status: "feasible".into() };
                let (micro, broken) = oracle(&c);
                let r = verify(&inst, &to_file(&c, micro));
                prop_assert_eq!(r.is_ok(), broken.is_empty(), "{}", r.render(&inst));
                checked += 1;
                if r.is_ok() && best.as_ref().is_none_or(|(s, _)| micro > *s) {
                    best = Some((micro, masks));
                }
            } else {
                break;
            }
            // Next combination (odometer).
            for (i, o) in options.iter().enumerate() {
                choice[i] += 1;
                if choice[i] < o.len() {
                    continue 'outer;
                }
                choice[i] = 0;
            }
            break;
        }
        prop_assert!(checked <= 1000);
        if let Some((micro, masks)) = best {
            let panels = b.apps.iter().zip(&masks).map(|(ap, m)| {
                (ap.id.clone(), (0..n).filter(|i| m & (1 << i) != 0).map(|i| format!("E{i}")).collect())
            }).collect();
            let c = Case { b: b.clone(), panels, objective_offset: 0.0, bound_offset: Some(0.0), status: "optimal".into() };
            let r = verify(&inst, &to_file(&c, micro));
            prop_assert!(r.is_ok(), "{}", r.render(&inst));
            prop_assert_eq!(r.objective_micro, micro);
        }
    }
}

/// The random cases exercise every rule (except listed scores, which the
/// generator leaves out) and include valid files, so the oracle property is
/// not vacuous.
#[test]
fn random_cases_cover_every_rule() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = case_strategy();
    let mut seen: BTreeMap<Rule, usize> = BTreeMap::new();
    let mut valid = 0;
    let cases = 256;
    for _ in 0..cases {
        let c = strategy.new_tree(&mut runner).unwrap().current();
        let (_, broken) = oracle(&c);
        if broken.is_empty() {
            valid += 1;
        }
        for r in broken {
            *seen.entry(r).or_default() += 1;
        }
    }
    eprintln!("valid {valid}/{cases}, broken per rule: {seen:?}");
    for rule in [
        Rule::Coverage,
        Rule::UnknownApplication,
        Rule::UnknownExpert,
        Rule::PanelOrder,
        Rule::PanelSize,
        Rule::Distinct,
        Rule::Eligibility,
        Rule::OutsideCity,
        Rule::CityCap,
        Rule::InstitutionCap,
        Rule::Load,
        Rule::Objective,
        Rule::Bound,
        Rule::Status,
    ] {
        assert!(
            seen.get(&rule).copied().unwrap_or(0) > 0,
            "{rule:?} never broken"
        );
    }
    assert!(valid > 0, "no valid random case");
}
