//! Synthetic conversations left open: a run stopped before its cleanup, one kept with
//! `--keep-conversations`, a profile that could not disconnect. They wait in a real
//! queue until an agent is offered them, so they can be found and ended.
//!
//! Finding them: one details query (paged) for the web messaging conversations of the
//! span that have not ended, then each one's participants, since only those carry the
//! customer's participant data where the `wmdSynthetic` tag is. Ending one disconnects
//! its customer, as the end of a drive does.

use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;

use crate::genesys::models::{AnalyticsFilter, AnalyticsPredicate, ConversationQuery};
use crate::genesys::Client;

use super::protocol::SYNTHETIC_ATTRIBUTE;

/// The most conversations one search reads.
pub const MAX_SEARCHED: u32 = 1_000;
/// Details page size: the largest the query takes.
const PAGE_SIZE: u32 = 100;
/// Conversations read at once.
const READ_AT_ONCE: usize = 8;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leftover {
    pub conversation_id: String,
    pub started: Option<String>,
    pub queue_id: Option<String>,
    pub customer_name: Option<String>,
}

/// The synthetic conversations started within `since` that are still open, oldest
/// first, and how many open web messaging conversations were looked at.
pub async fn find(
    client: &Client,
    since: Duration,
) -> Result<(Vec<Leftover>, usize), crate::genesys::Error> {
    let now = client.now();
    let since = chrono::Duration::from_std(since).unwrap_or(chrono::Duration::days(1));
    let interval = format!(
        "{}/{}",
        (now - since).format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        (now + chrono::Duration::minutes(5)).format("%Y-%m-%dT%H:%M:%S%.3fZ")
    );
    let dimension = |name: &str, value: &str| AnalyticsPredicate::dimension(name, value);
    let query = ConversationQuery {
        interval,
        order: Some("asc".into()),
        conversation_filters: Some(vec![AnalyticsFilter::all_of(vec![
            AnalyticsPredicate::absent("conversationEnd"),
        ])]),
        segment_filters: Some(vec![AnalyticsFilter::all_of(vec![
            dimension("mediaType", "message"),
            dimension("messageType", "webmessaging"),
        ])]),
        ..Default::default()
    };
    let mut open = client
        .analytics()
        .conversation_details_all(&query, PAGE_SIZE)
        .await?;
    open.truncate(MAX_SEARCHED as usize);
    let searched = open.len();
    let read: Vec<Result<Option<Leftover>, crate::genesys::Error>> = futures::stream::iter(open)
        .map(|conversation| async move {
            let Some(id) = conversation.conversation_id.clone() else {
                return Ok(None);
            };
            let details = match client.conversations().message_conversation(&id).await {
                Ok(details) => details,
                // Ended and gone since the search.
                Err(error) if error.is_not_found() => return Ok(None),
                Err(error) => return Err(error),
            };
            let synthetic = details.customers().any(|customer| {
                customer.is_present()
                    && customer
                        .attributes
                        .as_ref()
                        .and_then(|data| data.get(SYNTHETIC_ATTRIBUTE))
                        .is_some_and(|tag| tag == "true")
            });
            let participants = conversation.participants.iter().flatten();
            let (mut queue_id, mut customer_name) = (None, None);
            for participant in participants {
                match participant.purpose.as_deref() {
                    Some("customer") => customer_name = participant.participant_name.clone(),
                    Some("acd") => {
                        queue_id = participant
                            .sessions
                            .iter()
                            .flatten()
                            .flat_map(|s| s.segments.iter().flatten())
                            .find_map(|segment| segment.queue_id.clone())
                    }
                    _ => {}
                }
            }
            Ok(synthetic.then_some(Leftover {
                conversation_id: id,
                started: conversation.conversation_start.clone(),
                queue_id,
                customer_name,
            }))
        })
        .buffered(READ_AT_ONCE)
        .collect()
        .await;
    let mut leftovers = Vec::new();
    for result in read {
        leftovers.extend(result?);
    }
    Ok((leftovers, searched))
}

/// Disconnects the customers still in `conversation_id`; `false` when none was.
pub async fn end(client: &Client, conversation_id: &str) -> Result<bool, String> {
    let conversation = client
        .conversations()
        .message_conversation(conversation_id)
        .await
        .map_err(|error| format!("the conversation could not be read ({error})"))?;
    let mut ended = false;
    for customer in conversation.customers().filter(|c| c.is_present()) {
        let Some(participant_id) = &customer.id else {
            continue;
        };
        client
            .conversations()
            .disconnect_participant(conversation_id, participant_id)
            .await
            .map_err(|error| match error.status() {
                Some(403) => "the profile may not disconnect conversations \
                     (conversation:communication:disconnect)"
                    .to_string(),
                _ => format!("the disconnect was refused ({error})"),
            })?;
        ended = true;
    }
    Ok(ended)
}

/// Ends the conversation of a finished visit, found from its first message when
/// tracking did not find it: the conversation ended, or why it was left open; `Ok(None)`
/// when the visit never had one.
pub async fn end_visit(
    client: &Client,
    conversation_id: Option<&str>,
    first_message_id: Option<&str>,
) -> Result<Option<String>, String> {
    let conversation_id = match (conversation_id, first_message_id) {
        (Some(id), _) => id.to_string(),
        (None, Some(message_id)) => {
            match client.conversations().message_details(message_id).await {
                Ok(details) => match details.conversation_id {
                    Some(id) => id,
                    None => return Ok(None),
                },
                Err(error) => return Err(format!("its conversation was not found ({error})")),
            }
        }
        (None, None) => return Ok(None),
    };
    end(client, &conversation_id).await?;
    Ok(Some(conversation_id))
}
