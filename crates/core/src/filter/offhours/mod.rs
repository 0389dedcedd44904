//! `offhour` / `onhour`: Cloud Custodian's off-hours filters with its exact semantics
//! (`c7n/filters/offhours.py`), plus opt-in extensions (a `lookback` window, cron schedules,
//! holidays, `stay-off`). The schedule arithmetic lives in [`crate::schedule`].

use super::values_from::ValuesFrom;
use super::{Filter, FilterDef, FilterInput};
use crate::input::{get, Checker, NodeValue};
use crate::resource::ResourceKind;
use crate::schedule::{
    cron_matches, exact_hour_matches, last_transition, lookback_matches, tag, Holidays, Rule, ScheduleNotes, TagOutcome, Transition,
};
use croner::Cron;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// Keys both filters take.
macro_rules! common_keys {
    ($($extra:literal),*) => {
        &[
            "type",
            $($extra,)*
            "default_tz",
            "tag",
            "opt-out",
            "weekends",
            "weekends-only",
            "skip-days",
            "fallback-schedule",
            "fallback_schedule",
            "lookback",
            "cron",
            "holidays",
            "holidays-file",
            "skip-days-from",
            "state-filter",
        ]
    };
}

/// The `offhour` row of the filter table.
pub const OFFHOUR: FilterDef = FilterDef {
    name: "offhour",
    summary: "Cloud Custodian's off-hours filter: matches during the scheduled off hour (default 19:00, Monday-Friday, zone default_tz, default et) of resources tagged maid_offhours, or per the tag's own schedule (off=(M-F,19);on=(M-F,7);tz=pt). Options: opt-out, weekends, weekends-only, skip-days, fallback-schedule, state-filter (EC2); beyond c7n: lookback (catch up a missed run), cron, holidays, holidays-file, stay-off.",
    example: "- type: offhour\n  offhour: 19\n  default_tz: et\n  tag: maid_offhours",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    keys: common_keys!("offhour", "stay-off", "onhour"),
    parse,
};

/// The `onhour` row of the filter table.
pub const ONHOUR: FilterDef = FilterDef {
    name: "onhour",
    summary:
        "Cloud Custodian's on-hours filter: matches during the scheduled on hour (default 07:00, Monday-Friday). Same options as offhour.",
    example: "- type: onhour\n  onhour: 7\n  default_tz: et\n  lookback: 3h",
    kinds: &[ResourceKind::Ec2, ResourceKind::Rds],
    needs_event: false,
    keys: common_keys!("onhour"),
    parse,
};

/// A validated `offhour` / `onhour` filter.
#[derive(Debug, Clone)]
pub struct OffHours {
    /// Which transition.
    pub transition: Transition,
    /// Default hour (c7n: 19 off, 7 on).
    pub hour: u8,
    /// Default zone name as written (c7n default `et`).
    pub default_tz_name: String,
    /// Default zone.
    pub default_tz: TimeZone,
    /// Schedule tag key, lowercase (matched case-insensitively; default `maid_offhours`).
    pub tag: String,
    /// Resources without the tag use the defaults.
    pub opt_out: bool,
    /// Default days: Monday-Friday (true) or every day.
    pub weekends: bool,
    /// Default days: off Friday, on Monday only.
    pub weekends_only: bool,
    /// c7n `skip-days` (or a local `skip-days-from`) and custodian holidays.
    pub holidays: Holidays,
    /// A `skip-days-from` read at run time (S3, HTTP), and the holidays with its dates added,
    /// made once it is read.
    pub remote_skip_days: Option<(std::sync::Arc<ValuesFrom>, std::sync::Arc<std::sync::OnceLock<Holidays>>)>,
    /// Tag value used when the tag is missing (normalized).
    pub fallback: Option<String>,
    /// EC2: offhour only considers running instances, onhour only stopped ones.
    pub state_filter: bool,
    /// Opt-in: match when the transition happened within this window before now.
    pub lookback: Option<SignedDuration>,
    /// Opt-in: the default schedule as a cron expression (in the default or tag zone).
    pub cron: Option<Cron>,
    /// Opt-in (offhour): match whenever the latest scheduled transition was "off", so a resource
    /// started outside its schedule (RDS restarts stopped instances after seven days) is stopped again.
    pub stay_off: bool,
    /// With `stay_off`: the default on hour (c7n's onhour default, 7).
    pub on_hour: u8,
}

