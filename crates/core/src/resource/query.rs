//! A policy's `query`: describe-call `Filters` (EC2's `instance-state-name`, `tag-key`, ...;
//! RDS's `engine`, `db-instance-id`, ...). Live, they are sent with the describe call so the
//! API does the work; over a snapshot (or a fetch shared with policies without the query),
//! [`Query::matches`] applies them to the documents with the API's rules: different names
//! must all match, any value of one name may match, EC2 values take `*` and `?` wildcards.
//! The names and the documents' fields they read come from AWS's `DescribeInstances` and
//! `DescribeDBInstances` references (c7n's `EC2QueryParser` in `c7n/resources/ec2.py`).

use super::ResourceKind;
use serde_json::Value;

/// One describe filter: a name and the values any of which may match.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DescribeFilter {
    /// The filter name (`instance-state-name`, `tag:Owner`).
    pub name: String,
    /// The accepted values.
    pub values: Vec<String>,
}

/// A validated `query`: filters sorted by name, values of a repeated name merged. Empty: every
/// resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Query {
    /// The filters, all of which must match.
    pub filters: Vec<DescribeFilter>,
}

/// Where a filter name reads the document.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// A path of keys; lists on the way are searched (`SecurityGroups.GroupId`).
    Path(&'static [&'static str]),
    /// Any tag's key.
    TagKey,
    /// Any tag's value.
    TagValue,
}

/// A filter name the kind's describe call accepts.
#[derive(Debug)]
pub struct QueryName {
    /// The name.
    pub name: &'static str,
    /// The values it accepts, when it is an enumeration.
    pub values: Option<&'static [&'static str]>,
    field: Field,
}

