//! The accounts file of an organization run, c7n-org's `accounts.yml` as is
//! (`tools/c7n_org/c7n_org/cli.py`: `CONFIG_SCHEMA`, `accounts_iterator`, `filter_accounts`,
//! `resolve_regions`): `accounts: [{account_id, name, regions, role, external_id, profile, vars,
//! tags}]` and org-level `vars`. A role given as a name becomes
//! `arn:aws:iam::<account_id>:role/<name>`; a list of roles is a chain assumed in order; an
//! account's `vars` win over the org's; an account without regions runs in us-east-1 and
//! us-west-2 (c7n-org's default). Every problem is a located error, all reported at once.

use crate::input::{get, Checker, Diagnostic, Node, NodeValue};
use serde_json::{Map, Value};

const TOP_KEYS: &[&str] = &["accounts", "vars"];
/// c7n-org's account keys (its schema allows more; those are refused here, never ignored).
const ACCOUNT_KEYS: &[&str] = &[
    "account_id",
    "name",
    "display_name",
    "email",
    "org_id",
    "regions",
    "role",
    "external_id",
    "profile",
    "vars",
    "tags",
];
/// c7n-org's regions when an account names none.
pub const DEFAULT_REGIONS: &[&str] = &["us-east-1", "us-west-2"];

/// One member account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// The 12-digit id.
    pub account_id: String,
    /// Its name (the id when the file gives none).
    pub name: String,
    /// Regions (`all`: every enabled region); c7n-org's default when empty.
    pub regions: Vec<String>,
    /// The roles to assume, in order (ARNs).
    pub roles: Vec<String>,
    /// `ExternalId` for the (last) role.
    pub external_id: Option<String>,
    /// A named AWS profile instead of (or before) the role.
    pub profile: Option<String>,
    /// Its tags (`-t` selects by them; `key:value` strings by convention).
    pub tags: Vec<String>,
    /// Variables for policies (`{account_id}`, `{account}`, `{region}` and these).
    pub vars: Map<String, Value>,
}

impl Account {
    /// The regions it runs in: `wanted` (`-r`) if given, else its own, else c7n-org's default.
    pub fn regions_for(&self, wanted: &[String]) -> Vec<String> {
        if !wanted.is_empty() {
            return wanted.to_vec();
        }
        if !self.regions.is_empty() {
            return self.regions.clone();
        }
        DEFAULT_REGIONS.iter().map(|r| r.to_string()).collect()
    }
}

impl Account {
    /// The account as c7n-org's accounts file writes it (JSON; org vars merged, roles as a
    /// chain), for a hub to read back with [`parse`].
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("account_id".into(), Value::String(self.account_id.clone()));
        m.insert("name".into(), Value::String(self.name.clone()));
        if !self.regions.is_empty() {
            m.insert("regions".into(), self.regions.iter().map(|r| Value::String(r.clone())).collect());
        }
        m.insert("role".into(), self.roles.iter().map(|r| Value::String(r.clone())).collect());
        if let Some(x) = &self.external_id {
            m.insert("external_id".into(), Value::String(x.clone()));
        }
        if let Some(p) = &self.profile {
            m.insert("profile".into(), Value::String(p.clone()));
        }
        if !self.tags.is_empty() {
            m.insert("tags".into(), self.tags.iter().map(|t| Value::String(t.clone())).collect());
        }
        if !self.vars.is_empty() {
            m.insert("vars".into(), Value::Object(self.vars.clone()));
        }
        Value::Object(m)
    }
}

/// Which accounts a run takes (c7n-org's `-a`, `--not-accounts`, `-t`; comma lists expanded).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Names or ids to take (empty: all).
    pub accounts: Vec<String>,
    /// Names or ids to leave out.
    pub not_accounts: Vec<String>,
    /// Tags every taken account must have.
    pub tags: Vec<String>,
}

