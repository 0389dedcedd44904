//! Logs and progress on standard error (stdout stays the command's own output, so
//! `custodian run ... > summary.txt` still works).
//!
//! - Level: `-q` errors only, default warnings, `-v` info (the milestones of long work, one
//!   plain line each), `-vv` debug (every AWS API call: operation, region, account, ids counted,
//!   attempt, status, duration). `RUST_LOG` (tracing's filter syntax) replaces the level.
//! - `--log-format json`: one JSON object per line.
//! - On a terminal (and not under `CI`), the milestones also drive live progress bars, with
//!   elapsed time and an estimate; off a terminal nothing is animated and no colour is written.
//!
//! Only custodian's own crates log at the chosen level; the SDK's crates stay at warnings, so
//! no request, header or credential they might trace ever appears.

use custodian_core::progress::TARGET;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-12-02T10:00:00Z  INFO target: message key=value`.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The logging flags every command takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogArgs {
    /// More on standard error: -v the milestones of long work, -vv every AWS API call.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Errors only: no warnings, no progress.
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log line format.
    #[arg(long, value_enum, default_value_t, global = true, value_name = "FORMAT")]
    pub log_format: LogFormat,
}

impl LogArgs {
    /// The filter: `RUST_LOG` when set, else custodian's crates at the flags' level.
    fn filter(&self) -> EnvFilter {
        if let Ok(spec) = std::env::var("RUST_LOG") {
            if let Ok(f) = EnvFilter::try_new(&spec) {
                return f;
            }
        }
        let (level, calls) = match (self.quiet, self.verbose) {
            (true, _) => ("error", "error"),
            (false, 0) => ("warn", "warn"),
            // -v: the milestones and one line per API call (logged at debug).
            (false, 1) => ("info", "debug"),
            _ => ("debug", "debug"),
        };
        EnvFilter::new(format!(
            "warn,custodian={level},custodian_core={level},custodian_aws={level},custodian_aws::call_log={calls}"
        ))
    }
}

/// The commands' own standard error (their messages, notes and warnings), line by line: under
/// `-q` notes and warnings are dropped; with `--log-format json` every line becomes a JSON log
/// line (`note:` and `warning:` lines at WARN, the rest at ERROR), so stderr is JSON throughout.
pub struct CommandStderr {
    quiet: bool,
    json: bool,
    line: Vec<u8>,
}

impl CommandStderr {
    /// The writer for these flags.
    pub fn new(args: &LogArgs) -> CommandStderr {
        CommandStderr {
            quiet: args.quiet,
            json: args.log_format == LogFormat::Json,
            line: Vec::new(),
        }
    }

    fn emit(&mut self) -> std::io::Result<()> {
        let line = std::mem::take(&mut self.line);
        let aside = line.starts_with(b"note: ") || line.starts_with(b"warning: ");
        if self.quiet && aside {
            return Ok(());
        }
        if !self.json {
            return std::io::stderr().write_all(&line);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches('\n');
        if aside {
            tracing::warn!(target: "custodian", "{text}");
        } else {
            tracing::error!(target: "custodian", "{text}");
        }
        Ok(())
    }
}

impl Write for CommandStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            self.line.push(b);
            if b == b'\n' {
                self.emit()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.line.is_empty() {
            self.line.push(b'\n');
            self.emit()?;
        }
        std::io::stderr().flush()
    }
}

impl Drop for CommandStderr {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Whether progress may be animated: stderr is a terminal and `CI` is unset.
fn animated(args: &LogArgs) -> bool {
    !args.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// Sets up logging (and progress bars on a terminal) for this process.
pub fn init(args: &LogArgs) {
    let bars = animated(args).then(MultiProgress::new);
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let writer = BarWriter(bars.clone());
    let fmt: Box<dyn Layer<_> + Send + Sync> = match args.log_format {
        LogFormat::Text => tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(ansi).boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(false)
            .with_writer(writer)
            .boxed(),
    };
    let progress = bars.map(|m| {
        Progress {
            multi: m,
            bars: Mutex::new(HashMap::new()),
        }
        .with_filter(tracing_subscriber::filter::filter_fn(|m| m.target() == TARGET))
    });
    let _ = tracing_subscriber::registry()
        .with(fmt.with_filter(args.filter()))
        .with(progress)
        .try_init();
}

/// Standard error, written around the progress bars (they are hidden while a line is written).
#[derive(Clone)]
struct BarWriter(Option<MultiProgress>);

impl Write for BarWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &self.0 {
            Some(m) => m.suspend(|| std::io::stderr().write_all(buf)).map(|()| buf.len()),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BarWriter {
    type Writer = BarWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The fields of one milestone event.
#[derive(Default)]
struct Milestone {
    stage: String,
    total: Option<u64>,
    step: bool,
    end: bool,
    message: String,
}

impl Visit for Milestone {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "stage" {
            self.stage = value.to_string();
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "total" {
            self.total = Some(value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        match field.name() {
            "step" => self.step = value,
            "end" => self.end = value,
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

/// Live progress bars, one per stage; an organization run shows its accounts only (each
/// account-region's own stages would flicker by).
struct Progress {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl<S: tracing::Subscriber> Layer<S> for Progress {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut m = Milestone::default();
        event.record(&mut m);
        let Ok(mut bars) = self.bars.lock() else { return };
        if bars.contains_key("accounts") && m.stage != "accounts" {
            return;
        }
        if let Some(total) = m.total {
            let bar = self.multi.add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos}/{len} {elapsed} (eta {eta}) {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(m.stage.clone());
            bars.insert(m.stage, bar);
        } else if m.step {
            if let Some(bar) = bars.get(&m.stage) {
                bar.set_message(m.message);
                bar.inc(1);
            }
        } else if m.end {
            if let Some(bar) = bars.remove(&m.stage) {
                bar.finish_and_clear();
            }
        }
    }
}
