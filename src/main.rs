//! The `panels` command line: parses arguments and hands over to the library.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = panels::cli::Cli::parse();
    panels::cli::main_with(cli)
}
