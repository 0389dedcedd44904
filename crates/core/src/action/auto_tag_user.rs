//! `auto-tag-user`: in a `cloudtrail` policy, tag each resource with the user who made the API
//! call (`c7n/actions/autotag.py`, `AutoTagUser`). From the event's `userIdentity`: an IAM
//! user's `userName`; for an assumed role or federated user, the session name (the ARN after
//! its last `/`) and the principal id before `:`; sessions of EC2 instances (`i-...`) and
//! Lambda functions (`awslambda...`) are not users and tag nothing. `Root` is accepted in
//! `user-type` as custodian's addition (tagged `root`); c7n never tags the root user.

use super::plan::PlanContext;
use super::request::Request;
use super::tag::{check_tag, permissions as tag_permissions, tag_requests};
use super::{Action, ActionDef, ActionInput, ActionName, Behaviour};
use crate::input::{get, Checker};
use crate::resource::{tags, ResourceKind};
use serde_json::Value;

/// The `auto-tag-user` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::AutoTagUser,
    names: &["auto-tag-user"],
    summary: "In cloudtrail-mode policies, tag each resource with the user who made the API call (tag; principal_id_tag; update: overwrite an existing tag; user-type; value: userName, arn, sourceIPAddress or principalId).",
    example: |_| "- type: auto-tag-user\n  tag: CreatorName\n  principal_id_tag: CreatorId",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds, ResourceKind::SpotRequest],
    needs_event: true,
    ends_compute: false,
    keys: |_| &["type", "tag", "principal_id_tag", "update", "user-type", "value"],
    permissions: tag_permissions,
    parse,
};

/// c7n's user types, and custodian's `Root`.
const USER_TYPES: &[&str] = &["IAMUser", "AssumedRole", "FederatedUser", "Root"];
/// c7n's default `user-type`.
const DEFAULT_USER_TYPES: &[&str] = &["AssumedRole", "IAMUser", "FederatedUser"];
/// What `value` may name.
const VALUES: &[&str] = &["userName", "arn", "sourceIPAddress", "principalId"];

/// A validated `auto-tag-user`.
#[derive(Debug, Clone)]
pub struct AutoTagUser {
    /// The tag that gets the user.
    pub tag: String,
    /// The tag that gets the principal id.
    pub principal_id_tag: Option<String>,
    /// Overwrite the tag when the resource has it already.
    pub update: bool,
    /// The identity types tagged.
    pub user_types: Vec<String>,
    /// What the tag holds instead of the user (`userName`, `arn`, ...).
    pub value: Option<String>,
}

/// Who made the call, as the tags will say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creator {
    /// The user (or the `value` asked for).
    pub user: String,
    /// The principal id.
    pub principal_id: String,
}

