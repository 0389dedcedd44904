//! `custodian org accounts`: an accounts file written from AWS Organizations, as c7n-org's
//! `orgaccounts.py` writes it (`tools/c7n_org/c7n_org/orgaccounts.py`): each account's OU
//! path as `path:/a/b` tags (one per level), its tags as `key:value` tags and as `vars`, the
//! role from a name or a template (`{Id}`, `{Name}`, `{Email}`, `{OrgId}`), the name from a
//! template over the written fields (`{name}`, `{account_id}`, `{email}`, `{display_name}`).

use serde_json::{json, Map, Value};

/// One account as Organizations lists it, with the OU path it was found under.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovered {
    /// Its id.
    pub id: String,
    /// Its ARN (`arn:aws:organizations::<management>:account/o-xxxx/<id>`).
    pub arn: String,
    /// Its e-mail address.
    pub email: String,
    /// Its name.
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    pub state: String,
    /// The OU path (`/`, `/prod/payments`).
    pub path: String,
    /// Its tags, in order.
    pub tags: Vec<(String, String)>,
}

/// How the file is written and which accounts it keeps.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// A role name, or an ARN template.
    pub role: String,
    /// The name template.
    pub name: String,
    /// Regions for every account (none: c7n-org's default at run time).
    pub regions: Vec<String>,
    /// Only ACTIVE accounts.
    pub active: bool,
    /// Accounts left out, by id.
    pub ignore: Vec<String>,
    /// Only accounts with every one of these tags (`key` or `key=value`).
    pub tags: Vec<String>,
}

/// c7n-org's default role template.
pub const DEFAULT_ROLE: &str = "arn:aws:iam::{Id}:role/OrganizationAccountAccessRole";

impl Discovered {
    /// The organization's management account: the account of the account's ARN
    /// (`arn:aws:organizations::MANAGEMENT:account/o-.../ID`).
    pub fn management_account(&self) -> Option<&str> {
        self.arn.split(':').nth(4).filter(|a| !a.is_empty())
    }

    fn takes(&self, o: &DiscoverOptions) -> bool {
        if o.active && self.state != "ACTIVE" {
            return false;
        }
        if o.ignore.contains(&self.id) {
            return false;
        }
        o.tags.iter().all(|want| match want.split_once('=') {
            Some((k, v)) => self.tags.iter().any(|(tk, tv)| tk == k && tv == v),
            None => self.tags.iter().any(|(tk, _)| tk == want),
        })
    }

    fn org_id(&self) -> &str {
        self.arn.split('/').nth(1).unwrap_or_default()
    }
}

