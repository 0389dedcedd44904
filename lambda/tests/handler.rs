//! The handler over moto: real EventBridge scheduled events and manual payloads, run through
//! the cold-start setup and the real AWS SDK, asserting AWS's state and the returned summary.
//! Each test takes its own region (moto keeps them apart).

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::{config, fixture, handler_with_policies, id, seed, state, use_moto};
use custodian_lambda::summary::Summary;
use custodian_lambda::{setup, Config, Handler, InvocationError};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Runs one event through the handler on a runtime like the function's (the handler is
/// built, and dropped, outside it, as in `main`).
fn invoke(handler: &Handler, payload: Value, context: Context) -> Result<Summary, InvocationError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(handler.handle(LambdaEvent::new(payload, context)))
}

fn summary_of(e: &InvocationError) -> Value {
    let text = e.to_string();
    let json = text.split_once("; summary: ").expect("the summary is in the message").1;
    serde_json::from_str(json).unwrap()
}

fn matched<'a>(s: &'a Summary, policy: &str) -> Vec<&'a str> {
    s.policies
        .iter()
        .find(|p| p.name == policy)
        .unwrap_or_else(|| panic!("{policy} not in the summary"))
        .matched
        .iter()
        .map(String::as_str)
        .collect()
}

async fn create_bucket(region: &str, bucket: &str) -> aws_sdk_s3::Client {
    let s3 = common::s3_client(region).await;
    common::create_bucket(&s3, bucket, region).await;
    s3
}

#[test]
fn a_scheduled_event_runs_its_rules_policies_and_writes_outputs_to_s3() {
    use_moto();
    let region = "ap-southeast-1";
    let ids = seed(region);
    let before = state(region);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let s3 = rt.block_on(create_bucket(region, "custodian-audit"));
    let handler = setup(&Config {
        output_bucket: Some("custodian-audit".into()),
        ..config(region)
    })
    .unwrap();

    let mut event = fixture("scheduled-event-forbidden.json");
    event["region"] = json!(region);
    // A firing time within the allowed skew of the system clock is the run's clock.
    let fired = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:00Z").to_string();
    event["time"] = json!(fired);
    let mut context = Context::default();
    context.request_id = "3f8bb3a4-0b0e-4f0e-9a49-1d7f0c2b8d11".into();
    let summary = invoke(&handler, event, context).expect("a clean run");
    let after = state(region);

    // AWS's state: the forbidden GPU instance tagged and stopped, the GPU spot request
    // cancelled and its instance terminated; nothing else touched (the rule names only the
    // forbidden-instance policies, so untagged resources are not marked).
    let inst = |k: &str| &after["instances"][id(&ids, k)];
    assert_eq!(inst("gpu_forbidden")["state"], "stopped");
    assert_eq!(inst("gpu_forbidden")["tags"]["custodian-finding"], "gpu-without-approval");
    assert_eq!(inst("gpu_spot_instance")["state"], "terminated");
    let gpu_spot = &after["spot"][id(&ids, "gpu_spot")];
    assert!(gpu_spot.is_null() || gpu_spot["state"] == "cancelled", "{gpu_spot}");
    for untouched in ["untagged", "gpu_approved", "dev_ok", "cpu_spot_instance"] {
        assert_eq!(inst(untouched), &before["instances"][id(&ids, untouched)], "{untouched}");
    }
    assert_eq!(after["db"], before["db"]);

    // The summary.
    assert_eq!(summary.trigger, "schedule");
    assert_eq!(
        summary.rule.as_deref(),
        Some("arn:aws:events:us-east-1:123456789012:rule/custodian-Schedule3Rule-1UQ8XM3ZL6N1C")
    );
    assert_eq!(summary.now, fired, "the schedule's firing time is the run's clock");
    assert!(summary.clock.is_none());
    assert!(!summary.dryrun);
    let names: Vec<&str> = summary.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["ec2-gpu-without-approval", "gpu-spot-requests-forgotten"]);
    assert_eq!(matched(&summary, "ec2-gpu-without-approval"), [id(&ids, "gpu_forbidden")]);
    assert_eq!(matched(&summary, "gpu-spot-requests-forgotten"), [id(&ids, "gpu_spot")]);
    let stop = &summary.policies[0].actions;
    assert_eq!((stop[0].action, stop[1].action), ("tag", "stop"));
    assert_eq!(stop[1].targets, [id(&ids, "gpu_forbidden")]);
    assert!(stop[1].failed.is_empty());
    assert_eq!(summary.totals.runs, 2);
    assert!(summary.not_reached.is_empty());
    // Money (embedded prices): the p3.2xlarge stopped saves 3.06 x 730; the g5.xlarge spot
    // request cancelled saves up to its on-demand 1.006 x 730.
    let (gpu, spot) = (&summary.policies[0].cost, &summary.policies[1].cost);
    assert!((gpu.saving_monthly_usd - 3.06 * 730.0).abs() < 1e-6, "{gpu:?}");
    assert!(
        (spot.saving_monthly_usd - 1.006 * 730.0).abs() < 1e-6 && spot.upper_bound,
        "{spot:?}"
    );
    assert!((summary.totals.saving_monthly_usd - (3.06 + 1.006) * 730.0).abs() < 1e-6);

    // Outputs under a time-partitioned prefix named by the request.
    let location = summary.output.clone().expect("outputs written");
    let hour = jiff::Timestamp::now().strftime("%Y/%m/%d/").to_string();
    assert!(
        location.starts_with(&format!("s3://custodian-audit/custodian/{hour}")),
        "{location}"
    );
    assert!(location.ends_with("/3f8bb3a4-0b0e-4f0e-9a49-1d7f0c2b8d11/"), "{location}");
    let prefix = location.trim_start_matches("s3://custodian-audit/").to_string();
    let listed = rt
        .block_on(s3.list_objects_v2().bucket("custodian-audit").prefix(&prefix).send())
        .unwrap();
    let mut keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(|k| k[prefix.len()..].to_string()))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "ec2-gpu-without-approval/metadata.json",
            "ec2-gpu-without-approval/resources.json",
            "gpu-spot-requests-forgotten/metadata.json",
            "gpu-spot-requests-forgotten/resources.json",
            "summary.json"
        ]
    );
    let resources = rt
        .block_on(
            s3.get_object()
                .bucket("custodian-audit")
                .key(format!("{prefix}ec2-gpu-without-approval/resources.json"))
                .send(),
        )
        .unwrap();
    let body = rt.block_on(resources.body.collect()).unwrap().into_bytes();
    let docs: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(docs[0]["InstanceId"], id(&ids, "gpu_forbidden"));
    drop(rt);
    drop(handler);
}

