//! The window's script and the backend agree: `ui/js/api.js` wraps every command the app
//! registers, and nothing else, knows exactly the error codes `ErrorCode` has, and every
//! field of the window's payload types (`src-tauri/app/payload/`) is a name the page uses.

use std::collections::BTreeSet;

use webmsg_desk::application::ErrorCode;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// Every quoted identifier that follows `marker` in `text`.
fn quoted_after(text: &str, marker: &str) -> BTreeSet<String> {
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            rest.find('\'').map(|end| rest[..end].to_string())
        })
        .collect()
}

#[test]
fn api_js_wraps_exactly_the_registered_commands() {
    let registered: BTreeSet<String> = read("src-tauri/app/mod.rs")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("commands::"))
        .map(|name| name.trim_end_matches(',').to_string())
        .collect();
    let wrapped = quoted_after(&read("ui/js/api.js"), "call('");
    assert!(registered.len() > 20, "{registered:?}");
    assert_eq!(wrapped, registered);
}

#[test]
fn only_api_js_names_commands() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/js");
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        if name != "api.js" && name != "core.js" && text.contains("call('") {
            offenders.push(name);
        }
    }
    if read("ui/main.js").contains("call('") {
        offenders.push("main.js".into());
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn the_ui_knows_every_error_code_and_no_other() {
    let script = read("ui/js/api.js");
    let start = script.find("ERROR_CODES = [").unwrap();
    let end = start + script[start..].find("];").unwrap();
    let listed: BTreeSet<String> = script[start..end]
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    let codes: BTreeSet<String> = ErrorCode::ALL
        .iter()
        .map(|code| code.as_str().to_string())
        .collect();
    assert_eq!(listed, codes);
}

/// The import plan lists what the editor does not show; what it counts as shown must
/// really be on the editor's form.
#[test]
fn every_setting_the_plan_counts_as_shown_has_its_control_on_the_editor_form() {
    let page = read("ui/index.html");
    let form_start = page.find("<form id=\"editor-form\"").unwrap();
    let form = &page[form_start..form_start + page[form_start..].find("</form>").unwrap()];
    for (path, control) in webmsg_desk::transfer::EDITOR_FIELDS {
        assert!(
            form.contains(&format!("id=\"{control}\"")),
            "{path} is counted as shown by #{control}, which the editor form does not have"
        );
    }
}

/// A field as JSON carries it, and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PayloadName {
    json: String,
    owner: String,
    declared_at: String,
}

/// `snake_case` as serde's `rename_all = "camelCase"` writes it.
fn camel_case(name: &str) -> String {
    let mut parts = name.split('_');
    let mut camel = parts.next().unwrap_or_default().to_string();
    for part in parts {
        let mut letters = part.chars();
        if let Some(first) = letters.next() {
            camel.extend(first.to_uppercase());
            camel.push_str(letters.as_str());
        }
    }
    camel
}

/// The `key = "value"` pairs and bare words of an item's or field's `#[serde(...)]`.
fn serde_options(attributes: &[syn::Attribute]) -> Vec<(String, Option<String>)> {
    let mut options = Vec::new();
    for attribute in attributes.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attribute.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let value = match meta.value() {
                Ok(stream) => Some(stream.parse::<syn::LitStr>()?.value()),
                Err(_) => None,
            };
            options.push((key, value));
            Ok(())
        });
    }
    options
}

fn option<'a>(options: &'a [(String, Option<String>)], key: &str) -> Option<&'a str> {
    options
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.as_deref())
}

