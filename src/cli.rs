//! The command line: clap arguments, one exit path, SPEC.md's exit codes.
//!
//! `main` parses [`Cli`] and calls [`main_with`], which runs the command and
//! maps its outcome to an exit code in one place ([`Failure::exit_code`]).
//! Nothing here does the work: each command calls into the library.
//!
//! **Boundary:** the commands, their flags and exit codes are the stable
//! outside of the program (SPEC.md "Commands and exit codes").

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::eligibility::Eligibility;
use crate::io::panels::{PanelRecord, PanelsFile};
use crate::model::{total_as_f64, Instance};
use crate::solve::{self, Method, SolveError, Solved};

/// Assigns review panels from an expert pool shared by several cities, to a
/// proven optimum.
#[derive(Parser, Debug)]
#[command(name = "panels", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// No progress or summary on stderr (errors still print).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Optimal panels for an instance (bundle .json or CSV directory).
    Solve(SolveArgs),
    /// Check an assignment against every rule; exit 1 if any is broken.
    Verify(VerifyArgs),
    /// Why an expert is or is not eligible for an application.
    Explain(ExplainArgs),
    /// Write a seeded synthetic instance.
    Generate(GenerateArgs),
}

/// `panels solve`.
#[derive(Args, Debug)]
pub struct SolveArgs {
    /// The instance: a JSON bundle or a directory of CSV files.
    pub instance: PathBuf,
    /// Where to write the panels (.json, or .csv for one row per pair).
    #[arg(long, short)]
    pub out: PathBuf,
    /// The algorithm.
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// Wall-clock budget in seconds for the MIP and the Lagrangian path
    /// (crossing rules); the answer is then `feasible` with its bound.
    #[arg(long)]
    pub time_limit: Option<f64>,
    /// Use HiGHS instead of microlp for the MIP (built with `--features highs`).
    #[cfg(feature = "highs")]
    #[arg(long)]
    pub highs: bool,
}

/// `panels verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The instance the panels were made for.
    pub instance: PathBuf,
    /// The panels file (.json or .csv).
    pub panels: PathBuf,
    /// Also re-check the optimality certificate (LP duals) in the file.
    #[arg(long)]
    pub certificate: bool,
}

/// `panels explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The instance.
    pub instance: PathBuf,
    /// Application id.
    #[arg(long, short)]
    pub application: String,
    /// Expert id.
    #[arg(long, short)]
    pub expert: String,
}

/// Output form of `panels generate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GenFormat {
    /// One JSON file.
    Bundle,
    /// A directory of CSV files plus policy.json.
    Csv,
}

/// `panels generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Where to write (a .json file for a bundle, a directory for CSV).
    #[arg(long, short)]
    pub out: PathBuf,
    /// A named preset (yangtze, guanggu, tiny, dense-300, dense-1000, dense-3000).
    #[arg(long)]
    pub preset: Option<String>,
    /// Number of applications (overrides the preset).
    #[arg(long)]
    pub applications: Option<usize>,
    /// Number of experts (overrides the preset).
    #[arg(long)]
    pub experts: Option<usize>,
    /// Panel size (overrides the preset).
    #[arg(long)]
    pub panel_size: Option<u32>,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output form; default: bundle for a .json path, csv otherwise.
    #[arg(long, value_enum)]
    pub format: Option<GenFormat>,
}

/// Why a command did not succeed, with its exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad input (exit 2): the message names file, record and problem.
    BadInput(String),
    /// `verify` found violations (exit 1); the report is already printed.
    Violations,
    /// Infeasible (exit 3).
    Infeasible(String),
    /// Anything else (exit 4): I/O on output, internal errors.
    Other(String),
}

impl Failure {
    /// SPEC.md's exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Violations => 1,
            Failure::BadInput(_) => 2,
            Failure::Infeasible(_) => 3,
            Failure::Other(_) => 4,
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main_with(cli: Cli) -> ExitCode {
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            match &f {
                Failure::BadInput(m) => eprintln!("error: {m}"),
                Failure::Infeasible(m) => eprint!("{m}"),
                Failure::Other(m) => eprintln!("error: {m}"),
                Failure::Violations => {}
            }
            ExitCode::from(f.exit_code())
        }
    }
}

