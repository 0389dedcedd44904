//! The CloudFormation template of the scheduled Lambda: one function for every periodic policy,
//! one EventBridge rule per distinct schedule (not per policy), and a role whose policy is
//! exactly what the policies call.

use super::iam;
use crate::policy::{Mode, Policy};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Memory (MB) when no policy asks for more: a run over thousands of instances fits in it.
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// Timeout (seconds) when no policy asks for more.
pub const DEFAULT_TIMEOUT_S: u32 = 300;

/// What the template is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateOptions {
    /// The function's name (also names its log group).
    pub function_name: String,
    /// Bucket for run outputs (`resources.json`, `metadata.json`, `summary.json`); none: no S3.
    pub output_bucket: Option<String>,
    /// Key prefix inside the bucket.
    pub output_prefix: String,
    /// Regions the function runs the policies in (empty: the function's own region; `all`:
    /// every enabled region).
    pub regions: Vec<String>,
    /// Deploy in report-only mode: every rule asks for a dry run, and the role can only describe.
    pub dry_run: bool,
    /// Resources with this tag are never changed by the role (an explicit `Deny`).
    pub protect_tag: Option<iam::ProtectTag>,
}

impl Default for TemplateOptions {
    fn default() -> Self {
        TemplateOptions {
            function_name: "custodian".into(),
            output_bucket: None,
            output_prefix: "custodian".into(),
            regions: Vec::new(),
            dry_run: false,
            protect_tag: None,
        }
    }
}

/// The periodic policies grouped by schedule expression, in a stable order.
pub fn schedules(policies: &[Policy]) -> BTreeMap<&str, Vec<&Policy>> {
    let mut by_schedule: BTreeMap<&str, Vec<&Policy>> = BTreeMap::new();
    for p in policies {
        if let Mode::Periodic { schedule, .. } = &p.mode {
            by_schedule.entry(schedule.as_str()).or_default().push(p);
        }
    }
    by_schedule
}

/// The event a rule sends: EventBridge's own scheduled event (its id, time, account, region and
/// rule are filled in per firing), with the policies to run (and, report-only, `dryrun`) in
/// `detail`.
pub fn rule_input_template(policy_names: &[&str], dry_run: bool) -> String {
    let mut names = serde_json::to_string(policy_names).unwrap_or_default();
    if dry_run {
        names.push_str(",\"dryrun\":true");
    }
    format!(
        "{{\"version\":\"0\",\"id\":\"<id>\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\",\
         \"account\":\"<account>\",\"time\":\"<time>\",\"region\":\"<region>\",\"resources\":[\"<rule>\"],\
         \"detail\":{{\"policies\":{names}}}}}"
    )
}

/// The event-mode policies grouped by the EventBridge pattern that delivers their events
/// (its JSON text), in a stable order.
pub fn event_patterns(policies: &[Policy]) -> BTreeMap<String, Vec<&Policy>> {
    let mut by_pattern: BTreeMap<String, Vec<&Policy>> = BTreeMap::new();
    for p in policies {
        if let Some(mode) = p.mode.event() {
            by_pattern.entry(crate::event::pattern(mode).to_string()).or_default().push(p);
        }
    }
    by_pattern
}

/// Whether the Lambda function runs the policy: periodic and event-mode policies.
pub fn deployed(policy: &Policy) -> bool {
    !matches!(policy.mode, Mode::Pull)
}

