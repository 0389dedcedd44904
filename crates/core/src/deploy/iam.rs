//! Least privilege: the IAM actions a set of policies calls, and nothing else.

use crate::policy::Policy;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Every IAM action the policies call: each kind's describe call, the calls filters make
/// (related describes, `DescribeInstanceAttribute`), and the calls of each action
/// as configured (an option that adds a call adds its permission). `describe_regions` adds
/// `ec2:DescribeRegions` for runs over every enabled region (`-r all`).
pub fn required_actions(policies: &[Policy], describe_regions: bool) -> BTreeSet<&'static str> {
    let mut actions = BTreeSet::new();
    for p in policies {
        actions.insert(p.kind.spec().describe_api);
        for f in &p.filters {
            f.permissions(&mut actions);
        }
        for a in &p.actions {
            actions.extend(a.permissions(p.kind));
        }
    }
    if describe_regions {
        actions.insert("ec2:DescribeRegions");
    }
    actions
}

/// The IAM policy document granting [`required_actions`]: read-only describe calls in one
/// statement, the calls that change resources in another, so a review sees what can act, and
/// the reads of secrets (`ssm:GetParameter` of a Slack webhook) in a third, scoped to the
/// parameters the policies name. `dry_run`: only what a dry run calls (the describe
/// statement: a dry run never reads a secret, since it sends nothing).
pub fn policy_document(policies: &[Policy], describe_regions: bool, dry_run: bool) -> Value {
    let actions = required_actions(policies, describe_regions);
    let (read, rest): (Vec<&str>, Vec<&str>) = actions.iter().partition(|a| is_describe(a));
    let (secrets, write): (Vec<&str>, Vec<&str>) = rest.iter().partition(|a| SECRET_READS.contains(a));
    let mut statements = vec![json!({
        "Sid": "DescribeResources",
        "Effect": "Allow",
        "Action": read,
        "Resource": "*",
    })];
    if dry_run {
        return json!({"Version": "2012-10-17", "Statement": statements});
    }
    if !write.is_empty() {
        statements.push(json!({
            "Sid": "ApplyPolicyActions",
            "Effect": "Allow",
            "Action": write,
            "Resource": "*",
        }));
    }
    let parameters = webhook_parameters(policies);
    if !secrets.is_empty() && !parameters.is_empty() {
        statements.push(json!({
            "Sid": "ReadWebhookParameters",
            "Effect": "Allow",
            "Action": secrets,
            "Resource": parameters
                .iter()
                .map(|name| format!("arn:aws:ssm:*:*:parameter/{}", name.trim_start_matches('/')))
                .collect::<Vec<_>>(),
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Reads of secrets: never in a dry run's document, and scoped to what the policies name.
const SECRET_READS: &[&str] = &["ssm:GetParameter"];

/// The SSM parameters `notify` reads its Slack webhook from, in order, once each.
fn webhook_parameters(policies: &[Policy]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for p in policies {
        for a in &p.actions {
            if let crate::action::Action::Notify(n) = a {
                if let crate::action::notify::Transport::Slack {
                    webhook: crate::action::request::Webhook::Ssm(name),
                } = &n.transport
                {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
        }
    }
    names
}

/// Whether a call only describes resources (and so belongs to a dry run's document). Secret
/// reads are `Get*` too, and are not.
fn is_describe(action: &str) -> bool {
    !SECRET_READS.contains(&action)
        && action
            .split_once(':')
            .is_some_and(|(_, op)| op.starts_with("Describe") || op.starts_with("List") || op.starts_with("Get"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::load_text;

    #[test]
    fn a_webhook_parameter_is_read_only_by_real_runs_and_only_that_parameter() {
        let ps = load_text(
            "t.yml",
            "policies:
  - name: tell
    resource: aws.ec2
    actions:
      - type: notify
        transport: {type: slack, webhook: {ssm: /custodian/slack-webhook}}
",
        )
        .unwrap();
        let real = policy_document(&ps, false, false);
        let statements = real["Statement"].as_array().unwrap();
        assert_eq!(statements[0]["Action"], json!(["ec2:DescribeInstances"]));
        let secret = statements.iter().find(|s| s["Sid"] == "ReadWebhookParameters").unwrap();
        assert_eq!(secret["Action"], json!(["ssm:GetParameter"]));
        assert_eq!(secret["Resource"], json!(["arn:aws:ssm:*:*:parameter/custodian/slack-webhook"]));
        let dry = policy_document(&ps, false, true);
        assert!(!dry.to_string().contains("ssm:"), "{dry}");
    }

    fn policies(yaml: &str) -> Vec<Policy> {
        load_text("test.yml", yaml).expect("valid policies")
    }

    #[test]
    fn describe_calls_and_configured_actions_only() {
        let ps = policies(
            "policies:
  - name: tag-ec2
    resource: aws.ec2
    actions: [{type: tag, key: a, value: b}]
  - name: stop-ec2
    resource: aws.ec2
    actions: [stop]
  - name: rds-read
    resource: aws.rds
",
        );
        let got: Vec<&str> = required_actions(&ps, false).into_iter().collect();
        assert_eq!(
            got,
            [
                "ec2:CreateTags",
                "ec2:DescribeInstances",
                "ec2:StopInstances",
                "rds:DescribeDBInstances"
            ]
        );
    }

    #[test]
    fn options_that_add_calls_add_permissions() {
        let ps = policies(
            "policies:
  - name: force-stop
    resource: aws.ec2
    actions: [{type: stop, force: true}]
  - name: delete-db
    resource: aws.rds
    actions: [delete]
  - name: cancel-spot
    resource: aws.ec2-spot-request
    actions: [{type: cancel, terminate-instances: true}]
",
        );
        let got: Vec<&str> = required_actions(&ps, true).into_iter().collect();
        assert_eq!(
            got,
            [
                "ec2:CancelSpotInstanceRequests",
                "ec2:DescribeInstances",
                "ec2:DescribeRegions",
                "ec2:DescribeSpotInstanceRequests",
                "ec2:ModifyInstanceAttribute",
                "ec2:StopInstances",
                "ec2:TerminateInstances",
                "rds:CreateDBSnapshot",
                "rds:DeleteDBInstance",
                "rds:DescribeDBInstances",
            ]
        );
        let ps = policies(
            "policies:
  - name: delete-db
    resource: aws.rds
    actions: [{type: delete, skip-snapshot: true}]
  - name: cancel-spot
    resource: aws.ec2-spot-request
    actions: [cancel]
",
        );
        let got: Vec<&str> = required_actions(&ps, false).into_iter().collect();
        assert_eq!(
            got,
            [
                "ec2:CancelSpotInstanceRequests",
                "ec2:DescribeSpotInstanceRequests",
                "rds:DeleteDBInstance",
                "rds:DescribeDBInstances"
            ]
        );
    }

    #[test]
    fn filters_that_load_related_documents_add_their_describe_calls() {
        let ps = policies(
            "policies:\n  - name: a\n    resource: ec2\n    filters:\n      - not:\n          - type: ebs\n            key: Encrypted\n            value: true\n      - type: image-age\n        days: 90\n  - name: b\n    resource: rds\n    filters:\n      - default-vpc\n",
        );
        let got: Vec<&str> = required_actions(&ps, false).into_iter().collect();
        assert_eq!(
            got,
            vec![
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeVolumes",
                "ec2:DescribeVpcs",
                "rds:DescribeDBInstances"
            ]
        );
    }

    #[test]
    fn document_separates_reads_from_writes() {
        let ps = policies("policies:\n  - name: read-only\n    resource: aws.ec2\n");
        let doc = policy_document(&ps, false, false);
        assert_eq!(
            doc,
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "DescribeResources", "Effect": "Allow", "Action": ["ec2:DescribeInstances"], "Resource": "*"}
            ]})
        );
        let ps = policies("policies:\n  - name: stop\n    resource: aws.ec2\n    actions: [stop]\n");
        let doc = policy_document(&ps, false, false);
        assert_eq!(doc["Statement"][1]["Action"], json!(["ec2:StopInstances"]));
        let doc = policy_document(&ps, false, true);
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 1, "a dry run only describes");
    }
}
