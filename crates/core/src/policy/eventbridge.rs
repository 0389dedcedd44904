//! EventBridge schedule expressions (`mode.schedule` of periodic policies): `rate(value unit)`
//! and the six-field `cron(minutes hours day-of-month month day-of-week year)`, checked as
//! EventBridge checks them so a bad schedule fails `validate`, not a deployment.

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One cron field: its name, numeric range, names (1-based) and the special characters allowed.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// Allows `?`, `L`, `W` (day of month) or `?`, `L`, `#` (day of week).
    day: Option<DayField>,
}

#[derive(Clone, Copy, PartialEq)]
enum DayField {
    Month,
    Week,
}

const FIELDS: [Field; 6] = [
    Field {
        name: "minutes",
        min: 0,
        max: 59,
        names: &[],
        day: None,
    },
    Field {
        name: "hours",
        min: 0,
        max: 23,
        names: &[],
        day: None,
    },
    Field {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
        day: Some(DayField::Month),
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTHS,
        day: None,
    },
    Field {
        name: "day-of-week",
        min: 1,
        max: 7,
        names: &DAYS,
        day: Some(DayField::Week),
    },
    Field {
        name: "year",
        min: 1970,
        max: 2199,
        names: &[],
        day: None,
    },
];

/// Checks an EventBridge schedule expression; `Err` says what is wrong and how to write it.
pub fn check_schedule(expression: &str) -> Result<(), String> {
    let e = expression.trim();
    if let Some(body) = e.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
        return check_rate(body);
    }
    if let Some(body) = e.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')) {
        return check_cron(body);
    }
    Err(format!(
        "schedule '{expression}' is not an EventBridge schedule expression: use 'rate(1 hour)' or six-field 'cron(0 19 ? * MON-FRI *)'"
    ))
}

fn check_rate(body: &str) -> Result<(), String> {
    let parts: Vec<&str> = body.split_whitespace().collect();
    let [value, unit] = parts[..] else {
        return Err(format!("rate({body}) must be 'rate(VALUE UNIT)', e.g. 'rate(15 minutes)'"));
    };
    let n: u64 = value
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("rate value '{value}' must be a positive whole number"))?;
    let singular = match unit {
        "minute" | "minutes" => "minute",
        "hour" | "hours" => "hour",
        "day" | "days" => "day",
        other => return Err(format!("rate unit '{other}' must be minute(s), hour(s) or day(s)")),
    };
    let expected = if n == 1 { singular.to_string() } else { format!("{singular}s") };
    if unit != expected {
        return Err(format!(
            "EventBridge requires 'rate({n} {expected})' ('{unit}' is rejected for a value of {n})"
        ));
    }
    Ok(())
}

fn check_cron(body: &str) -> Result<(), String> {
    let fields: Vec<&str> = body.split_whitespace().collect();
    if fields.len() != 6 {
        let hint = if fields.len() == 5 {
            " (a five-field Unix cron needs the year, and '?' in day-of-month or day-of-week: e.g. 'cron(0 19 ? * MON-FRI *)')"
        } else {
            ""
        };
        return Err(format!(
            "cron({body}) has {} field{}; EventBridge cron has six: minutes hours day-of-month month day-of-week year{hint}",
            fields.len(),
            if fields.len() == 1 { "" } else { "s" }
        ));
    }
    for (text, field) in fields.iter().zip(&FIELDS) {
        check_field(text, field).map_err(|m| format!("cron {} field '{text}': {m}", field.name))?;
    }
    match (fields[2] == "?", fields[4] == "?") {
        (true, true) => Err("cron: only one of day-of-month and day-of-week may be '?'".into()),
        (false, false) => Err(format!(
            "cron: one of day-of-month ('{}') and day-of-week ('{}') must be '?', e.g. 'cron({} {} ? {} {} {})'",
            fields[2], fields[4], fields[0], fields[1], fields[3], fields[4], fields[5]
        )),
        _ => Ok(()),
    }
}

fn check_field(text: &str, field: &Field) -> Result<(), String> {
    if text == "?" {
        return match field.day {
            Some(_) => Ok(()),
            None => Err("'?' is only allowed in day-of-month and day-of-week".into()),
        };
    }
    for item in text.split(',') {
        check_item(item, field)?;
    }
    Ok(())
}

