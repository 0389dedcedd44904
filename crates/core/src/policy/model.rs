//! Validated policy types: built only by the validator, so they cannot be invalid.

use crate::action::Action;
use crate::filter::Filter;
use crate::resource::ResourceKind;
use serde_json::Value;

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Unique name (letters, digits, `-`, `_`; starts with a letter).
    pub name: String,
    /// The resource kind.
    pub kind: ResourceKind,
    /// Free-text description.
    pub description: Option<String>,
    /// Policy labels.
    pub tags: Vec<String>,
    /// Filters; the list is an implicit `and`.
    pub filters: Vec<Filter>,
    /// Actions, run in order.
    pub actions: Vec<Action>,
    /// Execution mode.
    pub mode: Mode,
    /// The describe filters that limit what is fetched (`query`; empty: everything).
    pub query: crate::resource::query::Query,
    /// The `max-resources` / `max-resources-percent` guard.
    pub max_resources: Option<MaxResources>,
    /// Whether it runs at all in a region (`conditions`, and c7n's `region`/`start`/`end`).
    pub conditions: super::conditions::Conditions,
    /// Where the policy is defined.
    pub source: Source,
    /// The policy as written (echoed into `metadata.json`).
    pub data: Value,
    /// Accepted Cloud Custodian keys that have no effect here, located.
    pub warnings: Vec<crate::input::Diagnostic>,
}

/// Where a policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file as the user named it.
    pub file: String,
    /// Line of the policy's `name`.
    pub line: u32,
}

/// How the policy runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Run on demand (`custodian run`), the default.
    Pull,
    /// Run on a schedule in the Lambda function.
    Periodic {
        /// EventBridge schedule expression (`rate(...)` / `cron(...)`).
        schedule: String,
        /// Lambda memory in MB (`mode.memory`); the function gets the largest asked for.
        memory: Option<u32>,
        /// Lambda timeout in seconds (`mode.timeout`); the function gets the largest asked for.
        timeout: Option<u32>,
    },
    /// Run by the Lambda function when an event it reacts to arrives (or by
    /// `custodian run --event FILE`), on the resources the event names.
    Event(EventMode),
}

impl Mode {
    /// The Lambda memory and timeout the policy asks for (`None`: the default).
    pub fn function_size(&self) -> (Option<u32>, Option<u32>) {
        match self {
            Mode::Pull => (None, None),
            Mode::Periodic { memory, timeout, .. } => (*memory, *timeout),
            Mode::Event(e) => (e.memory, e.timeout),
        }
    }

    /// The event-mode configuration, when the policy is triggered by events.
    pub fn event(&self) -> Option<&EventMode> {
        match self {
            Mode::Event(e) => Some(e),
            Mode::Pull | Mode::Periodic { .. } => None,
        }
    }
}

/// An event-triggered policy's mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMode {
    /// What it reacts to.
    pub trigger: Trigger,
    /// Seconds to wait before fetching the event's resources (`mode.delay`), so tags applied
    /// just after launch are seen.
    pub delay: u32,
    /// Lambda memory in MB.
    pub memory: Option<u32>,
    /// Lambda timeout in seconds.
    pub timeout: Option<u32>,
}

/// The events an event-mode policy reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// `type: cloudtrail`: API calls recorded by CloudTrail, delivered by EventBridge as
    /// "AWS API Call via CloudTrail".
    CloudTrail(Vec<TrailEvent>),
    /// `type: ec2-instance-state`: "EC2 Instance State-change Notification" for these states.
    InstanceState(Vec<String>),
    /// `type: ec2-spot-fulfillment`: "EC2 Spot Instance Request Fulfillment" (spot requests).
    SpotFulfillment,
}

impl Trigger {
    /// The mode's `type`.
    pub fn mode_type(&self) -> &'static str {
        match self {
            Trigger::CloudTrail(_) => "cloudtrail",
            Trigger::InstanceState(_) => "ec2-instance-state",
            Trigger::SpotFulfillment => "ec2-spot-fulfillment",
        }
    }
}

/// One API call a `cloudtrail` policy reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailEvent {
    /// The calling service's event source (`ec2.amazonaws.com`).
    pub source: String,
    /// The API call's name (`RunInstances`).
    pub event: String,
    /// JMESPath expression selecting the resource ids from the event.
    pub ids: String,
    /// Written as a shortcut name rather than `{source, event, ids}`.
    pub shortcut: bool,
}

/// c7n's resource-count guard, checked after filtering and before any action (dry runs included).
#[derive(Debug, Clone, PartialEq)]
pub struct MaxResources {
    /// Most resources the policy may act on.
    pub amount: Option<u64>,
    /// Most resources as a percentage of those fetched before filtering.
    pub percent: Option<f64>,
    /// With both limits: trip only when both are exceeded (`op: and`); default either (`or`).
    pub both_required: bool,
}

impl MaxResources {
    /// `Some(message)` when `selected` of `population` trips the guard.
    pub fn check(&self, selected: usize, population: usize) -> Option<String> {
        let over_amount = self.amount.map(|a| selected as u64 > a);
        let over_percent = match self.percent {
            Some(p) if p > 0.0 && population > 0 => Some(selected as f64 > population as f64 * p / 100.0),
            _ => None,
        };
        let tripped = match (over_amount, over_percent) {
            (Some(a), Some(p)) if self.both_required => a && p,
            (Some(a), Some(p)) => a || p,
            (Some(a), None) => a,
            (None, Some(p)) => p,
            (None, None) => false,
        };
        tripped.then(|| {
            let mut limits = Vec::new();
            if let Some(a) = self.amount {
                limits.push(format!("{a} resources"));
            }
            if let Some(p) = self.percent {
                limits.push(format!("{p}% of {population}"));
            }
            format!(
                "max-resources exceeded: {selected} matched, limit {}; no action was taken",
                limits.join(if self.both_required { " and " } else { " or " })
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_resources_semantics() {
        let amount = MaxResources {
            amount: Some(2),
            percent: None,
            both_required: false,
        };
        assert!(amount.check(2, 10).is_none());
        assert!(amount.check(3, 10).is_some());
        let percent = MaxResources {
            amount: None,
            percent: Some(25.0),
            both_required: false,
        };
        assert!(percent.check(2, 10).is_none());
        assert!(percent.check(3, 10).is_some());
        assert!(percent.check(3, 0).is_none(), "empty population disables the percent check");
        let zero = MaxResources {
            amount: None,
            percent: Some(0.0),
            both_required: false,
        };
        assert!(zero.check(5, 10).is_none(), "0% disables the check, as c7n");
        let either = MaxResources {
            amount: Some(5),
            percent: Some(10.0),
            both_required: false,
        };
        assert!(either.check(3, 10).is_some());
        let both = MaxResources {
            amount: Some(5),
            percent: Some(10.0),
            both_required: true,
        };
        assert!(both.check(3, 10).is_none());
        assert!(both.check(6, 10).is_some());
    }
}
