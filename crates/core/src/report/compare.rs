//! What a policy change would do: two dry runs of two policy sets over the same inventory,
//! compared per (policy, region): added, removed, renamed (same body, new name) and changed
//! policies; per changed policy the resources newly matched and no longer matched, the actions
//! that would newly run or no longer run, and what that is worth per month.

use super::cost::{policy_cost, PolicyCost};
use crate::engine::PolicyRun;
use crate::pricing::PriceTable;
use crate::resource::resource_id;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How a policy differs between base and head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Only in head.
    Added,
    /// Only in base.
    Removed,
    /// The same body under a new name (`from` is the base name).
    Renamed {
        /// The name in base.
        from: String,
    },
    /// The body differs.
    Changed,
}

/// One action's difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionDiff {
    /// The action's canonical name.
    pub action: String,
    /// Ids it would newly act on.
    pub newly: Vec<String>,
    /// Ids it would no longer act on.
    pub no_longer: Vec<String>,
}

/// One (policy, region)'s difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyDiff {
    /// The policy's name (head's, or base's when removed).
    pub policy: String,
    /// The kind, e.g. `aws.ec2`.
    pub resource: String,
    /// The region.
    pub region: String,
    /// How it changed.
    pub change: Change,
    /// Ids matched in head and not in base.
    pub newly_matched: Vec<String>,
    /// Ids matched in base and not in head.
    pub no_longer_matched: Vec<String>,
    /// How many ids both match.
    pub unchanged: usize,
    /// Per action, what would newly run or no longer run.
    pub actions: Vec<ActionDiff>,
    /// Monthly cost of the newly matched resources.
    pub newly_matched_monthly_usd: f64,
    /// Monthly cost of the resources no longer matched.
    pub no_longer_matched_monthly_usd: f64,
    /// Head's saving minus base's, per month.
    pub saving_change_monthly_usd: f64,
    /// Head's costs (absent when removed).
    pub head: Option<PolicyCost>,
    /// Base's costs (absent when added).
    pub base: Option<PolicyCost>,
}

impl PolicyDiff {
    /// Whether some action would newly run.
    pub fn has_new_actions(&self) -> bool {
        self.actions.iter().any(|a| !a.newly.is_empty())
    }
}

/// The comparison of two runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Policies that differ, in head order then removed ones.
    pub policies: Vec<PolicyDiff>,
    /// (policy, region) pairs identical in both.
    pub unchanged: usize,
    /// The price tables used, with their dates.
    pub prices: String,
}

/// A policy's body without its name (what "renamed" compares).
fn body(data: &Value) -> Value {
    let mut v = data.clone();
    if let Value::Object(m) = &mut v {
        m.remove("name");
    }
    v
}

fn matched(run: &PolicyRun) -> BTreeSet<String> {
    run.matched
        .iter()
        .map(|r| resource_id(run.policy.kind, &r.view).to_string())
        .collect()
}

fn targets(run: &PolicyRun) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &run.plans {
        m.entry(p.action.to_string()).or_default().extend(p.targets.iter().cloned());
    }
    m
}

fn monthly(run: &PolicyRun, ids: &[String], prices: &PriceTable) -> f64 {
    run.matched
        .iter()
        .filter(|r| ids.iter().any(|i| i == resource_id(run.policy.kind, &r.view)))
        .filter_map(|r| prices.estimate(run.policy.kind, &run.region, &r.view).monthly())
        .sum()
}

