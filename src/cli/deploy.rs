//! `custodian iam` and `custodian lambda template`: deployment artefacts computed from policies.

use super::{load_selected, print_diagnostics, ExitCode};
use crate::deploy::{lambda_template, policy_document, TemplateOptions};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `iam`.
#[derive(Debug, clap::Args)]
pub struct IamArgs {
    /// Policy files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Only policies whose name matches this glob (repeatable).
    #[arg(short = 'p', long = "policy", value_name = "GLOB")]
    pub policies: Vec<String>,
    /// Also allow `ec2:DescribeRegions`, which `-r all` calls.
    #[arg(long)]
    pub all_regions: bool,
    /// Only what a dry run calls: the describe calls.
    #[arg(long)]
    pub dryrun: bool,
    /// Deny every change but tagging on resources with this tag (`KEY=VALUE`, or `KEY` for
    /// `KEY=true`), whatever the policies say.
    #[arg(long, value_name = "KEY=VALUE")]
    pub protect_tag: Option<crate::deploy::iam::ProtectTag>,
    /// Also allow writing run outputs there (`run -s s3://BUCKET/PREFIX`, Kubernetes jobs).
    #[arg(long, value_name = "s3://BUCKET/PREFIX")]
    pub output_url: Option<String>,
}

/// Prints the least-privilege IAM policy document for the policies.
pub fn iam(args: IamArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    match load_selected(&args.paths, &args.policies) {
        Ok(policies) => {
            let mut doc = policy_document(&policies, args.all_regions, args.dryrun);
            if let Some(tag) = &args.protect_tag {
                crate::deploy::iam::protect(&mut doc, tag);
            }
            if let Some(url) = &args.output_url {
                if let Err(e) = crate::deploy::iam::allow_outputs(&mut doc, url) {
                    let _ = writeln!(err, "--output-url: {e}");
                    return ExitCode::InvalidInput;
                }
            }
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            ExitCode::Success
        }
        Err(diags) => {
            print_diagnostics(&diags, err);
            ExitCode::InvalidInput
        }
    }
}

/// Arguments of `lambda`.
#[derive(Debug, clap::Args)]
pub struct LambdaArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LambdaCommand,
}

/// `lambda` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum LambdaCommand {
    /// Write the CloudFormation template of the scheduled function: one function for every
    /// periodic policy, one EventBridge rule per distinct schedule, a least-privilege role.
    Template(TemplateArgs),
}

/// Arguments of `lambda template`.
#[derive(Debug, clap::Args)]
pub struct TemplateArgs {
    /// Policy files or directories (only `mode: periodic` policies are deployed).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Bucket for run outputs (resources.json, metadata.json, summary.json per run).
    #[arg(long, value_name = "BUCKET")]
    pub output_bucket: Option<String>,
    /// Key prefix for run outputs.
    #[arg(long, value_name = "PREFIX", default_value = "custodian")]
    pub output_prefix: String,
    /// The function's name.
    #[arg(long, value_name = "NAME", default_value = "custodian")]
    pub function_name: String,
    /// Region(s) the function runs the policies in (repeatable; `all` for every enabled
    /// region). Default: the function's own region.
    #[arg(short = 'r', long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Report-only deployment: every rule asks for a dry run and the role can only describe.
    #[arg(long)]
    pub dryrun: bool,
    /// Deny every change but tagging on resources with this tag (`KEY=VALUE`, or `KEY` for
    /// `KEY=true`), whatever the policies say.
    #[arg(long, value_name = "KEY=VALUE")]
    pub protect_tag: Option<crate::deploy::iam::ProtectTag>,
    /// Write the template here instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// An organization hub over the accounts of this c7n-org accounts file (bundled into the
    /// schedules): Step Functions fans the policies out to every account and region.
    #[arg(long = "org", value_name = "ACCOUNTS.yml", conflicts_with = "organization")]
    pub org: Option<PathBuf>,
    /// An organization hub over AWS Organizations' accounts, listed at each run.
    #[arg(long)]
    pub organization: bool,
    /// With --organization: only these OU subtrees (path or id; repeatable; default the root).
    #[arg(long = "ou", value_name = "PATH_OR_ID", requires = "organization")]
    pub ous: Vec<String>,
    /// The hub's schedules' time zone (IANA name).
    #[arg(long, default_value = "UTC", value_name = "TZ")]
    pub timezone: String,
}

