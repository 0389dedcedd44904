use super::message::{unpack, MESSAGE_BUDGET};
use super::*;
use crate::action::plan::{plan, Candidate, PlanContext, RunFacts};
use crate::policy::load_text;
use crate::resource::Resource;
use serde_json::json;

fn policy(transport: &str) -> crate::policy::Policy {
    let yaml = format!(
        "policies:\n  - name: gpu-alert\n    resource: aws.ec2\n    description: GPU without approval\n    actions:\n      - type: notify\n        to: [ml@example.com, 'tag:Creator']\n        subject: 'GPU <!channel>'\n        violation_desc: 'no gpu-approved tag'\n        transport:\n{transport}"
    );
    load_text("p.yml", &yaml).unwrap().remove(0)
}

fn docs(n: usize, pad: usize) -> Vec<Resource> {
    (0..n)
        .map(|i| {
            Resource::from_document(json!({
                "InstanceId": format!("i-{i:05}"), "InstanceType": "p4d.24xlarge", "State": {"Name": "running"},
                "Tags": [{"Key": "Name", "Value": "<@here> *bold* & `x`"}, {"Key": "Creator", "Value": "jane"}],
                "Padding": (0..pad).map(|j| format!("{:x}", (i * 7919 + j * 104729) % 65521)).collect::<Vec<_>>().join("")
            }))
        })
        .collect()
}

fn planned(p: &crate::policy::Policy, resources: &[Resource]) -> Vec<Request> {
    let refs: Vec<&Resource> = resources.iter().collect();
    let facts = RunFacts {
        policy_name: &p.name,
        policy_data: &p.data,
        description: p.description.as_deref(),
        account_id: Some("123456789012"),
        run_id: "run-1",
        started: "2026-11-24T03:02:11Z".parse().unwrap(),
        resources: &refs,
    };
    let cx = PlanContext {
        run: Some(&facts),
        ..PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-11-24T03:02:11Z".parse().unwrap())
    };
    let candidates: Vec<Candidate> = resources.iter().map(|r| Candidate::fresh(&r.view)).collect();
    plan(&p.actions[0], &candidates, &cx).requests
}

#[test]
fn sqs_messages_are_c7n_mailer_messages() {
    let p = policy("          type: sqs\n          queue: custodian-mailer\n          region: us-east-1\n");
    assert_eq!(p.warnings.len(), 1, "transport region is accepted with a warning");
    let resources = docs(3, 0);
    let requests = planned(&p, &resources);
    assert_eq!(requests.len(), 1);
    let Operation::SqsSendMessage {
        queue_url,
        body,
        attributes,
    } = &requests[0].operation
    else {
        panic!()
    };
    assert_eq!(queue_url, "https://sqs.us-east-1.amazonaws.com/123456789012/custodian-mailer");
    assert_eq!(attributes, &vec![("mtype".to_string(), "maidmsg/1.0".to_string())]);
    let m = unpack(body).unwrap();
    // What c7n-mailer reads (c7n_mailer/email_delivery.py, utils.py).
    assert_eq!(m["policy"]["name"], "gpu-alert");
    assert_eq!(m["policy"]["resource"], "aws.ec2");
    assert_eq!(m["action"]["to"], json!(["ml@example.com", "tag:Creator"]));
    assert_eq!(m["action"]["transport"]["type"], "sqs");
    assert_eq!(m["action"]["violation_desc"], "no gpu-approved tag");
    assert_eq!(m["account_id"], "123456789012");
    assert_eq!(m["region"], "us-east-1");
    assert_eq!(m["partition"], "aws");
    assert_eq!(m["execution_id"], "run-1");
    assert_eq!(m["execution_start"], json!(1795489331.0));
    assert_eq!(m["event"], Value::Null);
    assert_eq!(m["resources"].as_array().unwrap().len(), 3);
    assert_eq!(m["resources"][1]["InstanceId"], "i-00001");
    assert_eq!(
        m["resources"][1]["Tags"][1]["Value"], "jane",
        "whole documents, not the pruned views"
    );
}

