//! `network-location` against c7n's `NetworkLocation` rules.

use super::*;
use crate::resource::details::Details;
use serde_json::json;

fn filter(yaml: &str) -> NetworkLocation {
    let text = format!(
        "policies:\n  - name: p\n    resource: ec2\n    filters:\n{}\n",
        yaml.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
    );
    match crate::policy::load_text("p.yml", &text).map(|mut p| p.remove(0).filters.remove(0)) {
        Ok(Filter::NetworkLocation(n)) => *n,
        Ok(other) => panic!("{other:?}"),
        Err(e) => panic!("{}", e[0]),
    }
}

fn details() -> Details {
    let mut d = Details::default();
    let team = |t: &str| json!([{"Key": "TEAM", "Value": t}]);
    d.add_related(
        Related::SecurityGroups,
        None,
        vec![
            json!({"GroupId": "sg-ml", "Tags": team("ml")}),
            json!({"GroupId": "sg-web", "Tags": team("web")}),
            json!({"GroupId": "sg-shared", "Tags": team("Enterprise")}),
            json!({"GroupId": "sg-untagged"}),
        ],
    );
    d.add_related(Related::Subnets, None, vec![json!({"SubnetId": "subnet-ml", "Tags": team("ml")})]);
    d
}

fn instance(team: Option<&str>, groups: &[&str]) -> Value {
    let mut i = json!({"InstanceId": "i-1", "NetworkInterfaces": [{"SubnetId": "subnet-ml",
        "Groups": groups.iter().map(|g| json!({"GroupId": g})).collect::<Vec<_>>()}]});
    if let Some(t) = team {
        i["Tags"] = json!([{"Key": "TEAM", "Value": t}]);
    }
    i
}

fn run(f: &NetworkLocation, doc: &Value) -> (Option<bool>, Vec<String>) {
    let d = details();
    let cx = EvalContext {
        details: Some(&d),
        ..EvalContext::new(ResourceKind::Ec2, "2026-07-01T00:00:00Z".parse().unwrap())
    };
    (f.check(doc, &cx), f.mismatched_groups(doc, &cx))
}

#[test]
fn mismatches_are_found_and_named() {
    let f =
        filter("- type: network-location\n  compare: [resource, security-group]\n  key: tag:TEAM\n  ignore:\n    - tag:TEAM: Enterprise");
    assert_eq!(
        run(&f, &instance(Some("ml"), &["sg-ml", "sg-shared"])),
        (Some(false), vec![]),
        "the shared group is ignored"
    );
    assert_eq!(
        run(&f, &instance(Some("ml"), &["sg-ml", "sg-web"])),
        (Some(true), vec!["sg-web".to_string()])
    );
    let (m, groups) = run(&f, &instance(None, &["sg-ml"]));
    assert_eq!(m, Some(true), "a resource without the tag");
    assert_eq!(groups, vec!["sg-ml"], "every group differs from an absent value");
    assert_eq!(
        run(&f, &instance(Some("ml"), &["sg-untagged"])).0,
        Some(true),
        "a group without the tag"
    );
    let lenient = filter(
        "- type: network-location\n  compare: [resource, security-group]\n  key: tag:TEAM\n  missing-ok: true\n  max-cardinality: 2",
    );
    assert_eq!(run(&lenient, &instance(Some("ml"), &["sg-ml"])).0, Some(false));
}

#[test]
fn subnets_and_groups_must_agree_and_equal_and_in_invert() {
    let all = filter("- type: network-location\n  key: tag:TEAM");
    assert_eq!(run(&all, &instance(Some("ml"), &["sg-ml"])).0, Some(false), "all three agree");
    assert_eq!(
        run(&all, &instance(Some("ml"), &["sg-web"])).0,
        Some(true),
        "group and subnet disagree"
    );
    let equal = filter("- type: network-location\n  key: tag:TEAM\n  match: equal");
    assert_eq!(run(&equal, &instance(Some("ml"), &["sg-ml"])).0, Some(true));
    let within = filter("- type: network-location\n  key: tag:TEAM\n  match: in\n  value: [ml, web]");
    assert_eq!(run(&within, &instance(Some("web"), &["sg-ml", "sg-web"])).0, Some(true));
    assert_eq!(run(&within, &instance(Some("ops"), &["sg-ml"])).0, Some(false));
}
