//! The inbound message flows that answer guest sessions, as Architect flows would: greet
//! as a bot with a menu of quick replies, answer "Track my order" with a card, transfer
//! to the flow's queue once the guest writes or asks for an agent, wait in the simulated
//! traffic until an agent answers as a human, disconnect when it ends.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::guests::frames;
use crate::guests::*;
use crate::seed::FALLBACK_FLOW_NAME;
use crate::state::{iso, Org};
use crate::traffic::Whereabouts;

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
        let is_new = session.conversation.is_none();
        let conversation = session.conversation.get_or_insert_with(|| Conversation {
            id: uuid::Uuid::new_v4().to_string(),
            stage: Stage::InFlow { greeted: false },
        });
        let conversation_id = conversation.id.clone();
        let stage = conversation.stage.clone();
        if is_new {
            let record = ConversationRecord {
                customer_participant_id: uuid::Uuid::new_v4().to_string(),
                customer_name: session.customer_name.clone(),
                started: sim_now,
                queue: None,
                attributes: session.attributes.clone(),
                customer_present: true,
            };
            self.guests.remember_conversation(&conversation_id, record);
        }
        let Some(session) = self.guests.session_mut(token) else {
            return;
        };
        if flow_fails {
            schedule_disconnect(session, BOT_DELAY, sim_now);
        } else {
            let auto_start = session.behaviour.auto_start;
            match (stage, &inbound) {
                // Without auto-start the flow waits for the visitor's first message.
                (Stage::InFlow { greeted: false }, Inbound::Join) if !auto_start => {}
                (
                    Stage::InFlow { greeted: false },
                    Inbound::Join | Inbound::Text(_) | Inbound::Choice(_),
                ) => {
                    schedule(
                        session,
                        BOT_DELAY,
                        frames::bot_menu(GREETING, MENU, sim_now),
                    );
                    if let Some(conversation) = &mut session.conversation {
                        conversation.stage = Stage::InFlow { greeted: true };
                    }
                    if let Inbound::Text(_) = inbound {
                        self.guest_transfer(token, flow_queue, &flow_name, &queue_name);
                    }
                }
                (Stage::InFlow { .. }, Inbound::Attachment(name)) => {
                    let thanks = format!("Thanks, we received {name}.");
                    schedule(session, BOT_DELAY, frames::bot_text(&thanks, sim_now));
                }
                (Stage::WithAgent { agent_name, .. }, Inbound::Attachment(name)) => {
                    let thanks = format!("Thanks, I can see {name}.");
                    schedule_agent_text(session, &thanks, &agent_name, sim_now);
                }
                (Stage::InFlow { greeted: true }, Inbound::Choice("track")) => {
                    self.track_order(token, &conversation_id);
                }
                (Stage::InFlow { greeted: true }, Inbound::Text(_) | Inbound::Choice(_)) => {
                    self.guest_transfer(token, flow_queue, &flow_name, &queue_name);
                }
                (Stage::WithAgent { agent_name, .. }, Inbound::Text(_)) => {
                    schedule_agent_text(
                        session,
                        "Thanks, let me look into that for you.",
                        &agent_name,
                        sim_now,
                    );
                }
                _ => {}
            }
        }
        if let Inbound::Text(text) | Inbound::Choice(text) | Inbound::Attachment(text) = inbound {
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
        if let (true, Some(queue_id), Some(record)) = (
            enqueued,
            &queue_id,
            self.guests.conversation_mut(&conversation_id),
        ) {
            record.queue = Some((queue_id.clone(), uuid::Uuid::new_v4().to_string()));
        }
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
            Stage::Queued { queue_id } | Stage::WithAgent { queue_id, .. } => {
                Some(self.traffic.whereabouts(queue_id, &conversation_id))
            }
            _ => None,
        };
        let Some(session) = self.guests.session_mut(token) else {
            return;
        };
        match (stage, whereabouts) {
            // No event says an agent joined (no SDK models one): the page learns it from
            // the first message a Human sends.
            (Stage::Queued { queue_id }, Some(Whereabouts::Answered { agent_name })) => {
                let first_name = agent_name.split(' ').next().unwrap_or("").to_string();
                schedule_agent_text(
                    session,
                    &format!("Hi, I'm {first_name}. How can I help?"),
                    &agent_name,
                    sim_now,
                );
                if let Some(conversation) = &mut session.conversation {
                    conversation.stage = Stage::WithAgent {
                        queue_id,
                        agent_name,
                    };
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
                closes: true,
                ..Default::default()
            });
            self.guest_close(token);
        }
    }

    /// Presence `Clear` with conversation clear on: the conversation ends and leaves its
    /// queue, the session stays, and every socket hears `SessionClearedEvent`.
    pub fn guest_clear(&mut self, token: &str) {
        let Some(session) = self.guests.session_mut(token) else {
            return;
        };
        let conversation = session.conversation.take();
        session.outbox.clear();
        session.broadcast(Push {
            frame: frames::session_cleared(),
            ..Default::default()
        });
        if let Some(conversation) = conversation {
            if matches!(
                conversation.stage,
                Stage::Queued { .. } | Stage::WithAgent { .. }
            ) {
                self.traffic.leave(&conversation.id);
            }
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
                    closes: true,
                    ..Default::default()
                });
            }
            self.guest_close(&token);
        }
    }

    /// The visitor's messages carried custom attributes: kept on the session and, as
    /// participant data, on its conversation.
    pub fn guest_attributes(&mut self, token: &str, attributes: &serde_json::Map<String, Value>) {
        let Some(session) = self.guests.session_mut(token) else {
            return;
        };
        for (key, value) in attributes {
            if let Some(value) = value.as_str() {
                session.attributes.insert(key.clone(), value.to_string());
            }
        }
        let merged = session.attributes.clone();
        let conversation_id = session.conversation_id().map(str::to_string);
        if let Some(record) = conversation_id.and_then(|id| self.guests.conversation_mut(&id)) {
            record.attributes.extend(merged);
        }
    }

    /// `closeSession`: the visitor's sockets close, the conversation goes on in its
    /// queue, as it does in Genesys Cloud.
    pub fn guest_leave(&mut self, token: &str) {
        self.guests.close(token);
    }

    /// The customer participant disconnected through the API: the conversation ends and
    /// leaves its queue; a session still open hears nothing more from it.
    pub fn disconnect_customer(&mut self, conversation_id: &str) {
        if let Some(record) = self.guests.conversation_mut(conversation_id) {
            record.customer_present = false;
        }
        if let Some(token) = self.guests.token_of_conversation(conversation_id) {
            if let Some(session) = self.guests.session_mut(&token) {
                session.outbox.clear();
                if let Some(conversation) = &mut session.conversation {
                    conversation.stage = Stage::Ended;
                }
            }
        }
        self.traffic.leave(conversation_id);
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

impl Org {
    /// "Track my order": the order's card, its shipping label, and the order's status as
    /// participant data (as Architect's Set Participant Data would).
    fn track_order(&mut self, token: &str, conversation_id: &str) {
        let sim_now = self.traffic.now();
        let label = self.shipping_label(token);
        let (card_after, label_after) = if self.guests.take_fault(GuestFault::OutOfOrder) {
            (BOT_DELAY * 2, BOT_DELAY)
        } else {
            (BOT_DELAY, BOT_DELAY * 2)
        };
        // The label is sent after the card whatever order the frames arrive in.
        let label_sent = sim_now + chrono::Duration::milliseconds(BOT_DELAY.as_millis() as i64);
        if let Some(session) = self.guests.session_mut(token) {
            schedule(session, card_after, frames::bot_card(order_card(), sim_now));
            schedule(
                session,
                label_after,
                frames::bot_attachment("Your shipping label", label, label_sent),
            );
        }
        if let Some(record) = self.guests.conversation_mut(conversation_id) {
            record
                .attributes
                .insert(ORDER_STATUS_KEY.into(), ORDER_STATUS.into());
        }
    }

    /// Files the order's shipping label for the session to fetch, and gives the content
    /// item that sends it.
    fn shipping_label(&mut self, token: &str) -> Value {
        let id = uuid::Uuid::new_v4().to_string();
        let label = crate::guests::uploads::Attachment {
            token: token.to_string(),
            file_name: SHIPPING_LABEL.to_string(),
            file_type: "image/png".into(),
            declared_size: Some(PIXEL_PNG.len() as u64),
            signature: String::new(),
            tagging: String::new(),
            state: crate::guests::uploads::UploadState::Uploaded,
            bytes: PIXEL_PNG.to_vec(),
        };
        self.guests.uploads.insert(id.clone(), label);
        let url = format!("{}/uploads/{id}", self.public_base_url);
        frames::attachment_content(&id, SHIPPING_LABEL, "image/png", PIXEL_PNG.len(), &url)
    }
}

/// What the seeded flows answer "Track my order" with.
fn order_card() -> Value {
    json!({
        "title": ORDER_CARD_TITLE,
        "description": "Shipped on Monday, arriving Friday.",
        "actions": [
            {"type": "Link", "text": "Open tracking", "url": "https://shop.example.com/orders/1042"},
            {"type": "Postback", "text": "Talk to an agent", "payload": "agent"},
        ],
    })
}
