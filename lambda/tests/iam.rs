//! The deployed function can do its job with exactly the permissions generated for it, and no
//! more. The `bootstrap` binary runs under a role holding only the inline policies of the
//! template `custodian lambda template` generates, against a moto of its own with IAM
//! enforced (`tests/moto/iam.py`): a call the code makes that the role does not allow fails
//! the invocation. Two things moto cannot evaluate are said by `moto_view` and checked a second
//! way: every call the function made (the fault proxy's log, on the wire) is held against the
//! unmodified documents by `permits`, with resource ARNs and the `s3:prefix` condition.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::runtime::{start_function_at, stop, RuntimeApi};
use common::{fixture, id, moto, root, StandIn};
use custodian_core::deploy::{lambda_template, TemplateOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ACCOUNT: &str = "123456789012";
const BUCKET: &str = "custodian-audit";

/// A moto server of its own with IAM enforced after an administrator is made.
struct EnforcedMoto {
    child: Child,
    endpoint: String,
    admin: (String, String),
}

impl EnforcedMoto {
    fn start() -> EnforcedMoto {
        let (_, python) = moto();
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
        let mut moto = EnforcedMoto {
            child,
            endpoint,
            admin: (String::new(), String::new()),
        };
        let admin = moto.helper("iam.py", &["admin"]);
        moto.admin = (admin["key"].as_str().unwrap().into(), admin["secret"].as_str().unwrap().into());
        moto
    }

    /// A helper script of `tests/moto` run as the administrator; its JSON output.
    fn helper(&self, script: &str, args: &[&str]) -> Value {
        let (_, python) = moto();
        let out = Command::new(python)
            .arg(root().join("tests/moto").join(script))
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
    fn role(&self, name: &str, policies: &Value) -> (String, String, String) {
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
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Drop for EnforcedMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The shipped policies, as the function bundles them.
fn shipped() -> Vec<custodian_core::policy::Policy> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    custodian_core::policy::load(&files).unwrap()
}

/// The function role's inline policies of the template for `region` with an output bucket,
/// CloudFormation's intrinsic functions resolved as they would be in account [`ACCOUNT`].
fn function_role(region: &str) -> Value {
    let options = TemplateOptions {
        output_bucket: Some(BUCKET.into()),
        regions: vec![region.into()],
        ..TemplateOptions::default()
    };
    let template = lambda_template(&shipped(), &options).unwrap();
    resolve(&template["Resources"]["FunctionRole"]["Properties"]["Policies"], region)
}

/// `Fn::Sub`, `Fn::GetAtt` of the log group and `Ref` of the account, as CloudFormation fills
/// them in.
fn resolve(v: &Value, region: &str) -> Value {
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("Fn::Sub") => {
            let text = m["Fn::Sub"].as_str().unwrap();
            json!(text
                .replace("${AWS::Partition}", "aws")
                .replace("${AWS::AccountId}", ACCOUNT)
                .replace("${AWS::Region}", region)
                .replace("${!", "${"))
        }
        Value::Object(m) if m.len() == 1 && m.contains_key("Fn::GetAtt") => {
            json!(format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/custodian:*"))
        }
        Value::Object(m) if m.get("Ref") == Some(&json!("AWS::AccountId")) => json!(ACCOUNT),
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
fn moto_view(policies: &Value) -> (Value, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = policies.clone();
    for p in out.as_array_mut().unwrap() {
        for s in p["PolicyDocument"]["Statement"].as_array_mut().unwrap() {
            if let Some(c) = s.as_object_mut().unwrap().remove("Condition") {
                notes.push(format!("condition {c} on {}", s["Action"]));
            }
            let resources: Vec<Value> = match &s["Resource"] {
                Value::Array(r) => r.clone(),
                one => vec![one.clone()],
            };
            if resources
                .iter()
                .any(|r| r != "*" && !r.as_str().unwrap_or("").starts_with("arn:aws:s3:::"))
            {
                notes.push(format!("resources {} of {}", s["Resource"], s["Action"]));
                s["Resource"] = json!("*");
            }
        }
    }
    (out, notes)
}

/// One call the function made, as IAM sees it: the action, the resources and the request's
/// condition keys.
#[derive(Debug)]
struct Call {
    action: String,
    resources: Vec<String>,
    context: BTreeMap<String, String>,
}

/// The calls of the fault proxy's log.
fn calls(log: &Value) -> Vec<Call> {
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
fn permits(policies: &Value, call: &Call) -> bool {
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
fn refused(policies: &Value, log: &Value) -> Vec<String> {
    calls(log)
        .iter()
        .filter(|c| !c.action.starts_with("sts:") && !permits(policies, c))
        .map(|c| format!("{} {}", c.action, c.resources.join(",")))
        .collect()
}

/// The plain scheduled event (every periodic policy) at the current minute, with `id`.
fn scheduled(region: &str, event_id: &str) -> Value {
    let mut e = fixture("scheduled-event-plain.json");
    e["region"] = json!(region);
    e["id"] = json!(event_id);
    e["time"] = json!(jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:00Z").to_string());
    e
}

/// Runs the shipped function under a role of `policies` in `region`, through the fault proxy,
/// on `events`; the answers, the proxy's log and the administrator's moto.
fn run_function(region: &str, policies: &Value, events: Value) -> (Vec<Value>, Value, EnforcedMoto, Value) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let moto = EnforcedMoto::start();
    let ids = moto.helper("seed.py", &[region]);
    moto.helper("iam.py", &["bucket", BUCKET, region]);
    let (key, secret, token) = moto.role("custodian-function", policies);
    let resign = json!({"resign": {"key": key, "secret": secret, "token": token}});
    let proxy = StandIn::start("fault_proxy.py", &[&moto.endpoint, &resign.to_string()]);
    let api = RuntimeApi::start(events.clone());
    let mut function = start_function_at(
        &api,
        &proxy.url,
        (&key, &secret, Some(&token)),
        &[
            ("AWS_REGION", region),
            ("CUSTODIAN_OUTPUT_BUCKET", BUCKET),
            ("CUSTODIAN_OUTPUT_PREFIX", "custodian"),
        ],
    );
    let answers = api.answers(events.as_array().unwrap().len(), &mut function);
    let _ = stop(function);
    (answers, proxy.get_json("/_log"), moto, ids)
}

#[test]
fn the_scheduled_function_acts_under_exactly_its_generated_role() {
    let region = "eu-north-1";
    let role = function_role(region);
    let (for_moto, unchecked) = moto_view(&role);
    // What moto cannot evaluate, said exactly (held by `permits` below instead).
    assert_eq!(
        unchecked,
        [
            format!(
                r#"resources "arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/custodian:*" of ["logs:CreateLogStream","logs:PutLogEvents"]"#
            ),
            r#"condition {"StringLike":{"s3:prefix":["custodian/ledger/*"]}} on ["s3:ListBucket"]"#.to_string(),
        ],
        "moto evaluates everything else of the role (the log calls are Lambda's, not the function's)"
    );
    let event = scheduled(region, "6f0e4c1a-0000-4000-8000-00000000a001");
    // The same event twice: a duplicate delivery, which the ledger skips.
    let (answers, log, moto, ids) = run_function(region, &for_moto, json!([{"payload": event}, {"payload": event}]));
    let refused_on_the_wire: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"].as_u64().is_some_and(|s| s >= 400))
        .collect();
    assert_eq!(
        answers[0]["kind"], "response",
        "the run succeeds under its role: {}\nrefused on the wire: {refused_on_the_wire:?}",
        answers[0]
    );
    let summary = &answers[0]["body"];
    assert_eq!(summary["totals"]["action_failures"], 0, "{summary}");
    assert_eq!(summary["totals"]["failed"], 0, "{summary}");
    assert!(
        summary["output"].as_str().unwrap().starts_with("s3://custodian-audit/custodian/"),
        "{summary}"
    );
    assert_eq!(answers[1]["kind"], "response", "{}", answers[1]);
    assert!(
        answers[1]["body"]["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("already run for this event"),
        "{}",
        answers[1]
    );
    // It acted: the forbidden GPU instance is stopped.
    let after = moto.helper("state.py", &[region]);
    assert_eq!(after["instances"][id(&ids, "gpu_forbidden")]["state"], "stopped");

    // The second check, independent of moto: every call on the wire is allowed by the role as
    // generated (conditions and resource ARNs included).
    let made: Vec<String> = calls(&log).iter().map(|c| c.action.clone()).collect();
    for expected in [
        "ec2:DescribeInstances",
        "ec2:StopInstances",
        "ec2:CreateTags",
        "s3:GetObject",
        "s3:PutObject",
    ] {
        assert!(made.iter().any(|m| m == expected), "{expected} not among {made:?}");
    }
    assert_eq!(refused(&role, &log), Vec::<String>::new());
}

#[test]
fn a_role_missing_one_permission_fails_and_the_error_names_it() {
    let region = "eu-south-1";
    // The grant the template made before the ledger was given its read: PutObject only.
    let mut role = function_role(region);
    for p in role.as_array_mut().unwrap() {
        if p["PolicyName"] == "custodian-output" {
            p["PolicyDocument"]["Statement"].as_array_mut().unwrap().truncate(1);
        }
    }
    let (for_moto, _) = moto_view(&role);
    let event = scheduled(region, "6f0e4c1a-0000-4000-8000-00000000a002");
    let (answers, log, moto, ids) = run_function(region, &for_moto, json!([{"payload": event}]));
    assert_eq!(answers[0]["kind"], "error", "{}", answers[0]);
    let message = answers[0]["body"]["errorMessage"].as_str().unwrap_or_default();
    assert_eq!(answers[0]["body"]["errorType"], "Custodian.Retryable", "{}", answers[0]);
    assert!(message.contains("needs s3:GetObject"), "{message}");
    // Nothing acted.
    let after = moto.helper("state.py", &[region]);
    assert_eq!(after["instances"][id(&ids, "gpu_forbidden")]["state"], "running");
    // The wire check catches it too.
    let missing = refused(&role, &log);
    assert!(
        missing
            .iter()
            .any(|m| m.starts_with("s3:GetObject arn:aws:s3:::custodian-audit/custodian/ledger/")),
        "{missing:?}"
    );
}

#[test]
fn the_wire_check_holds_conditions_and_resources() {
    let role = function_role("eu-west-1");
    let call = |action: &str, resource: &str, prefix: Option<&str>| Call {
        action: action.into(),
        resources: vec![resource.into()],
        context: prefix
            .map(|p| BTreeMap::from([("s3:prefix".to_string(), p.to_string())]))
            .unwrap_or_default(),
    };
    assert!(permits(
        &role,
        &call("s3:ListBucket", "arn:aws:s3:::custodian-audit", Some("custodian/ledger/x.json"))
    ));
    assert!(!permits(
        &role,
        &call("s3:ListBucket", "arn:aws:s3:::custodian-audit", Some("other/"))
    ));
    assert!(!permits(&role, &call("s3:ListBucket", "arn:aws:s3:::custodian-audit", None)));
    assert!(permits(
        &role,
        &call("s3:GetObject", "arn:aws:s3:::custodian-audit/custodian/ledger/e.json", None)
    ));
    assert!(!permits(
        &role,
        &call("s3:GetObject", "arn:aws:s3:::custodian-audit/custodian/2026/x.json", None)
    ));
    assert!(!permits(
        &role,
        &call("s3:PutObject", "arn:aws:s3:::other-bucket/custodian/x", None)
    ));
    assert!(!permits(&role, &call("ec2:RunInstances", "*", None)));
}
