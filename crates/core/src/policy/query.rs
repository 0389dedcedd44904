//! The `query` policy key, as c7n's `QueryParser` (`c7n/utils.py`) reads it: a list of
//! one-key mappings, each either a describe filter written directly
//! (`- instance-state-name: running`, `- tag:Owner: [alice, bob]`), a `Filters` list of
//! `{Name, Values}`, or EC2's `InstanceIds` / `MaxResults` (RDS: `DBInstanceIdentifier`).
//! Names and enumerated values are checked against the kind's describe call.

use crate::input::{get, hint, scalar_string, Checker, Node, NodeValue};
use crate::resource::query::{self, Query};
use crate::resource::ResourceKind;

/// Validates a `query` list for `kind`.
pub fn parse(c: &mut Checker, node: &Node, kind: ResourceKind) -> Query {
    let Some(names) = query::names(kind) else {
        c.at_node(node, format!("'query' is not supported on {} by custodian", kind.spec().name));
        return Query::default();
    };
    let items = match &node.value {
        NodeValue::Seq(items) => items,
        NodeValue::Null => return Query::default(),
        _ => {
            c.at_node(
                node,
                format!("'query' must be a list of one-key mappings, found {}", node.kind_name()),
            );
            return Query::default();
        }
    };
    let mut pairs = Vec::new();
    for item in items {
        let entries = match item.as_map() {
            Some(e) if e.len() == 1 => e,
            _ => {
                c.at_node(item, "each 'query' entry must be a mapping with exactly one key");
                continue;
            }
        };
        let (key, value) = &entries[0];
        match key.name.as_str() {
            "Filters" => {
                let Some(list) = value.as_seq() else {
                    c.at_node(value, "'Filters' must be a list of {Name, Values}");
                    continue;
                };
                for f in list {
                    let Some(fe) = f.as_map() else {
                        c.at_node(f, "each filter must be a mapping with 'Name' and 'Values'");
                        continue;
                    };
                    c.check_keys(fe, &["Name", "Values"], "query filter");
                    let (Some(n), Some(v)) = (get(fe, "Name"), get(fe, "Values")) else {
                        c.at_node(f, "each filter must have 'Name' and 'Values'");
                        continue;
                    };
                    let Some(name) = n.as_str() else {
                        c.at_node(n, "'Name' must be a string");
                        continue;
                    };
                    if v.as_seq().is_none() {
                        c.at_node(v, "'Values' must be a list");
                        continue;
                    }
                    if let Some(values) = checked(c, kind, names, n, name, v) {
                        pairs.push((name.to_string(), values));
                    }
                }
            }
            "MaxResults" if kind == ResourceKind::Ec2 => {
                // Page size: custodian always pages at the API maximum.
                if !matches!(value.value, NodeValue::Int(n) if n > 0) {
                    c.at_node(value, "'MaxResults' must be a positive integer");
                }
            }
            "InstanceIds" if kind == ResourceKind::Ec2 => {
                if let Some(values) = strings(c, value, "InstanceIds") {
                    pairs.push(("instance-id".to_string(), values));
                }
            }
            "DBInstanceIdentifier" if kind == ResourceKind::Rds => {
                if let Some(values) = strings(c, value, "DBInstanceIdentifier") {
                    pairs.push(("db-instance-id".to_string(), values));
                }
            }
            name => {
                let Some(values) = checked(c, kind, names, &key_node(key), name, value) else {
                    continue;
                };
                pairs.push((name.to_string(), values));
            }
        }
    }
    Query::new(pairs)
}

/// A node standing for a key, so key errors point at the key.
fn key_node(key: &crate::input::Key) -> Node {
    Node {
        pos: key.pos,
        value: NodeValue::Str(key.name.clone()),
    }
}

