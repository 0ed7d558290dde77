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
    /// A logged random draw with capped pair probabilities (or replay one).
    Draw(DrawArgs),
    /// Replace experts who decline, with the fewest changes; logged.
    Replace(ReplaceArgs),
    /// Fairness report of an assignment (HTML or Markdown by extension).
    Report(ReportArgs),
    /// Write panels as .xlsx/.csv/.json, or anonymised for the applicants;
    /// without PANELS, the instance itself (.xlsx or .json).
    Export(ExportArgs),
    /// Write the blank workbook an office fills in (every sheet, headers,
    /// an example row each, instructions).
    Template(TemplateArgs),
}

/// Language of a workbook's sheet names and headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Chinese (专家, 申报项目, 姓名, 工作单位, …).
    Zh,
    /// English (experts, applications, name, institution, …).
    En,
}

impl LangArg {
    fn lang(self) -> crate::io::office::Lang {
        match self {
            LangArg::Zh => crate::io::office::Lang::Zh,
            LangArg::En => crate::io::office::Lang::En,
        }
    }
}

/// The language to write in: as asked, else the input's.
fn out_lang(asked: Option<LangArg>, input: crate::io::office::Lang) -> crate::io::office::Lang {
    asked.map_or(input, LangArg::lang)
}

/// `panels template`.
#[derive(Args, Debug)]
pub struct TemplateArgs {
    /// Where to write the workbook (.xlsx).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Language of sheet names, headers and instructions.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,
}

/// `panels report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The instance the panels were made for.
    pub instance: PathBuf,
    /// The panels file (.json or .csv).
    pub panels: PathBuf,
    /// Where to write the report: .html (self-contained page) or .md.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Outside-city share each city is compared with (default: the
    /// policy's min_outside_share), e.g. 0.18.
    #[arg(long)]
    pub target: Option<f64>,
    /// Do not re-solve without the city rules (no "price of the city rules").
    #[arg(long)]
    pub no_price: bool,
    /// Seconds to wait for the re-solve without the city rules.
    #[arg(long, default_value_t = 120)]
    pub price_timeout: u64,
}

/// `panels export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The instance the panels were made for.
    pub instance: PathBuf,
    /// The panels file (.json, .csv or .xlsx); without it, the instance
    /// itself is written (.xlsx workbook or .json bundle).
    pub panels: Option<PathBuf>,
    /// Where to write: .xlsx, .csv (or .json without --anonymous).
    #[arg(long, short)]
    pub out: PathBuf,
    /// For the applicants: panel codes and outside-city counts, no reviewer
    /// ids, names, institutions or cities.
    #[arg(long)]
    pub anonymous: bool,
    /// Language of a workbook's sheet names and headers (default: the
    /// instance's: Chinese headers in, Chinese out).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}

/// `panels draw`.
#[derive(Args, Debug)]
pub struct DrawArgs {
    /// The instance (with --replay: overrides the path in the log).
    #[arg(required_unless_present = "replay")]
    pub instance: Option<PathBuf>,
    /// Seed of the draw (default: the policy's `seed`).
    #[arg(long, conflicts_with = "replay")]
    pub seed: Option<u64>,
    /// Where to write the panels (.json, .csv or .xlsx).
    #[arg(long, short, required_unless_present = "replay")]
    pub out: Option<PathBuf>,
    /// Language of a workbook's sheet names and headers (default: the
    /// instance's).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Where to write the audit log (.json).
    #[arg(long, required_unless_present = "replay", conflicts_with = "replay")]
    pub log: Option<PathBuf>,
    /// Recompute the draw of this log and check it byte for byte; refuses
    /// if the input changed. With --out, also writes the panels.
    #[arg(long)]
    pub replay: Option<PathBuf>,
}

