//! Actions: the [`ACTIONS`] table and the validated [`Action`]s. Each action owns, in its own
//! file, its YAML face (keys, validation, kinds, summary, example), c7n's implicit state filter,
//! its permissions as configured, and its planning into typed [`request::Request`]s (whose
//! effects on a resource are in `request.rs`).

pub mod auto_tag_user;
pub mod cancel;
pub mod delete;
pub mod mark_for_op;
pub mod modify_db;
pub mod modify_security_groups;
pub mod normalize_tag;
pub mod notify;
pub mod plan;
pub mod propagate_spot_tags;
pub mod reboot;
pub mod remove_tag;
pub mod request;
pub mod resize;
pub mod set_metadata_access;
pub mod set_monitoring;
pub mod snapshot;
pub mod start;
pub mod stop;
pub mod tag;
pub mod tag_trim;
pub mod terminate;

use crate::input::{get, hint, Checker, Entries, Key, Node, NodeValue};
use crate::resource::ResourceKind;
use plan::PlanContext;
use request::Request;
use serde_json::Value;

/// The action types, one per row of [`ACTIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionName {
    /// `tag` (alias `mark`)
    Tag,
    /// `remove-tag` (aliases `unmark`, `untag`)
    RemoveTag,
    /// `mark-for-op`
    MarkForOp,
    /// `auto-tag-user`
    AutoTagUser,
    /// `normalize-tag` (EC2, spot requests)
    NormalizeTag,
    /// `tag-trim`
    TagTrim,
    /// `propagate-spot-tags` (EC2)
    PropagateSpotTags,
    /// `stop`
    Stop,
    /// `start`
    Start,
    /// `terminate`
    Terminate,
    /// `reboot` (EC2)
    Reboot,
    /// `set-metadata-access` (EC2)
    SetMetadataAccess,
    /// `resize` (EC2, RDS)
    Resize,
    /// `set-monitoring` (EC2)
    SetMonitoring,
    /// `modify-security-groups` (EC2, RDS)
    ModifySecurityGroups,
    /// `modify-db` (RDS)
    ModifyDb,
    /// `set-public-access` (RDS)
    SetPublicAccess,
    /// `retention` (RDS)
    Retention,
    /// `snapshot` (EC2, RDS)
    Snapshot,
    /// `delete` (RDS)
    Delete,
    /// `cancel` (spot requests)
    Cancel,
    /// `notify`
    Notify,
}

/// One action type as people read it, and the function that validates its YAML.
pub struct ActionDef {
    /// The type.
    pub name: ActionName,
    /// Its names: the canonical one first, then c7n's aliases.
    pub names: &'static [&'static str],
    /// One line on what it does.
    pub summary: &'static str,
    /// A YAML example on a kind (one list item of `actions:`).
    pub example: fn(ResourceKind) -> &'static str,
    /// The kinds it applies to.
    pub kinds: &'static [ResourceKind],
    /// It reads the triggering event: only event-mode policies may use it.
    pub needs_event: bool,
    /// Whether it ends the resource's compute spend (stop, terminate, delete, cancel): what its
    /// targets cost is what it saves.
    pub ends_compute: bool,
    /// The keys it accepts on a kind (`type` included).
    pub keys: fn(ResourceKind) -> &'static [&'static str],
    /// Every IAM action it may call on a kind, whatever its options.
    pub permissions: fn(ResourceKind) -> &'static [&'static str],
    /// Validates the action's mapping (keys already checked).
    pub parse: fn(&mut Checker, &ActionInput) -> Option<Action>,
}

/// The action table, in the order people read it (tags, then state changes, then the actions
/// of one kind); "supported: ..." lists follow it.
pub const ACTIONS: &[ActionDef] = &[
    tag::DEF,
    remove_tag::DEF,
    mark_for_op::DEF,
    auto_tag_user::DEF,
    normalize_tag::DEF,
    tag_trim::DEF,
    propagate_spot_tags::DEF,
    stop::DEF,
    start::DEF,
    terminate::DEF,
    reboot::DEF,
    set_metadata_access::DEF,
    resize::DEF,
    set_monitoring::DEF,
    modify_security_groups::DEF,
    modify_db::MODIFY_DB,
    modify_db::SET_PUBLIC_ACCESS,
    modify_db::RETENTION,
    snapshot::DEF,
    delete::DEF,
    cancel::DEF,
    notify::DEF,
];

