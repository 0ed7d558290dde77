//! The report's numbers against hand-computed ones on a tiny round
//! (`tests/report_fixture`), the renderings against the figures, and
//! invariants of the figures on generated rounds.

mod report_fixture;

use std::time::Duration;

use panels::report::{self, Family, Figures, Lang, PriceOutcome, ReportFormat, ReportOptions};
use proptest::prelude::*;

fn opts() -> ReportOptions {
    ReportOptions {
        instance_label: "tiny.json".into(),
        panels_label: "panels.json".into(),
        report_label: "report.html".into(),
        input_sha256: Some("ab".repeat(32)),
        panels_sha256: Some("cd".repeat(32)),
        input_is_file: true,
        target_share: None,
        price_time_limit: Some(Duration::from_secs(60)),
        lang: Some(Lang::En),
        draw_log: None,
    }
}

fn tiny_figures() -> Figures {
    report::figures(
        &report_fixture::instance(),
        &report_fixture::optimal(),
        &opts(),
    )
}

#[test]
fn glance_matches_hand_count() {
    let f = tiny_figures();
    let g = &f.glance;
    assert_eq!(g.applications, 3);
    assert_eq!(g.panels, 3);
    assert_eq!(g.pool, 6);
    assert_eq!(g.available, 5, "E4 is unavailable");
    assert_eq!(g.experts_used, 4, "E1, E3, E5, E6");
    assert_eq!(g.reviews, 6);
    assert_eq!(g.objective_micro, 4_000_000, "1.5 + 1.4 + 1.1");
    assert_eq!(g.status, "optimal");
    assert!(f.violations.is_empty(), "{:?}", f.violations);
}

#[test]
fn city_flow_and_shares_match_hand_count() {
    let f = tiny_figures();
    assert_eq!(f.cities, vec!["武汉".to_string(), "长沙".to_string()]);
    // 武汉 applications A1 (E3 长沙, E6 武汉) and A3 (E3, E5 both 长沙);
    // 长沙 application A2 (E1 武汉, E5 长沙).
    assert_eq!(f.flow, vec![vec![1, 3], vec![1, 1]]);
    let w = &f.city_shares[0];
    assert_eq!(
        (
            w.city.as_str(),
            w.applications,
            w.reviews,
            w.outside_reviews
        ),
        ("武汉", 2, 4, 3)
    );
    assert!((w.share() - 0.75).abs() < 1e-12);
    assert!((w.required_share - 0.5).abs() < 1e-12, "1 of 2 per panel");
    assert_eq!(w.target, Some(0.5), "the policy's share");
    assert_eq!(w.target_from.as_deref(), Some("min_outside_share"));
    let c = &f.city_shares[1];
    assert_eq!(
        (
            c.city.as_str(),
            c.applications,
            c.reviews,
            c.outside_reviews
        ),
        ("长沙", 1, 2, 1)
    );
    assert!(w.meets_target() && c.meets_target());

    // A stricter target (the 18% figure's kind of comparison, here 60%).
    let mut o = opts();
    o.target_share = Some(0.6);
    o.price_time_limit = None;
    let f = report::figures(&report_fixture::instance(), &report_fixture::optimal(), &o);
    assert!(f.city_shares[0].meets_target(), "75% ≥ 60%");
    assert!(!f.city_shares[1].meets_target(), "50% < 60%");
}

#[test]
fn panel_figures_match_hand_count() {
    let f = tiny_figures();
    // A1 and A2 have one outside member, A3 two.
    assert_eq!(f.outside_histogram, vec![0, 2, 1]);
    let ids: Vec<&str> = f.at_minimum.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, vec!["A1", "A2"]);
    assert_eq!(f.at_minimum_count, 2);
    assert_eq!(f.at_minimum[0].label(), "A1 Lasers", "titles beside ids");
    assert_eq!(f.with_minimum, 3);
    assert_eq!(f.common_minimum, Some(1));
    let lowest: Vec<(&str, i64)> = f
        .lowest_panels
        .iter()
        .map(|p| (p.application.id.as_str(), p.score_micro))
        .collect();
    assert_eq!(
        lowest,
        vec![("A3", 1_100_000), ("A2", 1_400_000), ("A1", 1_500_000)]
    );
}

