//! moto with IAM enforced, and a check of IAM policy documents that does not depend on moto:
//! shared by the CLI and Lambda tests (included with `#[path]`) that prove a generated role can
//! do its job with exactly its permissions. See `tests/moto/iam.py`.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account moto answers for.
pub const ACCOUNT: &str = "123456789012";
/// The member role's name in the organization templates.
pub const MEMBER_ROLE: &str = "custodian-member";

/// `tests/moto`, from the including crate's directory.
fn tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|p| p.join("tests/moto"))
        .find(|p| p.is_dir())
        .expect("tests/moto is in the checkout")
}

/// moto's Python (scripts/test.sh installs it).
fn python() -> String {
    std::env::var("CUSTODIAN_MOTO_PYTHON").expect("CUSTODIAN_MOTO_PYTHON is unset: run ./scripts/test.sh")
}

/// A moto server of its own with IAM enforced after an administrator is made.
pub struct EnforcedMoto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    admin: (String, String),
}

impl EnforcedMoto {
    /// Starts one, with an administrator; IAM is enforced from then on.
    pub fn start() -> EnforcedMoto {
        let mut moto = EnforcedMoto::open();
        moto.enforce();
        moto
    }

    /// Starts one that does not enforce IAM yet: what only an open moto can set up (roles in
    /// member accounts) is set up before [`EnforcedMoto::enforce`].
    pub fn open() -> EnforcedMoto {
        let python = python();
        let server = Path::new(&python).with_file_name("moto_server");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let start = Instant::now();
        while !answers(port) {
            assert!(start.elapsed() < Duration::from_secs(60), "moto did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        let endpoint = format!("http://127.0.0.1:{port}");
        EnforcedMoto {
            child,
            endpoint,
            admin: ("testing".into(), "testing".into()),
        }
    }

    /// Makes the administrator, then enforces IAM from the next request on.
    pub fn enforce(&mut self) {
        let admin = self.helper("iam.py", &["admin"]);
        self.admin = (admin["key"].as_str().unwrap().into(), admin["secret"].as_str().unwrap().into());
    }

    /// A helper script of `tests/moto` run as the administrator; its JSON output.
    pub fn helper(&self, script: &str, args: &[&str]) -> Value {
        let out = Command::new(python())
            .arg(tools().join(script))
            .arg(&self.endpoint)
            .args(args)
            .env("AWS_ACCESS_KEY_ID", &self.admin.0)
            .env("AWS_SECRET_ACCESS_KEY", &self.admin.1)
            .output()
            .expect("python runs");
        assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// Credentials of a role holding exactly `policies` (`[{PolicyName, PolicyDocument}]`).
    pub fn role(&self, name: &str, policies: &Value) -> (String, String, String) {
        let c = self.helper("iam.py", &["role", name, &policies.to_string()]);
        let s = |k: &str| c[k].as_str().unwrap().to_string();
        (s("key"), s("secret"), s("token"))
    }
}

/// Whether moto answers `GET /moto-api/` on `port`.
fn answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut conn) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    if conn
        .write_all(b"GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    conn.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// One enforced moto at a time: each seeds and runs a whole function (two cores).
pub static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Drop for EnforcedMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `Fn::Sub`, `Fn::GetAtt` of the log group and `Ref` of the account, as CloudFormation fills
/// them in.
pub fn resolve(v: &Value, region: &str) -> Value {
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("Fn::Sub") => {
            let (mut text, vars) = match &m["Fn::Sub"] {
                Value::Array(parts) => (parts[0].as_str().unwrap().to_string(), parts.get(1).cloned().unwrap_or(json!({}))),
                other => (other.as_str().unwrap().to_string(), json!({})),
            };
            for (name, value) in vars.as_object().unwrap() {
                let value = resolve(value, region);
                text = text.replace(&format!("${{{name}}}"), value.as_str().unwrap_or_default());
            }
            json!(text
                .replace("${AWS::Partition}", "aws")
                .replace("${AWS::AccountId}", ACCOUNT)
                .replace("${AWS::Region}", region)
                .replace("${MemberRoleName}", MEMBER_ROLE)
                .replace("${!", "${"))
        }
        Value::Object(m) if m.len() == 1 && m.contains_key("Fn::GetAtt") => match m["Fn::GetAtt"][0].as_str() {
            Some("FailedInvocations") => json!(format!("arn:aws:sqs:{region}:{ACCOUNT}:custodian-FailedInvocations")),
            _ => json!(format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/custodian:*")),
        },
        Value::Object(m) if m.get("Ref") == Some(&json!("AWS::AccountId")) => json!(ACCOUNT),
        Value::Object(m) if m.get("Ref") == Some(&json!("OrganizationId")) => json!("o-exampleorgid"),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), resolve(v, region))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(v, region)).collect()),
        other => other.clone(),
    }
}