/// The CloudFormation template (JSON) for the periodic and event-mode policies among
/// `policies`. Pull-mode policies are not deployed; `Err` when nothing is left.
pub fn lambda_template(policies: &[Policy], options: &TemplateOptions) -> Result<Value, String> {
    let periodic: Vec<Policy> = policies.iter().filter(|p| deployed(p)).cloned().collect();
    if periodic.is_empty() {
        return Err(
            "no policy has 'mode: {type: periodic, schedule: ...}' or an event mode (cloudtrail, ec2-instance-state, ec2-spot-fulfillment); nothing to deploy".into(),
        );
    }
    let (memory, timeout) = periodic.iter().fold((DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S), |(m, t), p| {
        let (memory, timeout) = p.mode.function_size();
        (m.max(memory.unwrap_or(0)), t.max(timeout.unwrap_or(0)))
    });
    let all_regions = options.regions.iter().any(|r| r == "all");
    let mut document = iam::policy_document(&periodic, all_regions, options.dry_run);
    if let Some(tag) = &options.protect_tag {
        iam::protect(&mut document, tag);
    }
    let mut role_policies = vec![
        json!({"PolicyName": "custodian-policies", "PolicyDocument": document}),
        json!({"PolicyName": "custodian-logs", "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": {"Fn::GetAtt": ["FunctionLogGroup", "Arn"]},
            }],
        }}),
    ];
    role_policies.push(json!({"PolicyName": "custodian-failed-invocations", "PolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": {"Fn::GetAtt": ["FailedInvocations", "Arn"]},
        }],
    }}));
    let mut environment = Map::new();
    if let Some(bucket) = &options.output_bucket {
        role_policies.push(json!({"PolicyName": "custodian-output", "PolicyDocument": output_grant(bucket, &options.output_prefix)}));
        environment.insert("CUSTODIAN_OUTPUT_BUCKET".into(), json!(bucket));
        environment.insert("CUSTODIAN_OUTPUT_PREFIX".into(), json!(options.output_prefix));
    }
    if !options.regions.is_empty() {
        environment.insert("CUSTODIAN_REGIONS".into(), json!(options.regions.join(",")));
    }
    // Events carry no dryrun flag: a report-only function is a dry run throughout.
    if options.dry_run {
        environment.insert("CUSTODIAN_DRYRUN".into(), json!("true"));
    }

    let mut resources = Map::new();
    resources.insert(
        "FunctionLogGroup".into(),
        json!({
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": format!("/aws/lambda/{}", options.function_name), "RetentionInDays": 30},
        }),
    );
    resources.insert(
        "FunctionRole".into(),
        json!({
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": format!("{}: exactly the API actions its policies call", options.function_name),
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        // Only Lambda acting for this account (confused deputy).
                        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                    }],
                },
                "Policies": role_policies,
            },
        }),
    );
    let mut function = json!({
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": options.function_name,
            "Description": format!("custodian: {} polic{}", periodic.len(), if periodic.len() == 1 { "y" } else { "ies" }),
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Architectures": [{"Ref": "Architecture"}],
            "Code": {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}},
            "MemorySize": memory,
            "Timeout": timeout,
            "Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]},
            "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": "FunctionLogGroup"}},
        },
    });
    if !environment.is_empty() {
        function["Properties"]["Environment"] = json!({"Variables": environment});
    }
    resources.insert("Function".into(), function);
    // The event's time is the run's clock, so a retry is only worth it within the same tick:
    // one retry, and no event older than 15 minutes (the next tick re-evaluates anyway).
    resources.insert(
        "FunctionInvokeConfig".into(),
        json!({
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Function"},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 1,
                "MaximumEventAgeInSeconds": 900,
                // An invocation that failed after its retry (its error carries the summary) is
                // kept for someone to read, not only logged.
                "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["FailedInvocations", "Arn"]}}},
            },
        }),
    );
    resources.insert(
        "FailedInvocations".into(),
        json!({
            "Type": "AWS::SQS::Queue",
            "Properties": {"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 1_209_600},
        }),
    );
    for (i, (schedule, members)) in schedules(&periodic).into_iter().enumerate() {
        let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
        let rule = format!("Schedule{}Rule", i + 1);
        resources.insert(
            rule.clone(),
            json!({
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Description": format!("custodian {schedule}: {}", truncate(&names.join(", "), 480)),
                    "ScheduleExpression": schedule,
                    "State": "ENABLED",
                    "Targets": [{
                        "Id": "custodian",
                        "Arn": {"Fn::GetAtt": ["Function", "Arn"]},
                        "InputTransformer": {
                            "InputPathsMap": {
                                "id": "$.id",
                                "time": "$.time",
                                "account": "$.account",
                                "region": "$.region",
                                "rule": "$.resources[0]",
                            },
                            "InputTemplate": rule_input_template(&names, options.dry_run),
                        },
                    }],
                },
            }),
        );
        resources.insert(format!("Schedule{}Permission", i + 1), invoke_permission(&rule));
    }
    for (i, (pattern, members)) in event_patterns(&periodic).into_iter().enumerate() {
        let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
        let rule = format!("Event{}Rule", i + 1);
        let mut pattern: Value = serde_json::from_str(&pattern).unwrap_or(Value::Null);
        // Events of this account only (the handler checks it too).
        pattern["account"] = json!([{"Ref": "AWS::AccountId"}]);
        resources.insert(
            rule.clone(),
            json!({
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Description": format!("custodian event policies: {}", truncate(&names.join(", "), 480)),
                    "EventPattern": pattern,
                    "State": "ENABLED",
                    "Targets": [{"Id": "custodian", "Arn": {"Fn::GetAtt": ["Function", "Arn"]}}],
                },
            }),
        );
        resources.insert(format!("Event{}Permission", i + 1), invoke_permission(&rule));
    }
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("custodian scheduled Lambda '{}' and its least-privilege role", options.function_name),
        "Parameters": {
            "CodeBucket": {"Type": "String", "Description": "Bucket holding the function zip (scripts/build-lambda.sh)"},
            "CodeKey": {"Type": "String", "Description": "Key of the function zip in CodeBucket"},
            "Architecture": {"Type": "String", "Default": "x86_64", "AllowedValues": ["x86_64", "arm64"], "Description": "Architecture the zip was built for"},
        },
        "Resources": resources,
        "Outputs": {
            "FunctionArn": {"Description": "The custodian function", "Value": {"Fn::GetAtt": ["Function", "Arn"]}},
            "RoleArn": {"Description": "Its least-privilege role", "Value": {"Fn::GetAtt": ["FunctionRole", "Arn"]}},
            "FailedInvocationsQueue": {"Description": "Invocations that failed after their retry, with their summary", "Value": {"Ref": "FailedInvocations"}},
        },
    }))
}

