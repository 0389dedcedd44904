//! `custodian schedule explain`: the next transitions of a schedule, in local time and UTC,
//! across DST changes and holidays, so a person can check a schedule before deploying it.

use super::tag::{self, Rule, TagOutcome, Transition};
use super::{weekday_index, Holidays};
use croner::Cron;
use jiff::civil::Date;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;
use std::fmt::Write;

/// A schedule to explain: c7n tag rules or cron expressions, in a zone.
pub enum Schedule {
    /// c7n's tag language (`off=(M-F,19);on=(M-F,7);tz=pt`, or the defaults).
    Rules {
        /// Off rules.
        off: Vec<Rule>,
        /// On rules.
        on: Vec<Rule>,
    },
    /// `off=cron(EXPR);on=cron(EXPR)`.
    Cron {
        /// Off expression.
        off: Option<Box<Cron>>,
        /// On expression.
        on: Option<Box<Cron>>,
    },
}

/// A schedule and its zone, parsed from the command line.
pub struct Explained {
    /// The schedule.
    pub schedule: Schedule,
    /// Zone name as shown.
    pub tz_name: String,
    /// Zone.
    pub tz: TimeZone,
    /// Problems the tag lint found.
    pub lint: Vec<String>,
}

/// Parses `SCHEDULE_OR_TAG`: a c7n tag value (empty or `on` mean the defaults: off 19:00 and on
/// 07:00, Monday-Friday), or `off=cron(...);on=cron(...)[;tz=ZONE]`. `default_tz` applies when
/// the text names no zone.
pub fn parse(text: &str, default_tz: &str) -> Result<Explained, String> {
    let zone = |name: &str| crate::time::resolve_tz(name).ok_or_else(|| format!("unknown time zone '{name}'"));
    if text.contains("cron(") {
        let (mut off, mut on, mut tz) = (None, None, None);
        for piece in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = piece.split_once('=').ok_or_else(|| format!("'{piece}' is not key=value"))?;
            let cron = |v: &str| -> Result<Cron, String> {
                let expr = v
                    .trim()
                    .strip_prefix("cron(")
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or_else(|| format!("'{v}' is not cron(EXPR)"))?;
                expr.parse::<Cron>().map_err(|e| format!("invalid cron expression '{expr}': {e}"))
            };
            match key.trim() {
                "off" => off = Some(Box::new(cron(value)?)),
                "on" => on = Some(Box::new(cron(value)?)),
                "tz" => tz = Some(value.trim().to_string()),
                other => return Err(format!("unknown key '{other}' (keys: off, on, tz)")),
            }
        }
        let tz_name = tz.unwrap_or_else(|| default_tz.to_string());
        let (tz, canonical) = zone(&tz_name)?;
        return Ok(Explained {
            schedule: Schedule::Cron { off, on },
            tz_name: canonical,
            tz,
            lint: Vec::new(),
        });
    }
    let value = tag::normalize(text);
    if value == "off" {
        return Err("'off' opts the resource out: it is never stopped or started".into());
    }
    let defaults = |t: Transition| {
        vec![Rule {
            days: (0..5).collect(),
            hour: if t == Transition::Off { 19 } else { 7 },
        }]
    };
    let mut tz_from_tag = None;
    let mut rules = |t: Transition| -> Result<Vec<Rule>, String> {
        match tag::resolve(&value, t) {
            TagOutcome::Rules { rules, tz, defaults: d } => {
                if tz.is_some() {
                    tz_from_tag = tz;
                }
                Ok(if d { defaults(t) } else { rules })
            }
            TagOutcome::Invalid(e) => Err(e),
            TagOutcome::OptedOut => Ok(Vec::new()),
        }
    };
    let off = rules(Transition::Off)?;
    let on = rules(Transition::On)?;
    let tz_name = tz_from_tag.unwrap_or_else(|| default_tz.to_string());
    let (tz, canonical) = zone(&tz_name)?;
    Ok(Explained {
        schedule: Schedule::Rules { off, on },
        tz_name: canonical,
        tz,
        lint: tag::lint(text),
    })
}

struct Event {
    at: Timestamp,
    kind: &'static str,
    note: Option<String>,
}