/// Cloud Custodian actions of EC2, RDS or spot requests that custodian does not support yet.
pub const C7N_UNSUPPORTED: &[&str] = &[
    "copy-related-tag",
    "invoke-lambda",
    "invoke-sfn",
    "post-finding",
    "put-metric",
    "rename-tag",
    "send-command",
    "set-instance-profile",
    "set-snapshot-copy-tags",
    "upgrade",
];

/// c7n's default `mark-for-op` message.
pub const DEFAULT_MARK_MSG: &str = "Resource does not meet policy: {op}@{action_date}";
/// c7n's default tag for `mark-for-op` / `marked-for-op` / `remove-tag`.
pub const DEFAULT_MARK_TAG: &str = "maid_status";

impl ActionName {
    /// The table row.
    pub fn def(self) -> &'static ActionDef {
        match self {
            ActionName::AutoTagUser => &auto_tag_user::DEF,
            ActionName::Cancel => &cancel::DEF,
            ActionName::Notify => &notify::DEF,
            ActionName::NormalizeTag => &normalize_tag::DEF,
            ActionName::TagTrim => &tag_trim::DEF,
            ActionName::Delete => &delete::DEF,
            ActionName::MarkForOp => &mark_for_op::DEF,
            ActionName::Reboot => &reboot::DEF,
            ActionName::SetMetadataAccess => &set_metadata_access::DEF,
            ActionName::Resize => &resize::DEF,
            ActionName::SetMonitoring => &set_monitoring::DEF,
            ActionName::ModifySecurityGroups => &modify_security_groups::DEF,
            ActionName::PropagateSpotTags => &propagate_spot_tags::DEF,
            ActionName::ModifyDb => &modify_db::MODIFY_DB,
            ActionName::SetPublicAccess => &modify_db::SET_PUBLIC_ACCESS,
            ActionName::Retention => &modify_db::RETENTION,
            ActionName::RemoveTag => &remove_tag::DEF,
            ActionName::Snapshot => &snapshot::DEF,
            ActionName::Start => &start::DEF,
            ActionName::Stop => &stop::DEF,
            ActionName::Tag => &tag::DEF,
            ActionName::Terminate => &terminate::DEF,
        }
    }

    /// Looks up an action by name or alias.
    pub fn from_name(name: &str) -> Option<ActionName> {
        ACTIONS.iter().find(|d| d.names.contains(&name)).map(|d| d.name)
    }

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        self.def().names[0]
    }

    /// Whether it applies to `kind`.
    pub fn applies_to(self, kind: ResourceKind) -> bool {
        self.def().kinds.contains(&kind)
    }
}

/// The actions of a kind, in table order.
pub fn for_kind(kind: ResourceKind) -> impl Iterator<Item = &'static ActionDef> {
    ACTIONS.iter().filter(move |d| d.kinds.contains(&kind))
}

/// A table example as it reads on `kind`: marks name `stop`, which spot requests lack, so
/// theirs name `cancel`.
pub fn example_for(example: &str, kind: ResourceKind) -> String {
    if ActionName::Stop.applies_to(kind) {
        example.to_string()
    } else {
        example.replace("op: stop", "op: cancel")
    }
}

