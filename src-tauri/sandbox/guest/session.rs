//! Guest sessions and the inbound message flows that answer them, as Architect flows
//! would: greet as a bot, transfer to the flow's queue once the guest writes, wait in the
//! simulated traffic until an agent answers as a human, disconnect when it ends.
//!
//! Invariants: everything here lives in the org (under its one lock); a session's frames
//! reach its sockets only through its broadcast sender, after their due time; the number
//! of sessions and of remembered messages is bounded.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::super::seed::FALLBACK_FLOW_NAME;
use super::super::state::{iso, Org};
use super::super::traffic::Whereabouts;
use super::frames;

/// Sessions kept at once; past it the longest idle one is dropped.
const MAX_SESSIONS: usize = 5_000;
/// Guest messages remembered for `conversations/messages/{id}/details`.
const MAX_MESSAGE_RECORDS: usize = 50_000;
/// Frames a socket may fall behind by before it is told it lagged.
const SESSION_CHANNEL_CAPACITY: usize = 256;
/// How long a bot or agent "types" before its message arrives.
const BOT_DELAY: Duration = Duration::from_millis(400);
const AGENT_DELAY: Duration = Duration::from_millis(900);

pub const GREETING: &str = "Hi! How can we help?";

/// A frame for every socket of a session, except the one that caused it.
#[derive(Debug, Clone)]
pub struct Push {
    pub frame: Value,
    pub except_connection: Option<u64>,
    /// The socket closes after sending it.
    pub closes: bool,
}

/// A guest fault queued through `/sandbox/guest/faults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GuestFault {
    /// The next sockets are cut (no close frame) right after their session is configured.
    DropSocket,
    /// The next conversations' flows fail: no greeting, the conversation is disconnected.
    FlowError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// The flow runs; `greeted` once the bot has said hello.
    InFlow {
        greeted: bool,
    },
    Queued {
        queue_id: String,
    },
    WithAgent {
        queue_id: String,
    },
    Ended,
}

#[derive(Debug)]
struct Conversation {
    id: String,
    stage: Stage,
}

#[derive(Debug)]
pub struct GuestSession {
    pub deployment_id: String,
    flow_id: Option<String>,
    pub idle_limit: Duration,
    pub expires_at: Instant,
    /// Set when the session was configured, for the customer's name in analytics.
    customer_name: String,
    conversation: Option<Conversation>,
    /// When each recent `onMessage` arrived, for the per-second rate.
    recent_messages: VecDeque<Instant>,
    outbox: VecDeque<(Instant, Push)>,
    events: broadcast::Sender<Push>,
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
}

#[derive(Debug, Clone)]
pub struct MessageRecord {
    pub conversation_id: String,
    pub text: String,
    pub timestamp: DateTime<Utc>,
}

/// Every guest session and message of the org.
#[derive(Debug, Default)]
pub struct Guests {
    sessions: HashMap<String, GuestSession>,
    messages: HashMap<String, MessageRecord>,
    message_order: VecDeque<String>,
    faults: VecDeque<(GuestFault, u32)>,
    next_customer: u64,
}

