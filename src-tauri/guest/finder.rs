//! Where the visitors' conversations went, for many visitors at once with few requests.
//!
//! Every visitor of a run shares one client and so one rate window (300 requests a
//! minute by default). Asking for each visitor on its own costs about five requests a
//! second each once routed; two hundred visitors would spend the window in a second and
//! wait a minute for the next. The finder asks once a cycle for everyone it watches:
//! each new first message's conversation (the only lookup with no batch form), one
//! details query for up to [`IDS_PER_QUERY`] conversations not yet routed, each queue's
//! name once, and one observations query per queue for the places in line.
//!
//! Visitors read what it found from memory; nothing they do sends a request of its own.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::genesys::models::{
    metric, AnalyticsFilter, ConversationQuery, PagingSpec, QueueObservationQuery,
};
use crate::genesys::Client;
use crate::monitor::tracker::{ConversationTracker, Tracking, TrackingState};

/// How often the finder asks.
pub const CYCLE: Duration = Duration::from_secs(1);
/// Conversation ids one details query names: the largest page the query returns, so one
/// page answers it.
pub const IDS_PER_QUERY: usize = 100;
/// Message lookups in flight at once.
const LOOKUPS_AT_ONCE: usize = 32;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutedTo {
    pub queue_id: String,
    pub queue_name: Option<String>,
}

/// What a visitor wants followed beyond its conversation and queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    /// Its place in line while it waits.
    pub positions: bool,
    /// A fresh estimate each time the line moves (one request each); otherwise the
    /// estimate given when it was first seen waiting.
    pub estimate_each_move: bool,
    /// The participant data the flow wrote on the customer.
    pub participant_data: bool,
}

/// What the finder knows of one visitor's conversation.
#[derive(Debug, Clone, Default)]
pub struct Sighting {
    pub conversation_id: Option<String>,
    pub routed: Option<RoutedTo>,
    pub tracking: Option<Tracking>,
    pub participant_data: Option<BTreeMap<String, String>>,
    /// Why it could not be followed: the API refused a lookup.
    pub error: Option<String>,
}

struct Watch {
    wants: Wants,
    sighting: Sighting,
    /// Taken out while a cycle follows it.
    tracker: Option<ConversationTracker>,
}

#[derive(Default)]
struct Watched {
    /// By the visitor's first message id.
    watches: HashMap<String, Watch>,
    queue_names: HashMap<String, Option<String>>,
}

pub struct Finder<'a> {
    client: &'a Client,
    watched: Mutex<Watched>,
}