/// `all` without the permissions of options not in use (`unused`).
pub fn permissions_except(all: &[&'static str], unused: &[&str]) -> Vec<&'static str> {
    all.iter().copied().filter(|p| !unused.contains(p)).collect()
}

/// What every action does, each in its own file.
pub trait Behaviour {
    /// c7n's implicit state filter and eligibility rules: `Err(reason)` leaves the resource alone.
    fn check(&self, kind: ResourceKind, doc: &Value) -> Result<(), String>;
    /// The requests acting on `targets` (all eligible, `ids` their ids, in order).
    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request>;
    /// The IAM actions it calls on `kind`, as configured.
    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str>;
    /// `Some(reason)` when the action can act on nothing in this run (`auto-tag-user` whose
    /// event names no user it tags).
    fn refuse_all(&self, _cx: &PlanContext) -> Option<String> {
        None
    }
    /// Whether it reports on the matches rather than changing them (`notify`): what earlier
    /// policies did never makes it moot.
    fn reports(&self) -> bool {
        false
    }
    /// Whether it still acts on the resources an earlier action of the same policy failed on
    /// (`notify` with `include-failed: true`); every other action leaves them alone.
    fn after_failure(&self) -> bool {
        false
    }
    /// The top-level document keys it reads (beyond the kind's core fields), which each
    /// resource's view must keep.
    fn reads(&self) -> &'static [&'static str] {
        &[]
    }

    /// Top-level keys it reads only in part, and which part (see [`crate::resource::Outline`]).
    fn outlines(&self) -> &'static [(&'static str, &'static crate::resource::Outline)] {
        &[]
    }

    /// Keys it reads that depend on the policy (computed tag values' expressions);
    /// [`crate::resource::document::ALL_FIELDS`] for the whole document.
    fn read_keys(&self, _out: &mut std::collections::BTreeSet<String>) {}

    /// [`Behaviour::check`] with the planning context (actions reading related documents).
    fn check_with(&self, cx: &PlanContext, doc: &Value) -> Result<(), String> {
        self.check(cx.kind, doc)
    }

    /// The related documents it reads for `doc`, loaded before planning.
    fn needs(&self, _doc: &Value) -> Vec<crate::resource::details::Need> {
        Vec::new()
    }

    /// Whether it reads which security groups the policy's filters singled out
    /// ([`plan::PlanContext::groups`]).
    fn wants_matched_groups(&self) -> bool {
        false
    }
}

/// A validated action.
#[derive(Debug, Clone)]
pub enum Action {
    /// Add or overwrite tags.
    Tag(tag::Tag),
    /// Remove tags by key.
    RemoveTag(remove_tag::RemoveTag),
    /// Tag the resource for a later action.
    MarkForOp(mark_for_op::MarkForOp),
    /// Stop instances.
    Stop(stop::Stop),
    /// Start instances.
    Start(start::Start),
    /// Terminate EC2 instances.
    Terminate(terminate::Terminate),
    /// Reboot EC2 instances.
    Reboot(reboot::Reboot),
    /// EC2: set the instance metadata service options.
    SetMetadataAccess(set_metadata_access::SetMetadataAccess),
    /// EC2: change the instance type; RDS: the allocated storage.
    Resize(resize::Resize),
    /// EC2: detailed monitoring on or off.
    SetMonitoring(set_monitoring::SetMonitoring),
    /// `modify-security-groups`.
    ModifySecurityGroups(modify_security_groups::ModifySecurityGroups),
    /// `propagate-spot-tags`.
    PropagateSpotTags(propagate_spot_tags::PropagateSpotTags),
    /// RDS: `modify-db`, `set-public-access`, `retention` (ModifyDBInstance).
    ModifyDb(modify_db::ModifyDb),
    /// RDS: take a manual snapshot.
    Snapshot(snapshot::Snapshot),
    /// RDS: delete the instance.
    Delete(delete::Delete),
    /// Spot requests: cancel.
    Cancel(cancel::Cancel),
    /// Tag with the event's user.
    AutoTagUser(auto_tag_user::AutoTagUser),
    /// Send a notification.
    Notify(notify::Notify),
    /// Rewrite a tag's value.
    NormalizeTag(normalize_tag::NormalizeTag),
    /// Remove tags to make room.
    TagTrim(tag_trim::TagTrim),
}

impl Action {
    /// What it does.
    pub fn behaviour(&self) -> &dyn Behaviour {
        match self {
            Action::Tag(a) => a,
            Action::RemoveTag(a) => a,
            Action::MarkForOp(a) => a,
            Action::Stop(a) => a,
            Action::Start(a) => a,
            Action::Terminate(a) => a,
            Action::Reboot(a) => a,
            Action::SetMetadataAccess(a) => a,
            Action::Resize(a) => a,
            Action::ModifyDb(a) => a,
            Action::SetMonitoring(a) => a,
            Action::ModifySecurityGroups(a) => a,
            Action::PropagateSpotTags(a) => a,
            Action::Snapshot(a) => a,
            Action::Delete(a) => a,
            Action::Cancel(a) => a,
            Action::AutoTagUser(a) => a,
            Action::Notify(a) => a,
            Action::NormalizeTag(a) => a,
            Action::TagTrim(a) => a,
        }
    }

