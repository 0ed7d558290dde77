//! Benchmark of the crossing-rule solvers on one instance: the flow bound,
//! the MIP (microlp; HiGHS with `--features highs`) under a time limit,
//! and the Lagrangian path. Prints one CSV row per method:
//! `method,seconds,status,objective,bound,gap`.
//!
//! Usage: `cargo run --release [--features highs] --example bench_cross --
//! INSTANCE [TIME_LIMIT_SECONDS] [methods...]` (methods: flow, microlp,
//! highs, lagrange; default all available). Called by scripts/bench_cross.sh.

use std::path::Path;
use std::time::{Duration, Instant};

use panels::eligibility::Eligibility;
#[cfg(feature = "highs")]
use panels::mip::Backend;
use panels::model::total_as_f64;
use panels::solve::{self, lagrange, Method, SolveOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: bench_cross INSTANCE [TIME_LIMIT] [methods...]");
        std::process::exit(2);
    };
    let limit: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60.0);
    let mut methods: Vec<String> = args.iter().skip(3).cloned().collect();
    if methods.is_empty() {
        methods = vec!["flow".into(), "lagrange".into(), "microlp".into()];
        if cfg!(feature = "highs") {
            methods.push("highs".into());
        }
    }
    let inst = match panels::io::load_instance(Path::new(path)) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let elig = Eligibility::compute(&inst);
    println!("method,seconds,status,objective,bound,gap");
    for m in &methods {
        let t = Instant::now();
        let mut opts = SolveOptions {
            time_limit: Some(Duration::from_secs_f64(limit)),
            ..Default::default()
        };
        let result = match m.as_str() {
            "flow" => {
                // The flow optimum without the crossing rules: the bound.
                let mut plain = inst.clone();
                plain.policy.min_senior = 0;
                plain.policy.cover_fields = false;
                plain.policy.min_outside_share_round = None;
                plain.policy.min_outside_share_by_city.clear();
                plain.policy.max_copanel = None;
                opts.method = Method::Flow;
                solve::solve_with(&plain, &elig, &opts)
            }
            "lagrange" => {
                let pairs = elig.pairs(&inst);
                let lo = lagrange::LagrangeOptions {
                    time_limit: opts.time_limit,
                    ..Default::default()
                };
                let r = lagrange::solve_lagrange(&inst, &pairs, &lo);
                if let Ok(sol) = &r {
                    for (i, (l, viol, best)) in sol.history.iter().enumerate() {
                        eprintln!(
                            "  lagrange it {i}: L {:.6}, violated rows {viol}, best {}",
                            total_as_f64(*l),
                            best.map_or("-".into(), |b| format!("{:.6}", total_as_f64(b)))
                        );
                    }
                }
                r.map(|sol| solve::Solved {
                    status: if sol.objective_micro >= sol.bound_micro {
                        solve::Status::Optimal
                    } else {
                        solve::Status::Feasible
                    },
                    panels: sol.panels,
                    objective_micro: sol.objective_micro,
                    bound_micro: Some(sol.bound_micro),
                    certificate: None,
                    solver: "lagrange",
                    stats: Default::default(),
                })
            }
            "microlp" => {
                opts.method = Method::Mip;
                solve::solve_with(&inst, &elig, &opts)
            }
            #[cfg(feature = "highs")]
            "highs" => {
                opts.method = Method::Mip;
                opts.backend = Backend::Highs;
                solve::solve_with(&inst, &elig, &opts)
            }
            other => {
                eprintln!("unknown or unavailable method {other}");
                continue;
            }
        };
        let secs = t.elapsed().as_secs_f64();
        match result {
            Ok(s) => {
                let obj = total_as_f64(s.objective_micro);
                let bound = s.bound_micro.map(total_as_f64);
                let gap = bound.map(|b| (b - obj) / b.abs().max(1e-9));
                println!(
                    "{m},{secs:.2},{},{obj:.6},{},{}",
                    s.status.as_str(),
                    bound.map_or("".into(), |b| format!("{b:.6}")),
                    gap.map_or("".into(), |g| format!("{g:.6}"))
                );
            }
            Err(e) => println!(
                "{m},{secs:.2},error,,,\"{}\"",
                e.to_string().replace('"', "'").lines().next().unwrap_or("")
            ),
        }
    }
}
