//! What a policy's findings cost and what its actions save, per month, from the price table:
//! the matched resources' compute, and for actions that end compute (stop, terminate, delete,
//! cancel) their targets' cost; a stop under an `offhour` filter saves only the hours the
//! schedule keeps the resource off.

use crate::action::Action;
use crate::engine::PolicyRun;
use crate::filter::Filter;
use crate::pricing::{Basis, PriceTable, HOURS_PER_MONTH};
use crate::resource::{resource_id, Resource};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A policy run's money, in USD per month.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PolicyCost {
    /// The matched resources' estimated compute cost (known prices only).
    pub matched_monthly_usd: f64,
    /// What the actions would stop spending (known prices only).
    pub saving_monthly_usd: f64,
    /// Some figures are upper bounds (spot requests: at most the on-demand price).
    pub upper_bound: bool,
    /// Matched resources with no price in the table (not counted as $0).
    pub unknown: Vec<String>,
    /// Some prices are us-east-1's, standing in for a region the table lacks.
    pub us_east_1_prices: bool,
    /// The price tables used, with their dates.
    pub prices: String,
}

/// The cost of one policy run at `now` (off-hours savings are counted over the week from `now`).
pub fn policy_cost(run: &PolicyRun, prices: &PriceTable, now: Timestamp) -> PolicyCost {
    let kind = run.policy.kind;
    let mut cost = PolicyCost {
        prices: format!("{}; {}", prices.ec2_source, prices.rds_source),
        ..PolicyCost::default()
    };
    for r in &run.matched {
        let e = prices.quote(kind, &run.region, &r.view);
        match e.monthly() {
            Some(m) => cost.matched_monthly_usd += m,
            None => cost.unknown.push(resource_id(kind, &r.view).to_string()),
        }
        cost.upper_bound |= e.upper_bound && e.hourly.is_some_and(|h| h > 0.0);
        cost.us_east_1_prices |= e.basis == Basis::UsEast1Fallback;
    }
    let offhour = run.policy.filters.iter().find_map(|f| match f {
        Filter::OffHours(o) => Some(o.as_ref()),
        Filter::Value(_)
        | Filter::And(_)
        | Filter::Or(_)
        | Filter::Not(_)
        | Filter::InstanceAge(_)
        | Filter::StateAge(_)
        | Filter::InstanceUptime(_)
        | Filter::TagCount(_)
        | Filter::MarkedForOp(_)
        | Filter::Event(_)
        | Filter::Reduce(_)
        | Filter::Related(_)
        | Filter::Attribute(_)
        | Filter::Metrics(_)
        | Filter::Ephemeral
        | Filter::Singleton
        | Filter::NetworkLocation(_) => None,
    });
    let ending = |a: &&Action| a.name().def().ends_compute;
    if !run.policy.actions.iter().any(|a| ending(&a)) || run.plans.is_empty() {
        return cost;
    }
    let by_id: HashMap<&str, &Resource> = run.matched.iter().map(|r| (resource_id(kind, &r.view), *r)).collect();
    let mut saved: HashSet<&str> = HashSet::new();
    for (plan, action) in run.plans.iter().zip(&run.policy.actions) {
        if !ending(&action) {
            continue;
        }
        for id in &plan.targets {
            // Each resource's spend ends once, whichever action ends it.
            if !saved.insert(id.as_str()) {
                continue;
            }
            let Some(r) = by_id.get(id.as_str()) else { continue };
            let hourly = prices.quote(kind, &run.region, &r.view).hourly.unwrap_or(0.0);
            let hours = match (offhour, action) {
                (Some(o), Action::Stop(_)) => o
                    .off_hours_per_week(&r.view, now)
                    .map(|off| f64::from(off) / 168.0 * HOURS_PER_MONTH)
                    .unwrap_or(0.0),
                _ => HOURS_PER_MONTH,
            };
            cost.saving_monthly_usd += hourly * hours;
        }
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{run, Deadline, Inventory, RunMode, RunSpec};
    use crate::provider::snapshot::SnapshotProvider;
    use crate::time::Clock;

    #[test]
    fn matched_cost_and_savings_from_the_table() {
        // examples/account us-east-1: the three GPU instances, all running.
        let ps = crate::policy::load_text(
            "p.yml",
            "policies:\n  - name: gpu\n    resource: ec2\n    filters:\n      - type: value\n        key: InstanceType\n        op: regex\n        value: '^(p|g)[0-9]'\n    actions:\n      - stop\n      - terminate\n",
        )
        .unwrap();
        let provider =
            SnapshotProvider::open(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/account"))).unwrap();
        let regions = vec!["us-east-1".to_string()];
        let inventory = Inventory::fetch(&provider, &regions, &ps, Deadline::none());
        let now: Timestamp = "2026-11-23T15:00:00Z".parse().unwrap();
        let spec = RunSpec::new(&ps, &regions, Clock::Fixed(now), RunMode::Plan);
        let runs = run(&spec, &inventory);
        let c = policy_cost(&runs[0], PriceTable::embedded(), now);
        // p3.2xlarge 3.06 + g5.xlarge 1.006 + p4d.24xlarge 21.957642 USD/h, x 730.
        let hourly = 3.06 + 1.006 + 21.957642;
        assert!((c.matched_monthly_usd - hourly * 730.0).abs() < 1e-6, "{c:?}");
        assert!(
            (c.saving_monthly_usd - hourly * 730.0).abs() < 1e-6,
            "stop and terminate save it once: {c:?}"
        );
        assert!(c.unknown.is_empty() && !c.upper_bound && !c.us_east_1_prices);
        assert!(c.prices.contains("2026-07-20"));
    }
}
