//! Located, user-facing diagnostics: `file:line:col: message`, the offending line, a caret, and
//! the help (what to write instead) as a field of its own.

use std::fmt;

/// A position in a policy file (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column number.
    pub col: u32,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The input is refused: nothing runs.
    Error,
    /// Accepted, but worth knowing (a Cloud Custodian key that has no effect here).
    Warning,
}

/// One problem found in user input, pointing at the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file as the user named it.
    pub file: String,
    /// Where in the file; `None` for problems with the file as a whole.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
    /// What to write instead ("did you mean 'tag'?", "allowed: type, tags"), when known.
    pub help: Option<String>,
    /// The source line the error points at, when known.
    pub source_line: Option<String>,
    /// How many characters to underline.
    pub width: usize,
}

impl Diagnostic {
    /// An error about a whole file (unreadable, empty...).
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            file: file.to_string(),
            pos: None,
            message: message.into(),
            help: None,
            source_line: None,
            width: 0,
        }
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// A stable id of the kind of problem, for SARIF rules: the message's leading words with
    /// the quoted parts (names, values) left out, e.g. `unknown-filter`, `policy-key-is-not-supported`.
    pub fn rule_id(&self) -> String {
        let mut words = Vec::new();
        let mut quoted = false;
        for part in self.message.split('\'') {
            if !quoted {
                words.extend(
                    part.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                        .filter(|w| !w.is_empty() && w.chars().any(|c| c.is_ascii_alphabetic()))
                        .map(str::to_lowercase),
                );
            }
            quoted = !quoted;
            if words.len() >= 4 {
                break;
            }
        }
        words.truncate(4);
        if words.is_empty() {
            "invalid-input".to_string()
        } else {
            words.join("-")
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        match self.pos {
            Some(p) => write!(f, "{}:{}:{}: {level}{}", self.file, p.line, p.col, self.message)?,
            None => write!(f, "{}: {level}{}", self.file, self.message)?,
        }
        // The one-line form keeps the help in parentheses, so each problem is one greppable line.
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        if let (Some(p), Some(line)) = (self.pos, &self.source_line) {
            let gutter = p.line.to_string();
            let pad = " ".repeat(gutter.len());
            let indent: String = line
                .chars()
                .take((p.col as usize).saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n {pad} |\n {gutter} | {line}\n {pad} | {indent}{}",
                "^".repeat(self.width.max(1))
            )?;
            if let Some(help) = &self.help {
                write!(f, "\n {pad} = help: {help}")?;
            }
        }
        Ok(())
    }
}

/// Suggests the closest of `candidates` to `word`, if one is close enough to be a likely typo:
/// a small case-insensitive edit distance (transpositions count once), or a high Jaro-Winkler
/// similarity (which favours a shared prefix: `policy` -> `policies`, `greater` -> `greater-than`).
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let limit = 1 + lower.chars().count() / 4;
    candidates
        .into_iter()
        .filter_map(|c| {
            let cl = c.to_lowercase();
            let distance = strsim::osa_distance(&lower, &cl);
            let similarity = strsim::jaro_winkler(&lower, &cl);
            let close = distance <= limit || (similarity >= 0.88 && lower.chars().count() >= 4);
            close.then_some((distance, -similarity, c))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, c)| c)
}

/// The help for a misspelt name: "did you mean 'x'?" when a candidate is close enough.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean(word, candidates).map(|s| format!("did you mean '{s}'?"))
}

/// The help for an unknown name: a suggestion when one is close, else `fallback` (a list of
/// what exists, say), else nothing. The one hint builder every "unknown ..." error uses.
pub fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>, fallback: impl FnOnce() -> Option<String>) -> Option<String> {
    suggest(word, candidates).or_else(fallback)
}

/// Formats " (did you mean 'x'?)" or nothing, for messages that are not diagnostics (flags).
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(word, candidates).map(|s| format!(" ({s})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_name_the_kind_of_problem_not_the_values() {
        let d = |m: &str| Diagnostic {
            message: m.into(),
            ..Diagnostic::file("f", "")
        };
        assert_eq!(d("unknown filter 'tga'").rule_id(), "unknown-filter");
        assert_eq!(d("unknown filter 'zzz'").rule_id(), "unknown-filter");
        assert_eq!(d("policy key 'query' is not supported by custodian").rule_id(), "policy-key-is-not");
        assert_eq!(d("'value_from' is not supported by custodian").rule_id(), "is-not-supported-by");
        assert_eq!(d("invalid YAML: did not find expected key").rule_id(), "invalid-yaml-did-not");
    }

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(did_you_mean("tga", ["tag", "stop", "value"]), Some("tag"));
        assert_eq!(did_you_mean("filter", ["filters", "actions"]), Some("filters"));
        assert_eq!(did_you_mean("zzzz", ["tag", "stop"]), None);
        assert_eq!(did_you_mean("policy", ["policies", "vars"]), Some("policies"));
        assert_eq!(did_you_mean("greater", ["gt", "greater-than", "ge"]), Some("greater-than"));
        assert_eq!(did_you_mean("instanceid", ["InstanceId", "ImageId"]), Some("InstanceId"));
        assert_eq!(did_you_mean("State.Nmae", ["State.Name"]), Some("State.Name"));
    }

    #[test]
    fn renders_location_line_and_caret() {
        let d = Diagnostic {
            severity: Severity::Error,
            file: "p.yml".into(),
            pos: Some(Pos { line: 3, col: 9 }),
            message: "unknown filter 'tga'".into(),
            help: Some("did you mean 'tag'?".into()),
            source_line: Some("      - type: tga".into()),
            width: 3,
        };
        let s = d.to_string();
        assert!(s.starts_with("p.yml:3:9: unknown filter 'tga' (did you mean 'tag'?)\n"), "{s}");
        assert!(
            s.contains(" 3 |       - type: tga\n   |         ^^^\n   = help: did you mean 'tag'?"),
            "{s}"
        );
        let w = Diagnostic {
            severity: Severity::Warning,
            help: None,
            ..d
        };
        assert!(w.to_string().starts_with("p.yml:3:9: warning: unknown filter 'tga'\n"), "{w}");
    }
}
