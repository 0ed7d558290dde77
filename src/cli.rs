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
use crate::io::panels::PanelsFile;
use crate::model::Instance;
use crate::solve::{self, Method, SolveError};

// Printing never panics: a closed pipe ends it quietly, a full disk is
// exit 4 ([`crate::console`]). These shadow the standard macros here.
macro_rules! println {
    () => { $crate::console::out(format_args!("\n")) };
    ($($t:tt)*) => { $crate::console::out(format_args!("{}\n", format_args!($($t)*))) };
}
macro_rules! print {
    ($($t:tt)*) => { $crate::console::out(format_args!($($t)*)) };
}
macro_rules! eprintln {
    () => { $crate::console::err(format_args!("\n")) };
    ($($t:tt)*) => { $crate::console::err(format_args!("{}\n", format_args!($($t)*))) };
}
macro_rules! eprint {
    ($($t:tt)*) => { $crate::console::err(format_args!($($t)*)) };
}

/// The time limit `--method mip` gets when none is given, in seconds: the
/// MIP then stops with its best answer (`feasible`) and its bound.
pub const DEFAULT_MIP_TIME_LIMIT_SECONDS: u64 = 300;

/// Assigns review panels from an expert pool shared by several cities, to a
/// proven optimum.
#[derive(Parser, Debug)]
#[command(name = "panels", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// No progress, summary or notes on stderr (errors still print).
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
    /// The office console: a local web app and JSON API over the rounds
    /// in a data folder.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
    /// Write the blank workbook an office fills in (every sheet, headers,
    /// an example row each, instructions).
    Template(TemplateArgs),
    /// Past reviews: append a finished round to a history file.
    #[command(subcommand)]
    History(HistoryCommand),
}

/// `panels history …`.
#[derive(clap::Subcommand, Debug)]
pub enum HistoryCommand {
    /// Append a finished round (its final panels, and the declines the
    /// panels file and its replace logs record) to a history file (.csv,
    /// .json or .xlsx), atomically.
    Append(HistoryAppendArgs),
}

/// `panels history append`.
#[derive(Args, Debug)]
pub struct HistoryAppendArgs {
    /// The round's instance.
    pub instance: PathBuf,
    /// The round's final panels (.json, .csv or .xlsx).
    pub panels: PathBuf,
    /// The round's year.
    #[arg(long)]
    pub year: i32,
    /// The round's label (e.g. 2025-spring), when a year has several rounds.
    #[arg(long)]
    pub round: Option<String>,
    /// Replace logs of the round (`panels-replace/2`): their declined
    /// pairs, and the panels each withdrawn expert was taken off, are
    /// recorded as declined. The declined pairs are also read from the
    /// final panels file, so a log left out loses none; a withdrawal's
    /// seats come from its log only.
    #[arg(long = "replace-log", num_args = 1..)]
    pub replace_log: Vec<PathBuf>,
    /// The history file to append to (.csv, .json or .xlsx; created if
    /// absent).
    #[arg(long)]
    pub to: PathBuf,
}

/// `panels serve`.
#[cfg(feature = "serve")]
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The data folder: one sub-folder per round.
    #[arg(long, default_value = "panels-data")]
    pub data: PathBuf,
    /// Address to listen on; any address other than loopback needs a
    /// token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// A file holding the access token (at least 16 characters). Without
    /// it, off loopback, a token is made and printed once.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Largest upload, in MiB.
    #[arg(long, default_value_t = 256)]
    pub max_upload_mb: usize,
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

/// The language of a report ([`crate::report::Lang`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportLang {
    /// Simplified Chinese (中文).
    Zh,
    /// English.
    En,
}

impl From<ReportLang> for crate::report::Lang {
    fn from(l: ReportLang) -> Self {
        match l {
            ReportLang::Zh => crate::report::Lang::Zh,
            ReportLang::En => crate::report::Lang::En,
        }
    }
}

/// A family of rules the report prices ([`crate::report::Family`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    /// `min_outside_share`, `min_outside`, `max_per_city`,
    /// `min_outside_share_round`, `min_outside_share_by_city` (and each
    /// programme's own `min_outside_share`, `min_outside`, `max_per_city`).
    City,
    /// `min_senior` (the round's and each programme's).
    Senior,
    /// `cover_fields` (the round's and each programme's).
    #[value(name = "cover_fields")]
    CoverFields,
    /// `max_copanel`.
    Copanel,
}

impl From<FamilyArg> for crate::report::Family {
    fn from(f: FamilyArg) -> Self {
        match f {
            FamilyArg::City => crate::report::Family::City,
            FamilyArg::Senior => crate::report::Family::Senior,
            FamilyArg::CoverFields => crate::report::Family::CoverFields,
            FamilyArg::Copanel => crate::report::Family::Copanel,
        }
    }
}

/// Which algorithm `panels solve` uses ([`Method`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// The min-cost flow, falling back to the MIP when the rules do not nest.
    Auto,
    /// The exact min-cost flow.
    Flow,
    /// The good_lp MIP (microlp); small instances only.
    Mip,
    /// The Lagrangian relaxation of the crossing rules on top of the flow,
    /// with repair (the flow itself when no crossing rule is on).
    Lagrange,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Auto => Method::Auto,
            MethodArg::Flow => Method::Flow,
            MethodArg::Mip => Method::Mip,
            MethodArg::Lagrange => Method::Lagrange,
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
    /// Overwrite FILE if it exists (without it, an existing file — perhaps
    /// a filled-in round — is refused and left as it is).
    #[arg(long)]
    pub force: bool,
}