/// What an inbound guest message asks of the flow.
pub enum Inbound<'a> {
    Join,
    Text(&'a str),
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
        idle_limit: Duration,
    ) -> bool {
        let now = Instant::now();
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
                idle_limit,
                expires_at: now + idle_limit,
                customer_name: format!("Website visitor #{}", self.next_customer),
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

    fn remember_message(&mut self, message_id: &str, record: MessageRecord) {
        if self.message_order.len() >= MAX_MESSAGE_RECORDS {
            if let Some(oldest) = self.message_order.pop_front() {
                self.messages.remove(&oldest);
            }
        }
        self.message_order.push_back(message_id.to_string());
        self.messages.insert(message_id.to_string(), record);
    }

    /// Ends the session: its waiting conversation leaves the queue.
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

fn schedule(session: &mut GuestSession, after: Duration, frame: Value) {
    session.outbox.push_back((
        Instant::now() + after,
        Push {
            frame,
            except_connection: None,
            closes: false,
        },
    ));
}

fn schedule_disconnect(session: &mut GuestSession, after: Duration, sim_now: DateTime<Utc>) {
    schedule(session, after, frames::presence_out("Disconnect", sim_now));
    if let Some(conversation) = &mut session.conversation {
        conversation.stage = Stage::Ended;
    }
}

impl Org {
    /// Runs the flow on one inbound guest message whose echo has id `message_id`.
    pub fn guest_inbound(&mut self, token: &str, message_id: &str, inbound: Inbound<'_>) {
        let sim_now = self.traffic.now();
        let flow_fails = self
            .guests
            .session(token)
            .is_some_and(|s| s.conversation.is_none())
            && self.guests.take_fault(GuestFault::FlowError);
        let flow_name = self
            .guests
            .session(token)
            .and_then(|s| s.flow_id.as_deref())
            .and_then(|id| self.flow(id))
            .and_then(|flow| flow.name.clone());
        let flow_queue = self.guests.session(token).and_then(|s| {
            let flow_id = s.flow_id.as_deref()?;
            self.traffic
                .queues
                .iter()
                .find(|q| q.flow_id.as_deref() == Some(flow_id))
                .map(|q| q.queue_id.clone())
        });
        let queue_name = flow_queue
            .as_deref()
            .and_then(|id| self.queue(id))
            .and_then(|q| q.name.clone())
            .unwrap_or_default();
        let Some(session) = self.guests.session_mut(token) else {
            return;
        };
        let conversation = session.conversation.get_or_insert_with(|| Conversation {
            id: uuid::Uuid::new_v4().to_string(),
            stage: Stage::InFlow { greeted: false },
        });
        let conversation_id = conversation.id.clone();
        let stage = conversation.stage.clone();
        if flow_fails {
            schedule_disconnect(session, BOT_DELAY, sim_now);
        } else {
            match (stage, &inbound) {
                (Stage::InFlow { greeted: false }, Inbound::Join | Inbound::Text(_)) => {
                    schedule(session, BOT_DELAY, frames::bot_text(GREETING, sim_now));
                    if let Some(conversation) = &mut session.conversation {
                        conversation.stage = Stage::InFlow { greeted: true };
                    }
                    if let Inbound::Text(_) = inbound {
                        self.guest_transfer(token, flow_queue, &flow_name, &queue_name);
                    }
                }
                (Stage::InFlow { greeted: true }, Inbound::Text(_)) => {
                    self.guest_transfer(token, flow_queue, &flow_name, &queue_name);
                }
                (Stage::WithAgent { .. }, Inbound::Text(_)) => {
                    schedule(
                        session,
                        AGENT_DELAY,
                        frames::agent_text("Thanks, let me look into that for you.", sim_now),
                    );
                }
                _ => {}
            }
        }
        if let Inbound::Text(text) = inbound {
            self.guests.remember_message(
                message_id,
                MessageRecord {
                    conversation_id,
                    text: text.to_string(),
                    timestamp: sim_now,
                },
            );
        }
    }

    fn guest_transfer(
        &mut self,
        token: &str,
        queue_id: Option<String>,
        flow_name: &Option<String>,
        queue_name: &str,
    ) {
        let sim_now = self.traffic.now();
        let Some(session) = self.guests.session(token) else {
            return;
        };
        let Some(conversation_id) = session.conversation_id().map(str::to_string) else {
            return;
        };
        let customer_name = session.customer_name.clone();
        let enqueued = match &queue_id {
            Some(queue_id) => {
                self.traffic
                    .enqueue(queue_id, &conversation_id, token, &customer_name)
            }
            None => false,
        };
        let Some(session) = self.guests.session_mut(token) else {
            return;
        };
        match (enqueued, queue_id) {
            (true, Some(queue_id)) => {
                let text = if flow_name.as_deref() == Some(FALLBACK_FLOW_NAME) {
                    "Our team is busy right now. You are in the queue and we will answer as soon as we can.".to_string()
                } else {
                    format!("Thanks! Connecting you to the {queue_name} team.")
                };
                schedule(session, BOT_DELAY * 2, frames::bot_text(&text, sim_now));
                if let Some(conversation) = &mut session.conversation {
                    conversation.stage = Stage::Queued { queue_id };
                }
            }
            _ => {
                schedule(
                    session,
                    BOT_DELAY * 2,
                    frames::bot_text(
                        "Sorry, we cannot take messages right now. Please try again later.",
                        sim_now,
                    ),
                );
                schedule_disconnect(session, BOT_DELAY * 3, sim_now);
            }
        }
    }

    /// Brings the session up to now: the agent joining or leaving, due frames sent,
    /// expiry. Called by every socket of the session on its tick.
    pub fn guest_tick(&mut self, token: &str) {
        let sim_now = self.traffic.now();
        let now = Instant::now();
        let (stage, conversation_id) = match self
            .guests
            .session(token)
            .and_then(|s| s.conversation.as_ref())
        {
            Some(c) => (c.stage.clone(), c.id.clone()),
            None => (Stage::Ended, String::new()),
        };
        let whereabouts = match &stage {
            Stage::Queued { queue_id } | Stage::WithAgent { queue_id } => {
                Some(self.traffic.whereabouts(queue_id, &conversation_id))
            }
            _ => None,
        };
        let Some(session) = self.guests.session_mut(token) else {
            return;
        };
        match (stage, whereabouts) {
            (Stage::Queued { queue_id }, Some(Whereabouts::Answered { agent_name })) => {
                let first_name = agent_name.split(' ').next().unwrap_or("").to_string();
                schedule(
                    session,
                    Duration::ZERO,
                    frames::presence_out("Join", sim_now),
                );
                schedule(
                    session,
                    AGENT_DELAY,
                    frames::agent_text(&format!("Hi, I'm {first_name}. How can I help?"), sim_now),
                );
                if let Some(conversation) = &mut session.conversation {
                    conversation.stage = Stage::WithAgent { queue_id };
                }
            }
            (Stage::Queued { .. } | Stage::WithAgent { .. }, Some(Whereabouts::Gone)) => {
                schedule_disconnect(session, Duration::ZERO, sim_now);
            }
            _ => {}
        }
        while session.outbox.front().is_some_and(|(due, _)| *due <= now) {
            if let Some((_, push)) = session.outbox.pop_front() {
                let _ = session.events.send(push);
            }
        }
        if session.expires_at <= now {
            let _ = session.events.send(Push {
                frame: frames::session_expired(),
                except_connection: None,
                closes: true,
            });
            self.guest_close(token);
        }
    }

    /// Ends every session idle past its limit, and its conversation, whether or not a
    /// socket is still there to be told: a visitor who left without closing must not
    /// stay in a queue for ever. With `making_room`, also the session a new one would
    /// push out of a full store.
    pub fn end_idle_guests(&mut self, making_room: bool) {
        for token in self.guests.to_end(Instant::now(), making_room) {
            if let Some(session) = self.guests.session(&token) {
                let _ = session.events.send(Push {
                    frame: frames::session_expired(),
                    except_connection: None,
                    closes: true,
                });
            }
            self.guest_close(&token);
        }
    }

    /// Ends the session and its conversation.
    pub fn guest_close(&mut self, token: &str) {
        if let Some(session) = self.guests.close(token) {
            if let Some(conversation) = session.conversation {
                if matches!(
                    conversation.stage,
                    Stage::Queued { .. } | Stage::WithAgent { .. }
                ) {
                    self.traffic.leave(&conversation.id);
                }
            }
        }
    }

    /// `GET /api/v2/conversations/messages/{id}/details` for a guest message.
    pub fn guest_message_json(&self, message_id: &str) -> Option<Value> {
        let record = self.guests.message(message_id)?;
        Some(json!({
            "id": message_id,
            "timestamp": iso(record.timestamp),
            "direction": "inbound",
            "messengerType": "webmessaging",
            "textBody": record.text,
            "status": "received",
            "conversationId": record.conversation_id,
            "selfUri": format!("/api/v2/conversations/messages/{message_id}/details"),
        }))
    }
}
