//! The audit trail: every change made through the Sandbox leaves an entry shaped as
//! Genesys's `AuditLogMessage`.

use serde_json::{Map, Value};

use genesys::models::{
    AuditLogMessage, AuditMessage, AuditPropertyChange, EntityRef, WEB_DEPLOYMENTS_SERVICE,
};

use super::gate::Caller;
use super::state::{iso, Org};

/// What one audited change says.
pub struct AuditEvent<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub entity_name: Option<&'a str>,
    pub changes: Vec<(String, Option<String>, Option<String>)>,
}

/// Records an audit entry for a change made through the API.
pub fn record_audit(
    org: &mut Org,
    caller: &Caller,
    at: chrono::DateTime<chrono::Utc>,
    event: AuditEvent<'_>,
) {
    let text = format!(
        "{} {} {}",
        event.entity_type,
        event.entity_name.unwrap_or(event.entity_id),
        event.action.to_ascii_lowercase()
    );
    let property_changes = event
        .changes
        .into_iter()
        .map(|(property, old, new)| AuditPropertyChange {
            property: Some(property),
            old_values: Some(old.into_iter().collect()),
            new_values: Some(new.into_iter().collect()),
            ..Default::default()
        })
        .collect::<Vec<_>>();
    org.audit.push(AuditLogMessage {
        id: Some(uuid::Uuid::new_v4().to_string()),
        // `user` is a DomainEntityRef; `client` an AddressableEntityRef, which has no name.
        user: Some(EntityRef {
            id: Some(org.user_id.clone()),
            name: Some("Sandbox Admin".into()),
            self_uri: Some(format!("/api/v2/users/{}", org.user_id)),
            ..Default::default()
        }),
        client: Some(EntityRef {
            id: Some(caller.client_id.clone()),
            self_uri: Some(format!("/api/v2/oauth/clients/{}", caller.client_id)),
            ..Default::default()
        }),
        remote_ip: Some(vec!["127.0.0.1".into()]),
        service_name: Some(WEB_DEPLOYMENTS_SERVICE.into()),
        level: Some("USER".into()),
        event_date: Some(iso(at)),
        message: Some(AuditMessage {
            message: Some(text),
            ..Default::default()
        }),
        action: Some(event.action.into()),
        entity: Some(EntityRef {
            id: Some(event.entity_id.into()),
            name: event.entity_name.map(str::to_string),
            ..Default::default()
        }),
        entity_type: Some(event.entity_type.into()),
        status: Some("SUCCESS".into()),
        application: Some("webmsg-desk-sandbox".into()),
        transaction_initiator: Some(true),
        property_changes: (!property_changes.is_empty()).then_some(property_changes),
        user_home_org_id: Some(org.org_id.clone()),
        ..Default::default()
    });
}

/// A string field at a JSON pointer, for audit diffs.
pub fn text_at(map: &Map<String, Value>, pointer: &str) -> Option<String> {
    let value = Value::Object(map.clone());
    match value.pointer(pointer)? {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}