#[test]
fn load_figures_match_hand_count() {
    let f = tiny_figures();
    // Counted: available or assigned experts: E1 1, E2 0, E3 2, E5 2, E6 1.
    assert_eq!(f.load_histogram, vec![1, 2, 2]);
    let labels: Vec<String> = f.at_cap.iter().map(|n| n.label()).collect();
    assert_eq!(labels, vec!["E3 Sun San", "E5 Zhou Wu"], "names beside ids");
    let by_city: Vec<(&str, usize, usize, u64, usize)> = f
        .load_by_city
        .iter()
        .map(|g| (g.name.as_str(), g.experts, g.used, g.reviews, g.at_cap))
        .collect();
    assert_eq!(by_city, vec![("武汉", 3, 2, 2, 0), ("长沙", 2, 2, 4, 2)]);
    let by_inst: Vec<(&str, u64)> = f
        .load_by_institution
        .iter()
        .map(|g| (g.name.as_str(), g.reviews))
        .collect();
    // U4 has only an unavailable, unassigned expert: left out. Ties keep
    // instance order.
    assert_eq!(
        by_inst,
        vec![("U3", 2), ("U5", 2), ("U1", 1), ("U6", 1), ("U2", 0)]
    );
}

#[test]
fn conflicts_match_hand_count() {
    let f = tiny_figures();
    let x = &f.exclusions;
    let get = |k: &str| x.conflicts.iter().find(|c| c.kind == k).unwrap().pairs;
    assert_eq!(get("institution"), 3, "A1–E1, A2–E3, A3–E2");
    assert_eq!(get("team"), 1, "A2–E2");
    assert_eq!(get("coauthor"), 0);
    assert_eq!(get("declared"), 1, "A3–E1");
    assert_eq!(get("applicant_request"), 1, "A1–E5");
    assert_eq!(x.all_pairs, 18);
    assert_eq!(
        (x.unavailable_experts, x.unavailable_pairs),
        (1, 3),
        "E4 × 3, apart from the conflicts"
    );
    assert_eq!(x.conflict_pairs, 6, "no pair kept out twice");
    assert_eq!(x.eligible_pairs, 9);
    assert_eq!(x.other_pairs, 0);
}

#[test]
fn eligible_count_matches_the_pair_list_on_generated_rounds() {
    // Plain rounds; the Yangtze caps with their outside rule; two
    // programmes with three years of history (rests, declines, ratings),
    // twice: repeats priced, then banned.
    let shapes: [(&str, usize, usize, bool); 5] = [
        ("tiny", 0, 0, false),
        ("guanggu", 0, 0, false),
        ("nsfc-yangtze", 0, 0, false),
        ("nsfc", 2, 3, false),
        ("nsfc", 2, 3, true),
    ];
    for (preset, programmes, years, ban) in shapes {
        for seed in 0..4 {
            let mut cfg = panels::generate::preset(preset).unwrap();
            cfg.seed = seed;
            cfg.conflict_rate = 0.05;
            cfg.applications = cfg.applications.min(120);
            cfg.experts = cfg.experts.min(200);
            cfg.programmes = programmes;
            cfg.years = years;
            let mut inst = panels::generate::generate(&cfg);
            if ban {
                inst.policy.repeat_penalty = None;
            }
            let elig = panels::eligibility::Eligibility::compute(&inst);
            let x = report::exclusions(&inst, &elig);
            assert_eq!(
                x.eligible_pairs,
                elig.pairs(&inst).len() as u64,
                "{preset} {seed}"
            );
            // Every pair falls in exactly one class.
            assert_eq!(
                x.all_pairs,
                x.eligible_pairs + x.unavailable_pairs + x.conflict_pairs + x.other_pairs
            );
            let mut counted = 0u64;
            for a in inst.app_ixs() {
                for e in inst.expert_ixs() {
                    let v = elig.check(&inst, a, e);
                    // Declared-type conflicts only: programme and
                    // history exclusions are counted apart from them.
                    use panels::eligibility::ConflictKind as K;
                    let conflict = v.reasons.iter().any(|r| {
                        matches!(
                            r.kind(),
                            K::Institution
                                | K::Team
                                | K::Coauthor
                                | K::Declared
                                | K::ApplicantRequest
                        )
                    });
                    if inst.experts[e.ix()].available && conflict {
                        counted += 1;
                    }
                }
            }
            assert_eq!(x.conflict_pairs, counted, "{preset} {seed}");
        }
    }
}