fn comma_expand(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

impl Selection {
    /// Whether `a` is taken (c7n-org's `filter_accounts`).
    pub fn takes(&self, a: &Account) -> bool {
        let named = |list: &[String]| list.iter().any(|n| *n == a.name || *n == a.account_id);
        let (accounts, not_accounts, tags) = (
            comma_expand(&self.accounts),
            comma_expand(&self.not_accounts),
            comma_expand(&self.tags),
        );
        if named(&not_accounts) {
            return false;
        }
        if !accounts.is_empty() && !named(&accounts) {
            return false;
        }
        tags.iter().all(|t| a.tags.contains(t))
    }
}

/// Parses an accounts file's text; `file` names it in messages.
pub fn parse(file: &str, text: &str) -> Result<Vec<Account>, Vec<Diagnostic>> {
    let mut c = Checker::new(file, text);
    let root = match crate::input::parse(text) {
        Ok(r) => r,
        Err(e) => {
            match e.pos {
                Some(pos) => c.error(pos, 1, format!("invalid YAML: {}", e.message)),
                None => c.diagnostics.push(Diagnostic::file(file, format!("invalid YAML: {}", e.message))),
            }
            return Err(c.diagnostics);
        }
    };
    let Some(entries) = root.as_map() else {
        c.at_node(&root, "an accounts file is a mapping with 'accounts' (and 'vars')");
        return Err(c.diagnostics);
    };
    c.check_keys(entries, TOP_KEYS, "accounts file");
    let org_vars = vars(&mut c, get(entries, "vars"));
    let mut out: Vec<Account> = Vec::new();
    match get(entries, "accounts").map(|n| (n, &n.value)) {
        Some((_, NodeValue::Seq(items))) => {
            for item in items {
                if let Some(a) = account(&mut c, item, &org_vars) {
                    if out.iter().any(|o| o.name == a.name) {
                        c.at_node(item, format!("account name '{}' appears twice", a.name));
                    }
                    out.push(a);
                }
            }
        }
        Some((n, _)) => c.at_node(n, "'accounts' must be a list"),
        None => c.at_node(&root, "an accounts file needs 'accounts'"),
    }
    if c.errors() > 0 {
        Err(c.diagnostics)
    } else {
        Ok(out)
    }
}

/// Whether `name` can be one directory or S3 key segment: not empty, no `/` or `\\`, not `.`
/// or `..`, no control characters.
pub fn path_safe(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("is empty");
    }
    if name == "." || name == ".." {
        return Err("is a relative directory");
    }
    if name.contains(['/', '\\']) {
        return Err("holds a path separator");
    }
    if name.chars().any(char::is_control) {
        return Err("holds a control character");
    }
    Ok(())
}

/// `name` made [`path_safe`]: separators and control characters become `-`, `.` and `..`
/// become `-`.
pub fn make_path_safe(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() { '-' } else { c })
        .collect();
    match mapped.as_str() {
        "" | "." | ".." => "-".repeat(mapped.len().max(1)),
        _ => mapped,
    }
}

fn vars(c: &mut Checker, node: Option<&Node>) -> Map<String, Value> {
    match node.map(|n| (n, n.to_json())) {
        None => Map::new(),
        Some((_, Value::Object(m))) => m,
        Some((n, _)) => {
            c.at_node(n, "'vars' must be a mapping of names to values");
            Map::new()
        }
    }
}