fn diff(base: Option<&PolicyRun>, head: Option<&PolicyRun>, change: Change, prices: &PriceTable, now: Timestamp) -> PolicyDiff {
    let empty = BTreeSet::new();
    let (bm, hm) = (base.map(matched), head.map(matched));
    let (bm, hm) = (bm.as_ref().unwrap_or(&empty), hm.as_ref().unwrap_or(&empty));
    let newly_matched: Vec<String> = hm.difference(bm).cloned().collect();
    let no_longer_matched: Vec<String> = bm.difference(hm).cloned().collect();
    let (bt, ht) = (base.map(targets).unwrap_or_default(), head.map(targets).unwrap_or_default());
    let names: BTreeSet<&String> = bt.keys().chain(ht.keys()).collect();
    let actions = names
        .into_iter()
        .map(|name| {
            let (b, h) = (bt.get(name).unwrap_or(&empty), ht.get(name).unwrap_or(&empty));
            ActionDiff {
                action: name.clone(),
                newly: h.difference(b).cloned().collect(),
                no_longer: b.difference(h).cloned().collect(),
            }
        })
        .filter(|a| !a.newly.is_empty() || !a.no_longer.is_empty())
        .collect();
    let head_cost = head.map(|r| policy_cost(r, prices, now));
    let base_cost = base.map(|r| policy_cost(r, prices, now));
    let saving = |c: &Option<PolicyCost>| c.as_ref().map(|c| c.saving_monthly_usd).unwrap_or(0.0);
    let any = head.or(base);
    PolicyDiff {
        policy: any.map(|r| r.policy.name.clone()).unwrap_or_default(),
        resource: any.map(|r| r.policy.kind.spec().name.to_string()).unwrap_or_default(),
        region: any.map(|r| r.region.clone()).unwrap_or_default(),
        change,
        newly_matched_monthly_usd: head.map(|r| monthly(r, &newly_matched, prices)).unwrap_or(0.0),
        no_longer_matched_monthly_usd: base.map(|r| monthly(r, &no_longer_matched, prices)).unwrap_or(0.0),
        saving_change_monthly_usd: saving(&head_cost) - saving(&base_cost),
        unchanged: hm.intersection(bm).count(),
        newly_matched,
        no_longer_matched,
        actions,
        head: head_cost,
        base: base_cost,
    }
}

/// Compares the base run with the head run (both over the same inventory and clock).
pub fn compare(base: &[PolicyRun], head: &[PolicyRun], prices: &PriceTable, now: Timestamp) -> Comparison {
    let key = |r: &PolicyRun| (r.policy.name.clone(), r.region.clone());
    let base_by: BTreeMap<(String, String), &PolicyRun> = base.iter().map(|r| (key(r), r)).collect();
    let head_names: BTreeSet<&str> = head.iter().map(|r| r.policy.name.as_str()).collect();
    let mut renamed_from: BTreeSet<String> = BTreeSet::new();
    let mut policies = Vec::new();
    let mut unchanged = 0;
    for h in head {
        match base_by.get(&key(h)) {
            Some(b) if b.policy.data == h.policy.data => unchanged += 1,
            Some(b) => policies.push(diff(Some(b), Some(h), Change::Changed, prices, now)),
            None => {
                let same_body = base.iter().find(|b| {
                    b.region == h.region && !head_names.contains(b.policy.name.as_str()) && body(&b.policy.data) == body(&h.policy.data)
                });
                match same_body {
                    Some(b) => {
                        renamed_from.insert(b.policy.name.clone());
                        let change = Change::Renamed {
                            from: b.policy.name.clone(),
                        };
                        policies.push(diff(Some(b), Some(h), change, prices, now));
                    }
                    None => policies.push(diff(None, Some(h), Change::Added, prices, now)),
                }
            }
        }
    }
    for b in base {
        if !head_names.contains(b.policy.name.as_str()) && !renamed_from.contains(&b.policy.name) {
            policies.push(diff(Some(b), None, Change::Removed, prices, now));
        }
    }
    Comparison {
        policies,
        unchanged,
        prices: format!("{}; {}", prices.ec2_source, prices.rds_source),
    }
}

impl Comparison {
    /// Whether some policy would newly act on some resource (`--fail-on-new-actions`).
    pub fn has_new_actions(&self) -> bool {
        self.policies.iter().any(PolicyDiff::has_new_actions)
    }

