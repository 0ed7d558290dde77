//! Times the min-cost flow solver on the panel-assignment shape.
//!
//! `cargo run --release --example flow_bench -- [APPSxEXPERTS[@SEED] | FILE.dimacs]...`
//! (default: 300×450, 1000×1500, 3000×4500 with seed 1). A `.dimacs`
//! argument is a DIMACS min-cost flow file, such as the network `panels
//! solve --dump-network` writes: the solver is timed on that network as it
//! stands (the `apps`, `experts` and `seed` columns are then 0).
//! `FLOW_BENCH_REPEAT=N` reports the best of N solves of each network.
//!
//! Shape: S → application (lower = upper = k) → (application, city) group →
//! (application, city, institution) group → expert (one arc per pair, upper 1,
//! cost = −score in millionths) → T (min_load..max_load).

use panels::flow::{certify, dual_objective, simplex::Simplex, Network};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

fn panel_network(apps: usize, experts: usize, seed: u64) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k = 3i64;
    let cities = 5usize;
    let insts = (experts / 15).max(cities);
    let inst_city: Vec<usize> = (0..insts).map(|i| i % cities).collect();
    let expert_inst: Vec<usize> = (0..experts).map(|_| rng.random_range(0..insts)).collect();
    let mut by_inst: Vec<Vec<usize>> = vec![Vec::new(); insts];
    for (e, &i) in expert_inst.iter().enumerate() {
        by_inst[i].push(e);
    }
    let mut net = Network::with_capacity(
        2 + apps * (1 + cities + insts) + experts,
        apps * (experts + 1 + cities + insts) + experts,
    );
    let s = net.add_node();
    let t = net.add_node();
    let total = k * apps as i64;
    net.set_supply(s, total);
    net.set_supply(t, -total);
    let expert_nodes: Vec<_> = (0..experts).map(|_| net.add_node()).collect();
    for &x in &expert_nodes {
        let min_load = rng.random_range(0..=1);
        let max_load = rng.random_range(2..=6);
        net.add_arc(x, t, min_load, max_load, 0);
    }
    for _ in 0..apps {
        let home = rng.random_range(0..cities);
        let a = net.add_node();
        net.add_arc(s, a, k, k, 0);
        let mut city_nodes = Vec::with_capacity(cities);
        for c in 0..cities {
            let g = net.add_node();
            let cap = if c == home { k - 1 } else { 2 };
            net.add_arc(a, g, 0, cap, 0);
            city_nodes.push(g);
        }
        for (i, members) in by_inst.iter().enumerate() {
            if members.is_empty() {
                continue;
            }
            let h = net.add_node();
            net.add_arc(city_nodes[inst_city[i]], h, 0, 1, 0);
            for &e in members {
                let score = rng.random_range(0..1_000_000i64);
                net.add_arc(h, expert_nodes[e], 0, 1, -score);
            }
        }
    }
    net
}

/// A DIMACS min-cost flow network (`p min`, `n`, `a` lines; 1-based ids),
/// or what is wrong with the file, with its line number.
fn read_dimacs(path: &str) -> Result<Network, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut net = Network::new();
    let mut nodes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let bad = || {
            format!(
                "{path}, line {}: a number or a node is missing or wrong",
                i + 1
            )
        };
        let mut words = line.split_whitespace();
        let kind = words.next();
        let numbers: Vec<i64> = match kind {
            Some("p") => words.skip(1).map(str::parse).collect::<Result<_, _>>(),
            Some("n" | "a") => words.map(str::parse).collect::<Result<_, _>>(),
            _ => continue,
        }
        .map_err(|_| bad())?;
        let node = |id: i64| -> Result<_, String> {
            let ix = usize::try_from(id - 1).map_err(|_| bad())?;
            nodes.get(ix).copied().ok_or_else(bad)
        };
        match (kind, numbers.as_slice()) {
            (Some("p"), &[n, _]) => {
                let n = usize::try_from(n).map_err(|_| bad())?;
                nodes = (0..n).map(|_| net.add_node()).collect();
            }
            (Some("n"), &[id, supply]) => net.set_supply(node(id)?, supply),
            (Some("a"), &[s, t, lo, up, cost]) => {
                let (s, t) = (node(s)?, node(t)?);
                net.add_arc(s, t, lo, up, cost);
            }
            _ => return Err(bad()),
        }
    }
    Ok(net)
}

/// CPU time of this thread in seconds (from /proc; 0 where unavailable),
/// because wall time on a shared machine is noisy.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

fn main() {
    // Each argument: APPSxEXPERTS, optionally @SEED (e.g. 1000x1500@7).
    let parse = |a: &str| -> Option<(usize, usize, u64)> {
        let (size, seed) = a.split_once('@').unwrap_or((a, "1"));
        let (apps, experts) = size.split_once('x')?;
        Some((
            apps.parse().ok()?,
            experts.parse().ok()?,
            seed.parse().ok()?,
        ))
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let files: Vec<&String> = args.iter().filter(|a| a.ends_with(".dimacs")).collect();
    let mut cases: Vec<(usize, usize, u64)> = args.iter().filter_map(|a| parse(a)).collect();
    if cases.is_empty() && files.is_empty() {
        cases = vec![(300, 450, 1), (1000, 1500, 1), (3000, 4500, 1)];
    }
    let cases = cases
        .into_iter()
        .map(|c| (c, None))
        .chain(files.into_iter().map(|f| ((0, 0, 0), Some(f))));
    println!("apps,experts,seed,nodes,arcs,build_s,setup_cpu_s,solve_s,solve_cpu_s,pivots,priced,moved,cost,certify_s");
    for ((apps, experts, seed), file) in cases {
        let t0 = Instant::now();
        let net = match file {
            Some(f) => read_dimacs(f).unwrap_or_else(|e| {
                eprintln!("flow_bench: {e}");
                std::process::exit(2)
            }),
            None => panel_network(apps, experts, seed),
        };
        let build = t0.elapsed().as_secs_f64();
        // Best of FLOW_BENCH_REPEAT solves (default 1): this machine is noisy.
        let repeat: usize = std::env::var("FLOW_BENCH_REPEAT")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(1)
            .max(1);
        let (mut setup_cpu, mut solve, mut solve_cpu) = (f64::MAX, f64::MAX, f64::MAX);
        let mut last = None;
        for _ in 0..repeat {
            let t1 = Instant::now();
            let c1 = cpu_seconds();
            let mut sx = Simplex::new(&net).expect("valid network");
            setup_cpu = setup_cpu.min(cpu_seconds() - c1);
            let ok = sx.run();
            let sol = sx.solution(&net);
            solve = solve.min(t1.elapsed().as_secs_f64());
            solve_cpu = solve_cpu.min(cpu_seconds() - c1);
            last = Some((sx, sol, ok));
        }
        let (sx, sol, ok) = last.expect("at least one solve");
        assert!(ok, "benchmark instance must be feasible");
        let t2 = Instant::now();
        certify(&net, &sol).expect("certificate");
        assert_eq!(dual_objective(&net, &sol.potential), sol.cost);
        let cert = t2.elapsed().as_secs_f64();
        println!(
            "{apps},{experts},{seed},{},{},{build:.3},{setup_cpu:.3},{solve:.3},{solve_cpu:.3},{},{},{},{},{cert:.3}",
            net.num_nodes(),
            net.num_arcs(),
            sx.pivots,
            sx.arcs_priced,
            sx.potentials_moved,
            sol.cost
        );
    }
}
