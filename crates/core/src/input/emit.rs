//! Writing YAML: block style, every string JSON-quoted (a JSON string is a YAML string, so ids
//! stay strings and no value is read back as a boolean or a number), mapping keys in a fixed order.

use serde_json::Value;

/// Keys written before the others, in this order.
const FIRST: &[&str] = &["apiVersion", "kind", "metadata", "name"];

/// `value` as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    emit(value, 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

fn key(k: &str) -> String {
    let plain = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) && !k.starts_with(['-', '.', '/']);
    if plain {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Array(a) if !a.is_empty()) || matches!(v, Value::Object(m) if !m.is_empty())
}

fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            // Kubernetes' and Kustomize's customary keys first, then the rest by name: the
            // same text whether or not serde_json keeps insertion order (a feature another
            // crate of the build may turn on).
            let rank = |k: &str| FIRST.iter().position(|f| *f == k).unwrap_or(FIRST.len());
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
            for (k, child) in entries {
                if is_block(child) {
                    out.push_str(&format!("{pad}{}:\n", key(k)));
                    emit(child, indent + 2, out);
                } else {
                    out.push_str(&format!("{pad}{}: {}\n", key(k), scalar(child)));
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for item in a {
                if is_block(item) {
                    // The item's first line shares the dash.
                    let mut inner = String::new();
                    emit(item, indent + 2, &mut inner);
                    let trimmed = inner.get(indent + 2..).unwrap_or_default();
                    out.push_str(&format!("{pad}- {trimmed}"));
                } else {
                    out.push_str(&format!("{pad}- {}\n", scalar(item)));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_is_written_reads_back_the_same() {
        let v = json!({
            "apiVersion": "batch/v1",
            "metadata": {"name": "x", "annotations": {"argocd.argoproj.io/hook": "PreSync"}, "labels": {}},
            "spec": {"n": 0, "yes": "true", "id": "012345678901", "args": ["run", "-p", "a b"], "empty": [],
                     "items": [{"name": "a", "value": "1"}, {"name": "b", "nested": {"k": [1, 2]}}, [1, 2]]},
            "odd key: x": null
        });
        let text = to_yaml(&v);
        let back = crate::input::parse(&text).unwrap().to_json();
        assert_eq!(back, v, "{text}");
        assert!(text.contains("  id: \"012345678901\"\n"), "{text}");
    }
}