#[test]
fn price_of_city_rules_matches_hand_count() {
    let f = tiny_figures();
    // Without the outside-city rule A1 takes E2 + E6 (0.9 + 1.0): 4.4.
    assert_eq!(f.prices.len(), 1);
    assert_eq!(f.prices[0].family, Family::City);
    match &f.prices[0].outcome {
        PriceOutcome::Priced {
            with,
            without,
            low_micro,
            high_micro,
        } => {
            assert_eq!(with.objective_micro, 4_000_000);
            assert!(with.proven());
            assert_eq!(
                with.source, "panels+flow+certificate",
                "the file has no certificate: re-solved, the re-solve's certificate re-checked"
            );
            assert_eq!(without.objective_micro, 4_400_000);
            assert!(without.proven());
            assert_eq!(without.source, "flow+certificate");
            assert_eq!((*low_micro, *high_micro), (400_000, Some(400_000)));
        }
        other => panic!("expected a price, got {other:?}"),
    }
    assert_eq!(f.prices[0].outcome.exact(), Some(400_000));

    let mut o = opts();
    o.price_time_limit = None;
    let f = report::figures(&report_fixture::instance(), &report_fixture::optimal(), &o);
    assert_eq!(f.prices[0].outcome, PriceOutcome::Skipped);
}

#[test]
fn price_of_a_round_without_city_rules_is_nothing() {
    let mut inst = report_fixture::instance();
    inst.policy.min_outside_share = 0.0;
    assert!(!Family::City.in_force(&inst));
    let f = report::figures(&inst, &report_fixture::optimal(), &opts());
    assert!(f.prices.is_empty());
    let md = report::render(&f, ReportFormat::Markdown);
    assert!(md.contains("No rule family to price"), "{md}");
}

#[test]
fn renderings_carry_the_same_numbers() {
    let f = tiny_figures();
    let html = report::render(&f, ReportFormat::Html);
    let md = report::render(&f, ReportFormat::Markdown);
    for needle in [
        "75.0%",                  // 武汉's outside share
        "4.4 (proven optimal)",   // objective without the city rules
        "**0.4**",                // their price, proven
        "E3 Sun San, E5 Zhou Wu", // at their cap, names beside ids
        "A1 Lasers, A2 Rice",     // at the minimum, titles beside ids
        "obeys every rule",
        "panels verify tiny.json panels.json\n", // no certificate, no flag
        "panels report --check report.html tiny.json panels.json",
        &"ab".repeat(32),
        &"cd".repeat(32),
    ] {
        assert!(
            html.contains(&needle.replace("**", "")),
            "HTML lacks {needle:?}"
        );
        assert!(md.contains(needle), "Markdown lacks {needle:?}");
        let _ = needle;
    }
    assert!(
        md.contains("| 武汉 | 1 | 3 | 4 |"),
        "heat map row as a table:\n{md}"
    );
    assert!(md.contains("| same institution | 3 |"));
}

#[test]
fn html_is_self_contained_and_printable() {
    let html = report::render(&tiny_figures(), ReportFormat::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The one script element is a JSON data block, which browsers never run.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script type=\"application/json\" id=\"panels-figures\">"));
    assert!(!html.contains("<link"), "no external style sheets");
    assert!(!html.contains("url("), "no fetched resources");
    assert!(!html.contains("<img"), "no images to fetch");
    let without_ns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
    assert!(html.contains("@media print"));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert!(
        html.matches("<svg").count() >= 5,
        "heat map, shares, two histograms, conflicts, price"
    );
}

#[test]
fn broken_panels_still_render_with_a_banner() {
    let inst = report_fixture::instance();
    let f = report::figures(&inst, &report_fixture::broken(), &opts());
    // The banner lists broken rules; claims (a stale objective) are shown
    // beside the recomputed numbers instead.
    let expected = panels::verify::verify(&inst, &report_fixture::broken())
        .rule_violations()
        .count();
    assert!(expected >= 2, "same institution and outside city at least");
    assert_eq!(f.violations.len(), expected);
    let html = report::render(&f, ReportFormat::Html);
    let md = report::render(&f, ReportFormat::Markdown);
    let banner = format!("This assignment breaks {expected} rule");
    assert!(html.contains(&banner) && md.contains(&banner));
    assert!(html.contains("class=\"banner\""));
    assert!(
        f.violations.iter().any(|v| v.contains("outside city")),
        "{:?}",
        f.violations
    );
    // The figures describe the file as it is: A1 now has no outside member.
    assert_eq!(f.outside_histogram, vec![1, 1, 1]);
}