/// `panels replace`.
#[derive(Args, Debug)]
pub struct ReplaceArgs {
    /// The instance.
    pub instance: PathBuf,
    /// The current panels file (.json or .csv).
    pub panels: PathBuf,
    /// A declined pair APPLICATION:EXPERT (repeat, or separate by commas).
    #[arg(long, required = true, value_delimiter = ',')]
    pub decline: Vec<String>,
    /// Where to write the new panels (.json, .csv or .xlsx).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Where to write the log of what changed (.json).
    #[arg(long)]
    pub log: PathBuf,
    /// Language of a workbook's sheet names and headers (default: the
    /// instance's).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}

/// `panels solve`.
#[derive(Args, Debug)]
pub struct SolveArgs {
    /// The instance: a JSON bundle or a directory of CSV files.
    pub instance: PathBuf,
    /// Where to write the panels (.json, .csv for one row per pair, or
    /// .xlsx, a workbook for the office).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Language of a workbook's sheet names and headers (default: the
    /// instance's: Chinese headers in, Chinese out).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
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
    /// Candidates per application: `auto` (all pairs for small rounds;
    /// for large ones 12 per panel seat, at least 40), `all` (the dense
    /// network), or a number. With candidates, pricing proves the answer
    /// optimal over all eligible pairs.
    #[arg(long, default_value = "auto")]
    pub candidates: solve::pricing::CandidateChoice,
    /// Also write the last network solved on candidates (DIMACS min-cost
    /// format), for reference solvers.
    #[arg(long, value_name = "FILE")]
    pub dump_network: Option<PathBuf>,
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
    /// A named preset (yangtze, guanggu, tiny, dense-300, dense-1000,
    /// dense-3000, nsfc).
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
    /// Write scores as an explicit affinity list of this many experts per
    /// application (half sharing a subfield), with `min_affinity` set so
    /// unlisted pairs are not eligible: a sparse round given as scores.
    #[arg(long, value_name = "N")]
    pub affinity_per_application: Option<usize>,
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
        Command::Draw(a) => cmd_draw(a, cli.quiet),
        Command::Replace(a) => cmd_replace(a, cli.quiet),
        Command::Report(a) => cmd_report(a, cli.quiet),
        Command::Export(a) => cmd_export(a, cli.quiet),
        Command::Template(a) => cmd_template(a, cli.quiet),
    }
}

fn load(path: &Path) -> Result<Instance, Failure> {
    crate::io::load_instance(path).map_err(|e| Failure::BadInput(e.to_string()))
}

/// Loads an instance and its input hash, with a bar of the bytes read on
/// stderr (on a terminal, not with `--quiet`) and the load's notes.
fn load_hashed(path: &Path, quiet: bool) -> Result<(Instance, String), Failure> {
    load_full(path, quiet).map(|l| (l.instance, l.sha256))
}

/// Like [`load_hashed`], with the input's language.
fn load_full(path: &Path, quiet: bool) -> Result<crate::io::Loaded, Failure> {
    let bar = solve::progress::Progress::new(!quiet).bytes(crate::io::input_bytes(path), "reading");
    let loaded = crate::io::load_instance_noted(path, &|n| bar.inc(n));
    bar.finish_and_clear();
    let loaded = loaded.map_err(|e| Failure::BadInput(e.to_string()))?;
    for n in &loaded.notes {
        note(quiet, n);
    }
    Ok(loaded)
}

/// An id typed on the command line, compared as ids in files are (SPEC
/// "Names as offices type them").
fn typed_id(s: &str) -> String {
    crate::io::names::normalize(s).into_owned()
}

fn note(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("{}", msg.as_ref());
    }
}

