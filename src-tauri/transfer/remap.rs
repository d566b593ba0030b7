//! Every id a channel carries that names another entity of its org (flows, queue,
//! supported content profile, knowledge bases, integrations), where it sits, and how it
//! is rewritten for another org. Pure: the lookups are the caller's.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an id in a channel points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RefKind {
    Queue,
    Flow,
    SupportedContent,
    KnowledgeBase,
    Integration,
}

impl RefKind {
    pub const ALL: [RefKind; 5] = [
        RefKind::Queue,
        RefKind::Flow,
        RefKind::SupportedContent,
        RefKind::KnowledgeBase,
        RefKind::Integration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Queue => "queue",
            RefKind::Flow => "flow",
            RefKind::SupportedContent => "supportedContent",
            RefKind::KnowledgeBase => "knowledgeBase",
            RefKind::Integration => "integration",
        }
    }

    pub fn parse(text: &str) -> Option<RefKind> {
        RefKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text))
    }
}

/// Where an id sits: `configuration` or `deployment` and a JSON pointer, or the routing
/// record (`routing`, `/queues/primary`, `/flows/fallback`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdSlot {
    pub kind: RefKind,
    pub section: &'static str,
    pub pointer: String,
    pub id: String,
}

impl IdSlot {
    pub fn place(&self) -> String {
        format!("{}{}", self.section, self.pointer.replace('/', "."))
    }
}

const CONFIGURATION_SLOTS: &[(RefKind, &str)] = &[
    (
        RefKind::KnowledgeBase,
        "/messenger/apps/knowledge/knowledgeBase/id",
    ),
    (RefKind::KnowledgeBase, "/supportCenter/knowledgeBase/id"),
    (
        RefKind::Integration,
        "/authenticationSettings/integrationId",
    ),
];

const DEPLOYMENT_SLOTS: &[(RefKind, &str)] = &[
    (RefKind::Flow, "/flow/id"),
    (RefKind::SupportedContent, "/supportedContent/id"),
];

/// Every id of `configuration` and `deployment` (as JSON) that names an entity of the org.
pub fn id_slots(configuration: &Value, deployment: &Value) -> Vec<IdSlot> {
    let mut slots = Vec::new();
    let mut take = |kind, section, pointer: String, value: &Value| {
        if let Some(id) = value.pointer(&pointer).and_then(Value::as_str) {
            if !id.is_empty() {
                slots.push(IdSlot {
                    kind,
                    section,
                    pointer,
                    id: id.to_string(),
                });
            }
        }
    };
    for (kind, pointer) in CONFIGURATION_SLOTS {
        take(*kind, "configuration", pointer.to_string(), configuration);
    }
    for (kind, pointer) in DEPLOYMENT_SLOTS {
        take(*kind, "deployment", pointer.to_string(), deployment);
    }
    let pushes = deployment
        .get("pushIntegrations")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    for index in 0..pushes {
        take(
            RefKind::Integration,
            "deployment",
            format!("/pushIntegrations/{index}/id"),
            deployment,
        );
    }
    slots
}

/// Writes `id` at `pointer` of `value` (the slot exists: it came from [`id_slots`]).
pub fn set_id(value: &mut Value, pointer: &str, id: &str) {
    if let Some(slot) = value.pointer_mut(pointer) {
        *slot = Value::from(id);
    }
}

/// `kind:SOURCE=TARGET`: an entity of the source org (id or name) and the target org's
/// entity to use for it (id or name).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdMap {
    pub kind: RefKind,
    pub source: String,
    pub target: String,
}

impl IdMap {
    pub fn parse(text: &str) -> Result<IdMap, String> {
        let (kind, rest) = text
            .split_once(':')
            .ok_or_else(|| format!("`{text}` is not kind:SOURCE=TARGET"))?;
        let kind = RefKind::parse(kind.trim()).ok_or_else(|| {
            format!(
                "`{kind}` is not one of {}",
                RefKind::ALL.map(RefKind::as_str).join(", ")
            )
        })?;
        let (source, target) = rest
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not kind:SOURCE=TARGET"))?;
        let (source, target) = (source.trim(), target.trim());
        if source.is_empty() || target.is_empty() {
            return Err(format!("`{text}` needs both a source and a target"));
        }
        Ok(IdMap {
            kind,
            source: source.to_string(),
            target: target.to_string(),
        })
    }
}

/// `FROM=TO`: a part of every allowed domain replaced (`dev.example.com=www.example.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRule {
    pub from: String,
    pub to: String,
}

impl DomainRule {
    pub fn parse(text: &str) -> Result<DomainRule, String> {
        let (from, to) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not FROM=TO"))?;
        if from.trim().is_empty() {
            return Err(format!("`{text}` needs something to replace"));
        }
        Ok(DomainRule {
            from: from.trim().to_string(),
            to: to.trim().to_string(),
        })
    }

    pub fn apply_all(rules: &[DomainRule], domain: &str) -> String {
        rules.iter().fold(domain.to_string(), |domain, rule| {
            domain.replace(&rule.from, &rule.to)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_id_of_another_entity_is_found_and_rewritten_in_place() {
        let configuration = json!({
            "messenger": {"apps": {"knowledge": {"enabled": true, "knowledgeBase": {"id": "kb-1"}}}},
            "supportCenter": {"knowledgeBase": {"id": "kb-2"}},
            "authenticationSettings": {"enabled": true, "integrationId": "login-1"},
        });
        let mut deployment = json!({
            "flow": {"id": "flow-1"}, "supportedContent": {"id": "scp-1"},
            "pushIntegrations": [{"id": "apns-1", "provider": "APNS"}],
        });
        let slots = id_slots(&configuration, &deployment);
        let found: Vec<(RefKind, &str)> = slots.iter().map(|s| (s.kind, s.id.as_str())).collect();
        assert_eq!(
            found,
            [
                (RefKind::KnowledgeBase, "kb-1"),
                (RefKind::KnowledgeBase, "kb-2"),
                (RefKind::Integration, "login-1"),
                (RefKind::Flow, "flow-1"),
                (RefKind::SupportedContent, "scp-1"),
                (RefKind::Integration, "apns-1"),
            ]
        );
        set_id(&mut deployment, &slots[5].pointer, "apns-2");
        assert_eq!(
            deployment["pushIntegrations"][0],
            json!({"id": "apns-2", "provider": "APNS"})
        );
        assert_eq!(
            slots[1].place(),
            "configuration.supportCenter.knowledgeBase.id"
        );
    }

    #[test]
    fn maps_and_domain_rules_read_as_typed() {
        assert_eq!(
            IdMap::parse("knowledgeBase:Help Center=Help Centre").unwrap(),
            IdMap {
                kind: RefKind::KnowledgeBase,
                source: "Help Center".into(),
                target: "Help Centre".into()
            }
        );
        assert!(IdMap::parse("widget:a=b")
            .unwrap_err()
            .contains("supportedContent"));
        assert!(IdMap::parse("queue:a=").is_err());
        let rules = [DomainRule::parse("dev.example.com=www.example.com").unwrap()];
        assert_eq!(
            DomainRule::apply_all(&rules, "dev.example.com"),
            "www.example.com"
        );
        assert_eq!(
            DomainRule::apply_all(&rules, "shop.example.com"),
            "shop.example.com"
        );
    }
}
