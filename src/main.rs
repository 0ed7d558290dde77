//! The `panels` command line: parses arguments and hands over to the library.
use clap::Parser;

/// The program's allocator (the `mimalloc` feature, on by default): the
/// loader makes a million small strings and lists for a history of a
/// hundred thousand records, and mimalloc hands them out faster than the
/// system's.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match panels::cli::Cli::try_parse() {
        Ok(cli) => panels::cli::main_with(cli),
        Err(e) => parse_failure(&e),
    }
}

/// Help and version go to standard output through the console (a closed
/// pipe ends quietly, a full disk is exit 4 with a message, as for every
/// command); a bad argument is clap's message on standard error, exit 2.
fn parse_failure(e: &clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    use std::io::IsTerminal as _;
    let to_stdout = e.exit_code() == 0;
    let terminal = if to_stdout {
        std::io::stdout().is_terminal()
    } else {
        std::io::stderr().is_terminal()
    };
    if terminal {
        // clap's own printing, in colour.
        let _ = e.print();
        return std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    }
    let text = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            if to_stdout =>
        {
            panels::console::out(format_args!("{text}"));
            match panels::console::finish() {
                Some(m) => {
                    panels::console::err(format_args!("error: {m}\n"));
                    std::process::ExitCode::from(4)
                }
                None => std::process::ExitCode::SUCCESS,
            }
        }
        _ => {
            panels::console::err(format_args!("{text}"));
            std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
    }
}