    /// The total change in monthly savings.
    pub fn saving_change_monthly_usd(&self) -> f64 {
        self.policies.iter().map(|p| p.saving_change_monthly_usd).sum()
    }

    /// One line per action: "+3 newly stopped" style counts over all policies.
    pub fn headline(&self) -> String {
        let mut newly: BTreeMap<&str, usize> = BTreeMap::new();
        let mut no_longer: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &self.policies {
            for a in &p.actions {
                *newly.entry(a.action.as_str()).or_default() += a.newly.len();
                *no_longer.entry(a.action.as_str()).or_default() += a.no_longer.len();
            }
        }
        let mut parts: Vec<String> = Vec::new();
        for (action, n) in newly.iter().filter(|(_, n)| **n > 0) {
            parts.push(format!("+{n} resource{} to {action}", if *n == 1 { "" } else { "s" }));
        }
        for (action, n) in no_longer.iter().filter(|(_, n)| **n > 0) {
            parts.push(format!("{n} resource{} no longer to {action}", if *n == 1 { "" } else { "s" }));
        }
        let saving = self.saving_change_monthly_usd();
        let bound = self.policies.iter().any(|p| p.head.as_ref().is_some_and(|c| c.upper_bound));
        let about = if bound { "up to" } else { "about" };
        if saving > 0.005 {
            parts.push(format!("{about} {}/month more saved", crate::pricing::dollars(saving)));
        } else if saving < -0.005 {
            parts.push(format!("{about} {}/month less saved", crate::pricing::dollars(-saving)));
        }
        let count = |c: fn(&Change) -> bool| self.policies.iter().filter(|p| c(&p.change)).count();
        let (added, removed) = (count(|c| *c == Change::Added), count(|c| *c == Change::Removed));
        let renamed = count(|c| matches!(c, Change::Renamed { .. }));
        let changed = count(|c| *c == Change::Changed);
        for (n, what) in [(added, "added"), (removed, "removed"), (renamed, "renamed"), (changed, "changed")] {
            if n > 0 {
                parts.push(format!("{n} polic{} {what}", if n == 1 { "y" } else { "ies" }));
            }
        }
        if parts.is_empty() {
            "no change in what the policies match or do".to_string()
        } else {
            parts.join("; ")
        }
    }

    /// A text table, one row per differing (policy, region).
    pub fn table(&self) -> String {
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::ASCII_MARKDOWN).set_header(vec![
            "Policy",
            "Region",
            "Change",
            "Newly matched",
            "No longer matched",
            "Actions",
            "Saving change/month",
        ]);
        for p in &self.policies {
            t.add_row(vec![
                p.policy.clone(),
                p.region.clone(),
                change_text(&p.change),
                format!(
                    "{} ({})",
                    p.newly_matched.len(),
                    crate::pricing::dollars(p.newly_matched_monthly_usd)
                ),
                format!(
                    "{} ({})",
                    p.no_longer_matched.len(),
                    crate::pricing::dollars(p.no_longer_matched_monthly_usd)
                ),
                action_text(&p.actions),
                crate::pricing::dollars(p.saving_change_monthly_usd),
            ]);
        }
        format!("{t}\n{}\n{} unchanged; prices: {}\n", self.headline(), self.unchanged, self.prices)
    }
}

/// "added", "renamed from x", ...
pub fn change_text(c: &Change) -> String {
    match c {
        Change::Added => "added".into(),
        Change::Removed => "removed".into(),
        Change::Renamed { from } => format!("renamed from {from}"),
        Change::Changed => "changed".into(),
    }
}

/// "stop +2 -1, tag +1".
pub fn action_text(actions: &[ActionDiff]) -> String {
    if actions.is_empty() {
        return "-".into();
    }
    actions
        .iter()
        .map(|a| format!("{} +{} -{}", a.action, a.newly.len(), a.no_longer.len()))
        .collect::<Vec<_>>()
        .join(", ")
}