/// Every JSON name the payload types put on the wire: struct fields, enum tags and the
/// fields of tagged variants. A type without `rename_all = "camelCase"` is an error, so
/// no payload can send snake_case by accident.
fn payload_names(files: &[(String, String)]) -> Result<Vec<PayloadName>, String> {
    let mut names = Vec::new();
    for (file, source) in files {
        let parsed = syn::parse_file(source).map_err(|e| format!("{file}: {e}"))?;
        for item in parsed.items {
            match item {
                syn::Item::Struct(item) => {
                    let options = serde_options(&item.attrs);
                    if option(&options, "rename_all") != Some("camelCase") {
                        return Err(format!("{file}: {} is not camelCase", item.ident));
                    }
                    for field in &item.fields {
                        let field_options = serde_options(&field.attrs);
                        if field_options.iter().any(|(k, _)| k == "flatten") {
                            continue;
                        }
                        let Some(ident) = &field.ident else { continue };
                        names.push(PayloadName {
                            json: option(&field_options, "rename")
                                .map_or_else(|| camel_case(&ident.to_string()), str::to_string),
                            owner: item.ident.to_string(),
                            declared_at: format!("{file}: {}::{ident}", item.ident),
                        });
                    }
                }
                syn::Item::Enum(item) => {
                    let options = serde_options(&item.attrs);
                    if option(&options, "rename_all") != Some("camelCase")
                        || option(&options, "rename_all_fields") != Some("camelCase")
                    {
                        return Err(format!("{file}: {} is not camelCase", item.ident));
                    }
                    for variant in &item.variants {
                        let tag = variant.ident.to_string();
                        let tag = tag[..1].to_lowercase() + &tag[1..];
                        names.push(PayloadName {
                            json: tag,
                            owner: item.ident.to_string(),
                            declared_at: format!("{file}: {}::{}", item.ident, variant.ident),
                        });
                        for field in &variant.fields {
                            let Some(ident) = &field.ident else { continue };
                            names.push(PayloadName {
                                json: camel_case(&ident.to_string()),
                                owner: item.ident.to_string(),
                                declared_at: format!(
                                    "{file}: {}::{}::{ident}",
                                    item.ident, variant.ident
                                ),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(names)
}

/// Every identifier of the page's scripts.
fn script_words(scripts: &[String]) -> BTreeSet<String> {
    scripts
        .iter()
        .flat_map(|script| {
            script
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
                .filter(|word| !word.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Parts of the editor's form the page sends back as it received them, whole: their
/// fields travel out and in through the same payload type, so the page need not name
/// the ones it has no control for. Each is checked to be copied whole.
const CARRIED_WHOLE: &[(&str, &str)] = &[
    ("CobrowseForm", "loaded.cobrowse ??"),
    ("SupportCenterForm", "loaded.supportCenter ??"),
];

/// Payload names the scripts never use: a field renamed on one side only, or sent for
/// nothing.
fn unused_by_the_page(
    payload_files: &[(String, String)],
    scripts: &[String],
) -> Result<Vec<PayloadName>, String> {
    let words = script_words(scripts);
    let carried: Vec<&str> = CARRIED_WHOLE
        .iter()
        .filter(|(_, copied)| scripts.iter().any(|script| script.contains(copied)))
        .map(|(owner, _)| *owner)
        .collect();
    Ok(payload_names(payload_files)?
        .into_iter()
        .filter(|name| !words.contains(&name.json) && !carried.contains(&name.owner.as_str()))
        .collect())
}

fn sources_in(folder: &str) -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, String)> = std::fs::read_dir(root.join(folder))
        .unwrap()
        .flatten()
        .map(|entry| {
            let name = format!("{folder}/{}", entry.file_name().to_string_lossy());
            (name.clone(), read(&name))
        })
        .collect();
    files.sort();
    files
}

fn page_scripts() -> Vec<String> {
    let mut scripts: Vec<String> = sources_in("ui/js").into_iter().map(|(_, s)| s).collect();
    scripts.push(read("ui/main.js"));
    scripts
}

#[test]
fn every_payload_field_is_a_name_the_page_uses() {
    let payload = sources_in("src-tauri/app/payload");
    let names = payload_names(&payload).unwrap();
    assert!(
        names.len() > 150,
        "{} names: is the parse right?",
        names.len()
    );
    let unused = unused_by_the_page(&payload, &page_scripts()).unwrap();
    assert!(
        unused.is_empty(),
        "sent to the window, never read: {unused:#?}"
    );
}

/// A part of the form the page stopped copying whole must have its fields named again.
#[test]
fn a_form_part_the_page_no_longer_carries_whole_is_checked_field_by_field() {
    let payload = sources_in("src-tauri/app/payload");
    let scripts: Vec<String> = page_scripts()
        .into_iter()
        .map(|script| script.replace("loaded.cobrowse ??", "loaded.cobrowseSettings ??"))
        .collect();
    let unused = unused_by_the_page(&payload, &scripts).unwrap();
    assert!(
        unused.iter().any(|name| name.json == "readonlySelectors"),
        "{unused:#?}"
    );
}

/// The check above is only worth something if it fails: a field renamed in a payload
/// type and not in the page is caught, and so is a payload type that would send
/// snake_case.
#[test]
fn the_payload_check_catches_a_rename_and_a_snake_case_type() {
    let payload = sources_in("src-tauri/app/payload");
    let renamed: Vec<(String, String)> = payload
        .iter()
        .map(|(file, source)| {
            (
                file.clone(),
                source.replace("pub login_ms:", "pub login_millis:"),
            )
        })
        .collect();
    let unused = unused_by_the_page(&renamed, &page_scripts()).unwrap();
    assert_eq!(
        unused.iter().map(|n| n.json.as_str()).collect::<Vec<_>>(),
        ["loginMillis"],
        "{unused:#?}"
    );
    let snake = [(
        "sample.rs".to_string(),
        "#[derive(serde::Serialize)] pub struct Sample { pub elapsed_ms: u64 }".to_string(),
    )];
    assert!(payload_names(&snake)
        .unwrap_err()
        .contains("Sample is not camelCase"));
}

/// What names `crate::workspace::…` or a domain module inside a command's result is a
/// type the window would receive as the domain shapes it.
#[test]
fn commands_return_payload_types_not_workspace_views() {
    let source = read("src-tauri/app/commands.rs");
    let parsed = syn::parse_file(&source).unwrap();
    let mut offenders = Vec::new();
    for item in parsed.items {
        let syn::Item::Fn(function) = item else {
            continue;
        };
        let is_command = function
            .attrs
            .iter()
            .any(|a| a.path().segments.iter().any(|s| s.ident == "command"));
        if !is_command {
            continue;
        }
        if let syn::ReturnType::Type(_, returned) = &function.sig.output {
            let text = type_words(returned);
            if text.contains("workspace") || text.contains("View") {
                offenders.push(format!("{}: {text}", function.sig.ident));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

fn type_words(returned: &syn::Type) -> String {
    use syn::visit::Visit;
    struct Idents(Vec<String>);
    impl<'a> Visit<'a> for Idents {
        fn visit_ident(&mut self, ident: &'a syn::Ident) {
            self.0.push(ident.to_string());
        }
    }
    let mut idents = Idents(Vec::new());
    idents.visit_type(returned);
    idents.0.join("::")
}
