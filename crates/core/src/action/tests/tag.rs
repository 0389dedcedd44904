//! Computed tag values against c7n's rules.
use super::*;
use crate::action::plan::{plan, Candidate};
use serde_json::json;

fn tag_action(tags_yaml: &str) -> Action {
    let text = format!("policies:\n  - name: p\n    resource: ec2\n    actions:\n      - type: tag\n        tags:\n{tags_yaml}");
    match crate::policy::load_text("p.yml", &text) {
        Ok(mut p) => p.remove(0).actions.remove(0),
        Err(e) => panic!("{}", e[0]),
    }
}

#[test]
fn computed_values_follow_c7ns_lookup_and_group_identical_payloads() {
    // c7n's own example (`c7n/tags.py`, Tag).
    let a = tag_action(
        "          Owner:\n            type: resource\n            key: \"Tags[?Key=='Team'].Value | [0]\"\n            default-value: unknown\n          CostCenter:\n            type: resource\n            default-value: unassigned\n",
    );
    let docs = [
        json!({"InstanceId": "i-1", "Tags": [{"Key": "Team", "Value": "ml"}]}),
        json!({"InstanceId": "i-2", "Tags": [{"Key": "Team", "Value": "ml"}, {"Key": "CostCenter", "Value": "42"}]}),
        json!({"InstanceId": "i-3", "Tags": []}),
        json!({"InstanceId": "i-4", "Tags": [{"Key": "Team", "Value": "ml"}]}),
    ];
    let candidates: Vec<Candidate> = docs.iter().map(Candidate::fresh).collect();
    let cx = PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
    let p = plan(&a, &candidates, &cx);
    type Sent = (Vec<String>, Vec<(String, String)>);
    let sent: Vec<Sent> = p
        .requests
        .iter()
        .map(|r| match &r.operation {
            Operation::Ec2CreateTags { tags } => (r.ids.clone(), tags.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    let kv = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    assert_eq!(
        sent,
        vec![
            (
                vec!["i-1".into(), "i-4".into()],
                kv(&[("Owner", "ml"), ("CostCenter", "unassigned")])
            ),
            (vec!["i-2".into()], kv(&[("Owner", "ml")])),
            (vec!["i-3".into()], kv(&[("Owner", "unknown"), ("CostCenter", "unassigned")])),
        ]
    );
    let strict = tag_action("          Owner:\n            type: resource\n            key: InstanceType\n");
    let p = plan(&strict, &candidates, &cx);
    assert!(p.requests.is_empty());
    assert_eq!(
        p.skipped[0].reason,
        "tag 'Owner': 'InstanceType' found nothing and there is no default-value"
    );
}

#[test]
fn computed_values_are_checked() {
    let err = |yaml: &str| {
        let text = format!("policies:\n  - name: p\n    resource: ec2\n    actions:\n      - type: tag\n        tags:\n{yaml}");
        crate::policy::load_text("p.yml", &text).unwrap_err()[0].to_string()
    };
    assert!(err("          Owner:\n            type: event\n            key: x\n").contains("needs 'type: resource'"));
    assert!(err("          Owner:\n            type: resource\n").contains("needs 'key' or 'default-value'"));
    assert!(err("          Owner:\n            type: resource\n            key: '[.'\n").contains("invalid key expression"));
    let typo = err("          Owner:\n            type: resource\n            key: a\n            defualt: x\n");
    assert!(typo.contains("defualt"), "{typo}");
}

#[test]
fn the_tag_family_applies_to_the_taggable_kinds_through_their_tagging() {
    for kind in ResourceKind::all() {
        assert_eq!(DEF.kinds.contains(&kind), kind.spec().tagging.is_some(), "{kind:?}");
    }
    assert_eq!(permissions(ResourceKind::SpotRequest), ["ec2:CreateTags"]);
    assert_eq!(
        crate::action::remove_tag::permissions(ResourceKind::Rds),
        ["rds:RemoveTagsFromResource"]
    );
}
