//! The layering rules of ARCHITECTURE.md, checked on the parsed source of all three
//! crates (syn, not text search, so grouped and multi-line imports, paths inside macros
//! and every visibility count):
//! - only `app/` names tauri;
//! - the front ends (`cli/`, `app/`) reach the domain only through `application` (the
//!   Sandbox crate may be named to serve it; the API client crate may not);
//! - no import cycle between sibling modules, at any depth, in any crate;
//! - no function longer than 120 lines (comments and blank lines count), outside tests
//!   and seed data;
//! - no `too_many_arguments` allowance: a request struct instead.
//!
//! The last test proves each check fails on an edit that breaks its rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::Visit;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const MAX_FUNCTION_LINES: usize = 120;

/// Each crate: its name and source folder.
const CRATES: &[(&str, &str)] = &[
    ("webmsg_desk", "src-tauri"),
    ("genesys", "crates/genesys/src"),
    ("sandbox", "crates/sandbox/src"),
];

/// What each front end may name under `crate::`, and which sibling crates.
const FRONT_ENDS: &[(&str, &[&str], &[&str])] = &[
    ("cli", &["application", "cli", "sandbox"], &["sandbox"]),
    (
        "app",
        &["application", "app", "workspace", "sandbox"],
        &["sandbox"],
    ),
];

/// Files whose length is data, not logic.
const SEED_DATA: &[&str] = &["sandbox/seed.rs"];

#[derive(Clone)]
struct SourceFile {
    krate: &'static str,
    /// `crate/relative/path.rs`, for messages.
    shown: String,
    /// The module the file is, from its crate root.
    module: Vec<String>,
    text: String,
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
    let mut files = Vec::new();
    for &(krate, folder) in CRATES {
        let base = Path::new(ROOT).join(folder);
        let mut paths = Vec::new();
        walk(&base, &mut paths);
        paths.sort();
        for path in paths {
            let relative = path
                .strip_prefix(&base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            // The build script and the binary are crates of their own.
            if matches!(relative.as_str(), "build.rs" | "main.rs") && krate == "webmsg_desk" {
                continue;
            }
            let mut module: Vec<String> = relative
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_string)
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            files.push(SourceFile {
                krate,
                shown: format!("{krate}/{relative}"),
                module,
                text: std::fs::read_to_string(&path).unwrap(),
            });
        }
    }
    files
}

fn is_test_only(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        attribute.path().is_ident("cfg")
            && attribute
                .meta
                .require_list()
                .is_ok_and(|list| list.tokens.to_string().contains("test"))
    })
}

/// A path named in a file, from the module it is named in.
struct Reference {
    module: Vec<String>,
    path: Vec<String>,
    line: usize,
}

#[derive(Default)]
struct Collector {
    module: Vec<String>,
    references: Vec<Reference>,
    /// `(start line, lines)` of every function with a body.
    functions: Vec<(usize, usize, String)>,
    allowances: Vec<usize>,
}