/// `panels report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The instance the panels were made for.
    pub instance: PathBuf,
    /// The panels file (.json, .csv or .xlsx).
    pub panels: PathBuf,
    /// Where to write the report: .html (self-contained page), .md, or
    /// .json (every figure as data).
    #[arg(
        long,
        short,
        required_unless_present = "check",
        conflicts_with = "check"
    )]
    pub out: Option<PathBuf>,
    /// Check an existing report (.html, .md or .json) instead of writing
    /// one: recompute every figure from INSTANCE and PANELS and list what
    /// differs (exit 1) or say that everything matches (exit 0). The
    /// report's own language and settings are used.
    #[arg(long, value_name = "REPORT", conflicts_with_all = ["lang", "target", "no_price"])]
    pub check: Option<PathBuf>,
    /// Language of the report (default: the instance's — Chinese city,
    /// institution or expert names make it zh).
    #[arg(long, value_enum)]
    pub lang: Option<ReportLang>,
    /// Outside-city share every city is compared with (default: each
    /// city's own target from the policy), e.g. 0.18.
    #[arg(long)]
    pub target: Option<f64>,
    /// Do not re-solve without each rule family (no "price of the rules").
    #[arg(long)]
    pub no_price: bool,
    /// Seconds each re-solve that prices a rule family may take.
    #[arg(long, default_value_t = 120)]
    pub price_timeout: u64,
    /// The draw log (`panels draw --log`) of a drawn panels file: the
    /// report shows its SHA-256, its cap and whether its panels, seed and
    /// input are this file's and this round's. Or the log of the
    /// replacement (`panels replace --log`) that wrote the file: the report
    /// shows its declines, who replaced whom, its SHA-256 and the SHA-256
    /// of the file it started from, and whether its panels are this
    /// file's. With --check: the log the report was made with.
    #[arg(long, value_name = "LOG")]
    pub log: Option<PathBuf>,
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
    /// Without PANELS: write the round without this family of rules,
    /// dropped wherever it applies (the round's fields and each
    /// programme's): the round the fairness report re-solves to price the
    /// family.
    #[arg(long, value_enum, value_name = "FAMILY")]
    pub without: Option<FamilyArg>,
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
    /// Cap on every (application, expert) pair's probability, in (0, 1];
    /// wins over the policy's `max_probability`. Without either the draw
    /// uses 0.5 (and says so); 1 gives the best-scoring panels, as `solve`.
    #[arg(long, conflicts_with = "replay")]
    pub max_probability: Option<f64>,
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
    /// The instance (with --replay: overrides the path in the log).
    #[arg(required_unless_present = "replay")]
    pub instance: Option<PathBuf>,
    /// The current panels file (.json, .csv or .xlsx; with --replay:
    /// overrides the path in the log).
    #[arg(required_unless_present = "replay")]
    pub panels: Option<PathBuf>,
    /// A declined pair APPLICATION:EXPERT, or an EXPERT alone who withdraws
    /// from every panel of the round (repeat, or separate by commas). An
    /// empty list (`--decline ""`: nobody declined) keeps the panels as
    /// they are and logs that nothing changed.
    #[arg(long, value_delimiter = ',', conflicts_with = "replay")]
    pub decline: Vec<String>,
    /// Lock these applications' panels (ids, comma-separated): no
    /// replacement changes them, now or later.
    #[arg(long, value_delimiter = ',', conflicts_with = "replay")]
    pub lock: Vec<String>,
    /// Lock every panel the panels file marks confirmed (the workbook's
    /// `confirmed` column).
    #[arg(long, conflicts_with = "replay")]
    pub lock_confirmed: bool,
    /// Take these applications' panels off the file's locked list (ids,
    /// comma-separated): replacements may change them again.
    #[arg(long, value_delimiter = ',', conflicts_with = "replay")]
    pub unlock: Vec<String>,
    /// Let seats other than the declined ones change (fewest changes);
    /// without it only declined seats are refilled.
    #[arg(long, conflicts_with = "replay")]
    pub allow_moves: bool,
    /// Wall-clock budget in seconds for the whole replacement after
    /// loading. Only a refill by the MIP (rules that do not nest) can
    /// stop at it: its best refill found is then written and said not
    /// proven the best (stderr, and the log's refill_status). Without it
    /// the MIP runs until it proves its refill. A replay takes the
    /// logged limit.
    #[arg(long, conflicts_with = "replay")]
    pub time_limit: Option<f64>,
    /// Where to write the new panels (.json, .csv or .xlsx).
    #[arg(long, short, required_unless_present = "replay")]
    pub out: Option<PathBuf>,
    /// Where to write the log of what changed (.json).
    #[arg(long, required_unless_present = "replay", conflicts_with = "replay")]
    pub log: Option<PathBuf>,
    /// Recompute the replacement of this log and check it byte for byte;
    /// refuses if the instance or the old panels file changed. With --out,
    /// also writes the panels.
    #[arg(long)]
    pub replay: Option<PathBuf>,
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
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// Wall-clock budget in seconds for the MIP and the Lagrangian path
    /// (crossing rules): the whole solve after loading (eligibility,
    /// building the model, the search); the answer is then `feasible`
    /// with its bound. Above 0 and at most 1000000 (about 11.6 days);
    /// anything else is exit 2.
    #[arg(long)]
    pub time_limit: Option<f64>,
    /// Use HiGHS instead of microlp for the MIP (built with `--features highs`).
    #[cfg(feature = "highs")]
    #[arg(long)]
    pub highs: bool,
    /// Candidates per application: `auto` (all pairs for small rounds;
    /// for large ones 12 per panel seat, at least 60), `all` (the dense
    /// network), or a number. With candidates, pricing proves the answer
    /// optimal over all eligible pairs.
    #[arg(long, default_value = "auto")]
    pub candidates: solve::pricing::CandidateChoice,
    /// Also write the last network solved on candidates (DIMACS min-cost
    /// format), for reference solvers.
    #[arg(long, value_name = "FILE")]
    pub dump_network: Option<PathBuf>,
    /// Print where the time went, one `phase NAME SECONDSs (peak N MiB):
    /// DETAIL` line per phase (load, candidates, network, each solve and
    /// pricing pass, certificate, write; the peak is the process's largest
    /// resident memory so far, on Linux), on stderr.
    #[arg(long, short)]
    pub verbose: bool,
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
    /// dense-3000, nsfc, nsfc-yangtze).
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
    /// Split the applications over N programmes with their own rules (at
    /// most 4).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub programmes: usize,
    /// Write N years of plausible history (repeats, declines, ratings) and
    /// switch the history rules on.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub years: usize,
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
    let mut outcome = run(&cli);
    if let Some(m) = crate::console::finish() {
        if outcome.is_ok() || matches!(outcome, Err(Failure::Violations)) {
            outcome = Err(Failure::Other(m));
        }
    }
    match outcome {
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
        Command::Explain(a) => cmd_explain(a, cli.quiet),
        Command::Generate(a) => cmd_generate(a, cli.quiet),
        Command::Draw(a) => cmd_draw(a, cli.quiet),
        Command::Replace(a) => cmd_replace(a, cli.quiet),
        Command::Report(a) => cmd_report(a, cli.quiet),
        Command::Export(a) => cmd_export(a, cli.quiet),
        #[cfg(feature = "serve")]
        Command::Serve(a) => cmd_serve(a),
        Command::Template(a) => cmd_template(a, cli.quiet),
        Command::History(HistoryCommand::Append(a)) => cmd_history_append(a, cli.quiet),
    }
}

