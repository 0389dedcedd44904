//! The organization hub's function over moto, driven exactly as its state machine drives it:
//! the schedule's input to `Plan`, the items file read as the map's `ItemReader` does, batches
//! of the definition's `MaxItemsPerBatch` with its `BatchInput` to the workers, their outputs
//! written in `ResultWriter`'s layout, then `Summarize`. (moto's Step Functions does not run a
//! Distributed Map or invoke a Lambda without Docker; this is that execution, step by step.)

#![allow(clippy::unwrap_used)]

mod common;

use common::{helper, use_moto};
use custodian_core::deploy::hub::{hub_template, AccountSource, HubOptions};
use custodian_lambda::{hub::HubHandler, Config};
use serde_json::{json, Value};

const REGION: &str = "us-east-1";
const BUCKET: &str = "custodian-hub-runs";
/// Member accounts only this test uses.
const MEMBER: &str = "100000000011";
const SECOND: &str = "100000000012";
const MISCONFIGURED: &str = "100000000013";

async fn s3() -> aws_sdk_s3::Client {
    common::s3_client(REGION).await
}

async fn get(s3: &aws_sdk_s3::Client, key: &str) -> Value {
    let o = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{key}: {e:?}"));
    serde_json::from_slice(&o.body.collect().await.unwrap().into_bytes()).unwrap()
}

async fn put(s3: &aws_sdk_s3::Client, key: &str, v: &Value) {
    s3.put_object()
        .bucket(BUCKET)
        .key(key)
        .body(v.to_string().into_bytes().into())
        .send()
        .await
        .unwrap();
}

