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
use common::{event, fixture, id, root, StandIn};
#[path = "../../tests/support/enforced_iam.rs"]
mod enforced_iam;
use custodian_core::deploy::{lambda_template, TemplateOptions};
use enforced_iam::{
    acted_on, calls, moto_view, permits, refused, resolve, split_by_signer, Call, EnforcedMoto, ACCOUNT, MEMBER_ROLE, ONE_AT_A_TIME,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

const BUCKET: &str = "custodian-audit";

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

/// The plain scheduled event (every periodic policy) at the current minute, with `id`.
fn scheduled(region: &str, event_id: &str) -> Value {
    let mut e = fixture("scheduled-event-plain.json");
    e["region"] = json!(region);
    e["id"] = json!(event_id);
    e["time"] = json!(jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:00Z").to_string());
    e
}

/// Runs the shipped function under a role of `policies` in `region`, through the fault proxy,
/// on the events `events` makes of the seeded ids; the answers, the proxy's log, the
/// administrator's moto and the ids.
fn run_function(region: &str, policies: &Value, events: impl FnOnce(&Value) -> Value) -> (Vec<Value>, Value, EnforcedMoto, Value) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let moto = EnforcedMoto::start();
    let ids = moto.helper("seed.py", &[region]);
    moto.helper("iam.py", &["bucket", BUCKET, region]);
    let events = events(&ids);
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
            format!(r#"resources "arn:aws:sqs:{region}:{ACCOUNT}:custodian-FailedInvocations" of ["sqs:SendMessage"]"#),
            r#"condition {"StringLike":{"s3:prefix":["custodian/ledger/*"]}} on ["s3:ListBucket"]"#.to_string(),
        ],
        "moto evaluates everything else of the role (the log and failed-invocation calls are Lambda's, not the function's)"
    );
    let event = scheduled(region, "6f0e4c1a-0000-4000-8000-00000000a001");
    // The same event twice: a duplicate delivery, which the ledger skips.
    let (answers, log, moto, ids) = run_function(region, &for_moto, |_| json!([{"payload": event}, {"payload": event}]));
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
    let (answers, log, moto, ids) = run_function(region, &for_moto, |_| json!([{"payload": event}]));
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
fn forged_and_foreign_events_act_on_nothing_and_aws_own_event_still_acts() {
    let region = "eu-west-2";
    let role = function_role(region);
    let (for_moto, _) = moto_view(&role);
    let events = |ids: &Value| {
        let request = id(ids, "cpu_spot");
        let call = |event_id: &str, edit: &dyn Fn(&mut Value)| {
            let mut e = event(
                "request-spot-instances.json",
                &[("sir-0active0000001", request), ("us-east-1", region)],
            );
            e["id"] = json!(event_id);
            edit(&mut e);
            json!({"payload": e})
        };
        json!([
            // Anyone allowed events:PutEvents can send this: a custom source, the right detail-type.
            call("7a000000-0000-4000-8000-000000000001", &|e| e["source"] = json!("com.example.app")),
            // An event of another account (a shared bus, or a direct invocation).
            call("7a000000-0000-4000-8000-000000000002", &|e| e["account"] = json!("999999999999")),
            // AWS's own.
            call("7a000000-0000-4000-8000-000000000003", &|_| {}),
        ])
    };
    let (answers, log, moto, ids) = run_function(region, &for_moto, events);
    let request = id(&ids, "cpu_spot").to_string();
    for (answer, why) in answers.iter().zip(["not 'aws.ec2'", "account 999999999999"]) {
        assert_eq!(answer["kind"], "response", "{answer}");
        let refused = answer["body"]["refused"].as_str().unwrap_or_default();
        assert!(refused.contains(why), "{answer}");
        assert_eq!(answer["body"]["policies"], json!([]), "nothing ran: {answer}");
    }
    assert_eq!(answers[2]["kind"], "response", "{}", answers[2]);
    assert!(answers[2]["body"].get("refused").is_none(), "{}", answers[2]);
    let after = moto.helper("state.py", &[region]);
    assert_eq!(after["spot"][&request]["tags"]["Creator"], "jane.doe@example.com");
    // Only AWS's own event reached EC2: the refused ones made no call but STS's.
    let tagged = calls(&log).iter().filter(|c| c.action == "ec2:CreateTags").count();
    assert_eq!(tagged, 1, "{log}");
    assert_eq!(refused(&role, &log), Vec::<String>::new());
}

/// One hub batch over `account` (`member`) through the `bootstrap` binary in hub mode, under
/// a hub role of `hub_policies`, the member role holding `member_policies`: the answers, the
/// proxy's log, the hub role's access key id and the member's seeded ids.
fn hub_batch(
    region: &str,
    member: &str,
    account: &custodian_core::org::accounts::Account,
    hub_policies: &Value,
    member_policies: &Value,
) -> (Vec<Value>, Value, String, Value) {
    // The member account, its resources and its role exist before IAM is enforced (moto
    // creates a role in another account only for a caller of that account).
    let mut moto = EnforcedMoto::open();
    let ids = moto.helper("seed.py", &[region, member]);
    moto.helper("iam.py", &["member", member, MEMBER_ROLE, &member_policies.to_string()]);
    moto.enforce();
    moto.helper("iam.py", &["bucket", BUCKET, "eu-west-1"]);
    let (key, secret, token) = moto.role("custodian-hub", hub_policies);
    let resign = json!({"resign": {"key": key, "secret": secret, "token": token}});
    let proxy = StandIn::start("fault_proxy.py", &[&moto.endpoint, &resign.to_string()]);

    // One batch as the state machine hands it over: an item per account-region, the plan's run.
    let mut item = account.to_json();
    item["regions"] = json!([region]);
    let run = json!({"policies": ["ec2-gpu-without-approval", "gpu-spot-requests-forgotten"], "dryrun": false,
        "execution": "exec-1", "now": jiff::Timestamp::now().to_string()});
    let api = RuntimeApi::start(json!([{"payload": {"Items": [item], "BatchInput": {"run": run}}}]));
    let mut function = start_function_at(
        &api,
        &proxy.url,
        (&key, &secret, Some(&token)),
        &[
            ("AWS_REGION", region),
            ("CUSTODIAN_HUB", "true"),
            ("CUSTODIAN_OUTPUT_BUCKET", BUCKET),
            ("CUSTODIAN_OUTPUT_PREFIX", "custodian"),
            ("CUSTODIAN_MEMBER_ROLE", MEMBER_ROLE),
        ],
    );
    let answers = api.answers(1, &mut function);
    let _ = stop(function);
    assert_eq!(answers[0]["kind"], "response", "{}", answers[0]);
    (answers, proxy.get_json("/_log"), key, ids)
}

#[test]
fn the_hub_worker_acts_in_a_member_account_under_the_generated_hub_and_member_roles() {
    use custodian_core::deploy::hub::{hub_template, member_template, AccountSource, HubOptions};
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (region, member) = ("us-east-1", "100000000061");
    let policies = shipped();
    let accounts = custodian_core::org::accounts::parse(
        "accounts.yml",
        &format!("accounts:\n  - name: member\n    account_id: '{member}'\n    role: {MEMBER_ROLE}\n"),
    )
    .unwrap();
    let options = HubOptions {
        function_name: "custodian-hub".into(),
        output_bucket: Some(BUCKET.into()),
        output_prefix: "custodian".into(),
        accounts: AccountSource::Bundled(accounts.iter().map(|a| a.to_json()).collect()),
        regions: vec![region.into()],
        timezone: "UTC".into(),
        dry_run: false,
    };
    let hub_role = resolve(
        &hub_template(&policies, &options).unwrap()["Resources"]["FunctionRole"]["Properties"]["Policies"],
        region,
    );
    let member_role = resolve(
        &member_template(&policies, false)["Resources"]["MemberRole"]["Properties"]["Policies"],
        region,
    );
    let (hub_for_moto, hub_unchecked) = moto_view(&hub_role);
    assert_eq!(
        hub_unchecked,
        [
            format!(
                r#"resources "arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/custodian:*" of ["logs:CreateLogStream","logs:PutLogEvents"]"#
            ),
            r#"condition {"StringEquals":{"aws:ResourceOrgID":"o-exampleorgid"}} on "sts:AssumeRole""#.to_string(),
        ]
    );
    let (member_for_moto, member_unchecked) = moto_view(&member_role);
    assert_eq!(member_unchecked, Vec::<String>::new());

    let (answers, log, key, ids) = hub_batch(region, member, &accounts[0], &hub_for_moto, &member_for_moto);
    let job = &answers[0]["body"]["jobs"][0];
    assert_eq!(job["status"], "ok", "{job}");
    // It acted in the member account: the forbidden GPU instance was stopped.
    let gpu = id(&ids, "gpu_forbidden");
    let stopped = acted_on(&log, "StopInstances", gpu);
    assert!(stopped, "{log}");
    // The wire check: the hub's own calls against the hub role, the member's against the
    // member role.
    let (mine, theirs) = split_by_signer(&log, &key);
    assert!(!theirs.as_array().unwrap().is_empty(), "calls under the member role");
    assert_eq!(refused(&hub_role, &mine), Vec::<String>::new());
    assert_eq!(refused(&member_role, &theirs), Vec::<String>::new());

    // A member role without one permission the policies need: the job says so.
    let mut crippled = member_for_moto.clone();
    for statement in crippled[0]["PolicyDocument"]["Statement"].as_array_mut().unwrap() {
        if let Some(actions) = statement["Action"].as_array_mut() {
            actions.retain(|a| a != "ec2:StopInstances");
        }
    }
    let (answers, _, _, _) = hub_batch(region, member, &accounts[0], &hub_for_moto, &crippled);
    let job = &answers[0]["body"]["jobs"][0];
    assert_eq!(job["status"], "policy-failed", "{}", answers[0]);
    assert_eq!(job["policies"][0]["policy"], "ec2-gpu-without-approval");
    assert_eq!(job["policies"][0]["action_failures"], 1, "the stop was refused: {}", answers[0]);
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
