//! An edit as a patch: the paths a user changed, and nothing else.
//!
//! The editor and `channel edit` describe a channel in their own terms (a form, a few
//! `--set`s). Writing that description over the server's draft would also write every
//! value the description has an opinion on but the user never touched: a form that
//! always says "typing indicators on", or knows one upload mode where the org has three.
//! So an edit is the difference between the description before and after the user's
//! change, applied to the draft as the server holds it. Every other value of the draft,
//! fields this version does not know included, stays as it was.
//!
//! Arrays whose items carry an identity (`language` in custom labels, `key` in localized
//! labels, `id` in references) are matched by it, so a change to the French labels
//! touches the French labels wherever they sit; other arrays are matched by position when
//! their lengths agree and replaced whole when they do not.

use std::fmt;

use serde_json::{Map, Value};

/// Fields that identify an item of an array, tried in this order.
const IDENTITY_FIELDS: &[&str] = &["language", "key", "id"];

/// One step from a value into a part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Field(String),
    Index(usize),
    /// The array item whose `field` is `value`.
    Item {
        field: &'static str,
        value: String,
    },
}

/// One changed place: its value before and after (`None`: absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: Vec<Step>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The changes of one edit, in a stable order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patch(pub Vec<Change>);

/// Why a patch could not be laid onto a draft.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{path}` {reason}")]
pub struct PatchConflict {
    pub path: String,
    pub reason: String,
}

impl Patch {
    /// What changed from `before` to `after`. Absent and `null` are the same: Genesys
    /// omits nulls.
    pub fn between(before: &Value, after: &Value) -> Patch {
        let mut changes = Vec::new();
        diff(before, after, &mut Vec::new(), &mut changes);
        Patch(changes)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The dotted paths changed, for messages and plans.
    pub fn paths(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|change| display_path(&change.path))
            .collect()
    }

    /// Lays every change onto `target`, creating the objects a new value needs.
    pub fn apply(&self, target: &mut Value) -> Result<(), PatchConflict> {
        for change in &self.0 {
            apply_change(target, change)?;
        }
        Ok(())
    }
}

impl fmt::Display for Patch {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |value: &Option<Value>| match value {
            None => "(absent)".to_string(),
            Some(value) => value.to_string(),
        };
        for change in &self.0 {
            writeln!(
                formatter,
                "{}: {} → {}",
                display_path(&change.path),
                show(&change.before),
                show(&change.after)
            )?;
        }
        Ok(())
    }
}

/// `messenger.fileUpload.modes[0].maxFileSizeKB`, `customI18nLabels[language=fr]`.
pub fn display_path(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Field(name) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(name);
            }
            Step::Index(index) => text.push_str(&format!("[{index}]")),
            Step::Item { field, value } => text.push_str(&format!("[{field}={value}]")),
        }
    }
    text
}

/// Reads a dotted path as [`display_path`] writes it: `messenger.styles.primaryColor`,
/// `messenger.fileUpload.modes[1].maxFileSizeKB`, `customI18nLabels[language=fr]`.
pub fn parse_path(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("a setting's path is empty".into());
    }
    while !rest.is_empty() {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let (name, after) = rest.split_at(end);
        if name.contains([']', '=']) || name.chars().any(char::is_whitespace) {
            return Err(format!("`{text}`: `{name}` is not a field name"));
        }
        if !name.is_empty() {
            steps.push(Step::Field(name.to_string()));
        } else if steps.is_empty() || after.starts_with('.') {
            return Err(format!("`{text}`: a name is missing"));
        }
        rest = after;
        while let Some(inside) = rest.strip_prefix('[') {
            let close = inside
                .find(']')
                .ok_or_else(|| format!("`{text}`: `[` is not closed"))?;
            steps.push(item_step(text, &inside[..close])?);
            rest = &inside[close + 1..];
        }
        if let Some(next) = rest.strip_prefix('.') {
            if next.is_empty() {
                return Err(format!("`{text}` ends with `.`"));
            }
            rest = next;
        } else if !rest.is_empty() {
            return Err(format!("`{text}`: expected `.` or `[` before `{rest}`"));
        }
    }
    Ok(steps)
}

