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
        actions.insert(p.kind.spec().collection.describe_api);
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
    // Filters read their `value_from: s3://` lists in dry runs too.
    let lists = value_lists(policies);
    if !lists.is_empty() {
        statements.push(json!({"Sid": "ReadValueLists", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": lists}));
    }
    if dry_run {
        return json!({"Version": "2012-10-17", "Statement": statements});
    }
    let (sends, write): (Vec<&str>, Vec<&str>) = write.iter().partition(|a| NOTIFICATION_SENDS.contains(a));
    if !write.is_empty() {
        statements.push(json!({
            "Sid": "ApplyPolicyActions",
            "Effect": "Allow",
            "Action": write,
            "Resource": "*",
        }));
    }
    // Messages go only to the queues and topics the policies name.
    let (queues, topics) = notify_destinations(policies);
    for (action, resources, sid) in [
        ("sqs:SendMessage", queues, "SendToNamedQueues"),
        ("sns:Publish", topics, "PublishToNamedTopics"),
    ] {
        if sends.contains(&action) && !resources.is_empty() {
            statements.push(json!({"Sid": sid, "Effect": "Allow", "Action": [action], "Resource": resources}));
        }
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

/// The S3 objects the policies' filters read values from (`value_from: {url: s3://...}`,
/// `skip-days-from`), as object ARNs, once each.
fn value_lists(policies: &[Policy]) -> Vec<String> {
    let mut arns: Vec<String> = Vec::new();
    for p in policies {
        let mut sources = Vec::new();
        for f in &p.filters {
            f.remote_values(&mut sources);
        }
        for v in sources {
            let Some(rest) = v.url.strip_prefix("s3://") else { continue };
            let object = rest.split('?').next().unwrap_or(rest);
            let arn = format!("arn:aws:s3:::{object}");
            if !arns.contains(&arn) {
                arns.push(arn);
            }
        }
    }
    arns
}

/// Reads of secrets: never in a dry run's document, and scoped to what the policies name.
const SECRET_READS: &[&str] = &["ssm:GetParameter"];

/// Sends of notifications: scoped to the queues and topics the policies name.
const NOTIFICATION_SENDS: &[&str] = &["sqs:SendMessage", "sns:Publish"];

/// The ARNs of the SQS queues and SNS topics the policies' `notify` actions send to: the
/// region and account as written (a queue URL or an ARN), else `*`; a `{placeholder}` is `*`.
/// A name resolves in the run's own account at run time, never another.
fn notify_destinations(policies: &[Policy]) -> (Vec<String>, Vec<String>) {
    use crate::action::notify::Transport;
    let (mut queues, mut topics) = (Vec::new(), Vec::new());
    for p in policies {
        for a in &p.actions {
            let crate::action::Action::Notify(n) = a else { continue };
            let (list, arn) = match &n.transport {
                Transport::Sqs { queue } => (&mut queues, queue_arn(queue)),
                Transport::Sns { topic, .. } => (&mut topics, topic_arn(topic)),
                Transport::Slack { .. } => continue,
            };
            if !list.contains(&arn) {
                list.push(arn);
            }
        }
    }
    (queues, topics)
}

/// `{...}` placeholders as IAM wildcards.
fn wildcard_placeholders(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push('*');
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A queue's ARN pattern from its URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`), ARN
/// or name.
fn queue_arn(queue: &str) -> String {
    let q = wildcard_placeholders(queue);
    if q.starts_with("arn:") {
        return q;
    }
    if let Some(rest) = q.strip_prefix("https://").or_else(|| q.strip_prefix("http://")) {
        let mut parts = rest.split('/');
        let host = parts.next().unwrap_or("");
        let (account, name) = (parts.next().unwrap_or("*"), parts.next().unwrap_or("*"));
        let region = host.strip_prefix("sqs.").and_then(|h| h.split('.').next()).unwrap_or("*");
        return format!("arn:aws:sqs:{region}:{account}:{name}");
    }
    format!("arn:aws:sqs:*:*:{q}")
}

/// A topic's ARN pattern from its ARN or name.
fn topic_arn(topic: &str) -> String {
    let t = wildcard_placeholders(topic);
    if t.starts_with("arn:") {
        t
    } else {
        format!("arn:aws:sns:*:*:{t}")
    }
}

/// Adds to `document` the right to write run outputs under `url` (`s3://BUCKET/PREFIX`):
/// `s3:PutObject` on the prefix's objects, what `run -s s3://...` and the Kubernetes jobs call.
pub fn allow_outputs(document: &mut Value, url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| format!("'{url}' is not s3://BUCKET/PREFIX"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(format!("'{url}' names no bucket"));
    }
    let prefix = prefix.trim_matches('/');
    let objects = if prefix.is_empty() {
        format!("arn:aws:s3:::{bucket}/*")
    } else {
        format!("arn:aws:s3:::{bucket}/{prefix}/*")
    };
    if let Some(statements) = document["Statement"].as_array_mut() {
        statements.push(json!({"Sid": "WriteRunOutputs", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": objects}));
    }
    Ok(())
}

/// A tag that marks resources no policy may stop, terminate, delete or modify, whatever the
/// policies say: `custodian iam --protect-tag KEY=VALUE` and `lambda template --protect-tag`
/// add an explicit `Deny` on those actions for resources carrying it (`aws:ResourceTag`), a
/// net under the policies that an operator sets once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectTag {
    /// The tag key.
    pub key: String,
    /// The tag value.
    pub value: String,
}

impl std::str::FromStr for ProtectTag {
    type Err = String;

    /// `KEY=VALUE`, or `KEY` (value `true`).
    fn from_str(text: &str) -> Result<Self, String> {
        let (key, value) = text.split_once('=').unwrap_or((text, "true"));
        if key.is_empty() || key.len() > 128 || value.len() > 256 {
            return Err(format!("'{text}': a tag KEY=VALUE (key 1-128 characters, value at most 256)"));
        }
        Ok(ProtectTag {
            key: key.to_string(),
            value: value.to_string(),
        })
    }
}

/// Adds to `document` the `Deny` of [`ProtectTag`]: every action of its `ApplyPolicyActions`
/// statement that changes a resource other than its tags, on resources tagged `tag`.
pub fn protect(document: &mut Value, tag: &ProtectTag) {
    let Some(statements) = document["Statement"].as_array_mut() else {
        return;
    };
    let tagging = [
        "ec2:CreateTags",
        "ec2:DeleteTags",
        "rds:AddTagsToResource",
        "rds:RemoveTagsFromResource",
    ];
    let denied: Vec<Value> = statements
        .iter()
        .filter(|s| s["Sid"] == "ApplyPolicyActions")
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter(|a| a.as_str().is_some_and(|a| !tagging.contains(&a)))
        .collect();
    if denied.is_empty() {
        return;
    }
    statements.push(json!({
        "Sid": "ProtectedResources",
        "Effect": "Deny",
        "Action": denied,
        "Resource": "*",
        "Condition": {"StringEquals": {format!("aws:ResourceTag/{}", tag.key): tag.value}},
    }));
}

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
    fn run_outputs_on_s3_are_writable_under_their_prefix_only() {
        let ps = load_text("t.yml", "policies:\n  - name: p\n    resource: aws.ec2\n").unwrap();
        let mut doc = policy_document(&ps, false, true);
        allow_outputs(&mut doc, "s3://audit/custodian/").unwrap();
        let last = doc["Statement"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["Action"], json!(["s3:PutObject"]));
        assert_eq!(last["Resource"], "arn:aws:s3:::audit/custodian/*");
        assert!(allow_outputs(&mut doc, "audit/custodian").is_err());
    }

    #[test]
    fn value_lists_on_s3_are_readable_exactly() {
        let ps = load_text(
            "t.yml",
            "policies:
  - name: owners
    resource: aws.ec2
    filters:
      - type: value
        key: tag:Owner
        op: in
        value_from: {url: 's3://lists/owners.csv?region=eu-west-1', format: csv}
",
        )
        .unwrap();
        for dry_run in [false, true] {
            let doc = policy_document(&ps, false, dry_run);
            let lists = doc["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["Sid"] == "ReadValueLists")
                .unwrap();
            assert_eq!(lists["Resource"], json!(["arn:aws:s3:::lists/owners.csv"]));
        }
    }

    #[test]
    fn messages_go_only_to_the_named_queues_and_topics() {
        let ps = load_text(
            "t.yml",
            "policies:
  - name: tell
    resource: aws.ec2
    actions:
      - type: notify
        to: [a@example.com]
        transport: {type: sqs, queue: https://sqs.eu-west-1.amazonaws.com/111122223333/mailer}
      - type: notify
        to: [a@example.com]
        transport: {type: sqs, queue: 'custodian-{region}'}
      - type: notify
        to: [a@example.com]
        transport: {type: sns, topic: arn:aws:sns:us-east-1:111122223333:alerts}
      - type: stop
",
        )
        .unwrap();
        let doc = policy_document(&ps, false, false);
        let by_sid = |sid: &str| {
            doc["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["Sid"] == sid)
                .cloned()
                .unwrap()
        };
        assert_eq!(
            by_sid("SendToNamedQueues")["Resource"],
            json!(["arn:aws:sqs:eu-west-1:111122223333:mailer", "arn:aws:sqs:*:*:custodian-*"])
        );
        assert_eq!(
            by_sid("PublishToNamedTopics")["Resource"],
            json!(["arn:aws:sns:us-east-1:111122223333:alerts"])
        );
        assert_eq!(by_sid("ApplyPolicyActions")["Action"], json!(["ec2:StopInstances"]));
    }

    #[test]
    fn a_protect_tag_denies_every_change_but_tagging_on_tagged_resources() {
        let ps = load_text(
            "t.yml",
            "policies:\n  - name: p\n    resource: aws.ec2\n    actions: [{type: mark-for-op, op: terminate, days: 1}, terminate]\n",
        )
        .unwrap();
        let mut doc = policy_document(&ps, false, false);
        protect(&mut doc, &"custodian:protect=true".parse().unwrap());
        let deny = doc["Statement"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(deny["Action"], json!(["ec2:TerminateInstances"]));
        assert_eq!(
            deny["Condition"],
            json!({"StringEquals": {"aws:ResourceTag/custodian:protect": "true"}})
        );
        assert_eq!("keep".parse::<ProtectTag>().unwrap().value, "true");
        assert!("=x".parse::<ProtectTag>().is_err());
    }

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
                "ec2:DescribeInstanceAttribute",
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
