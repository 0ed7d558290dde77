//! Progress on stderr for the long phases of a large round (reading,
//! candidates, solve, pricing), with indicatif.
//!
//! Bars draw only when stderr is a terminal (indicatif's stderr target
//! hides itself otherwise) and never with `--quiet`; they are cleared when
//! a phase ends, so they leave nothing in logs or in output files.
//!
//! A [`ProgressSink`] instead keeps the newest bar (undrawn) where another
//! thread can read it: the console sends it to the browser.

use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether, and where, to show progress.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    enabled: bool,
    sink: Option<Arc<ProgressSink>>,
}

/// Where an observer (the console) reads the phase in progress: the newest
/// bar or spinner, never drawn.
#[derive(Debug, Default)]
pub struct ProgressSink {
    current: Mutex<Option<ProgressBar>>,
}

/// A reading of a [`ProgressSink`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProgressReading {
    /// The phase, e.g. `candidates` or `pricing`.
    pub what: String,
    /// Steps done.
    pub done: u64,
    /// Steps in all, when known.
    pub total: Option<u64>,
}

impl ProgressSink {
    /// The newest phase and how far it is, if any phase has started.
    pub fn reading(&self) -> Option<ProgressReading> {
        let guard = self.current.lock().ok()?;
        let bar = guard.as_ref()?;
        Some(ProgressReading {
            what: bar.message(),
            done: bar.position(),
            total: bar.length(),
        })
    }

    fn track(&self, len: Option<u64>, what: String) -> ProgressBar {
        let bar = ProgressBar::hidden();
        if let Some(len) = len {
            bar.set_length(len);
        }
        bar.set_message(what);
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some(bar.clone());
        }
        bar
    }
}

impl Progress {
    /// Progress on stderr when `enabled` (and stderr is a terminal).
    pub fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            sink: None,
        }
    }

    /// No progress at all.
    pub fn hidden() -> Progress {
        Progress::new(false)
    }

    /// Progress kept in `sink` for another thread to read, not drawn.
    pub fn observed(sink: Arc<ProgressSink>) -> Progress {
        Progress {
            enabled: false,
            sink: Some(sink),
        }
    }

    /// A bar of `len` steps named `what`.
    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        if let Some(sink) = &self.sink {
            return sink.track(Some(len), what.to_string());
        }
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
        if let Some(sink) = &self.sink {
            return sink.track(Some(total), what.to_string());
        }
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
        if let Some(sink) = &self.sink {
            return sink.track(None, what.into());
        }
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