fn item_step(text: &str, inside: &str) -> Result<Step, String> {
    if let Ok(index) = inside.parse::<usize>() {
        return Ok(Step::Index(index));
    }
    let (field, value) = inside
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: `[{inside}]` is neither an index nor `[field=value]`"))?;
    let field = IDENTITY_FIELDS
        .iter()
        .copied()
        .find(|known| *known == field)
        .ok_or_else(|| {
            format!(
                "`{text}`: items are picked by {}, not `{field}`",
                IDENTITY_FIELDS.join(", ")
            )
        })?;
    Ok(Step::Item {
        field,
        value: value.to_string(),
    })
}

/// The value at `path`, if there is one.
pub fn value_at<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(value, |here, step| match step {
        Step::Field(name) => here.get(name),
        Step::Index(index) => here.get(index),
        Step::Item { field, value } => here
            .as_array()?
            .iter()
            .find(|item| item[*field].as_str() == Some(value)),
    })
}

/// Sets (or with `None` removes) the value at `path`, making the objects on the way.
pub fn set_at(
    target: &mut Value,
    path: Vec<Step>,
    value: Option<Value>,
) -> Result<(), PatchConflict> {
    apply_change(
        target,
        &Change {
            path,
            before: None,
            after: value,
        },
    )
}

/// RFC 7396 JSON Merge Patch: objects merge key by key, `null` removes, anything else
/// replaces. How `channel edit --file` reads a partial configuration.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(changes) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(object) = target {
        for (key, change) in changes {
            if change.is_null() {
                object.remove(key);
            } else {
                merge_patch(object.entry(key.clone()).or_insert(Value::Null), change);
            }
        }
    }
}

fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|value| !value.is_null())
}

fn diff(before: &Value, after: &Value, path: &mut Vec<Step>, out: &mut Vec<Change>) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            let keys = old
                .keys()
                .chain(new.keys().filter(|key| !old.contains_key(*key)));
            for key in keys {
                path.push(Step::Field(key.clone()));
                diff_present(present(old.get(key)), present(new.get(key)), path, out);
                path.pop();
            }
        }
        (Value::Array(old), Value::Array(new)) => diff_arrays(old, new, path, out),
        (old, new) if old != new => out.push(Change {
            path: path.clone(),
            before: Some(old.clone()),
            after: Some(new.clone()),
        }),
        _ => {}
    }
}

fn diff_present(
    before: Option<&Value>,
    after: Option<&Value>,
    path: &mut Vec<Step>,
    out: &mut Vec<Change>,
) {
    match (before, after) {
        (Some(old), Some(new)) => diff(old, new, path, out),
        (None, None) => {}
        (old, new) => out.push(Change {
            path: path.clone(),
            before: old.cloned(),
            after: new.cloned(),
        }),
    }
}

fn diff_arrays(old: &[Value], new: &[Value], path: &mut Vec<Step>, out: &mut Vec<Change>) {
    if let Some(field) = identity_of(old, new) {
        let id = |item: &Value| item[field].as_str().map(str::to_string);
        let find = |items: &[Value], value: &str| {
            items
                .iter()
                .find(|item| id(item).as_deref() == Some(value))
                .cloned()
        };
        let ids = old
            .iter()
            .filter_map(id)
            .chain(new.iter().filter_map(id))
            .fold(Vec::<String>::new(), |mut seen, value| {
                if !seen.contains(&value) {
                    seen.push(value);
                }
                seen
            });
        for value in ids {
            path.push(Step::Item {
                field,
                value: value.clone(),
            });
            diff_present(
                find(old, &value).as_ref(),
                find(new, &value).as_ref(),
                path,
                out,
            );
            path.pop();
        }
    } else if old.len() == new.len() {
        for (index, (old_item, new_item)) in old.iter().zip(new).enumerate() {
            path.push(Step::Index(index));
            diff(old_item, new_item, path, out);
            path.pop();
        }
    } else {
        out.push(Change {
            path: path.clone(),
            before: Some(Value::Array(old.to_vec())),
            after: Some(Value::Array(new.to_vec())),
        });
    }
}

/// The field every item of both arrays carries as a unique string, if any.
fn identity_of(old: &[Value], new: &[Value]) -> Option<&'static str> {
    if old.is_empty() && new.is_empty() {
        return None;
    }
    IDENTITY_FIELDS.iter().copied().find(|field| {
        [old, new].iter().all(|items| {
            let mut seen = std::collections::HashSet::new();
            items
                .iter()
                .all(|item| item[*field].as_str().is_some_and(|v| seen.insert(v)))
        })
    })
}

