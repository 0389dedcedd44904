//! Filters: the [`FILTERS`] table, the validated [`Filter`] tree, and its evaluation over
//! resource documents. Each filter family owns its YAML face (keys, defaults, validation, kinds,
//! summary, example) next to its evaluation, in its own file.

pub mod age;
pub mod attribute;
pub mod boolean;
pub mod ephemeral;
pub mod event;
pub mod marked;
pub mod metrics;
pub mod network_location;
pub mod offhours;
/// Key paths live with the resources they read (actions resolve them too).
pub use crate::resource::path;
pub mod reduce;
pub mod related;
pub mod singleton;
pub mod tag_count;
pub mod uptime;
pub mod value;
pub mod values_from;

use crate::input::{get, hint, Checker, Entries, Node, NodeValue};
use crate::resource::details::{Details, Lookup, Need};
use crate::resource::related::Related;
use crate::resource::ResourceKind;
use jiff::Timestamp;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;
pub use value::{Op, ValueFilter, ValueType};

/// Every resource kind, for filters that apply to all of them.
pub const ALL_KINDS: &[ResourceKind] = &[ResourceKind::Ec2, ResourceKind::Rds, ResourceKind::SpotRequest];

/// One filter type as people read it: its name, what it does, an example, where it applies,
/// its keys, and the function that validates its YAML into a [`Filter`].
pub struct FilterDef {
    /// The `type` name.
    pub name: &'static str,
    /// One line on what it matches.
    pub summary: &'static str,
    /// A YAML example (one list item of `filters:`).
    pub example: &'static str,
    /// The kinds it applies to.
    pub kinds: &'static [ResourceKind],
    /// It reads the triggering event: only event-mode policies may use it.
    pub needs_event: bool,
    /// Every key it accepts (`type` included).
    pub keys: &'static [&'static str],
    /// Validates the filter's mapping (keys already checked against `keys`).
    pub parse: fn(&mut Checker, &FilterInput) -> Option<Filter>,
}

/// The filter table, sorted by name. `schema`, error lists and "did you mean" read it.
pub const FILTERS: &[FilterDef] = &[
    boolean::AND,
    related::CONSECUTIVE_SNAPSHOTS,
    related::DB_OPTION_GROUPS,
    related::DB_PARAMETER,
    related::DEFAULT_VPC,
    related::EBS,
    related::ENGINE,
    ephemeral::EPHEMERAL,
    event::EVENT,
    related::HAS_SPECIFIC_MANAGED_POLICY,
    related::IAM_ROLE,
    related::IMAGE,
    related::IMAGE_AGE,
    age::INSTANCE_AGE,
    attribute::INSTANCE_ATTRIBUTE,
    uptime::INSTANCE_UPTIME,
    related::KMS_ALIAS,
    marked::MARKED_FOR_OP,
    metrics::METRICS,
    network_location::NETWORK_LOCATION,
    boolean::NOT,
    offhours::OFFHOUR,
    offhours::ONHOUR,
    boolean::OR,
    reduce::REDUCE,
    related::SECURITY_GROUP,
    singleton::SINGLETON,
    age::STATE_AGE,
    attribute::STOP_PROTECTED,
    related::SUBNET,
    tag_count::TAG_COUNT,
    attribute::TERMINATION_PROTECTED,
    related::UPGRADE_AVAILABLE,
    attribute::USER_DATA,
    value::parse::VALUE,
    related::VPC,
];

/// Cloud Custodian filters of EC2, RDS or spot requests that custodian does not support yet
/// (from `c7n/resources/ec2.py`, `rds.py`, `c7n/filters/*.py`): named as such, never
/// "did you mean" a different filter.
pub const C7N_UNSUPPORTED: &[&str] = &[
    "check-permissions",
    "config-compliance",
    "consecutive-aws-backups",
    "cross-account",
    "finding",
    "health-event",
    "kms-key",
    "list-item",
    "ops-item",
    "ssm",
    "ssm-compliance",
];