/// Runs one command.
pub fn run(cli: &Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Solve(a) => cmd_solve(a, cli.quiet),
        Command::Verify(a) => cmd_verify(a, cli.quiet),
        Command::Explain(a) => cmd_explain(a),
        Command::Generate(a) => cmd_generate(a, cli.quiet),
    }
}

fn load(path: &Path) -> Result<Instance, Failure> {
    crate::io::load_instance(path).map_err(|e| Failure::BadInput(e.to_string()))
}

fn note(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("{}", msg.as_ref());
    }
}

fn cmd_solve(args: &SolveArgs, quiet: bool) -> Result<(), Failure> {
    check_output_path(&args.out, &["json", "csv"])?;
    let t = Instant::now();
    let inst = load(&args.instance)?;
    let hash =
        crate::io::instance_sha256(&args.instance).map_err(|e| Failure::BadInput(e.to_string()))?;
    let load_seconds = t.elapsed().as_secs_f64();
    note(
        quiet,
        format!(
            "loaded {} application(s), {} expert(s) in {:.2}s",
            inst.applications.len(),
            inst.experts.len(),
            load_seconds
        ),
    );
    let elig = Eligibility::compute(&inst);
    let time_limit = match args.time_limit {
        Some(t) if t.is_finite() && t > 0.0 => Some(std::time::Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(Failure::BadInput(format!(
                "--time-limit must be a positive number of seconds, got {t}"
            )))
        }
        None => None,
    };
    #[allow(unused_mut)]
    let mut opts = solve::SolveOptions {
        method: args.method,
        time_limit,
        ..Default::default()
    };
    #[cfg(feature = "highs")]
    if args.highs {
        opts.backend = crate::mip::Backend::Highs;
    }
    let solved = solve::solve_with(&inst, &elig, &opts).map_err(|e| match e {
        SolveError::Infeasible(why) => Failure::Infeasible(why.to_string()),
        SolveError::CrossingRules(why) => {
            Failure::BadInput(format!("{}: {why}", args.instance.display()))
        }
        SolveError::NotLaminar(e) => Failure::BadInput(format!(
            "{}: {e}; use --method mip on small instances",
            args.instance.display()
        )),
        other => Failure::Other(other.to_string()),
    })?;
    let file = panels_file(&inst, &elig, &solved, hash);
    crate::io::write_panels(&args.out, &file, &inst).map_err(|e| Failure::Other(e.to_string()))?;
    note(
        quiet,
        format!(
            "{}: objective {:.6} ({} panels, {} pairs; build {:.2}s, {} solver {:.2}s) → {}",
            solved.status.as_str(),
            file.objective,
            file.panels.len(),
            solved.stats.eligible_pairs,
            solved.stats.build_seconds,
            solved.solver,
            solved.stats.solve_seconds,
            args.out.display()
        ),
    );
    Ok(())
}

/// The panels file for a solved round.
pub fn panels_file(
    inst: &Instance,
    elig: &Eligibility,
    solved: &Solved,
    hash: String,
) -> PanelsFile {
    let panels = inst
        .app_ixs()
        .map(|a| {
            let experts = &solved.panels[a.ix()];
            PanelRecord {
                application: inst.applications[a.ix()].id.clone(),
                experts: experts
                    .iter()
                    .map(|e| inst.experts[e.ix()].id.clone())
                    .collect(),
                scores: Some(
                    experts
                        .iter()
                        .map(|&e| elig.score(inst, a, e).as_f64())
                        .collect(),
                ),
            }
        })
        .collect();
    let stats = serde_json::to_value(&solved.stats).ok();
    PanelsFile {
        status: solved.status.as_str().to_string(),
        objective: total_as_f64(solved.objective_micro),
        bound: solved.bound_micro.map(total_as_f64),
        panels,
        solver: Some(solved.solver.to_string()),
        seed: Some(inst.policy.seed),
        input_sha256: Some(hash),
        certificate: solved
            .certificate
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok()),
        stats,
    }
}