fn check_item(item: &str, field: &Field) -> Result<(), String> {
    if item.is_empty() {
        return Err("empty list item".into());
    }
    match field.day {
        Some(DayField::Month) if item == "L" || item == "LW" => return Ok(()),
        Some(DayField::Month) if item.ends_with('W') => {
            return value(&item[..item.len() - 1], field)
                .map(|_| ())
                .map_err(|m| format!("{m} before 'W'"));
        }
        Some(DayField::Week) if item == "L" => return Ok(()),
        Some(DayField::Week) if item.ends_with('L') => {
            return value(&item[..item.len() - 1], field)
                .map(|_| ())
                .map_err(|m| format!("{m} before 'L'"));
        }
        Some(DayField::Week) if item.contains('#') => {
            let (day, nth) = item.split_once('#').unwrap_or_default();
            value(day, field)?;
            return match nth.parse::<u32>() {
                Ok(1..=5) => Ok(()),
                _ => Err(format!("'#{nth}' must be #1 to #5 (the nth weekday of the month)")),
            };
        }
        _ => {}
    }
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (item, None),
    };
    if let Some(s) = step {
        match s.parse::<u32>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("step '/{s}' must be a positive whole number")),
        }
    }
    if range == "*" {
        return Ok(());
    }
    match range.split_once('-') {
        Some((a, b)) => {
            value(a, field)?;
            value(b, field)?;
            Ok(())
        }
        None => value(range, field).map(|_| ()),
    }
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    if let Some(i) = field.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(i as u32 + 1);
    }
    let names = if field.names.is_empty() {
        String::new()
    } else {
        format!(" or {}-{}", field.names[0], field.names[field.names.len() - 1])
    };
    match text.parse::<u32>() {
        Ok(n) if (field.min..=field.max).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' is not {}-{}{names}", field.min, field.max)),
    }
}

#[cfg(test)]
mod tests {
    use super::check_schedule;

    #[test]
    fn accepts_what_eventbridge_accepts() {
        for ok in [
            "rate(1 minute)",
            "rate(15 minutes)",
            "rate(1 hour)",
            "rate(12 hours)",
            "rate(1 day)",
            "rate(7 days)",
            "cron(0 * * * ? *)",
            "cron(0 19 ? * MON-FRI *)",
            "cron(0/15 8-18 ? * 2-6 *)",
            "cron(30 6 1 * ? *)",
            "cron(0 12 L * ? *)",
            "cron(0 12 15W * ? *)",
            "cron(0 9 ? * 6#3 *)",
            "cron(0 9 ? * FRIL 2026-2030)",
            "cron(0 9 ? JAN,jul * *)",
            "cron(5,35 14 ? * SUN,SAT 2027)",
        ] {
            assert_eq!(check_schedule(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_with_the_reason() {
        for (bad, message) in [
            ("every hour", "is not an EventBridge schedule expression"),
            ("rate(1 minutes)", "requires 'rate(1 minute)'"),
            ("rate(5 hour)", "requires 'rate(5 hours)'"),
            ("rate(0 minutes)", "must be a positive whole number"),
            ("rate(2 weeks)", "rate unit 'weeks' must be minute(s), hour(s) or day(s)"),
            ("rate(hour)", "must be 'rate(VALUE UNIT)'"),
            ("cron(0 19 * * 1-5)", "has 5 fields; EventBridge cron has six"),
            (
                "cron(0 19 * * MON-FRI *)",
                "one of day-of-month ('*') and day-of-week ('MON-FRI') must be '?', e.g. 'cron(0 19 ? * MON-FRI *)'",
            ),
            ("cron(0 19 ? * ? *)", "only one of day-of-month and day-of-week may be '?'"),
            ("cron(60 19 ? * MON *)", "cron minutes field '60': '60' is not 0-59"),
            ("cron(0 24 ? * MON *)", "cron hours field '24': '24' is not 0-23"),
            ("cron(0 1 ? * MOX *)", "cron day-of-week field 'MOX': 'MOX' is not 1-7 or SUN-SAT"),
            ("cron(0 1 ? 13 MON *)", "cron month field '13': '13' is not 1-12 or JAN-DEC"),
            ("cron(0 1 ? * 2#6 *)", "'#6' must be #1 to #5"),
            ("cron(0/0 1 ? * MON *)", "step '/0' must be a positive whole number"),
            (
                "cron(0 ? 1 * ? *)",
                "cron hours field '?': '?' is only allowed in day-of-month and day-of-week",
            ),
            ("cron(0 1 ? * MON 1969)", "'1969' is not 1970-2199"),
            ("cron(0 1,,2 ? * MON *)", "empty list item"),
        ] {
            let err = check_schedule(bad).expect_err(bad);
            assert!(err.contains(message), "{bad}: {err}");
        }
    }
}
