//! Validation results for CI: SARIF 2.1.0 (code scanning: a rule per kind of problem, file, line,
//! column, the help), GitHub workflow commands (`::error file=...,line=...,col=...::message`,
//! inline annotations in the pull request's diff) and plain JSON.

use crate::input::{Diagnostic, Severity};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The one-line text of a diagnostic: its message and, in parentheses, its help.
fn text(d: &Diagnostic) -> String {
    match &d.help {
        Some(h) => format!("{} ({h})", d.message),
        None => d.message.clone(),
    }
}

fn level(d: &Diagnostic) -> &'static str {
    match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A SARIF 2.1.0 log of `diagnostics`.
pub fn sarif(diagnostics: &[Diagnostic], version: &str) -> Value {
    let mut rules: BTreeMap<String, String> = BTreeMap::new();
    for d in diagnostics {
        rules.entry(d.rule_id()).or_insert_with(|| d.message.clone());
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let rule = d.rule_id();
            let mut physical = json!({"artifactLocation": {"uri": d.file}});
            if let Some(p) = d.pos {
                physical["region"] = json!({
                    "startLine": p.line.max(1),
                    "startColumn": p.col.max(1),
                    "endColumn": p.col.max(1) as usize + d.width.max(1),
                });
            }
            let mut r = json!({
                "ruleId": rule,
                "ruleIndex": index.get(rule.as_str()).copied().unwrap_or(0),
                "level": level(d),
                "message": {"text": text(d)},
                "locations": [{"physicalLocation": physical}],
            });
            if let Some(h) = &d.help {
                r["properties"] = json!({ "help": h });
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "custodian",
                "version": version,
                "rules": rules.iter().map(|(id, example)| json!({
                    "id": id,
                    "shortDescription": {"text": id.replace('-', " ")},
                    "fullDescription": {"text": format!("For example: {example}")},
                })).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

/// GitHub's escaping of a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One GitHub workflow command a line: `::error file=F,line=L,col=C,endColumn=E,title=...::message`.
pub fn github_annotations(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let mut props = vec![format!("file={}", escape_property(&d.file))];
        if let Some(p) = d.pos {
            props.push(format!("line={}", p.line));
            props.push(format!("col={}", p.col));
            props.push(format!("endColumn={}", p.col as usize + d.width.max(1)));
        }
        props.push(format!("title={}", escape_property(&format!("custodian {}", d.rule_id()))));
        out.push_str(&format!("::{} {}::{}\n", level(d), props.join(","), escape_data(&text(d))));
    }
    out
}

/// The diagnostics as a JSON list of `{severity, file, line, column, message, help, rule}`.
pub fn json_list(diagnostics: &[Diagnostic]) -> Value {
    Value::Array(
        diagnostics
            .iter()
            .map(|d| {
                json!({
                    "severity": level(d),
                    "file": d.file,
                    "line": d.pos.map(|p| p.line),
                    "column": d.pos.map(|p| p.col),
                    "message": d.message,
                    "help": d.help,
                    "rule": d.rule_id(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostics() -> Vec<Diagnostic> {
        let bad = "policies:\n  - name: a\n    resource: ec2\n    filters:\n      - type: instance-agee\n    mode:\n      type: periodic\n      schedule: rate(1 hour)\n      role: x\n";
        let mut d = crate::policy::load_text("policies/bad.yml", bad).unwrap_err();
        let warned = bad.replace("instance-agee", "value\n        key: InstanceType\n        value: m5.large");
        let p = crate::policy::load_text("policies/warned.yml", &warned).unwrap();
        d.extend(p[0].warnings.iter().cloned());
        d.push(Diagnostic::file(
            "policies/empty.yml",
            "empty policy file: expected a mapping with 'policies:'",
        ));
        d
    }

    #[test]
    fn sarif_is_valid_sarif_2_1_0() {
        // The schema's `language` patterns end in a stray ']', a literal in ECMA-262 regexes but
        // an error in Rust's; escaping it keeps their meaning and lets the schema compile.
        let text = include_str!("../../tests/data/sarif-schema-2.1.0.json");
        let stray = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
        assert_eq!(text.matches(stray).count(), 2);
        let schema: Value = serde_json::from_str(&text.replace(stray, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#)).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let log = sarif(&diagnostics(), "0.1.0");
        let problems: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(problems.is_empty(), "{problems:#?}\n{log:#}");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0]["ruleId"], "unknown-filter");
        assert_eq!(results[0]["level"], "error");
        assert_eq!(
            results[0]["message"]["text"],
            "unknown filter 'instance-agee' (did you mean 'instance-age'?)"
        );
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"],
            json!({"artifactLocation": {"uri": "policies/bad.yml"}, "region": {"startLine": 5, "startColumn": 15, "endColumn": 28}})
        );
        assert_eq!(results[1]["level"], "warning", "ignored mode keys are SARIF warnings");
        assert!(results[2]["locations"][0]["physicalLocation"].get("region").is_none());
        // The invalid-on-purpose check: the validator does reject a broken log.
        let mut broken = log.clone();
        broken["runs"][0]["results"][0]["level"] = json!("fatal");
        assert!(!validator.is_valid(&broken));
    }

    #[test]
    fn github_annotations_are_escaped_workflow_commands() {
        let out = github_annotations(&diagnostics());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=policies/bad.yml,line=5,col=15,endColumn=28,title=custodian unknown-filter::unknown filter 'instance-agee' (did you mean 'instance-age'?)"
        );
        assert!(
            lines[1].starts_with("::warning file=policies/warned.yml,line=11,col=7,"),
            "{}",
            lines[1]
        );
        assert_eq!(lines[2], "::error file=policies/empty.yml,title=custodian empty-policy-file-expected::empty policy file: expected a mapping with 'policies:'");
        let tricky = Diagnostic::file("a,b:c.yml", "100% wrong\nsecond line");
        assert_eq!(
            github_annotations(&[tricky]),
            "::error file=a%2Cb%3Ac.yml,title=custodian wrong-second-line::100%25 wrong%0Asecond line\n"
        );
    }
}