/// `{field}` replaced from `fields`; an unknown field is an error naming it.
fn fill(template: &str, fields: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').ok_or_else(|| format!("'{template}': unclosed '{{'"))? + open;
        let name = &rest[open + 1..close];
        let value = fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).ok_or_else(|| {
            let known: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
            format!("'{template}': no field '{name}' (fields: {})", known.join(", "))
        })?;
        out.push_str(value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The accounts file (YAML) for the accounts `options` keep, in the order given.
pub fn accounts_file(found: &[Discovered], options: &DiscoverOptions) -> Result<String, String> {
    let mut accounts = Vec::new();
    for a in found.iter().filter(|a| a.takes(options)) {
        let role = if options.role.starts_with("arn:") {
            fill(
                &options.role,
                &[
                    ("Id", &a.id),
                    ("Name", &a.name),
                    ("Email", &a.email),
                    ("OrgId", a.org_id()),
                    ("Arn", &a.arn),
                ],
            )
            .map_err(|e| format!("--role {e}"))?
        } else {
            format!("arn:aws:iam::{}:role/{}", a.id, options.role)
        };
        let parts: Vec<&str> = a.path.trim_matches('/').split('/').filter(|p| !p.is_empty()).collect();
        let mut tags: Vec<String> = (1..=parts.len()).map(|n| format!("path:/{}", parts[..n].join("/"))).collect();
        tags.extend(a.tags.iter().map(|(k, v)| format!("{k}:{v}")));
        let name = fill(
            &options.name,
            &[
                ("name", &a.name),
                ("account_id", &a.id),
                ("email", &a.email),
                ("display_name", &a.name),
                ("org_id", a.org_id()),
            ],
        )
        .map_err(|e| format!("--name {e}"))?;
        // Organizations names are neither unique nor path-safe, and a member account may rename
        // itself: a name becomes one directory or key segment, and a repeated one gets its id.
        let mut name = super::accounts::make_path_safe(&name);
        if accounts.iter().any(|e: &Map<String, Value>| e["name"] == json!(name)) {
            name = format!("{name}-{}", a.id);
        }
        let mut entry = Map::new();
        entry.insert("account_id".into(), json!(a.id));
        entry.insert("name".into(), json!(name));
        entry.insert("display_name".into(), json!(a.name));
        entry.insert("email".into(), json!(a.email));
        entry.insert("org_id".into(), json!(a.org_id()));
        entry.insert("role".into(), json!(role));
        if !options.regions.is_empty() {
            entry.insert("regions".into(), json!(options.regions));
        }
        entry.insert("tags".into(), json!(tags));
        if !a.tags.is_empty() {
            let vars: Map<String, Value> = a.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            entry.insert("vars".into(), Value::Object(vars));
        }
        accounts.push(entry);
    }
    let accounts: Vec<Value> = accounts.into_iter().map(Value::Object).collect();
    Ok(format!(
        "# Written by `custodian org accounts` from AWS Organizations.\n{}",
        crate::input::emit::to_yaml(&json!({"accounts": accounts}))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found() -> Vec<Discovered> {
        let a = |id: &str, name: &str, state: &str, path: &str, tags: &[(&str, &str)]| Discovered {
            id: id.into(),
            arn: format!("arn:aws:organizations::999999999999:account/o-abc123/{id}"),
            email: format!("{name}@example.com"),
            name: name.into(),
            state: state.into(),
            path: path.into(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        vec![
            a(
                "000000000011",
                "payments",
                "ACTIVE",
                "/prod/payments",
                &[("env", "prod"), ("charge_code", "CC-1")],
            ),
            a("000000000012", "sandbox", "SUSPENDED", "/dev", &[]),
            a("000000000013", "research", "ACTIVE", "/dev", &[("env", "dev")]),
        ]
    }

    fn options() -> DiscoverOptions {
        DiscoverOptions {
            role: DEFAULT_ROLE.into(),
            name: "{name}".into(),
            regions: vec![],
            active: false,
            ignore: vec![],
            tags: vec![],
        }
    }

    #[test]
    fn the_file_is_c7n_orgs_and_reads_back_as_an_accounts_file() {
        let text = accounts_file(
            &found(),
            &DiscoverOptions {
                regions: vec!["eu-west-1".into()],
                ..options()
            },
        )
        .unwrap();
        let accounts = crate::org::accounts::parse("accounts.yml", &text).unwrap();
        assert_eq!(accounts.len(), 3);
        let p = &accounts[0];
        assert_eq!(p.account_id, "000000000011");
        assert_eq!(
            p.roles,
            vec!["arn:aws:iam::000000000011:role/OrganizationAccountAccessRole".to_string()]
        );
        assert_eq!(p.tags, vec!["path:/prod", "path:/prod/payments", "env:prod", "charge_code:CC-1"]);
        assert_eq!(p.vars["charge_code"], "CC-1");
        assert_eq!(p.regions, vec!["eu-west-1".to_string()]);
    }

    #[test]
    fn the_management_account_is_read_from_the_arn() {
        assert_eq!(found()[0].management_account(), Some("999999999999"));
    }

    #[test]
    fn names_from_organizations_become_unique_path_safe_segments() {
        let mut accounts = found();
        accounts[1].name = "payments".into();
        accounts[2].name = "../../etc".into();
        let text = accounts_file(&accounts, &options()).unwrap();
        let parsed = crate::org::accounts::parse("accounts.yml", &text).unwrap();
        let names: Vec<&str> = parsed.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["payments", "payments-000000000012", "..-..-etc"]);
        let written = "accounts:\n  - name: ../x\n    account_id: \"000000000011\"\n    role: r\n";
        let err = crate::org::accounts::parse("a.yml", written).unwrap_err();
        assert!(err[0].message.contains("holds a path separator"), "{:?}", err);
    }

    #[test]
    fn selection_by_state_id_and_tag_and_templates() {
        let o = DiscoverOptions {
            active: true,
            role: "custodian".into(),
            name: "{name}-{account_id}".into(),
            ..options()
        };
        let text = accounts_file(&found(), &o).unwrap();
        let accounts = crate::org::accounts::parse("a.yml", &text).unwrap();
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["payments-000000000011", "research-000000000013"]);
        assert_eq!(accounts[1].roles[0], "arn:aws:iam::000000000013:role/custodian");
        let tagged = accounts_file(
            &found(),
            &DiscoverOptions {
                tags: vec!["env=dev".into()],
                ..options()
            },
        )
        .unwrap();
        assert_eq!(crate::org::accounts::parse("a.yml", &tagged).unwrap()[0].name, "research");
        let ignored = accounts_file(
            &found(),
            &DiscoverOptions {
                ignore: vec!["000000000011".into()],
                tags: vec!["env".into()],
                ..options()
            },
        )
        .unwrap();
        assert_eq!(crate::org::accounts::parse("a.yml", &ignored).unwrap().len(), 1);
        let bad = accounts_file(
            &found(),
            &DiscoverOptions {
                name: "{nick}".into(),
                ..options()
            },
        )
        .unwrap_err();
        assert!(bad.contains("no field 'nick'"), "{bad}");
        assert_eq!(accounts_file(&[], &options()).unwrap().lines().last(), Some("accounts: []"));
    }
}