/// Renders the next `count` transitions from `from`, with DST and holiday notes.
pub fn render(e: &Explained, from: Timestamp, count: usize, holidays: &Holidays) -> String {
    let mut events: Vec<Event> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    match &e.schedule {
        Schedule::Rules { off, on } => {
            let mut d = from.to_zoned(e.tz.clone()).date();
            for _ in 0..800 {
                if events.iter().filter(|ev| ev.at >= from).count() >= count {
                    break;
                }
                let wd = weekday_index(d.weekday());
                let todays: Vec<(&'static str, u8)> = off
                    .iter()
                    .filter(|r| r.days.contains(&wd))
                    .map(|r| ("off", r.hour))
                    .chain(on.iter().filter(|r| r.days.contains(&wd)).map(|r| ("on", r.hour)))
                    .collect();
                if !todays.is_empty() && holidays.contains(d) {
                    notes.push(format!("{d}: holiday, no transition"));
                } else {
                    for (kind, hour) in todays {
                        rule_event(e, d, hour, kind, from, &mut events, &mut notes);
                    }
                }
                match d.tomorrow() {
                    Ok(n) => d = n,
                    Err(_) => break,
                }
            }
        }
        Schedule::Cron { off, on } => {
            for (kind, cron) in [("off", off), ("on", on)] {
                let Some(cron) = cron else { continue };
                let mut found = 0;
                for z in cron.iter_after(from.to_zoned(e.tz.clone())).take(count * 20) {
                    if found >= count {
                        break;
                    }
                    if holidays.contains(z.date()) {
                        notes.push(format!("{}: holiday, no '{kind}' at {}", z.date(), z.strftime("%H:%M")));
                        continue;
                    }
                    events.push(Event {
                        at: z.timestamp(),
                        kind,
                        note: None,
                    });
                    found += 1;
                }
            }
        }
    }
    notes.sort();
    notes.dedup();
    events.retain(|ev| ev.at >= from);
    events.sort_by_key(|ev| ev.at);
    events.truncate(count);
    let last = events.last().map(|ev| ev.at).unwrap_or(from);
    let mut out = String::new();
    let _ = writeln!(out, "zone: {}", e.tz_name);
    let _ = writeln!(
        out,
        "next {} transition{} after {}:",
        events.len(),
        if events.len() == 1 { "" } else { "s" },
        from
    );
    for ev in &events {
        let local = ev.at.to_zoned(e.tz.clone());
        let _ = write!(
            out,
            "  {:<3}  {}  {}",
            ev.kind,
            local.strftime("%a %Y-%m-%d %H:%M %Z (%:z)"),
            ev.at.strftime("%Y-%m-%dT%H:%M:%SZ")
        );
        if let Some(n) = &ev.note {
            let _ = write!(out, "  {n}");
        }
        out.push('\n');
    }
    let shown: Vec<&String> = notes
        .iter()
        .filter(|n| note_date(n).is_none_or(|d| d <= last.to_zoned(e.tz.clone()).date()))
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "notes:");
        for n in shown {
            let _ = writeln!(out, "  - {n}");
        }
    }
    for p in &e.lint {
        let _ = writeln!(out, "warning: {p}");
    }
    out
}

fn note_date(note: &str) -> Option<Date> {
    note.get(..10)?.parse().ok()
}

fn rule_event(e: &Explained, d: Date, hour: u8, kind: &'static str, from: Timestamp, events: &mut Vec<Event>, notes: &mut Vec<String>) {
    let dt = d.at(hour as i8, 0, 0, 0);
    let ambiguous = e.tz.to_ambiguous_zoned(dt);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { .. } => {
            if let Ok(z) = ambiguous.compatible() {
                events.push(Event {
                    at: z.timestamp(),
                    kind,
                    note: None,
                });
            }
        }
        AmbiguousOffset::Gap { .. } => {
            if let Ok(z) = ambiguous.compatible() {
                if z.timestamp() >= from {
                    notes.push(format!(
                        "{d}: {hour:02}:00 does not exist (DST starts): Cloud Custodian's exact-hour match never fires '{kind}' that day; with lookback it fires at {}",
                        z.strftime("%H:%M %Z")
                    ));
                }
            }
        }
        AmbiguousOffset::Fold { .. } => {
            if let Ok(first) = ambiguous.clone().earlier() {
                let second = ambiguous.later().map(|z| z.strftime("%H:%M %Z").to_string()).unwrap_or_default();
                events.push(Event {
                    at: first.timestamp(),
                    kind,
                    note: Some(format!(
                        "(happens again at {second}: Cloud Custodian matches both hours; lookback counts it once)"
                    )),
                });
            }
        }
    }
}
