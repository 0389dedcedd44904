//! Cloud Custodian's off-hours tag language, reproduced exactly (`c7n/filters/offhours.py`):
//! `off=[(M-F,21),(U,18)];on=(M-F,7);tz=pt`, `off`, `on`, empty, `tz=`-only values, RDS escape
//! codes, c7n's quirks included (a space after `;` silently disables the following key).

use std::collections::BTreeMap;

/// Which transition a filter looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// `offhour`: stop.
    Off,
    /// `onhour`: start.
    On,
}

impl Transition {
    /// `off` / `on`, the tag key.
    pub fn key(self) -> &'static str {
        match self {
            Transition::Off => "off",
            Transition::On => "on",
        }
    }
}

/// One `(days, hour)` rule; days are 0 = Monday ... 6 = Sunday, as Python's `weekday()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Days of the week.
    pub days: Vec<u8>,
    /// Local hour, 0-23.
    pub hour: u8,
}

/// What a resource's schedule tag says for one transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagOutcome {
    /// The value is `off`: the resource opted out.
    OptedOut,
    /// Use these rules (possibly none: never matches) in this zone name (alias or IANA, unresolved).
    Rules {
        /// The rules for the transition.
        rules: Vec<Rule>,
        /// Zone name from the tag, or `None` for the policy default.
        tz: Option<String>,
        /// True when the rules are the policy's defaults (the tag did not set this transition).
        defaults: bool,
    },
    /// The value does not parse (c7n logs it and records it in `parse_errors.json`).
    Invalid(String),
}

const ESCAPES: &[(&str, &str)] = &[
    ("u28", "("),
    ("u29", ")"),
    ("u5b", "["),
    ("u5d", "]"),
    ("u2c", ","),
    ("u3b", ";"),
    ("u3d", "="),
    ("u2f", "/"),
    ("u2d", "-"),
];

/// c7n's value normalization: lowercase, RDS escape codes decoded, surrounding quotes stripped.
pub fn normalize(raw: &str) -> String {
    let mut v = raw.to_lowercase();
    for (code, ch) in ESCAPES {
        v = v.replace(code, ch);
    }
    v.trim_matches('\'').trim_matches('"').to_string()
}

/// c7n's `raw_data`: pieces split on spaces and `;`; only `key=value` pieces count.
fn raw_data(value: &str) -> BTreeMap<String, String> {
    let mut data = BTreeMap::new();
    for piece in value.split(' ').flat_map(|p| p.split(';')) {
        let kv: Vec<&str> = piece.split('=').collect();
        if kv.len() == 2 {
            data.insert(kv[0].to_string(), kv[1].to_string());
        }
    }
    data
}

fn keys_are_valid(value: &str) -> bool {
    raw_data(value).keys().all(|k| matches!(k.as_str(), "on" | "off" | "tz"))
}

/// c7n's `parse`: `;`-separated `key=value` pieces, keys taken as written (a leading space
/// included: the quirk that makes `off=(m-f,19); on=(m-f,7)` lose its `on`).
fn parse(value: &str) -> Result<BTreeMap<String, ParsedValue>, String> {
    if !keys_are_valid(value) {
        let bad: Vec<String> = raw_data(value)
            .into_keys()
            .filter(|k| !matches!(k.as_str(), "on" | "off" | "tz"))
            .collect();
        return Err(format!("unknown key '{}' (keys: off, on, tz)", bad.join("', '")));
    }
    let mut schedule = BTreeMap::new();
    for piece in value.split(';') {
        let kv: Vec<&str> = piece.split('=').collect();
        if kv.len() != 2 {
            return Err(format!("'{piece}' is not key=value"));
        }
        let parsed = if kv[0] == "tz" {
            ParsedValue::Tz(kv[1].to_string())
        } else {
            ParsedValue::Rules(parse_rules(kv[1])?)
        };
        schedule.insert(kv[0].to_string(), parsed);
    }
    Ok(schedule)
}

enum ParsedValue {
    Rules(Vec<Rule>),
    Tz(String),
}

/// c7n's `parse_resource_schedule`: `(days,hour)` or `[(days,hour),(days,hour)]`.
pub fn parse_rules(lexeme: &str) -> Result<Vec<Rule>, String> {
    let unbracketed: String = lexeme.chars().filter(|c| *c != '[' && *c != ']').collect();
    let mut rules = Vec::new();
    for expr in unbracketed.split(",(") {
        let inner: String = expr.chars().filter(|c| *c != '(' && *c != ')').collect();
        let tokens: Vec<&str> = inner.split(',').collect();
        if tokens.len() != 2 {
            return Err(format!("'{lexeme}': each rule is (days,hour)"));
        }
        if tokens[1].is_empty() || !tokens[1].chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("'{lexeme}': hour '{}' is not a number", tokens[1]));
        }
        let hour: u32 = tokens[1].parse().map_err(|_| format!("'{lexeme}': bad hour"))?;
        if hour > 23 {
            return Err(format!("'{lexeme}': hour {hour} is not 0-23"));
        }
        let days = expand_days(tokens[0]).ok_or_else(|| format!("'{lexeme}': days '{}' are not m t w h f s u or a range", tokens[0]))?;
        rules.push(Rule { days, hour: hour as u8 });
    }
    Ok(rules)
}

