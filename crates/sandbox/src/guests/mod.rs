//! Guest sessions as the org holds them: who is connected, what each conversation has
//! reached, the frames due to its sockets, the messages remembered. The flows that move
//! them on live in `guest::session`; this module knows nothing of the rest of the org.
//!
//! Invariants: everything here lives in the org (under its one lock); a session's frames
//! reach its sockets only through its broadcast sender, after their due time; the number
//! of sessions and of remembered messages is bounded.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::broadcast;
use tokio::time::Instant;

pub mod frames;
pub mod uploads;

/// Sessions kept at once; past it the longest idle one is dropped.
pub(crate) const MAX_SESSIONS: usize = 5_000;
/// Guest messages remembered for `conversations/messages/{id}/details`.
pub(crate) const MAX_MESSAGE_RECORDS: usize = 50_000;
/// Frames a socket may fall behind by before it is told it lagged.
pub(crate) const SESSION_CHANNEL_CAPACITY: usize = 256;
/// How long a bot or agent "types" before its message arrives.
pub(crate) const BOT_DELAY: Duration = Duration::from_millis(400);
pub(crate) const AGENT_DELAY: Duration = Duration::from_millis(900);

pub const GREETING: &str = "Hi! How can we help?";
/// The greeting's quick replies: (text, payload).
pub const MENU: &[(&str, &str)] = &[("Track my order", "track"), ("Talk to an agent", "agent")];
/// The participant data the flow sets when the visitor tracks an order.
pub const ORDER_STATUS_KEY: &str = "orderStatus";
pub const ORDER_STATUS: &str = "shipped";
/// The title of the card the flow answers "Track my order" with.
pub const ORDER_CARD_TITLE: &str = "Your order #1042";
/// The smallest PNG there is, one transparent pixel: the label the flow sends, and a
/// visitor's photo in tests.
pub const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];
/// The file the flow sends after the order card.
pub const SHIPPING_LABEL: &str = "label-1042.png";

/// A frame for every socket of a session, except the one that caused it, or for one.
#[derive(Debug, Clone, Default)]
pub struct Push {
    pub frame: Value,
    pub except_connection: Option<u64>,
    /// Only this socket sends it.
    pub only_connection: Option<u64>,
    /// The socket closes after sending it.
    pub closes: bool,
}

impl Push {
    pub fn is_for(&self, connection: u64) -> bool {
        self.except_connection != Some(connection)
            && self.only_connection.is_none_or(|only| only == connection)
    }
}

/// Sockets one session may hold (`session.connections.max`); a newer one closes the oldest.
pub const MAX_CONNECTIONS: usize = 3;
/// How long a session lasts after its last message when the configuration does not say
/// (`sessionDurationSeconds`, 72 hours).
pub const DEFAULT_SESSION_DURATION: Duration = Duration::from_secs(259_200);

/// What the deployment's published configuration and supported content profile make the
/// Guest API do for its sessions.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// `None`: conversation disconnect off, the page is never told; `Some(read_only)`:
    /// a Presence `Disconnect` with `readOnly` (type ReadOnly) or not (Send).
    pub disconnect: Option<bool>,
    pub agent_typing: bool,
    pub user_typing: bool,
    pub clear: bool,
    pub auto_start: bool,
    pub session_duration: Duration,
    /// MIME types visitors may send, from the supported content profile.
    pub inbound_media: Vec<String>,
    /// The configuration turns file attachments on (`messenger.fileUpload`).
    pub attachments: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            disconnect: None,
            agent_typing: true,
            user_typing: true,
            clear: false,
            auto_start: false,
            session_duration: DEFAULT_SESSION_DURATION,
            inbound_media: Vec::new(),
            attachments: false,
        }
    }
}