impl Collector {
    fn add(&mut self, path: Vec<String>, line: usize) {
        if !path.is_empty() {
            self.references.push(Reference {
                module: self.module.clone(),
                path,
                line,
            });
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree, line: usize) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree, line);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let mut path = prefix.clone();
                path.push(name.ident.to_string());
                self.add(path, line);
            }
            syn::UseTree::Rename(rename) => {
                let mut path = prefix.clone();
                path.push(rename.ident.to_string());
                self.add(path, line);
            }
            syn::UseTree::Glob(_) => self.add(prefix.clone(), line),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree, line);
                }
            }
        }
    }

    /// Paths inside a macro's tokens (`json!`, `format!`, `tracing::info!` …), which
    /// syn does not parse: every `a::b::c` run of identifiers.
    fn macro_paths(&mut self, tokens: TokenStream) {
        let mut path: Vec<String> = Vec::new();
        let mut colons = 0;
        let mut line = 0;
        for token in tokens {
            match token {
                TokenTree::Ident(ident) if path.is_empty() || colons == 2 => {
                    if path.is_empty() {
                        line = ident.span().start().line;
                    }
                    path.push(ident.to_string());
                    colons = 0;
                }
                TokenTree::Punct(punct) if punct.as_char() == ':' && !path.is_empty() => {
                    colons += 1;
                }
                TokenTree::Group(group) => {
                    self.flush(&mut path, line);
                    colons = 0;
                    self.macro_paths(group.stream());
                }
                other => {
                    self.flush(&mut path, line);
                    colons = 0;
                    if let TokenTree::Ident(ident) = other {
                        line = ident.span().start().line;
                        path.push(ident.to_string());
                    }
                }
            }
        }
        self.flush(&mut path, line);
    }

    fn flush(&mut self, path: &mut Vec<String>, line: usize) {
        if path.len() > 1 {
            self.add(std::mem::take(path), line);
        }
        path.clear();
    }

    fn function(&mut self, name: String, start: usize, end: usize) {
        self.functions.push((start, end + 1 - start, name));
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attributes = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_test_only(attributes) {
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_some() {
            self.module.push(item.ident.to_string());
            syn::visit::visit_item_mod(self, item);
            self.module.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let line = item.span().start().line;
        self.use_tree(&mut Vec::new(), &item.tree, line);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let line = path.span().start().line;
        self.add(
            path.segments.iter().map(|s| s.ident.to_string()).collect(),
            line,
        );
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macro_paths(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }

    fn visit_attribute(&mut self, attribute: &'ast syn::Attribute) {
        if attribute
            .to_token_stream_string()
            .contains("too_many_arguments")
        {
            self.allowances.push(attribute.span().start().line);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.function(
            item.sig.ident.to_string(),
            item.sig.fn_token.span.start().line,
            item.block.brace_token.span.close().end().line,
        );
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if is_test_only(&item.attrs) {
            return;
        }
        self.function(
            item.sig.ident.to_string(),
            item.sig.fn_token.span.start().line,
            item.block.brace_token.span.close().end().line,
        );
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        if let Some(block) = &item.default {
            self.function(
                item.sig.ident.to_string(),
                item.sig.fn_token.span.start().line,
                block.brace_token.span.close().end().line,
            );
        }
        syn::visit::visit_trait_item_fn(self, item);
    }
}

trait TokenText {
    fn to_token_stream_string(&self) -> String;
}

impl TokenText for syn::Attribute {
    fn to_token_stream_string(&self) -> String {
        quote_free(&self.meta)
    }
}

fn quote_free(meta: &syn::Meta) -> String {
    match meta {
        syn::Meta::Path(path) => path.segments.iter().map(|s| s.ident.to_string()).collect(),
        syn::Meta::List(list) => list.tokens.to_string(),
        syn::Meta::NameValue(_) => String::new(),
    }
}

/// What one file names and defines.
struct Parsed {
    file: SourceFile,
    collector: Collector,
}

fn parse(files: &[SourceFile]) -> Result<Vec<Parsed>, String> {
    files
        .iter()
        .map(|file| {
            let syntax = syn::parse_file(&file.text).map_err(|e| format!("{}: {e}", file.shown))?;
            let mut collector = Collector {
                module: file.module.clone(),
                ..Collector::default()
            };
            collector.visit_file(&syntax);
            Ok(Parsed {
                file: file.clone(),
                collector,
            })
        })
        .collect()
}

/// Every module of each crate, from the file tree and inline `mod` blocks.
fn modules(parsed: &[Parsed]) -> BTreeSet<(String, Vec<String>)> {
    let mut found = BTreeSet::new();
    for item in parsed {
        for reference in item
            .collector
            .references
            .iter()
            .map(|r| &r.module)
            .chain([&item.file.module])
        {
            for depth in 0..=reference.len() {
                found.insert((item.file.krate.to_string(), reference[..depth].to_vec()));
            }
        }
    }
    found
}

/// Where a path leads: `(crate, segments from its root)`, or `None` for std and the
/// crates of the ecosystem.
fn resolve(
    krate: &str,
    reference: &Reference,
    known: &BTreeSet<(String, Vec<String>)>,
) -> Option<(String, Vec<String>)> {
    let mut segments = reference.path.iter();
    let first = segments.next()?.as_str();
    let mut base = match first {
        "crate" => Vec::new(),
        "self" => reference.module.clone(),
        "super" => {
            let mut base = reference.module.clone();
            base.pop();
            base
        }
        "genesys" | "sandbox" | "webmsg_desk" if krate != first => {
            let rest: Vec<String> = segments.cloned().collect();
            return Some((first.to_string(), rest));
        }
        child
            if known.contains(&(
                krate.to_string(),
                [reference.module.clone(), vec![child.to_string()]].concat(),
            )) =>
        {
            [reference.module.clone(), vec![child.to_string()]].concat()
        }
        _ => return None,
    };
    for segment in segments {
        if segment == "super" {
            base.pop();
        } else {
            base.push(segment.clone());
        }
    }
    Some((krate.to_string(), base))
}

/// The deepest known module a resolved path lies in.
fn module_of(path: &(String, Vec<String>), known: &BTreeSet<(String, Vec<String>)>) -> Vec<String> {
    (0..=path.1.len())
        .rev()
        .map(|depth| path.1[..depth].to_vec())
        .find(|prefix| known.contains(&(path.0.clone(), prefix.clone())))
        .unwrap_or_default()
}

/// The rules, each returning what breaks it.
struct Findings {
    tauri: Vec<String>,
    front_ends: Vec<String>,
    cycles: Vec<Vec<String>>,
    long_functions: Vec<String>,
    allowances: Vec<String>,
}

fn check(files: &[SourceFile]) -> Findings {
    let parsed = parse(files).unwrap_or_else(|error| panic!("{error}"));
    let known = modules(&parsed);
    let mut findings = Findings {
        tauri: Vec::new(),
        front_ends: Vec::new(),
        cycles: Vec::new(),
        long_functions: Vec::new(),
        allowances: Vec::new(),
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in &parsed {
        let file = &item.file;
        let top = file.module.first().map(String::as_str).unwrap_or("");
        let in_app = file.krate == "webmsg_desk" && top == "app";
        let front_end = (file.krate == "webmsg_desk")
            .then(|| FRONT_ENDS.iter().find(|(name, _, _)| *name == top))
            .flatten();
        for reference in &item.collector.references {
            let at = format!(
                "{}:{} `{}`",
                file.shown,
                reference.line,
                reference.path.join("::")
            );
            if reference.path[0].starts_with("tauri") && !in_app {
                findings.tauri.push(at.clone());
            }
            let Some(target) = resolve(file.krate, reference, &known) else {
                continue;
            };
            if let Some((_, modules, crates)) = front_end {
                let outside = if target.0 == file.krate {
                    target
                        .1
                        .first()
                        .is_some_and(|name| !modules.contains(&name.as_str()))
                } else {
                    !crates.contains(&target.0.as_str())
                };
                if outside {
                    findings.front_ends.push(at.clone());
                }
            }
            if target.0 != file.krate {
                continue;
            }
            let from = &reference.module;
            let to = module_of(&target, &known);
            let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if shared < from.len() && shared < to.len() {
                let node =
                    |path: &[String]| format!("{}::{}", file.krate, path[..=shared].join("::"));
                edges.entry(node(from)).or_default().insert(node(&to));
            }
        }
        let seed = SEED_DATA.iter().any(|path| file.shown.ends_with(path));
        for (start, lines, name) in &item.collector.functions {
            if *lines > MAX_FUNCTION_LINES && !seed {
                findings
                    .long_functions
                    .push(format!("{}:{start} {name}: {lines} lines", file.shown));
            }
        }
        for line in &item.collector.allowances {
            findings.allowances.push(format!("{}:{line}", file.shown));
        }
    }
    findings.cycles = cycles(&edges);
    findings
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
fn only_the_window_module_names_tauri() {
    let found = check(&sources()).tauri;
    assert!(found.is_empty(), "tauri outside app/: {found:#?}");
}

#[test]
fn front_ends_reach_the_domain_only_through_the_application_layer() {
    let found = check(&sources()).front_ends;
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let found = check(&sources()).cycles;
    assert!(found.is_empty(), "import cycles: {found:?}");
}

#[test]
fn no_function_is_longer_than_120_lines() {
    let found = check(&sources()).long_functions;
    assert!(
        found.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines: {found:#?}"
    );
}

#[test]
fn no_function_takes_too_many_arguments() {
    let found = check(&sources()).allowances;
    assert!(found.is_empty(), "use a request struct: {found:?}");
}

/// The tree with `text` appended to the file that ends with `path`.
fn edited(path: &str, text: &str) -> Vec<SourceFile> {
    let mut files = sources();
    let file = files.iter_mut().find(|f| f.shown.ends_with(path)).unwrap();
    file.text.push_str(text);
    files
}

/// A function of `lines` lines: `padding` of them comments, the rest statements.
fn long_function(signature: &str, lines: usize) -> String {
    let body: String = (0..lines - 2)
        .map(|n| {
            if n % 2 == 0 {
                "    // why, at length\n".to_string()
            } else {
                format!("    let _ = {n};\n")
            }
        })
        .collect();
    format!("\n{signature} {{\n{body}}}\n")
}

#[test]
fn each_check_fails_on_the_edit_that_breaks_its_rule() {
    let clean = check(&sources());
    assert!(
        clean.front_ends.is_empty() && clean.cycles.is_empty() && clean.long_functions.is_empty()
    );

    let grouped = check(&edited(
        "cli/mod.rs",
        "\nuse crate::{genesys::Client, application::Session};\n",
    ));
    assert!(
        grouped
            .front_ends
            .iter()
            .any(|f| f.contains("genesys::Client")),
        "{:?}",
        grouped.front_ends
    );

    let multi_line = check(&edited(
        "cli/mod.rs",
        "\nuse crate::{\n    application::Session,\n    store::Store,\n};\n",
    ));
    assert!(
        multi_line
            .front_ends
            .iter()
            .any(|f| f.contains("store::Store")),
        "{:?}",
        multi_line.front_ends
    );

    // `application` names `channel`; a grouped import of `application` from `channel`
    // closes the circle.
    let circle = check(&edited(
        "channel/mod.rs",
        "\nuse crate::{application::Session, store::Store};\n",
    ));
    assert!(
        circle
            .cycles
            .iter()
            .any(|c| c.contains(&"webmsg_desk::application".to_string())
                && c.contains(&"webmsg_desk::channel".to_string())),
        "{:?}",
        circle.cycles
    );

    let padded = check(&edited(
        "channel/mod.rs",
        &long_function("fn padded()", 140),
    ));
    assert!(
        padded
            .long_functions
            .iter()
            .any(|f| f.contains("padded: 140 lines")),
        "{:?}",
        padded.long_functions
    );

    let restricted = check(&edited(
        "transfer/mod.rs",
        &long_function("pub(in crate) fn restricted()", 130),
    ));
    assert!(
        restricted
            .long_functions
            .iter()
            .any(|f| f.contains("restricted: 130 lines")),
        "{:?}",
        restricted.long_functions
    );

    let tauri = check(&edited(
        "store.rs",
        "\nfn window() { let _ = tauri::Manager::app_handle; }\n",
    ));
    assert_eq!(tauri.tauri.len(), 1, "{:?}", tauri.tauri);

    let knot = check(&edited(
        "sandbox/guests/mod.rs",
        "\nuse crate::state::Org;\n",
    ));
    assert!(
        knot.cycles
            .iter()
            .any(|c| c.contains(&"sandbox::guests".to_string())),
        "{:?}",
        knot.cycles
    );
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
}
