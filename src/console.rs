//! Standard output and error without panics.
//!
//! `println!` panics when standard output is closed (`panels verify … |
//! head`) or full (`> /dev/full`). The command line prints through
//! [`out`] and [`err`] instead (its `println!`-style macros call them):
//!
//! - a closed pipe (`EPIPE`) ends the printing quietly: nothing more is
//!   printed and the command's own exit code stands;
//! - any other failure to write standard output (a full disk) is kept and
//!   [`finish`] turns it into a message and exit 4;
//! - standard error is best effort: if it cannot be written there is no
//!   one to tell, and the exit code says the outcome.

use std::fmt;
use std::io::Write;
use std::sync::Mutex;

/// State of standard output: the first failure, if any.
#[derive(Default)]
struct State {
    closed: bool,
    failed: Option<String>,
}

static STDOUT: Mutex<State> = Mutex::new(State {
    closed: false,
    failed: None,
});

fn record(state: &mut State, e: &std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        state.closed = true;
    } else if state.failed.is_none() {
        state.failed = Some(format!("cannot write to standard output: {e}"));
    }
}

/// Prints to standard output; failures are kept for [`finish`].
pub fn out(args: fmt::Arguments<'_>) {
    let mut state = STDOUT.lock().unwrap_or_else(|p| p.into_inner());
    if state.closed || state.failed.is_some() {
        return;
    }
    let mut lock = std::io::stdout().lock();
    if let Err(e) = lock.write_fmt(args) {
        record(&mut state, &e);
    }
}

/// Prints to standard error, best effort.
pub fn err(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// Flushes standard output. `Some(message)` when something could not be
/// written for another reason than a closed pipe (exit 4).
pub fn finish() -> Option<String> {
    let mut state = STDOUT.lock().unwrap_or_else(|p| p.into_inner());
    if !state.closed && state.failed.is_none() {
        if let Err(e) = std::io::stdout().lock().flush() {
            record(&mut state, &e);
        }
    }
    state.failed.clone()
}
