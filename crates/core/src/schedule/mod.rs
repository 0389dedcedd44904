//! Off-hours schedules: Cloud Custodian's `offhour` / `onhour` filters with its exact semantics,
//! plus opt-in extensions (a `lookback` window, cron schedules, holidays) and `explain`.

pub mod explain;
pub mod tag;

use crate::resource::ResourceKind;
use croner::Cron;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;
pub use tag::{Rule, TagOutcome, Transition};

/// Dates on which no transition happens: full dates and recurring month-days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays {
    /// `YYYY-MM-DD` (c7n's `skip-days`, and full-date holidays).
    pub dates: BTreeSet<Date>,
    /// `MM-DD`, every year.
    pub recurring: BTreeSet<(i8, i8)>,
}

impl Holidays {
    /// Whether `d` is a holiday.
    pub fn contains(&self, d: Date) -> bool {
        self.dates.contains(&d) || self.recurring.contains(&(d.month(), d.day()))
    }

    /// Parses one entry: `YYYY-MM-DD` or `MM-DD`.
    pub fn add(&mut self, entry: &str) -> Result<(), String> {
        let e = entry.trim();
        if let Ok(d) = e.parse::<Date>() {
            self.dates.insert(d);
            return Ok(());
        }
        let parts: Vec<&str> = e.split('-').collect();
        if let [m, d] = parts.as_slice() {
            if let (Ok(m), Ok(d)) = (m.parse::<i8>(), d.parse::<i8>()) {
                // 2024 is a leap year, so 02-29 is accepted.
                if Date::new(2024, m, d).is_ok() {
                    self.recurring.insert((m, d));
                    return Ok(());
                }
            }
        }
        Err(format!("'{e}' is not a date (YYYY-MM-DD) or a yearly date (MM-DD)"))
    }

    /// Parses a holidays file: one entry a line, `#` starts a comment.
    pub fn add_file(&mut self, text: &str) -> Result<(), (usize, String)> {
        for (i, line) in text.lines().enumerate() {
            let entry = line.split('#').next().unwrap_or("").trim();
            if !entry.is_empty() {
                self.add(entry).map_err(|e| (i + 1, e))?;
            }
        }
        Ok(())
    }
}

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
    /// c7n `skip-days` and custodian holidays.
    pub holidays: Holidays,
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

/// Per-resource outcomes worth reporting: opted out, unparsable tags, tag lint.
#[derive(Debug, Default)]
pub struct ScheduleNotes {
    /// `[id, value, reason]` of tags that do not parse (`parse_errors.json`).
    pub parse_errors: RefCell<Vec<(String, String, String)>>,
    /// Ids of resources whose tag says `off` (`opted_out.json`).
    pub opted_out: RefCell<Vec<String>>,
    /// `(id, value, problems)` of tags that parse but have problems.
    pub lint: RefCell<Vec<(String, String, Vec<String>)>>,
}

/// [`ScheduleNotes`] once evaluation is over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleFindings {
    /// `(id, value, reason)` of tags that do not parse.
    pub parse_errors: Vec<(String, String, String)>,
    /// Ids of opted-out resources.
    pub opted_out: Vec<String>,
    /// `(id, value, problems)` of questionable tags.
    pub lint: Vec<(String, String, Vec<String>)>,
}

impl ScheduleNotes {
    /// The recorded findings.
    pub fn into_findings(self) -> ScheduleFindings {
        ScheduleFindings {
            parse_errors: self.parse_errors.into_inner(),
            opted_out: self.opted_out.into_inner(),
            lint: self.lint.into_inner(),
        }
    }

    fn record_parse_error(&self, id: &str, value: &str, reason: String) {
        let mut v = self.parse_errors.borrow_mut();
        if !v.iter().any(|(i, _, _)| i == id) {
            v.push((id.to_string(), value.to_string(), reason));
        }
    }

    fn record_opt_out(&self, id: &str) {
        let mut v = self.opted_out.borrow_mut();
        if !v.iter().any(|i| i == id) {
            v.push(id.to_string());
        }
    }

    fn record_lint(&self, id: &str, value: &str) {
        let problems = tag::lint(value);
        if problems.is_empty() {
            return;
        }
        let mut v = self.lint.borrow_mut();
        if !v.iter().any(|(i, _, _)| i == id) {
            v.push((id.to_string(), value.to_string(), problems));
        }
    }
}

