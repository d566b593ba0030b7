//! Leaf-by-leaf differences between two JSON documents: the one comparison behind every
//! diff the app shows (file ↔ live, draft ↔ published ↔ live, source ↔ target of a
//! promotion, what a site is served ↔ what is published).
//!
//! A `null` and an absent key mean the same to Genesys Cloud, so neither is a difference;
//! arrays compare by position, so an inserted element shows as every later one changed,
//! which is how Messenger reads them too (order is meaning in its lists).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    /// Dotted path, e.g. `configuration.messenger.styles.primaryColor`.
    pub path: String,
    pub left: Option<Value>,
    pub right: Option<Value>,
}

/// Every leaf that differs, in path order.
pub fn differences(left: &Value, right: &Value) -> Vec<Difference> {
    differences_ignoring(left, right, &[])
}

/// Every leaf that differs, in path order, skipping keys named in `ignored` at any depth
/// (bookkeeping such as `version` or `dateModified`).
pub fn differences_ignoring(left: &Value, right: &Value, ignored: &[&str]) -> Vec<Difference> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", left, ignored, &mut a);
    flatten("", right, ignored, &mut b);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|path| a.get(*path) != b.get(*path))
        .map(|path| Difference {
            path: path.clone(),
            left: a.get(path).cloned(),
            right: b.get(path).cloned(),
        })
        .collect()
}

fn flatten(prefix: &str, value: &Value, ignored: &[&str], out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                if ignored.contains(&key.as_str()) {
                    continue;
                }
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, ignored, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, inner) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{index}]"), inner, ignored, out);
            }
        }
        Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_changed_leaves_are_reported_with_both_sides() {
        let left = json!({"a": {"b": 1, "c": [1, 2]}, "same": "x", "gone": true});
        let right = json!({"a": {"b": 2, "c": [1, 3, 4]}, "same": "x", "new": null});
        let paths: Vec<_> = differences(&left, &right)
            .into_iter()
            .map(|d| (d.path, d.left, d.right))
            .collect();
        assert_eq!(
            paths,
            [
                ("a.b".to_string(), Some(json!(1)), Some(json!(2))),
                ("a.c[1]".into(), Some(json!(2)), Some(json!(3))),
                ("a.c[2]".into(), None, Some(json!(4))),
                ("gone".into(), Some(json!(true)), None)
            ]
        );
        assert!(differences(&left, &left).is_empty());
    }

    #[test]
    fn ignored_keys_are_skipped_at_any_depth() {
        let left = json!({"messenger": {"styles": {"primaryColor": "#111111"}, "version": "1"}, "version": "1"});
        let right = json!({"messenger": {"styles": {"primaryColor": "#222222"}, "version": "2"}, "version": "2"});
        let found = differences_ignoring(&left, &right, &["version"]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "messenger.styles.primaryColor");
    }
}