/// Runs a `lambda` subcommand.
pub fn lambda(args: LambdaArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    match args.command {
        LambdaCommand::Template(a) => template(a, out, err),
    }
}

fn template(args: TemplateArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let policies = match crate::policy::load(&args.paths) {
        Ok(p) => p,
        Err(diags) => {
            print_diagnostics(&diags, err);
            return ExitCode::InvalidInput;
        }
    };
    if let Some(bad) = args.output_bucket.as_deref().and_then(bucket_problem) {
        let _ = writeln!(err, "--output-bucket: {bad}");
        return ExitCode::InvalidInput;
    }
    if !is_function_name(&args.function_name) {
        let _ = writeln!(
            err,
            "--function-name '{}': use 1-64 letters, digits, '-' or '_'",
            args.function_name
        );
        return ExitCode::InvalidInput;
    }
    if args.org.is_some() || args.organization {
        if args.protect_tag.is_some() {
            let _ = writeln!(
                err,
                "--protect-tag is not supported for the organization hub yet: add the Deny to the member role by hand (see `custodian iam --protect-tag`)"
            );
            return ExitCode::InvalidInput;
        }
        return hub(&policies, args, out, err);
    }
    let options = TemplateOptions {
        function_name: args.function_name,
        output_bucket: args.output_bucket,
        output_prefix: args.output_prefix.trim_matches('/').to_string(),
        regions: args.regions,
        dry_run: args.dryrun,
        protect_tag: args.protect_tag,
    };
    let template = match lambda_template(&policies, &options) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::InvalidInput;
        }
    };
    write_template(&template, args.output.as_deref(), out, err)
}

/// The organization hub's template (`--org FILE` or `--organization`).
fn hub(policies: &[crate::policy::Policy], args: TemplateArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    use crate::deploy::hub::{hub_template, AccountSource, HubOptions};
    if jiff::tz::TimeZone::get(&args.timezone).is_err() {
        let _ = writeln!(
            err,
            "--timezone '{}': not an IANA time zone (e.g. Europe/Paris, UTC)",
            args.timezone
        );
        return ExitCode::InvalidInput;
    }
    let accounts = match &args.org {
        Some(file) => {
            let shown = file.display().to_string();
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => {
                    let _ = writeln!(err, "{shown}: {e}");
                    return ExitCode::InvalidInput;
                }
            };
            let accounts = match crate::org::accounts::parse(&shown, &text) {
                Ok(a) => a,
                Err(d) => {
                    print_diagnostics(&d, err);
                    return ExitCode::InvalidInput;
                }
            };
            if let Some(a) = accounts.iter().find(|a| a.profile.is_some()) {
                let _ = writeln!(err, "{shown}: account {}: a hub has no AWS profiles; give it a role", a.name);
                return ExitCode::InvalidInput;
            }
            AccountSource::Bundled(accounts.iter().map(|a| a.to_json()).collect())
        }
        None => AccountSource::Organization {
            ous: if args.ous.is_empty() { vec!["/".into()] } else { args.ous.clone() },
        },
    };
    let options = HubOptions {
        function_name: args.function_name.clone(),
        output_bucket: args.output_bucket.clone(),
        output_prefix: args.output_prefix.trim_matches('/').to_string(),
        accounts,
        regions: args.regions.clone(),
        timezone: args.timezone.clone(),
        dry_run: args.dryrun,
    };
    match hub_template(policies, &options) {
        Ok(t) => write_template(&t, args.output.as_deref(), out, err),
        Err(e) => {
            let _ = writeln!(err, "{e}");
            ExitCode::InvalidInput
        }
    }
}

fn write_template(template: &serde_json::Value, output: Option<&std::path::Path>, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let text = serde_json::to_string_pretty(template).unwrap_or_default() + "\n";
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                let _ = writeln!(err, "cannot write {}: {e}", path.display());
                return ExitCode::InvalidInput;
            }
        }
        None => {
            let _ = write!(out, "{text}");
        }
    }
    ExitCode::Success
}

fn is_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Why a bucket name is not a valid S3 bucket name, if it is not.
fn bucket_problem(name: &str) -> Option<String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let ends_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric()) && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !(3..=63).contains(&name.len()) || !ok_chars || !ends_ok {
        return Some(format!(
            "'{name}' is not a bucket name (3-63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit)"
        ));
    }
    None
}