    /// The action's type.
    pub fn name(&self) -> ActionName {
        match self {
            Action::Tag(_) => ActionName::Tag,
            Action::RemoveTag(_) => ActionName::RemoveTag,
            Action::MarkForOp(_) => ActionName::MarkForOp,
            Action::Stop(_) => ActionName::Stop,
            Action::Start(_) => ActionName::Start,
            Action::Terminate(_) => ActionName::Terminate,
            Action::Reboot(_) => ActionName::Reboot,
            Action::SetMetadataAccess(_) => ActionName::SetMetadataAccess,
            Action::Resize(_) => ActionName::Resize,
            Action::SetMonitoring(_) => ActionName::SetMonitoring,
            Action::ModifySecurityGroups(_) => ActionName::ModifySecurityGroups,
            Action::PropagateSpotTags(_) => ActionName::PropagateSpotTags,
            Action::ModifyDb(modify_db::ModifyDb::Update { .. }) => ActionName::ModifyDb,
            Action::ModifyDb(modify_db::ModifyDb::PublicAccess(_)) => ActionName::SetPublicAccess,
            Action::ModifyDb(modify_db::ModifyDb::Retention { .. }) => ActionName::Retention,
            Action::Snapshot(_) => ActionName::Snapshot,
            Action::Delete(_) => ActionName::Delete,
            Action::Cancel(_) => ActionName::Cancel,
            Action::AutoTagUser(_) => ActionName::AutoTagUser,
            Action::Notify(_) => ActionName::Notify,
            Action::NormalizeTag(_) => ActionName::NormalizeTag,
            Action::TagTrim(_) => ActionName::TagTrim,
        }
    }

    /// The IAM actions this action, as configured, calls on `kind`.
    pub fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        self.behaviour().permissions(kind)
    }
}

/// An action's mapping as validation sees it.
pub struct ActionInput<'n> {
    /// The node errors about the whole action point at (its `type` value, or the name).
    pub at: &'n Node,
    /// The entries (`type` included; empty for a bare name).
    pub entries: &'n Entries,
    /// The policy's kind.
    pub kind: ResourceKind,
    /// Whether the kind is known.
    pub kind_known: bool,
}

/// The names of the actions of `kind`, for messages.
fn names_of(kind: ResourceKind) -> String {
    for_kind(kind).map(|d| d.names[0]).collect::<Vec<_>>().join(", ")
}

/// Validates an `actions:` list.
pub fn parse_list(c: &mut Checker, node: &Node, kind: ResourceKind, kind_known: bool) -> Vec<Action> {
    match &node.value {
        NodeValue::Seq(items) => items.iter().filter_map(|a| parse(c, a, kind, kind_known)).collect(),
        NodeValue::Null => Vec::new(),
        _ => {
            c.at_node(node, format!("actions must be a list, found {}", node.kind_name()));
            Vec::new()
        }
    }
}

/// Validates one action: a name, or a mapping with `type`.
pub fn parse(c: &mut Checker, node: &Node, kind: ResourceKind, kind_known: bool) -> Option<Action> {
    let (at, name, entries): (&Node, &str, &[(Key, Node)]) = match &node.value {
        NodeValue::Str(name) => (node, name, &[]),
        NodeValue::Map(entries) => match get(entries, "type") {
            Some(tv) => match tv.as_str() {
                Some(name) => (tv, name, entries),
                None => {
                    c.at_node(tv, "action 'type' must be a string");
                    return None;
                }
            },
            None => {
                c.at_node(node, "action has no 'type'");
                return None;
            }
        },
        NodeValue::Null | NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Seq(_) => {
            c.at_node(
                node,
                format!("an action must be a mapping or an action name, found {}", node.kind_name()),
            );
            return None;
        }
    };
    let Some(action) = ActionName::from_name(name) else {
        if C7N_UNSUPPORTED.contains(&name) {
            c.at_node(
                at,
                format!("'{name}' is a Cloud Custodian action that custodian does not support yet"),
            );
            return None;
        }
        let all = ACTIONS.iter().flat_map(|d| d.names.iter().copied());
        let help = hint(name, all, || {
            kind_known.then(|| format!("actions of {}: {}", kind.spec().name, names_of(kind)))
        });
        c.at_node_help(at, format!("unknown action '{name}'"), help);
        return None;
    };
    let def = action.def();
    if kind_known && !def.kinds.contains(&kind) {
        c.at_node_help(
            at,
            format!("action '{name}' is not supported on {}", kind.spec().name),
            Some(format!("supported: {}", names_of(kind))),
        );
        return None;
    }
    let before = c.errors();
    c.check_keys(entries, (def.keys)(kind), &format!("{} action", def.names[0]));
    let parsed = (def.parse)(
        c,
        &ActionInput {
            at,
            entries,
            kind,
            kind_known,
        },
    );
    if c.errors() > before {
        return None;
    }
    parsed
}