fn day(c: &str) -> Option<u8> {
    ["m", "t", "w", "h", "f", "s", "u"].iter().position(|d| *d == c).map(|p| p as u8)
}

/// c7n's `expand_day_range`: one day, or a range with wrap-around (`f-m` = Fri, Sat, Sun, Mon).
pub fn expand_days(days: &str) -> Option<Vec<u8>> {
    if let Some(d) = day(days) {
        return Some(vec![d]);
    }
    let range: Vec<u8> = days.split('-').filter_map(day).collect();
    if range.len() != 2 {
        return None;
    }
    let (a, b) = (range[0], range[1]);
    Some(if a > b { (a..7).chain(0..=b).collect() } else { (a..=b).collect() })
}

/// What a normalized tag value means for `transition`, c7n's `process_resource_schedule`.
pub fn resolve(value: &str, transition: Transition) -> TagOutcome {
    if value == "off" {
        return TagOutcome::OptedOut;
    }
    let value: String = value.split(';').filter(|p| !p.is_empty()).collect::<Vec<_>>().join(";");
    let raw = raw_data(&value);
    if raw.contains_key(transition.key()) {
        match parse(&value) {
            Ok(schedule) => {
                let rules = match schedule.get(transition.key()) {
                    Some(ParsedValue::Rules(r)) => r.clone(),
                    _ => Vec::new(),
                };
                let tz = match schedule.get("tz") {
                    Some(ParsedValue::Tz(t)) if !t.is_empty() => Some(t.clone()),
                    _ => None,
                };
                TagOutcome::Rules {
                    rules,
                    tz,
                    defaults: false,
                }
            }
            Err(e) => TagOutcome::Invalid(e),
        }
    } else if keys_are_valid(&value) {
        let tz = raw.get("tz").filter(|t| !t.is_empty()).cloned();
        TagOutcome::Rules {
            rules: Vec::new(),
            tz,
            defaults: true,
        }
    } else {
        match parse(&value) {
            Err(e) => TagOutcome::Invalid(e),
            Ok(_) => TagOutcome::Invalid("invalid schedule".into()),
        }
    }
}

