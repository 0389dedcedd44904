//! `custodian schedule explain SCHEDULE_OR_TAG [--tz ZONE] [--from RFC3339] [--next N]`

use super::ExitCode;
use crate::schedule::{explain, Holidays};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `schedule`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

/// `schedule` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ScheduleCommand {
    /// Print the next on/off transitions of a schedule, in local time and UTC.
    Explain(ExplainArgs),
}

/// Arguments of `schedule explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A schedule tag value (`off=(M-F,19);on=(M-F,7);tz=pt`; empty for the defaults) or
    /// cron transitions (`off=cron(30 19 * * MON-FRI);on=cron(0 7 * * MON-FRI);tz=Europe/Berlin`).
    pub schedule: String,
    /// Zone when the schedule names none (c7n's default: et).
    #[arg(long, default_value = "et")]
    pub tz: String,
    /// Start from this instant (RFC 3339); default now.
    #[arg(long, value_name = "RFC3339")]
    pub from: Option<String>,
    /// How many transitions.
    #[arg(long, default_value_t = 6)]
    pub next: usize,
    /// A holiday (YYYY-MM-DD or yearly MM-DD); repeatable.
    #[arg(long = "holiday", value_name = "DATE")]
    pub holidays: Vec<String>,
    /// A holidays file: one date a line, `#` comments.
    #[arg(long, value_name = "FILE")]
    pub holidays_file: Option<PathBuf>,
}

/// Runs `custodian schedule`.
pub fn schedule(args: ScheduleArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let ScheduleCommand::Explain(a) = args.command;
    let from = match &a.from {
        None => jiff::Timestamp::now(),
        Some(t) => match t.parse() {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "--from: '{t}' is not an RFC 3339 instant ({e})");
                return ExitCode::InvalidInput;
            }
        },
    };
    let mut holidays = Holidays::default();
    for h in &a.holidays {
        if let Err(e) = holidays.add(h) {
            let _ = writeln!(err, "--holiday: {e}");
            return ExitCode::InvalidInput;
        }
    }
    if let Some(path) = &a.holidays_file {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "{}: {e}", path.display());
                return ExitCode::InvalidInput;
            }
        };
        if let Err((line, e)) = holidays.add_file(&text) {
            let _ = writeln!(err, "{}:{line}: {e}", path.display());
            return ExitCode::InvalidInput;
        }
    }
    match explain::parse(&a.schedule, &a.tz) {
        Ok(e) => {
            let _ = write!(out, "{}", explain::render(&e, from, a.next, &holidays));
            ExitCode::Success
        }
        Err(e) => {
            let _ = writeln!(err, "schedule '{}': {e}", a.schedule);
            ExitCode::InvalidInput
        }
    }
}