/// The policies as moto can evaluate them, and what that leaves unchecked by moto. moto
/// matches a statement's `Resource` only for S3 (every other request's resource is `*`), and
/// denies whenever a statement names a `Condition` (it is given no request context): so
/// conditions are dropped (an `Allow` then grants more than AWS would; the condition is held
/// by `permits` instead), and non-S3 resources become `*`.
pub fn moto_view(policies: &Value) -> (Value, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = policies.clone();
    for p in out.as_array_mut().unwrap() {
        for s in p["PolicyDocument"]["Statement"].as_array_mut().unwrap() {
            if let Some(c) = s.as_object_mut().unwrap().remove("Condition") {
                if s["Effect"] == "Deny" {
                    // Without its condition it would deny everything: left out.
                    notes.push(format!("deny of {} when {c}", s["Action"]));
                    s["Action"] = json!([]);
                    continue;
                }
                notes.push(format!("condition {c} on {}", s["Action"]));
            }
            let resources: Vec<Value> = match &s["Resource"] {
                Value::Array(r) => r.clone(),
                one => vec![one.clone()],
            };
            // moto matches S3 object and STS role ARNs; every other request's resource is `*`.
            let assume_only = list(&s["Action"]).iter().all(|a| *a == "sts:AssumeRole");
            if !assume_only
                && resources
                    .iter()
                    .any(|r| r != "*" && !r.as_str().unwrap_or("").starts_with("arn:aws:s3:::"))
            {
                notes.push(format!("resources {} of {}", s["Resource"], s["Action"]));
                s["Resource"] = json!("*");
            }
        }
    }
    for p in out.as_array_mut().unwrap() {
        p["PolicyDocument"]["Statement"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["Action"] != json!([]));
    }
    (out, notes)
}

/// One call made, as IAM sees it: the action, the resources and the request's
/// condition keys.
#[derive(Debug)]
pub struct Call {
    /// `service:Operation`.
    pub action: String,
    /// The resources it names (`*`: none).
    pub resources: Vec<String>,
    /// Its condition keys (`s3:prefix`).
    pub context: BTreeMap<String, String>,
}

