use super::*;
use crate::action::request::Request;
use crate::provider::Fetched;
use crate::resource::query::Query;
use crate::resource::FieldSet;
use std::sync::Mutex;

/// A provider over fixed documents that records what it is asked to send.
struct Fake {
    sent: Mutex<Vec<(String, Vec<String>)>>,
    fail: &'static str,
}

/// A fake that answers slowly, for deadline tests.
struct Slow(Fake, Duration);

impl Provider for Slow {
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn regions(&self) -> Vec<String> {
        self.0.regions()
    }
    fn fetch(&self, region: &str, kind: ResourceKind, fields: &FieldSet, query: &Query) -> Result<Fetched, FetchError> {
        self.0.fetch(region, kind, fields, query)
    }
    fn can_act(&self) -> bool {
        true
    }
    fn apply(&self, region: &str, request: &Request) -> (Vec<IdOutcome>, BTreeMap<String, u64>) {
        std::thread::sleep(self.1);
        self.0.apply(region, request)
    }
}

impl Provider for Fake {
    fn describe(&self) -> String {
        "fake".into()
    }
    fn regions(&self) -> Vec<String> {
        vec!["r1".into()]
    }
    fn fetch(&self, _region: &str, kind: ResourceKind, _fields: &FieldSet, _query: &Query) -> Result<Fetched, FetchError> {
        let docs = match kind {
            ResourceKind::Ec2 => vec![
                serde_json::json!({"InstanceId": "i-1", "State": {"Name": "running"}, "Tags": [{"Key": "Environment", "Value": "dev"}]}),
                serde_json::json!({"InstanceId": "i-2", "State": {"Name": "running"}, "Tags": [{"Key": "Environment", "Value": "dev"}]}),
                serde_json::json!({"InstanceId": "i-3", "State": {"Name": "running"}, "Tags": []}),
            ],
            ResourceKind::Rds | ResourceKind::SpotRequest => vec![],
        };
        Ok(Fetched {
            resources: docs.into_iter().map(Resource::from_document).collect(),
            api_calls: vec![],
        })
    }
    fn can_act(&self) -> bool {
        true
    }
    fn apply(&self, _region: &str, request: &Request) -> (Vec<IdOutcome>, BTreeMap<String, u64>) {
        self.sent.lock().unwrap().push((request.api().to_string(), request.ids.clone()));
        let outcomes = request
            .ids
            .iter()
            .map(|id| {
                if id == self.fail {
                    IdOutcome::failed(id, "IncorrectInstanceState", "no")
                } else {
                    IdOutcome::applied(id)
                }
            })
            .collect();
        (outcomes, BTreeMap::from([(request.api().replacen(':', ".", 1), 1)]))
    }
}

fn policies(yaml: &str) -> Vec<Policy> {
    crate::policy::load_text("p.yml", yaml).unwrap()
}

fn apply<'a>(ps: &'a [Policy], regions: &'a [String], clock: Clock, fake: &'a Fake, deadline: Deadline) -> RunSpec<'a> {
    RunSpec {
        deadline,
        ..RunSpec::new(ps, regions, clock, RunMode::Apply(fake))
    }
}

