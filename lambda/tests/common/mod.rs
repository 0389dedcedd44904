//! Shared by the Lambda tests: moto (started by scripts/test.sh on 127.0.0.1), its seed and
//! state helpers, and fixtures.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;

pub mod runtime;

#[path = "../../../tests/support/stand_in.rs"]
mod stand_in;
#[allow(unused_imports)]
pub use stand_in::StandIn;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The function's configuration from an empty environment, in `region`.
pub fn config(region: &str) -> custodian_lambda::Config {
    custodian_lambda::Config {
        regions: vec![region.to_string()],
        ..custodian_lambda::Config::from_vars(|_| None).unwrap()
    }
}

/// A handler over the policies in `yaml` (through `CUSTODIAN_POLICIES`), in `region`.
pub fn handler_with_policies(region: &str, yaml: &str) -> (tempfile::TempDir, custodian_lambda::Handler) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policies.yml");
    std::fs::write(&file, yaml).unwrap();
    let handler = custodian_lambda::setup(&custodian_lambda::Config {
        policies_path: Some(file),
        ..config(region)
    })
    .unwrap();
    (dir, handler)
}

/// moto's endpoint and the Python that has boto3.
pub fn moto() -> (String, String) {
    let endpoint = std::env::var("CUSTODIAN_MOTO_ENDPOINT")
        .expect("CUSTODIAN_MOTO_ENDPOINT is unset: run the tests with ./scripts/test.sh, which starts moto");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "tests only talk to loopback");
    let python = std::env::var("CUSTODIAN_MOTO_PYTHON").expect("CUSTODIAN_MOTO_PYTHON is unset: run ./scripts/test.sh");
    (endpoint, python)
}

/// Points this process's AWS SDK at moto with fake credentials and no configuration files.
pub fn use_moto() -> String {
    static ONCE: Once = Once::new();
    let (endpoint, _) = moto();
    ONCE.call_once(|| {
        for (k, v) in [
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ] {
            std::env::set_var(k, v);
        }
        for k in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"] {
            std::env::remove_var(k);
        }
    });
    endpoint
}

/// Runs a helper script from `tests/moto` against moto; its JSON output.
pub fn helper(script: &str, args: &[&str]) -> Value {
    let (endpoint, python) = moto();
    let out = Command::new(python)
        .arg(root().join("tests/moto").join(script))
        .arg(&endpoint)
        .args(args)
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Seeds a region with the end-to-end scenario; returns its ids.
pub fn seed(region: &str) -> Value {
    helper("seed.py", &[region])
}

/// A region's instances, spot requests and DB instances.
pub fn state(region: &str) -> Value {
    helper("state.py", &[region])
}

/// One id from the seed's output (a string, or the first of a list).
pub fn id<'a>(ids: &'a Value, key: &str) -> &'a str {
    ids[key].as_str().or_else(|| ids[key][0].as_str()).unwrap()
}

/// A JSON fixture from `lambda/tests/fixtures`.
pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Creates a queue, a topic and a queue subscribed to it, all called `name`; their ids.
pub fn message_plumbing(region: &str, name: &str) -> Value {
    helper("messages.py", &[region, "setup", name])
}

/// Stores `value` as the SSM SecureString parameter `name`.
pub fn put_secure_parameter(region: &str, name: &str, value: &str) {
    helper("messages.py", &[region, "param", name, value]);
}

/// The messages waiting on a queue (`body`, `attributes`), removed from it.
pub fn read_queue(region: &str, url: &str) -> Vec<Value> {
    match helper("messages.py", &[region, "read", url]) {
        Value::Array(v) => v,
        other => panic!("{other}"),
    }
}

/// An event fixture from `examples/events` with its example ids and region replaced.
pub fn event(name: &str, replace: &[(&str, &str)]) -> Value {
    let mut text = std::fs::read_to_string(root().join("examples/events").join(name)).unwrap();
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap()
}

/// A Slack incoming-webhook stand-in on 127.0.0.1: answers each POST with the next status of
/// its script (the last one repeats; 429s carry `Retry-After: 1`) and keeps the bodies.
pub struct SlackStandIn {
    /// The webhook URL.
    pub url: String,
    bodies: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl SlackStandIn {
    /// Starts one answering `statuses` in turn.
    pub fn start(statuses: &[u16]) -> SlackStandIn {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/services/T0/B0/secret-token", listener.local_addr().unwrap());
        let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (seen, script) = (bodies.clone(), statuses.to_vec());
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                seen.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                let status = script[n.min(script.len() - 1)];
                let extra = if status == 429 { "Retry-After: 1\r\n" } else { "" };
                let reply = if status == 200 { "ok" } else { "error" };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            }
        });
        SlackStandIn { url, bodies }
    }

    /// The bodies posted so far.
    pub fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

/// An S3 client in `region` on this process's credentials, path-style (moto on loopback).
pub async fn s3_client(region: &str) -> aws_sdk_s3::Client {
    let sdk = custodian_aws::clients::sdk_loader()
        .region(aws_config::Region::new(region.to_string()))
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build())
}

/// Creates `bucket` in `region` with `s3`.
pub async fn create_bucket(s3: &aws_sdk_s3::Client, bucket: &str, region: &str) {
    s3.create_bucket()
        .bucket(bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                .build(),
        )
        .send()
        .await
        .unwrap();
}