/// The calls of the fault proxy's log.
pub fn calls(log: &Value) -> Vec<Call> {
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let service = e["service"].as_str().unwrap_or("");
            let region = e["region"].as_str().unwrap_or("");
            let path = e["path"].as_str().unwrap_or("");
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            let param = |k: &str| {
                query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                    .map(urlencoding_decode)
            };
            if service == "s3" {
                let key = path.trim_start_matches('/');
                let action = match (e["method"].as_str().unwrap_or(""), param("x-id"), key.contains('/')) {
                    (_, Some(op), _) => op,
                    ("GET", None, false) => "ListBucket".to_string(),
                    ("GET" | "HEAD", None, true) => "GetObject".to_string(),
                    ("PUT", None, true) => "PutObject".to_string(),
                    (m, None, _) => format!("{m}?"),
                };
                let mut context = BTreeMap::new();
                if let Some(prefix) = param("prefix") {
                    context.insert("s3:prefix".to_string(), prefix);
                }
                let resource = if action == "ListBucket" {
                    key.split('/').next().unwrap_or("").to_string()
                } else {
                    urlencoding_decode(key)
                };
                return Call {
                    action: format!("s3:{action}"),
                    resources: vec![format!("arn:aws:s3:::{resource}")],
                    context,
                };
            }
            let ids: Vec<String> = e["ids"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .map(|id| match id {
                    i if i.starts_with("arn:") => i.to_string(),
                    i if i.starts_with("i-") => format!("arn:aws:ec2:{region}:{ACCOUNT}:instance/{i}"),
                    i if i.starts_with("sir-") => format!("arn:aws:ec2:{region}:{ACCOUNT}:spot-instances-request/{i}"),
                    i if service == "rds" => format!("arn:aws:rds:{region}:{ACCOUNT}:db:{i}"),
                    i => i.to_string(),
                })
                .collect();
            Call {
                action: format!("{service}:{}", e["op"].as_str().unwrap_or("")),
                resources: if ids.is_empty() { vec!["*".into()] } else { ids },
                context: BTreeMap::new(),
            }
        })
        .collect()
}

fn urlencoding_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// IAM's wildcard match (`*` any run, `?` one character); actions case-insensitively.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

fn list(v: &Value) -> Vec<&str> {
    match v {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// Whether `policies` allow `call` on every resource it names: an `Allow` whose action,
/// resource and conditions (`StringLike`, `StringEquals`; any other operator is not
/// satisfied) match, and no matching `Deny`.
pub fn permits(policies: &Value, call: &Call) -> bool {
    let statements: Vec<&Value> = policies
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap())
        .collect();
    let applies = |s: &Value, resource: &str| {
        list(&s["Action"])
            .iter()
            .any(|a| glob(&a.to_ascii_lowercase(), &call.action.to_ascii_lowercase()))
            && list(&s["Resource"]).iter().any(|r| glob(r, resource))
            && s["Condition"].as_object().is_none_or(|ops| {
                ops.iter().all(|(op, keys)| {
                    keys.as_object().unwrap().iter().all(|(key, wanted)| {
                        let Some(got) = call.context.get(key) else { return false };
                        match op.as_str() {
                            "StringLike" => list(wanted).iter().any(|w| glob(w, got)),
                            "StringEquals" => list(wanted).contains(&got.as_str()),
                            _ => false,
                        }
                    })
                })
            })
    };
    call.resources.iter().all(|r| {
        statements.iter().any(|s| s["Effect"] == "Allow" && applies(s, r))
            && !statements.iter().any(|s| s["Effect"] == "Deny" && applies(s, r))
    })
}

/// The calls the documents do not allow, as `action resource`.
pub fn refused(policies: &Value, log: &Value) -> Vec<String> {
    calls(log)
        .iter()
        .filter(|c| !c.action.starts_with("sts:") && !permits(policies, c))
        .map(|c| format!("{} {}", c.action, c.resources.join(",")))
        .collect()
}

/// Whether AWS answered `op` naming `id` with 200 on the wire (the proxy's log).
pub fn acted_on(log: &Value, op: &str, id: &str) -> bool {
    log.as_array()
        .unwrap()
        .iter()
        .any(|e| e["op"] == op && e["status"] == 200 && e["ids"].as_array().unwrap().contains(&json!(id)))
}

/// The proxy's log split by who signed: the calls signed with access key `key`, and the others
/// (sessions it assumed).
pub fn split_by_signer(log: &Value, key: &str) -> (Value, Value) {
    let (mine, theirs): (Vec<Value>, Vec<Value>) = log.as_array().unwrap().iter().cloned().partition(|e| e["key"] == json!(key));
    (Value::Array(mine), Value::Array(theirs))
}
