//! An event-mode run: the event, the ids it names per policy, and the account it names.

use crate::policy::Policy;
use crate::provider::Provider;
use std::time::Duration;

/// The account the run acts in, which notifications name and resolve their queues and topics
/// in: always the provider's own (asked only when some policy notifies, since asking is an API
/// call), never an event's `account`, so no event can send a message to another account.
pub fn account_for(provider: &dyn Provider, policies: &[Policy]) -> Option<String> {
    let notifies = policies
        .iter()
        .any(|p| p.actions.iter().any(|a| matches!(a, crate::action::Action::Notify(_))));
    if notifies {
        provider.account_id()
    } else {
        None
    }
}

/// An event-mode run's event and the resources it names.
#[derive(Debug, Clone)]
pub struct EventScope {
    /// The event as delivered.
    pub event: crate::event::Event,
    /// The policies it runs and the ids of each.
    pub routing: crate::event::Routing,
}

impl EventScope {
    /// The longest `delay` of the policies the event runs: how long to wait before fetching.
    pub fn delay(&self, policies: &[Policy]) -> Duration {
        let secs = policies
            .iter()
            .filter(|p| self.routing.ids.contains_key(&p.name))
            .filter_map(|p| p.mode.event().map(|m| m.delay))
            .max()
            .unwrap_or(0);
        Duration::from_secs(u64::from(secs))
    }

    /// The ids the event names for `policy` (`None`: the policy does not react to it).
    pub fn ids(&self, policy: &str) -> Option<&[String]> {
        self.routing.ids.get(policy).map(Vec::as_slice)
    }
}