/// True when `s` holds a CJK ideograph.
fn has_cjk(s: &str) -> bool {
    s.chars().any(panels::report::lang::is_cjk)
}

#[test]
fn broken_rules_are_worded_in_the_reports_language() {
    let inst = report_fixture::instance();
    let zh = ReportOptions {
        lang: Some(Lang::Zh),
        ..opts()
    };
    let en = report::figures(&inst, &report_fixture::broken(), &opts());
    let f = report::figures(&inst, &report_fixture::broken(), &zh);
    assert_eq!(f.violations.len(), en.violations.len());
    assert!(f.violations.len() >= 2);
    for (z, e) in f.violations.iter().zip(&en.violations) {
        assert!(has_cjk(z), "{z}");
        for english in ["expert", "eligible", "needs", "outside", "panel"] {
            assert!(!z.contains(english), "{z} (English: {e})");
        }
        // The same evidence: every id of the English line is in the Chinese one.
        for id in e.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| {
            w.len() >= 2 && w.starts_with(['A', 'E']) && w[1..].chars().all(|c| c.is_ascii_digit())
        }) {
            assert!(z.contains(id), "{id} missing from {z} ({e})");
        }
    }
    let html = report::render(&f, ReportFormat::Html);
    assert!(
        html.contains("不符合评审资格") && html.contains("外地专家"),
        "{html}"
    );
}

#[test]
fn a_broken_history_rule_is_worded_in_chinese() {
    let text = r#"{"policy": {"panel_size": 1, "year": 2026, "max_consecutive_years": 1},
      "experts": [{"id": "E1", "city": "长沙", "institution": "U1", "fields": ["F1"]},
                  {"id": "E2", "city": "合肥", "institution": "U2", "fields": ["F1"]}],
      "applications": [{"id": "A1", "city": "武汉", "institution": "U0", "fields": ["F1"]}],
      "history": [{"year": 2025, "institution": "U7", "expert": "E1"}]}"#;
    let inst = panels::io::load_bundle_from_bytes(std::path::Path::new("h.json"), text.as_bytes())
        .unwrap();
    let file = report_fixture::panels_file("feasible", 0.0, &[("A1", &["E1"], &[0.0])]);
    let zh = ReportOptions {
        lang: Some(Lang::Zh),
        price_time_limit: None,
        ..opts()
    };
    let f = report::figures(&inst, &file, &zh);
    assert!(!f.violations.is_empty());
    assert!(
        f.violations
            .iter()
            .any(|v| v.contains("轮空") && v.contains("E1")),
        "{:?}",
        f.violations
    );
    assert!(
        f.violations.iter().all(|v| has_cjk(v)),
        "{:?}",
        f.violations
    );
}

#[test]
fn unknown_ids_do_not_break_the_figures() {
    let inst = report_fixture::instance();
    let p = report_fixture::panels_file(
        "optimal",
        1.0,
        &[
            ("A9", &["E1"], &[1.0]),
            ("A1", &["E3", "E99", "E3"], &[0.5, 0.0, 0.5]),
        ],
    );
    let mut o = opts();
    o.price_time_limit = None;
    let f = report::figures(&inst, &p, &o);
    assert!(!f.violations.is_empty());
    assert_eq!(
        f.glance.reviews, 1,
        "only A1–E3 is a known pair, counted once"
    );
    let _ = report::render(&f, ReportFormat::Html);
    let _ = report::render(&f, ReportFormat::Markdown);
}

