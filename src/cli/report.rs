//! `custodian report -s OUTPUT_DIR [--format ...] PATHS...`

use super::{load_selected, print_diagnostics, ExitCode};
use crate::report::output::read_policy_outputs;
use crate::report::{render, Format, ReportEntry};
use std::io::Write;
use std::path::PathBuf;

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned text table.
    Table,
    /// CSV, every field quoted, formula injection escaped.
    Csv,
    /// JSON list of `{policy, region, resource}`.
    Json,
    /// Pull-request-ready Markdown summary.
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Policy files or directories (the policies whose results to report).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The run's output directory.
    #[arg(short = 's', long = "output-dir", default_value = super::run::DEFAULT_OUTPUT_DIR)]
    pub output_dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// Only policies whose name matches this glob (repeatable).
    #[arg(short = 'p', long = "policies", value_name = "NAME_GLOB")]
    pub policies: Vec<String>,
}

/// Runs `custodian report`.
pub fn report(args: ReportArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let policies = match load_selected(&args.paths, &args.policies) {
        Ok(p) => p,
        Err(diags) => {
            print_diagnostics(&diags, err);
            return ExitCode::InvalidInput;
        }
    };
    let mut entries = Vec::new();
    let mut missing = Vec::new();
    for p in &policies {
        match read_policy_outputs(&args.output_dir, &p.name) {
            Ok(outputs) if outputs.is_empty() => missing.push(p.name.clone()),
            Ok(outputs) => entries.extend(outputs.into_iter().map(|o| ReportEntry {
                policy: p.name.clone(),
                kind: p.kind,
                region: o.region,
                resources: o.resources,
                metadata: o.metadata,
            })),
            Err(e) => {
                let _ = writeln!(err, "{e}");
                return ExitCode::InvalidInput;
            }
        }
    }
    if entries.is_empty() {
        let _ = writeln!(
            err,
            "no results in {} for these policies: run 'custodian run -s {} ...' first",
            args.output_dir.display(),
            args.output_dir.display()
        );
        return ExitCode::InvalidInput;
    }
    for m in &missing {
        let _ = writeln!(err, "note: no results for policy '{m}' in {}", args.output_dir.display());
    }
    let _ = write!(out, "{}", render(args.format.into(), &entries));
    ExitCode::Success
}
