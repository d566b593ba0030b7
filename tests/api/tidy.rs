//! The layering rules of ARCHITECTURE.md, checked on the source text:
//! - only `app/` imports tauri;
//! - the front ends (`cli/`, `app/`) reach the domain only through `application`;
//! - no import cycles between top-level modules, nor between sibling modules;
//! - no function longer than 120 lines outside tests and seed data;
//! - no `too_many_arguments` allowance: a request struct instead.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src-tauri");
const MAX_FUNCTION_LINES: usize = 120;

/// What each front end may name under `crate::`.
const FRONT_ENDS: &[(&str, &[&str])] = &[
    ("cli", &["application", "cli", "sandbox"]),
    ("app", &["application", "app", "workspace", "sandbox"]),
];

struct SourceFile {
    /// Path under `src-tauri/`, with `/` separators.
    relative: String,
    /// The code before any `#[cfg(test)]` item, without comment lines.
    code: Vec<String>,
}

fn sources() -> Vec<SourceFile> {
    fn walk(directory: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(directory).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(Path::new(SOURCE), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text
                .lines()
                .take_while(|line| !line.starts_with("#[cfg(test)]"))
                .filter(|line| !line.trim_start().starts_with("//"))
                .map(str::to_string)
                .collect();
            let relative = path
                .strip_prefix(SOURCE)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            SourceFile { relative, code }
        })
        .collect()
}

/// Every `prefix::name` in a line (the identifier right after the prefix).
fn names_after<'a>(line: &'a str, prefix: &str) -> Vec<&'a str> {
    line.match_indices(prefix)
        .filter(|(at, _)| {
            line[..*at]
                .chars()
                .last()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map(|(at, _)| {
            let rest = &line[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| !name.is_empty())
        .collect()
}

fn top_module(relative: &str) -> &str {
    relative
        .split('/')
        .next()
        .unwrap_or(relative)
        .trim_end_matches(".rs")
}

#[test]
fn only_the_window_module_imports_tauri() {
    let offenders: Vec<String> = sources()
        .iter()
        .filter(|file| !file.relative.starts_with("app/"))
        .flat_map(|file| {
            file.code
                .iter()
                .filter(|line| {
                    !names_after(line, "tauri::").is_empty() || line.contains("use tauri")
                })
                .map(move |line| format!("{}: {}", file.relative, line.trim()))
        })
        .collect();
    assert!(offenders.is_empty(), "tauri outside app/: {offenders:#?}");
}

#[test]
fn front_ends_reach_the_domain_only_through_the_application_layer() {
    let mut offenders = Vec::new();
    for file in sources() {
        let Some((_, allowed)) = FRONT_ENDS
            .iter()
            .find(|(front, _)| top_module(&file.relative) == *front)
        else {
            continue;
        };
        for line in &file.code {
            for name in names_after(line, "crate::") {
                if !allowed.contains(&name) {
                    offenders.push(format!(
                        "{}: crate::{name} in `{}`",
                        file.relative,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// Strongly connected components of more than one node (Tarjan's algorithm).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Search<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on_stack: BTreeSet<String>,
        found: Vec<Vec<String>>,
    }
    impl Search<'_> {
        fn visit(&mut self, node: &str) {
            let number = self.index.len();
            self.index.insert(node.to_string(), number);
            self.low.insert(node.to_string(), number);
            self.stack.push(node.to_string());
            self.on_stack.insert(node.to_string());
            for next in self.edges.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node.to_string(), low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node.to_string(), low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(&member);
                    let done = member == node;
                    component.push(member);
                    if done {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !search.index.contains_key(node) {
            search.visit(node);
        }
    }
    search.found
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let files = sources();
    let tops: BTreeSet<&str> = files.iter().map(|f| top_module(&f.relative)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let top = top_module(&file.relative);
        let parts: Vec<&str> = file.relative.trim_end_matches(".rs").split('/').collect();
        // A file directly inside a directory module, other than its mod.rs, and the
        // siblings it names through `super::`.
        let sibling = (parts.len() == 2 && parts[1] != "mod").then(|| parts[1]);
        let siblings: BTreeSet<&str> = files
            .iter()
            .filter_map(|other| {
                let rest = other.relative.strip_prefix(&format!("{top}/"))?;
                let name = rest.split('/').next()?.trim_end_matches(".rs");
                (name != "mod").then_some(name)
            })
            .collect();
        for line in &file.code {
            for name in names_after(line, "crate::") {
                if name != top && tops.contains(name) {
                    edges.entry(top.into()).or_default().insert(name.into());
                }
            }
            if let Some(me) = sibling {
                for name in names_after(line, "super::") {
                    if name != me && siblings.contains(name) {
                        edges
                            .entry(format!("{top}::{me}"))
                            .or_default()
                            .insert(format!("{top}::{name}"));
                    }
                }
            }
        }
    }
    let found = cycles(&edges);
    assert!(found.is_empty(), "import cycles: {found:?}");
}

#[test]
fn no_function_is_longer_than_120_lines() {
    let mut long = Vec::new();
    for file in sources() {
        if file.relative == "sandbox/seed.rs" {
            continue;
        }
        for (start, line) in file.code.iter().enumerate() {
            let trimmed = line.trim_start();
            let is_fn = [
                "fn ",
                "pub fn ",
                "async fn ",
                "pub async fn ",
                "pub(crate) fn ",
                "pub(crate) async fn ",
                "pub(super) fn ",
                "pub(super) async fn ",
                "const fn ",
            ]
            .iter()
            .any(|prefix| trimmed.starts_with(prefix));
            if !is_fn || line.trim_end().ends_with(';') {
                continue;
            }
            let indent = &line[..line.len() - trimmed.len()];
            let closing = format!("{indent}}}");
            if let Some(length) = file.code[start..].iter().position(|l| *l == closing) {
                if length + 1 > MAX_FUNCTION_LINES {
                    long.push(format!(
                        "{}:{} {} lines",
                        file.relative,
                        start + 1,
                        length + 1
                    ));
                }
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines: {long:#?}"
    );
}

#[test]
fn no_function_takes_too_many_arguments() {
    let offenders: Vec<String> = sources()
        .iter()
        .flat_map(|file| {
            file.code
                .iter()
                .filter(|line| line.contains("too_many_arguments"))
                .map(move |_| file.relative.clone())
        })
        .collect();
    assert!(offenders.is_empty(), "use a request struct: {offenders:?}");
}

#[test]
fn the_checks_find_a_three_module_cycle_and_read_crate_paths() {
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
        ("d".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(cycles(&edges), [["a", "b", "c"]]);
    assert_eq!(
        names_after(
            "use crate::channel::{x}; crate::transfer::y(); my_crate::z",
            "crate::"
        ),
        ["channel", "transfer"]
    );
}
