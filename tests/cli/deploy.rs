//! `custodian iam` and `custodian lambda template` over the shipped policies: the exact IAM
//! actions, one rule per distinct schedule, and a template that `cfn-lint` accepts.

use crate::util::{custodian, read_json};
use serde_json::{json, Value};
use std::process::Command;

const SHIPPED_DESCRIBE: [&str; 3] = [
    "ec2:DescribeInstances",
    "ec2:DescribeSpotInstanceRequests",
    "rds:DescribeDBInstances",
];
/// What the shipped policies' actions call: tag/mark/unmark, stop/start, cancel + terminate.
const SHIPPED_ACTIONS: [&str; 9] = [
    "ec2:CancelSpotInstanceRequests",
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "ec2:StartInstances",
    "ec2:StopInstances",
    "ec2:TerminateInstances",
    "rds:AddTagsToResource",
    "rds:StartDBInstance",
    "rds:StopDBInstance",
];

#[test]
fn iam_prints_exactly_what_the_shipped_policies_call() {
    let out = custodian(["iam", "policies/"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["Version"], "2012-10-17");
    assert_eq!(doc["Statement"][0]["Action"], json!(SHIPPED_DESCRIBE));
    assert_eq!(doc["Statement"][1]["Action"], json!(SHIPPED_ACTIONS));
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 2);

    // One policy: only its own calls (offhours EC2 stop: describe + stop, no force, no tags).
    let out = custodian(["iam", "policies/", "-p", "ec2-offhours-stop", "--all-regions"]);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["Statement"][0]["Action"],
        json!(["ec2:DescribeInstances", "ec2:DescribeRegions"])
    );
    assert_eq!(doc["Statement"][1]["Action"], json!(["ec2:StopInstances"]));
}

