//! Located, user-facing errors: `file:line:col: message`, the offending line, and a caret.

use std::fmt;

/// A position in a policy file (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column number.
    pub col: u32,
}

/// One error found in user input, pointing at the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it.
    pub file: String,
    /// Where in the file; `None` for errors about the file as a whole.
    pub pos: Option<Pos>,
    /// What is wrong, including a "did you mean" where one fits.
    pub message: String,
    /// The source line the error points at, when known.
    pub source_line: Option<String>,
    /// How many characters to underline.
    pub width: usize,
}

impl Diagnostic {
    /// An error about a whole file (unreadable, empty...).
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            pos: None,
            message: message.into(),
            source_line: None,
            width: 0,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.col, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
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

/// Formats " (did you mean 'x'?)" or nothing.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

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
            file: "p.yml".into(),
            pos: Some(Pos { line: 3, col: 9 }),
            message: "unknown filter 'tga' (did you mean 'tag'?)".into(),
            source_line: Some("      - type: tga".into()),
            width: 3,
        };
        let s = d.to_string();
        assert!(s.starts_with("p.yml:3:9: unknown filter 'tga'"), "{s}");
        assert!(s.contains(" 3 |       - type: tga\n   |         ^^^"), "{s}");
    }
}
