//! RDS filters over the engine's versions and the instance's snapshots
//! (`c7n/resources/rds.py`):
//! - `engine` (`EngineFilter`): a value filter over the `DescribeDBEngineVersions` document of
//!   the instance's engine and version (deprecated versions included, as c7n's `IncludeAll`).
//! - `upgrade-available` (`UpgradeAvailable`, `_get_available_engine_upgrades`): the highest
//!   `ValidUpgradeTarget` of the instance's version among the listed (not deprecated)
//!   versions, minor upgrades only unless `major: true`; `value: false` asks for instances
//!   without one (c7n's code then returns every instance; custodian does what the key says).
//! - `consecutive-snapshots` (`ConsecutiveSnapshots`): an `available` snapshot on each of the
//!   `days` days before today (UTC).

use super::{RelatedFilter, Test};
use crate::filter::{EvalContext, FilterDef};
use crate::resource::related::refs;
use crate::resource::ResourceKind;
use serde_json::Value;
use std::cmp::Ordering;

/// The `engine` row of the filter table.
pub const ENGINE: FilterDef = FilterDef {
    name: "engine",
    summary: "A value filter over the instance's engine version metadata (DescribeDBEngineVersions per engine in use): Status, ValidUpgradeTarget, ...",
    example: "- type: engine\n  key: Status\n  value: deprecated",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "key", "value", "op", "value_type", "value_regex"],
    parse: super::parse,
};

/// The `upgrade-available` row of the filter table.
pub const UPGRADE_AVAILABLE: FilterDef = FilterDef {
    name: "upgrade-available",
    summary: "An engine upgrade is available for the instance's version (minor only unless major: true); value: false for none.",
    example: "- type: upgrade-available\n  major: false",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "major", "value"],
    parse: super::parse,
};

/// The `consecutive-snapshots` row of the filter table.
pub const CONSECUTIVE_SNAPSHOTS: FilterDef = FilterDef {
    name: "consecutive-snapshots",
    summary: "The instance has an available snapshot on each of the last `days` days (DescribeDBSnapshots, 50 instances a call).",
    example: "- type: consecutive-snapshots\n  days: 7",
    kinds: &[ResourceKind::Rds],
    needs_event: false,
    keys: &["type", "days"],
    parse: super::parse,
};

/// Python's `LooseVersion` order: numbers compare as numbers, other parts as text.
pub fn loose_cmp(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> Vec<Result<u64, String>> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut digits = None;
        for c in s.chars() {
            if c == '.' {
                if !cur.is_empty() {
                    out.push(part(std::mem::take(&mut cur), digits));
                }
                digits = None;
                continue;
            }
            let d = c.is_ascii_digit();
            if digits.is_some_and(|was| was != d) && !cur.is_empty() {
                out.push(part(std::mem::take(&mut cur), digits));
            }
            digits = Some(d);
            cur.push(c);
        }
        if !cur.is_empty() {
            out.push(part(cur, digits));
        }
        out
    }
    fn part(s: String, digits: Option<bool>) -> Result<u64, String> {
        match digits {
            Some(true) => s.parse().map_err(|_| s),
            _ => Err(s),
        }
    }
    let (a, b) = (parts(a), parts(b));
    for (x, y) in a.iter().zip(&b) {
        let o = match (x, y) {
            (Ok(x), Ok(y)) => x.cmp(y),
            (Err(x), Err(y)) => x.cmp(y),
            // Python 3 cannot order an int and a str; numbers first is the stable choice.
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// The best upgrade target of `version` among `versions` (c7n's rule).
pub fn upgrade_target<'v>(versions: &'v [Value], version: &str, major: bool) -> Option<&'v str> {
    let mut best: Option<&str> = None;
    let listed = versions
        .iter()
        .filter(|v| v.get("Status").and_then(Value::as_str).is_none_or(|s| s == "available"));
    for v in listed.filter(|v| v.get("EngineVersion").and_then(Value::as_str) == Some(version)) {
        for t in v.get("ValidUpgradeTarget").and_then(Value::as_array).into_iter().flatten() {
            if !major && t.get("IsMajorVersionUpgrade").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let Some(target) = t.get("EngineVersion").and_then(Value::as_str) else {
                continue;
            };
            if loose_cmp(target, best.unwrap_or("0.0.0")) == Ordering::Greater {
                best = Some(target);
            }
        }
    }
    best
}

impl RelatedFilter {
    /// `engine`, `upgrade-available`, `consecutive-snapshots`.
    pub(super) fn check_rds_history(&self, doc: &Value, cx: &EvalContext) -> Option<bool> {
        let id = refs(cx.kind, self.related, doc).into_iter().next()?;
        let found = cx.related(self.related, &id)?;
        match (&self.test, found) {
            (Test::Consecutive { days }, found) => {
                let dates: Vec<String> = found
                    .and_then(|d| d.get("DBSnapshots"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|s| s.get("Status").and_then(Value::as_str) == Some("available"))
                    .filter_map(|s| {
                        s.get("SnapshotCreateTime")
                            .and_then(Value::as_str)
                            .and_then(crate::time::parse_date)
                    })
                    .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
                    .collect();
                let today = cx.now.to_zoned(jiff::tz::TimeZone::UTC).date();
                Some((1..=*days).all(|n| {
                    today
                        .checked_sub(jiff::Span::new().days(n as i64))
                        .is_ok_and(|d| dates.contains(&d.to_string()))
                }))
            }
            (_, None) => Some(false),
            (test, Some(engine)) => {
                let version = doc.get("EngineVersion").and_then(Value::as_str).unwrap_or("");
                let versions = engine
                    .get("DBEngineVersions")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                match test {
                    Test::Upgrade { major, value } => Some(upgrade_target(versions, version, *major).is_some() == *value),
                    Test::Value { filter: Some(f), .. } => Some(
                        versions
                            .iter()
                            .find(|v| v.get("EngineVersion").and_then(Value::as_str) == Some(version))
                            .is_some_and(|v| f.matches(v, cx.now)),
                    ),
                    _ => Some(false),
                }
            }
        }
    }
}
