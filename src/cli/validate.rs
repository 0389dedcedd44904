//! `custodian validate PATHS...`

use super::{print_diagnostics, ExitCode};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Policy files or directories (searched recursively for *.yml / *.yaml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Validates every file and reports every error at once.
pub fn validate(args: ValidateArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
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
