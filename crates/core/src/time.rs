//! Time: the injected clock, c7n-compatible date parsing, and c7n's time-zone aliases.

use jiff::tz::TimeZone;
use jiff::{civil, Timestamp};

/// The source of "now" for every age and schedule computation.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed instant (`--now`), for previews and tests.
    Fixed(Timestamp),
}

impl Clock {
    /// The current instant according to this clock.
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

/// Cloud Custodian's time-zone aliases (`Time.TZ_ALIASES`), lowercase alias to IANA name.
pub const TZ_ALIASES: &[(&str, &str)] = &[
    ("pdt", "America/Los_Angeles"),
    ("pt", "America/Los_Angeles"),
    ("pst", "America/Los_Angeles"),
    ("ast", "America/Phoenix"),
    ("at", "America/Phoenix"),
    ("est", "America/New_York"),
    ("edt", "America/New_York"),
    ("et", "America/New_York"),
    ("cst", "America/Chicago"),
    ("cdt", "America/Chicago"),
    ("ct", "America/Chicago"),
    ("mst", "America/Denver"),
    ("mdt", "America/Denver"),
    ("mt", "America/Denver"),
    ("gmt", "Etc/GMT"),
    ("gt", "Etc/GMT"),
    ("bst", "Europe/London"),
    ("ist", "Europe/Dublin"),
    ("cet", "Europe/Berlin"),
    ("it", "Asia/Kolkata"),
    ("jst", "Asia/Tokyo"),
    ("kst", "Asia/Seoul"),
    ("sgt", "Asia/Singapore"),
    ("aet", "Australia/Sydney"),
    ("brt", "America/Sao_Paulo"),
    ("nzst", "Pacific/Auckland"),
    ("utc", "Etc/UTC"),
];

/// Resolves a zone name: a c7n alias (`pt`, `et`, `utc`...) or any IANA name, case-insensitively.
/// Returns the zone and its canonical name.
pub fn resolve_tz(name: &str) -> Option<(TimeZone, String)> {
    let lower = name.trim().to_ascii_lowercase();
    if let Some((_, iana)) = TZ_ALIASES.iter().find(|(alias, _)| *alias == lower) {
        return TimeZone::get(iana).ok().map(|tz| (tz, iana.to_string()));
    }
    // IANA lookups in jiff are case-insensitive.
    TimeZone::get(name.trim())
        .ok()
        .map(|tz| (tz.clone(), tz.iana_name().unwrap_or(name).to_string()))
}

/// Parses a date the way c7n's `parse_date` does: ISO 8601 / RFC 3339 strings (with or without
/// offset; naive times are UTC), `YYYY/MM/DD[ HHMM[ ZONE]]`, `... GMT` / `... UTC` suffixes, and
/// epoch seconds or milliseconds (more than ten digits). Anything else is `None`.
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return epoch(s.parse::<f64>().ok()?);
    }
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(zoned) = s.parse::<jiff::Zoned>() {
        return Some(zoned.timestamp());
    }
    // Strip a trailing UTC designator.
    let (body, zone) = match s.rsplit_once(' ') {
        Some((body, z)) if z.chars().all(|c| c.is_ascii_alphabetic()) => (body.trim(), Some(z)),
        _ => (s, None),
    };
    let tz = match zone {
        None => TimeZone::UTC,
        Some(z) if z.eq_ignore_ascii_case("utc") || z.eq_ignore_ascii_case("gmt") || z == "Z" => TimeZone::UTC,
        Some(z) => resolve_tz(z)?.0,
    };
    let dt = parse_civil(body)?;
    tz.to_timestamp(dt).ok()
}