#[test]
fn same_input_same_bytes() {
    let a = report::render(&tiny_figures(), ReportFormat::Html);
    let b = report::render(&tiny_figures(), ReportFormat::Html);
    assert_eq!(a, b);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// On generated rounds solved to optimality: the figures add up (flow
    /// total = reviews = Σ loads; histograms count every panel and every
    /// counted expert; city shares agree with the flow; the price is never
    /// negative) and the verify banner is absent.
    #[test]
    fn figures_add_up(seed in 0u64..10_000) {
        let mut cfg = panels::generate::preset("tiny").unwrap();
        cfg.seed = seed;
        let inst = panels::generate::generate(&cfg);
        let elig = panels::eligibility::Eligibility::compute(&inst);
        let Ok(solved) = panels::solve::solve(&inst, &elig, panels::solve::Method::Auto) else {
            return Ok(());
        };
        let file = panels::solve::panels_file(&inst, &elig, &solved, String::new());
        let f = report::figures(&inst, &file, &opts());
        prop_assert!(f.violations.is_empty(), "{:?}", f.violations);
        let flow_total: u64 = f.flow.iter().flatten().sum();
        prop_assert_eq!(flow_total, f.glance.reviews);
        let k_total: u64 = inst.app_ixs().map(|a| u64::from(inst.panel_size(a))).sum();
        prop_assert_eq!(f.glance.reviews, k_total);
        prop_assert_eq!(f.outside_histogram.iter().sum::<u64>(), inst.applications.len() as u64);
        let loads: u64 = f.load_histogram.iter().enumerate().map(|(n, c)| n as u64 * c).sum();
        prop_assert_eq!(loads, f.glance.reviews);
        let by_city: u64 = f.load_by_city.iter().map(|g| g.reviews).sum();
        prop_assert_eq!(by_city, f.glance.reviews);
        for c in &f.city_shares {
            prop_assert!(c.outside_reviews <= c.reviews);
            prop_assert!(c.share() + 1e-12 >= c.required_share, "every panel meets its minimum");
        }
        for p in &f.prices {
            if let PriceOutcome::Priced { with, low_micro, high_micro, .. } = &p.outcome {
                prop_assert_eq!(with.objective_micro, solved.objective_micro);
                prop_assert!(*low_micro >= 0, "relaxing rules cannot lower the optimum");
                prop_assert!(high_micro.is_none_or(|h| h >= *low_micro));
            }
        }
        let by_kind: u64 = f.exclusions.conflicts.iter().map(|c| c.pairs).sum();
        prop_assert!(by_kind >= f.exclusions.conflict_pairs);
    }
}

/// The yearly round of `yangtze` with two programmes and four years of
/// history (60 applications, 300 experts, seed 5): repeats priced
/// (`avoid_repeat` both, penalty 0.1), `max_reviews_per_year` 6, nine
/// experts unavailable, some of whom repeat past reviews.
fn history_round() -> panels::model::Instance {
    let mut cfg = panels::generate::preset("yangtze").unwrap();
    cfg.applications = 60;
    cfg.experts = 300;
    cfg.seed = 5;
    cfg.programmes = 2;
    cfg.years = 4;
    panels::generate::generate(&cfg)
}

fn optimal_file(inst: &panels::model::Instance) -> panels::io::panels::PanelsFile {
    let elig = panels::eligibility::Eligibility::compute(inst);
    let s = panels::solve::solve(inst, &elig, panels::solve::Method::Auto).expect("feasible");
    panels::solve::panels_file(inst, &elig, &s, String::new())
}

fn unpriced(lang: Lang) -> ReportOptions {
    ReportOptions {
        price_time_limit: None,
        lang: Some(lang),
        ..opts()
    }
}