/// An action named as a value (`mark-for-op`'s and `marked-for-op`'s `op`): it must exist and
/// apply to the kind.
pub fn parse_op(c: &mut Checker, node: &Node, kind: ResourceKind, kind_known: bool) -> Option<ActionName> {
    let text = node.as_str().unwrap_or("");
    match ActionName::from_name(text) {
        Some(a) if !kind_known || a.applies_to(kind) => Some(a),
        Some(a) => {
            c.at_node(node, format!("'{}' is not an action of {}", a.as_str(), kind.spec().name));
            None
        }
        None => {
            let help = crate::input::suggest(text, for_kind(kind).map(|d| d.names[0]));
            c.at_node_help(node, format!("unknown action '{text}' for op"), help);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plan::{plan, Candidate};
    use super::*;

    #[test]
    fn the_table_is_unique_and_documented() {
        for (i, d) in ACTIONS.iter().enumerate() {
            assert_eq!(d.name as usize, i, "{}: rows in ActionName order", d.names[0]);
        }
        let mut all: Vec<&str> = ACTIONS.iter().flat_map(|d| d.names.iter().copied()).collect();
        all.sort();
        assert!(all.windows(2).all(|w| w[0] != w[1]), "every name and alias once");
        for d in ACTIONS {
            assert_eq!(d.name.def().names, d.names, "{:?} is its own row", d.name);
            assert!(!d.summary.is_empty() && !d.kinds.is_empty(), "{}", d.names[0]);
            assert!(!C7N_UNSUPPORTED.contains(&d.names[0]), "{} is supported", d.names[0]);
            for kind in d.kinds {
                assert!((d.keys)(*kind).contains(&"type"), "{} accepts 'type'", d.names[0]);
                assert!(!(d.permissions)(*kind).is_empty(), "{} on {kind:?} has permissions", d.names[0]);
            }
        }
        assert!(C7N_UNSUPPORTED.windows(2).all(|w| w[0] < w[1]));
    }

    /// Every example validates on every kind it names; planned over a resource in every state,
    /// every request it plans is covered by its permissions as configured, and those are among
    /// the table's; and every request has an effect on the resources it names.
    #[test]
    fn every_action_validates_plans_within_its_permissions_and_has_an_effect() {
        let states: &[(ResourceKind, &[&str])] = &[
            (ResourceKind::Ec2, &["pending", "running", "stopping", "stopped", "terminated"]),
            (ResourceKind::Rds, &["available", "stopped", "creating"]),
            (ResourceKind::SpotRequest, &["open", "active", "cancelled"]),
        ];
        for d in ACTIONS {
            for kind in d.kinds {
                let yaml = format!(
                    "policies:\n  - name: example\n    resource: {}\n    mode: {}\n    actions:\n{}\n",
                    kind.spec().name,
                    crate::policy::trail::example_mode(*kind),
                    example_for((d.example)(*kind), *kind)
                        .lines()
                        .map(|l| format!("      {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                let policies = match crate::policy::load_text("example.yml", &yaml) {
                    Ok(p) => p,
                    Err(e) => panic!("{} on {}: {}", d.names[0], kind.spec().name, e[0]),
                };
                let action = &policies[0].actions[0];
                let allowed = action.permissions(*kind);
                for p in &allowed {
                    assert!((d.permissions)(*kind).contains(p), "{} on {kind:?}: {p}", d.names[0]);
                }
                let (_, kind_states) = states.iter().find(|(k, _)| k == kind).unwrap();
                let mut docs: Vec<Value> = kind_states.iter().map(|s| sample(*kind, s)).collect();
                // Actions reading related documents get them for a spot instance.
                let mut details = crate::resource::details::Details::default();
                if d.name == ActionName::PropagateSpotTags {
                    for doc in &mut docs {
                        doc["InstanceLifecycle"] = "spot".into();
                        doc["SpotInstanceRequestId"] = "sir-1".into();
                    }
                    let request = serde_json::json!({"SpotInstanceRequestId": "sir-1", "Tags": [{"Key": "Name", "Value": "gpu"}]});
                    details.add_related(
                        crate::resource::related::Related::SpotRequests,
                        Some(&["sir-1".into()]),
                        vec![request],
                    );
                }
                // ... and resources attached to security groups, one of them matched.
                let matched = plan::GroupAnnotations {
                    matched: [
                        ("i-1".to_string(), vec!["sg-1".to_string()]),
                        ("db-1".to_string(), vec!["sg-1".to_string()]),
                    ]
                    .into(),
                    ..Default::default()
                };
                if d.name == ActionName::ModifySecurityGroups {
                    for doc in &mut docs {
                        doc["NetworkInterfaces"] = serde_json::json!([{"NetworkInterfaceId": "eni-1", "Groups": [{"GroupId": "sg-1"}]}]);
                        doc["VpcSecurityGroups"] = serde_json::json!([{"VpcSecurityGroupId": "sg-1"}]);
                    }
                }
                let candidates: Vec<Candidate> = docs.iter().map(Candidate::fresh).collect();
                let event =
                    serde_json::json!({"detail": {"userIdentity": {"type": "IAMUser", "userName": "jane", "principalId": "AIDA1"}}});
                let cx = PlanContext {
                    event: Some(&event),
                    details: Some(&details),
                    groups: Some(&matched),
                    ..PlanContext::new(*kind, "us-east-1", "2026-06-15T12:00:00Z".parse().unwrap())
                };
                let p = plan(action, &candidates, &cx);
                assert!(!p.targets.is_empty(), "{} on {kind:?} acts on some state", d.names[0]);
                for r in &p.requests {
                    for api in r.operation.permissions() {
                        assert!(allowed.contains(&api), "{} on {kind:?}: {api} not in {allowed:?}", d.names[0]);
                    }
                    let mut doc = serde_json::Map::new();
                    r.operation.effect(&mut doc);
                    // A reboot and a notification are the calls DescribeInstances does not show.
                    let invisible = matches!(
                        r.operation,
                        request::Operation::Ec2RebootInstances
                            | request::Operation::Ec2CreateSnapshots { .. }
                            | request::Operation::SnsPublish { .. }
                            | request::Operation::SqsSendMessage { .. }
                            | request::Operation::SlackPost { .. }
                    );
                    assert!(!doc.is_empty() || invisible, "{} has an effect", r.api());
                }
            }
        }
    }

    /// A resource in `state` carrying 49 tags, one of them `Environment=DEV`.
    fn sample(kind: ResourceKind, state: &str) -> Value {
        let mut doc = bare(kind, state);
        let mut tags = vec![serde_json::json!({"Key": "Environment", "Value": "DEV"})];
        tags.extend((1..49).map(|i| serde_json::json!({"Key": format!("k{i:02}"), "Value": "v"})));
        doc["Tags"] = Value::Array(tags);
        doc
    }

    fn bare(kind: ResourceKind, state: &str) -> Value {
        match kind {
            ResourceKind::Ec2 => {
                serde_json::json!({"InstanceId": "i-1", "State": {"Name": state}, "MetadataOptions": {"HttpTokens": "optional", "HttpEndpoint": "enabled", "InstanceMetadataTags": "disabled", "HttpPutResponseHopLimit": 1}, "InstanceType": "m5.4xlarge", "Monitoring": {"State": "disabled"}})
            }
            ResourceKind::Rds => {
                serde_json::json!({"DBInstanceIdentifier": "db-1", "DBInstanceStatus": state, "Engine": "postgres", "DBInstanceArn": "arn:aws:rds:us-east-1:1:db:db-1", "AllocatedStorage": 20, "PubliclyAccessible": true, "DeletionProtection": false, "BackupRetentionPeriod": 1, "CopyTagsToSnapshot": false})
            }
            ResourceKind::SpotRequest => serde_json::json!({"SpotInstanceRequestId": "sir-1", "State": state, "InstanceId": "i-9"}),
        }
    }
}