fn conflict(path: &[Step], reason: impl Into<String>) -> PatchConflict {
    PatchConflict {
        path: display_path(path),
        reason: reason.into(),
    }
}

fn apply_change(target: &mut Value, change: &Change) -> Result<(), PatchConflict> {
    let Some((last, parents)) = change.path.split_last() else {
        if let Some(after) = &change.after {
            *target = after.clone();
        }
        return Ok(());
    };
    let mut here = target;
    for (depth, step) in parents.iter().enumerate() {
        here = descend(here, step, change.after.is_some())
            .ok_or_else(|| conflict(&change.path[..=depth], "is no longer in the draft"))?;
    }
    match (last, &change.after) {
        (Step::Field(name), Some(value)) => {
            if here.is_null() {
                *here = Value::Object(Map::new());
            }
            let object = here
                .as_object_mut()
                .ok_or_else(|| conflict(parents, "is not an object in the draft"))?;
            object.insert(name.clone(), value.clone());
        }
        (Step::Field(name), None) => {
            if let Some(object) = here.as_object_mut() {
                object.remove(name);
            }
        }
        (Step::Index(index), after) => {
            let items = here
                .as_array_mut()
                .filter(|items| *index < items.len())
                .ok_or_else(|| conflict(&change.path, "is no longer in the draft"))?;
            match after {
                Some(value) => items[*index] = value.clone(),
                None => {
                    items.remove(*index);
                }
            }
        }
        (Step::Item { field, value }, after) => {
            if here.is_null() {
                *here = Value::Array(Vec::new());
            }
            let items = here
                .as_array_mut()
                .ok_or_else(|| conflict(parents, "is not a list in the draft"))?;
            let position = items
                .iter()
                .position(|item| item[*field].as_str() == Some(value));
            match (position, after) {
                (Some(position), Some(new)) => items[position] = new.clone(),
                (None, Some(new)) => items.push(new.clone()),
                (Some(position), None) => {
                    items.remove(position);
                }
                (None, None) => {}
            }
        }
    }
    Ok(())
}

