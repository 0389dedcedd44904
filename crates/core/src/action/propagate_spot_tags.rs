//! `propagate-spot-tags` (EC2): copy a spot instance's request tags onto the instance
//! (`PropagateSpotTags` in `c7n/resources/ec2.py`): spot instances only; the request's tags
//! without `aws:` ones, only `only_tags` when given; instances already carrying them all, or
//! that would pass 50 tags, are left alone; one `CreateTags` per distinct set of request tags.
//! The requests are read with `DescribeSpotInstanceRequests` for the ids in use. Where c7n
//! differs from its own docs (an `only_tags` key missing on the request raises there, and with
//! all present every tag is copied), custodian does what the docs say.

use super::plan::{batched, group_by_payload, PlanContext};
use super::request::{Operation, Request};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker};
use crate::resource::details::{Lookup, Need};
use crate::resource::related::Related;
use crate::resource::{tags, ResourceKind};
use serde_json::Value;

/// The `propagate-spot-tags` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::PropagateSpotTags,
    names: &["propagate-spot-tags"],
    summary:
        "Copy a spot instance's request tags (only_tags: those keys) onto the instance (DescribeSpotInstanceRequests, then CreateTags).",
    example: |_| "- type: propagate-spot-tags\n  only_tags: [Name, BillingTag]",
    kinds: &[ResourceKind::Ec2],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "only_tags"],
    permissions: |_| &["ec2:DescribeSpotInstanceRequests", "ec2:CreateTags"],
    parse,
};

const MAX_TAGS: usize = 50;

/// A validated `propagate-spot-tags`.
#[derive(Debug, Clone)]
pub struct PropagateSpotTags {
    /// Copy only these keys (empty: every tag).
    pub only_tags: Vec<String>,
}

impl PropagateSpotTags {
    /// The request tags to copy onto `doc`, or why not.
    fn to_copy(&self, cx: &PlanContext, doc: &Value) -> Result<Vec<(String, String)>, String> {
        if doc.get("InstanceLifecycle").and_then(Value::as_str) != Some("spot") {
            return Err("not a spot instance".into());
        }
        let Some(request_id) = doc.get("SpotInstanceRequestId").and_then(Value::as_str) else {
            return Err("no spot request".into());
        };
        let request = match cx.details.map(|d| d.related(Related::SpotRequests, request_id)) {
            Some(Lookup::Found(r)) => r,
            Some(Lookup::Missing) => return Err(format!("spot request {request_id} no longer exists")),
            _ => return Err(format!("spot request {request_id} was not read")),
        };
        let wanted: Vec<(String, String)> = tags(request)
            .filter(|(k, _)| !k.starts_with("aws:"))
            .filter(|(k, _)| self.only_tags.is_empty() || self.only_tags.iter().any(|o| o == k))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if wanted.is_empty() {
            return Err(format!("spot request {request_id} has no tags to copy"));
        }
        let own: Vec<(&str, &str)> = tags(doc).collect();
        if wanted.iter().all(|(k, v)| own.contains(&(k.as_str(), v.as_str()))) {
            return Err("already carries the request's tags".into());
        }
        let union = own.iter().filter(|(k, _)| !wanted.iter().any(|(w, _)| w == k)).count() + wanted.len();
        if union > MAX_TAGS {
            return Err(format!("too many tags to copy (> {MAX_TAGS})"));
        }
        Ok(wanted)
    }
}

impl Behaviour for PropagateSpotTags {
    fn check(&self, _kind: ResourceKind, _doc: &Value) -> Result<(), String> {
        Ok(())
    }

    fn check_with(&self, cx: &PlanContext, doc: &Value) -> Result<(), String> {
        self.to_copy(cx, doc).map(|_| ())
    }

    fn needs(&self, doc: &Value) -> Vec<Need> {
        match (
            doc.get("InstanceLifecycle").and_then(Value::as_str),
            doc.get("SpotInstanceRequestId").and_then(Value::as_str),
        ) {
            (Some("spot"), Some(id)) => vec![Need::Related(Related::SpotRequests, id.to_string())],
            _ => Vec::new(),
        }
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        group_by_payload(targets, ids, |doc| self.to_copy(cx, doc).ok())
            .into_iter()
            .flat_map(|(tags, _, ids)| batched(&ids, Operation::Ec2CreateTags { tags }))
            .collect()
    }

    fn permissions(&self, _kind: ResourceKind) -> Vec<&'static str> {
        vec!["ec2:DescribeSpotInstanceRequests", "ec2:CreateTags"]
    }

    fn reads(&self) -> &'static [&'static str] {
        &["InstanceLifecycle", "SpotInstanceRequestId", "Tags"]
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let only_tags = match get(a.entries, "only_tags") {
        Some(v) => c.string_list(v, "only_tags"),
        None => Vec::new(),
    };
    Some(Action::PropagateSpotTags(PropagateSpotTags { only_tags }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::plan::{plan, Candidate};
    use crate::resource::details::Details;
    use serde_json::json;

    #[test]
    fn request_tags_are_copied_where_they_differ() {
        let mut d = Details::default();
        d.add_related(
            Related::SpotRequests,
            Some(&["sir-1".into(), "sir-2".into(), "sir-gone".into()]),
            vec![
                json!({"SpotInstanceRequestId": "sir-1", "Tags": [{"Key": "Team", "Value": "ml"}, {"Key": "aws:ec2spot:fleet", "Value": "x"}, {"Key": "Name", "Value": "gpu"}]}),
                json!({"SpotInstanceRequestId": "sir-2", "Tags": []}),
            ],
        );
        let cx = PlanContext {
            details: Some(&d),
            ..PlanContext::new(ResourceKind::Ec2, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap())
        };
        let spot = |id: &str, sir: &str, own: Value| json!({"InstanceId": id, "InstanceLifecycle": "spot", "SpotInstanceRequestId": sir, "Tags": own});
        let docs = [
            spot("i-1", "sir-1", json!([])),
            spot(
                "i-2",
                "sir-1",
                json!([{"Key": "Team", "Value": "ml"}, {"Key": "Name", "Value": "gpu"}]),
            ),
            spot("i-3", "sir-2", json!([])),
            spot("i-4", "sir-gone", json!([])),
            json!({"InstanceId": "i-5", "Tags": []}),
        ];
        let candidates: Vec<Candidate> = docs.iter().map(Candidate::fresh).collect();
        let all = Action::PropagateSpotTags(PropagateSpotTags { only_tags: Vec::new() });
        let p = plan(&all, &candidates, &cx);
        assert_eq!(p.targets, vec!["i-1"]);
        let reasons: Vec<&str> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![
                "already carries the request's tags",
                "spot request sir-2 has no tags to copy",
                "spot request sir-gone no longer exists",
                "not a spot instance"
            ]
        );
        match &p.requests[0].operation {
            Operation::Ec2CreateTags { tags } => assert_eq!(
                tags,
                &vec![("Team".to_string(), "ml".to_string()), ("Name".to_string(), "gpu".to_string())],
                "aws: tags are never copied"
            ),
            other => panic!("{other:?}"),
        }
        let only = Action::PropagateSpotTags(PropagateSpotTags {
            only_tags: vec!["Name".into(), "Missing".into()],
        });
        let p = plan(&only, &candidates, &cx);
        match &p.requests[0].operation {
            Operation::Ec2CreateTags { tags } => assert_eq!(tags, &vec![("Name".to_string(), "gpu".to_string())]),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            all.behaviour().needs(&docs[0]),
            vec![Need::Related(Related::SpotRequests, "sir-1".into())]
        );
    }
}
