//! The `bootstrap` executable as Lambda runs it: a local implementation of the Runtime API
//! (`runtime_api.py`) serving recorded events, and the function started with Lambda's
//! environment against it. `CUSTODIAN_BOOTSTRAP` tests another build of it (the musl binary
//! inside the zip, from scripts/test-lambda-zip.sh).

use super::moto;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn bootstrap() -> PathBuf {
    std::env::var_os("CUSTODIAN_BOOTSTRAP")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_bootstrap")))
}

/// The Runtime API serving `events`; kills itself on drop.
pub struct RuntimeApi {
    child: Child,
    port: u16,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

impl RuntimeApi {
    pub fn start(events: Value) -> RuntimeApi {
        let (_, python) = moto();
        let dir = tempfile::tempdir().unwrap();
        let events_file = dir.path().join("events.json");
        std::fs::write(&events_file, events.to_string()).unwrap();
        let record = dir.path().join("record.jsonl");
        let mut child = Command::new(python)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runtime_api.py"))
            .arg(&events_file)
            .arg(&record)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the Runtime API starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().expect("the Runtime API prints its port");
        RuntimeApi {
            child,
            port,
            record,
            _dir: dir,
        }
    }

    /// The calls recorded so far.
    pub fn calls(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits until `n` answers (responses and errors, init errors included) are recorded.
    pub fn answers(&self, n: usize, function: &mut Child) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let answers: Vec<Value> = self.calls().into_iter().filter(|c| c["kind"] != "next").collect();
            if answers.len() >= n {
                return answers;
            }
            if let Ok(Some(status)) = function.try_wait() {
                if answers.len() >= n {
                    return answers;
                }
                panic!(
                    "bootstrap exited ({status}) after {} of {n} answers: {:?}",
                    answers.len(),
                    self.calls()
                );
            }
            assert!(start.elapsed() < Duration::from_secs(120), "timed out: {:?}", self.calls());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `bootstrap` as Lambda would: the Runtime API address, the function's variables,
/// and (for these tests) moto behind AWS_ENDPOINT_URL with fake credentials.
pub fn start_function(api: &RuntimeApi, extra: &[(&str, &str)]) -> Child {
    let (endpoint, _) = moto();
    start_function_at(api, &endpoint, ("testing", "testing", None), extra)
}

/// [`start_function`] against `endpoint` with these credentials (key, secret, session token).
pub fn start_function_at(api: &RuntimeApi, endpoint: &str, credentials: (&str, &str, Option<&str>), extra: &[(&str, &str)]) -> Child {
    let (key, secret, token) = credentials;
    Command::new(bootstrap())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", api.port))
        .env("AWS_LAMBDA_FUNCTION_NAME", "custodian")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/custodian")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/23/[$LATEST]0123456789abcdef")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .envs(token.map(|t| ("AWS_SESSION_TOKEN", t)))
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(extra.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bootstrap starts")
}

pub fn stop(mut function: Child) -> String {
    let _ = function.kill();
    let out = function.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
