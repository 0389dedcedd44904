//! `conditions`: whether a policy runs at all in a region, with Cloud Custodian's rules
//! (`c7n/policy.py` `PolicyConditions`): value filters (and `and`/`or`/`not`, `event`) over the
//! execution variables `name`, `region`, `resource`, `provider`, `account_id`, `now` and
//! `policy` (the policy as written); every condition must hold. c7n's deprecated policy keys
//! `region`, `start` and `end` become conditions as c7n converts them (`convert_deprecated`).

use crate::filter::{EvalContext, Filter};
use crate::input::{get, Checker, Entries, Node, NodeValue};
use crate::resource::ResourceKind;
use serde_json::{json, Value};

/// The execution variables a condition may read.
pub const VARIABLES: &[&str] = &["account_id", "name", "now", "policy", "provider", "region", "resource"];

/// A policy's conditions (empty: always runs).
#[derive(Debug, Clone, Default)]
pub struct Conditions(pub Vec<Filter>);

/// What the conditions see of one policy run.
#[derive(Debug, Clone, Copy)]
pub struct Execution<'a> {
    /// The policy's name.
    pub name: &'a str,
    /// The region it runs in.
    pub region: &'a str,
    /// Its kind.
    pub kind: ResourceKind,
    /// The account, when known.
    pub account_id: Option<&'a str>,
    /// The run's time.
    pub now: jiff::Timestamp,
    /// The policy as written.
    pub policy: &'a Value,
}

impl Conditions {
    /// Whether every condition holds (no conditions: true).
    pub fn hold(&self, e: &Execution, event: Option<&Value>) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let vars = json!({
            "name": e.name,
            "region": e.region,
            "resource": e.kind.spec().name,
            "provider": "aws",
            "account_id": e.account_id,
            "now": e.now.to_string(),
            "policy": e.policy,
        });
        let cx = EvalContext {
            event,
            ..EvalContext::new(e.kind, e.now)
        };
        self.0.iter().all(|f| f.check(&vars, &cx) == Some(true))
    }
}

/// Validates `conditions` and the deprecated `region`, `start`, `end` keys of a policy.
pub fn parse(c: &mut Checker, entries: &Entries, kind: ResourceKind) -> Conditions {
    let mut out = Vec::new();
    if let Some(list) = get(entries, "conditions") {
        match &list.value {
            NodeValue::Seq(items) => {
                for item in items {
                    if let Some(f) = crate::filter::parse(c, item, kind, false) {
                        if check(c, item, &f) {
                            out.push(f);
                        }
                    }
                }
            }
            NodeValue::Null => {}
            _ => c.at_node(list, format!("'conditions' must be a list, found {}", list.kind_name())),
        }
    }
    for (key, op) in [("region", None), ("start", Some("gte")), ("end", Some("lte"))] {
        let Some(v) = get(entries, key) else {
            continue;
        };
        let Some(text) = v.as_str() else {
            c.at_node(v, format!("'{key}' must be a string"));
            continue;
        };
        let yaml = match op {
            None => format!("region: {}", json!(text)),
            Some(op) => format!("type: value\nkey: now\nvalue_type: date\nop: {op}\nvalue: {}", json!(text)),
        };
        if op.is_some() && crate::time::parse_date(text).is_none() {
            c.at_node(v, format!("'{key}' must be a date, such as 2026-12-01 or 2026-12-01T09:00:00Z"));
            continue;
        }
        let node = match crate::input::parse(&yaml) {
            Ok(n) => n,
            Err(_) => continue,
        };
        let mut inner = Checker::new(c.file(), &yaml);
        if let Some(f) = crate::filter::parse(&mut inner, &node, kind, false) {
            out.push(f);
        }
    }
    Conditions(out)
}