fn cmd_solve(args: &SolveArgs, quiet: bool) -> Result<(), Failure> {
    check_output_path(&args.out, &["json", "csv", "xlsx"])?;
    refuse_overwriting_input(&args.out, &args.instance)?;
    let t = Instant::now();
    let loaded = load_full(&args.instance, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let (inst, hash) = (loaded.instance, loaded.sha256);
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
        candidates: args.candidates,
        progress: solve::progress::Progress::new(!quiet),
        dump_network: args.dump_network.clone(),
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
    crate::io::write_panels_in(&args.out, &file, &inst, lang)
        .map_err(|e| Failure::Other(e.to_string()))?;
    // Timings go to stderr only: the file must be byte-identical for the
    // same input and seed (SPEC.md, policy `seed`).
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
    if let Some(p) = &solved.stats.pricing {
        note(
            quiet,
            format!(
                "optimal over {}: {} candidates per application ({} pairs), {} pricing round(s), {} arc(s) added, {} application(s) re-scanned, {} expansion(s), {} solve(s) ({} warm)",
                p.optimal_over,
                p.candidates_per_application,
                p.candidate_pairs,
                p.pricing_rounds,
                p.arcs_added,
                p.applications_rescanned,
                p.candidate_expansions,
                p.solves,
                p.warm_starts
            ),
        );
    }
    Ok(())
}

/// The panels file for a solved round.
///
/// `stats` holds sizes only (eligible pairs, nodes, arcs): timings differ
/// from run to run, and the same input and seed must give the same bytes,
/// so they are printed on stderr, never written.
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

/// Refuses, before any work, an output path we cannot write: an extension
/// we do not know, a directory that does not exist, or a path that is a
/// directory.
fn check_output_path(path: &Path, allowed: &[&str]) -> Result<(), Failure> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Failure::BadInput(format!(
            "{}: the directory {} does not exist",
            path.display(),
            parent.display()
        )));
    }
    if path.is_dir() {
        return Err(Failure::BadInput(format!(
            "{}: is a directory; give a file name ending in .json or .csv",
            path.display()
        )));
    }
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

/// Refuses an output path that is the instance itself (or one of its CSV
/// files): solving must never replace its own input.
fn refuse_overwriting_input(out: &Path, instance: &Path) -> Result<(), Failure> {
    let (Ok(out_abs), Ok(inst_abs)) = (out.canonicalize(), instance.canonicalize()) else {
        // The output does not exist yet (or the instance does not, which
        // the load reports): nothing to overwrite.
        return Ok(());
    };
    let clash = if inst_abs.is_dir() {
        out_abs.parent() == Some(inst_abs.as_path())
            && out_abs
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| crate::io::CSV_DIR_FILES.contains(&n))
    } else {
        out_abs == inst_abs
    };
    if clash {
        Err(Failure::BadInput(format!(
            "{}: is the instance's own file; write the panels elsewhere",
            out.display()
        )))
    } else {
        Ok(())
    }
}

fn cmd_verify(args: &VerifyArgs, quiet: bool) -> Result<(), Failure> {
    let (inst, _) = load_hashed(&args.instance, quiet)?;
    let panels = crate::io::read_panels_for(&args.panels, &inst)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let elig = Eligibility::compute(&inst);
    let report = crate::verify::verify_with(&inst, &elig, &panels);
    let mut ok = report.is_ok();
    print!("{}", report.render(&inst));
    if args.certificate {
        let outcome =
            crate::verify::check_certificate(&inst, &elig, &panels, report.objective_micro);
        println!("{}", outcome.describe());
        ok &= outcome.is_ok();
    }
    if ok {
        Ok(())
    } else {
        Err(Failure::Violations)
    }
}