impl Behaviour {
    /// From a configuration version's `messenger.apps.conversations`; absent switches
    /// are as Messenger defaults them (typing indicators on, the rest off).
    pub fn of(configuration: Option<&Value>, inbound_media: Vec<String>) -> Behaviour {
        let apps = configuration.and_then(|c| c.pointer("/messenger/apps/conversations"));
        let flag = |pointer: &str| {
            apps.and_then(|a| a.pointer(pointer))
                .and_then(Value::as_bool)
        };
        let disconnect = match flag("/conversationDisconnect/enabled") {
            Some(true) => Some(
                apps.and_then(|a| a.pointer("/conversationDisconnect/type"))
                    .and_then(Value::as_str)
                    == Some("ReadOnly"),
            ),
            _ => None,
        };
        let session_duration = apps
            .and_then(|a| a.get("sessionDurationSeconds"))
            .and_then(Value::as_u64)
            .filter(|seconds| *seconds > 0)
            .map_or(DEFAULT_SESSION_DURATION, Duration::from_secs);
        Behaviour {
            disconnect,
            agent_typing: flag("/showAgentTypingIndicator").unwrap_or(true),
            user_typing: flag("/showUserTypingIndicator").unwrap_or(true),
            clear: flag("/conversationClear/enabled").unwrap_or(false),
            auto_start: flag("/autoStart/enabled").unwrap_or(false),
            session_duration,
            inbound_media,
            attachments: configuration
                .and_then(|c| c.pointer("/messenger/fileUpload/enableAttachments"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }
}

/// A guest fault queued through `/sandbox/guest/faults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GuestFault {
    /// The next sockets are cut (no close frame) right after their session is configured.
    DropSocket,
    /// The next conversations' flows fail: no greeting, the conversation is disconnected.
    FlowError,
    /// The next "Track my order" answers reach the socket out of order: the shipping
    /// label (sent second) before the order card (sent first), as frames of one
    /// conversation may arrive.
    OutOfOrder,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The flow runs; `greeted` once the bot has said hello.
    InFlow {
        greeted: bool,
    },
    Queued {
        queue_id: String,
    },
    WithAgent {
        queue_id: String,
        agent_name: String,
    },
    Ended,
}

#[derive(Debug)]
pub(crate) struct Conversation {
    pub(crate) id: String,
    pub(crate) stage: Stage,
}

#[derive(Debug)]
pub struct GuestSession {
    pub deployment_id: String,
    pub(crate) flow_id: Option<String>,
    pub behaviour: Behaviour,
    /// Its sockets, oldest first.
    pub(crate) connections: VecDeque<u64>,
    pub idle_limit: Duration,
    pub expires_at: Instant,
    /// Set when the session was configured, for the customer's name in analytics.
    pub(crate) customer_name: String,
    /// The custom attributes its messages carried, newest value per key.
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) conversation: Option<Conversation>,
    /// When each recent `onMessage` arrived, for the per-second rate.
    pub(crate) recent_messages: VecDeque<Instant>,
    pub(crate) outbox: VecDeque<(Instant, Push)>,
    pub(crate) events: broadcast::Sender<Push>,
}

impl GuestSession {
    pub fn subscribe(&self) -> broadcast::Receiver<Push> {
        self.events.subscribe()
    }

    /// Sends `push` to every subscribed socket now; none subscribed is not an error.
    pub fn broadcast(&self, push: Push) {
        let _ = self.events.send(push);
    }

    pub fn expiration_epoch_seconds(&self, sim_now: DateTime<Utc>) -> i64 {
        let left = self.expires_at.saturating_duration_since(Instant::now());
        sim_now.timestamp() + left.as_secs() as i64
    }

    pub fn conversation_id(&self) -> Option<&str> {
        self.conversation.as_ref().map(|c| c.id.as_str())
    }

    /// Counts a socket in; past [`MAX_CONNECTIONS`] the oldest is told it was closed.
    pub fn connect(&mut self, connection: u64) {
        if self.connections.contains(&connection) {
            return;
        }
        self.connections.push_back(connection);
        while self.connections.len() > MAX_CONNECTIONS {
            if let Some(oldest) = self.connections.pop_front() {
                self.broadcast(Push {
                    frame: frames::connection_closed(),
                    only_connection: Some(oldest),
                    closes: true,
                    ..Default::default()
                });
            }
        }
    }