/// One step down, making the object or item a new value needs when `create`.
fn descend<'a>(here: &'a mut Value, step: &Step, create: bool) -> Option<&'a mut Value> {
    match step {
        Step::Field(name) => {
            if here.is_null() && create {
                *here = Value::Object(Map::new());
            }
            let object = here.as_object_mut()?;
            if !object.contains_key(name) {
                if !create {
                    return None;
                }
                // The next step makes it an object or a list, whichever it needs.
                object.insert(name.clone(), Value::Null);
            }
            object.get_mut(name)
        }
        Step::Index(index) => here.as_array_mut()?.get_mut(*index),
        Step::Item { field, value } => {
            if here.is_null() && create {
                *here = Value::Array(Vec::new());
            }
            let items = here.as_array_mut()?;
            let position = match items
                .iter()
                .position(|item| item[*field].as_str() == Some(value))
            {
                Some(position) => position,
                None if create => {
                    let mut item = Map::new();
                    item.insert((*field).to_string(), Value::from(value.as_str()));
                    items.push(Value::Object(item));
                    items.len() - 1
                }
                None => return None,
            };
            items.get_mut(position)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn only_the_changed_leaf_is_in_the_patch() {
        let before = json!({"messenger": {"styles": {"primaryColor": "#111111"},
                            "apps": {"conversations": {"showAgentTypingIndicator": true}}}});
        let mut after = before.clone();
        after["messenger"]["styles"]["primaryColor"] = json!("#aa0000");
        let patch = Patch::between(&before, &after);
        assert_eq!(patch.paths(), ["messenger.styles.primaryColor"]);

        let mut draft = json!({"messenger": {"styles": {"primaryColor": "#111111", "x": 1},
                               "apps": {"conversations": {"showAgentTypingIndicator": false}}},
                               "unknownField": {"kept": [1, 2, 3]}});
        patch.apply(&mut draft).unwrap();
        assert_eq!(
            draft,
            json!({"messenger": {"styles": {"primaryColor": "#aa0000", "x": 1},
                   "apps": {"conversations": {"showAgentTypingIndicator": false}}},
                   "unknownField": {"kept": [1, 2, 3]}})
        );
    }

    #[test]
    fn keyed_items_are_matched_by_their_identity_not_their_place() {
        let before = json!({"labels": [{"language": "en-us", "v": "Hi"}]});
        let after = json!({"labels": [{"language": "en-us", "v": "Hello"}]});
        let patch = Patch::between(&before, &after);
        assert_eq!(patch.paths(), ["labels[language=en-us].v"]);
        let mut draft = json!({"labels": [{"language": "fr", "v": "Salut"},
                                          {"language": "en-us", "v": "Hi", "extra": true}]});
        patch.apply(&mut draft).unwrap();
        assert_eq!(
            draft,
            json!({"labels": [{"language": "fr", "v": "Salut"},
                              {"language": "en-us", "v": "Hello", "extra": true}]})
        );
    }

    #[test]
    fn positional_items_keep_their_neighbours() {
        let before = json!({"modes": [{"maxFileSizeKB": 10240}]});
        let after = json!({"modes": [{"maxFileSizeKB": 2048}]});
        let mut draft = json!({"modes": [{"maxFileSizeKB": 10240, "fileTypes": ["image/png"]},
                                         {"maxFileSizeKB": 500, "fileTypes": ["application/pdf"]}]});
        Patch::between(&before, &after).apply(&mut draft).unwrap();
        assert_eq!(draft["modes"][0]["maxFileSizeKB"], 2048);
        assert_eq!(draft["modes"][0]["fileTypes"], json!(["image/png"]));
        assert_eq!(draft["modes"][1]["maxFileSizeKB"], 500);
    }

    #[test]
    fn new_values_make_their_parents_and_removals_remove() {
        let patch = Patch::between(
            &json!({"a": {"gone": 1}}),
            &json!({"a": {}, "b": {"c": {"d": true}}}),
        );
        let mut draft = json!({"a": {"gone": 1, "stays": 2}});
        patch.apply(&mut draft).unwrap();
        assert_eq!(draft, json!({"a": {"stays": 2}, "b": {"c": {"d": true}}}));
    }

    #[test]
    fn a_place_gone_from_the_draft_is_a_conflict_not_a_guess() {
        let patch = Patch::between(&json!({"m": [1, 2]}), &json!({"m": [1, 3]}));
        let mut draft = json!({"m": [1]});
        let conflict = patch.apply(&mut draft).unwrap_err();
        assert_eq!(conflict.path, "m[1]");
    }

    #[test]
    fn paths_read_as_they_are_written() {
        for text in [
            "messenger.styles.primaryColor",
            "messenger.fileUpload.modes[1].maxFileSizeKB",
            "customI18nLabels[language=fr].localizedLabels[key=PushNotificationTitle].value",
            "languages[0]",
        ] {
            assert_eq!(display_path(&parse_path(text).unwrap()), text);
        }
        for bad in ["", ".a", "a.", "a..b", "a[", "a[x]", "a[name=x]", "a]b"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn setting_a_path_makes_its_parents_and_none_removes() {
        let mut draft = json!({"customI18nLabels": [{"language": "en-us"}]});
        let path =
            parse_path("customI18nLabels[language=fr].localizedLabels[key=K].value").unwrap();
        set_at(&mut draft, path.clone(), Some(json!("Salut"))).unwrap();
        assert_eq!(value_at(&draft, &path), Some(&json!("Salut")));
        assert_eq!(
            draft["customI18nLabels"][1]["localizedLabels"][0]["key"],
            "K"
        );
        set_at(&mut draft, path.clone(), None).unwrap();
        assert_eq!(value_at(&draft, &path), None);
    }

    #[test]
    fn a_merge_patch_merges_objects_removes_nulls_and_replaces_the_rest() {
        let mut draft = json!({"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": true});
        merge_patch(
            &mut draft,
            &json!({"a": {"b": 9}, "list": [3], "gone": null, "new": {"x": 1}}),
        );
        assert_eq!(
            draft,
            json!({"a": {"b": 9, "c": 2}, "list": [3], "new": {"x": 1}})
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-d]", inner, 0..5)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// Nulls dropped, as Genesys (and the models) omit them.
    fn without_nulls(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), without_nulls(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn the_patch_between_two_values_turns_one_into_the_other(
            before in json_value(), after in json_value()
        ) {
            let (before, after) = (without_nulls(&before), without_nulls(&after));
            let mut target = before.clone();
            Patch::between(&before, &after).apply(&mut target).unwrap();
            prop_assert_eq!(without_nulls(&target), after);
        }

        #[test]
        fn no_change_is_an_empty_patch(value in json_value()) {
            prop_assert!(Patch::between(&value, &value).is_empty());
        }
    }
}