fn cmd_explain(args: &ExplainArgs) -> Result<(), Failure> {
    let inst = load(&args.instance)?;
    let a = inst
        .app_by_id(&typed_id(&args.application))
        .ok_or_else(|| {
            Failure::BadInput(format!(
                "{}: no application with id {}",
                args.instance.display(),
                args.application
            ))
        })?;
    let e = inst.expert_by_id(&typed_id(&args.expert)).ok_or_else(|| {
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
    if let Some(n) = args.affinity_per_application {
        cfg.dense_affinity = false;
        cfg.sparse_affinity = n;
    }
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

fn draw_failure(path: &Path, e: crate::draw::DrawError) -> Failure {
    use crate::draw::DrawError;
    match e {
        DrawError::Infeasible(why) => Failure::Infeasible(why.to_string()),
        DrawError::CapTooLow(why) => Failure::Infeasible(why.to_string()),
        DrawError::NotLaminar(n) => Failure::BadInput(format!(
            "{}: {n}; the draw needs rules that nest",
            path.display()
        )),
        DrawError::BadDecline(m) => Failure::BadInput(format!("{}: {m}", path.display())),
        other => Failure::Other(other.to_string()),
    }
}

/// Refuses to write what `verify` rejects (never expected: a bug).
fn verified(inst: &Instance, file: &PanelsFile, what: &str) -> Result<(), Failure> {
    let report = crate::verify::verify(inst, file);
    if report.is_ok() {
        Ok(())
    } else {
        Err(Failure::Other(format!(
            "internal error: the {what} failed verification; nothing written; please report this\n{}",
            report.render(inst)
        )))
    }
}

fn cmd_draw(args: &DrawArgs, quiet: bool) -> Result<(), Failure> {
    use crate::draw::{self, ReplayRecord};
    if let Some(out) = &args.out {
        check_output_path(out, &["json", "csv", "xlsx"])?;
    }
    if let Some(log) = &args.log {
        check_output_path(log, &["json"])?;
    }
    let replay = match &args.replay {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))?;
            let rec = ReplayRecord::from_bytes(&bytes)
                .map_err(|m| Failure::BadInput(format!("{}: {m}", path.display())))?;
            Some((path, bytes, rec))
        }
        None => None,
    };
    // The instance: as given, else as logged. The log keeps the logged
    // label so that a replay from a moved file still compares bytes.
    let (instance_path, label) = match (&args.instance, &replay) {
        (Some(p), Some((_, _, rec))) => (p.clone(), rec.instance.clone()),
        (Some(p), None) => (p.clone(), p.display().to_string()),
        (None, Some((_, _, rec))) => (PathBuf::from(&rec.instance), rec.instance.clone()),
        (None, None) => return Err(Failure::BadInput("give an INSTANCE or --replay LOG".into())),
    };
    let loaded = load_full(&instance_path, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let (inst, hash) = (loaded.instance, loaded.sha256);
    if let Some((path, _, rec)) = &replay {
        if rec.input_sha256 != hash {
            return Err(Failure::BadInput(format!(
                "{}: the input changed since the draw logged in {} (SHA-256 now {hash}, logged {}); refusing to replay",
                instance_path.display(),
                path.display(),
                rec.input_sha256
            )));
        }
    }
    let seed = match &replay {
        Some((_, _, rec)) => rec.seed,
        None => args.seed.unwrap_or(inst.policy.seed),
    };
    let elig = Eligibility::compute(&inst);
    let t = Instant::now();
    let drawn = draw::draw(&inst, &elig, seed).map_err(|e| draw_failure(&instance_path, e))?;
    let output = draw::draw_output(&inst, &elig, &drawn, &label, &hash, seed);
    verified(&inst, &output.panels, "draw")?;
    let summary = format!(
        "drew {} panel(s) with seed {seed}: score {:.6} (expected {:.6}, optimum {:.6}, max_probability {}, {} rounding step(s), {:.2}s)",
        output.panels.panels.len(),
        output.log.objective,
        output.log.expected_objective,
        output.log.optimum_objective,
        output.log.max_probability,
        output.log.rounding_steps,
        t.elapsed().as_secs_f64()
    );
    if let Some((path, bytes, rec)) = &replay {
        if *bytes != output.log_bytes {
            let line = first_difference(bytes, &output.log_bytes);
            println!(
                "replay differs from {} (first at line {line}){}",
                path.display(),
                if rec.program != draw::log::program() {
                    format!(
                        "; it was drawn by {}, this is {}",
                        rec.program,
                        draw::log::program()
                    )
                } else {
                    String::new()
                }
            );
            return Err(Failure::Violations);
        }
        if let Some(out) = &args.out {
            crate::io::write_panels_in(out, &output.panels, &inst, lang)
                .map_err(|e| Failure::Other(e.to_string()))?;
        }
        println!(
            "replay identical: {} reproduces byte for byte (seed {seed}, input {hash})",
            path.display()
        );
        return Ok(());
    }
    let (Some(out), Some(log)) = (&args.out, &args.log) else {
        return Err(Failure::BadInput("a draw needs --out and --log".into()));
    };
    crate::io::write_atomic(log, &output.log_bytes)
        .map_err(|e| Failure::Other(format!("{}: {e}", log.display())))?;
    crate::io::write_panels_in(out, &output.panels, &inst, lang)
        .map_err(|e| Failure::Other(e.to_string()))?;
    note(
        quiet,
        format!("{summary} → {}, log {}", out.display(), log.display()),
    );
    Ok(())
}

/// 1-based line of the first byte where `a` and `b` differ.
fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    1 + a[..at].iter().filter(|&&c| c == b'\n').count()
}

