//! `replace` refuses a panels file whose seats that stay break a rule
//! (exit 2, the file, application, expert and rule named, the `panels
//! verify` command to run, nothing written and an existing output left
//! as it was): an expert the round file marks unavailable, two experts of
//! one institution swapped in by hand, a city cap, a load cap, a declined
//! pair put back on its panel. A seat that breaks a rule but leaves now is
//! no defect.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROUND: &str = r#"{
  "policy": { "panel_size": 2, "max_per_institution": 1, "max_load": 2 __POLICY__ },
  "experts": [
    { "id": "E1", "city": "Wuhan", "institution": "CAS" },
    { "id": "E2", "city": "Wuhan", "institution": "CAS" },
    { "id": "E3", "city": "Changsha", "institution": "HNU" __E3__ },
    { "id": "E4", "city": "Changsha", "institution": "CSU" },
    { "id": "E5", "city": "Nanchang", "institution": "NCU" __E5__ },
    { "id": "E6", "city": "Hefei", "institution": "USTC" },
    { "id": "E7", "city": "Xian", "institution": "XJTU" }
  ],
  "applications": [
    { "id": "A1", "city": "Beijing", "institution": "PKU" },
    { "id": "A2", "city": "Shanghai", "institution": "FDU" }
  ]
}"#;

/// A round file and a panels file (A1's and A2's panels, the declined
/// pairs of the file's state) in a fresh folder.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(policy: &str, e3: &str, e5: &str, a1: [&str; 2], a2: [&str; 2], declined: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let round = ROUND
            .replace("__POLICY__", policy)
            .replace("__E3__", e3)
            .replace("__E5__", e5);
        std::fs::write(dir.path().join("round.json"), round).unwrap();
        let panels = format!(
            r#"{{ "status": "feasible", "objective": 0,
  "panels": [ {{ "application": "A1", "experts": ["{}", "{}"] }},
              {{ "application": "A2", "experts": ["{}", "{}"] }} ],
  "declined": [{declined}] }}"#,
            a1[0], a1[1], a2[0], a2[1]
        );
        std::fs::write(dir.path().join("panels.json"), panels).unwrap();
        std::fs::write(dir.path().join("out.json"), "old output\n").unwrap();
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `replace` with `args` into out.json and log.json: exit code and
    /// stdout + stderr.
    fn replace(&self, args: &[&str]) -> (Option<i32>, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_panels"))
            .arg("replace")
            .arg(self.path("round.json"))
            .arg(self.path("panels.json"))
            .args(args)
            .arg("--out")
            .arg(self.path("out.json"))
            .arg("--log")
            .arg(self.path("log.json"))
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), text)
    }

    /// Exit 2 naming every word of `names`, with and without moves;
    /// nothing written, the old output untouched.
    fn refused(&self, decline: &str, names: &[&str]) {
        for moves in [false, true] {
            let mut args = vec!["--decline", decline];
            if moves {
                args.push("--allow-moves");
            }
            let (code, text) = self.replace(&args);
            assert_eq!(code, Some(2), "moves {moves}: {text}");
            for n in names
                .iter()
                .chain(&["panels.json", "run `panels verify", "round.json"])
            {
                assert!(text.contains(n), "moves {moves}: {n:?} missing in {text}");
            }
            assert!(!text.contains("internal error"), "{text}");
            assert_eq!(read(&self.path("out.json")), "old output\n");
            assert!(!self.path("log.json").exists());
        }
    }

    fn accepted(&self, decline: &str) {
        let (code, text) = self.replace(&["--decline", decline]);
        assert_eq!(code, Some(0), "{text}");
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn an_invited_expert_marked_unavailable_is_refused_unless_they_leave_now() {
    let case = Case::new(
        "",
        r#", "available": false"#,
        "",
        ["E1", "E3"],
        ["E4", "E5"],
        "",
    );
    case.refused(
        "A2:E5",
        &["[eligibility]", "A1", "E3", "withdrawal with --decline E3"],
    );
    // The expert withdraws now: their seat is refilled, nothing else broke.
    case.accepted("E3");
}

#[test]
fn two_experts_of_one_institution_swapped_in_by_hand_are_refused() {
    let case = Case::new("", "", "", ["E1", "E2"], ["E4", "E5"], "");
    case.refused("A2:E5", &["[max_per_institution]", "A1", "CAS", "E1", "E2"]);
}

#[test]
fn a_panel_over_its_city_cap_is_refused() {
    let case = Case::new(
        r#", "max_per_city": 1"#,
        "",
        "",
        ["E3", "E4"],
        ["E1", "E5"],
        "",
    );
    case.refused("A2:E5", &["[max_per_city]", "A1", "Changsha", "E3", "E4"]);
}

#[test]
fn an_expert_over_max_load_is_refused_unless_the_extra_seat_leaves_now() {
    let case = Case::new("", "", r#", "max_load": 1"#, ["E1", "E5"], ["E4", "E5"], "");
    case.refused("A1:E1", &["[load]", "E5", "max_load is 1"]);
    case.accepted("A2:E5");
}

#[test]
fn a_declined_pair_put_back_on_its_panel_is_refused() {
    let declined = r#"{ "application": "A1", "expert": "E6" }"#;
    let case = Case::new("", "", "", ["E1", "E6"], ["E4", "E5"], declined);
    case.refused("A2:E5", &["[declined]", "A1", "E6", "earlier replacement"]);
}

#[test]
fn a_file_that_keeps_every_rule_is_refilled() {
    let case = Case::new(
        r#", "max_per_city": 1"#,
        "",
        "",
        ["E1", "E3"],
        ["E4", "E5"],
        "",
    );
    case.accepted("A2:E5");
    assert!(case.path("log.json").exists());
}