impl OffHours {
    /// The dates skipped: `holidays`, plus a remote `skip-days-from`'s once read.
    fn skip_days(&self) -> &Holidays {
        let Some((from, merged)) = &self.remote_skip_days else {
            return &self.holidays;
        };
        merged.get_or_init(|| {
            let mut h = self.holidays.clone();
            if let Some(Ok(serde_json::Value::Array(days))) = from.values() {
                for d in days.iter().filter_map(|d| d.as_str()) {
                    // c7n compares the date text; one that is not a date never equals it.
                    let _ = h.add(d);
                }
            }
            h
        })
    }

    /// The policy's default rules (c7n's `get_default_schedule`).
    pub fn default_rules(&self) -> Vec<Rule> {
        self.default_rules_for(self.transition, self.hour)
    }

    fn default_rules_for(&self, transition: Transition, hour: u8) -> Vec<Rule> {
        let days: Vec<u8> = if self.weekends_only {
            vec![if transition == Transition::Off { 4 } else { 0 }]
        } else if self.weekends {
            (0..5).collect()
        } else {
            (0..7).collect()
        };
        vec![Rule { days, hour }]
    }

    /// `stay-off`: the off rules' latest transition is more recent than the on rules' latest.
    fn inside_off_period(&self, value: &str, off_rules: &[Rule], tz: &TimeZone, now: Timestamp) -> bool {
        let on_rules = match tag::resolve(value, Transition::On) {
            TagOutcome::Rules {
                rules, defaults: false, ..
            } => rules,
            _ => self.default_rules_for(Transition::On, self.on_hour),
        };
        match (
            last_transition(off_rules, tz, now, self.skip_days()),
            last_transition(&on_rules, tz, now, self.skip_days()),
        ) {
            (Some(off), Some(on)) => off > on,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// For an `offhour` filter: how many of the 168 hours from `from` the resource's schedule
    /// (its tag, the fallback or the defaults) keeps it off, by the same rules `stay-off` uses.
    /// `None` when it has no hour schedule (no tag and no fallback, opted out, unparsable, cron).
    pub fn off_hours_per_week(&self, doc: &Value, from: Timestamp) -> Option<u32> {
        if self.transition != Transition::Off || self.cron.is_some() {
            return None;
        }
        let raw = crate::resource::tags(doc)
            .find(|(k, _)| k.to_lowercase() == self.tag)
            .map(|(_, v)| tag::normalize(v));
        let value = match (raw, &self.fallback) {
            (Some(v), _) => v,
            (None, Some(fallback)) => fallback.clone(),
            (None, None) if self.opt_out => String::new(),
            (None, None) => return None,
        };
        let TagOutcome::Rules { rules, tz, defaults } = tag::resolve(&value, Transition::Off) else {
            return None;
        };
        let zone = match &tz {
            None => self.default_tz.clone(),
            Some(name) => crate::time::resolve_tz(name)?.0,
        };
        let rules = if defaults { self.default_rules() } else { rules };
        let off = (0..168)
            .filter_map(|h| from.checked_add(SignedDuration::from_hours(h)).ok())
            .filter(|t| self.inside_off_period(&value, &rules, &zone, *t))
            .count();
        Some(off as u32)
    }

    /// Does the resource match at `now`? Records opt-outs, parse errors and lint in `notes`.
    pub fn matches(&self, kind: ResourceKind, doc: &Value, now: Timestamp, notes: Option<&ScheduleNotes>) -> bool {
        if self.state_filter && has_state_filter(kind) {
            let state = crate::resource::resource_state(kind, doc);
            let wanted = if self.transition == Transition::Off { "running" } else { "stopped" };
            if state != Some(wanted) {
                return false;
            }
        }
        let id = crate::resource::resource_id(kind, doc);
        let raw = crate::resource::tags(doc)
            .find(|(k, _)| k.to_lowercase() == self.tag)
            .map(|(_, v)| v.to_string());
        let value = match (raw, &self.fallback) {
            (Some(v), _) => {
                if let Some(n) = notes {
                    n.record_lint(id, &v);
                }
                tag::normalize(&v)
            }
            (None, Some(fallback)) => fallback.clone(),
            (None, None) if self.opt_out => String::new(),
            (None, None) => return false,
        };
        match tag::resolve(&value, self.transition) {
            TagOutcome::OptedOut => {
                if let Some(n) = notes {
                    n.record_opt_out(id);
                }
                false
            }
            TagOutcome::Invalid(reason) => {
                if let Some(n) = notes {
                    n.record_parse_error(id, &value, reason);
                }
                false
            }
            TagOutcome::Rules { rules, tz, defaults } => {
                let zone = match &tz {
                    None => self.default_tz.clone(),
                    Some(name) => match crate::time::resolve_tz(name) {
                        Some((z, _)) => z,
                        None => {
                            if let Some(n) = notes {
                                n.record_parse_error(id, &value, format!("unknown time zone '{name}'"));
                            }
                            return false;
                        }
                    },
                };
                if self.stay_off && self.transition == Transition::Off {
                    let rules = if defaults { self.default_rules() } else { rules };
                    return self.inside_off_period(&value, &rules, &zone, now);
                }
                match (&self.cron, defaults) {
                    (Some(cron), true) => cron_matches(
                        cron,
                        &zone,
                        now,
                        self.lookback.unwrap_or(SignedDuration::from_hours(1)),
                        self.skip_days(),
                    ),
                    _ => {
                        let rules = if defaults { self.default_rules() } else { rules };
                        match self.lookback {
                            None => exact_hour_matches(&rules, &zone, now, self.skip_days()),
                            Some(window) => lookback_matches(&rules, &zone, now, window, self.skip_days()),
                        }
                    }
                }
            }
        }
    }
}

/// c7n's `state-filter`: EC2 offhour considers only running instances, onhour only stopped ones.
fn has_state_filter(kind: ResourceKind) -> bool {
    kind.spec().schedule_state_filter
}

fn parse(c: &mut Checker, f: &FilterInput) -> Option<Filter> {
    let name = f.name;
    let transition = if name == OFFHOUR.name { Transition::Off } else { Transition::On };
    let entries = f.entries;
    let before = c.errors();
    if let (Some((key, _)), false) = (entries.iter().find(|(k, _)| k.name == "state-filter"), has_state_filter(f.kind)) {
        c.at_key(key, format!("'state-filter' applies to aws.ec2 only, not {}", f.kind.spec().name));
    }
    let hour = match get(entries, name) {
        None => match transition {
            Transition::Off => 19,
            Transition::On => 7,
        },
        Some(h) => match h.value {
            NodeValue::Int(n) if (0..=23).contains(&n) => n as u8,
            _ => {
                c.at_node(h, format!("'{name}' must be an hour from 0 to 23"));
                0
            }
        },
    };
    let (default_tz, default_tz_name) = match get(entries, "default_tz") {
        // c7n's default zone.
        None => crate::time::resolve_tz("et").unwrap_or((TimeZone::UTC, "et".into())),
        Some(node) => match c.timezone(Some(node)) {
            Some(tz) => (tz, node.as_str().unwrap_or("").to_string()),
            None => (TimeZone::UTC, String::new()),
        },
    };
    let tag = c
        .opt_string(get(entries, "tag"), "tag")
        .flatten()
        .unwrap_or_else(|| "maid_offhours".into())
        .to_lowercase();
    let opt_out = c.flag(get(entries, "opt-out"));
    let weekends = c.flag_or(get(entries, "weekends"), true);
    let weekends_only = c.flag(get(entries, "weekends-only"));
    let state_filter = c.flag_or(get(entries, "state-filter"), true);
    let mut holidays = Holidays::default();
    for key in ["skip-days", "holidays"] {
        if let Some(list) = get(entries, key) {
            match &list.value {
                NodeValue::Seq(items) => {
                    for item in items {
                        match item.as_str() {
                            Some(d) if key == "skip-days" && d.parse::<jiff::civil::Date>().is_err() => {
                                c.at_node(item, format!("skip-days entries are dates (YYYY-MM-DD), not '{d}'"))
                            }
                            Some(d) => {
                                if let Err(e) = holidays.add(d) {
                                    c.at_node(item, e);
                                }
                            }
                            None => c.at_node(item, format!("'{key}' entries must be strings such as \"2026-12-25\" or \"12-25\"")),
                        }
                    }
                }
                _ => c.at_node(list, format!("'{key}' must be a list of dates")),
            }
        }
    }
    let mut remote_skip_days = None;
    if let Some(node) = get(entries, "skip-days-from") {
        if get(entries, "skip-days").is_some() {
            c.at_node(node, "give either 'skip-days' or 'skip-days-from', not both");
        }
        if let Some(from) = crate::filter::values_from::parse(c, node) {
            match from.values() {
                Some(Ok(serde_json::Value::Array(days))) => {
                    for d in days {
                        match d.as_str().map(|s| (s, s.parse::<jiff::civil::Date>())) {
                            Some((s, Ok(_))) => {
                                let _ = holidays.add(s);
                            }
                            _ => c.at_node(node, format!("skip-days-from entries are dates (YYYY-MM-DD), not {d}")),
                        }
                    }
                }
                Some(Ok(other)) => c.at_node(node, format!("skip-days-from must select a list of dates, not {other}")),
                Some(Err(e)) => c.at_node(node, e.clone()),
                None => remote_skip_days = Some((std::sync::Arc::new(from), Default::default())),
            }
        }
    }
    if let Some(node) = get(entries, "holidays-file") {
        match node.as_str() {
            None => c.at_node(node, "'holidays-file' must be a path"),
            // The loader read the file (validation does no I/O).
            Some(rel) => match c.include(rel) {
                Some(Ok((path, text))) => {
                    if let Err((line, e)) = holidays.add_file(text) {
                        let message = format!("{path}:{line}: {e}");
                        c.at_node(node, message);
                    }
                }
                Some(Err(e)) => {
                    let message = e.clone();
                    c.at_node(node, message);
                }
                None => c.at_node(
                    node,
                    format!("holidays file '{rel}' was not loaded (policies given as text cannot name files)"),
                ),
            },
        }
    }
    let fallback = match get(entries, "fallback-schedule").or(get(entries, "fallback_schedule")) {
        None => None,
        Some(node) => match node.as_str() {
            None => {
                c.at_node(
                    node,
                    "'fallback-schedule' must be a schedule tag value such as 'off=(M-F,19);on=(M-F,7)'",
                );
                None
            }
            Some(text) => {
                let problems = tag::lint(text);
                let normalized = tag::normalize(text);
                if let Some(p) = problems.first() {
                    c.at_node(node, format!("schedule '{text}': {p}"));
                } else if let TagOutcome::Invalid(e) = tag::resolve(&normalized, transition) {
                    c.at_node(node, format!("schedule '{text}': {e}"));
                }
                Some(normalized)
            }
        },
    };
    let lookback = match get(entries, "lookback") {
        None => None,
        Some(node) => match node.as_str().map(crate::schedule::parse_window) {
            Some(Ok(w)) => Some(w),
            Some(Err(e)) => {
                c.at_node(node, e);
                None
            }
            None => {
                c.at_node(node, "'lookback' must be a duration such as '3h'");
                None
            }
        },
    };
    let cron = match get(entries, "cron") {
        None => None,
        Some(node) => match node.as_str().map(|text| text.parse::<Cron>()) {
            Some(Ok(cron)) => Some(cron),
            Some(Err(e)) => {
                c.at_node(node, format!("invalid cron expression: {e}"));
                None
            }
            None => {
                c.at_node(node, "'cron' must be a cron expression such as '30 19 * * MON-FRI'");
                None
            }
        },
    };
    let stay_off = c.flag(get(entries, "stay-off"));
    let on_hour = match get(entries, "onhour") {
        Some(h) if transition == Transition::Off => match h.value {
            NodeValue::Int(n) if (0..=23).contains(&n) && stay_off => n as u8,
            NodeValue::Int(_) if !stay_off => {
                c.at_node(h, "'onhour' in an offhour filter only applies with 'stay-off: true'");
                7
            }
            _ => {
                c.at_node(h, "'onhour' must be an hour from 0 to 23");
                7
            }
        },
        _ => 7,
    };
    if let (true, Some(node)) = (stay_off, get(entries, "cron")) {
        c.at_node(node, "'stay-off' works with hour schedules, not 'cron'");
    }
    if c.errors() > before {
        return None;
    }
    Some(Filter::OffHours(Box::new(OffHours {
        stay_off,
        on_hour,
        transition,
        hour,
        default_tz_name,
        default_tz,
        tag,
        opt_out,
        weekends,
        weekends_only,
        holidays,
        remote_skip_days,
        fallback,
        state_filter,
        lookback,
        cron,
    })))
}

#[cfg(test)]
mod tests;