/// A validated filter.
#[derive(Debug, Clone)]
pub enum Filter {
    /// `value` (and its shorthands).
    Value(ValueFilter),
    /// `and`: every child matches.
    And(Vec<Filter>),
    /// `or`: any child matches.
    Or(Vec<Filter>),
    /// `not`: the children, taken as an `and`, do not match.
    Not(Vec<Filter>),
    /// `instance-age`: age of the resource compared with a threshold.
    InstanceAge(age::AgeFilter),
    /// `state-age`: time since the last state transition (EC2 `StateTransitionReason`).
    StateAge(age::AgeFilter),
    /// `instance-uptime`: time since the EC2 instance last started.
    InstanceUptime(uptime::Uptime),
    /// `tag-count`: number of tags, not counting `aws:` ones.
    TagCount(tag_count::TagCount),
    /// `marked-for-op`: the resource carries a `mark-for-op` tag whose date has come.
    MarkedForOp(marked::MarkedForOp),
    /// `offhour` / `onhour`: the resource's schedule says stop / start now.
    OffHours(Box<offhours::OffHours>),
    /// `event`: a value filter over the triggering event.
    Event(ValueFilter),
    /// `reduce`: a selection over the whole set (applied by the engine, in order).
    Reduce(Box<reduce::Reduce>),
    /// `ebs`, `image`, `image-age`, `subnet`, `security-group`, `vpc`, `default-vpc`: over the
    /// resource's related documents.
    Related(Box<related::RelatedFilter>),
    /// `termination-protected`, `stop-protected`, `instance-attribute`, `user-data`: over one
    /// `DescribeInstanceAttribute` answer per instance.
    Attribute(attribute::AttributeFilter),
    /// `metrics`: CloudWatch statistics of the resource.
    Metrics(Box<metrics::Metrics>),
    /// `ephemeral`: the EC2 root device is instance store.
    Ephemeral,
    /// `singleton`: outside Auto Scaling, without a recover alarm.
    Singleton,
    /// `network-location`: resource, subnets and security groups agree on a key.
    NetworkLocation(Box<network_location::NetworkLocation>),
}

/// Everything a filter needs besides the document.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The resource kind.
    pub kind: ResourceKind,
    /// "Now", from the injected clock.
    pub now: Timestamp,
    /// Where off-hours filters record opt-outs, unparsable tags and tag lint.
    pub notes: Option<&'a crate::schedule::ScheduleNotes>,
    /// The triggering event of an event-mode run (what the `event` filter reads).
    pub event: Option<&'a Value>,
    /// Related documents and instance attributes loaded so far in this region.
    pub details: Option<&'a Details>,
    /// Where filters record what they need and is not loaded (see [`Filter::check`]).
    pub needs: Option<&'a RefCell<Vec<Need>>>,
}

impl<'a> EvalContext<'a> {
    /// A context with nothing but the kind and the time.
    pub fn new(kind: ResourceKind, now: Timestamp) -> Self {
        EvalContext {
            kind,
            now,
            notes: None,
            event: None,
            details: None,
            needs: None,
        }
    }

    /// A related document; `None` (and the need recorded) when it is not loaded yet.
    pub fn related(&self, related: Related, id: &str) -> Option<Option<&'a Value>> {
        match self.details.map(|d| d.related(related, id)).unwrap_or(Lookup::NotLoaded) {
            Lookup::Found(d) => Some(Some(d)),
            Lookup::Missing => Some(None),
            Lookup::NotLoaded => {
                let id = if related.spec().by_id { id.to_string() } else { String::new() };
                self.need(Need::Related(related, id));
                None
            }
        }
    }

    /// Every document of a region-wide related type; `None` (need recorded) until loaded.
    pub fn all_related(&self, related: Related) -> Option<Vec<&'a Value>> {
        let all = self.details.and_then(|d| d.all_related(related));
        if all.is_none() {
            self.need(Need::Related(related, String::new()));
        }
        all
    }

    /// An instance attribute's answer; `None` (need recorded) until loaded.
    pub fn attribute(&self, attribute: &'static str, id: &str) -> Option<&'a Value> {
        let found = self.details.and_then(|d| d.attribute(attribute, id));
        if found.is_none() {
            self.need(Need::Attribute(attribute, id.to_string()));
        }
        found
    }

    /// A metric series' datapoints; `None` (need recorded) until loaded.
    pub fn metric(&self, query: &crate::resource::details::MetricQuery) -> Option<&'a [f64]> {
        let found = self.details.and_then(|d| d.metric(query));
        if found.is_none() {
            self.need(Need::Metric(query.clone()));
        }
        found
    }

    fn need(&self, need: Need) {
        if let Some(n) = self.needs {
            n.borrow_mut().push(need);
        }
    }
}

