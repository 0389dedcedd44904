//! Loading: files and directories (recursively `*.yml` / `*.yaml`) into validated policies,
//! with every error from every file reported at once.

use super::model::Policy;
use super::validate;
use super::vars::Variables;
use crate::input::{yaml, Checker, Diagnostic, Includes, Node, NodeValue, Pos, Severity};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Expands paths into policy files: files as given, directories searched recursively for
/// `*.yml` / `*.yaml` (hidden entries skipped), in a stable order.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            walk(path, &mut files, &mut errors);
            if files.len() == before {
                errors.push(Diagnostic::file(
                    &path.display().to_string(),
                    "no policy files (*.yml, *.yaml) in this directory",
                ));
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            errors.push(Diagnostic::file(&path.display().to_string(), "no such file or directory"));
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<Diagnostic>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            errors.push(Diagnostic::file(&dir.display().to_string(), format!("cannot read directory: {e}")));
            return;
        }
    };
    entries.sort();
    for p in entries {
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, files, errors);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
            files.push(p);
        }
    }
}

/// Parses and validates one file's text (no file I/O: a `holidays-file` it names is an error).
pub fn load_text(file: &str, text: &str) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    load_text_with(file, text, Includes::new(), None)
}

/// Parses and validates one file's text, with the files it names already read and, for an
/// account and region of an organization run, its variables expanded first.
fn load_text_with(file: &str, text: &str, includes: Includes, vars: Option<&Variables>) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    let mut c = Checker::new(file, text).with_includes(includes);
    let mut root = match yaml::parse(text) {
        Ok(root) => root,
        Err(e) => {
            match e.pos {
                Some(pos) => c.error(pos, 1, format!("invalid YAML: {}", e.message)),
                None => c.diagnostics.push(Diagnostic::file(file, format!("invalid YAML: {}", e.message))),
            }
            return Err(c.diagnostics);
        }
    };
    if let Some(v) = vars {
        v.expand(&mut root);
    }
    let policies = validate::file(&mut c, &root);
    if c.errors() == 0 {
        Ok(policies)
    } else {
        Err(c.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect())
    }
}

/// Reads the files a policy file names (`holidays-file`, and the `file:` URLs of `value_from`
/// and `skip-days-from`, relative to the policy file), so validation itself does no I/O.
fn read_includes(file: &std::path::Path, text: &str) -> Includes {
    let mut names = Vec::new();
    if !text.contains("holidays-file") && !text.contains("file:") {
        return Includes::new();
    }
    if let Ok(root) = yaml::parse(text) {
        collect_includes(&root, &mut names);
    }
    let dir = file.parent().unwrap_or(Path::new("."));
    names
        .into_iter()
        .map(|(name, rel, what)| {
            let path = dir.join(&rel);
            let shown = path.display().to_string();
            let read = std::fs::read_to_string(&path)
                .map(|t| (shown.clone(), t))
                .map_err(|e| format!("cannot read {what} {shown}: {e}"));
            (name, read)
        })
        .collect()
}

/// The files a policy names: (the name as written, its path, what it is).
fn collect_includes(node: &Node, out: &mut Vec<(String, String, &'static str)>) {
    match &node.value {
        NodeValue::Map(entries) => {
            for (k, v) in entries {
                match (k.name.as_str(), v.as_str()) {
                    ("holidays-file", Some(rel)) => out.push((rel.to_string(), rel.to_string(), "holidays file")),
                    ("value_from" | "skip-days-from", None) => {
                        let url = match &v.value {
                            NodeValue::Map(e) => crate::input::get(e, "url").and_then(|u| u.as_str()),
                            _ => None,
                        };
                        if let Some((url, path)) = url.and_then(|u| Some((u, crate::filter::values_from::file_path(u)?))) {
                            out.push((url.to_string(), path.to_string(), "value_from file"));
                        }
                    }
                    _ => collect_includes(v, out),
                }
            }
        }
        NodeValue::Seq(items) => items.iter().for_each(|i| collect_includes(i, out)),
        NodeValue::Null | NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Str(_) => {}
    }
}

/// Loads every policy from `paths`, rejecting duplicate names across the whole set.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    PolicyFiles::read(paths)?.load(None)
}

