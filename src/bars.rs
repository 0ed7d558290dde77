//! Progress bars on stderr for the long phases of a large round (reading,
//! candidates, solve, pricing), with indicatif: the command line's
//! [`ProgressObserver`].
//!
//! Bars draw only when stderr is a terminal (indicatif's stderr target
//! hides itself otherwise) and never with `--quiet`; they are cleared when
//! a phase ends, so they leave nothing in logs or in output files.

use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::solve::progress::{Progress, ProgressObserver, Unit};

/// The phase in progress, drawn on stderr.
#[derive(Debug, Default)]
pub struct TerminalBars {
    current: Mutex<Option<ProgressBar>>,
}

/// Progress drawn on stderr when `enabled` (and stderr is a terminal).
pub fn progress(enabled: bool) -> Progress {
    if enabled {
        Progress::to(Arc::new(TerminalBars::default()))
    } else {
        Progress::hidden()
    }
}

impl ProgressObserver for TerminalBars {
    fn start(&self, what: &str, len: Option<u64>, unit: Unit) {
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
        let template = match (len, unit) {
            (None, _) => "{spinner} {msg} ({elapsed})",
            (Some(_), Unit::Bytes) => {
                "{msg:>12} [{bar:40}] {bytes}/{total_bytes} ({elapsed}, eta {eta})"
            }
            (Some(_), Unit::Steps) => "{msg:>12} [{bar:40}] {pos}/{len} ({elapsed}, eta {eta})",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(if len.is_some() {
                style.progress_chars("=> ")
            } else {
                style
            });
        }
        bar.set_message(what.to_string());
        if len.is_none() {
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
        }
        if let Ok(mut guard) = self.current.lock() {
            if let Some(old) = guard.replace(bar) {
                old.finish_and_clear();
            }
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(guard) = self.current.lock() {
            if let Some(bar) = guard.as_ref() {
                bar.inc(n);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut guard) = self.current.lock() {
            if let Some(bar) = guard.take() {
                bar.finish_and_clear();
            }
        }
    }
}