impl Filter {
    /// Does the document match? Undecided (something not loaded) is no match.
    pub fn matches(&self, doc: &Value, cx: &EvalContext) -> bool {
        self.check(doc, cx) == Some(true)
    }

    /// Does the document match: `Some(answer)`, or `None` while a filter it reaches needs
    /// something not loaded (recorded in `cx.needs`). Three-valued (Kleene) logic, so a cheap
    /// filter that decides an `and` or `or` makes the dearer ones moot, whatever their order:
    /// the answer, once decided, is the one full evaluation would give.
    pub fn check(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        match self {
            Filter::Value(v) => Some(v.matches(doc, cx.now)),
            Filter::And(children) => all(children, doc, cx),
            Filter::Or(children) => {
                let mut undecided = false;
                for f in children {
                    match f.check(doc, cx) {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => undecided = true,
                    }
                }
                (!undecided).then_some(false)
            }
            Filter::Not(children) => all(children, doc, cx).map(|b| !b),
            Filter::InstanceAge(a) => Some(a.matches_resource_age(doc, cx)),
            Filter::StateAge(a) => Some(a.matches_state_age(doc, cx)),
            Filter::InstanceUptime(u) => Some(u.matches(doc, cx.now)),
            Filter::TagCount(t) => Some(t.matches(doc)),
            Filter::MarkedForOp(m) => Some(m.matches(doc, cx.now)),
            Filter::OffHours(o) => Some(o.matches(cx.kind, doc, cx.now, cx.notes)),
            Filter::Event(v) => Some(event::matches(v, cx.event, cx.now)),
            // A set-level selection: the engine applies it between the per-resource filters.
            Filter::Reduce(_) => Some(true),
            Filter::Related(r) => r.check(doc, cx),
            Filter::Attribute(a) => a.check(doc, cx),
            Filter::Metrics(m) => m.check(doc, cx),
            Filter::Ephemeral => Some(ephemeral::is_ephemeral(doc)),
            Filter::Singleton => singleton::check(doc, cx),
            Filter::NetworkLocation(n) => n.check(doc, cx),
        }
    }

    /// Adds the top-level document keys this filter reads to `out`.
    pub fn read_fields(&self, kind: ResourceKind, out: &mut BTreeSet<String>) {
        match self {
            Filter::Value(v) => v.read_fields(out),
            Filter::And(c) | Filter::Or(c) | Filter::Not(c) => c.iter().for_each(|f| f.read_fields(kind, out)),
            Filter::InstanceAge(_) => out.extend(kind.spec().age_fields.iter().map(|f| f.to_string())),
            Filter::StateAge(_) => {
                out.insert("StateTransitionReason".into());
            }
            Filter::InstanceUptime(_) => {
                out.insert("LaunchTime".into());
            }
            Filter::TagCount(_) | Filter::MarkedForOp(_) => {
                out.insert("Tags".into());
            }
            Filter::OffHours(_) => {
                out.insert("Tags".into());
                out.insert("State".into());
            }
            Filter::Event(_) => {}
            Filter::Reduce(r) => r.read_fields(out),
            Filter::Related(r) => r.read_fields(kind, out),
            // The instance id, a core field.
            Filter::Attribute(_) => {}
            Filter::Metrics(m) => m.read_fields(out),
            Filter::Ephemeral => {
                out.insert("BlockDeviceMappings".into());
            }
            Filter::Singleton => {
                out.insert("State".into());
                out.insert("Tags".into());
            }
            Filter::NetworkLocation(n) => n.read_fields(kind, out),
        }
    }
}

