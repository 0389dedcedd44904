//! The hub template: the state machine's shape, the schedules, and each role's permissions.

use super::*;
use crate::policy::load_text;

const POLICIES: &str = "policies:
  - name: nightly-stop
    resource: aws.ec2
    mode: {type: periodic, schedule: 'cron(0 19 ? * MON-FRI *)'}
    actions: [stop]
  - name: hourly-tags
    resource: aws.rds
    mode: {type: periodic, schedule: rate(1 hour)}
    actions: [{type: tag, key: a, value: b}]
  - name: on-launch
    resource: aws.ec2
    mode: {type: cloudtrail, events: [RunInstances]}
  - name: by-hand
    resource: aws.ec2
    actions: [terminate]
";

fn options(accounts: AccountSource) -> HubOptions {
    HubOptions {
        function_name: "custodian-hub".into(),
        output_bucket: None,
        output_prefix: "custodian".into(),
        accounts,
        regions: vec!["us-east-1".into()],
        timezone: "Europe/Paris".into(),
        dry_run: false,
    }
}

/// The definition with CloudFormation's substitutions made.
fn definition(text: &str) -> Value {
    let filled = text
        .replace("${AWS::Partition}", "aws")
        .replace("${Function.Arn}", "arn:aws:lambda:us-east-1:123456789012:function:custodian-hub")
        .replace("${OutputBucketName}", "hub-bucket")
        .replace("${MaxConcurrency}", "40")
        .replace("${ToleratedFailurePercentage}", "5")
        .replace("${BatchSize}", "10");
    serde_json::from_str(&filled).unwrap()
}

#[test]
fn plan_fans_out_over_batches_in_a_distributed_map_then_summarizes() {
    let d = definition(&state_machine_definition("custodian"));
    assert_eq!(d["StartAt"], "Plan");
    let s = &d["States"];
    assert_eq!(s["Plan"]["Next"], "FanOut");
    let map = &s["FanOut"];
    assert_eq!(map["ItemProcessor"]["ProcessorConfig"]["Mode"], "DISTRIBUTED");
    assert_eq!(
        (map["MaxConcurrency"].as_u64(), map["ToleratedFailurePercentage"].as_u64()),
        (Some(40), Some(5))
    );
    assert_eq!(map["ItemBatcher"]["MaxItemsPerBatch"], 10);
    assert_eq!(
        map["ResultWriter"]["Parameters"],
        json!({"Bucket": "hub-bucket", "Prefix": "custodian/map-results"})
    );
    assert_eq!(map["Next"], "Summarize");
    let retry = &map["ItemProcessor"]["States"]["Work"]["Retry"][0];
    assert!(retry["ErrorEquals"]
        .as_array()
        .unwrap()
        .contains(&json!("Lambda.TooManyRequestsException")));
    assert_eq!(retry["BackoffRate"], 2.0);
    assert_eq!(
        retry["ErrorEquals"],
        json!(["Lambda.TooManyRequestsException"]),
        "a batch acts: errors that may come after it ran are not retried"
    );
    assert_eq!(
        s["Plan"]["Retry"][0]["ErrorEquals"].as_array().unwrap().len(),
        5,
        "planning is safe to repeat"
    );
    assert_eq!(s["Outcome"]["Choices"][0]["Next"], "SomeAccountsFailed");
}