#[test]
fn the_hub_plans_fans_out_in_batches_and_summarizes_as_its_state_machine_does() {
    use_moto();
    let ids = helper("seed.py", &[REGION, MEMBER]);
    helper("seed.py", &[REGION, SECOND]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let s3 = rt.block_on(s3());
    rt.block_on(s3.create_bucket().bucket(BUCKET).send()).unwrap();

    // The template for the shipped policies over three accounts, one of them misconfigured
    // (its role is in another account: the identity check refuses it before anything runs).
    let accounts_text = format!(
        "accounts:\n  - name: member\n    account_id: '{MEMBER}'\n    role: custodian-member\n  - name: second\n    account_id: '{SECOND}'\n    role: custodian-member\n  - name: misconfigured\n    account_id: '{MISCONFIGURED}'\n    role: arn:aws:iam::{SECOND}:role/custodian-member\n"
    );
    let accounts = custodian_core::org::accounts::parse("accounts.yml", &accounts_text).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let policies = custodian_core::policy::load(&[root.join("policies")]).unwrap();
    let options = HubOptions {
        function_name: "custodian-hub".into(),
        output_bucket: Some(BUCKET.into()),
        output_prefix: "custodian".into(),
        accounts: AccountSource::Bundled(accounts.iter().map(|a| a.to_json()).collect()),
        regions: vec![REGION.into()],
        timezone: "UTC".into(),
        dry_run: false,
    };
    let template = hub_template(&policies, &options).unwrap();
    let text = template["Resources"]["StateMachine"]["Properties"]["DefinitionString"]["Fn::Sub"][0]
        .as_str()
        .unwrap();
    let definition: Value = serde_json::from_str(
        &text
            .replace("${Function.Arn}", "arn:aws:lambda:us-east-1:123456789012:function:custodian-hub")
            .replace("${OutputBucketName}", BUCKET)
            .replace("${MaxConcurrency}", "40")
            .replace("${ToleratedFailurePercentage}", "0")
            .replace("${BatchSize}", "2"),
    )
    .unwrap();
    let schedule = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| {
            r["Type"] == "AWS::Scheduler::Schedule"
                && r["Properties"]["Target"]["Input"]
                    .as_str()
                    .unwrap()
                    .contains("ec2-gpu-without-approval")
        })
        .unwrap();
    let input: Value = serde_json::from_str(schedule["Properties"]["Target"]["Input"].as_str().unwrap()).unwrap();

    let config = Config {
        output_bucket: Some(BUCKET.into()),
        hub: true,
        ..Config::from_vars(|_| None).unwrap()
    };
    let hub: HubHandler = custodian_lambda::init::setup_hub(&config).unwrap();
    let call = |payload: Value| rt.block_on(hub.handle(payload)).unwrap();

    // Plan: {"plan.$": "$.plan", "execution.$": "$$.Execution.Name"}, then its ResultSelector.
    let plan = &definition["States"]["Plan"]["Parameters"]["Payload"];
    assert_eq!(plan, &json!({"plan.$": "$.plan", "execution.$": "$$.Execution.Name"}));
    let planned = call(json!({"plan": input["plan"], "execution": "exec-1"}));
    assert_eq!(planned["items"], 3);
    // ItemReader: the items file; ItemBatcher: batches of MaxItemsPerBatch with BatchInput.
    let map = &definition["States"]["FanOut"];
    assert_eq!(map["ItemBatcher"]["BatchInput"], json!({"run.$": "$.planned.run"}));
    let items = rt.block_on(get(&s3, planned["key"].as_str().unwrap()));
    let size = map["ItemBatcher"]["MaxItemsPerBatch"].as_u64().unwrap() as usize;
    let mut succeeded = Vec::new();
    for (i, batch) in items.as_array().unwrap().chunks(size).enumerate() {
        let payload = json!({"Items": batch, "BatchInput": {"run": planned["run"]}});
        let output = call(payload.clone());
        succeeded.push(json!({"ExecutionArn": format!("arn:aws:states:us-east-1:123456789012:execution:custodian-org/accounts:{i}"), "Input": payload.to_string(), "Output": output.to_string(), "Status": "SUCCEEDED"}));
    }
    assert_eq!(succeeded.len(), 2, "3 items in batches of 2");
    // ResultWriter's layout: a manifest naming the result files.
    let prefix = "custodian/map-results/run-1";
    rt.block_on(put(&s3, &format!("{prefix}/SUCCEEDED_0.json"), &Value::Array(succeeded)));
    let manifest = json!({"DestinationBucket": BUCKET, "MapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:custodian-org/accounts:run-1",
        "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": [{"Key": format!("{prefix}/SUCCEEDED_0.json"), "Size": 1}]}});
    rt.block_on(put(&s3, &format!("{prefix}/manifest.json"), &manifest));
    let state = json!({"plan": input["plan"], "planned": planned, "results": {"MapRunArn": manifest["MapRunArn"], "ResultWriterDetails": {"Bucket": BUCKET, "Key": format!("{prefix}/manifest.json")}}});
    let summary = call(json!({"summarize": state}));

    // One failed account-region, so the execution ends in SomeAccountsFailed.
    assert_eq!(summary["failed_jobs"], 1, "{summary}");
    assert_eq!(summary["totals"]["jobs"], 3);
    let outcome = &definition["States"]["Outcome"]["Choices"][0];
    assert_eq!(
        (outcome["Variable"].as_str(), outcome["Next"].as_str()),
        (Some("$.failed_jobs"), Some("SomeAccountsFailed"))
    );
    let full = rt.block_on(get(&s3, "custodian/runs/exec-1/org-summary.json"));
    let failed: Vec<&Value> = full["jobs"].as_array().unwrap().iter().filter(|j| j["status"] != "ok").collect();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("the credentials are for account {SECOND}, not {MISCONFIGURED}")),
        "{}",
        failed[0]
    );
    // The policies acted in the member account; its outputs are under the execution's prefix.
    let after = helper("state.py", &[REGION, MEMBER]);
    assert_eq!(after["instances"][ids["gpu_forbidden"][0].as_str().unwrap()]["state"], "stopped");
    let meta = rt.block_on(get(
        &s3,
        "custodian/runs/exec-1/member/us-east-1/ec2-gpu-without-approval/metadata.json",
    ));
    assert_eq!(meta["actions"][0]["applied"], true, "{meta}");

    // A plan naming a policy the function does not have fails before anything runs.
    let mut bad = input["plan"].clone();
    bad["policies"] = json!(["no-such-policy"]);
    let e = rt.block_on(hub.handle(json!({"plan": bad, "execution": "exec-2"}))).unwrap_err();
    assert!(e.to_string().contains("no policy named 'no-such-policy'"), "{e}");
}