/// Refuses writing a file of a CSV instance directory, existing or not
/// (a `history.csv` written there would change the instance).
fn refuse_instance_file(out: &Path, instance: &Path) -> Result<(), Failure> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (Ok(dir), Ok(inst)) = (parent.canonicalize(), instance.canonicalize()) else {
        return Ok(());
    };
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if inst.is_dir() && dir == inst && crate::io::CSV_DIR_FILES.contains(&name) {
        return Err(Failure::BadInput(format!(
            "{}: is a file of the instance {}; write the history elsewhere (e.g. next year's directory)",
            out.display(),
            instance.display()
        )));
    }
    Ok(())
}

fn cmd_history_append(args: &HistoryAppendArgs, quiet: bool) -> Result<(), Failure> {
    use crate::draw::history::{append_round, AppendError, AppendRound};
    use crate::io::history_file::{HistoryForm, HISTORY_EXTENSIONS};
    if HistoryForm::of(&args.to).is_none() {
        return Err(Failure::BadInput(format!(
            "{}: {HISTORY_EXTENSIONS}",
            args.to.display()
        )));
    }
    check_output_path(&args.to, &["csv", "json", "xlsx"])?;
    let mut inputs: Vec<&Path> = vec![&args.instance, &args.panels];
    inputs.extend(args.replace_log.iter().map(PathBuf::as_path));
    check_paths(&inputs, &[&args.to])?;
    refuse_instance_file(&args.to, &args.instance)?;
    let loaded = load_full(&args.instance, true)?;
    let round = args.round.as_deref();
    let done = append_round(
        &loaded.instance,
        &AppendRound {
            panels: &args.panels,
            replace_logs: &args.replace_log,
            year: args.year,
            round,
            to: &args.to,
            input_sha256: &loaded.sha256,
            lang: loaded.lang,
        },
    )
    .map_err(|e| match e {
        AppendError::Other(m) => Failure::Other(m),
        bad => Failure::BadInput(bad.to_string()),
    })?;
    for n in &done.notes {
        note(quiet, n);
    }
    note(
        quiet,
        format!(
            "{} record(s) of {}{} appended to {} ({} in all)",
            done.added,
            args.year,
            round.map(|r| format!(" {r}")).unwrap_or_default(),
            args.to.display(),
            done.total
        ),
    );
    Ok(())
}

#[cfg(feature = "serve")]
fn cmd_serve(args: &ServeArgs) -> Result<(), Failure> {
    let opts = crate::serve::ServeOptions {
        data: args.data.clone(),
        bind: args.bind,
        token_file: args.token_file.clone(),
        max_upload: args.max_upload_mb.saturating_mul(1 << 20),
    };
    crate::serve::serve(&opts).map_err(Failure::Other)
}

/// Loads an instance and its input hash, with a bar of the bytes read on
/// stderr (on a terminal, not with `--quiet`) and the load's notes.
fn load_hashed(path: &Path, quiet: bool) -> Result<(Instance, String), Failure> {
    load_full(path, quiet).map(|l| (l.instance, l.sha256))
}

/// Like [`load_hashed`], with the input's language.
fn load_full(path: &Path, quiet: bool) -> Result<crate::io::Loaded, Failure> {
    let bar = crate::bars::progress(!quiet).bytes(crate::io::input_bytes(path), "reading");
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

/// Reads a panels file for `inst`, its notes (ids read in their normal
/// form) on stderr.
fn read_panels(path: &Path, inst: &Instance, quiet: bool) -> Result<PanelsFile, Failure> {
    let (file, notes) = crate::io::read_panels_for_noted(path, inst)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    for n in notes {
        note(quiet, n);
    }
    Ok(file)
}

fn note(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("{}", msg.as_ref());
    }
}

fn cmd_solve(args: &SolveArgs, quiet: bool) -> Result<(), Failure> {
    check_output_path(&args.out, &["json", "csv", "xlsx"])?;
    let mut outputs = vec![args.out.as_path()];
    outputs.extend(args.dump_network.as_deref());
    check_paths(&[&args.instance], &outputs)?;
    time_limit(args.time_limit)?;
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
    let mut profile = solve::profile::Profile::default();
    profile.add(
        "load",
        t,
        format!("{} bytes", crate::io::input_bytes(&args.instance)),
    );
    let t_elig = Instant::now();
    let elig = Eligibility::compute(&inst);
    profile.add("eligibility", t_elig, "");
    let time_limit = match time_limit(args.time_limit)? {
        None if args.method == MethodArg::Mip => {
            note(
                quiet,
                format!(
                    "--method mip: no --time-limit given, stopping after {DEFAULT_MIP_TIME_LIMIT_SECONDS}s \
                     with the best answer found and its bound"
                ),
            );
            Some(std::time::Duration::from_secs(
                DEFAULT_MIP_TIME_LIMIT_SECONDS,
            ))
        }
        t => t,
    };
    // The network solved on candidates, for --dump-network.
    let dumped = std::sync::Arc::new(std::sync::Mutex::new(None::<Vec<u8>>));
    #[allow(unused_mut)]
    let mut opts = solve::SolveOptions {
        method: args.method.into(),
        time_limit,
        // The limit covers the whole solve, the eligibility included.
        started: Some(t_elig),
        candidates: args.candidates,
        progress: crate::bars::progress(!quiet),
        dump_network: args.dump_network.as_ref().map(|_| {
            let dumped = dumped.clone();
            solve::NetworkDump(std::sync::Arc::new(move |net: &crate::flow::Network| {
                if let Ok(mut d) = dumped.lock() {
                    *d = Some(solve::network::dimacs(net));
                }
            }))
        }),
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
    let t_write = Instant::now();
    let file = solve::panels_file(&inst, &elig, &solved, hash);
    let mut staged = crate::io::Outputs::new();
    if let (Some(path), Some(bytes)) = (
        &args.dump_network,
        dumped.lock().ok().and_then(|mut d| d.take()),
    ) {
        staged
            .file(path, &bytes)
            .map_err(|e| Failure::Other(format!("cannot write the network: {e}")))?;
    }
    crate::io::stage_panels_in(&mut staged, &args.out, &file, &inst, lang)
        .map_err(|e| Failure::Other(e.to_string()))?;
    commit(staged)?;
    profile.extend(solved.stats.profile.clone());
    profile.add("write", t_write, "");
    if args.verbose {
        for line in profile.lines() {
            note(quiet, line);
        }
        note(
            quiet,
            solve::profile::phase_line(
                "total",
                t.elapsed().as_secs_f64(),
                solve::profile::peak_resident_bytes(),
            ),
        );
    }
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
        for n in &p.notes {
            note(quiet, n);
        }
    }
    // The process ends when this returns and the system takes its memory
    // back at once: freeing the round piece by piece (a history's hundreds
    // of thousands of small records, names and teams) would only add time
    // after the outputs are written.
    std::mem::forget((inst, elig, solved, file));
    Ok(())
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
    // The extensions this command writes, in the words of both messages.
    let endings = allowed
        .iter()
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(" or ");
    if path.is_dir() {
        return Err(Failure::BadInput(format!(
            "{}: is a directory; give a file name ending in {endings}",
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
            "{}: output must end in {endings}",
            path.display()
        )))
    }
}

