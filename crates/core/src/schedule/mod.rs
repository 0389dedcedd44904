//! The time logic of off-hours schedules (Cloud Custodian's tag language, default rules, exact
//! hours, lookback windows, cron, holidays) and `explain`. No YAML: the `offhour` / `onhour`
//! filters that use it live in `filter::offhours`.

pub mod explain;
pub mod tag;

use croner::Cron;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
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

    /// Records a schedule tag that does not parse (once per resource).
    pub fn record_parse_error(&self, id: &str, value: &str, reason: String) {
        let mut v = self.parse_errors.borrow_mut();
        if !v.iter().any(|(i, _, _)| i == id) {
            v.push((id.to_string(), value.to_string(), reason));
        }
    }

    /// Records a resource whose tag opts it out (once per resource).
    pub fn record_opt_out(&self, id: &str) {
        let mut v = self.opted_out.borrow_mut();
        if !v.iter().any(|i| i == id) {
            v.push(id.to_string());
        }
    }

    /// Records the problems of a schedule tag that parses (once per resource).
    pub fn record_lint(&self, id: &str, value: &str) {
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