#[test]
fn one_schedule_per_distinct_expression_in_its_time_zone_with_the_bundled_accounts() {
    let ps = load_text("p.yml", POLICIES).unwrap();
    let accounts = vec![json!({"account_id": "111111111111", "name": "a", "role": "arn:aws:iam::111111111111:role/custodian-member"})];
    let t = hub_template(&ps, &options(AccountSource::Bundled(accounts))).unwrap();
    let r = t["Resources"].as_object().unwrap();
    let schedules: Vec<&Value> = r.values().filter(|v| v["Type"] == "AWS::Scheduler::Schedule").collect();
    assert_eq!(
        schedules.len(),
        2,
        "two periodic schedules; event and pull policies are not deployed"
    );
    let input: Value = serde_json::from_str(schedules[0]["Properties"]["Target"]["Input"].as_str().unwrap()).unwrap();
    assert_eq!(input["plan"]["policies"], json!(["nightly-stop"]));
    assert_eq!(input["plan"]["accounts"][0]["account_id"], "111111111111");
    assert_eq!(schedules[0]["Properties"]["ScheduleExpressionTimezone"], "Europe/Paris");
    assert!(r.contains_key("OutputBucket"), "no bucket given: the template makes one");
}

#[test]
fn each_role_has_exactly_what_its_piece_calls() {
    let ps = load_text("p.yml", POLICIES).unwrap();
    let t = hub_template(&ps, &options(AccountSource::Organization { ous: vec!["/".into()] })).unwrap();
    let r = &t["Resources"];
    let function = &r["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    let assume = function
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == "sts:AssumeRole")
        .unwrap();
    assert_eq!(
        assume["Resource"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"})
    );
    assert_eq!(
        assume["Condition"]["StringEquals"]["aws:ResourceOrgID"],
        json!({"Ref": "OrganizationId"})
    );
    assert!(function
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["Action"][0] == "organizations:ListAccountsForParent"));
    // The member role: the deployed (periodic) policies' actions, nothing for the pull-mode
    // terminate; trusted by the hub function's role only.
    let body: Value = serde_json::from_str(r["MemberStackSet"]["Properties"]["TemplateBody"].as_str().unwrap()).unwrap();
    let member = &body["Resources"]["MemberRole"]["Properties"];
    assert_eq!(
        member["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
        json!({"AWS": {"Ref": "HubRoleArn"}})
    );
    let statements = &member["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(statements[0]["Action"], json!(["ec2:DescribeInstances", "rds:DescribeDBInstances"]));
    assert_eq!(statements[1]["Action"], json!(["ec2:StopInstances", "rds:AddTagsToResource"]));
    assert_eq!(r["MemberStackSet"]["Properties"]["PermissionModel"], "SERVICE_MANAGED");
    let machine = &r["StateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    let actions: Vec<&Value> = machine
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "lambda:InvokeFunction",
            "states:StartExecution",
            "states:DescribeExecution",
            "states:StopExecution",
            "s3:GetObject",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts"
        ]
    );
    let scheduler = &r["SchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(scheduler.as_array().unwrap().len(), 1);
    assert_eq!(scheduler[0]["Action"], json!(["states:StartExecution"]));
}

#[test]
fn a_report_only_hub_gives_members_describe_calls_only() {
    let ps = load_text("p.yml", POLICIES).unwrap();
    let mut o = options(AccountSource::Organization { ous: vec!["/".into()] });
    o.dry_run = true;
    let body = member_template(&ps[..2], true);
    let statements = &body["Resources"]["MemberRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(statements.as_array().unwrap().len(), 1);
    let t = hub_template(&ps, &o).unwrap();
    let input = t["Resources"]["Schedule1"]["Properties"]["Target"]["Input"].as_str().unwrap();
    assert!(input.contains("\"dryrun\":true"), "{input}");
}

#[test]
fn nothing_scheduled_or_too_many_accounts_to_bundle_is_an_error() {
    let ps = load_text("p.yml", "policies:\n  - name: a\n    resource: ec2\n").unwrap();
    assert!(hub_template(&ps, &options(AccountSource::Organization { ous: vec![] }))
        .unwrap_err()
        .contains("periodic"));
    let ps = load_text("p.yml", POLICIES).unwrap();
    let many = vec![json!({"account_id": "111111111111", "name": "x".repeat(300)}); 1000];
    assert!(hub_template(&ps, &options(AccountSource::Bundled(many)))
        .unwrap_err()
        .contains("--organization"));
}