#[test]
fn filters_see_the_fetched_state_and_actions_see_what_earlier_policies_did() {
    let ps = policies(
        "policies:\n  - name: stop-dev\n    resource: ec2\n    filters:\n      - tag:Environment: dev\n    actions:\n      - stop\n      - type: tag\n        tags: {stopped-by: custodian}\n  - name: stop-running\n    resource: ec2\n    filters:\n      - State.Name: running\n    actions:\n      - stop\n  - name: untagged\n    resource: ec2\n    filters:\n      - tag:stopped-by: absent\n",
    );
    let fake = Fake {
        sent: Mutex::new(Vec::new()),
        fail: "",
    };
    let regions = vec!["r1".to_string()];
    let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::none());
    let clock = Clock::Fixed("2026-01-01T00:00:00Z".parse().unwrap());
    let runs = run(&apply(&ps, &regions, clock, &fake, Deadline::none()), &inventory);
    let sent = fake.sent.lock().unwrap().clone();
    assert_eq!(
        sent,
        vec![
            ("ec2:StopInstances".to_string(), vec!["i-1".to_string(), "i-2".to_string()]),
            ("ec2:CreateTags".to_string(), vec!["i-1".to_string(), "i-2".to_string()]),
            ("ec2:StopInstances".to_string(), vec!["i-3".to_string()]),
        ],
        "i-1 and i-2 are stopped once, not again by the second policy"
    );
    let ids = |r: &PolicyRun| {
        r.matched
            .iter()
            .map(|m| crate::resource::resource_id(ResourceKind::Ec2, &m.view).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&runs[1]), vec!["i-1", "i-2", "i-3"], "matches are those of the fetched state");
    assert_eq!(
        ids(&runs[2]),
        vec!["i-1", "i-2", "i-3"],
        "as Cloud Custodian: filters do not see other policies"
    );
    let skipped = &runs[1].plans[0].skipped;
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0].id, "i-1");
    assert_eq!(skipped[0].earlier_policy.as_deref(), Some("stop-dev"));
    assert!(
        skipped[0]
            .reason
            .starts_with("no longer matches the filters after policy 'stop-dev' (stop)"),
        "{}",
        skipped[0].reason
    );
    assert_eq!(runs[0].action_calls.get("ec2.StopInstances"), Some(&1));
    assert_eq!(runs[0].failures(), 0);
}

#[test]
fn a_failing_resource_does_not_stop_the_others() {
    let ps = policies("policies:\n  - name: stop-all\n    resource: ec2\n    actions:\n      - stop\n");
    let fake = Fake {
        sent: Mutex::new(Vec::new()),
        fail: "i-2",
    };
    let regions = vec!["r1".to_string()];
    let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::none());
    let runs = run(&apply(&ps, &regions, Clock::System, &fake, Deadline::none()), &inventory);
    let outcomes = &runs[0].outcomes[0];
    assert_eq!(outcomes.len(), 3);
    assert_eq!(outcomes.iter().filter(|o| o.error.is_none()).count(), 2);
    assert_eq!(outcomes[1], IdOutcome::failed("i-2", "IncorrectInstanceState", "no"));
    assert_eq!(runs[0].failures(), 1);
}

#[test]
fn a_reached_deadline_starts_nothing_and_says_so() {
    let ps = policies("policies:\n  - name: stop-all\n    resource: ec2\n    actions: [stop]\n");
    let fake = Fake {
        sent: Mutex::new(Vec::new()),
        fail: "",
    };
    let regions = vec!["r1".to_string()];
    let clock = Clock::Fixed("2026-01-01T00:00:00Z".parse().unwrap());
    // Fetched in time, but the deadline passes before the policy starts.
    let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::none());
    let runs = run(&apply(&ps, &regions, clock, &fake, Deadline::at(Instant::now())), &inventory);
    assert_eq!(runs[0].status, Status::NotReached(NOT_REACHED.into()));
    assert!(fake.sent.lock().unwrap().is_empty(), "nothing is applied after the deadline");
    // The deadline passes before fetching: nothing is fetched, the policy is not reached.
    let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::at(Instant::now()));
    let runs = run(&apply(&ps, &regions, clock, &fake, Deadline::none()), &inventory);
    assert_eq!(runs[0].status, Status::NotReached(NOT_REACHED.into()));
    assert_eq!(totals(&runs).not_reached, 1);
    // A deadline far away changes nothing.
    let later = Deadline::at(Instant::now() + Duration::from_secs(60));
    let inventory = Inventory::fetch(&fake, &regions, &ps, later);
    let runs = run(&apply(&ps, &regions, clock, &fake, later), &inventory);
    assert_eq!(runs[0].status, Status::Ok);
    assert_eq!(fake.sent.lock().unwrap().len(), 1);
}