fn account(c: &mut Checker, node: &Node, org_vars: &Map<String, Value>) -> Option<Account> {
    let before = c.errors();
    let Some(entries) = node.as_map() else {
        c.at_node(node, "each account is a mapping with 'account_id' and 'role' or 'profile'");
        return None;
    };
    c.check_keys(entries, ACCOUNT_KEYS, "account");
    let text = |c: &mut Checker, key: &str| match get(entries, key).map(|n| (n, n.as_str())) {
        None => None,
        Some((_, Some(s))) => Some(s.to_string()),
        Some((n, None)) => {
            c.at_node(n, format!("'{key}' must be a string"));
            None
        }
    };
    let account_id = match get(entries, "account_id") {
        None => {
            c.at_node(node, "account is missing 'account_id'");
            None
        }
        // An id written without quotes is read as a number by YAML: accept its digits.
        Some(n) => match crate::input::scalar_string(n) {
            Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => Some(id),
            _ => {
                c.at_node(n, "'account_id' is the account's 12 digits (quote it, e.g. \"012345678901\")");
                None
            }
        },
    };
    let name = text(c, "name");
    if let (Some(n), Some(node)) = (&name, get(entries, "name")) {
        if let Err(why) = path_safe(n) {
            c.at_node(
                node,
                format!("account name '{n}' {why}: it names the account's output directory and S3 keys"),
            );
        }
    }
    let external_id = text(c, "external_id");
    let profile = text(c, "profile");
    let regions = get(entries, "regions").map(|n| c.string_list(n, "regions")).unwrap_or_default();
    let tags = get(entries, "tags").map(|n| c.string_list(n, "tags")).unwrap_or_default();
    let roles: Vec<String> = match get(entries, "role").map(|n| (n, &n.value)) {
        None => Vec::new(),
        Some((_, NodeValue::Str(r))) => vec![r.clone()],
        Some((n, _)) => c.string_list(n, "role"),
    };
    if roles.is_empty() && profile.is_none() {
        c.at_node(node, "account needs 'role' or 'profile'");
    }
    let mut own_vars = vars(c, get(entries, "vars"));
    for (k, v) in org_vars {
        own_vars.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if c.errors() > before {
        return None;
    }
    let account_id = account_id?;
    // c7n-org's accounts_iterator: a role name becomes the account's role ARN.
    let roles = roles
        .into_iter()
        .map(|r| {
            if r.starts_with("arn:") {
                r
            } else {
                format!("arn:aws:iam::{account_id}:role/{r}")
            }
        })
        .collect();
    Some(Account {
        name: name.unwrap_or_else(|| account_id.clone()),
        account_id,
        regions,
        roles,
        external_id,
        profile,
        tags,
        vars: own_vars,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "vars:\n  env: prod\n  owner: platform\naccounts:\n  - account_id: \"111111111111\"\n    name: payments\n    role: custodian-member\n    regions: [eu-west-1]\n    tags: [type:prod, team:payments]\n    vars:\n      owner: payments\n  - account_id: 222222222222\n    name: sandbox\n    role:\n      - arn:aws:iam::999999999999:role/hub\n      - arn:aws:iam::222222222222:role/member\n    external_id: x-1\n    tags: [type:dev]\n";

    #[test]
    fn c7n_org_accounts_files_read_as_c7n_org_reads_them() {
        let a = parse("accounts.yml", FILE).unwrap();
        assert_eq!(a[0].roles, vec!["arn:aws:iam::111111111111:role/custodian-member"]);
        assert_eq!(a[0].vars["owner"], "payments", "the account's own vars win");
        assert_eq!(a[0].vars["env"], "prod");
        assert_eq!(a[1].account_id, "222222222222", "an unquoted id keeps its digits");
        assert_eq!(a[1].roles.len(), 2, "a role chain");
        assert_eq!(a[1].regions_for(&[]), vec!["us-east-1", "us-west-2"], "c7n-org's default regions");
        assert_eq!(a[0].regions_for(&["ap-south-1".into()]), vec!["ap-south-1"]);
        let sel = |accounts: &[&str], not: &[&str], tags: &[&str]| -> Vec<String> {
            let s = Selection {
                accounts: accounts.iter().map(|s| s.to_string()).collect(),
                not_accounts: not.iter().map(|s| s.to_string()).collect(),
                tags: tags.iter().map(|s| s.to_string()).collect(),
            };
            a.iter().filter(|x| s.takes(x)).map(|x| x.name.clone()).collect()
        };
        assert_eq!(sel(&[], &[], &[]), vec!["payments", "sandbox"]);
        assert_eq!(sel(&["222222222222"], &[], &[]), vec!["sandbox"], "by id");
        assert_eq!(sel(&["payments,sandbox"], &["sandbox"], &[]), vec!["payments"], "comma lists");
        assert_eq!(sel(&[], &[], &["type:prod", "team:payments"]), vec!["payments"], "every tag");
    }

    #[test]
    fn problems_are_located_and_reported_together() {
        let e = parse(
            "accounts.yml",
            "accounts:\n  - account_id: \"123\"\n    role: r\n  - name: x\n    rol: r\n",
        )
        .unwrap_err();
        let text: Vec<String> = e.iter().map(|d| d.to_string().lines().next().unwrap_or("").to_string()).collect();
        assert!(
            text[0].starts_with("accounts.yml:2:17: 'account_id' is the account's 12 digits"),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("unknown account key 'rol'") && t.contains("did you mean 'role'")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("account is missing 'account_id'")), "{text:?}");
        let dup = "accounts:\n  - {account_id: '111111111111', name: a, role: r}\n  - {account_id: '222222222222', name: a, role: r}\n";
        assert!(parse("a.yml", dup).unwrap_err()[0]
            .to_string()
            .contains("account name 'a' appears twice"));
    }
}