#[test]
fn a_plain_scheduled_event_runs_every_periodic_policy() {
    use_moto();
    let region = "ap-south-1";
    let ids = seed(region);
    let handler = setup(&config(region)).unwrap();
    let mut event = fixture("scheduled-event-plain.json");
    let fired = jiff::Timestamp::now();
    event["time"] = json!(fired.to_string());
    let summary = invoke(&handler, event, Context::default()).expect("a clean run");
    assert_eq!(summary.policies.len(), 11);
    assert_eq!(summary.output, None, "no bucket configured");
    let after = state(region);
    // Marked for four days after the run's clock.
    let due = fired
        .checked_add(jiff::SignedDuration::from_hours(4 * 24))
        .unwrap()
        .strftime("%Y/%m/%d");
    let mark = format!("Missing required tags (Environment, CostCenter, Owner): stop@{due}");
    assert_eq!(after["instances"][id(&ids, "untagged")]["tags"]["maid_status"], mark);
    assert_eq!(after["db"]["untagged-db"]["tags"]["maid_status"], mark);
    assert_eq!(after["instances"][id(&ids, "gpu_forbidden")]["state"], "stopped");
}

#[test]
fn a_manual_dry_run_plans_and_changes_nothing() {
    use_moto();
    let region = "ap-northeast-1";
    let ids = seed(region);
    let before = state(region);
    let handler = setup(&config(region)).unwrap();
    let summary = invoke(&handler, fixture("manual-dryrun.json"), Context::default()).expect("a clean dry run");
    assert_eq!(state(region), before, "a dry run changes nothing");
    assert_eq!(summary.trigger, "manual");
    assert!(summary.dryrun);
    let mut ec2 = matched(&summary, "ec2-required-tags-mark");
    ec2.sort();
    let mut expected = vec![id(&ids, "untagged"), id(&ids, "cpu_spot_instance"), id(&ids, "gpu_spot_instance")];
    expected.sort();
    assert_eq!(ec2, expected);
    assert_eq!(matched(&summary, "rds-required-tags-mark"), ["untagged-db"]);
    let mark = &summary.policies[0].actions[0];
    assert_eq!(mark.action, "mark-for-op");
    assert_eq!(mark.targets.len(), 3, "planned exactly as a real run would act");
}