#[test]
fn a_resource_whose_action_failed_is_handed_to_no_later_action() {
    let ps = policies(
        "policies:
  - name: snapshot-then-terminate
    resource: ec2
    actions:
      - snapshot
      - terminate
      - type: notify
        to: [team@example.com]
        transport: {type: sqs, queue: https://sqs.r1.amazonaws.com/123456789012/q}
      - type: notify
        include-failed: true
        to: [team@example.com]
        transport: {type: sqs, queue: https://sqs.r1.amazonaws.com/123456789012/q}
",
    );
    let fake = Fake {
        sent: Mutex::new(Vec::new()),
        fail: "i-2",
    };
    let regions = vec!["r1".to_string()];
    let inventory = Inventory::fetch(&fake, &regions, &ps, Deadline::none());
    let clock = Clock::Fixed("2026-01-01T00:00:00Z".parse().unwrap());
    let runs = run(&apply(&ps, &regions, clock, &fake, Deadline::none()), &inventory);
    let sent = fake.sent.lock().unwrap().clone();
    let terminated: Vec<&String> = sent
        .iter()
        .filter(|(api, _)| api == "ec2:TerminateInstances")
        .flat_map(|(_, ids)| ids)
        .collect();
    assert_eq!(terminated, ["i-1", "i-3"], "the instance whose snapshot failed is not terminated");
    let snapshotted: Vec<&String> = sent
        .iter()
        .filter(|(api, _)| api == "ec2:CreateSnapshots")
        .flat_map(|(_, ids)| ids)
        .collect();
    assert_eq!(snapshotted, ["i-1", "i-2", "i-3"]);
    let plans = &runs[0].plans;
    assert_eq!(plans[1].targets, ["i-1", "i-3"]);
    assert_eq!(plans[1].skipped.len(), 1);
    assert_eq!(plans[1].skipped[0].id, "i-2");
    assert_eq!(
        plans[1].skipped[0].reason,
        "earlier action 'snapshot' failed: IncorrectInstanceState"
    );
    // notify leaves it out unless asked to report failures too.
    assert_eq!(plans[2].targets, ["i-1", "i-3"]);
    assert_eq!(
        plans[2].skipped[0].reason,
        "earlier action 'snapshot' failed: IncorrectInstanceState"
    );
    assert_eq!(plans[3].targets, ["i-1", "i-2", "i-3"]);
    // The snapshot, and the notify that reported i-2 anyway (the fake refuses every request
    // for i-2).
    assert_eq!(runs[0].failures(), 2);
    assert_eq!(runs[0].status, Status::Ok);

    // A dry run plans the same pipeline, every request succeeding.
    let dry = run(&RunSpec::new(&ps, &regions, clock, RunMode::Plan), &inventory);
    assert_eq!(dry[0].plans[1].targets, ["i-1", "i-2", "i-3"]);
    assert!(dry[0].plans[1].skipped.is_empty());
}

#[test]
fn the_deadline_stops_requests_between_resources_and_the_policy_says_so() {
    let ps = policies("policies:\n  - name: snap-stop\n    resource: ec2\n    actions: [snapshot, stop]\n");
    let slow = Slow(
        Fake {
            sent: Mutex::new(Vec::new()),
            fail: "",
        },
        Duration::from_millis(300),
    );
    let regions = vec!["r1".to_string()];
    let inventory = Inventory::fetch(&slow, &regions, &ps, Deadline::none());
    let clock = Clock::Fixed("2026-01-01T00:00:00Z".parse().unwrap());
    let spec = RunSpec {
        deadline: Deadline::at(Instant::now() + Duration::from_millis(150)),
        ..RunSpec::new(&ps, &regions, clock, RunMode::Apply(&slow))
    };
    let runs = run(&spec, &inventory);
    let sent = slow.0.sent.lock().unwrap().clone();
    assert_eq!(
        sent,
        [("ec2:CreateSnapshots".to_string(), vec!["i-1".to_string()])],
        "the first snapshot is sent; past the deadline nothing more is"
    );
    let not_sent: Vec<&str> = runs[0].outcomes[0]
        .iter()
        .filter(|o| o.error.as_deref() == Some(NOT_SENT))
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(not_sent, ["i-2", "i-3"]);
    // Later actions hand nothing new to AWS: i-1's stop was due after the deadline too.
    assert!(runs[0].outcomes[1].iter().all(|o| o.error.as_deref() == Some(NOT_SENT)));
    assert_eq!(runs[0].plans[1].skipped.len(), 2, "i-2 and i-3: their snapshot was never sent");
    assert!(
        matches!(&runs[0].status, Status::NotReached(why) if why.contains("deadline")),
        "{:?}",
        runs[0].status
    );
}