const fn path(name: &'static str, keys: &'static [&'static str]) -> QueryName {
    QueryName {
        name,
        values: None,
        field: Field::Path(keys),
    }
}

const fn choice(name: &'static str, keys: &'static [&'static str], values: &'static [&'static str]) -> QueryName {
    QueryName {
        name,
        values: Some(values),
        field: Field::Path(keys),
    }
}

/// EC2 `DescribeInstances` filters c7n accepts (its `EC2QueryParser.QuerySchema`), plus `tag:K`.
const EC2_NAMES: &[QueryName] = &[
    choice(
        "architecture",
        &["Architecture"],
        &["i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"],
    ),
    path("availability-zone", &["Placement", "AvailabilityZone"]),
    path("ebs-optimized", &["EbsOptimized"]),
    path("iam-instance-profile.arn", &["IamInstanceProfile", "Arn"]),
    path("image-id", &["ImageId"]),
    path("instance-id", &["InstanceId"]),
    choice(
        "instance-lifecycle",
        &["InstanceLifecycle"],
        &["spot", "scheduled", "capacity-block"],
    ),
    choice(
        "instance-state-name",
        &["State", "Name"],
        &["pending", "terminated", "running", "shutting-down", "stopping", "stopped"],
    ),
    path("instance-type", &["InstanceType"]),
    path("instance.group-id", &["SecurityGroups", "GroupId"]),
    path("instance.group-name", &["SecurityGroups", "GroupName"]),
    path("owner-id", &["OwnerId"]),
    path("platform", &["Platform"]),
    QueryName {
        name: "tag-key",
        values: None,
        field: Field::TagKey,
    },
    QueryName {
        name: "tag-value",
        values: None,
        field: Field::TagValue,
    },
    choice("tenancy", &["Placement", "Tenancy"], &["dedicated", "default", "host"]),
    path("vpc-id", &["VpcId"]),
];

/// RDS `DescribeDBInstances` filters.
const RDS_NAMES: &[QueryName] = &[
    path("db-cluster-id", &["DBClusterIdentifier"]),
    path("db-instance-id", &["DBInstanceIdentifier"]),
    path("dbi-resource-id", &["DbiResourceId"]),
    path("domain", &["DomainMemberships", "Domain"]),
    path("engine", &["Engine"]),
];

/// The server-side filters a kind's describe call takes.
#[derive(Debug)]
pub struct QuerySpec {
    /// The filter names (`tag:K` besides, where tags are filterable).
    pub names: &'static [QueryName],
    /// Whether it filters by `tag:K` (EC2 does; `DescribeDBInstances` does not).
    pub tag_filters: bool,
    /// Whether it takes `*` / `?` wildcards in filter values (EC2 does).
    pub wildcards: bool,
}

/// `DescribeInstances`' filters.
pub static EC2_QUERY: QuerySpec = QuerySpec {
    names: EC2_NAMES,
    tag_filters: true,
    wildcards: true,
};

/// `DescribeDBInstances`' filters.
pub static RDS_QUERY: QuerySpec = QuerySpec {
    names: RDS_NAMES,
    tag_filters: false,
    wildcards: false,
};

/// The filter names `kind`'s describe call takes (`tag:K` besides, where tags are filterable);
/// `None` where custodian does not support `query` on the kind.
pub fn names(kind: ResourceKind) -> Option<&'static [QueryName]> {
    kind.spec().query.map(|q| q.names)
}

/// Whether `kind` filters by `tag:K` (EC2 does; `DescribeDBInstances` does not).
pub fn takes_tag_filters(kind: ResourceKind) -> bool {
    kind.spec().query.is_some_and(|q| q.tag_filters)
}

/// Whether the kind's API takes `*` / `?` wildcards in filter values (EC2 does).
fn takes_wildcards(kind: ResourceKind) -> bool {
    kind.spec().query.is_some_and(|q| q.wildcards)
}

impl Query {
    /// Whether there is nothing to filter.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// Builds a query from `(name, values)` pairs: sorted by name, a repeated name's values
    /// merged (c7n's `QueryParser`).
    pub fn new(pairs: impl IntoIterator<Item = (String, Vec<String>)>) -> Query {
        let mut filters: Vec<DescribeFilter> = Vec::new();
        for (name, values) in pairs {
            match filters.iter_mut().find(|f| f.name == name) {
                Some(f) => f.values.extend(values),
                None => filters.push(DescribeFilter { name, values }),
            }
        }
        filters.sort();
        Query { filters }
    }

    /// The top-level document keys the query reads.
    pub fn read_fields(&self, kind: ResourceKind) -> Vec<String> {
        self.filters
            .iter()
            .filter_map(|f| match field(kind, &f.name) {
                Some(Field::Path(keys)) => keys.first().map(|k| k.to_string()),
                // `tag-key`, `tag-value` and `tag:K`.
                Some(Field::TagKey | Field::TagValue) | None => Some("Tags".to_string()),
            })
            .collect()
    }

    /// Whether a document of `kind` passes every filter, as the describe call would decide.
    pub fn matches(&self, kind: ResourceKind, doc: &Value) -> bool {
        self.filters.iter().all(|f| {
            let found = match field(kind, &f.name) {
                Some(Field::Path(keys)) => strings_at(doc, keys),
                Some(Field::TagKey) => super::tags(doc).map(|(k, _)| k.to_string()).collect(),
                Some(Field::TagValue) => super::tags(doc).map(|(_, v)| v.to_string()).collect(),
                None => match f.name.strip_prefix("tag:") {
                    Some(key) => super::tags(doc).filter(|(k, _)| *k == key).map(|(_, v)| v.to_string()).collect(),
                    None => Vec::new(),
                },
            };
            found
                .iter()
                .any(|s| f.values.iter().any(|v| if takes_wildcards(kind) { wildcard(v, s) } else { v == s }))
        })
    }
}

fn field(kind: ResourceKind, name: &str) -> Option<Field> {
    names(kind)?.iter().find(|n| n.name == name).map(|n| n.field)
}

/// The scalar values at `keys`, searching lists on the way; booleans read `true` / `false`.
fn strings_at(doc: &Value, keys: &[&str]) -> Vec<String> {
    let current = super::values_at(doc, keys);
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect(),
            v => vec![v],
        })
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

/// EC2's filter wildcards: `*` any run, `?` one character, `\` escapes the next one.
fn wildcard(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    // Backtracking over the last star keeps this linear in practice.
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        match p.get(i) {
            Some('*') => {
                star = Some((i + 1, j));
                i += 1;
                continue;
            }
            Some('?') => {
                i += 1;
                j += 1;
                continue;
            }
            Some('\\') if i + 1 < p.len() && p[i + 1] == t[j] => {
                i += 2;
                j += 1;
                continue;
            }
            Some(c) if *c != '\\' && *c == t[j] => {
                i += 1;
                j += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((si, sj)) => {
                i = si;
                j = sj + 1;
                star = Some((si, sj + 1));
            }
            None => return false,
        }
    }
    p[i.min(p.len())..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(pairs: &[(&str, &[&str])]) -> Query {
        Query::new(
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.iter().map(|s| s.to_string()).collect())),
        )
    }

    fn instance() -> Value {
        json!({
            "InstanceId": "i-1", "InstanceType": "m5.large", "EbsOptimized": false,
            "State": {"Name": "running"}, "Placement": {"AvailabilityZone": "us-east-1a"},
            "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web"}, {"GroupId": "sg-2", "GroupName": "db"}],
            "Tags": [{"Key": "Owner", "Value": "alice"}, {"Key": "env", "Value": "dev"}]
        })
    }

    #[test]
    fn names_are_anded_and_values_ored() {
        let i = instance();
        assert!(q(&[("instance-state-name", &["stopped", "running"])]).matches(ResourceKind::Ec2, &i));
        assert!(!q(&[("instance-state-name", &["stopped"])]).matches(ResourceKind::Ec2, &i));
        assert!(!q(&[("instance-state-name", &["running"]), ("instance-type", &["t3.micro"])]).matches(ResourceKind::Ec2, &i));
        assert!(q(&[("instance-state-name", &["running"]), ("instance-type", &["m5.*"])]).matches(ResourceKind::Ec2, &i));
    }

    #[test]
    fn tags_lists_and_booleans_read_as_the_api_does() {
        let i = instance();
        assert!(q(&[("tag-key", &["Owner"])]).matches(ResourceKind::Ec2, &i));
        assert!(!q(&[("tag-key", &["owner"])]).matches(ResourceKind::Ec2, &i), "case-sensitive");
        assert!(q(&[("tag:env", &["dev", "prod"])]).matches(ResourceKind::Ec2, &i));
        assert!(!q(&[("tag:Missing", &["*"])]).matches(ResourceKind::Ec2, &i));
        assert!(q(&[("tag-value", &["al?ce"])]).matches(ResourceKind::Ec2, &i));
        assert!(q(&[("instance.group-name", &["db"])]).matches(ResourceKind::Ec2, &i));
        assert!(q(&[("ebs-optimized", &["false"])]).matches(ResourceKind::Ec2, &i));
        assert!(q(&[("availability-zone", &["us-east-1*"])]).matches(ResourceKind::Ec2, &i));
    }

    #[test]
    fn repeated_names_merge_and_sort() {
        let a = q(&[("tag-key", &["b"]), ("instance-type", &["x"]), ("tag-key", &["a"])]);
        assert_eq!(a.filters.len(), 2);
        assert_eq!(a.filters[0].name, "instance-type");
        assert_eq!(a.filters[1].values, vec!["b", "a"]);
        assert_eq!(a.read_fields(ResourceKind::Ec2), vec!["InstanceType", "Tags"]);
        assert_eq!(q(&[("tag:Owner", &["x"])]).read_fields(ResourceKind::Ec2), vec!["Tags"]);
    }

    #[test]
    fn rds_values_are_exact() {
        let db = json!({"DBInstanceIdentifier": "db-1", "Engine": "mysql"});
        assert!(q(&[("engine", &["postgres", "mysql"])]).matches(ResourceKind::Rds, &db));
        assert!(!q(&[("engine", &["my*"])]).matches(ResourceKind::Rds, &db));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*", ""));
        assert!(wildcard("a*c", "abbbc"));
        assert!(!wildcard("a*c", "abbb"));
        assert!(wildcard("a?c", "abc"));
        assert!(wildcard(r"a\*c", "a*c"));
        assert!(!wildcard(r"a\*c", "abc"));
        assert!(wildcard("*-prod-*", "web-prod-1"));
    }
}
