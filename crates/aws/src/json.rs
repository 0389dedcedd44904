//! A small builder for AWS-CLI-shaped JSON: PascalCase keys, absent values omitted, dates as the
//! CLI prints them (`2026-11-23T15:00:00+00:00`, microseconds when present).

use aws_smithy_types::DateTime;
use serde_json::{Map, Value};

/// A JSON object under construction.
#[derive(Default)]
pub struct Obj(Map<String, Value>);

impl Obj {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a string.
    pub fn s(mut self, key: &str, v: Option<&str>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::String(v.to_string()));
        }
        self
    }

    /// Adds a boolean.
    pub fn b(mut self, key: &str, v: Option<bool>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::Bool(v));
        }
        self
    }

    /// Adds an integer.
    pub fn i(mut self, key: &str, v: Option<impl Into<i64>>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::from(v.into()));
        }
        self
    }

    /// Adds a date.
    pub fn t(mut self, key: &str, v: Option<&DateTime>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), Value::String(cli_date(v)));
        }
        self
    }

    /// Adds a nested value.
    pub fn v(mut self, key: &str, v: Option<Value>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), v);
        }
        self
    }

    /// Adds a list, mapping each item; an absent list is omitted.
    pub fn list<T>(mut self, key: &str, items: &Option<Vec<T>>, f: impl Fn(&T) -> Value) -> Self {
        if let Some(items) = items {
            self.0.insert(key.into(), Value::Array(items.iter().map(f).collect()));
        }
        self
    }

    /// Adds a list of strings.
    pub fn strs(self, key: &str, items: &Option<Vec<String>>) -> Self {
        self.list(key, items, |s| Value::String(s.clone()))
    }

    /// The finished object.
    pub fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// A date as the AWS CLI prints it.
pub fn cli_date(d: &DateTime) -> String {
    let mut out = String::with_capacity(32);
    write_cli_date(d, &mut out);
    out
}

/// Appends a date as the AWS CLI prints it (`2026-11-23T15:00:00+00:00`, `.123000` when it has
/// a fraction): formatted by hand for years 1 to 9999 (the hot path of a describe page), by
/// jiff otherwise.
pub fn write_cli_date(d: &DateTime, out: &mut String) {
    let (secs, nanos) = (d.secs(), d.subsec_nanos());
    let days = secs.div_euclid(86_400);
    let (y, m, day) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        let ts = jiff::Timestamp::new(secs, nanos as i32).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let format = if nanos == 0 {
            "%Y-%m-%dT%H:%M:%S+00:00"
        } else {
            "%Y-%m-%dT%H:%M:%S.%6f+00:00"
        };
        out.push_str(&ts.strftime(format).to_string());
        return;
    }
    let second = secs.rem_euclid(86_400);
    let digits = |out: &mut String, n: i64, width: usize| {
        let mut buf = [b'0'; 6];
        let mut n = n;
        for at in (0..width).rev() {
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out.push_str(std::str::from_utf8(&buf[..width]).unwrap_or_default());
    };
    digits(out, y, 4);
    out.push('-');
    digits(out, m, 2);
    out.push('-');
    digits(out, day, 2);
    out.push('T');
    digits(out, second / 3600, 2);
    out.push(':');
    digits(out, second / 60 % 60, 2);
    out.push(':');
    digits(out, second % 60, 2);
    if nanos != 0 {
        out.push('.');
        digits(out, i64::from(nanos / 1000), 6);
    }
    out.push_str("+00:00");
}

/// Year, month, day of a count of days since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `{"Key": k, "Value": v}` tags.
pub fn tags<T>(items: &Option<Vec<T>>, kv: impl Fn(&T) -> (Option<&str>, Option<&str>)) -> Option<Value> {
    items.as_ref().map(|items| {
        Value::Array(
            items
                .iter()
                .map(|t| {
                    let (k, v) = kv(t);
                    Obj::new().s("Key", k).s("Value", v).done()
                })
                .collect(),
        )
    })
}

/// A describe page written as compact JSON text (`{"Reservations":[...]}`): each item's
/// document is serialized as soon as it is mapped, so neither the SDK's page structs nor a tree
/// of its documents outlive the page.
pub struct CompactList {
    text: String,
    empty: bool,
}

impl CompactList {
    /// An empty list under `key`.
    pub fn new(key: &str) -> CompactList {
        CompactList {
            text: format!("{{\"{key}\":["),
            empty: true,
        }
    }

    /// Appends one item.
    pub fn push(&mut self, item: &Value) {
        if !self.empty {
            self.text.push(',');
        }
        self.empty = false;
        // A Value always serializes.
        self.text.push_str(&serde_json::to_string(item).unwrap_or_else(|_| "null".into()));
    }

    /// The page's text, its buffer no larger than the text (it is kept as long as its documents).
    pub fn finish(mut self) -> String {
        self.text.push_str("]}");
        self.text.shrink_to_fit();
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written format is jiff's, over four centuries of instants, with and without
    /// fractions (sub-microsecond ones included: both truncate).
    #[test]
    fn dates_are_formatted_as_jiff_formats_them() {
        let jiff_format = |secs: i64, nanos: u32| {
            let ts = jiff::Timestamp::new(secs, nanos as i32).unwrap();
            let format = if nanos == 0 {
                "%Y-%m-%dT%H:%M:%S+00:00"
            } else {
                "%Y-%m-%dT%H:%M:%S.%6f+00:00"
            };
            ts.strftime(format).to_string()
        };
        let mut secs = -62_135_596_800i64; // 0001-01-01
        let mut n = 0u32;
        while secs < 253_402_207_200 {
            let nanos = [0, 1, 999, 123_000_000, 999_999_999][n as usize % 5];
            assert_eq!(
                cli_date(&DateTime::from_secs_and_nanos(secs, nanos)),
                jiff_format(secs, nanos),
                "{secs}.{nanos}"
            );
            secs += 86_399 * 17 + 3_607;
            n += 1;
        }
        assert!(n > 100_000);
        for secs in [951_782_400, 4_107_542_400, 0, -1, 1_772_323_199, 253_402_207_199] {
            assert_eq!(cli_date(&DateTime::from_secs(secs)), jiff_format(secs, 0));
        }
    }
}