impl OffHours {
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
            last_transition(off_rules, tz, now, &self.holidays),
            last_transition(&on_rules, tz, now, &self.holidays),
        ) {
            (Some(off), Some(on)) => off > on,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// Does the resource match at `now`? Records opt-outs, parse errors and lint in `notes`.
    pub fn matches(&self, kind: ResourceKind, doc: &Value, now: Timestamp, notes: Option<&ScheduleNotes>) -> bool {
        if self.state_filter && kind == ResourceKind::Ec2 {
            let state = crate::resource::resource_state(kind, doc);
            let wanted = if self.transition == Transition::Off { "running" } else { "stopped" };
            if state != Some(wanted) {
                return false;
            }
        }
        let id = crate::resource::resource_id(kind, doc);
        let raw = crate::filter::tags(doc)
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
                        &self.holidays,
                    ),
                    _ => {
                        let rules = if defaults { self.default_rules() } else { rules };
                        match self.lookback {
                            None => exact_hour_matches(&rules, &zone, now, &self.holidays),
                            Some(window) => lookback_matches(&rules, &zone, now, window, &self.holidays),
                        }
                    }
                }
            }
        }
    }
}

/// 0 = Monday ... 6 = Sunday, as Python's `weekday()`.
pub fn weekday_index(w: Weekday) -> u8 {
    w.to_monday_zero_offset() as u8
}

/// c7n's rule: the local hour at `now` is a scheduled hour on a scheduled day. A skipped
/// spring-forward hour never matches; a repeated fall-back hour matches in both occurrences.
pub fn exact_hour_matches(rules: &[Rule], tz: &TimeZone, now: Timestamp, holidays: &Holidays) -> bool {
    let local = now.to_zoned(tz.clone());
    if holidays.contains(local.date()) {
        return false;
    }
    let weekday = weekday_index(local.weekday());
    rules.iter().any(|r| r.days.contains(&weekday) && r.hour as i8 == local.hour())
}

/// The instant of a local schedule time: a time skipped by DST moves forward, a repeated one
/// takes its first occurrence (jiff's "compatible" rule), so each transition happens once.
pub fn transition_instant(tz: &TimeZone, date: Date, hour: u8) -> Option<Timestamp> {
    let dt = date.at(hour as i8, 0, 0, 0);
    tz.to_ambiguous_zoned(dt).compatible().ok().map(|z| z.timestamp())
}

/// The latest transition of `rules` at or before `now`, looking back at most eight days.
pub fn last_transition(rules: &[Rule], tz: &TimeZone, now: Timestamp, holidays: &Holidays) -> Option<Timestamp> {
    let mut d = now.to_zoned(tz.clone()).date();
    for _ in 0..9 {
        if !holidays.contains(d) {
            let wd = weekday_index(d.weekday());
            let latest = rules
                .iter()
                .filter(|r| r.days.contains(&wd))
                .filter_map(|r| transition_instant(tz, d, r.hour))
                .filter(|t| *t <= now)
                .max();
            if latest.is_some() {
                return latest;
            }
        }
        d = d.yesterday().ok()?;
    }
    None
}

/// Opt-in catch-up: a scheduled transition happened in `(now - window, now]`.
pub fn lookback_matches(rules: &[Rule], tz: &TimeZone, now: Timestamp, window: SignedDuration, holidays: &Holidays) -> bool {
    let Ok(start) = now.checked_sub(window) else { return false };
    let first = start.to_zoned(tz.clone()).date().yesterday().unwrap_or(Date::MIN);
    let last = now.to_zoned(tz.clone()).date();
    let mut d = first;
    while d <= last {
        if !holidays.contains(d) {
            let wd = weekday_index(d.weekday());
            for r in rules.iter().filter(|r| r.days.contains(&wd)) {
                if let Some(t) = transition_instant(tz, d, r.hour) {
                    if t > start && t <= now {
                        return true;
                    }
                }
            }
        }
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    false
}

/// Cron schedules: an occurrence (in `tz`, not on a holiday) happened in `(now - window, now]`.
pub fn cron_matches(cron: &Cron, tz: &TimeZone, now: Timestamp, window: SignedDuration, holidays: &Holidays) -> bool {
    let Ok(start) = now.checked_sub(window) else { return false };
    let mut cursor: Zoned = now.to_zoned(tz.clone());
    let mut inclusive = true;
    // croner works in whole seconds; stepping back occurrence by occurrence keeps `now` inclusive.
    while let Ok(occurrence) = cron.find_previous_occurrence(&cursor, inclusive) {
        let t = occurrence.timestamp();
        if t <= start {
            return false;
        }
        if t <= now && !holidays.contains(occurrence.date()) {
            return true;
        }
        cursor = occurrence;
        inclusive = false;
    }
    false
}

/// Parses a duration such as `3h`, `90m`, `1d`, `1h30m`.
pub fn parse_window(text: &str) -> Result<SignedDuration, String> {
    let t = text.trim();
    let mut total = 0i64;
    let mut num = String::new();
    let mut any = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().map_err(|_| format!("'{t}' is not a duration such as 3h, 90m or 1d"))?;
        num.clear();
        total += n * match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            _ => return Err(format!("'{t}' is not a duration such as 3h, 90m or 1d")),
        };
        any = true;
    }
    if !num.is_empty() || !any || total == 0 {
        return Err(format!("'{t}' is not a duration such as 3h, 90m or 1d"));
    }
    Ok(SignedDuration::from_secs(total))
}

#[cfg(test)]
mod tests;