/// The history's repeat count is taken in the eligible pool, as the
/// exclusions are: under a penalty it is the eligible pairs that repeat;
/// under a ban it is exactly what the ban adds to the exclusions' other
/// reasons. Repeats of unavailable experts (there are some) count in
/// neither.
#[test]
fn repeat_pairs_are_counted_in_the_eligible_pool() {
    use panels::eligibility::Eligibility;
    let priced = history_round();
    assert!(priced.policy.repeat_penalty.is_some());
    let elig = Eligibility::compute(&priced);
    let mut eligible_repeats = 0u64;
    let mut unavailable_repeats = 0u64;
    for a in priced.app_ixs() {
        for e in priced.expert_ixs() {
            if elig.repeat_of(a, e).is_none() {
                continue;
            }
            if !priced.experts[e.ix()].available {
                unavailable_repeats += 1;
            }
            if elig.is_eligible(&priced, a, e) {
                eligible_repeats += 1;
            }
        }
    }
    assert!(
        unavailable_repeats > 0,
        "the round has unavailable experts who repeat"
    );
    let mut banned = priced.clone();
    banned.policy.repeat_penalty = None;
    let fp = report::figures(&priced, &optimal_file(&priced), &unpriced(Lang::En));
    let fb = report::figures(&banned, &optimal_file(&banned), &unpriced(Lang::En));
    let (hp, hb) = (fp.history.as_ref().unwrap(), fb.history.as_ref().unwrap());
    assert_eq!(
        hp.repeat_pairs, eligible_repeats,
        "priced: the eligible repeats"
    );
    assert_eq!(
        hb.repeat_pairs,
        fb.exclusions.other_pairs - fp.exclusions.other_pairs,
        "banned: what the ban adds to the other reasons"
    );
    assert_eq!(
        fp.exclusions.eligible_pairs - fb.exclusions.eligible_pairs,
        hb.repeat_pairs
    );
    assert_eq!(
        hb.repeat_pairs, hp.repeat_pairs,
        "the same pairs, kept out or priced"
    );
    for (f, label) in [
        (&fb, "the ban alone keeps out"),
        (&fp, "among the eligible pairs of section 5"),
    ] {
        let md = report::render(f, ReportFormat::Markdown);
        assert!(md.contains(label), "{label}");
    }
}

/// The yearly-load table says how many experts it leaves out, and the
/// count of experts whose year reaches the cap is split into those in the
/// table and those who reach it with this round alone; both parts check
/// against the panels.
#[test]
fn the_yearly_table_says_what_it_leaves_out() {
    let inst = history_round();
    let file = optimal_file(&inst);
    let f = report::figures(&inst, &file, &unpriced(Lang::En));
    let h = f.history.as_ref().unwrap();
    let cap = h.max_reviews_per_year.unwrap();
    assert!(h.reviewed_earlier > 12, "{} rows", h.reviewed_earlier);
    // This round's loads, from the panels.
    let mut now = std::collections::BTreeMap::new();
    for p in &file.panels {
        for e in &p.experts {
            *now.entry(e.as_str()).or_insert(0u32) += 1;
        }
    }
    let with_earlier = h.yearly.iter().filter(|y| y.earlier + y.now >= cap).count();
    assert_eq!(
        h.yearly.len(),
        h.reviewed_earlier,
        "the figures keep them all here"
    );
    assert_eq!(h.at_yearly_cap_earlier, with_earlier);
    let listed: std::collections::BTreeSet<&str> =
        h.yearly.iter().map(|y| y.expert.id.as_str()).collect();
    let alone = inst
        .experts
        .iter()
        .filter(|x| {
            !listed.contains(x.id.as_str()) && now.get(x.id.as_str()).copied().unwrap_or(0) >= cap
        })
        .count();
    assert_eq!(h.at_yearly_cap - h.at_yearly_cap_earlier, alone);
    let more = h.reviewed_earlier - 12;
    for lang in [Lang::En, Lang::Zh] {
        let f = report::figures(&inst, &file, &unpriced(lang));
        for format in [ReportFormat::Markdown, ReportFormat::Html] {
            let text = report::render(&f, format);
            let want = match lang {
                Lang::En => format!("and {more} more experts who reviewed earlier this year"),
                Lang::Zh => format!("另有 {more} 位本年度此前有评审的专家未列出"),
            };
            assert!(text.contains(&want), "{lang:?} {format:?}: {want}");
            let split = match lang {
                Lang::En => format!(
                    "{} of them reviewed earlier this year, first in the table below; {} reach the cap with this round's reviews alone",
                    h.at_yearly_cap_earlier, alone
                ),
                Lang::Zh => format!(
                    "其中本年度此前已有评审的 {} 位，排在下表最前；仅本轮评审即达到上限的 {} 位",
                    h.at_yearly_cap_earlier, alone
                ),
            };
            let split = match format {
                ReportFormat::Html => split.replace('\'', "&#39;"),
                _ => split,
            };
            assert!(text.contains(&split), "{lang:?} {format:?}: {split}");
        }
    }
}

