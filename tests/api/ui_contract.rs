//! The window's script and the backend agree: `ui/js/api.js` wraps every command the app
//! registers, and nothing else, and knows exactly the error codes `ErrorCode` has.

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
