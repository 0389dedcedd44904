//! `mark-for-op`: tag the resource for a later action in Cloud Custodian's format
//! (`msg` with `{op}@{action_date}`; `c7n/tags.py`, `TagDelayedAction`), to pair with the
//! `marked-for-op` filter.

use super::plan::PlanContext;
use super::request::Request;
use super::tag::{check_tag, tag_requests};
use super::{parse_op, Action, ActionDef, ActionInput, ActionName, Behaviour, DEFAULT_MARK_MSG, DEFAULT_MARK_TAG};
use crate::input::{get, Checker};
use crate::resource::ResourceKind;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::Value;

/// The `mark-for-op` row of the action table.
pub const DEF: ActionDef = ActionDef {
    name: ActionName::MarkForOp,
    names: &["mark-for-op"],
    summary: "Tag the resource for a later action, in Cloud Custodian's format (op@YYYY/MM/DD); pair with the marked-for-op filter. days/hours default to 0, as Cloud Custodian.",
    example: |_| "- type: mark-for-op\n  op: stop\n  days: 4",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds, ResourceKind::SpotRequest],
    needs_event: false,
    ends_compute: false,
    keys: |_| &["type", "tag", "msg", "days", "hours", "tz", "op"],
    permissions: super::tag::DEF.permissions,
    parse,
};

/// A validated `mark-for-op`.
#[derive(Debug, Clone)]
pub struct MarkForOp {
    /// Tag key (default `maid_status`).
    pub tag: String,
    /// The action to take later (default `stop`).
    pub op: ActionName,
    /// Message template with `{op}` and `{action_date}`.
    pub msg: String,
    /// Days from now (default 0, as c7n).
    pub days: f64,
    /// Hours from now (default 0); when non-zero the date carries the time and zone.
    pub hours: f64,
    /// Zone for the date.
    pub tz: TimeZone,
}

impl MarkForOp {
    /// The tag value written: `msg` with `{op}` and `{action_date}` filled in, the date as
    /// `YYYY/MM/DD`, or `YYYY/MM/DD HHMM ZONE` when `hours` is set (c7n's format).
    pub fn value(&self, now: Timestamp) -> String {
        let at = now
            .checked_add(crate::time::duration(self.days, self.hours, 0.0))
            .unwrap_or(now)
            .to_zoned(self.tz.clone());
        let date = if self.hours > 0.0 {
            at.strftime("%Y/%m/%d %H%M %Z").to_string()
        } else {
            at.strftime("%Y/%m/%d").to_string()
        };
        self.msg.replace("{op}", self.op.as_str()).replace("{action_date}", &date)
    }
}

impl Behaviour for MarkForOp {
    fn check(&self, _kind: ResourceKind, _doc: &Value) -> Result<(), String> {
        Ok(())
    }

    fn requests(&self, cx: &PlanContext, targets: &[&Value], ids: &[String]) -> Vec<Request> {
        tag_requests(cx.kind, targets, ids, vec![(self.tag.clone(), self.value(cx.now))])
    }

    fn permissions(&self, kind: ResourceKind) -> Vec<&'static str> {
        (DEF.permissions)(kind).to_vec()
    }
}

fn parse(c: &mut Checker, a: &ActionInput) -> Option<Action> {
    let tag = c
        .opt_string(get(a.entries, "tag"), "tag")
        .flatten()
        .unwrap_or_else(|| DEFAULT_MARK_TAG.to_string());
    let op = match get(a.entries, "op") {
        Some(v) => parse_op(c, v, a.kind, a.kind_known),
        None if !a.kind_known || ActionName::Stop.applies_to(a.kind) => Some(ActionName::Stop),
        None => {
            c.at_node(
                a.at,
                format!("mark-for-op needs an 'op' on {} (it has no 'stop')", a.kind.spec().name),
            );
            None
        }
    };
    let msg_node = get(a.entries, "msg");
    let msg = c
        .opt_string(msg_node, "msg")
        .flatten()
        .unwrap_or_else(|| DEFAULT_MARK_MSG.to_string());
    match msg.find("{op}@{action_date}") {
        None => c.at_node(
            msg_node.unwrap_or(a.at),
            "'msg' must contain '{op}@{action_date}', or marked-for-op can never match it",
        ),
        Some(i) if !msg[..i].contains(':') => c.at_node(
            msg_node.unwrap_or(a.at),
            "'msg' needs a ':' before '{op}@{action_date}', or marked-for-op can never match it",
        ),
        Some(_) => {}
    }
    let days = c.non_negative(get(a.entries, "days"), "days").unwrap_or(0.0);
    let hours = c.non_negative(get(a.entries, "hours"), "hours").unwrap_or(0.0);
    let tz = c.timezone(get(a.entries, "tz")).unwrap_or(TimeZone::UTC);
    check_tag(c, a.at, &tag, "");
    Some(Action::MarkForOp(MarkForOp {
        tag,
        op: op.unwrap_or(ActionName::Stop),
        msg,
        days,
        hours,
        tz,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_for_op_uses_c7n_format() {
        let mut m = MarkForOp {
            tag: "maid_status".into(),
            op: ActionName::Stop,
            msg: DEFAULT_MARK_MSG.into(),
            days: 4.0,
            hours: 0.0,
            tz: TimeZone::UTC,
        };
        let now: Timestamp = "2026-06-15T12:00:00Z".parse().unwrap();
        assert_eq!(m.value(now), "Resource does not meet policy: stop@2026/06/19");
        m.days = 0.0;
        m.hours = 6.0;
        m.tz = crate::time::resolve_tz("et").unwrap().0;
        assert_eq!(m.value(now), "Resource does not meet policy: stop@2026/06/15 1400 EDT");
    }
}