/// The largest policy file read (4 MiB): a larger one is refused before it is parsed.
pub const MAX_POLICY_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// One policy file's text: refused over [`MAX_POLICY_FILE_BYTES`], and located at the first
/// byte that is not UTF-8.
fn read_policy_file(file: &Path) -> Result<String, Diagnostic> {
    let name = file.display().to_string();
    let too_big = |size: u64| {
        Diagnostic::file(
            &name,
            format!("{size} bytes: over the {MAX_POLICY_FILE_BYTES}-byte (4 MiB) limit for a policy file; split it into several files"),
        )
    };
    match std::fs::metadata(file) {
        Ok(m) if m.len() > MAX_POLICY_FILE_BYTES => return Err(too_big(m.len())),
        Ok(_) => {}
        Err(e) => return Err(Diagnostic::file(&name, format!("cannot read file: {e}"))),
    }
    let mut bytes = Vec::new();
    use std::io::Read;
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_POLICY_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| Diagnostic::file(&name, format!("cannot read file: {e}")))?;
    if bytes.len() as u64 > MAX_POLICY_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() as u32 + 1;
        let line_start = good.iter().rposition(|b| *b == b'\n').map(|i| i + 1).unwrap_or(0);
        let col = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
        let bad = e.as_bytes()[good.len()];
        Diagnostic {
            severity: Severity::Error,
            help: Some("save the file as UTF-8".into()),
            file: name.clone(),
            pos: Some(Pos { line, col }),
            message: format!("not UTF-8: byte 0x{bad:02x} is not valid here"),
            source_line: None,
            width: 1,
        }
    })
}

/// Policy files read once (with the files they name), to be validated once, or once per
/// account and region with that pair's variables.
#[derive(Debug, Clone)]
pub struct PolicyFiles {
    files: Vec<(String, String, Includes)>,
}

impl PolicyFiles {
    /// Reads the policy files under `paths`; every unreadable file is an error.
    pub fn read(paths: &[PathBuf]) -> Result<PolicyFiles, Vec<Diagnostic>> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for file in collect_files(paths)? {
            let name = file.display().to_string();
            match read_policy_file(&file) {
                Ok(text) => {
                    let includes = read_includes(&file, &text);
                    files.push((name, text, includes));
                }
                Err(d) => errors.push(d),
            }
        }
        if errors.is_empty() {
            Ok(PolicyFiles { files })
        } else {
            Err(errors)
        }
    }

    /// Policy files already read (bundled into a binary, or written by a test); such files
    /// name no other files.
    pub fn from_texts(files: Vec<(String, String)>) -> PolicyFiles {
        PolicyFiles {
            files: files.into_iter().map(|(n, t)| (n, t, Includes::new())).collect(),
        }
    }

    /// Whether any file uses a `{...}` field, so that variables may change its policies.
    pub fn uses_variables(&self) -> bool {
        self.files.iter().any(|(_, text, _)| text.contains('{'))
    }

    /// Validates every policy, with `vars` expanded first when given.
    pub fn load(&self, vars: Option<&Variables>) -> Result<Vec<Policy>, Vec<Diagnostic>> {
        load_all(self.files.iter().map(|(n, t, i)| (n.as_str(), t.as_str(), i.clone())), vars)
    }
}

/// Loads every policy from `(file name, text)` pairs (files already read, or bundled into a
/// binary), rejecting duplicate names across the whole set.
pub fn load_texts<S: AsRef<str>, T: AsRef<str>>(files: &[(S, T)]) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    load_all(files.iter().map(|(n, t)| (n.as_ref(), t.as_ref(), Includes::new())), None)
}

