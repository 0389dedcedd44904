//! Shared by the Lambda tests: moto (started by scripts/test.sh on 127.0.0.1), its seed and
//! state helpers, and fixtures.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
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

fn helper(script: &str, args: &[&str]) -> Value {
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
