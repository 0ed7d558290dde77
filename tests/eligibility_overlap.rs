//! The overlap index's scan reports exactly the scores of the scorer, on
//! generated rounds (mixed case, short codes and repeats included).

use panels::eligibility::overlap::{ScanScratch, ScoreIndex};
use panels::generate::{generate, GenConfig};
use panels::model::Instance;
use panels::score::Scorer;
use proptest::prelude::*;

fn check_instance(inst: &Instance) {
    let scorer = Scorer::new(inst);
    let index = ScoreIndex::new(inst);
    let mut scratch = ScanScratch::default();
    for a in inst.app_ixs() {
        let mut reported = vec![None; inst.experts.len()];
        index.scan(inst, &scorer, a, &mut scratch, |e, s| {
            assert!(reported[e.ix()].is_none(), "reported twice");
            reported[e.ix()] = Some(s);
        });
        for e in inst.expert_ixs() {
            let want = scorer.score(inst, a, e);
            assert_eq!(
                reported[e.ix()].unwrap_or(index.base()),
                want,
                "pair ({a}, {e})"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn scan_equals_scorer(seed in 0u64..1000, apps in 1usize..30, experts in 1usize..60, dense in any::<bool>()) {
        let cfg = GenConfig { fields: 3, subfields: 3, ..GenConfig::sized(apps, experts) }
            .seed(seed)
            .dense_affinity(dense);
        let mut inst = generate(&cfg);
        // Mixed case, short codes and repeats exercise the edge rules.
        if let Some(app) = inst.applications.first_mut() {
            app.keywords.extend(app.keywords.clone());
            app.keywords.iter_mut().for_each(|k| *k = k.to_ascii_uppercase());
            app.fields.push("F0".into());
        }
        if let Some(ex) = inst.experts.first_mut() {
            ex.fields.push("F0".into());
        }
        check_instance(&inst);
    }
}
