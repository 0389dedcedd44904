//! Loading: files and directories (recursively `*.yml` / `*.yaml`) into validated policies,
//! with every error from every file reported at once.

use super::diagnostic::{Diagnostic, Pos};
use super::model::Policy;
use super::validate::Validator;
use super::yaml;
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

/// Parses and validates one file's text.
pub fn load_text(file: &str, text: &str) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let mut v = Validator::new(file, text);
            match e.pos {
                Some(pos) => v.error(pos, 1, format!("invalid YAML: {}", e.message)),
                None => v.diagnostics.push(Diagnostic::file(file, format!("invalid YAML: {}", e.message))),
            }
            return Err(v.diagnostics);
        }
    };
    let mut v = Validator::new(file, text);
    let policies = v.file(&root);
    if v.diagnostics.is_empty() {
        Ok(policies)
    } else {
        Err(v.diagnostics)
    }
}

/// Loads every policy from `paths`, rejecting duplicate names across the whole set.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    let files = collect_files(paths)?;
    let mut texts = Vec::new();
    let mut errors = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        match std::fs::read_to_string(file) {
            Ok(text) => texts.push((name, text)),
            Err(e) => errors.push(Diagnostic::file(&name, format!("cannot read file: {e}"))),
        }
    }
    match load_texts(&texts) {
        Ok(policies) if errors.is_empty() => Ok(policies),
        Ok(_) => Err(errors),
        Err(mut e) => {
            errors.append(&mut e);
            Err(errors)
        }
    }
}

/// Loads every policy from `(file name, text)` pairs (files already read, or bundled into a
/// binary), rejecting duplicate names across the whole set.
pub fn load_texts<S: AsRef<str>, T: AsRef<str>>(files: &[(S, T)]) -> Result<Vec<Policy>, Vec<Diagnostic>> {
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in files {
        match load_text(name.as_ref(), text.as_ref()) {
            Ok(mut p) => policies.append(&mut p),
            Err(mut e) => errors.append(&mut e),
        }
    }
    let mut seen: HashMap<&str, &Policy> = HashMap::new();
    for p in &policies {
        if let Some(first) = seen.get(p.name.as_str()) {
            let text = files
                .iter()
                .find(|(name, _)| name.as_ref() == p.source.file)
                .map(|(_, t)| t.as_ref())
                .unwrap_or_default();
            let line = text.lines().nth(p.source.line as usize - 1).unwrap_or("").to_string();
            let col = line.find(&p.name).map(|c| c as u32 + 1).unwrap_or(1);
            errors.push(Diagnostic {
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