    pub fn disconnect_socket(&mut self, connection: u64) {
        self.connections.retain(|c| *c != connection);
    }
}

#[derive(Debug, Clone)]
pub struct MessageRecord {
    pub conversation_id: String,
    pub text: String,
    pub timestamp: DateTime<Utc>,
}

/// A conversation a guest started, as the conversations API shows it. It outlives its
/// session: a visitor who closes the Messenger leaves the conversation in its queue
/// until an agent ends it or it is disconnected through the API.
#[derive(Debug, Clone)]
pub struct ConversationRecord {
    pub customer_participant_id: String,
    pub customer_name: String,
    pub started: DateTime<Utc>,
    /// The queue the flow transferred it to, and that queue's participant.
    pub queue: Option<(String, String)>,
    /// Participant data: the Messenger's custom attributes and what the flow set.
    pub attributes: BTreeMap<String, String>,
    pub customer_present: bool,
}

/// Every guest session and message of the org.
#[derive(Debug, Default)]
pub struct Guests {
    pub(crate) sessions: HashMap<String, GuestSession>,
    pub(crate) conversations: HashMap<String, ConversationRecord>,
    pub(crate) conversation_order: VecDeque<String>,
    pub(crate) messages: HashMap<String, MessageRecord>,
    pub(crate) message_order: VecDeque<String>,
    pub(crate) faults: VecDeque<(GuestFault, u32)>,
    pub(crate) next_customer: u64,
    pub(crate) uploads: uploads::Uploads,
}

/// What an inbound guest message asks of the flow.
pub enum Inbound<'a> {
    Join,
    Text(&'a str),
    /// A quick reply or button chosen, by its payload.
    Choice(&'a str),
    /// An uploaded file sent, by its name.
    Attachment(&'a str),
    Other,
}

impl Guests {
    pub fn session(&self, token: &str) -> Option<&GuestSession> {
        self.sessions.get(token)
    }

    pub fn session_mut(&mut self, token: &str) -> Option<&mut GuestSession> {
        self.sessions.get_mut(token)
    }

    pub fn message(&self, message_id: &str) -> Option<&MessageRecord> {
        self.messages.get(message_id)
    }

    pub fn push_fault(&mut self, fault: GuestFault, count: u32) {
        if count > 0 {
            self.faults.push_back((fault, count));
        }
    }

    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    pub fn pending_faults(&self) -> u32 {
        self.faults.iter().map(|(_, count)| count).sum()
    }

    /// Takes one of `fault` from the queue, if the first queued fault is of that kind.
    pub fn take_fault(&mut self, fault: GuestFault) -> bool {
        let Some((first, remaining)) = self.faults.front_mut() else {
            return false;
        };
        if *first != fault {
            return false;
        }
        *remaining -= 1;
        if *remaining == 0 {
            self.faults.pop_front();
        }
        true
    }

    /// Opens (`true`) or resumes (`false`) the session `token` of `deployment_id`.
    pub fn configure(
        &mut self,
        token: &str,
        deployment_id: &str,
        flow_id: Option<String>,
        behaviour: Behaviour,
        idle_cap: Duration,
    ) -> bool {
        let now = Instant::now();
        let idle_limit = behaviour.session_duration.min(idle_cap);
        if let Some(session) = self.sessions.get_mut(token) {
            if session.expires_at > now {
                session.expires_at = now + idle_limit;
                return false;
            }
            self.sessions.remove(token);
        }
        if self.sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = self
                .sessions
                .iter()
                .min_by_key(|(_, session)| session.expires_at)
                .map(|(token, _)| token.clone())
            {
                self.sessions.remove(&oldest);
            }
        }
        self.next_customer += 1;
        let (events, _) = broadcast::channel(SESSION_CHANNEL_CAPACITY);
        self.sessions.insert(
            token.to_string(),
            GuestSession {
                deployment_id: deployment_id.to_string(),
                flow_id,
                behaviour,
                connections: VecDeque::new(),
                idle_limit,
                expires_at: now + idle_limit,
                customer_name: format!("Website visitor #{}", self.next_customer),
                attributes: BTreeMap::new(),
                conversation: None,
                recent_messages: VecDeque::new(),
                outbox: VecDeque::new(),
                events,
            },
        );
        true
    }

    /// Counts an `onMessage` against the per-second limit; false when over it.
    pub fn admit_message(&mut self, token: &str, per_second: usize) -> bool {
        let Some(session) = self.sessions.get_mut(token) else {
            return false;
        };
        let now = Instant::now();
        while session
            .recent_messages
            .front()
            .is_some_and(|at| now.duration_since(*at) >= Duration::from_secs(1))
        {
            session.recent_messages.pop_front();
        }
        if session.recent_messages.len() >= per_second {
            return false;
        }
        session.recent_messages.push_back(now);
        session.expires_at = now + session.idle_limit;
        true
    }

    pub fn conversation(&self, conversation_id: &str) -> Option<&ConversationRecord> {
        self.conversations.get(conversation_id)
    }

    pub(crate) fn conversation_mut(
        &mut self,
        conversation_id: &str,
    ) -> Option<&mut ConversationRecord> {
        self.conversations.get_mut(conversation_id)
    }

    /// Keeps `record`, dropping the oldest past [`MAX_MESSAGE_RECORDS`].
    pub(crate) fn remember_conversation(
        &mut self,
        conversation_id: &str,
        record: ConversationRecord,
    ) {
        if self.conversation_order.len() >= MAX_MESSAGE_RECORDS {
            if let Some(oldest) = self.conversation_order.pop_front() {
                self.conversations.remove(&oldest);
            }
        }
        self.conversation_order
            .push_back(conversation_id.to_string());
        self.conversations
            .insert(conversation_id.to_string(), record);
    }

    /// The open session whose conversation this is, by its token.
    pub(crate) fn token_of_conversation(&self, conversation_id: &str) -> Option<String> {
        self.sessions
            .iter()
            .find(|(_, session)| session.conversation_id() == Some(conversation_id))
            .map(|(token, _)| token.clone())
    }

    pub(crate) fn remember_message(&mut self, message_id: &str, record: MessageRecord) {
        if self.message_order.len() >= MAX_MESSAGE_RECORDS {
            if let Some(oldest) = self.message_order.pop_front() {
                self.messages.remove(&oldest);
            }
        }
        self.message_order.push_back(message_id.to_string());
        self.messages.insert(message_id.to_string(), record);
    }

    /// Forgets the session; what becomes of its conversation is the caller's to say.
    pub fn close(&mut self, token: &str) -> Option<GuestSession> {
        self.sessions.remove(token)
    }

    /// Sessions idle past their limit at `now`, and, when the store is full, the one
    /// closest to expiring, which a new session would otherwise push out unended.
    pub fn to_end(&self, now: Instant, making_room: bool) -> Vec<String> {
        let mut tokens: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, session)| session.expires_at <= now)
            .map(|(token, _)| token.clone())
            .collect();
        if making_room && self.sessions.len() - tokens.len() >= MAX_SESSIONS {
            if let Some((oldest, _)) = self
                .sessions
                .iter()
                .filter(|(_, session)| session.expires_at > now)
                .min_by_key(|(_, session)| session.expires_at)
            {
                tokens.push(oldest.clone());
            }
        }
        tokens
    }
}

