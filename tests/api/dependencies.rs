//! The dependency policy, checked on every run from `cargo metadata` (what cargo-deny's
//! `licenses` and `bans` checks do, without its advisory database, which needs a network
//! this project's CI may not have): every crate built for Linux is under a licence on the
//! list, and no crate is built in more than one version unless that is known and listed here.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Permissive licences, plus MPL-2.0 (file-level copyleft: unmodified use is fine).
const ALLOWED_LICENCES: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unlicense",
    "0BSD",
    "BSL-1.0",
    "CC0-1.0",
    "MPL-2.0",
];

/// Crates built in more than one version because two of our dependencies ask for different
/// ones (the Tauri, wry and zbus trees move at their own pace; axum and reqwest differ on
/// base64; font-kit and tauri on dirs). A new duplicate fails until it is looked at and
/// listed; one that went away fails until it is taken off.
const KNOWN_DUPLICATES: &[&str] = &[
    "base64",
    "bit-set",
    "bit-vec",
    "bitflags",
    "cpufeatures",
    "dirs",
    "foldhash",
    "getrandom",
    "hashbrown",
    "heck",
    "indexmap",
    "jiff",
    "jiff-core",
    "miniz_oxide",
    "proc-macro-crate",
    "quick-xml",
    "rand",
    "rand_chacha",
    "rand_core",
    "schemars",
    "serde_spanned",
    "syn",
    "thiserror",
    "thiserror-impl",
    "toml",
    "toml_datetime",
    "toml_edit",
    "winnow",
    "zbus",
    "zbus_macros",
    "zbus_names",
    "zvariant",
    "zvariant_derive",
    "zvariant_utils",
];

/// The packages built for Linux: name → (versions, licence expressions).
fn linux_packages() -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            "x86_64-unknown-linux-gnu",
            "--manifest-path",
            concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let built: BTreeSet<&str> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|node| node["id"].as_str())
        .collect();
    let mut packages: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        if !built.contains(package["id"].as_str().unwrap_or_default()) {
            continue;
        }
        let entry = packages
            .entry(package["name"].as_str().unwrap().to_string())
            .or_default();
        entry
            .0
            .insert(package["version"].as_str().unwrap().to_string());
        entry.1.insert(
            package["license"]
                .as_str()
                .unwrap_or("(none given)")
                .to_string(),
        );
    }
    packages
}

/// Whether an SPDX expression is satisfied by the allowed licences: `OR` needs one side,
/// `AND` both, `X WITH exception` is X; the old `/` separator means `OR`.
fn allowed(expression: &str) -> bool {
    let spaced = expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut position = 0;
    let result = any_of(&tokens, &mut position);
    result == Some(true) && position == tokens.len()
}

fn any_of(tokens: &[&str], position: &mut usize) -> Option<bool> {
    let mut value = all_of(tokens, position)?;
    while tokens.get(*position) == Some(&"OR") {
        *position += 1;
        value |= all_of(tokens, position)?;
    }
    Some(value)
}

fn all_of(tokens: &[&str], position: &mut usize) -> Option<bool> {
    let mut value = one(tokens, position)?;
    while tokens.get(*position) == Some(&"AND") {
        *position += 1;
        value &= one(tokens, position)?;
    }
    Some(value)
}

fn one(tokens: &[&str], position: &mut usize) -> Option<bool> {
    let token = *tokens.get(*position)?;
    *position += 1;
    let value = if token == "(" {
        let inner = any_of(tokens, position)?;
        (tokens.get(*position) == Some(&")")).then_some(())?;
        *position += 1;
        inner
    } else {
        ALLOWED_LICENCES.contains(&token)
    };
    if tokens.get(*position) == Some(&"WITH") {
        *position += 2;
    }
    Some(value)
}

#[test]
fn licence_expressions_are_read_as_spdx_means_them() {
    assert!(allowed("MIT OR Apache-2.0"));
    assert!(allowed("MIT/Apache-2.0"));
    assert!(allowed("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(allowed("Apache-2.0 WITH LLVM-exception OR MIT"));
    assert!(allowed("GPL-3.0 OR MIT"));
    assert!(!allowed("GPL-3.0"));
    assert!(!allowed("MIT AND GPL-3.0"));
    assert!(!allowed("(none given)"));
    assert!(!allowed("MIT OR"));
}

#[test]
fn every_crate_has_an_allowed_licence_and_duplicates_are_known() {
    let packages = linux_packages();
    assert!(packages.len() > 100, "{} packages", packages.len());
    let refused: Vec<String> = packages
        .iter()
        .flat_map(|(name, (_, licences))| {
            licences
                .iter()
                .filter(|licence| !allowed(licence))
                .map(move |licence| format!("{name}: {licence}"))
        })
        .collect();
    assert!(refused.is_empty(), "licences not on the list: {refused:?}");
    let duplicated: BTreeSet<&str> = packages
        .iter()
        .filter(|(_, (versions, _))| versions.len() > 1)
        .map(|(name, _)| name.as_str())
        .collect();
    let known: BTreeSet<&str> = KNOWN_DUPLICATES.iter().copied().collect();
    let new: Vec<_> = duplicated.difference(&known).collect();
    let gone: Vec<_> = known.difference(&duplicated).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "new duplicates: {new:?}; listed but no longer duplicated: {gone:?}"
    );
    println!(
        "{} crates for Linux, {} in more than one version, all licences allowed",
        packages.len(),
        duplicated.len()
    );
}