/// [`check_output_path`] for a `--log` file, which is always JSON: the
/// message says it is the log that must end in .json.
fn check_log_path(log: &Path) -> Result<(), Failure> {
    check_output_path(log, &["json"]).map_err(|f| match f {
        Failure::BadInput(m) if m.contains(": output must end in ") => Failure::BadInput(format!(
            "{}: the log (--log) must end in .json (it is a JSON file); the panels go to --out",
            log.display()
        )),
        other => other,
    })
}

/// Refuses outputs that are inputs of the command or each other
/// ([`crate::io::check_paths`]): exit 2 before any work.
fn check_paths(inputs: &[&Path], outputs: &[&Path]) -> Result<(), Failure> {
    crate::io::check_paths(inputs, outputs).map_err(Failure::BadInput)
}

/// Commits a command's staged outputs together (exit 4 if the file system
/// refuses; then every old file is as it was).
fn commit(outputs: crate::io::Outputs) -> Result<(), Failure> {
    outputs.commit().map_err(|e| Failure::Other(e.to_string()))
}

/// `--time-limit` as a duration, by the library's one rule
/// ([`solve::time_limit`], which the console calls too): above 0 and at
/// most [`solve::MAX_TIME_LIMIT_SECONDS`], else exit 2.
fn time_limit(t: Option<f64>) -> Result<Option<std::time::Duration>, Failure> {
    t.map(solve::time_limit)
        .transpose()
        .map_err(|e| Failure::BadInput(format!("--time-limit {e}")))
}

/// `panels verify`: rules, then claims, then (when asked) the certificate.
/// Exit 1 when a rule or a claim is broken, or the certificate fails;
/// `--certificate` on a file that carries none exits 2 (nothing to check;
/// not a broken rule) when everything else holds.
fn cmd_verify(args: &VerifyArgs, quiet: bool) -> Result<(), Failure> {
    use crate::verify::CertificateOutcome;
    let (inst, hash) = load_hashed(&args.instance, quiet)?;
    let panels = read_panels(&args.panels, &inst, quiet)?;
    let elig = Eligibility::compute(&inst);
    let mut report = crate::verify::verify_with(&inst, &elig, &panels);
    report.note_input(&panels, &hash);
    let mut ok = report.is_ok();
    let mut absent = false;
    if args.certificate {
        report.certificate_present = false;
        print!("{}", report.render(&inst));
        // After an edit the certificate can only back a bound: the file's
        // `optimal` describes the panels as solved (see the note).
        let judged = if report.edited {
            PanelsFile {
                status: "feasible".into(),
                ..panels.clone()
            }
        } else {
            panels.clone()
        };
        let outcome =
            crate::verify::check_certificate(&inst, &elig, &judged, report.objective_micro);
        println!("{}", outcome.describe());
        absent = outcome == CertificateOutcome::Absent;
        ok &= absent || outcome.is_ok();
    } else {
        print!("{}", report.render(&inst));
    }
    match (ok, absent) {
        (false, _) => Err(Failure::Violations),
        (true, true) => Err(Failure::BadInput(format!(
            "{}: --certificate: the file carries no certificate (rules and claims above hold)",
            args.panels.display()
        ))),
        (true, false) => Ok(()),
    }
}

fn cmd_explain(args: &ExplainArgs, quiet: bool) -> Result<(), Failure> {
    // The load's notes (merged spellings, encodings) matter most here: a
    // merge may be why an expert counts as same-city.
    let inst = load_full(&args.instance, quiet)?.instance;
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
    print!(
        "{}",
        crate::eligibility::explain_text(&inst, &elig, a, e, &verdict)
    );
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
    cfg.programmes = args.programmes;
    cfg.years = args.years;
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
    crate::generate::check_limits(&cfg).map_err(Failure::BadInput)?;
    let t = Instant::now();
    let inst = crate::generate::generate(&cfg);
    let fmt = match format {
        GenFormat::Bundle => crate::io::InstanceFormat::Bundle,
        GenFormat::Csv => crate::io::InstanceFormat::CsvDir,
    };
    let mut staged = crate::io::Outputs::new();
    crate::io::stage_instance(&mut staged, &inst, &args.out, fmt)
        .map_err(|e| Failure::Other(e.to_string()))?;
    commit(staged)?;
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
            "{}: {n}; a draw samples panels from the flow, so it needs rules that nest: `panels solve` holds these rules (with the MIP), or give the institution's experts one city",
            path.display()
        )),
        DrawError::BadDecline(m) => Failure::BadInput(format!("{}: {m}", path.display())),
        e @ DrawError::CrossingRules(_) => Failure::BadInput(format!("{}: {e}", path.display())),
        DrawError::Stuck(m) => Failure::Infeasible(m),
        other => Failure::Other(other.to_string()),
    }
}