/// Validates every file, then rejects duplicate names across the whole set.
fn load_all<'t>(
    files: impl Iterator<Item = (&'t str, &'t str, Includes)>,
    vars: Option<&Variables>,
) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    let files: Vec<_> = files.collect();
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    for (name, text, includes) in &files {
        match load_text_with(name, text, includes.clone(), vars) {
            Ok(mut p) => policies.append(&mut p),
            Err(mut e) => errors.append(&mut e),
        }
    }
    let mut seen: HashMap<&str, &Policy> = HashMap::new();
    for p in &policies {
        if let Some(first) = seen.get(p.name.as_str()) {
            let text = files
                .iter()
                .find(|(name, _, _)| *name == p.source.file)
                .map(|(_, t, _)| *t)
                .unwrap_or_default();
            let line = text
                .lines()
                .nth((p.source.line as usize).saturating_sub(1))
                .unwrap_or("")
                .to_string();
            let col = line.find(&p.name).map(|c| c as u32 + 1).unwrap_or(1);
            errors.push(Diagnostic {
                severity: Severity::Error,
                help: None,
                file: p.source.file.clone(),
                pos: Some(Pos { line: p.source.line, col }),
                message: format!(
                    "duplicate policy name '{}' (first defined at {}:{})",
                    p.name, first.source.file, first.source.line
                ),
                source_line: Some(line),
                width: p.name.len(),
            });
        } else {
            seen.insert(&p.name, p);
        }
    }
    if errors.is_empty() {
        Ok(policies)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_file_that_is_not_utf8_is_located_at_its_first_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.yml");
        std::fs::write(&f, b"policies:\n  - name: p\n    description: caf\xe9 au lait\n").unwrap();
        let e = load(std::slice::from_ref(&f)).unwrap_err();
        let text = e[0].to_string();
        assert!(text.contains("p.yml:3:21: not UTF-8: byte 0xe9"), "{text}");
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_before_it_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big.yml");
        let line = "# padding padding padding padding padding padding padding padding padding\n";
        std::fs::write(&f, line.repeat((MAX_POLICY_FILE_BYTES as usize / line.len()) + 2)).unwrap();
        let text = load(&[f]).unwrap_err()[0].to_string();
        assert!(text.contains("over the 4194304-byte (4 MiB) limit for a policy file"), "{text}");
    }

    use super::*;
    use crate::filter::Filter;

    #[test]
    fn the_loader_reads_holidays_files_so_validation_does_no_io() {
        let dir = tempfile::tempdir().unwrap();
        let policy = "policies:\n  - name: off\n    resource: ec2\n    filters:\n      - type: offhour\n        holidays-file: days.txt\n";
        std::fs::write(dir.path().join("p.yml"), policy).unwrap();
        std::fs::write(dir.path().join("days.txt"), "# company days\n2026-12-24\n12-31\n").unwrap();
        let loaded = load(&[dir.path().join("p.yml")]).unwrap();
        let Filter::OffHours(o) = &loaded[0].filters[0] else {
            panic!("not an offhour filter")
        };
        assert!(o.holidays.contains(jiff::civil::date(2026, 12, 24)));
        assert!(o.holidays.contains(jiff::civil::date(2027, 12, 31)));
        // The same text without the loader: nothing is read, and it says so.
        let e = load_text("p.yml", policy).unwrap_err();
        assert!(e[0].message.contains("holidays file 'days.txt' was not loaded"), "{}", e[0]);
        std::fs::write(dir.path().join("days.txt"), "2026-13-40\n").unwrap();
        let e = load(&[dir.path().join("p.yml")]).unwrap_err();
        assert!(e[0].message.contains("days.txt:1:"), "{}", e[0]);
        std::fs::remove_file(dir.path().join("days.txt")).unwrap();
        let e = load(&[dir.path().join("p.yml")]).unwrap_err();
        assert!(e[0].message.starts_with("cannot read holidays file"), "{}", e[0]);
    }

    #[test]
    fn value_from_files_are_read_by_the_loader_and_checked_at_validation() {
        let dir = tempfile::tempdir().unwrap();
        let policy = "policies:\n  - name: approved\n    resource: ec2\n    filters:\n      - type: value\n        key: ImageId\n        op: not-in\n        value_from:\n          url: file:amis.json\n          expr: '[].id'\n      - type: offhour\n        skip-days-from:\n          url: file:holidays.txt\n";
        std::fs::write(dir.path().join("p.yml"), policy).unwrap();
        std::fs::write(dir.path().join("amis.json"), r#"[{"id": "ami-1"}, {"id": "ami-2"}]"#).unwrap();
        std::fs::write(dir.path().join("holidays.txt"), "2026-12-24\n2026-12-31\n").unwrap();
        let loaded = load(&[dir.path().join("p.yml")]).unwrap();
        let Filter::Value(v) = &loaded[0].filters[0] else {
            panic!("not a value filter")
        };
        let now = "2026-07-01T00:00:00Z".parse().unwrap();
        assert!(!v.matches(&serde_json::json!({"ImageId": "ami-2"}), now), "listed: not not-in");
        assert!(v.matches(&serde_json::json!({"ImageId": "ami-9"}), now));
        let Filter::OffHours(o) = &loaded[0].filters[1] else {
            panic!("not an offhour filter")
        };
        assert!(o.holidays.contains(jiff::civil::date(2026, 12, 31)));
        std::fs::write(dir.path().join("amis.json"), "[{").unwrap();
        let e = load(&[dir.path().join("p.yml")]).unwrap_err();
        assert!(
            e[0].to_string().contains("p.yml:9:16: value_from file:amis.json: invalid JSON"),
            "{}",
            e[0]
        );
        std::fs::write(dir.path().join("holidays.txt"), "Christmas\n").unwrap();
        std::fs::remove_file(dir.path().join("amis.json")).unwrap();
        let e = load(&[dir.path().join("p.yml")]).unwrap_err();
        assert!(e[0].to_string().contains("cannot read value_from file"), "{}", e[0]);
        assert!(e[1].to_string().contains("skip-days-from entries are dates"), "{}", e[1]);
    }

    #[test]
    fn value_from_urls_are_checked_and_remote_ones_wait_for_the_run() {
        let text = |from: &str| {
            format!("policies:\n  - name: p\n    resource: ec2\n    filters:\n      - type: value\n        key: ImageId\n        op: in\n        value_from:\n{from}")
        };
        let p = load_text("p.yml", &text("          url: s3://bucket/amis.csv\n          expr: 0\n")).unwrap();
        let Filter::Value(v) = &p[0].filters[0] else {
            panic!("not a value filter")
        };
        let from = v.value_from.as_ref().unwrap();
        assert!(from.is_remote() && from.values().is_none(), "read at run time");
        from.resolve(Ok("ami-1,x\nami-2,y\n".into()));
        let now = "2026-07-01T00:00:00Z".parse().unwrap();
        assert!(v.matches(&serde_json::json!({"ImageId": "ami-2"}), now));
        let err = |from: &str| load_text("p.yml", &text(from)).unwrap_err()[0].to_string();
        assert!(err("          url: ftp://x/y.json\n").contains("unsupported value_from url"));
        assert!(err("          url: https://x/data\n").contains("cannot tell the format"));
        assert!(err("          url: https://x/data\n          format: yaml\n").contains("'format' must be one of"));
        assert!(err("          url: https://x/d.json\n          expr: '[.'\n").contains("invalid expr"));
        assert!(err("          url: dynamodb\n          query: select\n").contains("not supported"));
        assert!(err("          url: https://x/{account_id}.json\n").contains("variables"));
        assert!(err("          url: file:x.json\n").contains("read only when the policy is loaded from a file"));
    }

    #[test]
    fn tag_key_transforms_normalize_the_resources_keys() {
        let text = "policies:\n  - name: p\n    resource: ec2\n    filters:\n      - type: value\n        key: tag:CostCenter\n        tag_key_transforms: [strip, title, nospaces]\n        value: present\n";
        let p = load_text("p.yml", text).unwrap();
        let Filter::Value(v) = &p[0].filters[0] else {
            panic!("not a value filter")
        };
        let now = "2026-07-01T00:00:00Z".parse().unwrap();
        let tagged = |k: &str| serde_json::json!({"Tags": [{"Key": k, "Value": "42"}]});
        assert!(v.matches(&tagged(" cost center "), now));
        assert!(v.matches(&tagged("COST CENTER"), now));
        assert!(!v.matches(&tagged("cost_center"), now));
        let bad = text.replace("nospaces", "nospace");
        let e = load_text("p.yml", &bad).unwrap_err();
        assert!(
            e[0].to_string()
                .contains("unknown tag key transform 'nospace' (did you mean 'nospaces'?)"),
            "{}",
            e[0]
        );
    }
}
