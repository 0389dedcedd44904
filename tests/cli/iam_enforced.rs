//! `custodian iam` is enough and no more: the CLI runs the shipped policies under a role
//! holding only the document `custodian iam` prints (`--dryrun`: the read-only role the
//! pull-request workflow uses), against a moto of its own with IAM enforced, and every call it
//! made on the wire is held against the document (`tests/support/enforced_iam.rs`).

use crate::util::{custodian_env, read_json, StandIn};
use serde_json::{json, Value};

#[path = "../support/enforced_iam.rs"]
mod enforced_iam;
use enforced_iam::{acted_on, moto_view, refused, resolve, split_by_signer, EnforcedMoto, MEMBER_ROLE, ONE_AT_A_TIME};

/// The document `custodian iam [--dryrun] policies/` prints.
fn document(dry_run: bool) -> Value {
    let mut args = vec!["iam"];
    if dry_run {
        args.push("--dryrun");
    }
    args.push("policies/");
    let out = custodian_env(args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// `custodian run` of the shipped policies in `region` under a role holding only `doc`: the
/// exit code, the output directory, the proxy's log, and moto (its state).
fn run_under(doc: &Value, region: &str, dry_run: bool) -> (i32, tempfile::TempDir, Value, EnforcedMoto, Value) {
    let moto = EnforcedMoto::start();
    let ids = moto.helper("seed.py", &[region]);
    let policies = json!([{"PolicyName": "custodian", "PolicyDocument": doc}]);
    let (for_moto, unchecked) = moto_view(&policies);
    assert_eq!(unchecked, Vec::<String>::new(), "moto evaluates the whole document");
    let (key, secret, token) = moto.role("custodian-cli", &for_moto);
    let resign = json!({"resign": {"key": key, "secret": secret, "token": token}});
    let proxy = StandIn::start("fault_proxy.py", &[&moto.endpoint, &resign.to_string()]);
    let out_dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run", "-r", region, "-s", out_dir.path().to_str().unwrap()];
    if dry_run {
        args.push("--dryrun");
    }
    args.push("policies/");
    let out = custodian_env(
        args,
        &[
            ("AWS_ENDPOINT_URL", proxy.url.as_str()),
            ("AWS_ACCESS_KEY_ID", key.as_str()),
            ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
            ("AWS_SESSION_TOKEN", token.as_str()),
        ],
    );
    if out.code != 0 {
        eprintln!("custodian run under the role:\n{}", out.stderr);
    }
    (out.code, out_dir, proxy.get_json("/_log"), moto, ids)
}

/// Every policy's status in the outputs (`name: status`, sorted).
fn statuses(dir: &std::path::Path) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().is_some_and(|n| n == "metadata.json") {
                let m = read_json(&path);
                out.push(format!(
                    "{}: {}",
                    m["name"].as_str().unwrap_or("?"),
                    m["status"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

#[test]
fn a_dry_run_needs_only_the_dry_run_document() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let doc = document(true);
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 1, "describe calls only: {doc}");
    let (code, out, log, _moto, _) = run_under(&doc, "eu-west-1", true);
    assert_eq!(code, 0, "{:?}", statuses(out.path()));
    let all = statuses(out.path());
    assert!(!all.is_empty() && all.iter().all(|s| s.ends_with(": ok")), "{all:?}");
    assert_eq!(refused(&json!([{"PolicyDocument": doc}]), &log), Vec::<String>::new());
}

#[test]
fn a_real_run_needs_only_the_document_custodian_iam_prints() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let doc = document(false);
    let (code, out, log, moto, ids) = run_under(&doc, "eu-west-1", false);
    assert_eq!(code, 0, "{:?}", statuses(out.path()));
    let all = statuses(out.path());
    assert!(!all.is_empty() && all.iter().all(|s| s.ends_with(": ok")), "{all:?}");
    let after = moto.helper("state.py", &["eu-west-1"]);
    let gpu = ids["gpu_forbidden"].as_str().or_else(|| ids["gpu_forbidden"][0].as_str()).unwrap();
    assert_eq!(after["instances"][gpu]["state"], "stopped", "it acted");
    assert_eq!(refused(&json!([{"PolicyDocument": doc}]), &log), Vec::<String>::new());
    // And the dry-run document is not enough for it (the test can fail).
    let (code, _, log, _, _) = run_under(&document(true), "eu-west-1", false);
    assert_ne!(code, 0);
    assert!(!refused(&json!([{"PolicyDocument": document(true)}]), &log).is_empty());
}

#[test]
fn an_org_run_needs_only_assume_role_and_the_member_template_in_each_account() {
    use custodian_core::deploy::hub::{hub_template, member_template, AccountSource, HubOptions};
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (region, member) = ("us-east-1", "100000000071");
    let policies = custodian_core::policy::load(&[crate::util::root().join("policies")]).unwrap();
    let accounts_text = format!("accounts:\n  - name: member\n    account_id: '{member}'\n    role: {MEMBER_ROLE}\n");
    let accounts = custodian_core::org::accounts::parse("accounts.yml", &accounts_text).unwrap();
    // The caller holds what the hub's role grants for reaching members: sts:AssumeRole on the
    // member role in any account of the organization.
    let hub = hub_template(
        &policies,
        &HubOptions {
            function_name: "custodian-hub".into(),
            output_bucket: Some("unused".into()),
            output_prefix: "custodian".into(),
            accounts: AccountSource::Bundled(accounts.iter().map(|a| a.to_json()).collect()),
            regions: vec![region.into()],
            timezone: "UTC".into(),
            dry_run: false,
        },
    )
    .unwrap();
    let assume: Vec<Value> = resolve(
        &hub["Resources"]["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"],
        region,
    )
    .as_array()
    .unwrap()
    .iter()
    .filter(|s| s["Action"] == "sts:AssumeRole")
    .cloned()
    .collect();
    let caller = json!([{"PolicyName": "assume-members", "PolicyDocument": {"Version": "2012-10-17", "Statement": assume}}]);
    let member_role = resolve(
        &member_template(&policies, false)["Resources"]["MemberRole"]["Properties"]["Policies"],
        region,
    );
    let (caller_for_moto, caller_unchecked) = moto_view(&caller);
    assert_eq!(
        caller_unchecked,
        [r#"condition {"StringEquals":{"aws:ResourceOrgID":"o-exampleorgid"}} on "sts:AssumeRole""#]
    );
    let (member_for_moto, _) = moto_view(&member_role);

    let mut moto = EnforcedMoto::open();
    let ids = moto.helper("seed.py", &[region, member]);
    moto.helper("iam.py", &["member", member, MEMBER_ROLE, &member_for_moto.to_string()]);
    moto.enforce();
    let (key, secret, token) = moto.role("custodian-org", &caller_for_moto);
    let resign = json!({"resign": {"key": key, "secret": secret, "token": token}});
    let proxy = StandIn::start("fault_proxy.py", &[&moto.endpoint, &resign.to_string()]);
    let dir = tempfile::tempdir().unwrap();
    let accounts_file = dir.path().join("accounts.yml");
    std::fs::write(&accounts_file, &accounts_text).unwrap();
    let out_dir = dir.path().join("out");
    let out = custodian_env(
        [
            "org",
            "run",
            "-c",
            accounts_file.to_str().unwrap(),
            "-r",
            region,
            "-s",
            out_dir.to_str().unwrap(),
            "policies/",
        ],
        &[
            ("AWS_ENDPOINT_URL", proxy.url.as_str()),
            ("AWS_ACCESS_KEY_ID", key.as_str()),
            ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
            ("AWS_SESSION_TOKEN", token.as_str()),
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let log = proxy.get_json("/_log");
    let gpu = ids["gpu_forbidden"].as_str().or_else(|| ids["gpu_forbidden"][0].as_str()).unwrap();
    let stopped = acted_on(&log, "StopInstances", gpu);
    assert!(stopped, "it acted in the member account: {log}");
    let (mine, theirs) = split_by_signer(&log, &key);
    assert_eq!(refused(&caller, &mine), Vec::<String>::new());
    assert_eq!(refused(&member_role, &theirs), Vec::<String>::new());
}