/// Like [`parse_date`], but a date without a zone is read in `tz` instead of UTC.
pub fn parse_date_in(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    let s = text.trim();
    let has_zone = s.ends_with('Z')
        || s.rsplit_once(' ').is_some_and(|(_, z)| z.chars().all(|c| c.is_ascii_alphabetic()))
        || s.get(10..).is_some_and(|rest| rest.contains('+') || rest.rfind('-').is_some());
    if has_zone || s.bytes().all(|b| b.is_ascii_digit()) {
        return parse_date(s);
    }
    tz.to_timestamp(parse_civil(s)?).ok()
}

fn parse_civil(s: &str) -> Option<civil::DateTime> {
    if let Ok(dt) = s.parse::<civil::DateTime>() {
        return Some(dt);
    }
    if let Ok(d) = s.parse::<civil::Date>() {
        return Some(d.to_datetime(civil::Time::midnight()));
    }
    for fmt in [
        "%Y/%m/%d %H%M",
        "%Y/%m/%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H%M",
    ] {
        if let Ok(dt) = civil::DateTime::strptime(fmt, s) {
            return Some(dt);
        }
    }
    civil::Date::strptime("%Y/%m/%d", s)
        .ok()
        .map(|d| d.to_datetime(civil::Time::midnight()))
}

fn epoch(v: f64) -> Option<Timestamp> {
    let secs = if v.abs().trunc().to_string().len() > 10 { v / 1000.0 } else { v };
    Timestamp::from_duration(jiff::SignedDuration::try_from_secs_f64(secs).ok()?).ok()
}

/// Converts fractional days/hours/minutes into a signed duration.
pub fn duration(days: f64, hours: f64, minutes: f64) -> jiff::SignedDuration {
    let secs = days * 86_400.0 + hours * 3_600.0 + minutes * 60.0;
    jiff::SignedDuration::try_from_secs_f64(secs).unwrap_or(jiff::SignedDuration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parses_aws_and_c7n_date_forms() {
        assert_eq!(parse_date("2024-01-15T10:30:00+00:00"), Some(ts("2024-01-15T10:30:00Z")));
        assert_eq!(parse_date("2024-01-15T10:30:00.000Z"), Some(ts("2024-01-15T10:30:00Z")));
        assert_eq!(parse_date("2024-01-15T12:30:00+02:00"), Some(ts("2024-01-15T10:30:00Z")));
        assert_eq!(parse_date("2024-01-15T10:30:00"), Some(ts("2024-01-15T10:30:00Z")));
        assert_eq!(parse_date("2024-01-15"), Some(ts("2024-01-15T00:00:00Z")));
        assert_eq!(parse_date("2016-08-04 17:44:15 GMT"), Some(ts("2016-08-04T17:44:15Z")));
        assert_eq!(parse_date("2018/02/20"), Some(ts("2018-02-20T00:00:00Z")));
        assert_eq!(parse_date("2018/02/20 1800 UTC"), Some(ts("2018-02-20T18:00:00Z")));
        assert_eq!(parse_date("2018/02/20 1800 EST"), Some(ts("2018-02-20T23:00:00Z")));
        assert_eq!(parse_date("1700000000"), Some(ts("2023-11-14T22:13:20Z")));
        assert_eq!(parse_date("1700000000000"), Some(ts("2023-11-14T22:13:20Z")));
        assert_eq!(parse_date("not a date"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn naive_dates_can_be_read_in_a_zone() {
        let (ny, _) = resolve_tz("et").unwrap();
        assert_eq!(parse_date_in("2018/02/20", &ny), Some(ts("2018-02-20T05:00:00Z")));
        assert_eq!(parse_date_in("2018-02-20T00:00:00Z", &ny), Some(ts("2018-02-20T00:00:00Z")));
    }

    #[test]
    fn resolves_aliases_and_iana_names() {
        assert_eq!(resolve_tz("PT").unwrap().1, "America/Los_Angeles");
        assert_eq!(resolve_tz("utc").unwrap().1, "Etc/UTC");
        assert_eq!(resolve_tz("america/new_york").unwrap().1, "America/New_York");
        assert!(resolve_tz("Mars/Olympus").is_none());
    }
}