/// The folder of the run ledger under the output prefix (`PREFIX/ledger/EVENT-ID.json`).
pub const LEDGER_DIR: &str = "ledger";

/// `PREFIX/rest`, or `rest` when the prefix is empty.
pub fn under_prefix(prefix: &str, rest: &str) -> String {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        rest.to_string()
    } else {
        format!("{prefix}/{rest}")
    }
}

/// Text for `Fn::Sub` taken literally: `${` becomes `${!` (CloudFormation's escape), so a
/// bucket or prefix can never name a parameter or attribute.
pub fn sub_literal(text: &str) -> String {
    text.replace("${", "${!")
}

/// The function's grant on its output bucket, exactly what the outputs and the run ledger
/// (`lambda/src/ledger.rs`) call: `s3:PutObject` under the prefix (outputs, and the ledger's
/// conditional writes), `s3:GetObject` on the ledger's objects only, and `s3:ListBucket`
/// limited to the ledger's keys, because S3 answers a missing key with 403, not 404, to a
/// caller that may not list the bucket, and the ledger reads an object that does not exist
/// yet on every first delivery.
pub fn output_grant(bucket: &str, prefix: &str) -> Value {
    let (bucket, prefix) = (sub_literal(bucket), sub_literal(prefix));
    let ledger = under_prefix(&prefix, LEDGER_DIR);
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOutputsAndLedger",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": {"Fn::Sub": format!("arn:${{AWS::Partition}}:s3:::{bucket}/{}", under_prefix(&prefix, "*"))},
            },
            {
                "Sid": "ReadLedger",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": {"Fn::Sub": format!("arn:${{AWS::Partition}}:s3:::{bucket}/{ledger}/*")},
            },
            {
                "Sid": "ListLedgerKeysOnly",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": {"Fn::Sub": format!("arn:${{AWS::Partition}}:s3:::{bucket}")},
                "Condition": {"StringLike": {"s3:prefix": [format!("{ledger}/*")]}},
            },
        ],
    })
}

/// EventBridge's permission to invoke the function from `rule`.
fn invoke_permission(rule: &str) -> Value {
    json!({
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": "Function"},
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule, "Arn"]},
        },
    })
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 3).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::load_text;

    const POLICIES: &str = "policies:
  - name: nightly-stop
    resource: aws.ec2
    mode: {type: periodic, schedule: 'cron(0 19 ? * MON-FRI *)'}
    actions: [stop]
  - name: hourly-a
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour), memory: 256}
  - name: hourly-b
    resource: aws.rds
    mode: {type: periodic, schedule: rate(1 hour), timeout: 600}
    actions: [{type: tag, key: a, value: b}]
  - name: on-demand
    resource: aws.ec2-spot-request
    actions: [cancel]
";

    #[test]
    fn one_rule_per_distinct_schedule_with_its_policies() {
        let ps = load_text("t.yml", POLICIES).unwrap();
        let t = lambda_template(&ps, &TemplateOptions::default()).unwrap();
        let r = t["Resources"].as_object().unwrap();
        let rules: Vec<(&str, &str)> = r
            .values()
            .filter(|v| v["Type"] == "AWS::Events::Rule")
            .map(|v| {
                let target = &v["Properties"]["Targets"][0]["InputTransformer"]["InputTemplate"];
                (v["Properties"]["ScheduleExpression"].as_str().unwrap(), target.as_str().unwrap())
            })
            .collect();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].0, "cron(0 19 ? * MON-FRI *)");
        assert!(rules[0].1.contains(r#""detail":{"policies":["nightly-stop"]}"#), "{}", rules[0].1);
        assert_eq!(rules[1].0, "rate(1 hour)");
        assert!(rules[1].1.contains(r#""policies":["hourly-a","hourly-b"]"#));
        assert_eq!(r.values().filter(|v| v["Type"] == "AWS::Lambda::Permission").count(), 2);
        let f = &r["Function"]["Properties"];
        assert_eq!((f["MemorySize"].as_u64(), f["Timeout"].as_u64()), (Some(256), Some(600)));
        assert!(f.get("Environment").is_none());
        // The pull-mode spot policy is not deployed, so its permissions are not granted.
        let actions = &r["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
        assert_eq!(actions[0]["Action"], json!(["ec2:DescribeInstances", "rds:DescribeDBInstances"]));
        assert_eq!(actions[1]["Action"], json!(["ec2:StopInstances", "rds:AddTagsToResource"]));
    }

    #[test]
    fn the_rule_input_is_a_scheduled_event_once_filled_in() {
        let filled = rule_input_template(&["a", "b"], true)
            .replace("<id>", "x")
            .replace("<account>", "123456789012")
            .replace("<time>", "2026-11-23T19:00:00Z")
            .replace("<region>", "us-east-1")
            .replace("<rule>", "arn:aws:events:us-east-1:123456789012:rule/r");
        let v: Value = serde_json::from_str(&filled).unwrap();
        assert_eq!(v["detail-type"], "Scheduled Event");
        assert_eq!(v["detail"]["policies"], json!(["a", "b"]));
        assert_eq!(v["detail"]["dryrun"], true);
        assert!(!rule_input_template(&["a"], false).contains("dryrun"));
    }

    #[test]
    fn output_bucket_and_regions_reach_role_and_environment() {
        let ps = load_text("t.yml", POLICIES).unwrap();
        let options = TemplateOptions {
            output_bucket: Some("audit".into()),
            regions: vec!["all".into()],
            ..TemplateOptions::default()
        };
        let t = lambda_template(&ps, &options).unwrap();
        let env = &t["Resources"]["Function"]["Properties"]["Environment"]["Variables"];
        assert_eq!(env["CUSTODIAN_OUTPUT_BUCKET"], "audit");
        assert_eq!(env["CUSTODIAN_REGIONS"], "all");
        let policies = &t["Resources"]["FunctionRole"]["Properties"]["Policies"];
        assert!(policies[0]["PolicyDocument"]["Statement"][0]["Action"]
            .as_array()
            .unwrap()
            .contains(&json!("ec2:DescribeRegions")));
        let s3 = &policies[3]["PolicyDocument"]["Statement"];
        assert_eq!(
            s3[0]["Resource"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::audit/custodian/*"})
        );
        assert_eq!(s3[1]["Action"], json!(["s3:GetObject"]));
        assert_eq!(
            s3[1]["Resource"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::audit/custodian/ledger/*"})
        );
        assert_eq!(s3[2]["Action"], json!(["s3:ListBucket"]));
        assert_eq!(s3[2]["Condition"], json!({"StringLike": {"s3:prefix": ["custodian/ledger/*"]}}));
    }

    #[test]
    fn an_empty_or_substituting_prefix_stays_literal() {
        let grant = output_grant("audit", "");
        assert_eq!(
            grant["Statement"][0]["Resource"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::audit/*"})
        );
        assert_eq!(
            grant["Statement"][1]["Resource"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::audit/ledger/*"})
        );
        let grant = output_grant("audit", "x/${AWS::AccountId}");
        assert_eq!(
            grant["Statement"][0]["Resource"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::audit/x/${!AWS::AccountId}/*"})
        );
    }

    #[test]
    fn one_event_rule_per_distinct_pattern() {
        let yaml = "policies:
  - name: tag-creator
    resource: aws.ec2
    mode: {type: cloudtrail, events: [RunInstances]}
    actions: [{type: auto-tag-user, tag: Creator}]
  - name: no-public-gpu
    resource: aws.ec2
    mode: {type: cloudtrail, events: [RunInstances]}
  - name: running
    resource: aws.ec2
    mode: {type: ec2-instance-state, events: [running]}
    actions: [stop]
  - name: fulfilled
    resource: aws.ec2-spot-request
    mode: {type: ec2-spot-fulfillment, memory: 512}
    actions: [{type: cancel, terminate-instances: true}]
";
        let ps = load_text("t.yml", yaml).unwrap();
        let t = lambda_template(&ps, &TemplateOptions::default()).unwrap();
        let r = t["Resources"].as_object().unwrap();
        let patterns: Vec<&Value> = r
            .values()
            .filter(|v| v["Type"] == "AWS::Events::Rule")
            .map(|v| &v["Properties"]["EventPattern"])
            .collect();
        assert_eq!(patterns.len(), 3, "the two RunInstances policies share a rule");
        let account = json!([{"Ref": "AWS::AccountId"}]);
        assert!(patterns.contains(&&json!({"source": ["aws.ec2"], "account": account, "detail-type": ["AWS API Call via CloudTrail"], "detail": {"eventSource": ["ec2.amazonaws.com"], "eventName": ["RunInstances"]}})));
        assert!(patterns.contains(
            &&json!({"source": ["aws.ec2"], "account": account, "detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["running"]}})
        ));
        assert!(patterns
            .contains(&&json!({"source": ["aws.ec2"], "account": account, "detail-type": ["EC2 Spot Instance Request Fulfillment"]})));
        assert_eq!(r.values().filter(|v| v["Type"] == "AWS::Lambda::Permission").count(), 3);
        assert_eq!(r["Function"]["Properties"]["MemorySize"], 512);
        let actions = &r["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
        assert_eq!(
            actions[0]["Action"],
            json!(["ec2:DescribeInstances", "ec2:DescribeSpotInstanceRequests"])
        );
        assert_eq!(
            actions[1]["Action"],
            json!([
                "ec2:CancelSpotInstanceRequests",
                "ec2:CreateTags",
                "ec2:StopInstances",
                "ec2:TerminateInstances"
            ])
        );
    }

    #[test]
    fn nothing_periodic_is_an_error() {
        let ps = load_text("t.yml", "policies:\n  - name: a\n    resource: aws.ec2\n").unwrap();
        assert!(lambda_template(&ps, &TemplateOptions::default())
            .unwrap_err()
            .contains("nothing to deploy"));
    }
}
