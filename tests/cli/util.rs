//! A small harness: run the binary, capture its output and exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `custodian ARGS` in the repository root.
pub fn custodian<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    custodian_env(args, &[])
}

/// `custodian ARGS` in the repository root, never with real credentials, configuration or
/// endpoints (fake keys, no files, no instance metadata), plus `env`; not started.
pub fn command<I, S>(args: I, env: &[(&str, &str)]) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(env!("CARGO_BIN_EXE_custodian"));
    c.args(args)
        .current_dir(root())
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied());
    c
}

/// Runs `custodian ARGS` with extra environment variables (e.g. `AWS_ENDPOINT_URL` for moto).
pub fn custodian_env<I, S>(args: I, env: &[(&str, &str)]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = command(args, env).output().expect("the custodian binary runs");
    let o = Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!o.stderr.contains("panicked"), "custodian panicked:\n{}", o.stderr);
    o
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The ids of the documents in a `resources.json`, using `id_field`.
pub fn ids(path: &Path, id_field: &str) -> Vec<String> {
    read_json(path)
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d[id_field].as_str().expect("an id").to_string())
        .collect()
}

/// Writes `policy_yaml` to a temporary file and dry-runs it on the example account with `args`;
/// outputs go to `<tempdir>/o`.
pub fn dry_run_policy(policy_yaml: &str, args: &[&str]) -> (tempfile::TempDir, Output) {
    dry_run_policy_on("examples/account", policy_yaml, args)
}

/// [`dry_run_policy`] over the snapshot in `snapshot`.
pub fn dry_run_policy_on(snapshot: &str, policy_yaml: &str, args: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yml");
    std::fs::write(&policy, policy_yaml).unwrap();
    let out_dir = dir.path().join("o");
    let mut all = vec!["run", "--dryrun", "--snapshot", snapshot, "-s", out_dir.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push(policy.to_str().unwrap());
    let out = custodian(all);
    (dir, out)
}

#[path = "../support/stand_in.rs"]
mod stand_in;
pub use stand_in::StandIn;