/// The values of one filter, after checking its name and (for enumerations) its values.
fn checked(c: &mut Checker, kind: ResourceKind, names: &[query::QueryName], at: &Node, name: &str, value: &Node) -> Option<Vec<String>> {
    let is_tag = name.starts_with("tag:") && query::takes_tag_filters(kind);
    let Some(def) = names.iter().find(|n| n.name == name) else {
        if is_tag {
            return strings(c, value, name);
        }
        let known = names.iter().map(|n| n.name);
        let help = hint(name, known, || {
            let all: Vec<&str> = names.iter().map(|n| n.name).collect();
            let tags = if query::takes_tag_filters(kind) { ", tag:<key>" } else { "" };
            Some(format!("query filters of {}: {}{tags}", kind.spec().name, all.join(", ")))
        });
        c.at_node_help(at, format!("unknown query filter '{name}'"), help);
        return None;
    };
    let values = strings(c, value, name)?;
    if let Some(allowed) = def.values {
        for v in &values {
            if !allowed.contains(&v.as_str()) {
                c.at_node(
                    value,
                    format!("query filter '{name}' takes one of {}, not '{v}'", allowed.join(", ")),
                );
                return None;
            }
        }
    }
    Some(values)
}

/// A string or a list of strings (numbers and booleans read as text, as the API receives them).
fn strings(c: &mut Checker, node: &Node, what: &str) -> Option<Vec<String>> {
    let values: Vec<Option<String>> = match &node.value {
        NodeValue::Seq(items) => items.iter().map(scalar_string).collect(),
        _ => vec![scalar_string(node)],
    };
    if values.is_empty() || values.iter().any(Option::is_none) {
        c.at_node(node, format!("'{what}' takes a string or a non-empty list of strings"));
        return None;
    }
    Some(values.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    fn load(query: &str, resource: &str) -> Result<Vec<crate::policy::Policy>, Vec<crate::input::Diagnostic>> {
        crate::policy::load_text(
            "p.yml",
            &format!("policies:\n  - name: q\n    resource: {resource}\n    query:\n{query}"),
        )
    }

    #[test]
    fn the_three_forms_give_one_query() {
        let implicit = load("      - instance-state-name: running\n      - tag:Owner: [alice, bob]\n", "ec2").unwrap();
        let explicit = load(
            "      - Filters:\n          - {Name: instance-state-name, Values: [running]}\n          - {Name: 'tag:Owner', Values: [alice, bob]}\n",
            "ec2",
        )
        .unwrap();
        assert_eq!(implicit[0].query, explicit[0].query);
        let f = &implicit[0].query.filters;
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].name, "tag:Owner");
        assert_eq!(f[1].values, vec!["alice", "bob"]);
        let ids = load("      - InstanceIds: [i-1]\n      - MaxResults: 100\n", "ec2").unwrap();
        assert_eq!(ids[0].query.filters[0].name, "instance-id");
        let rds = load("      - DBInstanceIdentifier: db-1\n      - engine: mysql\n", "rds").unwrap();
        assert_eq!(rds[0].query.filters.len(), 2);
    }

    #[test]
    fn bad_queries_are_located() {
        let e = load("      - instance-state-nam: running\n", "ec2").unwrap_err();
        assert_eq!(
            e[0].to_string().lines().next().unwrap(),
            "p.yml:5:9: unknown query filter 'instance-state-nam' (did you mean 'instance-state-name'?)"
        );
        let e = load("      - zzz: running\n", "ec2").unwrap_err();
        assert!(
            e[0].help.as_deref().unwrap().contains("query filters of aws.ec2: architecture"),
            "{:?}",
            e[0].help
        );
        let e = load("      - instance-state-name: runing\n", "ec2").unwrap_err();
        assert!(e[0].message.contains("takes one of pending"), "{}", e[0]);
        let e = load("      - Filters: [{Name: vpc-id}]\n", "ec2").unwrap_err();
        assert!(e[0].message.contains("'Name' and 'Values'"), "{}", e[0]);
        let e = load("      - tag:Owner: x\n", "rds").unwrap_err();
        assert!(e[0].message.contains("unknown query filter 'tag:Owner'"), "{}", e[0]);
        let e = load("      - instance-state-name: running\n", "aws.ec2-spot-request").unwrap_err();
        assert!(e[0].message.contains("not supported on aws.ec2-spot-request"), "{}", e[0]);
        let e = load("      - a: 1\n        b: 2\n", "ec2").unwrap_err();
        assert!(e[0].message.contains("exactly one key"), "{}", e[0]);
    }
}