/// Problems in a schedule tag that c7n accepts silently or rejects without saying why: reported
/// by `validate` for policy-level schedules and in a run's report for tags found on resources.
pub fn lint(raw: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let v = normalize(raw);
    if v == "off" || v.is_empty() || v == "on" {
        return problems;
    }
    if v.contains("; ") || v.contains(" ;") {
        problems.push("a space next to ';' makes the key after it unreadable to Cloud Custodian (e.g. the 'on' in 'off=(m-f,19); on=(m-f,7)' is ignored)".into());
    }
    for piece in v.split(';').map(str::trim) {
        if piece.contains('=') && piece.split('=').count() != 2 {
            problems.push(format!("'{piece}' is not key=value, so Cloud Custodian ignores it"));
        }
    }
    if v.contains("= ") || v.contains(" =") {
        problems.push("a space next to '=' splits the key from its value".into());
    }
    for (key, val) in raw_data(&v.replace("; ", ";")) {
        match key.trim() {
            "off" | "on" => {
                if let Err(e) = parse_rules(&val) {
                    problems.push(e);
                }
            }
            "tz" => {
                if !val.is_empty() && crate::time::resolve_tz(&val).is_none() {
                    problems.push(format!("unknown time zone '{val}'"));
                }
            }
            other => problems.push(format!("unknown key '{other}' (keys: off, on, tz)")),
        }
    }
    if v.contains("24)") {
        problems.push("hour 24 does not exist: use 0 (midnight) with the next day".into());
    }
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(v: &str, t: Transition) -> TagOutcome {
        resolve(&normalize(v), t)
    }

    fn r(days: &[u8], hour: u8) -> Rule {
        Rule { days: days.to_vec(), hour }
    }

    #[test]
    fn tag_language_table() {
        use TagOutcome::*;
        use Transition::*;
        let cases: Vec<(&str, Transition, TagOutcome)> = vec![
            (
                "off=(M-F,19);on=(M-F,7)",
                Off,
                Rules {
                    rules: vec![r(&[0, 1, 2, 3, 4], 19)],
                    tz: None,
                    defaults: false,
                },
            ),
            (
                "off=(M-F,19);on=(M-F,7)",
                On,
                Rules {
                    rules: vec![r(&[0, 1, 2, 3, 4], 7)],
                    tz: None,
                    defaults: false,
                },
            ),
            (
                "off=[(M-F,21),(U,18)];on=[(M-F,6),(U,10)];tz=pt",
                Off,
                Rules {
                    rules: vec![r(&[0, 1, 2, 3, 4], 21), r(&[6], 18)],
                    tz: Some("pt".into()),
                    defaults: false,
                },
            ),
            (
                "off=(S-M,1)",
                Off,
                Rules {
                    rules: vec![r(&[5, 6, 0], 1)],
                    tz: None,
                    defaults: false,
                },
            ),
            (
                "off=(F-M,23)",
                Off,
                Rules {
                    rules: vec![r(&[4, 5, 6, 0], 23)],
                    tz: None,
                    defaults: false,
                },
            ),
            (
                "off=(H,0)",
                Off,
                Rules {
                    rules: vec![r(&[3], 0)],
                    tz: None,
                    defaults: false,
                },
            ),
            // The tag sets only 'off': an onhour filter falls back to the policy default.
            (
                "off=(M-F,19)",
                On,
                Rules {
                    rules: vec![],
                    tz: None,
                    defaults: true,
                },
            ),
            (
                "off=(M-F,19);tz=Asia/Kolkata",
                On,
                Rules {
                    rules: vec![],
                    tz: Some("asia/kolkata".into()),
                    defaults: true,
                },
            ),
            (
                "",
                Off,
                Rules {
                    rules: vec![],
                    tz: None,
                    defaults: true,
                },
            ),
            (
                "on",
                Off,
                Rules {
                    rules: vec![],
                    tz: None,
                    defaults: true,
                },
            ),
            (
                "tz=et",
                On,
                Rules {
                    rules: vec![],
                    tz: Some("et".into()),
                    defaults: true,
                },
            ),
            (
                "Offhours tz=PT",
                Off,
                Rules {
                    rules: vec![],
                    tz: Some("pt".into()),
                    defaults: true,
                },
            ),
            ("off", On, OptedOut),
            ("OFF", Off, OptedOut),
            (
                "\"off=(M-F,19)\"",
                Off,
                Rules {
                    rules: vec![r(&[0, 1, 2, 3, 4], 19)],
                    tz: None,
                    defaults: false,
                },
            ),
            (
                "off=(M-F,19);",
                Off,
                Rules {
                    rules: vec![r(&[0, 1, 2, 3, 4], 19)],
                    tz: None,
                    defaults: false,
                },
            ),
            // RDS escape codes.
            (
                "off=u28m-f,19u29;on=u28m-f,7u29",
                Off,
                Rules {
                    rules: vec![r(&[0, 1, 2, 3, 4], 19)],
                    tz: None,
                    defaults: false,
                },
            ),
            // c7n's quirk: the space after ';' turns 'on' into ' on', which nothing reads.
            (
                "off=(M-F,19); on=(M-F,7)",
                On,
                Rules {
                    rules: vec![],
                    tz: None,
                    defaults: false,
                },
            ),
            (
                "off=(M-F,19); on=(M-F,7)",
                Off,
                Rules {
                    rules: vec![r(&[0, 1, 2, 3, 4], 19)],
                    tz: None,
                    defaults: false,
                },
            ),
        ];
        for (value, t, want) in cases {
            assert_eq!(rules(value, t), want, "{value} {t:?}");
        }
    }

    #[test]
    fn malformed_values_are_invalid() {
        for v in [
            "off=(M-F,24)",
            "off=(M-F)",
            "off=(X,19)",
            "off=(Mon-Fri,19)",
            "off=(M-F,seven)",
            "zebra=blue",
            "off=(M-F,19);zebra=blue",
            "off=(M-F,-1)",
        ] {
            assert!(
                matches!(rules(v, Transition::Off), TagOutcome::Invalid(_)),
                "{v}: {:?}",
                rules(v, Transition::Off)
            );
        }
    }

    #[test]
    fn lint_finds_what_c7n_hides() {
        assert!(lint("off=(M-F,19); on=(M-F,7)")[0].contains("space next to ';'"));
        assert!(lint("off=(M-F,24);on=(M-F,7)").iter().any(|p| p.contains("hour 24")));
        assert!(lint("off=(M-F,19);tz=Mars/Base")
            .iter()
            .any(|p| p.contains("unknown time zone 'mars/base'")));
        assert!(lint("off=(M-F,19);color=red").iter().any(|p| p.contains("unknown key 'color'")));
        assert!(lint("off=(M-F,19);on=(M-F,7);tz=pt").is_empty());
        assert!(lint("off").is_empty());
        // c7n silently applies the defaults to this one; the lint says why it is wrong.
        assert_eq!(
            rules("off==(M-F,19)", Transition::Off),
            TagOutcome::Rules {
                rules: vec![],
                tz: None,
                defaults: true
            }
        );
        assert!(lint("off==(M-F,19)")[0].contains("not key=value"));
    }
}
