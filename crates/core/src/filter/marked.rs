//! `marked-for-op`: the resource carries a `mark-for-op` tag for this op whose date has come
//! (`c7n/filters/core.py`, `MarkedForOp`: the text after the last ':' is `op@date`).

use super::{Filter, FilterDef, FilterInput, ALL_KINDS};
use crate::action::{parse_op, DEFAULT_MARK_TAG};
use crate::input::{get, Checker};
use crate::time::parse_date_in;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// The `marked-for-op` row of the filter table.
pub const MARKED_FOR_OP: FilterDef = FilterDef {
    name: "marked-for-op",
    summary: "The resource carries a mark-for-op tag for this op whose date has come (skew/skew_hours: match earlier).",
    example: "- type: marked-for-op\n  op: stop\n  tag: maid_status",
    kinds: ALL_KINDS,
    needs_event: false,
    keys: &["type", "tag", "op", "skew", "skew_hours", "tz"],
    parse,
};

/// A validated `marked-for-op`.
#[derive(Debug, Clone)]
pub struct MarkedForOp {
    /// Tag key (default `maid_status`).
    pub tag: String,
    /// Action the mark must name (default `stop`).
    pub op: String,
    /// Match this long before the marked date.
    pub skew: SignedDuration,
    /// Zone for marks without a zone.
    pub tz: TimeZone,
}

impl MarkedForOp {
    /// Whether the mark names this op and its date minus the skew has come.
    pub fn matches(&self, doc: &Value, now: Timestamp) -> bool {
        let Some((_, v)) = crate::resource::tags(doc).find(|(k, _)| *k == self.tag) else {
            return false;
        };
        if !v.contains(':') || !v.contains('@') {
            return false;
        }
        let target = v.rsplit_once(':').map(|(_, t)| t.trim()).unwrap_or("");
        let Some((action, date)) = target.split_once('@') else {
            return false;
        };
        if action != self.op {
            return false;
        }
        match parse_date_in(date, &self.tz) {
            Some(at) => at.checked_sub(self.skew).is_ok_and(|due| now >= due),
            None => false,
        }
    }
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let tag = c
        .opt_string(get(f.entries, "tag"), "tag")?
        .unwrap_or_else(|| DEFAULT_MARK_TAG.to_string());
    let op = match get(f.entries, "op") {
        None => "stop".to_string(),
        Some(v) => parse_op(c, v, f.kind, f.kind_known)?.as_str().to_string(),
    };
    let skew = c.non_negative(get(f.entries, "skew"), "skew")?;
    let skew_hours = c.non_negative(get(f.entries, "skew_hours"), "skew_hours")?;
    let tz = c.timezone(get(f.entries, "tz"))?;
    Some(Filter::MarkedForOp(MarkedForOp {
        tag,
        op,
        skew: crate::time::duration(skew, skew_hours, 0.0),
        tz,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn marked(op: &str, skew_days: f64) -> MarkedForOp {
        MarkedForOp {
            tag: "maid_status".into(),
            op: op.into(),
            skew: crate::time::duration(skew_days, 0.0, 0.0),
            tz: TimeZone::UTC,
        }
    }

    fn tagged(v: &str) -> Value {
        json!({"Tags": [{"Key": "maid_status", "Value": v}]})
    }

    #[test]
    fn marked_for_op_semantics() {
        let now: Timestamp = "2026-06-15T12:00:00Z".parse().unwrap();
        assert!(marked("stop", 0.0).matches(&tagged("Resource does not meet policy: stop@2026/06/15"), now));
        assert!(marked("stop", 0.0).matches(&tagged("Resource does not meet policy: stop@2026/06/01"), now));
        assert!(!marked("stop", 0.0).matches(&tagged("Resource does not meet policy: stop@2026/06/16"), now));
        assert!(
            marked("stop", 1.0).matches(&tagged("Resource does not meet policy: stop@2026/06/16"), now),
            "skew"
        );
        assert!(!marked("terminate", 0.0).matches(&tagged("Resource does not meet policy: stop@2026/06/01"), now));
        assert!(!marked("stop", 0.0).matches(&tagged("stop@2026/06/01"), now), "needs a colon");
        assert!(!marked("stop", 0.0).matches(&tagged("policy: stop 2026/06/01"), now), "needs an @");
        assert!(!marked("stop", 0.0).matches(&tagged("policy: stop@someday"), now), "bad date");
        assert!(
            marked("stop", 0.0).matches(&tagged("a: b: stop@2026/06/15 1100 UTC"), now),
            "last colon, with hours"
        );
        assert!(!marked("stop", 0.0).matches(&tagged("x: stop@2026/06/15 1300 UTC"), now));
        assert!(!marked("stop", 0.0).matches(&json!({}), now));
    }
}