impl Filter {
    /// The `value_from` / `skip-days-from` sources read at run time (S3, HTTP) in this filter.
    pub fn remote_values<'f>(&'f self, out: &mut Vec<&'f values_from::ValuesFrom>) {
        let of_value = |v: &'f value::ValueFilter, out: &mut Vec<&'f values_from::ValuesFrom>| {
            out.extend(v.value_from.as_deref().filter(|f| f.is_remote()));
        };
        match self {
            Filter::And(c) | Filter::Or(c) | Filter::Not(c) => c.iter().for_each(|f| f.remote_values(out)),
            Filter::Value(v) => of_value(v, out),
            Filter::Related(r) => {
                if let related::Test::Value { filter: Some(v), .. } = &r.test {
                    of_value(v, out);
                }
            }
            Filter::OffHours(o) => out.extend(o.remote_skip_days.as_ref().map(|(f, _)| &**f)),
            _ => {}
        }
    }

    /// Adds the IAM actions evaluating this filter calls (related describes) to `out`.
    pub fn permissions(&self, out: &mut BTreeSet<&'static str>) {
        match self {
            Filter::And(c) | Filter::Or(c) | Filter::Not(c) => c.iter().for_each(|f| f.permissions(out)),
            Filter::Related(r) => {
                out.insert(r.related.spec().collection.describe_api);
                // The IAM filters reach the role through the instance profile.
                if matches!(r.related, Related::Roles | Related::AttachedRolePolicies) {
                    out.insert(Related::InstanceProfiles.spec().collection.describe_api);
                }
                if r.igw.is_some() || r.nat.is_some() {
                    out.insert(Related::RouteTables.spec().collection.describe_api);
                }
            }
            Filter::Attribute(_) => {
                out.insert("ec2:DescribeInstanceAttribute");
            }
            Filter::Metrics(_) => {
                out.insert("cloudwatch:GetMetricData");
            }
            Filter::Singleton => {
                out.insert(Related::Alarms.spec().collection.describe_api);
            }
            Filter::NetworkLocation(_) => {
                out.insert(Related::SecurityGroups.spec().collection.describe_api);
                out.insert(Related::Subnets.spec().collection.describe_api);
            }
            Filter::Value(_)
            | Filter::InstanceAge(_)
            | Filter::StateAge(_)
            | Filter::InstanceUptime(_)
            | Filter::TagCount(_)
            | Filter::MarkedForOp(_)
            | Filter::OffHours(_)
            | Filter::Event(_)
            | Filter::Ephemeral
            | Filter::Reduce(_) => {}
        }
    }
}

/// Every filter matches (Kleene `and`): a definite no wins over undecided ones.
pub fn all<'f>(filters: impl IntoIterator<Item = &'f Filter>, doc: &Value, cx: &EvalContext) -> Option<bool> {
    let mut undecided = false;
    for f in filters {
        match f.check(doc, cx) {
            Some(false) => return Some(false),
            Some(true) => {}
            None => undecided = true,
        }
    }
    (!undecided).then_some(true)
}

/// A filter's mapping as validation sees it.
#[derive(Clone, Copy)]
pub struct FilterInput<'n> {
    /// The node errors about the whole filter point at (its `type` value, or the name).
    pub at: &'n Node,
    /// The filter's type name.
    pub name: &'n str,
    /// The mapping's entries (`type` included; empty for a bare name).
    pub entries: &'n Entries,
    /// The policy's kind.
    pub kind: ResourceKind,
    /// Whether the kind is known (a policy with a bad `resource` still has its filters checked
    /// for shape, but not against a kind).
    pub kind_known: bool,
}

/// Whether any filter of the tree reads the triggering event.
pub fn reads_event(filters: &[Filter]) -> bool {
    filters.iter().any(|f| match f {
        Filter::Event(_) => true,
        Filter::And(c) | Filter::Or(c) | Filter::Not(c) => reads_event(c),
        _ => false,
    })
}

/// Validates a `filters:` list.
pub fn parse_list(c: &mut Checker, node: &Node, kind: ResourceKind, kind_known: bool) -> Vec<Filter> {
    match &node.value {
        NodeValue::Seq(items) => items.iter().filter_map(|f| parse(c, f, kind, kind_known)).collect(),
        NodeValue::Null => Vec::new(),
        _ => {
            c.at_node(node, format!("filters must be a list, found {}", node.kind_name()));
            Vec::new()
        }
    }
}

/// Validates one filter: a name, a mapping with `type`, a boolean block or a value shorthand.
pub fn parse(c: &mut Checker, node: &Node, kind: ResourceKind, kind_known: bool) -> Option<Filter> {
    match &node.value {
        NodeValue::Str(name) => typed(c, node, name, &[], kind, kind_known),
        NodeValue::Map(entries) => {
            if let Some(tv) = get(entries, "type") {
                let Some(name) = tv.as_str() else {
                    c.at_node(tv, "filter 'type' must be a string");
                    return None;
                };
                return typed(c, tv, name, entries, kind, kind_known);
            }
            if let [(key, value)] = entries.as_slice() {
                return match boolean::block(key.name.as_str()) {
                    Some(make) => boolean::parse_block(c, key, value, make, kind, kind_known),
                    None => value::parse::shorthand(c, key, value, kind, kind_known),
                };
            }
            if entries.is_empty() {
                c.at_node(node, "empty filter");
            } else if get(entries, "key").is_some() {
                c.at_node(node, "filter has no 'type' (add 'type: value')");
            } else {
                c.at_node(
                    node,
                    "filter has no 'type', and a value shorthand takes exactly one 'Key: value' pair",
                );
            }
            None
        }
        NodeValue::Null | NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Seq(_) => {
            c.at_node(
                node,
                format!("a filter must be a mapping or a filter name, found {}", node.kind_name()),
            );
            None
        }
    }
}