/// Refuses an output path whose extension we cannot write, before any work.
fn check_output_path(path: &Path, allowed: &[&str]) -> Result<(), Failure> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if allowed.contains(&ext.as_str()) {
        Ok(())
    } else {
        Err(Failure::BadInput(format!(
            "{}: output must end in {}",
            path.display(),
            allowed
                .iter()
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }
}

fn cmd_verify(args: &VerifyArgs, quiet: bool) -> Result<(), Failure> {
    let inst = load(&args.instance)?;
    let panels =
        crate::io::read_panels(&args.panels).map_err(|e| Failure::BadInput(e.to_string()))?;
    let report = crate::verify::verify(&inst, &panels);
    let mut ok = report.is_ok();
    print!("{}", report.render(&inst));
    if args.certificate {
        let elig = Eligibility::compute(&inst);
        let outcome =
            crate::verify::check_certificate(&inst, &elig, &panels, report.objective_micro);
        println!("{}", outcome.describe());
        ok &= outcome.is_ok();
    }
    let _ = quiet;
    if ok {
        Ok(())
    } else {
        Err(Failure::Violations)
    }
}

fn cmd_explain(args: &ExplainArgs) -> Result<(), Failure> {
    let inst = load(&args.instance)?;
    let a = inst.app_by_id(&args.application).ok_or_else(|| {
        Failure::BadInput(format!(
            "{}: no application with id {}",
            args.instance.display(),
            args.application
        ))
    })?;
    let e = inst.expert_by_id(&args.expert).ok_or_else(|| {
        Failure::BadInput(format!(
            "{}: no expert with id {}",
            args.instance.display(),
            args.expert
        ))
    })?;
    let elig = Eligibility::compute(&inst);
    let verdict = elig.check(&inst, a, e);
    let ex = &inst.experts[e.ix()];
    println!(
        "{} ({}, {}, {}) for {} ({}, {}): score {:.6}",
        ex.id,
        ex.name.as_deref().unwrap_or("-"),
        inst.expert_city(e),
        inst.expert_institution(e),
        args.application,
        inst.app_city(a),
        inst.app_institution(a),
        verdict.score.as_f64()
    );
    if verdict.is_eligible() {
        let outside = inst.experts[e.ix()].city != inst.applications[a.ix()].city;
        println!(
            "eligible{}",
            if outside {
                " (counts as an outside-city expert)"
            } else {
                " (same city as the applicant)"
            }
        );
    } else {
        println!("not eligible:");
        for r in &verdict.reasons {
            println!("  - {} [{}]", r.describe(&inst, a, e), r.kind().label());
        }
    }
    Ok(())
}

fn cmd_generate(args: &GenerateArgs, quiet: bool) -> Result<(), Failure> {
    let mut cfg = match &args.preset {
        Some(name) => crate::generate::preset(name).ok_or_else(|| {
            Failure::BadInput(format!(
                "unknown preset {name}; known: {}",
                crate::generate::PRESETS.join(", ")
            ))
        })?,
        None => crate::generate::GenConfig::default(),
    };
    if let Some(n) = args.applications {
        cfg.applications = n;
    }
    if let Some(n) = args.experts {
        cfg.experts = n;
    }
    if let Some(k) = args.panel_size {
        cfg.panel_size = k;
    }
    cfg.seed = args.seed;
    let format = args.format.unwrap_or_else(|| {
        if args
            .out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            GenFormat::Bundle
        } else {
            GenFormat::Csv
        }
    });
    let t = Instant::now();
    let inst = crate::generate::generate(&cfg);
    let fmt = match format {
        GenFormat::Bundle => crate::io::InstanceFormat::Bundle,
        GenFormat::Csv => crate::io::InstanceFormat::CsvDir,
    };
    crate::io::write_instance(&inst, &args.out, fmt).map_err(|e| Failure::Other(e.to_string()))?;
    note(
        quiet,
        format!(
            "wrote {} application(s), {} expert(s) to {} in {:.2}s",
            inst.applications.len(),
            inst.experts.len(),
            args.out.display(),
            t.elapsed().as_secs_f64()
        ),
    );
    Ok(())
}