impl AutoTagUser {
    /// The creator named by `event` (EventBridge's CloudTrail event), or why there is none.
    pub fn creator(&self, event: &Value) -> Result<Creator, String> {
        let detail = event.get("detail").unwrap_or(&Value::Null);
        let identity = detail.get("userIdentity").unwrap_or(&Value::Null);
        let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let utype = field(identity, "type");
        if !self.user_types.contains(&utype) {
            let shown = if utype.is_empty() { "none" } else { utype.as_str() };
            return Err(format!(
                "the event's user type is {shown}; auto-tag-user tags {}",
                self.user_types.join(", ")
            ));
        }
        let (user, principal_id) = match utype.as_str() {
            "IAMUser" => (field(identity, "userName"), field(identity, "principalId")),
            "Root" => ("root".to_string(), field(identity, "principalId")),
            _ => {
                let arn = field(identity, "arn");
                let session = arn.rsplit_once('/').map(|(_, s)| s.to_string()).unwrap_or_default();
                if session.starts_with("i-") || session.starts_with("awslambda") {
                    return Err(format!("the call was made by '{session}', a service session, not a user"));
                }
                let principal = field(identity, "principalId");
                (session, principal.split(':').next().unwrap_or("").to_string())
            }
        };
        let value = match self.value.as_deref() {
            None => None,
            Some("userName") if utype == "IAMUser" => Some(field(identity, "userName")),
            Some("userName") => Some(
                identity
                    .pointer("/sessionContext/sessionIssuer/userName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            ),
            Some("arn") => Some(field(identity, "arn")),
            Some("sourceIPAddress") => Some(field(detail, "sourceIPAddress")),
            Some(_) => Some(field(identity, "principalId")),
        };
        let user = value.filter(|v| !v.is_empty()).unwrap_or(user);
        if user.is_empty() {
            return Err("the event names no user".into());
        }
        Ok(Creator { user, principal_id })
    }

    fn tags_for(&self, creator: &Creator) -> Vec<(String, String)> {
        let mut out = vec![(self.tag.clone(), creator.user.clone())];
        if let Some(k) = &self.principal_id_tag {
            if !creator.principal_id.is_empty() {
                out.push((k.clone(), creator.principal_id.clone()));
            }
        }
        out
    }
}

impl Behaviour for AutoTagUser {
    fn reads(&self) -> &'static [&'static str] {
        &["Tags"]
    }

    fn check(&self, _kind: ResourceKind, doc: &Value) -> Result<(), String> {
        if !self.update && tags(doc).any(|(k, _)| k == self.tag) {
            return Err(format!("already tagged '{}' (update: false)", self.tag));
        }
        Ok(())
    }

    fn refuse_all(&self, cx: &PlanContext) -> Option<String> {
        match cx.event {
            None => Some("no triggering event: auto-tag-user runs on CloudTrail events".into()),
            Some(e) => self.creator(e).err(),
        }
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        match cx.event.map(|e| self.creator(e)) {
            Some(Ok(creator)) => tag_requests(cx.kind, targets, ids, self.tags_for(&creator)),
            _ => Vec::new(),
        }
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        tag_permissions(kind).to_vec()
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let text = |c: &mut Checker, key: &str| match get(a.entries, key) {
        None => None,
        Some(v) => match v.as_str() {
            Some(s) => {
                check_tag(c, v, s, "");
                Some(s.to_string())
            }
            None => {
                c.at_node(v, format!("'{key}' must be a tag key"));
                None
            }
        },
    };
    let tag = text(c, "tag");
    if tag.is_none() && get(a.entries, "tag").is_none() {
        c.at_node(a.at, "auto-tag-user needs 'tag', the tag key that gets the user");
    }
    let principal_id_tag = text(c, "principal_id_tag");
    let update = c.flag(get(a.entries, "update"));
    let user_types = match get(a.entries, "user-type") {
        None => DEFAULT_USER_TYPES.iter().map(|s| s.to_string()).collect(),
        Some(node) => {
            let list = c.string_list(node, "user-type");
            for t in &list {
                if !USER_TYPES.contains(&t.as_str()) {
                    let help = crate::input::hint(t, USER_TYPES.iter().copied(), || {
                        Some(format!("user types: {}", USER_TYPES.join(", ")))
                    });
                    c.at_node_help(node, format!("unknown user-type '{t}'"), help);
                }
            }
            list
        }
    };
    let value = match get(a.entries, "value") {
        None => None,
        Some(v) => match v.as_str() {
            Some(s) if VALUES.contains(&s) => Some(s.to_string()),
            _ => {
                c.at_node_help(v, "unknown auto-tag-user 'value'", Some(format!("one of: {}", VALUES.join(", "))));
                None
            }
        },
    };
    Some(Action::AutoTagUser(AutoTagUser {
        tag: tag?,
        principal_id_tag,
        update,
        user_types,
        value,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn action(user_types: &[&str], value: Option<&str>) -> AutoTagUser {
        AutoTagUser {
            tag: "Creator".into(),
            principal_id_tag: Some("CreatorId".into()),
            update: false,
            user_types: user_types.iter().map(|s| s.to_string()).collect(),
            value: value.map(str::to_string),
        }
    }

    fn event(identity: Value) -> Value {
        json!({"detail": {"userIdentity": identity, "sourceIPAddress": "198.51.100.24"}})
    }

    #[test]
    fn c7n_rules_for_each_identity_type() {
        let a = action(DEFAULT_USER_TYPES, None);
        let iam = event(json!({"type": "IAMUser", "userName": "jane", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::1:user/jane"}));
        assert_eq!(
            a.creator(&iam),
            Ok(Creator {
                user: "jane".into(),
                principal_id: "AIDAEXAMPLE".into()
            })
        );
        let role = event(
            json!({"type": "AssumedRole", "principalId": "AROAEXAMPLE:jane@example.com", "arn": "arn:aws:sts::1:assumed-role/ml/jane@example.com", "sessionContext": {"sessionIssuer": {"userName": "ml"}}}),
        );
        assert_eq!(
            a.creator(&role),
            Ok(Creator {
                user: "jane@example.com".into(),
                principal_id: "AROAEXAMPLE".into()
            })
        );
        let fed = event(json!({"type": "FederatedUser", "principalId": "1:bob", "arn": "arn:aws:sts::1:federated-user/bob"}));
        assert_eq!(a.creator(&fed).unwrap().user, "bob");
        let instance = event(json!({"type": "AssumedRole", "principalId": "AROA:i-0abc", "arn": "arn:aws:sts::1:assumed-role/r/i-0abc"}));
        assert!(a.creator(&instance).unwrap_err().contains("service session"));
        let lambda =
            event(json!({"type": "AssumedRole", "principalId": "AROA:awslambda_1", "arn": "arn:aws:sts::1:assumed-role/r/awslambda_1"}));
        assert!(a.creator(&lambda).is_err());
        let root = event(json!({"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root"}));
        assert!(a.creator(&root).unwrap_err().contains("user type is Root"), "c7n never tags root");
        assert_eq!(action(USER_TYPES, None).creator(&root).unwrap().user, "root");
        assert_eq!(action(DEFAULT_USER_TYPES, Some("userName")).creator(&role).unwrap().user, "ml");
        assert_eq!(
            action(DEFAULT_USER_TYPES, Some("sourceIPAddress")).creator(&iam).unwrap().user,
            "198.51.100.24"
        );
        assert_eq!(
            action(DEFAULT_USER_TYPES, Some("arn")).creator(&iam).unwrap().user,
            "arn:aws:iam::1:user/jane"
        );
        assert_eq!(
            action(&["IAMUser"], None).creator(&role).unwrap_err(),
            "the event's user type is AssumedRole; auto-tag-user tags IAMUser"
        );
    }

    #[test]
    fn existing_tags_are_kept_unless_update() {
        let tagged = json!({"InstanceId": "i-1", "Tags": [{"Key": "Creator", "Value": "x"}]});
        assert!(action(DEFAULT_USER_TYPES, None).check(ResourceKind::Ec2, &tagged).is_err());
        let update = AutoTagUser {
            update: true,
            ..action(DEFAULT_USER_TYPES, None)
        };
        assert!(update.check(ResourceKind::Ec2, &tagged).is_ok());
    }
}
