//! What outputs (errors, logs, `metadata.json`, notification messages) may show of a policy's
//! text: `value_from` URLs without credentials or query, and its headers hidden.

use serde_json::Value;

/// A URL as errors, logs and outputs may show it: without credentials (`user:pass@`) and
/// without its query (which may hold a token).
pub fn redact_url(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    match without_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map(|(a, p)| (a, Some(p))).unwrap_or((rest, None));
            let host = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
            match path {
                Some(p) => format!("{scheme}://{host}/{p}"),
                None => format!("{scheme}://{host}"),
            }
        }
        None => without_query.to_string(),
    }
}

/// A policy as outputs show it (`metadata.json`, notification messages): every `value_from`
/// with its URL redacted ([`redact_url`]) and its header values hidden, since a header may
/// carry a token (`Authorization`).
pub fn redact_policy(data: &Value) -> Value {
    match data {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("value_from", Value::Object(vf)) => {
                            let mut vf = vf.clone();
                            if let Some(Value::String(url)) = vf.get("url") {
                                let url = redact_url(url);
                                vf.insert("url".into(), Value::String(url));
                            }
                            if let Some(Value::Object(h)) = vf.get_mut("headers") {
                                for value in h.values_mut() {
                                    *value = Value::String("<redacted>".into());
                                }
                            }
                            Value::Object(vf)
                        }
                        _ => redact_policy(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_policy).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_value_from_never_reach_outputs() {
        let policy = serde_json::json!({"filters": [{"type": "value", "value_from": {
            "url": "https://u:p@example.com/a?t=1", "headers": {"Authorization": "Bearer secret"}}}]});
        let shown = redact_policy(&policy).to_string();
        assert!(
            !shown.contains("secret") && !shown.contains("u:p") && !shown.contains("t=1"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
