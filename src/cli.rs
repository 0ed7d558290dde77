//! The command line (in progress).
use clap::Parser;

/// `panels` command line.
#[derive(Parser, Debug)]
pub struct Cli {}

/// Runs the command line.
pub fn main_with(_cli: Cli) -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
