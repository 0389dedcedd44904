//! `custodian validate PATHS...`

use super::{print_diagnostics, ExitCode};
use std::io::Write;
use std::path::PathBuf;

/// `--format` values of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagnosticFormat {
    /// `file:line:col: message (help)`, the line, a caret and the help, on stderr.
    Text,
    /// A JSON list on stdout.
    Json,
    /// SARIF 2.1.0 on stdout (code scanning).
    Sarif,
    /// GitHub workflow commands on stdout (inline annotations in a pull request).
    Github,
}

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Policy files or directories (searched recursively for *.yml / *.yaml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// How to print errors and warnings.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiagnosticFormat,
}

/// Validates every file and reports every error at once.
pub fn validate(args: ValidateArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    if args.format != DiagnosticFormat::Text {
        let (diagnostics, code) = match crate::policy::load(&args.paths) {
            Ok(policies) => (
                policies.iter().flat_map(|p| p.warnings.clone()).collect::<Vec<_>>(),
                ExitCode::Success,
            ),
            Err(diags) => (diags, ExitCode::InvalidInput),
        };
        use crate::report::diagnostics::{github_annotations, json_list, sarif};
        let _ = match args.format {
            DiagnosticFormat::Json => writeln!(out, "{:#}", json_list(&diagnostics)),
            DiagnosticFormat::Sarif => writeln!(out, "{:#}", sarif(&diagnostics, env!("CARGO_PKG_VERSION"))),
            DiagnosticFormat::Github => write!(out, "{}", github_annotations(&diagnostics)),
            DiagnosticFormat::Text => Ok(()),
        };
        return code;
    }
    match crate::policy::load(&args.paths) {
        Ok(policies) => {
            super::print_warnings(&policies, err);
            let files: std::collections::BTreeSet<&str> = policies.iter().map(|p| p.source.file.as_str()).collect();
            let _ = writeln!(
                out,
                "{} polic{} valid in {} file{}",
                policies.len(),
                if policies.len() == 1 { "y" } else { "ies" },
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
            ExitCode::Success
        }
        Err(diags) => {
            print_diagnostics(&diags, err);
            ExitCode::InvalidInput
        }
    }
}