/// Conditions are value filters over the execution variables: other filter types, and keys
/// outside the variables, are errors.
fn check(c: &mut Checker, node: &Node, f: &Filter) -> bool {
    match f {
        Filter::And(items) | Filter::Or(items) | Filter::Not(items) => {
            let children: Vec<&Node> = match node.as_map().and_then(|e| e.first()).map(|(_, v)| &v.value) {
                Some(NodeValue::Seq(nodes)) => nodes.iter().collect(),
                _ => Vec::new(),
            };
            items
                .iter()
                .enumerate()
                .all(|(i, f)| check(c, children.get(i).copied().unwrap_or(node), f))
        }
        Filter::Event(_) => true,
        Filter::Value(v) => match v.key.root() {
            Some(root) if VARIABLES.contains(&root) => true,
            _ => {
                let key = v.key.text();
                let help = crate::input::hint(&key, VARIABLES.iter().copied(), || {
                    Some(format!("conditions read: {}", VARIABLES.join(", ")))
                });
                c.at_node_help(node, format!("conditions cannot read '{key}'"), help);
                false
            }
        },
        _ => {
            c.at_node(
                node,
                "conditions take value filters (and/or/not, event) over name, region, resource, account_id, now, policy",
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::load_text;

    fn holds(policy_keys: &str, region: &str, now: &str) -> bool {
        let text = format!("policies:\n  - name: p\n    resource: ec2\n{policy_keys}");
        let p = load_text("p.yml", &text).unwrap_or_else(|e| panic!("{}", e[0])).remove(0);
        let e = super::Execution {
            name: &p.name,
            region,
            kind: p.kind,
            account_id: Some("123456789012"),
            now: now.parse().unwrap(),
            policy: &p.data,
        };
        p.conditions.hold(&e, None)
    }

    fn error(policy_keys: &str) -> String {
        let text = format!("policies:\n  - name: p\n    resource: ec2\n{policy_keys}");
        load_text("p.yml", &text).unwrap_err()[0].to_string()
    }

    #[test]
    fn conditions_read_the_execution_variables() {
        let c = "    conditions:\n      - type: value\n        key: region\n        op: in\n        value: [us-east-1, eu-west-1]\n";
        assert!(holds(c, "eu-west-1", "2026-12-01T00:00:00Z"));
        assert!(!holds(c, "ap-south-1", "2026-12-01T00:00:00Z"));
        let acct = "    conditions:\n      - account_id: '123456789012'\n";
        assert!(holds(acct, "us-east-1", "2026-12-01T00:00:00Z"));
        let both = "    conditions:\n      - or:\n          - region: us-east-1\n          - name: other\n      - not:\n          - resource: aws.rds\n";
        assert!(holds(both, "us-east-1", "2026-12-01T00:00:00Z"));
        assert!(!holds(both, "us-west-2", "2026-12-01T00:00:00Z"));
        let policy =
            "    description: prod only\n    conditions:\n      - type: value\n        key: policy.description\n        value: prod only\n";
        assert!(holds(policy, "us-east-1", "2026-12-01T00:00:00Z"));
    }

    #[test]
    fn deprecated_region_start_and_end_become_conditions() {
        let window = "    start: '2026-12-01'\n    end: '2026-12-31'\n";
        assert!(holds(window, "us-east-1", "2026-12-15T00:00:00Z"));
        assert!(!holds(window, "us-east-1", "2027-01-02T00:00:00Z"));
        assert!(!holds(window, "us-east-1", "2026-11-30T00:00:00Z"));
        assert!(holds("    region: us-east-2\n", "us-east-2", "2026-12-15T00:00:00Z"));
        assert!(!holds("    region: us-east-2\n", "us-east-1", "2026-12-15T00:00:00Z"));
    }

    #[test]
    fn conditions_are_checked() {
        assert!(
            error("    conditions:\n      - type: value\n        key: regoin\n        value: x\n")
                .contains("conditions cannot read 'regoin' (did you mean 'region'?)")
        );
        assert!(
            error("    conditions:\n      - type: ebs\n        key: Encrypted\n        value: true\n")
                .contains("conditions take value filters")
        );
        assert!(error("    start: soon\n").contains("'start' must be a date"));
    }
}