/// The exit code and message of a failed replacement (`panels` is the
/// panels file replaced in, named when the file or the request is at
/// fault).
fn replace_failure(panels: &Path, e: crate::draw::DrawError) -> Failure {
    use crate::draw::DrawError;
    match e {
        DrawError::Infeasible(why) => Failure::Infeasible(why.to_string()),
        DrawError::BadDecline(m) => Failure::BadInput(format!("{}: {m}", panels.display())),
        DrawError::Stuck(m) => Failure::Infeasible(m),
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

/// True when `path` holds a replacement's log (its `format` is
/// `panels-replace/…`); anything else is read as a draw's log.
fn is_replace_log(path: &Path) -> bool {
    crate::io::read_input(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("format")?.as_str().map(str::to_owned))
        .is_some_and(|f| f.starts_with("panels-replace/"))
}

fn cmd_draw(args: &DrawArgs, quiet: bool) -> Result<(), Failure> {
    use crate::draw::{self, ReplayRecord};
    // A replacement's log replays as `replace --replay` does: one command
    // checks every log of a round, draws and replacements alike.
    if let Some(log) = &args.replay {
        if is_replace_log(log) {
            return cmd_replace(
                &ReplaceArgs {
                    instance: args.instance.clone(),
                    panels: None,
                    decline: Vec::new(),
                    lock: Vec::new(),
                    unlock: Vec::new(),
                    lock_confirmed: false,
                    allow_moves: false,
                    time_limit: None,
                    out: args.out.clone(),
                    log: None,
                    replay: Some(log.clone()),
                    lang: args.lang,
                },
                quiet,
            );
        }
    }
    if let Some(out) = &args.out {
        check_output_path(out, &["json", "csv", "xlsx"])?;
    }
    if let Some(log) = &args.log {
        check_log_path(log)?;
    }
    {
        let inputs: Vec<&Path> = args
            .instance
            .iter()
            .chain(&args.replay)
            .map(PathBuf::as_path)
            .collect();
        let outputs: Vec<&Path> = args
            .out
            .iter()
            .chain(&args.log)
            .map(PathBuf::as_path)
            .collect();
        check_paths(&inputs, &outputs)?;
    }
    let replay = match &args.replay {
        Some(path) => {
            let bytes =
                crate::io::read_input(path).map_err(|e| Failure::BadInput(e.to_string()))?;
            let rec = ReplayRecord::from_bytes(&bytes)
                .map_err(|m| Failure::BadInput(format!("{}: {m}", path.display())))?;
            Some((path, bytes, rec))
        }
        None => None,
    };
    // The instance: as given, else as logged. The log keeps the logged
    // label so that a replay from a moved file still compares bytes; a
    // new log records the instance relative to its own folder.
    let (instance_path, label) = match (&args.instance, &replay) {
        (Some(p), Some((_, _, rec))) => (p.clone(), rec.instance.clone()),
        (Some(p), None) => (
            p.clone(),
            match &args.log {
                Some(log) => crate::io::logged::recorded_path(p, log),
                None => p.display().to_string(),
            },
        ),
        (None, Some((log, _, rec))) => (
            logged_input(
                log,
                "instance",
                &rec.instance,
                &rec.input_sha256,
                &replay_usage(log, false),
            )?,
            rec.instance.clone(),
        ),
        (None, None) => return Err(Failure::BadInput("give an INSTANCE or --replay LOG".into())),
    };
    if args.instance.is_none() {
        let outputs: Vec<&Path> = args.out.iter().map(PathBuf::as_path).collect();
        check_paths(&[&instance_path], &outputs)?;
    }
    let loaded = load_full(&instance_path, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let (inst, hash) = (loaded.instance, loaded.sha256);
    if let Some((path, _, rec)) = &replay {
        if rec.input_sha256 != hash {
            return Err(Failure::BadInput(format!(
                "{}: the input changed since the draw logged in {} (SHA-256 now {hash}, logged {}); refusing to replay{}",
                instance_path.display(),
                path.display(),
                rec.input_sha256,
                elsewhere_hint(
                    path,
                    args.instance.is_none().then_some(rec.instance.as_str()),
                    &replay_usage(path, false)
                )
            )));
        }
    }
    let seed = match &replay {
        Some((_, _, rec)) => rec.seed,
        None => args.seed.unwrap_or(inst.policy.seed),
    };
    let flag = match &replay {
        Some((_, _, rec)) => rec.flag_cap,
        None => args.max_probability,
    };
    if let Some(p) = flag {
        if !(p > 0.0 && p <= 1.0) {
            return Err(Failure::BadInput(format!(
                "--max-probability {p}: a probability cap must lie in (0, 1], e.g. 0.5"
            )));
        }
    }
    let (cap, source) = draw::resolve_cap(flag, inst.policy.max_probability);
    if source == draw::CapSource::Default && flag.is_none() && replay.is_none() {
        note(
            quiet,
            format!(
                "note: no max_probability given (--max-probability or the policy): the draw caps every pair's probability at the default {cap}, so it is random wherever the rules leave room; --max-probability 1 gives the best-scoring panels, as solve"
            ),
        );
    }
    let elig = Eligibility::compute(&inst);
    let t = Instant::now();
    let drawn =
        draw::draw_capped(&inst, &elig, seed, cap).map_err(|e| draw_failure(&instance_path, e))?;
    let output = draw::draw_output(&inst, &elig, &drawn, &label, &hash, seed, source);
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
            let (line, lines) = first_difference(bytes, &output.log_bytes);
            println!(
                "replay differs from {} (first at line {line}){}\n{lines}",
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
            let mut staged = crate::io::Outputs::new();
            crate::io::stage_panels_in(&mut staged, out, &output.panels, &inst, lang)
                .map_err(|e| Failure::Other(e.to_string()))?;
            commit(staged)?;
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
    let mut staged = crate::io::Outputs::new();
    staged
        .file(log, &output.log_bytes)
        .map_err(|e| Failure::Other(e.to_string()))?;
    crate::io::stage_panels_in(&mut staged, out, &output.panels, &inst, lang)
        .map_err(|e| Failure::Other(e.to_string()))?;
    commit(staged)?;
    note(
        quiet,
        format!("{summary} → {}, log {}", out.display(), log.display()),
    );
    Ok(())
}

/// The input a log recorded as `recorded` (the `what`: instance, panels
/// file), found as [`crate::io::logged::locate`] does: beside the log, else
/// from the current folder, the one with the logged SHA-256 when both
/// exist. When none is the logged input, exit 2 naming every path tried
/// and the command that takes the input from the command line (`usage`).
fn logged_input(
    log: &Path,
    what: &str,
    recorded: &str,
    sha256: &str,
    usage: &str,
) -> Result<PathBuf, Failure> {
    crate::io::logged::locate(log, recorded, sha256).map_err(|tried| {
        let lines: Vec<String> = tried.iter().map(|t| format!("  - {t}")).collect();
        let found = if tried.iter().any(|t| t.sha256.is_some()) {
            format!("no file there has the logged SHA-256 {sha256}")
        } else {
            "it is not there".to_string()
        };
        Failure::BadInput(format!(
            "{}: the {what} it logged as {recorded:?}: {found}; tried\n{}\ngive the files after the log: {usage}",
            log.display(),
            lines.join("\n")
        ))
    })
}

/// How to replay `log` with its inputs named on the command line: a draw's
/// log takes the round, a replacement's the round and the old panels.
fn replay_usage(log: &Path, replacement: bool) -> String {
    if replacement {
        format!("panels replace --replay {} ROUND PANELS", log.display())
    } else {
        format!("panels draw --replay {} ROUND", log.display())
    }
}

/// What follows "the input changed" when the path came from the log
/// (`recorded` there): every place tried, and how to give the file the log
/// was made from if it is elsewhere.
fn elsewhere_hint(log: &Path, recorded: Option<&str>, usage: &str) -> String {
    let Some(recorded) = recorded else {
        return String::new();
    };
    let lines: Vec<String> = crate::io::logged::tried(log, recorded)
        .iter()
        .map(|t| format!("  - {t}"))
        .collect();
    format!(
        "; tried\n{}\nif the file the log was made from is elsewhere, give it: {usage}",
        lines.join("\n")
    )
}

/// Where a logged log (`logged`) and its replay (`now`) first differ: the
/// 1-based line, and that line of each, shown as the message of a replay
/// that differs prints it (`(end of file)` past the end).
fn first_difference(logged: &[u8], now: &[u8]) -> (usize, String) {
    let at = logged
        .iter()
        .zip(now)
        .position(|(x, y)| x != y)
        .unwrap_or(logged.len().min(now.len()));
    let index = logged[..at].iter().filter(|&&c| c == b'\n').count();
    let line = |bytes: &[u8]| {
        let lines: Vec<&[u8]> = bytes.split(|&c| c == b'\n').collect();
        match lines.get(index) {
            Some(l) if !(l.is_empty() && index + 1 == lines.len()) => {
                String::from_utf8_lossy(l).trim_end().to_string()
            }
            _ => "(end of file)".to_string(),
        }
    };
    (
        index + 1,
        format!("  logged:   {}\n  replayed: {}", line(logged), line(now)),
    )
}

fn cmd_replace(args: &ReplaceArgs, quiet: bool) -> Result<(), Failure> {
    use crate::draw::{ReplaceAsked, ReplaceFileError};
    if let Some(out) = &args.out {
        check_output_path(out, &["json", "csv", "xlsx"])?;
    }
    if let Some(log) = &args.log {
        check_log_path(log)?;
    }
    // What is asked: from the command line, or from the log to replay.
    let replay = match &args.replay {
        Some(path) => {
            let bytes =
                crate::io::read_input(path).map_err(|e| Failure::BadInput(e.to_string()))?;
            let (asked, program) = ReplaceAsked::from_log_bytes(&bytes)
                .map_err(|m| Failure::BadInput(format!("{}: {m}", path.display())))?;
            Some((path, bytes, asked, program))
        }
        None => None,
    };
    let (instance_path, panels_path, mut asked) = match &replay {
        Some((log, _, asked, _)) => {
            let usage = replay_usage(log, true);
            let instance = match &args.instance {
                Some(p) => p.clone(),
                None => logged_input(
                    log,
                    "instance",
                    &asked.instance,
                    &asked.input_sha256,
                    &usage,
                )?,
            };
            let panels = match &args.panels {
                Some(p) => p.clone(),
                None => logged_input(
                    log,
                    "panels file",
                    &asked.panels_file,
                    &asked.panels_sha256,
                    &usage,
                )?,
            };
            (instance, panels, asked.clone())
        }
        None => {
            let (Some(i), Some(p)) = (&args.instance, &args.panels) else {
                return Err(Failure::BadInput(
                    "give INSTANCE and PANELS, or --replay LOG".into(),
                ));
            };
            // Ids as the files' ids are compared (NFKC turns a full-width
            // `：` into `:`); each side of A:E is trimmed by the parser.
            let trimmed = |v: &[String]| -> Vec<String> {
                v.iter()
                    .map(|x| typed_id(x))
                    .filter(|x| !x.is_empty())
                    .collect()
            };
            // Recorded relative to the log's folder (clap requires --log
            // unless replaying).
            let recorded = |input: &Path| match &args.log {
                Some(log) => crate::io::logged::recorded_path(input, log),
                None => input.display().to_string(),
            };
            let asked = ReplaceAsked {
                instance: recorded(i),
                panels_file: recorded(p),
                declines: trimmed(&args.decline),
                lock: trimmed(&args.lock),
                unlock: trimmed(&args.unlock),
                lock_confirmed: args.lock_confirmed,
                allow_moves: args.allow_moves,
                time_limit: time_limit(args.time_limit)?,
                ..Default::default()
            };
            // `--decline ""` (a year nobody declined, from a script) asks
            // nothing and is a step that keeps the panels; no action flag
            // at all is a mistake.
            if args.decline.is_empty() && asked.asks_nothing() {
                return Err(Failure::BadInput(
                    "nothing to do: give --decline APPLICATION:EXPERT (or an EXPERT who withdraws), --lock, --unlock or --lock-confirmed".into(),
                ));
            }
            (i.clone(), p.clone(), asked)
        }
    };
    {
        let outputs: Vec<&Path> = args
            .out
            .iter()
            .chain(&args.log)
            .map(PathBuf::as_path)
            .collect();
        let mut inputs: Vec<&Path> = vec![&instance_path, &panels_path];
        inputs.extend(args.replay.as_deref());
        check_paths(&inputs, &outputs)?;
    }
    let loaded = load_full(&instance_path, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let (inst, hash) = (loaded.instance, loaded.sha256);
    let file = read_panels(&panels_path, &inst, quiet)?;
    let panels_hash =
        crate::io::instance_sha256(&panels_path).map_err(|e| Failure::BadInput(e.to_string()))?;
    if let Some((log, _, logged, _)) = &replay {
        for (what, path, now, then) in [
            ("instance", &instance_path, &hash, &logged.input_sha256),
            (
                "panels file",
                &panels_path,
                &panels_hash,
                &logged.panels_sha256,
            ),
        ] {
            if now != then {
                let recorded = match what {
                    "instance" => args.instance.is_none().then_some(logged.instance.as_str()),
                    _ => args.panels.is_none().then_some(logged.panels_file.as_str()),
                };
                return Err(Failure::BadInput(format!(
                    "{}: the {what} changed since the replacement logged in {} (SHA-256 now {now}, logged {then}); refusing to replay{}",
                    path.display(),
                    log.display(),
                    elsewhere_hint(log, recorded, &replay_usage(log, true))
                )));
            }
        }
    }
    asked.input_sha256 = hash.clone();
    asked.panels_sha256 = panels_hash;
    let t = Instant::now();
    let check = |input: &crate::draw::ReplaceInput<'_>| {
        crate::verify::check_replace_input(
            input.instance,
            input.file,
            &input.kept,
            &instance_path.display().to_string(),
            &panels_path.display().to_string(),
        )
    };
    let done = crate::draw::replace_file(&inst, &file, &panels_path, &asked, &check, &mut |m| {
        note(quiet, m)
    })
    .map_err(|e| match e {
        ReplaceFileError::Panels(m) => Failure::BadInput(format!("{}: {m}", panels_path.display())),
        ReplaceFileError::Asked(m) | ReplaceFileError::BrokenInput(m) => Failure::BadInput(m),
        ReplaceFileError::Draw(e) => replace_failure(&panels_path, e),
    })?;
    let (state, replaced, new_file, log, log_bytes) = (
        done.state,
        done.replaced,
        done.file,
        done.log,
        done.log_bytes,
    );
    verified(&inst, &new_file, "replacement")?;
    if let Some(stopped) = &replaced.stopped {
        note(quiet, stopped_note(stopped, asked.time_limit, &log));
    }
    if let Some((path, bytes, _, program)) = &replay {
        let logged_stopped = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .is_some_and(|v| v.get("refill_status").is_some());
        if (logged_stopped || replaced.stopped.is_some()) && bytes[..] != log_bytes[..] {
            note(
                quiet,
                "note: the time limit stopped the MIP's refill, in the log or in this replay; \
                 where it stops depends on the machine and its load, so such a replay may \
                 differ",
            );
        }
        return replay_verdict(path, bytes, &log_bytes, program, || match &args.out {
            Some(out) => {
                let mut staged = crate::io::Outputs::new();
                crate::io::stage_panels_in(&mut staged, out, &new_file, &inst, lang)
                    .map_err(|e| Failure::Other(e.to_string()))?;
                commit(staged)
            }
            None => Ok(()),
        });
    }
    let (Some(out), Some(log_path)) = (&args.out, &args.log) else {
        return Err(Failure::BadInput(
            "a replacement needs --out and --log".into(),
        ));
    };
    let mut staged = crate::io::Outputs::new();
    staged
        .file(log_path, &log_bytes)
        .map_err(|e| Failure::Other(e.to_string()))?;
    crate::io::stage_panels_in(&mut staged, out, &new_file, &inst, lang)
        .map_err(|e| Failure::Other(e.to_string()))?;
    commit(staged)?;
    if asked.asks_nothing() {
        note(
            quiet,
            format!(
                "nothing declined (--decline is empty): {} holds the panels of {} unchanged, and the log {} records that nothing changed",
                out.display(),
                panels_path.display(),
                log_path.display()
            ),
        );
    }
    note(
        quiet,
        format!(
            "{} declined pair(s), {} withdrawn, {} locked panel(s){}: {} pair(s) changed on {} panel(s), {} kept; score {:.6} → {:.6} in {:.2}s → {}, log {}",
            state.declined.len(),
            state.withdrawn.len(),
            state.locked.len(),
            if asked.allow_moves { ", moves allowed" } else { ", only declined seats change" },
            replaced.changed_pairs(),
            replaced.changes.len(),
            replaced.kept,
            log.objective_before,
            log.objective_after,
            t.elapsed().as_secs_f64(),
            out.display(),
            log_path.display()
        ),
    );
    Ok(())
}

/// What stderr says of a MIP refill the time limit stopped: not proven
/// the best, with the bound when there is one.
fn stopped_note(
    stopped: &crate::draw::Stopped,
    limit: Option<std::time::Duration>,
    log: &crate::draw::ReplaceLog,
) -> String {
    let limit = limit.map_or(String::new(), |l| format!(" ({}s)", l.as_secs_f64()));
    let bound = match stopped.bound_micro.map(crate::model::total_as_f64) {
        Some(b) => format!(
            "; score {:.6}, bound {b:.6} (gap {:.2}%)",
            log.objective_after,
            100.0 * (b - log.objective_after) / b.abs().max(1e-9)
        ),
        None => String::new(),
    };
    format!(
        "feasible: the MIP's refill stopped at the time limit{limit} before it was proven the \
         best{bound}; the panels keep every rule, but a better refill may exist: give a longer \
         --time-limit (the log's refill_status says feasible)"
    )
}

/// Compares a replayed log with the logged bytes: exit 1 (and where they
/// first differ) when they differ, else runs `write` and says so.
fn replay_verdict(
    path: &Path,
    logged: &[u8],
    now: &[u8],
    program: &str,
    write: impl FnOnce() -> Result<(), Failure>,
) -> Result<(), Failure> {
    if logged != now {
        let (line, lines) = first_difference(logged, now);
        let this = crate::draw::log::program();
        println!(
            "replay differs from {} (first at line {line}){}\n{lines}",
            path.display(),
            if program != this {
                format!("; it was written by {program}, this is {this}")
            } else {
                String::new()
            }
        );
        return Err(Failure::Violations);
    }
    write()?;
    println!(
        "replay identical: {} reproduces byte for byte",
        path.display()
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
    let file = read_panels(panels, &inst, quiet)?;
    Ok((inst, hash, file))
}

fn cmd_report(args: &ReportArgs, quiet: bool) -> Result<(), Failure> {
    if let Some(report) = &args.check {
        return cmd_report_check(args, report, quiet);
    }
    let Some(out) = &args.out else {
        return Err(Failure::BadInput(
            "give --out FILE (.html, .md or .json) or --check REPORT".into(),
        ));
    };
    check_output_path(out, &["html", "htm", "md", "markdown", "json"])?;
    let format = report_format(out)?;
    if let Some(t) = args.target {
        if !(0.0..=1.0).contains(&t) {
            return Err(Failure::BadInput(format!(
                "--target {t}: a share must lie between 0 and 1 (e.g. 0.18)"
            )));
        }
    }
    let mut inputs: Vec<&Path> = vec![&args.instance, &args.panels];
    inputs.extend(args.log.as_deref());
    check_paths(&inputs, &[out])?;
    let t = Instant::now();
    let draw_log = match &args.log {
        Some(path) => Some(crate::report::DrawLogInput {
            label: path.display().to_string(),
            bytes: read_draw_log(path)?,
        }),
        None => None,
    };
    let (inst, hash, panels) = load_pair(&args.instance, &args.panels, quiet)?;
    let opts = crate::report::ReportOptions {
        instance_label: args.instance.display().to_string(),
        panels_label: args.panels.display().to_string(),
        report_label: out.display().to_string(),
        input_sha256: Some(hash),
        panels_sha256: Some(file_sha256(&args.panels)?),
        input_is_file: args.instance.is_file(),
        target_share: args.target,
        price_time_limit: (!args.no_price)
            .then(|| std::time::Duration::from_secs(args.price_timeout)),
        lang: args.lang.map(Into::into),
        draw_log,
    };
    let figures = crate::report::figures(&inst, &panels, &opts);
    let text = crate::report::render(&figures, format);
    let mut staged = crate::io::Outputs::new();
    staged
        .file(out, text.as_bytes())
        .map_err(|e| Failure::Other(e.to_string()))?;
    commit(staged)?;
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
            out.display(),
            t.elapsed().as_secs_f64()
        ),
    );
    Ok(())
}

/// The report format of a file name (exit 2 for any other extension).
fn report_format(path: &Path) -> Result<crate::report::ReportFormat, Failure> {
    crate::report::ReportFormat::from_path(path).ok_or_else(|| {
        Failure::BadInput(format!(
            "{}: a report must end in .html, .md or .json",
            path.display()
        ))
    })
}

/// SHA-256 of a file's bytes, in hex.
fn file_sha256(path: &Path) -> Result<String, Failure> {
    use sha2::Digest as _;
    let bytes = crate::io::read_input(path).map_err(|e| Failure::BadInput(e.to_string()))?;
    let digest = sha2::Sha256::digest(&bytes);
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// The bytes of a log given to `report --log`: exit 2 when it cannot be
/// read or is neither a draw log (`panels-draw/1`) nor a replacement's
/// log (`panels-replace/2`).
fn read_draw_log(path: &Path) -> Result<Vec<u8>, Failure> {
    let bytes = crate::io::read_input(path).map_err(|e| Failure::BadInput(e.to_string()))?;
    crate::report::draws::check_log(&bytes).map_err(|why| {
        Failure::BadInput(format!(
            "{}: --log: not a draw log or a replacement's log: {why}",
            path.display()
        ))
    })?;
    Ok(bytes)
}

/// `panels report --check REPORT INSTANCE PANELS [--log LOG]`.
fn cmd_report_check(args: &ReportArgs, report: &Path, quiet: bool) -> Result<(), Failure> {
    let format = report_format(report)?;
    let bytes = crate::io::read_input(report).map_err(|e| Failure::BadInput(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::BadInput(format!(
            "{}: not UTF-8 text; give the report (.html, .md or .json) as panels wrote it",
            report.display()
        ))
    })?;
    let (inst, hash, panels) = load_pair(&args.instance, &args.panels, quiet)?;
    let inputs = crate::report::check::Inputs {
        input_sha256: Some(hash),
        panels_sha256: Some(file_sha256(&args.panels)?),
        input_is_file: args.instance.is_file(),
        draw_log: args.log.as_deref().map(read_draw_log).transpose()?,
    };
    match crate::report::check::check(&text, format, &inst, &panels, &inputs) {
        Ok(diffs) if diffs.is_empty() => {
            println!(
                "{}: every figure and every line of text matches what {} and {} give",
                report.display(),
                args.instance.display(),
                args.panels.display()
            );
            Ok(())
        }
        Ok(diffs) => {
            println!(
                "{}: {} difference(s) from what {} and {} give:",
                report.display(),
                diffs.len(),
                args.instance.display(),
                args.panels.display()
            );
            for d in diffs {
                println!("  {d}");
            }
            Err(Failure::Violations)
        }
        Err(why) => {
            println!(
                "{}: cannot be checked: {why}; it was altered or not written by panels report",
                report.display()
            );
            Err(Failure::Violations)
        }
    }
}

fn cmd_export(args: &ExportArgs, quiet: bool) -> Result<(), Failure> {
    let Some(panels_path) = &args.panels else {
        return export_instance(args, quiet);
    };
    if args.without.is_some() {
        return Err(Failure::BadInput(
            "--without writes the round without a family of rules: give no PANELS file".into(),
        ));
    }
    let allowed: &[&str] = if args.anonymous {
        &["xlsx", "csv"]
    } else {
        &["xlsx", "csv", "json"]
    };
    check_output_path(&args.out, allowed)?;
    check_paths(&[&args.instance, panels_path], &[&args.out])?;
    let loaded = load_full(&args.instance, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let (inst, hash) = (loaded.instance, loaded.sha256);
    let panels = read_panels(panels_path, &inst, quiet)?;
    let report = crate::verify::verify(&inst, &panels);
    if !report.rules_ok() {
        print!("{}", report.render(&inst));
        eprintln!("error: the panels break the rules above; nothing exported");
        return Err(Failure::Violations);
    }
    let out = &args.out;
    let werr = |e: crate::io::WriteError| Failure::Other(e.to_string());
    let mut staged = crate::io::Outputs::new();
    if args.anonymous {
        let table = crate::report::anonymous::anonymous_table(&inst, &panels, &hash, lang);
        let bytes = if crate::io::xlsx::is_xlsx(out) {
            crate::io::xlsx::tables_xlsx_bytes(out, std::slice::from_ref(&table)).map_err(werr)?
        } else {
            crate::report::anonymous::table_csv_bytes(out, &table).map_err(werr)?
        };
        staged.file(out, &bytes).map_err(werr)?;
    } else {
        crate::io::stage_panels_in(&mut staged, out, &panels, &inst, lang).map_err(werr)?;
    }
    commit(staged)?;
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
    check_paths(&[&args.instance], &[&args.out])?;
    let loaded = load_full(&args.instance, quiet)?;
    let lang = out_lang(args.lang, loaded.lang);
    let (inst, without) = match args.without.map(crate::report::Family::from) {
        Some(family) => {
            let dropped = family.dropped(&loaded.instance);
            let dropped = if dropped.is_empty() {
                "none was in force".to_string()
            } else {
                format!("dropped {}", dropped.join(", "))
            };
            (
                family.relax(&loaded.instance),
                format!(" without the {} rules ({dropped})", family.key()),
            )
        }
        None => (loaded.instance, String::new()),
    };
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
            "exported the instance{without} ({} application(s), {} expert(s)) → {}",
            inst.applications.len(),
            inst.experts.len(),
            args.out.display()
        ),
    );
    Ok(())
}

fn cmd_template(args: &TemplateArgs, quiet: bool) -> Result<(), Failure> {
    check_output_path(&args.out, &["xlsx"])?;
    // `symlink_metadata`: a dangling link is a name taken too.
    if !args.force && std::fs::symlink_metadata(&args.out).is_ok() {
        return Err(Failure::BadInput(format!(
            "{} exists; give another name, or --force to overwrite it",
            args.out.display()
        )));
    }
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