/// Queues `frame` for the session's sockets `after` from now, in order of when each is
/// due (frames due together keep the order they were queued in).
pub(crate) fn schedule(session: &mut GuestSession, after: Duration, frame: Value) {
    let due = Instant::now() + after;
    let at = session.outbox.partition_point(|(queued, _)| *queued <= due);
    session.outbox.insert(
        at,
        (
            due,
            Push {
                frame,
                ..Default::default()
            },
        ),
    );
}

/// The conversation ends; the page hears of it only when conversation disconnect is on.
pub(crate) fn schedule_disconnect(
    session: &mut GuestSession,
    after: Duration,
    sim_now: DateTime<Utc>,
) {
    if let Some(read_only) = session.behaviour.disconnect {
        schedule(session, after, frames::disconnect(read_only, sim_now));
    }
    if let Some(conversation) = &mut session.conversation {
        conversation.stage = Stage::Ended;
    }
}

/// An agent's message, after a typing event where the deployment shows those.
pub(crate) fn schedule_agent_text(
    session: &mut GuestSession,
    text: &str,
    agent_name: &str,
    sim_now: DateTime<Utc>,
) {
    if session.behaviour.agent_typing {
        schedule(session, AGENT_DELAY / 3, frames::agent_typing(sim_now));
    }
    let first_name = agent_name.split(' ').next().unwrap_or(agent_name);
    let agent = frames::Agent {
        nickname: first_name,
        first_name,
        image: None,
    };
    schedule(
        session,
        AGENT_DELAY,
        frames::agent_text(text, &agent, sim_now),
    );
}