fn cmd_replace(args: &ReplaceArgs, quiet: bool) -> Result<(), Failure> {
    use crate::model::{AppIx, ExpertIx};
    check_output_path(&args.out, &["json", "csv", "xlsx"])?;
    check_output_path(&args.log, &["json"])?;
    let loaded = load_full(&args.instance, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let (inst, hash) = (loaded.instance, loaded.sha256);
    let file = crate::io::read_panels_for(&args.panels, &inst)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let panels_hash =
        crate::io::instance_sha256(&args.panels).map_err(|e| Failure::BadInput(e.to_string()))?;
    let bad = |m: String| Failure::BadInput(format!("{}: {m}", args.panels.display()));
    // One panel per application, in any order; unknown ids refused.
    let app_index = inst.app_index();
    let mut panels: Vec<Option<Vec<ExpertIx>>> = vec![None; inst.applications.len()];
    for rec in &file.panels {
        let a = *app_index
            .get(rec.application.as_str())
            .ok_or_else(|| bad(format!("unknown application {}", rec.application)))?;
        if panels[a.ix()].is_some() {
            return Err(bad(format!(
                "application {} has two panels",
                rec.application
            )));
        }
        let mut experts = Vec::with_capacity(rec.experts.len());
        for id in &rec.experts {
            let e = inst.expert_by_id(id).ok_or_else(|| {
                bad(format!(
                    "unknown expert {id} on the panel of {}",
                    rec.application
                ))
            })?;
            if !experts.contains(&e) {
                experts.push(e);
            }
        }
        experts.sort_unstable();
        panels[a.ix()] = Some(experts);
    }
    let panels: Vec<Vec<ExpertIx>> = panels
        .into_iter()
        .enumerate()
        .map(|(a, p)| {
            p.ok_or_else(|| {
                bad(format!(
                    "no panel for application {}",
                    inst.applications[a].id
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let mut declines: Vec<(AppIx, ExpertIx)> = Vec::new();
    for d in &args.decline {
        let (app, ex) = d.split_once(':').ok_or_else(|| {
            Failure::BadInput(format!(
                "--decline {d}: expected APPLICATION:EXPERT, e.g. A017:E0420"
            ))
        })?;
        let a = inst.app_by_id(&typed_id(app)).ok_or_else(|| {
            Failure::BadInput(format!("--decline {d}: no application with id {app}"))
        })?;
        let e = inst
            .expert_by_id(&typed_id(ex))
            .ok_or_else(|| Failure::BadInput(format!("--decline {d}: no expert with id {ex}")))?;
        if !declines.contains(&(a, e)) {
            declines.push((a, e));
        }
    }
    let elig = Eligibility::compute(&inst);
    let before = crate::draw::total_micro(&inst, &elig, &panels);
    let replaced = crate::draw::replace(&inst, &elig, &panels, &declines)
        .map_err(|e| draw_failure(&args.panels, e))?;
    let new_file = PanelsFile {
        status: "feasible".to_string(),
        objective: total_as_f64(replaced.objective_micro),
        bound: None,
        panels: crate::draw::log::panel_records(&inst, &elig, &replaced.panels),
        solver: Some("replace".to_string()),
        seed: file.seed,
        input_sha256: Some(hash.clone()),
        certificate: None,
        stats: None,
    };
    verified(&inst, &new_file, "replacement")?;
    let log = crate::draw::replace_log(
        &inst,
        &replaced,
        &declines,
        before,
        &args.instance.display().to_string(),
        &hash,
        &args.panels.display().to_string(),
        &panels_hash,
    );
    crate::io::write_atomic(&args.log, &crate::draw::log::json_bytes(&log))
        .map_err(|e| Failure::Other(format!("{}: {e}", args.log.display())))?;
    crate::io::write_panels_in(&args.out, &new_file, &inst, lang)
        .map_err(|e| Failure::Other(e.to_string()))?;
    note(
        quiet,
        format!(
            "{} decline(s): {} pair(s) changed on {} panel(s), {} kept; score {:.6} → {:.6} → {}, log {}",
            declines.len(),
            replaced.changed_pairs(),
            replaced.changes.len(),
            replaced.kept,
            log.objective_before,
            log.objective_after,
            args.out.display(),
            args.log.display()
        ),
    );
    Ok(())
}

/// Loads the instance (with its input hash) and a panels file for
/// `report` and `export`; either failing to load is bad input (exit 2).
fn load_pair(
    instance: &Path,
    panels: &Path,
    quiet: bool,
) -> Result<(Instance, String, PanelsFile), Failure> {
    let (inst, hash) = load_hashed(instance, quiet)?;
    let file =
        crate::io::read_panels_for(panels, &inst).map_err(|e| Failure::BadInput(e.to_string()))?;
    Ok((inst, hash, file))
}

fn cmd_report(args: &ReportArgs, quiet: bool) -> Result<(), Failure> {
    check_output_path(&args.out, &["html", "htm", "md", "markdown"])?;
    let format = crate::report::ReportFormat::from_path(&args.out).ok_or_else(|| {
        Failure::BadInput(format!(
            "{}: output must end in .html or .md",
            args.out.display()
        ))
    })?;
    if let Some(t) = args.target {
        if !(0.0..=1.0).contains(&t) {
            return Err(Failure::BadInput(format!(
                "--target {t}: a share must lie between 0 and 1 (e.g. 0.18)"
            )));
        }
    }
    let t = Instant::now();
    let (inst, hash, panels) = load_pair(&args.instance, &args.panels, quiet)?;
    let opts = crate::report::ReportOptions {
        instance_label: args.instance.display().to_string(),
        panels_label: args.panels.display().to_string(),
        input_sha256: Some(hash),
        input_is_file: args.instance.is_file(),
        target_share: args.target,
        price_time_limit: (!args.no_price)
            .then(|| std::time::Duration::from_secs(args.price_timeout)),
    };
    let figures = crate::report::figures(&inst, &panels, &opts);
    let text = crate::report::render(&figures, format);
    crate::io::write_atomic(&args.out, text.as_bytes())
        .map_err(|e| Failure::Other(format!("{}: {e}", args.out.display())))?;
    if !figures.violations.is_empty() {
        eprintln!(
            "warning: the assignment breaks {} rule(s); the report shows them in a red banner",
            figures.violations.len()
        );
    }
    note(
        quiet,
        format!(
            "report of {} panel(s) → {} in {:.2}s",
            panels.panels.len(),
            args.out.display(),
            t.elapsed().as_secs_f64()
        ),
    );
    Ok(())
}

fn cmd_export(args: &ExportArgs, quiet: bool) -> Result<(), Failure> {
    let Some(panels_path) = &args.panels else {
        return export_instance(args, quiet);
    };
    let allowed: &[&str] = if args.anonymous {
        &["xlsx", "csv"]
    } else {
        &["xlsx", "csv", "json"]
    };
    check_output_path(&args.out, allowed)?;
    let loaded = load_full(&args.instance, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let (inst, hash) = (loaded.instance, loaded.sha256);
    let panels = crate::io::read_panels_for(panels_path, &inst)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let report = crate::verify::verify(&inst, &panels);
    if !report.is_ok() {
        print!("{}", report.render(&inst));
        eprintln!("error: the panels break the rules above; nothing exported");
        return Err(Failure::Violations);
    }
    let out = &args.out;
    let werr = |e: crate::io::WriteError| Failure::Other(e.to_string());
    if args.anonymous {
        let table = crate::report::anonymous::anonymous_table(&inst, &panels, &hash);
        let bytes = if crate::io::xlsx::is_xlsx(out) {
            crate::io::xlsx::tables_xlsx_bytes(out, std::slice::from_ref(&table)).map_err(werr)?
        } else {
            crate::report::anonymous::table_csv_bytes(out, &table).map_err(werr)?
        };
        crate::io::write_atomic(out, &bytes)
            .map_err(|e| Failure::Other(format!("{}: {e}", out.display())))?;
    } else {
        crate::io::write_panels_in(out, &panels, &inst, lang).map_err(werr)?;
    }
    note(
        quiet,
        format!(
            "exported {} panel(s){} → {}",
            panels.panels.len(),
            if args.anonymous { " (anonymous)" } else { "" },
            out.display()
        ),
    );
    Ok(())
}

/// `panels export INSTANCE --out FILE` without panels: the instance as an
/// office workbook (.xlsx, in the chosen language) or a bundle (.json).
fn export_instance(args: &ExportArgs, quiet: bool) -> Result<(), Failure> {
    if args.anonymous {
        return Err(Failure::BadInput(
            "--anonymous exports panels: give the PANELS file too".into(),
        ));
    }
    check_output_path(&args.out, &["xlsx", "json"])?;
    refuse_overwriting_input(&args.out, &args.instance)?;
    let loaded = load_full(&args.instance, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let inst = loaded.instance;
    let werr = |e: crate::io::WriteError| Failure::Other(e.to_string());
    if crate::io::xlsx::is_xlsx(&args.out) {
        let bytes =
            crate::io::xlsx::instance_xlsx_bytes_in(&inst, &args.out, lang).map_err(werr)?;
        crate::io::write_atomic(&args.out, &bytes)
            .map_err(|e| Failure::Other(format!("{}: {e}", args.out.display())))?;
    } else {
        crate::io::write_instance(&inst, &args.out, crate::io::InstanceFormat::Bundle)
            .map_err(werr)?;
    }
    note(
        quiet,
        format!(
            "exported the instance ({} application(s), {} expert(s)) → {}",
            inst.applications.len(),
            inst.experts.len(),
            args.out.display()
        ),
    );
    Ok(())
}

fn cmd_template(args: &TemplateArgs, quiet: bool) -> Result<(), Failure> {
    check_output_path(&args.out, &["xlsx"])?;
    let bytes = crate::io::xlsx::template_xlsx_bytes(&args.out, args.lang.lang())
        .map_err(|e| Failure::Other(e.to_string()))?;
    crate::io::write_atomic(&args.out, &bytes)
        .map_err(|e| Failure::Other(format!("{}: {e}", args.out.display())))?;
    note(
        quiet,
        format!(
            "wrote the blank workbook {}: fill the sheets (see {}), then `panels solve {} --out panels.xlsx`",
            args.out.display(),
            crate::io::xlsx::instructions_sheet(args.lang.lang()),
            args.out.display()
        ),
    );
    Ok(())
}