#[test]
fn template_has_one_rule_per_schedule_and_the_least_privilege_role() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("template.json");
    let out = custodian([
        "lambda",
        "template",
        "policies/",
        "--output-bucket",
        "audit-bucket",
        "--function-name",
        "custodian-prod",
        "--protect-tag",
        "custodian:protect=true",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let t = read_json(&file);
    let resources = t["Resources"].as_object().unwrap();
    let mut rules: Vec<(String, Value)> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::Events::Rule" && r["Properties"].get("ScheduleExpression").is_some())
        .map(|r| {
            let input = r["Properties"]["Targets"][0]["InputTransformer"]["InputTemplate"].as_str().unwrap();
            let event: Value = serde_json::from_str(input).expect("the rule input is JSON");
            (
                r["Properties"]["ScheduleExpression"].as_str().unwrap().to_string(),
                event["detail"]["policies"].clone(),
            )
        })
        .collect();
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        rules,
        vec![
            (
                "cron(0 * * * ? *)".to_string(),
                json!(["ec2-offhours-stop", "ec2-onhours-start", "rds-offhours-stop", "rds-onhours-start"])
            ),
            (
                "cron(0 6 * * ? *)".to_string(),
                json!([
                    "ec2-required-tags-mark",
                    "ec2-required-tags-enforce",
                    "ec2-required-tags-unmark",
                    "rds-required-tags-mark",
                    "rds-required-tags-enforce"
                ])
            ),
            (
                "rate(15 minutes)".to_string(),
                json!(["ec2-gpu-without-approval", "gpu-spot-requests-forgotten"])
            ),
        ]
    );
    // The event policies: one rule per distinct event pattern, each with its invoke permission.
    let mut patterns: Vec<&Value> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::Events::Rule")
        .filter_map(|r| r["Properties"].get("EventPattern"))
        .collect();
    patterns.sort_by_key(|p| p.to_string());
    assert_eq!(
        patterns,
        vec![
            &json!({"account": [{"Ref": "AWS::AccountId"}], "detail": {"eventName": ["RequestSpotInstances"], "eventSource": ["ec2.amazonaws.com"]}, "detail-type": ["AWS API Call via CloudTrail"], "source": ["aws.ec2"]}),
            &json!({"account": [{"Ref": "AWS::AccountId"}], "detail-type": ["EC2 Spot Instance Request Fulfillment"], "source": ["aws.ec2"]}),
        ]
    );
    let permissions = resources.values().filter(|r| r["Type"] == "AWS::Lambda::Permission").count();
    assert_eq!(permissions, 5, "three schedules and two event patterns");
    let role = &resources["FunctionRole"]["Properties"]["Policies"];
    assert_eq!(role[0]["PolicyDocument"]["Statement"][0]["Action"], json!(SHIPPED_DESCRIBE));
    assert_eq!(role[0]["PolicyDocument"]["Statement"][1]["Action"], json!(SHIPPED_ACTIONS));
    // The protect tag: an explicit Deny of every change but tagging on resources carrying it.
    let deny = role[0]["PolicyDocument"]["Statement"].as_array().unwrap().last().unwrap();
    assert_eq!(deny["Effect"], "Deny", "{deny}");
    assert_eq!(deny["Condition"]["StringEquals"]["aws:ResourceTag/custodian:protect"], "true");
    assert!(!deny["Action"].as_array().unwrap().contains(&json!("ec2:CreateTags")));
    assert_eq!(
        role[1]["PolicyDocument"]["Statement"][0]["Action"],
        json!(["logs:CreateLogStream", "logs:PutLogEvents"])
    );
    // Outputs and the run ledger: write under the prefix, read and list only the ledger.
    // Failed invocations go to the stack's own queue.
    assert_eq!(role[2]["PolicyDocument"]["Statement"][0]["Action"], json!(["sqs:SendMessage"]));
    assert_eq!(
        resources["FunctionInvokeConfig"]["Properties"]["DestinationConfig"]["OnFailure"]["Destination"],
        json!({"Fn::GetAtt": ["FailedInvocations", "Arn"]})
    );
    let s3: Vec<&Value> = role[3]["PolicyDocument"]["Statement"].as_array().unwrap().iter().collect();
    let actions: Vec<&Value> = s3.iter().map(|s| &s["Action"]).collect();
    assert_eq!(
        actions,
        [&json!(["s3:PutObject"]), &json!(["s3:GetObject"]), &json!(["s3:ListBucket"])]
    );
    assert!(s3[1]["Resource"]["Fn::Sub"].as_str().unwrap().ends_with("/ledger/*"), "{}", s3[1]);
    assert_eq!(role.as_array().unwrap().len(), 4, "nothing else is granted");
    let function = &resources["Function"]["Properties"];
    assert_eq!(function["FunctionName"], "custodian-prod");
    assert_eq!(function["Runtime"], "provided.al2023");
    assert_eq!(function["MemorySize"], 128);
    assert_eq!(function["Environment"]["Variables"]["CUSTODIAN_OUTPUT_BUCKET"], "audit-bucket");

    let lint = std::env::var("CUSTODIAN_CFN_LINT")
        .expect("CUSTODIAN_CFN_LINT is unset: run the tests with ./scripts/test.sh, which installs cfn-lint");
    let out = Command::new(lint).arg(&file).output().expect("cfn-lint runs");
    assert!(
        out.status.success(),
        "cfn-lint rejected the template:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn template_refuses_what_cannot_deploy() {
    let out = custodian(["lambda", "template", "tests/invalid/unknown-filter.yml"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("unknown filter"), "{}", out.stderr);
    let out = custodian(["lambda", "template", "policies/", "--output-bucket", "Audit_Bucket"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("'Audit_Bucket' is not a bucket name"), "{}", out.stderr);
    let dir = tempfile::tempdir().unwrap();
    let pull = dir.path().join("pull.yml");
    std::fs::write(&pull, "policies:\n  - name: on-demand\n    resource: aws.ec2\n").unwrap();
    let out = custodian(["lambda", "template", pull.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("nothing to deploy"), "{}", out.stderr);
}

#[test]
fn report_only_deployment_asks_for_dry_runs_and_can_only_describe() {
    let out = custodian(["lambda", "template", "--dryrun", "policies/"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let t: Value = serde_json::from_str(&out.stdout).unwrap();
    let resources = t["Resources"].as_object().unwrap();
    let statements = &resources["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(
        statements,
        &json!([{"Sid": "DescribeResources", "Effect": "Allow", "Action": SHIPPED_DESCRIBE, "Resource": "*"}])
    );
    assert_eq!(
        resources["Function"]["Properties"]["Environment"]["Variables"]["CUSTODIAN_DRYRUN"], "true",
        "events carry no dryrun flag: the function itself is report-only"
    );
    let inputs: Vec<Value> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::Events::Rule" && r["Properties"].get("ScheduleExpression").is_some())
        .map(|r| serde_json::from_str(r["Properties"]["Targets"][0]["InputTransformer"]["InputTemplate"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(inputs.len(), 3);
    assert!(inputs.iter().all(|e| e["detail"]["dryrun"] == true), "{inputs:?}");

    let out = custodian(["iam", "--dryrun", "policies/"]);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["Statement"], *statements);
}

/// The example pull-request workflow passes actionlint (and actionlint does catch a broken one).
#[test]
fn the_example_github_workflow_passes_actionlint() {
    let lint = std::env::var("CUSTODIAN_ACTIONLINT")
        .expect("CUSTODIAN_ACTIONLINT is unset: run the tests with ./scripts/test.sh, which installs actionlint");
    let workflow = crate::util::root().join("examples/github/custodian-pr.yml");
    let out = Command::new(&lint).arg(&workflow).output().expect("actionlint runs");
    assert!(
        out.status.success(),
        "actionlint rejected the workflow:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&workflow).unwrap();
    for needed in [
        "custodian validate --format github",
        "custodian validate --format sarif",
        "custodian plan --base-ref",
        "gh api",
        "aws-actions/configure-aws-credentials",
        "persist-credentials: false",
        "--rev \"$CUSTODIAN_REV\"",
        "permissions: {}",
        "select(.user.login == \\\"github-actions[bot]\\\")",
    ] {
        assert!(text.contains(needed), "the workflow uses {needed}");
    }
    // Every action is pinned to a full commit SHA.
    for line in text
        .lines()
        .filter(|l| l.trim_start().starts_with("uses:") || l.trim_start().starts_with("- uses:"))
    {
        let reference = line.split('@').nth(1).unwrap_or("").split_whitespace().next().unwrap_or("");
        assert!(
            reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit()),
            "not pinned by commit: {line}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yml");
    std::fs::write(&broken, text.replace("github.base_ref", "github.base_reff")).unwrap();
    let out = Command::new(&lint).arg(&broken).output().expect("actionlint runs");
    assert!(!out.status.success(), "actionlint must reject an unknown context property");
}

/// Runs a linter from the test tooling on `file`; it must accept it.
fn lint(tool_var: &str, args: &[&str], file: &std::path::Path) {
    let tool = std::env::var(tool_var).unwrap_or_else(|_| panic!("{tool_var} is unset: run the tests with ./scripts/test.sh"));
    let out = Command::new(&tool).args(args).arg(file).output().expect("the linter runs");
    assert!(
        out.status.success(),
        "{tool} rejected {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_organization_hub_template_and_its_state_machine_pass_their_linters() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("accounts.yml");
    std::fs::write(
        &accounts,
        "vars: {charge_code: CC-1}\naccounts:\n  - name: payments\n    account_id: '111111111111'\n    role: custodian-member\n    regions: [us-east-1, eu-west-1]\n  - name: research\n    account_id: '222222222222'\n    role: [arn:aws:iam::222222222222:role/hop, custodian-member]\n    external_id: x-1\n",
    )
    .unwrap();
    for (flags, file) in [
        (vec!["--org", accounts.to_str().unwrap()], "hub-file.json"),
        (
            vec!["--organization", "--ou", "/prod", "--output-bucket", "audit-bucket"],
            "hub-org.json",
        ),
    ] {
        let path = dir.path().join(file);
        let mut args = vec![
            "lambda",
            "template",
            "policies/",
            "--timezone",
            "Europe/Paris",
            "-o",
            path.to_str().unwrap(),
        ];
        args.extend(flags);
        let out = custodian(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        lint("CUSTODIAN_CFN_LINT", &[], &path);
        let t = read_json(&path);
        let r = &t["Resources"];
        // The state machine's definition, as CloudFormation fills it in, passes asl-validator.
        let text = r["StateMachine"]["Properties"]["DefinitionString"]["Fn::Sub"][0].as_str().unwrap();
        let filled = text
            .replace("${AWS::Partition}", "aws")
            .replace("${Function.Arn}", "arn:aws:lambda:eu-west-1:123456789012:function:custodian")
            .replace("${OutputBucketName}", "audit-bucket")
            .replace("${MaxConcurrency}", "40")
            .replace("${ToleratedFailurePercentage}", "0")
            .replace("${BatchSize}", "10");
        assert!(
            !filled.contains("${"),
            "every substitution is a template parameter or resource: {filled}"
        );
        let asl = dir.path().join(format!("{file}.asl.json"));
        std::fs::write(&asl, &filled).unwrap();
        lint("CUSTODIAN_ASL_VALIDATOR", &["--json-path"], &asl);
        // The member role: exactly the shipped scheduled policies' calls, trusted by the hub role.
        let body: Value = serde_json::from_str(r["MemberStackSet"]["Properties"]["TemplateBody"].as_str().unwrap()).unwrap();
        let member = &body["Resources"]["MemberRole"]["Properties"];
        let statements = &member["Policies"][0]["PolicyDocument"]["Statement"];
        assert_eq!(statements[0]["Action"], json!(SHIPPED_DESCRIBE));
        assert_eq!(statements[1]["Action"], json!(SHIPPED_ACTIONS));
        let member_file = dir.path().join(format!("{file}.member.json"));
        std::fs::write(&member_file, serde_json::to_string_pretty(&body).unwrap()).unwrap();
        lint("CUSTODIAN_CFN_LINT", &[], &member_file);
        // The hub role assumes the member role name only, in the organization only.
        let hub = r["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
        let assume: Vec<&Value> = hub.iter().filter(|s| s["Action"] == "sts:AssumeRole").collect();
        assert_eq!(assume.len(), 1);
        assert_eq!(
            assume[0]["Condition"]["StringEquals"]["aws:ResourceOrgID"],
            json!({"Ref": "OrganizationId"})
        );
        assert!(
            !hub.iter().any(|s| s["Action"].to_string().contains("ec2:")),
            "the hub acts only through member roles"
        );
        let schedules: Vec<&Value> = r
            .as_object()
            .unwrap()
            .values()
            .filter(|v| v["Type"] == "AWS::Scheduler::Schedule")
            .collect();
        assert_eq!(schedules.len(), 3, "one per distinct schedule of the shipped periodic policies");
        let input: Value = serde_json::from_str(schedules[0]["Properties"]["Target"]["Input"].as_str().unwrap()).unwrap();
        if file == "hub-file.json" {
            let accounts = &input["plan"]["accounts"];
            assert_eq!(
                accounts[1]["role"],
                json!([
                    "arn:aws:iam::222222222222:role/hop",
                    "arn:aws:iam::222222222222:role/custodian-member"
                ])
            );
            assert_eq!(accounts[1]["vars"]["charge_code"], "CC-1", "org vars merged");
        } else {
            assert_eq!(input["plan"]["organization"]["ous"], json!(["/prod"]));
            assert!(hub.iter().any(|s| s["Action"][0] == "organizations:ListAccountsForParent"));
        }
    }
}