#[test]
fn bad_requests_are_refused_before_any_call() {
    use_moto();
    let handler = setup(&config("ap-northeast-3")).unwrap();
    let e = invoke(&handler, json!({"policies": ["ec2-offhours-stp"]}), Context::default()).unwrap_err();
    assert_eq!(e.error_type(), "Custodian.InvalidRequest");
    assert!(
        e.to_string()
            .contains("unknown policy 'ec2-offhours-stp' (did you mean 'ec2-offhours-stop'?)"),
        "{e}"
    );
    let e = invoke(&handler, json!({"policy": "x"}), Context::default()).unwrap_err();
    assert_eq!(e.error_type(), "Custodian.InvalidRequest");
    assert!(e.to_string().contains("unknown field `policy`"), "{e}");
    let e = invoke(
        &handler,
        json!({"detail-type": "Scheduled Event", "time": "yesterday"}),
        Context::default(),
    )
    .unwrap_err();
    assert_eq!(e.error_type(), "Custodian.InvalidRequest");
    let diagnostic: lambda_runtime::Diagnostic = e.into();
    assert_eq!(diagnostic.error_type, "Custodian.InvalidRequest");
}

#[test]
fn near_the_deadline_nothing_starts_and_the_summary_says_what_was_not_reached() {
    use_moto();
    let region = "eu-west-3";
    seed(region);
    let before = state(region);
    let handler = setup(&config(region)).unwrap();
    // Five seconds left, ten kept in reserve: the deadline has already passed for new work.
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(5);
    let mut context = Context::default();
    context.deadline = deadline.as_millis() as u64;
    let e = invoke(&handler, fixture("scheduled-event-forbidden.json"), context).unwrap_err();
    assert_eq!(e.error_type(), "Custodian.Retryable");
    assert!(
        e.to_string()
            .starts_with("not reached before the deadline: ec2-gpu-without-approval@eu-west-3, gpu-spot-requests-forgotten@eu-west-3"),
        "{e}"
    );
    let summary = summary_of(&e);
    assert_eq!(summary["totals"]["not_reached"], 2);
    assert_eq!(summary["policies"][0]["status"], "not-reached");
    assert_eq!(state(region), before, "nothing acted");
}

#[test]
fn a_tripped_max_resources_guard_is_limit_exceeded_and_acts_on_nothing() {
    use_moto();
    let region = "eu-south-1";
    seed(region);
    let before = state(region);
    let (_dir, handler) = handler_with_policies(region, "policies:\n  - name: stop-everything\n    resource: aws.ec2\n    mode: {type: periodic, schedule: 'rate(1 hour)'}\n    max-resources: 2\n    actions: [stop]\n");
    let e = invoke(&handler, json!({}), Context::default()).unwrap_err();
    assert_eq!(e.error_type(), "Custodian.LimitExceeded");
    assert!(
        e.to_string()
            .starts_with("max-resources tripped, no action taken: stop-everything@eu-south-1"),
        "{e}"
    );
    assert_eq!(summary_of(&e)["policies"][0]["status"], "limit-exceeded");
    assert_eq!(state(region), before);
}

#[test]
fn actions_aws_refuses_are_action_failed_with_each_resource_and_code() {
    use_moto();
    let region = "eu-west-1";
    let (endpoint, python) = common::moto();
    // Two instances; one protected from termination.
    let script = format!(
        "import boto3, json\n\
         c = boto3.client('ec2', region_name='{region}', endpoint_url='{endpoint}', aws_access_key_id='t', aws_secret_access_key='t')\n\
         spec = [{{'ResourceType': 'instance', 'Tags': [{{'Key': 'doomed', 'Value': 'yes'}}]}}]\n\
         ids = [i['InstanceId'] for i in c.run_instances(ImageId='ami-12c6146b', MinCount=2, MaxCount=2, TagSpecifications=spec)['Instances']]\n\
         c.modify_instance_attribute(InstanceId=ids[0], DisableApiTermination={{'Value': True}})\n\
         print(json.dumps(ids))\n"
    );
    let out = std::process::Command::new(python).arg("-c").arg(script).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ids: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    let (_dir, handler) = handler_with_policies(region, "policies:\n  - name: terminate-doomed\n    resource: aws.ec2\n    mode: {type: periodic, schedule: 'rate(1 day)'}\n    filters: [{'tag:doomed': 'yes'}]\n    actions: [terminate]\n");
    let e = invoke(&handler, json!({}), Context::default()).unwrap_err();
    assert_eq!(e.error_type(), "Custodian.ActionFailed", "{e}");
    assert!(
        e.to_string()
            .starts_with("1 resource action(s) refused by AWS: terminate-doomed@eu-west-1"),
        "{e}"
    );
    let summary = summary_of(&e);
    let action = &summary["policies"][0]["actions"][0];
    assert_eq!(action["targets"], json!(ids));
    assert_eq!(action["failed"], json!([format!("{}: OperationNotPermitted", ids[0])]));
    let after = state(region);
    assert_eq!(after["instances"][&ids[0]]["state"], "running", "protected");
    assert_eq!(
        after["instances"][&ids[1]]["state"], "terminated",
        "one refusal does not stop the others"
    );
}