#[test]
fn large_digests_are_split_within_the_size_limit() {
    let p = policy("          type: sns\n          topic: alerts\n          attributes: {team: ml}\n");
    let resources = docs(400, 400);
    let requests = planned(&p, &resources);
    assert!(requests.len() > 1, "{} messages", requests.len());
    let mut seen = Vec::new();
    for r in &requests {
        let Operation::SnsPublish {
            topic_arn,
            message,
            subject,
            attributes,
        } = &r.operation
        else {
            panic!()
        };
        assert_eq!(topic_arn, "arn:aws:sns:us-east-1:123456789012:alerts");
        assert_eq!(subject.as_deref(), Some("GPU <!channel>"));
        assert!(attributes.contains(&("team".to_string(), "ml".to_string())));
        assert!(message.len() <= MESSAGE_BUDGET, "{}", message.len());
        let m = unpack(message).unwrap();
        let ids: Vec<String> = m["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["InstanceId"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, r.ids);
        seen.extend(ids);
    }
    let all: Vec<String> = (0..400).map(|i| format!("i-{i:05}")).collect();
    assert_eq!(seen, all, "every resource once, in order");
}

#[test]
fn slack_blocks_escape_resource_text_and_respect_limits() {
    let p = policy("          type: slack\n          webhook: CUSTODIAN_SLACK_WEBHOOK\n");
    let resources = docs(600, 0);
    let requests = planned(&p, &resources);
    assert_eq!(requests.len(), 2, "470 resources a message");
    for r in &requests {
        let Operation::SlackPost { webhook, payload } = &r.operation else {
            panic!()
        };
        assert_eq!(webhook, &Webhook::Env("CUSTODIAN_SLACK_WEBHOOK".into()));
        let v: Value = serde_json::from_str(payload).unwrap();
        let blocks = v["blocks"].as_array().unwrap();
        assert!(blocks.len() <= 50);
        assert!(blocks[0]["text"]["text"].as_str().unwrap().chars().count() <= 150);
        for b in blocks.iter().filter(|b| b["type"] == "section") {
            let t = b["text"]["text"].as_str().unwrap();
            assert!(t.chars().count() <= 3000);
            assert!(!t.contains("<@here>") && !t.contains('`') || t.contains("`i-"), "{t}");
        }
    }
    let first: Value = serde_json::from_str(match &requests[0].operation {
        Operation::SlackPost { payload, .. } => payload,
        _ => unreachable!(),
    })
    .unwrap();
    let line = first["blocks"][2]["text"]["text"].as_str().unwrap();
    assert!(
        line.starts_with("• `i-00000` · &lt;@here&gt; *bold* &amp; 'x' · p4d.24xlarge · _running_ · Creator: jane"),
        "{line}"
    );
    assert_eq!(requests[0].ids.len() + requests[1].ids.len(), 600);
}

#[test]
fn chatbot_format_is_awss_custom_notification() {
    let p = policy("          type: sns\n          topic: arn:aws:sns:eu-west-1:111122223333:chatbot\n          format: chatbot\n");
    let resources = docs(2, 0);
    let requests = planned(&p, &resources);
    let Operation::SnsPublish {
        topic_arn,
        message,
        attributes,
        ..
    } = &requests[0].operation
    else {
        panic!()
    };
    assert_eq!(topic_arn, "arn:aws:sns:eu-west-1:111122223333:chatbot");
    assert!(attributes.is_empty());
    let m: Value = serde_json::from_str(message).unwrap();
    assert_eq!((m["version"].as_str(), m["source"].as_str()), (Some("1.0"), Some("custom")));
    assert_eq!(m["content"]["textType"], "client-markdown");
    assert_eq!(m["metadata"]["relatedResources"], json!(["i-00000", "i-00001"]));
}

#[test]
fn notify_mistakes_are_located() {
    let bad = |transport: &str| {
        match load_text(
        "p.yml",
        &format!("policies:\n  - name: a\n    resource: aws.ec2\n    actions:\n      - type: notify\n        to: [x]\n        transport: {transport}\n"),
    ) {
        Ok(_) => String::new(),
        Err(e) => e[0].to_string().lines().next().unwrap_or("").to_string(),
    }
    };
    assert!(bad("{type: slack, webhook: 'https://hooks.slack.com/services/T0/B0/x'}").contains("never put a webhook URL in a policy"));
    assert!(bad("{type: sns, topic: t, attributes: {mtype: x}}").contains("'mtype' is reserved"));
    assert!(bad("{type: email}").contains("unknown notify transport 'email'"));
    assert!(bad("{type: sqs}").contains("needs 'queue'"));
    assert_eq!(bad("{type: slack, webhook: {ssm: /custodian/slack}}"), "");
    assert!(bad("{type: slack, webhook: AWS_CONTAINER_CREDENTIALS_FULL_URI}").contains("not AWS_*"));
    assert!(bad("{type: slack, webhook: {env: AWS_SECRET_ACCESS_KEY}}").contains("one of the two"));
    assert!(bad("{type: slack, webhook: _HANDLER}").contains("not a webhook variable name"));
    let e = load_text(
        "p.yml",
        "policies:\n  - name: a\n    resource: aws.ec2\n    actions:\n      - type: notify\n        include-failed: maybe\n        transport: {type: slack, webhook: W}\n",
    )
    .unwrap_err();
    assert!(e[0].to_string().contains("expected true or false"), "{}", e[0]);
    let e = load_text(
        "p.yml",
        "policies:\n  - name: a\n    resource: aws.ec2\n    actions:\n      - type: notify\n        transport: {type: sqs, queue: q}\n",
    )
    .unwrap_err();
    assert!(e[0].to_string().contains("needs 'to'"), "{}", e[0]);
}

#[test]
fn queue_and_topic_forms_resolve_as_c7n() {
    let facts = message::Facts {
        policy_name: "p",
        policy_data: json!({}),
        description: None,
        resource: "aws.ec2",
        account_id: Some("123456789012"),
        region: "eu-west-1",
        partition: "aws",
        run_id: "r",
        started: 0.0,
        event: None,
    };
    assert_eq!(
        message::queue_url("arn:aws:sqs:us-east-2:111:q", &facts),
        "https://sqs.us-east-2.amazonaws.com/111/q"
    );
    assert_eq!(
        message::queue_url("q-{region}", &facts),
        "https://sqs.eu-west-1.amazonaws.com/123456789012/q-eu-west-1"
    );
    assert_eq!(
        message::region_of("https://sqs.us-east-2.amazonaws.com/111/q").as_deref(),
        Some("us-east-2")
    );
    assert_eq!(
        message::region_of("https://us-west-1.queue.amazonaws.com/111/q").as_deref(),
        Some("us-west-1")
    );
    assert_eq!(message::region_of("arn:aws:sns:ap-south-1:1:t").as_deref(), Some("ap-south-1"));
    assert_eq!(message::region_of("http://127.0.0.1:5000/123456789012/q"), None);
}

#[test]
fn a_message_carries_the_policy_with_value_from_secrets_redacted() {
    let yaml = "policies:\n  - name: owners\n    resource: aws.ec2\n    filters:\n      - type: value\n        key: tag:Owner\n        op: in\n        value_from:\n          url: 'https://u:p@lists.example.com/owners.json?token=t0k'\n          headers: {Authorization: Bearer s3cret}\n    actions:\n      - type: notify\n        to: [team@example.com]\n        transport: {type: sqs, queue: q}\n";
    let p = load_text("p.yml", yaml).unwrap().remove(0);
    let requests = planned(&p, &docs(1, 0));
    let Operation::SqsSendMessage { body, .. } = &requests[0].operation else {
        panic!()
    };
    let message = unpack(body).unwrap();
    let policy = message["policy"].to_string();
    assert!(policy.contains("<redacted>"), "{policy}");
    assert!(
        !policy.contains("s3cret") && !policy.contains("t0k") && !policy.contains("u:p@"),
        "{policy}"
    );
}
