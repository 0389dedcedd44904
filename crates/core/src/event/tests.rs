use super::*;
use crate::policy::load_text;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../examples/events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

const POLICIES: &str = "policies:
  - name: launched
    resource: aws.ec2
    mode: {type: cloudtrail, events: [RunInstances]}
  - name: spot-requested
    resource: aws.ec2-spot-request
    mode: {type: cloudtrail, events: [RequestSpotInstances]}
  - name: tagged
    resource: aws.ec2-spot-request
    mode: {type: cloudtrail, events: [CreateTags]}
  - name: started
    resource: aws.ec2
    mode:
      type: cloudtrail
      events:
        - source: ec2.amazonaws.com
          event: RunInstances
          ids: responseElements.instancesSet.items[0].instanceId
  - name: running
    resource: aws.ec2
    mode: {type: ec2-instance-state, events: [running]}
  - name: stopped
    resource: aws.ec2
    mode: {type: ec2-instance-state, events: [stopped]}
  - name: fulfilled
    resource: aws.ec2-spot-request
    mode: {type: ec2-spot-fulfillment}
  - name: nightly
    resource: aws.ec2
    mode: {type: periodic, schedule: rate(1 hour)}
";

#[test]
fn each_event_runs_the_policies_whose_mode_matches_it_on_the_ids_it_names() {
    let ps = load_text("p.yml", POLICIES).unwrap();
    let route_of = |name: &str| route(&ps, &Event::parse(fixture(name)).unwrap()).unwrap();
    let r = route_of("run-instances.json");
    assert_eq!(r.policies, vec!["launched", "started"]);
    assert_eq!(r.ids["launched"], vec!["i-0bad000000000003"]);
    assert_eq!(
        r.ids["started"],
        vec!["i-0bad000000000003"],
        "ids without 'detail.' read the CloudTrail record"
    );
    let r = route_of("request-spot-instances.json");
    assert_eq!(r.policies, vec!["spot-requested"]);
    assert_eq!(r.ids["spot-requested"], vec!["sir-0active0000001"]);
    let r = route_of("instance-state-running.json");
    assert_eq!(r.policies, vec!["running"]);
    let r = route_of("spot-fulfillment.json");
    assert_eq!(r.policies, vec!["fulfilled"]);
    assert_eq!(r.ids["fulfilled"], vec!["sir-0active0000001"]);
}

#[test]
fn failed_calls_are_skipped_and_say_why() {
    let ps = load_text("p.yml", POLICIES).unwrap();
    let e = Event::parse(fixture("run-instances-denied.json")).unwrap();
    let r = route(&ps, &e).unwrap();
    assert!(r.policies.is_empty());
    assert_eq!(r.skipped.len(), 2);
    assert_eq!(r.skipped[0].0, "launched");
    assert!(
        r.skipped[0].1.contains("failed with Client.UnauthorizedOperation"),
        "{:?}",
        r.skipped
    );
}

#[test]
fn multi_kind_events_keep_each_kinds_ids() {
    let ps = load_text("p.yml", POLICIES).unwrap();
    let e = Event::parse(json!({
        "detail-type": API_CALL, "region": "us-east-1",
        "detail": {"eventSource": "ec2.amazonaws.com", "eventName": "CreateTags",
                   "requestParameters": {"resourcesSet": {"items": [{"resourceId": "i-1"}, {"resourceId": "sir-9"}, {"resourceId": "vol-1"}]}}}
    }))
    .unwrap();
    let r = route(&ps, &e).unwrap();
    assert_eq!(r.ids["tagged"], vec!["sir-9"], "c7n's match_ids: only spot request ids");
}

#[test]
fn bare_cloudtrail_records_and_foreign_events() {
    let record = fixture("run-instances.json")["detail"].clone();
    let e = Event::parse(record).unwrap();
    assert_eq!(e.region.as_deref(), Some("us-east-1"));
    assert_eq!(e.account.as_deref(), Some("123456789012"));
    assert_eq!(e.describe(), "RunInstances (ec2.amazonaws.com)");
    let err = Event::parse(json!({"detail-type": "GuardDuty Finding", "detail": {}})).unwrap_err();
    assert!(err.contains("run no policy"), "{err}");
    let err = Event::parse(json!({"detail-type": INSTANCE_STATE, "detail": {"state": "running"}})).unwrap_err();
    assert!(err.contains("detail.instance-id"), "{err}");
    assert!(Event::parse(json!([1])).is_err());
}

#[test]
fn patterns_follow_c7n() {
    let ps = load_text("p.yml", POLICIES).unwrap();
    let mode = ps[3].mode.event().unwrap();
    assert_eq!(
        pattern(mode),
        json!({"source": ["aws.ec2"], "detail-type": [API_CALL], "detail": {"eventSource": ["ec2.amazonaws.com"], "eventName": ["RunInstances"]}})
    );
}

#[test]
fn only_aws_own_events_from_the_functions_account_are_trusted() {
    let call = |source: Option<&str>, account: Option<&str>| {
        let mut e = json!({"detail-type": API_CALL, "time": "2026-11-23T15:00:00Z",
            "detail": {"eventSource": "ec2.amazonaws.com", "eventName": "RunInstances"}});
        if let Some(s) = source {
            e["source"] = json!(s);
        }
        if let Some(a) = account {
            e["account"] = json!(a);
        }
        Event::parse(e).unwrap()
    };
    assert_eq!(call(Some("aws.ec2"), Some("111122223333")).authenticate("111122223333"), Ok(()));
    let forged = call(Some("my.app"), Some("111122223333")).authenticate("111122223333").unwrap_err();
    assert!(forged.contains("'my.app', not 'aws.ec2'"), "{forged}");
    assert!(call(None, Some("111122223333"))
        .authenticate("111122223333")
        .unwrap_err()
        .contains("no 'source'"));
    let foreign = call(Some("aws.ec2"), Some("999999999999"))
        .authenticate("111122223333")
        .unwrap_err();
    assert!(foreign.contains("account 999999999999, not"), "{foreign}");
    assert!(call(Some("aws.ec2"), None).authenticate("111122223333").is_err());
    // State changes and fulfilments come from aws.ec2.
    let state = Event::parse(json!({"detail-type": INSTANCE_STATE, "source": "aws.ec2", "account": "1",
        "detail": {"instance-id": "i-1", "state": "running"}}))
    .unwrap();
    assert_eq!(state.authenticate("1"), Ok(()));
    // A bare CloudTrail record is read as AWS delivers it.
    let record = Event::parse(json!({"eventSource": "rds.amazonaws.com", "eventName": "CreateDBInstance",
        "recipientAccountId": "1"}))
    .unwrap();
    assert_eq!(record.expected_source(), "aws.rds");
    assert_eq!(record.authenticate("1"), Ok(()));
}
