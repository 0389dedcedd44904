//! `set-metadata-access` (EC2): `ModifyInstanceMetadataOptions`, one instance a call, with
//! Cloud Custodian's rules (`SetMetadataServerAccess` in `c7n/resources/ec2.py`): `endpoint`
//! (`HttpEndpoint`), `tokens` (`HttpTokens`), `metadata-tags` (`InstanceMetadataTags`),
//! `hop-limit` (`HttpPutResponseHopLimit`, 1-64), at least one; an instance is acted on only
//! when every option given is currently one of its other allowed values (so an instance
//! already at one of them is left alone, as c7n's successive `filter_resources` do).

use super::plan::{per_resource, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker, NodeValue};
use crate::resource::ResourceKind;
use serde_json::Value;

/// The `set-metadata-access` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::SetMetadataAccess,
    names: &["set-metadata-access"],
    summary: "Set the instance metadata service options (ModifyInstanceMetadataOptions): endpoint enabled/disabled, tokens required/optional (IMDSv2), metadata-tags enabled/disabled, hop-limit 1-64; instances already at one of them are skipped.",
    example: |_| "- type: set-metadata-access\n  tokens: required",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "endpoint", "tokens", "metadata-tags", "hop-limit"],
    permissions: |_| &["ec2:ModifyInstanceMetadataOptions"],
    parse,
};

/// A validated `set-metadata-access`: `(MetadataOptions key, value)` in c7n's order.
#[derive(Debug, Clone)]
pub struct SetMetadataAccess {
    /// The options to set.
    pub options: Vec<(String, Value)>,
}

/// `(YAML key, MetadataOptions key, allowed values)`; `None`: hop limits 1-64.
const OPTIONS: &[(&str, &str, Option<&[&str]>)] = &[
    ("endpoint", "HttpEndpoint", Some(&["enabled", "disabled"])),
    ("tokens", "HttpTokens", Some(&["required", "optional"])),
    ("metadata-tags", "InstanceMetadataTags", Some(&["enabled", "disabled"])),
    ("hop-limit", "HttpPutResponseHopLimit", None),
];

impl Behaviour for SetMetadataAccess {
    fn check(&self, _kind: ResourceKind, doc: &Value) -> Result<(), String> {
        for (key, value) in &self.options {
            match doc.get("MetadataOptions").and_then(|m| m.get(key)) {
                None | Some(Value::Null) => return Err(format!("no MetadataOptions.{key}")),
                Some(current) if current == value => return Err(format!("MetadataOptions.{key} is already {value}")),
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn requests(&self, _cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        per_resource(targets, ids, |_, _| Operation::Ec2ModifyInstanceMetadataOptions {
            options: self.options.clone(),
        })
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        (DEF.permissions)(kind).to_vec()
    }

    fn reads(&self) -> &'static [&'static str] {
        &["MetadataOptions"]
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let before = c.errors();
    let mut options = Vec::new();
    for (yaml, key, allowed) in OPTIONS {
        let Some(n) = get(a.entries, yaml) else { continue };
        match (allowed, &n.value) {
            (Some(values), NodeValue::Str(s)) if values.contains(&s.as_str()) => options.push((key.to_string(), Value::String(s.clone()))),
            (Some(values), _) => c.at_node(n, format!("'{yaml}' is one of {}", values.join(", "))),
            (None, NodeValue::Int(h)) if (1..=64).contains(h) => options.push((key.to_string(), Value::from(*h))),
            (None, _) => c.at_node(n, "'hop-limit' is an integer from 1 to 64"),
        }
    }
    if options.is_empty() && c.errors() == before {
        c.at_node(
            a.at,
            "set-metadata-access needs at least one of endpoint, tokens, metadata-tags, hop-limit",
        );
    }
    if c.errors() > before {
        return None;
    }
    Some(Action::SetMetadataAccess(SetMetadataAccess { options }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate};
    use serde_json::json;

    fn action(yaml: &str) -> Result<Action, String> {
        let text = format!(
            "policies:\n  - name: p\n    resource: ec2\n    actions:\n{}\n",
            yaml.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
        );
        crate::policy::load_text("p.yml", &text)
            .map(|mut p| p.remove(0).actions.remove(0))
            .map_err(|e| e[0].to_string())
    }

    #[test]
    fn acts_on_instances_not_yet_at_every_option() {
        let a = action("- type: set-metadata-access\n  tokens: required\n  hop-limit: 2").unwrap();
        let v1 = json!({"InstanceId": "i-1", "MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 1}});
        let v2 = json!({"InstanceId": "i-2", "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}});
        let cx = PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap());
        let p = plan(&a, &[Candidate::fresh(&v1), Candidate::fresh(&v2)], &cx);
        assert_eq!(p.targets, vec!["i-1"]);
        assert_eq!(
            serde_json::to_value(&p.requests).unwrap(),
            json!([{"api": "ec2:ModifyInstanceMetadataOptions", "ids": ["i-1"], "params": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2}}])
        );
        assert_eq!(p.skipped[0].reason, "MetadataOptions.HttpTokens is already \"required\"");
    }

    #[test]
    fn bad_options_are_located() {
        assert!(action("- type: set-metadata-access\n  tokens: mandatory")
            .unwrap_err()
            .contains("'tokens' is one of required, optional"));
        assert!(action("- type: set-metadata-access\n  hop-limit: 65")
            .unwrap_err()
            .contains("1 to 64"));
        assert!(action("- set-metadata-access").unwrap_err().contains("at least one of"));
    }
}