impl<'a> Finder<'a> {
    pub fn new(client: &'a Client) -> Self {
        Finder {
            client,
            watched: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Watched> {
        self.watched.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts following the conversation of the visitor whose first message is
    /// `message_id`.
    pub fn watch(&self, message_id: &str, wants: Wants) {
        self.lock()
            .watches
            .entry(message_id.to_string())
            .or_insert(Watch {
                wants,
                sighting: Sighting::default(),
                tracker: None,
            });
    }

    pub fn sighting(&self, message_id: &str) -> Option<Sighting> {
        self.lock()
            .watches
            .get(message_id)
            .map(|watch| watch.sighting.clone())
    }

    /// Stops following it: the visitor is done.
    pub fn forget(&self, message_id: &str) {
        self.lock().watches.remove(message_id);
    }

    /// Cycles until `stop`; a cycle cut short loses nothing already recorded.
    pub async fn run(&self, stop: &CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.cycle() => {}
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(CYCLE) => {}
            }
        }
    }

    /// One round of asking for everyone watched.
    pub async fn cycle(&self) {
        self.find_conversations().await;
        self.find_queues().await;
        self.follow_places().await;
        self.read_participant_data().await;
    }

    /// The conversation behind each new first message.
    async fn find_conversations(&self) {
        let unknown: Vec<String> = self
            .lock()
            .watches
            .iter()
            .filter(|(_, w)| w.sighting.conversation_id.is_none() && w.sighting.error.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        let client = self.client;
        let found: Vec<_> = futures::stream::iter(unknown)
            .map(|message_id| async move {
                let result = client.conversations().message_details(&message_id).await;
                (message_id, result)
            })
            .buffer_unordered(LOOKUPS_AT_ONCE)
            .collect()
            .await;
        let mut watched = self.lock();
        for (message_id, result) in found {
            let Some(watch) = watched.watches.get_mut(&message_id) else {
                continue;
            };
            match result {
                Ok(details) => watch.sighting.conversation_id = details.conversation_id,
                // Genesys may take a moment to index a new message.
                Err(error) if error.is_not_found() => {}
                Err(error) => {
                    watch.sighting.error = Some(format!("finding the conversation: {error}"))
                }
            }
        }
    }

    /// The queue of every conversation not yet routed, [`IDS_PER_QUERY`] to a query.
    async fn find_queues(&self) {
        let unrouted: Vec<String> = self
            .lock()
            .watches
            .values()
            .filter(|w| w.sighting.routed.is_none() && w.sighting.error.is_none())
            .filter_map(|w| w.sighting.conversation_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut queues: HashMap<String, String> = HashMap::new();
        for ids in unrouted.chunks(IDS_PER_QUERY) {
            match routed_queues(self.client, ids).await {
                Ok(found) => queues.extend(found),
                Err(error) => {
                    let mut watched = self.lock();
                    for watch in watched.watches.values_mut() {
                        if watch
                            .sighting
                            .conversation_id
                            .as_ref()
                            .is_some_and(|id| ids.contains(id))
                        {
                            watch.sighting.error = Some(error.clone());
                        }
                    }
                }
            }
        }
        let unnamed: HashSet<String> = {
            let watched = self.lock();
            queues
                .values()
                .filter(|id| !watched.queue_names.contains_key(*id))
                .cloned()
                .collect()
        };
        for queue_id in unnamed {
            // A name is for people; the id serves when it cannot be read.
            let name = self
                .client
                .queues()
                .get(&queue_id)
                .await
                .ok()
                .and_then(|q| q.name);
            self.lock().queue_names.insert(queue_id, name);
        }
        let mut watched = self.lock();
        let Watched {
            watches,
            queue_names,
        } = &mut *watched;
        for watch in watches.values_mut() {
            let Some(conversation_id) = watch.sighting.conversation_id.clone() else {
                continue;
            };
            if watch.sighting.routed.is_some() {
                continue;
            }
            if let Some(queue_id) = queues.get(&conversation_id) {
                watch.sighting.routed = Some(RoutedTo {
                    queue_id: queue_id.clone(),
                    queue_name: queue_names.get(queue_id).cloned().flatten(),
                });
                if watch.wants.positions {
                    let tracker = ConversationTracker::new(queue_id.clone(), conversation_id);
                    watch.tracker = Some(if watch.wants.estimate_each_move {
                        tracker
                    } else {
                        tracker.estimating_once()
                    });
                }
            }
        }
    }

    /// Each followed conversation's place in line: one observations query per queue.
    async fn follow_places(&self) {
        let mut by_queue: BTreeMap<String, Vec<(String, ConversationTracker)>> = BTreeMap::new();
        {
            let mut watched = self.lock();
            for (message_id, watch) in &mut watched.watches {
                let left = watch
                    .sighting
                    .tracking
                    .as_ref()
                    .is_some_and(|t| t.state == TrackingState::Left);
                if left || watch.sighting.error.is_some() {
                    continue;
                }
                if let Some(tracker) = watch.tracker.take() {
                    by_queue
                        .entry(tracker.queue_id().to_string())
                        .or_default()
                        .push((message_id.clone(), tracker));
                }
            }
        }
        for (queue_id, trackers) in by_queue {
            let query = QueueObservationQuery {
                filter: AnalyticsFilter::any_of("queueId", [queue_id]),
                metrics: vec![metric::WAITING.into()],
                detail_metrics: Some(vec![metric::WAITING.to_string()]),
                ..Default::default()
            };
            let response = self.client.analytics().queue_observations(&query).await;
            for (message_id, mut tracker) in trackers {
                let tracking = match &response {
                    Ok(response) => tracker
                        .follow(self.client, response, self.client.now())
                        .await
                        .map_err(|e| format!("following the conversation in the queue: {e}")),
                    Err(error) => Err(format!("following the conversation in the queue: {error}")),
                };
                let mut watched = self.lock();
                let Some(watch) = watched.watches.get_mut(&message_id) else {
                    continue;
                };
                match tracking {
                    Ok(tracking) => watch.sighting.tracking = Some(tracking),
                    Err(error) => watch.sighting.error = Some(error),
                }
                watch.tracker = Some(tracker);
            }
        }
    }

    /// The customer's participant data, for visitors whose steps check it.
    async fn read_participant_data(&self) {
        let wanted: Vec<(String, String)> = self
            .lock()
            .watches
            .iter()
            .filter(|(_, w)| w.wants.participant_data && w.sighting.error.is_none())
            .filter_map(|(id, w)| Some((id.clone(), w.sighting.conversation_id.clone()?)))
            .collect();
        let client = self.client;
        let read: Vec<_> = futures::stream::iter(wanted)
            .map(|(message_id, conversation_id)| async move {
                let result = client
                    .conversations()
                    .message_conversation(&conversation_id)
                    .await;
                (message_id, result)
            })
            .buffer_unordered(LOOKUPS_AT_ONCE)
            .collect()
            .await;
        let mut watched = self.lock();
        for (message_id, result) in read {
            let Some(watch) = watched.watches.get_mut(&message_id) else {
                continue;
            };
            match result {
                Ok(conversation) => {
                    watch.sighting.participant_data = Some(
                        conversation
                            .customers()
                            .find_map(|customer| customer.attributes.clone())
                            .unwrap_or_default(),
                    )
                }
                Err(error) => {
                    watch.sighting.error = Some(format!("reading the participant data: {error}"))
                }
            }
        }
    }
}

/// The queue each of `conversation_ids` was routed to, from one details query: the queue
/// of its ACD participant's segments.
async fn routed_queues(
    client: &Client,
    conversation_ids: &[String],
) -> Result<HashMap<String, String>, String> {
    let now = client.now();
    let interval = format!(
        "{}/{}",
        (now - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        (now + chrono::Duration::minutes(5)).format("%Y-%m-%dT%H:%M:%S%.3fZ")
    );
    let query = ConversationQuery {
        interval,
        paging: Some(PagingSpec {
            page_size: IDS_PER_QUERY as u32,
            page_number: 1,
        }),
        conversation_filters: Some(vec![AnalyticsFilter::any_of(
            "conversationId",
            conversation_ids.iter().cloned(),
        )]),
        ..Default::default()
    };
    let response = client
        .analytics()
        .conversation_details(&query)
        .await
        .map_err(|e| format!("reading the conversations' details: {e}"))?;
    let mut queues = HashMap::new();
    for conversation in response.conversations.iter().flatten() {
        let Some(conversation_id) = &conversation.conversation_id else {
            continue;
        };
        let queue = conversation
            .participants
            .iter()
            .flatten()
            .filter(|p| p.purpose.as_deref() == Some("acd"))
            .flat_map(|p| p.sessions.iter().flatten())
            .flat_map(|s| s.segments.iter().flatten())
            .find_map(|segment| segment.queue_id.clone());
        if let Some(queue_id) = queue {
            queues.insert(conversation_id.clone(), queue_id);
        }
    }
    Ok(queues)
}
