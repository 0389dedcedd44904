//! `modify-security-groups` against c7n's `get_groups` rules.

use super::*;
use crate::action::plan::{plan, Candidate};
use crate::resource::details::Details;
use serde_json::json;

fn action(yaml: &str, kind: &str) -> Action {
    let text = format!("policies:\n  - name: p\n    resource: {kind}\n    actions:\n      - type: modify-security-groups\n{yaml}");
    match crate::policy::load_text("p.yml", &text) {
        Ok(mut p) => p.remove(0).actions.remove(0),
        Err(e) => panic!("{}", e[0]),
    }
}

fn error(yaml: &str) -> String {
    let text = format!("policies:\n  - name: p\n    resource: ec2\n    actions:\n      - type: modify-security-groups\n{yaml}");
    crate::policy::load_text("p.yml", &text).unwrap_err()[0].to_string()
}

fn groups() -> Details {
    let mut d = Details::default();
    d.add_related(
        Related::SecurityGroups,
        None,
        vec![
            json!({"GroupId": "sg-web", "GroupName": "web", "VpcId": "vpc-1"}),
            json!({"GroupId": "sg-open", "GroupName": "launch-wizard-1", "VpcId": "vpc-1"}),
            json!({"GroupId": "sg-quarantine", "GroupName": "quarantine", "VpcId": "vpc-1"}),
            json!({"GroupId": "sg-other-vpc", "GroupName": "quarantine", "VpcId": "vpc-2"}),
            json!({"GroupId": "sg-prod", "GroupName": "prod", "VpcId": "vpc-1", "Tags": [{"Key": "environment", "Value": "production"}]}),
        ],
    );
    d
}

fn instance() -> Value {
    json!({"InstanceId": "i-1", "VpcId": "vpc-1", "NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "Groups": [{"GroupId": "sg-web"}, {"GroupId": "sg-open"}]},
        {"NetworkInterfaceId": "eni-2", "VpcId": "vpc-1", "Groups": [{"GroupId": "sg-web"}]}]})
}

fn sent(a: &Action, doc: &Value, matched: Option<&GroupAnnotations>) -> (Vec<Value>, Vec<String>) {
    let d = groups();
    let cx = PlanContext {
        details: Some(&d),
        groups: matched,
        ..PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap())
    };
    let p = plan(a, &[Candidate::fresh(doc)], &cx);
    (
        p.requests.iter().map(|r| r.operation.params()).collect(),
        p.skipped.iter().map(|s| s.reason.clone()).collect(),
    )
}

#[test]
fn names_resolve_in_the_resources_vpc_and_unchanged_interfaces_get_no_call() {
    let a = action("        add: prod\n        remove: [launch-wizard-1]\n", "ec2");
    let (requests, _) = sent(&a, &instance(), None);
    assert_eq!(
        requests,
        vec![
            json!({"NetworkInterfaceId": "eni-1", "Groups": ["sg-web", "sg-prod"]}),
            json!({"NetworkInterfaceId": "eni-2", "Groups": ["sg-web", "sg-prod"]})
        ]
    );
    let only_remove = action("        remove: [sg-open]\n        isolation-group: quarantine\n", "ec2");
    let (requests, _) = sent(&only_remove, &instance(), None);
    assert_eq!(
        requests,
        vec![json!({"NetworkInterfaceId": "eni-1", "Groups": ["sg-web"]})],
        "eni-2 is unchanged"
    );
    let all = action("        remove: all\n        isolation-group: quarantine\n", "ec2");
    let (requests, _) = sent(&all, &instance(), None);
    assert_eq!(
        requests[0],
        json!({"NetworkInterfaceId": "eni-1", "Groups": ["sg-quarantine"]}),
        "quarantine of vpc-1, not vpc-2"
    );
    let missing = action("        add: nosuch\n", "ec2");
    let (requests, skipped) = sent(&missing, &instance(), None);
    assert!(requests.is_empty());
    assert_eq!(skipped, vec!["no security group named 'nosuch' in vpc-1"]);
}

#[test]
fn matched_and_add_by_tag() {
    let a = action("        remove: matched\n        isolation-group: sg-quarantine\n", "ec2");
    let annotations = GroupAnnotations {
        matched: [("i-1".to_string(), vec!["sg-open".to_string()])].into(),
        mismatched: [("i-1".to_string(), vec!["sg-web".to_string()])].into(),
    };
    let (requests, _) = sent(&a, &instance(), Some(&annotations));
    assert_eq!(requests, vec![json!({"NetworkInterfaceId": "eni-1", "Groups": ["sg-web"]})]);
    let located = action(
        "        remove: network-location
        isolation-group: sg-quarantine
",
        "ec2",
    );
    let (requests, _) = sent(&located, &instance(), Some(&annotations));
    assert_eq!(
        requests,
        vec![
            json!({"NetworkInterfaceId": "eni-1", "Groups": ["sg-open"]}),
            json!({"NetworkInterfaceId": "eni-2", "Groups": ["sg-quarantine"]})
        ]
    );
    let tagged = action(
        "        add-by-tag:\n          key: environment\n          values: [production]\n",
        "ec2",
    );
    let (requests, _) = sent(&tagged, &instance(), None);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1], json!({"NetworkInterfaceId": "eni-2", "Groups": ["sg-web", "sg-prod"]}));
    assert!(a.behaviour().needs(&instance()).is_empty(), "ids only: no group list needed");
    assert!(!tagged.behaviour().needs(&instance()).is_empty());
}

#[test]
fn rds_instances_are_modified_whole_and_cluster_members_left_alone() {
    let a = action("        add: sg-prod\n", "rds");
    let db = json!({"DBInstanceIdentifier": "db-1", "DBSubnetGroup": {"VpcId": "vpc-1"}, "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-web"}]});
    let d = groups();
    let cx = PlanContext {
        details: Some(&d),
        ..PlanContext::new(ResourceKind::Rds, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap())
    };
    let p = plan(&a, &[Candidate::fresh(&db)], &cx);
    assert_eq!(
        p.requests[0].operation.params(),
        json!({"VpcSecurityGroupIds": ["sg-web", "sg-prod"]})
    );
    let mut member = db.clone();
    member["DBClusterIdentifier"] = json!("aurora-1");
    let p = plan(&a, &[Candidate::fresh(&member)], &cx);
    assert!(p.skipped[0].reason.starts_with("Aurora cluster member"));
}

#[test]
fn c7ns_schema_rules_are_checked() {
    assert!(error("        remove: [sg-1]\n").contains("needs 'add', 'add-by-tag', or 'remove' with 'isolation-group'"));
    assert!(error("        add-by-tag:\n          key: a\n").contains("needs 'key' and 'values'"));
}