/// Experts who reviewed earlier in the round's year are counted whether
/// or not the policy sets `max_reviews_per_year`: the same round without
/// the cap counts the same experts, and both text forms say how many.
#[test]
fn reviews_earlier_in_the_year_count_without_a_yearly_cap() {
    let capped = history_round();
    let mut uncapped = capped.clone();
    uncapped.policy.max_reviews_per_year = None;
    let file = optimal_file(&uncapped);
    let with_cap = report::figures(&capped, &optimal_file(&capped), &unpriced(Lang::En));
    let want = with_cap.history.as_ref().unwrap().reviewed_earlier;
    assert!(want > 0);
    for lang in [Lang::En, Lang::Zh] {
        let f = report::figures(&uncapped, &file, &unpriced(lang));
        let h = f.history.as_ref().unwrap();
        assert_eq!(h.max_reviews_per_year, None);
        assert_eq!(h.reviewed_earlier, want, "{lang:?}");
        assert!(
            h.yearly.is_empty(),
            "the yearly table is a table against the cap"
        );
        let label = match lang {
            Lang::En => "experts who reviewed earlier this year (no yearly cap",
            Lang::Zh => "本年度已参加评审的专家（未设全年评审上限",
        };
        for format in [ReportFormat::Markdown, ReportFormat::Html] {
            let text = report::render(&f, format);
            let at = text
                .find(label)
                .unwrap_or_else(|| panic!("{lang:?} {format:?}"));
            assert!(
                text[at..].contains(&want.to_string()),
                "{lang:?} {format:?}: {want}"
            );
        }
    }
}

/// A Chinese report translates the words the file records (status,
/// method) and counts people with 位, applications with 项; its banner
/// says the broken rules are a Chinese wording of `verify`'s, not its
/// text. An English report keeps the file's words.
#[test]
fn chinese_reports_translate_claims_and_use_the_right_measure_words() {
    let inst = report_fixture::instance();
    let mut f = report::figures(
        &inst,
        &report_fixture::optimal(),
        &ReportOptions {
            lang: Some(Lang::Zh),
            price_time_limit: None,
            ..opts()
        },
    );
    let md = report::render(&f, ReportFormat::Markdown);
    assert!(md.contains("| 文件声明的状态 | 最优（optimal） |"), "{md}");
    // More experts at their cap, and more applications at their minimum,
    // than the lists hold.
    f.at_cap_count = f.at_cap.len() + 7;
    f.at_minimum_count = f.at_minimum.len() + 5;
    for format in [ReportFormat::Markdown, ReportFormat::Html] {
        let text = report::render(&f, format);
        assert!(text.contains("另有 7 位"), "{format:?}: experts in 位");
        assert!(text.contains("另有 5 项"), "{format:?}: applications in 项");
        assert!(!text.contains("另有 7 项"), "{format:?}");
    }
    for (solver, zh) in [
        ("flow", "网络流（flow）"),
        ("draw", "随机抽取（draw）"),
        ("replace", "替换（replace）"),
        ("mip", "整数规划（mip）"),
    ] {
        f.glance.solver = Some(solver.into());
        f.glance.status = "feasible".into();
        for format in [ReportFormat::Markdown, ReportFormat::Html] {
            let text = report::render(&f, format);
            assert!(text.contains(zh), "{format:?}: {zh}");
            assert!(text.contains("可行（feasible）"), "{format:?}");
        }
    }
    let en = report::figures(
        &inst,
        &report_fixture::optimal(),
        &ReportOptions {
            price_time_limit: None,
            ..opts()
        },
    );
    let md = report::render(&en, ReportFormat::Markdown);
    assert!(md.contains("| status claimed | optimal |"), "{md}");

    let broken = report::figures(
        &inst,
        &report_fixture::broken(),
        &ReportOptions {
            lang: Some(Lang::Zh),
            price_time_limit: None,
            ..opts()
        },
    );
    let verify_lines = panels::verify::verify(&inst, &report_fixture::broken())
        .rule_violations()
        .count();
    assert_eq!(
        broken.violations.len(),
        verify_lines,
        "one line per verify line"
    );
    for format in [ReportFormat::Markdown, ReportFormat::Html] {
        let text = report::render(&broken, format);
        assert!(
            !text.contains("原文"),
            "{format:?}: no claim of verify's own text"
        );
        assert!(text.contains("verify 检查结果的中文表述"), "{format:?}");
    }
}
