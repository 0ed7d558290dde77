//! Progress on stderr for the long phases of a large round (reading,
//! candidates, solve, pricing), with indicatif.
//!
//! Bars draw only when stderr is a terminal (indicatif's stderr target
//! hides itself otherwise) and never with `--quiet`; they are cleared when
//! a phase ends, so they leave nothing in logs or in output files.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether, and where, to show progress.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Progress on stderr when `enabled` (and stderr is a terminal).
    pub fn new(enabled: bool) -> Progress {
        Progress { enabled }
    }

    /// No progress at all.
    pub fn hidden() -> Progress {
        Progress { enabled: false }
    }

    /// A bar of `len` steps named `what`.
    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({elapsed}, eta {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar
    }

    /// A bar of `total` bytes named `what` (reading input).
    pub fn bytes(&self, total: u64, what: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>12} [{bar:40}] {bytes}/{total_bytes} ({elapsed}, eta {eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar
    }

    /// A spinner for a phase of unknown length.
    pub fn spinner(&self, what: impl Into<String>) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(what.into());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    }
}