/// The table row of a filter name.
pub fn def(name: &str) -> Option<&'static FilterDef> {
    FILTERS.iter().find(|d| d.name == name)
}

/// The filters that apply to `kind`.
pub fn for_kind(kind: ResourceKind) -> impl Iterator<Item = &'static FilterDef> {
    FILTERS.iter().filter(move |d| d.kinds.contains(&kind))
}

/// "aws.ec2" or "aws.ec2 and aws.rds".
fn kind_names(kinds: &[ResourceKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.spec().name).collect();
    names.join(" and ")
}

fn typed(c: &mut Checker, at: &Node, name: &str, entries: &Entries, kind: ResourceKind, kind_known: bool) -> Option<Filter> {
    let Some(d) = def(name) else {
        if C7N_UNSUPPORTED.contains(&name) {
            c.at_node(
                at,
                format!("'{name}' is a Cloud Custodian filter that custodian does not support yet"),
            );
        } else {
            let known = FILTERS.iter().filter(|d| boolean::block(d.name).is_none()).map(|d| d.name);
            let help = hint(name, known, || {
                let all: Vec<&str> = FILTERS.iter().map(|d| d.name).collect();
                Some(format!("filters: {}", all.join(", ")))
            });
            c.at_node_help(at, format!("unknown filter '{name}'"), help);
        }
        return None;
    };
    if boolean::block(name).is_none() {
        c.check_keys(entries, d.keys, &format!("{name} filter"));
    }
    if kind_known && !d.kinds.contains(&kind) {
        let only = if d.kinds.len() == 1 { "only " } else { "" };
        c.at_node(
            at,
            format!(
                "filter '{name}' is {only}available on {}, not {}",
                kind_names(d.kinds),
                kind.spec().name
            ),
        );
        return None;
    }
    (d.parse)(
        c,
        &FilterInput {
            at,
            name,
            entries,
            kind,
            kind_known,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_unique_and_documented() {
        assert!(
            FILTERS.windows(2).all(|w| w[0].name < w[1].name),
            "FILTERS sorted by name, no duplicates"
        );
        for d in FILTERS {
            assert!(!d.summary.is_empty(), "{} has a summary", d.name);
            assert!(!d.kinds.is_empty(), "{} applies to some kind", d.name);
            assert!(
                boolean::block(d.name).is_some() || d.keys.contains(&"type"),
                "{} accepts 'type'",
                d.name
            );
            assert!(
                !C7N_UNSUPPORTED.contains(&d.name),
                "{} is supported, not in C7N_UNSUPPORTED",
                d.name
            );
        }
        assert!(C7N_UNSUPPORTED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_example_validates_on_every_kind_it_names() {
        for d in FILTERS {
            for kind in d.kinds {
                let yaml = format!(
                    "policies:\n  - name: example\n    resource: {}\n    mode: {}\n    filters:\n{}\n",
                    kind.spec().name,
                    crate::policy::trail::example_mode(*kind),
                    crate::action::example_for(d.example, *kind)
                        .lines()
                        .map(|l| format!("      {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                if let Err(e) = crate::policy::load_text("example.yml", &yaml) {
                    panic!("{} on {}: {}", d.name, kind.spec().name, e[0]);
                }
            }
        }
    }

    #[test]
    fn kinds_a_filter_does_not_name_refuse_it() {
        for d in FILTERS {
            for kind in ALL_KINDS.iter().filter(|k| !d.kinds.contains(k)) {
                let yaml = format!(
                    "policies:\n  - name: example\n    resource: {}\n    filters:\n{}\n",
                    kind.spec().name,
                    d.example.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
                );
                let e = crate::policy::load_text("example.yml", &yaml).unwrap_err();
                assert!(e[0].message.contains("available on"), "{}: {}", d.name, e[0]);
            }
        }
    }
}
