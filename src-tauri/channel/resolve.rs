//! Finding queues and flows by the name an admin types, or by id.

use crate::genesys::models::{Flow, Queue};
use crate::genesys::Client;

use super::ChannelError;

fn is_uuid(text: &str) -> bool {
    uuid::Uuid::parse_str(text.trim()).is_ok()
}

/// A queue by id or exact name (case-insensitive).
pub async fn resolve_queue(client: &Client, name_or_id: &str) -> Result<Queue, ChannelError> {
    let wanted = name_or_id.trim();
    if is_uuid(wanted) {
        return match client.queues().get(wanted).await {
            Ok(queue) => Ok(queue),
            Err(error) if error.is_not_found() => Err(ChannelError::NotFound {
                what: "queue",
                given: wanted.into(),
                known: "no queue has that id".into(),
            }),
            Err(error) => Err(error.into()),
        };
    }
    if let Some(queue) = client.queues().find_by_name(wanted).await? {
        return Ok(queue);
    }
    let known = client.queues().list_all(None).await?;
    Err(ChannelError::NotFound {
        what: "queue",
        given: wanted.into(),
        known: known
            .iter()
            .filter_map(|q| q.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// An inbound message flow by id or exact name (case-insensitive), from one listing.
pub fn pick_flow(flows: &[Flow], name_or_id: &str) -> Result<Flow, ChannelError> {
    let wanted = name_or_id.trim();
    flows
        .iter()
        .find(|flow| {
            flow.id.as_deref() == Some(wanted)
                || flow
                    .name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        })
        .cloned()
        .ok_or_else(|| ChannelError::NotFound {
            what: "inbound message flow",
            given: wanted.into(),
            known: flows
                .iter()
                .filter_map(|f| f.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

pub async fn resolve_flow(client: &Client, name_or_id: &str) -> Result<Flow, ChannelError> {
    let flows = client.flows().list_inbound_message_flows().await?;
    pick_flow(&flows, name_or_id)
}
