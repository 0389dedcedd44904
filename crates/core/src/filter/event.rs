//! `event`: a value filter over the triggering event rather than the resource
//! (`c7n/filters/core.py`, `EventFilter`). It matches nothing outside an event, and only
//! event-mode policies may use it.

use super::value::ValueFilter;
use super::{Filter, FilterDef, FilterInput, ALL_KINDS};
use crate::input::Checker;
use serde_json::Value;

/// The `event` row of the filter table.
pub const EVENT: FilterDef = FilterDef {
    name: "event",
    summary: "In event-mode policies, compare a key of the triggering event (a dotted path such as detail.userIdentity.type) with a value, as the value filter does. Matches nothing outside an event.",
    example: "- type: event\n  key: detail.userIdentity.type\n  value: Root",
    kinds: ALL_KINDS,
    needs_event: true,
    keys: &["type", "key", "value", "op", "value_type", "value_regex"],
    parse,
};

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    // Keys are paths into the event, not the resource: not checked against the kind.
    let input = FilterInput { kind_known: false, ..*f };
    match super::value::parse::parse_value(c, &input)? {
        Filter::Value(v) => Some(Filter::Event(v)),
        _ => None,
    }
}

/// Whether the event matches (never without one).
pub fn matches(filter: &ValueFilter, event: Option<&Value>, now: jiff::Timestamp) -> bool {
    event.is_some_and(|e| filter.matches(e, now))
}
