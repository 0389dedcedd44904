//! The function's configuration, from its environment (set by the deployment template).

use std::path::PathBuf;
use std::time::Duration;

/// Time kept in hand at the end of an invocation to write outputs and answer.
pub const DEFAULT_RESERVE: Duration = Duration::from_secs(10);

/// What the function is told by its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `CUSTODIAN_POLICIES`: a policy file or directory to load instead of the bundled policies.
    pub policies_path: Option<PathBuf>,
    /// `CUSTODIAN_OUTPUT_BUCKET`: where run outputs go (none: not written anywhere but logs).
    pub output_bucket: Option<String>,
    /// `CUSTODIAN_OUTPUT_PREFIX` (default `custodian`): key prefix in the bucket.
    pub output_prefix: String,
    /// `CUSTODIAN_REGIONS`: comma-separated regions, or `all` (default: the function's region).
    pub regions: Vec<String>,
    /// `CUSTODIAN_DEADLINE_RESERVE_MS`: stop starting work this long before the deadline.
    pub reserve: Duration,
    /// `CUSTODIAN_DRYRUN=true`: a report-only function; every invocation, scheduled or event,
    /// is a dry run.
    pub report_only: bool,
    /// `CUSTODIAN_HUB=true`: the function of an organization hub (plan, worker, summary).
    pub hub: bool,
    /// `CUSTODIAN_MEMBER_ROLE` (default `custodian-member`): the role a hub assumes in
    /// accounts listed from AWS Organizations.
    pub member_role: String,
}

impl Config {
    /// Reads the configuration from environment variables (through `var`, so tests need no
    /// process environment).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let non_empty = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let reserve = match non_empty("CUSTODIAN_DEADLINE_RESERVE_MS") {
            Some(ms) => Duration::from_millis(
                ms.parse()
                    .map_err(|_| format!("CUSTODIAN_DEADLINE_RESERVE_MS '{ms}' is not a whole number of milliseconds"))?,
            ),
            None => DEFAULT_RESERVE,
        };
        Ok(Config {
            policies_path: non_empty("CUSTODIAN_POLICIES").map(PathBuf::from),
            output_bucket: non_empty("CUSTODIAN_OUTPUT_BUCKET"),
            output_prefix: non_empty("CUSTODIAN_OUTPUT_PREFIX")
                .map(|p| p.trim_matches('/').to_string())
                .unwrap_or_else(|| "custodian".into()),
            regions: non_empty("CUSTODIAN_REGIONS")
                .map(|r| r.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
            reserve,
            report_only: flag(non_empty("CUSTODIAN_DRYRUN"), "CUSTODIAN_DRYRUN")?,
            hub: flag(non_empty("CUSTODIAN_HUB"), "CUSTODIAN_HUB")?,
            member_role: non_empty("CUSTODIAN_MEMBER_ROLE").unwrap_or_else(|| "custodian-member".into()),
        })
    }

    /// [`Config::from_vars`] over the process environment.
    pub fn from_env() -> Result<Config, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }
}

fn flag(value: Option<String>, name: &str) -> Result<bool, String> {
    match value.as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(format!("{name} '{other}' must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_setting_with_defaults() {
        let c = Config::from_vars(|_| None).unwrap();
        assert_eq!(c.output_prefix, "custodian");
        assert_eq!((c.output_bucket, c.regions, c.reserve), (None, vec![], DEFAULT_RESERVE));
        let c = Config::from_vars(|n| {
            Some(
                match n {
                    "CUSTODIAN_OUTPUT_BUCKET" => "audit",
                    "CUSTODIAN_OUTPUT_PREFIX" => "/runs/",
                    "CUSTODIAN_REGIONS" => "us-east-1, eu-west-1",
                    "CUSTODIAN_DEADLINE_RESERVE_MS" => "2500",
                    _ => return None,
                }
                .to_string(),
            )
        })
        .unwrap();
        assert_eq!(c.output_bucket.as_deref(), Some("audit"));
        assert_eq!(c.output_prefix, "runs");
        assert_eq!(c.regions, ["us-east-1", "eu-west-1"]);
        assert_eq!(c.reserve, Duration::from_millis(2500));
        let e = Config::from_vars(|n| (n == "CUSTODIAN_DEADLINE_RESERVE_MS").then(|| "soon".to_string())).unwrap_err();
        assert!(e.contains("'soon' is not a whole number"), "{e}");
    }
}
