//! One synthetic visitor: connect to the Guest WebSocket as the website would, run steps
//! (`say`, `expect-reply`, `expect-routed`, `expect-agent`, `wait`), and follow the
//! conversation into the queue through the Platform API.
//!
//! Invariants: the socket only ever reaches the environment's guest host (derived from the
//! profile's [`Environment`](crate::genesys::Environment)); no admin credential is sent
//! there. Messages are paced under the service's 2-per-second limit, and a 429 frame is
//! honoured by waiting its `retryAfter` and resending, at most [`MAX_RESENDS`] times.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use crate::genesys::Client;
use crate::monitor::tracker::TrackingState;

use super::content::{self, Choice, Content};
pub use super::finder::RoutedTo;
use super::finder::{Finder, Wants};
use super::leftovers;
use super::protocol::{self, ServerEvent, Speaker, SYNTHETIC_ATTRIBUTE};
use super::steps::{self, Matcher, Step};
use super::upload::{self, UploadProgress};

/// Gap kept between two `onMessage` frames: the limit is 2 per second per session.
const MESSAGE_SPACING: Duration = Duration::from_millis(550);
/// How often the socket sends an RFC 6455 ping, as the official guest SDK does
/// (`PlatformSocket`): a keep-alive for proxies and load balancers. `echo` is Genesys's
/// on-demand health check, not a keep-alive, and is not sent on a timer.
const PING_EVERY: Duration = Duration::from_secs(15);
/// How often the visitor looks at what the finder found (memory, not requests).
const TRACK_EVERY: Duration = Duration::from_millis(250);
/// Resends of one message after 429 frames before the step fails.
pub const MAX_RESENDS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What one visitor does.
#[derive(Debug, Clone)]
pub struct DrivePlan {
    pub deployment_id: String,
    /// Sent as `Origin`; `None` when the deployment takes every domain.
    pub origin: Option<String>,
    pub steps: Vec<Step>,
    /// Bound on the whole conversation.
    pub timeout: Duration,
    /// Extra custom attributes; the synthetic tag is always added.
    pub attributes: Map<String, Value>,
    /// How long to keep listening after the last step held, to catch what follows it
    /// (the agent's first words after joining).
    pub linger: Duration,
    /// Follow the conversation into the queue through the API even when no step asks
    /// where it was routed (a test drive shows its place in line).
    pub follow_queue: bool,
    /// At the end, disconnect the customer through the API so the conversation does not
    /// wait in a queue for an agent (closing the guest session leaves it there).
    pub end_conversation: bool,
}

/// Who said a line of the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Voice {
    Guest,
    Bot,
    Agent,
    /// What happened around the conversation: joined, routed, position, disconnected.
    Event,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    /// Milliseconds since the drive started.
    pub at_ms: u64,
    pub voice: Voice,
    /// The whole line as text: the message and its rich content, as the CLI prints it.
    pub text: String,
    /// The message's own text, when it came with rich content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub said: Option<String>,
    /// Its rich content, to draw as Messenger does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rich: Vec<content::Drawn>,
    /// When the service sent the message (RFC 3339): bot and agent lines are kept in
    /// this order, whatever order their frames arrived in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timings {
    pub connect_ms: Option<u64>,
    pub session_ms: Option<u64>,
    pub first_reply_ms: Option<u64>,
    pub routed_ms: Option<u64>,
    pub agent_joined_ms: Option<u64>,
    pub total_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionSeen {
    pub at_ms: u64,
    pub position: u32,
    pub estimated_wait_seconds: Option<i64>,
}

/// How the drive ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "result")]
pub enum Outcome {
    Passed,
    /// An expectation did not hold: which step (1-based) and why.
    Failed {
        step: usize,
        step_text: String,
        reason: String,
    },
    /// The conversation could not be had: refused, dropped, API error.
    Error {
        message: String,
    },
    Cancelled,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveReport {
    pub deployment_id: String,
    pub outcome: Outcome,
    pub conversation_id: Option<String>,
    pub routed: Option<RoutedTo>,
    pub positions: Vec<PositionSeen>,
    /// How long it waited in the queue, when that is known.
    pub waited_seconds: Option<i64>,
    pub timings: Timings,
    pub transcript: Vec<Line>,
    /// The id of the visitor's first message, from which its conversation is found.
    #[serde(skip)]
    pub first_message_id: Option<String>,
}

impl DriveReport {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

/// Where a drive reaches: the guest socket and, for tracking, the org's API.
pub struct DriveTarget<'a> {
    pub socket_url: url::Url,
    /// Follows the conversation into the queue; `None` drives without tracking.
    pub client: Option<&'a Client>,
    /// Shared with the other visitors of a run; `None`: the drive has its own.
    pub finder: Option<&'a Finder<'a>>,
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Default)]
struct Observed {
    session_started: bool,
    /// Bot and agent lines, in the order they were sent.
    replies: Vec<(Sent, Speaker, String)>,
    /// The rich content of each bot and agent message that had some, in the order sent.
    offers: Vec<(Sent, Vec<Content>)>,
    /// The latest send time heard, for a message that gives none.
    latest_sent: Option<chrono::DateTime<chrono::Utc>>,
    arrivals: u64,
    /// The customer's participant data as last read, when a step asks for it.
    participant_data: Option<BTreeMap<String, String>>,
    agent_joined: bool,
    disconnected: bool,
    ended: Option<String>,
    first_message_id: Option<String>,
    conversation_id: Option<String>,
    routed: Option<RoutedTo>,
    /// Attachments asked for, by id.
    uploads: HashMap<String, UploadProgress>,
    /// Why the last upload step did not hold.
    upload_problem: Option<String>,
}

struct Visitor<'a> {
    socket: Socket,
    token: String,
    attributes: Map<String, Value>,
    started: Instant,
    last_sent: Option<Instant>,
    last_ping: Instant,
    next_tracking: Instant,
    tracing_counter: u64,
    unacknowledged: HashMap<String, (Value, u32)>,
    observed: Observed,
    cursors: Cursors,
    /// Follows the conversation, when the plan needs it followed.
    finder: Option<&'a Finder<'a>>,
    wants: Wants,
    /// The first message the finder was told of.
    watched: Option<String>,
    /// The org's API for ending the conversation, when the plan says to.
    ender: Option<&'a Client>,
    report: DriveReport,
    cancel: CancellationToken,
    on_line: &'a (dyn Fn(&Line) + Send + Sync),
}

/// Has one conversation as `plan` says, streaming transcript lines to `on_line`.
pub async fn drive(
    target: DriveTarget<'_>,
    plan: &DrivePlan,
    cancel: CancellationToken,
    on_line: &(dyn Fn(&Line) + Send + Sync),
) -> DriveReport {
    let started = Instant::now();
    let mut report = DriveReport {
        deployment_id: plan.deployment_id.clone(),
        outcome: Outcome::Passed,
        conversation_id: None,
        routed: None,
        positions: Vec::new(),
        waited_seconds: None,
        timings: Timings::default(),
        transcript: Vec::new(),
        first_message_id: None,
    };
    let socket = match connect(&target.socket_url, plan.origin.as_deref()).await {
        Ok(socket) => socket,
        Err(message) => {
            report.outcome = Outcome::Error { message };
            report.timings.total_ms = elapsed_ms(started);
            return report;
        }
    };
    report.timings.connect_ms = Some(elapsed_ms(started));
    let mut attributes = plan.attributes.clone();
    attributes.insert(SYNTHETIC_ATTRIBUTE.into(), Value::String("true".into()));
    let reads_participant_data = plan
        .steps
        .iter()
        .any(|s| matches!(s, Step::ExpectParticipantData { .. }));
    let follows = plan.follow_queue
        || plan.steps.iter().any(|s| {
            matches!(
                s,
                Step::ExpectRouted { .. } | Step::ExpectParticipantData { .. }
            )
        });
    let own_finder = match (target.finder, target.client) {
        (None, Some(client)) if follows => Some(Finder::new(client)),
        _ => None,
    };
    let visitor = Visitor {
        socket,
        token: uuid::Uuid::new_v4().to_string(),
        attributes,
        started,
        last_sent: None,
        last_ping: Instant::now(),
        next_tracking: Instant::now(),
        tracing_counter: 0,
        unacknowledged: HashMap::new(),
        observed: Observed::default(),
        cursors: Cursors::default(),
        finder: target.finder.or(own_finder.as_ref()).filter(|_| follows),
        wants: Wants {
            // A place in line matters to a visitor who waits for an agent; one that only
            // checks where it was routed would spend a request on an estimate for nothing.
            positions: plan.follow_queue
                || plan
                    .steps
                    .iter()
                    .any(|s| matches!(s, Step::ExpectAgent { .. })),
            estimate_each_move: plan.follow_queue,
            participant_data: reads_participant_data,
        },
        watched: None,
        ender: target.client.filter(|_| plan.end_conversation),
        report,
        cancel,
        on_line,
    };
    let deadline = started + plan.timeout;
    match &own_finder {
        Some(finder) => {
            let stop = CancellationToken::new();
            let (report, ()) = tokio::join!(
                async {
                    let report = visitor.drive(plan, deadline).await;
                    stop.cancel();
                    report
                },
                finder.run(&stop)
            );
            report
        }
        None => visitor.drive(plan, deadline).await,
    }
}

async fn connect(url: &url::Url, origin: Option<&str>) -> Result<Socket, String> {
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("invalid guest URL {url}: {e}"))?;
    if let Some(origin) = origin {
        let value = HeaderValue::from_str(origin)
            .map_err(|_| format!("`{origin}` cannot be sent as an Origin header"))?;
        request.headers_mut().insert("Origin", value);
    }
    let host = url.host_str().unwrap_or("the guest host").to_string();
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request)).await {
        Err(_) => Err(format!(
            "no answer from {host} within {} s",
            CONNECT_TIMEOUT.as_secs()
        )),
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => {
            let status = response.status();
            Err(match status.as_u16() {
                403 => format!(
                    "{host} refused the visitor (HTTP 403): the deployment does not exist or \
                     does not allow the origin {}",
                    origin.unwrap_or("(none sent)")
                ),
                _ => format!("{host} refused the WebSocket upgrade with HTTP {status}"),
            })
        }
        Ok(Err(error)) => Err(format!("could not connect to {host}: {error}")),
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// How a failure names what was offered instead: the choices' texts, or whole items.
#[derive(Clone, Copy)]
enum Shown {
    Choices,
    Items,
}

/// Where the steps have read up to: replies, and messages with rich content. Indexes
/// into lists kept in the order messages were sent; a late frame of an earlier message
/// lands before the cursor and moves it on.
#[derive(Default)]
struct Cursors {
    reply: usize,
    offer: usize,
}

/// When a message was sent, then in which order it arrived: how messages are ordered.
type Sent = (chrono::DateTime<chrono::Utc>, u64);

/// Where `sent` goes in a list ordered by when its items (sent as `sent_of` says) were.
fn place<T>(list: &[T], sent: Sent, sent_of: impl Fn(&T) -> Sent) -> usize {
    list.partition_point(|item| sent_of(item) <= sent)
}

enum Wanted<'m> {
    Session,
    Upload {
        attachment_id: &'m str,
        scanned: bool,
    },
    Acknowledged {
        tracing_id: &'m str,
    },
    Attachment {
        name: &'m Matcher,
        cursor: usize,
    },
    Reply {
        matcher: &'m Matcher,
        cursor: usize,
    },
    QuickReplies {
        labels: &'m [String],
        cursor: usize,
    },
    Choice {
        label: &'m str,
        cursor: usize,
    },
    Card {
        title: &'m Matcher,
        cursor: usize,
    },
    ParticipantData {
        data: &'m BTreeMap<String, String>,
    },
    Routed {
        queue: Option<&'m str>,
    },
    Agent,
    Nothing,
}

impl Visitor<'_> {
    fn line(&mut self, voice: Voice, text: impl Into<String>) {
        self.add_line(Line {
            at_ms: elapsed_ms(self.started),
            voice,
            text: text.into(),
            said: None,
            rich: Vec::new(),
            sent_at: None,
        });
    }

    /// Streams `line` and keeps it in the transcript: a message sent before messages
    /// already shown goes before them.
    fn add_line(&mut self, line: Line) {
        (self.on_line)(&line);
        let transcript = &mut self.report.transcript;
        let later = line.sent_at.as_ref().and_then(|sent| {
            transcript
                .iter()
                .position(|shown| shown.sent_at.as_ref().is_some_and(|other| other > sent))
        });
        match later {
            Some(at) => transcript.insert(at, line),
            None => transcript.push(line),
        }
    }

    fn next_tracing_id(&mut self) -> String {
        self.tracing_counter += 1;
        format!("wmd-{}", self.tracing_counter)
    }

    async fn send(&mut self, frame: &Value) -> Result<(), String> {
        self.socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .map_err(|e| format!("the guest socket failed while sending: {e}"))
    }

    /// Sends an `onMessage`, spaced under the per-session rate.
    async fn send_paced(&mut self, frame: Value, tracing_id: String) -> Result<(), String> {
        if let Some(last) = self.last_sent {
            tokio::time::sleep_until(last + MESSAGE_SPACING).await;
        }
        self.last_sent = Some(Instant::now());
        self.send(&frame).await?;
        self.unacknowledged.insert(tracing_id, (frame, 0));
        Ok(())
    }

    async fn run(&mut self, plan: &DrivePlan, deadline: Instant) -> Outcome {
        let tracing_id = self.next_tracing_id();
        let configure = protocol::configure_session(&self.token, &plan.deployment_id, &tracing_id);
        if let Err(message) = self.send(&configure).await {
            return Outcome::Error { message };
        }
        match self.pump(Wanted::Session, deadline).await {
            Ok(true) => {}
            Ok(false) => {
                return Outcome::Error {
                    message: "the guest session was not configured in time".into(),
                }
            }
            Err(outcome) => return outcome,
        }
        self.report.timings.session_ms = Some(elapsed_ms(self.started));
        let tracing_id = self.next_tracing_id();
        let join = protocol::presence_join(&self.token, &tracing_id, &self.attributes);
        if let Err(message) = self.send_paced(join, tracing_id).await {
            return Outcome::Error { message };
        }
        for (index, step) in plan.steps.iter().enumerate() {
            let step_deadline = match step.within() {
                Some(within) => (Instant::now() + within).min(deadline),
                None => deadline,
            };
            let held = match step {
                Step::Say(text) => {
                    let tracing_id = self.next_tracing_id();
                    let frame =
                        protocol::text_message(&self.token, text, &tracing_id, &self.attributes);
                    if let Err(message) = self.send_paced(frame, tracing_id).await {
                        return Outcome::Error { message };
                    }
                    self.line(Voice::Guest, text.clone());
                    Ok(true)
                }
                Step::Wait(duration) => {
                    let until = (Instant::now() + *duration).min(deadline);
                    self.pump(Wanted::Nothing, until).await.map(|_| true)
                }
                Step::Upload { file, refused, .. } => {
                    self.upload(file, *refused, step_deadline).await
                }
                step => self.expect(step, step_deadline).await,
            };
            match held {
                Ok(true) => {}
                Ok(false) => {
                    return Outcome::Failed {
                        step: index + 1,
                        step_text: step.to_string(),
                        reason: self.why_not(step),
                    }
                }
                Err(outcome) => return outcome,
            }
        }
        if !plan.linger.is_zero() {
            let until = (Instant::now() + plan.linger).min(deadline);
            if let Err(outcome) = self.pump(Wanted::Nothing, until).await {
                return outcome;
            }
        }
        Outcome::Passed
    }

    /// Waits for what an `expect-…` or `choose` step looks for; a choice is sent once
    /// offered.
    async fn expect(&mut self, step: &Step, until: Instant) -> Result<bool, Outcome> {
        let (reply_cursor, offer_cursor) = (self.cursors.reply, self.cursors.offer);
        let wanted = match step {
            Step::ExpectReply { matcher, .. } => Wanted::Reply {
                matcher,
                cursor: reply_cursor,
            },
            Step::ExpectRouted { queue, .. } => Wanted::Routed {
                queue: queue.as_deref(),
            },
            Step::ExpectAgent { .. } => Wanted::Agent,
            Step::ExpectQuickReplies { labels, .. } => Wanted::QuickReplies {
                labels,
                cursor: offer_cursor,
            },
            Step::Choose { label, .. } => Wanted::Choice {
                label,
                cursor: offer_cursor,
            },
            Step::ExpectCard { title, .. } => Wanted::Card {
                title,
                cursor: offer_cursor,
            },
            Step::ExpectAttachment { name, .. } => Wanted::Attachment {
                name,
                cursor: offer_cursor,
            },
            Step::ExpectParticipantData { data, .. } => Wanted::ParticipantData { data },
            Step::Say(_) | Step::Wait(_) | Step::Upload { .. } => return Ok(true),
        };
        let rich = matches!(
            wanted,
            Wanted::QuickReplies { .. }
                | Wanted::Choice { .. }
                | Wanted::Card { .. }
                | Wanted::Attachment { .. }
        );
        if !self.pump(wanted, until).await? {
            return Ok(false);
        }
        if rich {
            // An expectation leaves every message to choose from (a card's button stays
            // open while a file arrives after it); a choice uses its message and those
            // before it up, so the next one waits for a new offer.
            let (at, choice) = self.offer_for(step, offer_cursor);
            if choice.is_some() {
                self.cursors.offer = at + 1;
            }
            if let Some(choice) = choice {
                self.choose(&choice)
                    .await
                    .map_err(|message| Outcome::Error { message })?;
            }
        } else if let Step::ExpectReply { matcher, .. } = step {
            self.cursors.reply = self
                .observed
                .replies
                .iter()
                .enumerate()
                .skip(reply_cursor)
                .find(|(_, (_, _, text))| matcher.is_match(text))
                .map(|(i, _)| i + 1)
                .unwrap_or(reply_cursor);
        }
        Ok(true)
    }

    /// Sends `file` through the guest attachment flow (§12: `onAttachment`, the
    /// presigned `PUT`, the scan's verdict, then a message naming it). Holds when it was
    /// sent, or with `expect_refused` when the service refused it at any stage.
    async fn upload(
        &mut self,
        file: &std::path::Path,
        expect_refused: bool,
        until: Instant,
    ) -> Result<bool, Outcome> {
        self.observed.upload_problem = None;
        let local = match upload::LocalFile::open(file).await {
            Ok(local) => local,
            Err(problem) => {
                self.observed.upload_problem = Some(problem);
                return Ok(false);
            }
        };
        let attachment_id = uuid::Uuid::new_v4().to_string();
        let tracing_id = self.next_tracing_id();
        let ask = protocol::on_attachment(
            &self.token,
            &attachment_id,
            &local.name,
            &local.mime,
            local.size,
            &tracing_id,
        );
        self.observed
            .uploads
            .insert(attachment_id.clone(), UploadProgress::Asked { tracing_id });
        self.send(&ask)
            .await
            .map_err(|message| Outcome::Error { message })?;
        let mut scanned = false;
        loop {
            let wanted = Wanted::Upload {
                attachment_id: &attachment_id,
                scanned,
            };
            if !self.pump(wanted, until).await? {
                let stage = if scanned {
                    "the scan's verdict"
                } else {
                    "an upload URL"
                };
                self.observed.upload_problem = Some(format!("no answer with {stage} in time"));
                return Ok(false);
            }
            let progress = self.observed.uploads.get(&attachment_id).cloned();
            match progress {
                Some(UploadProgress::Refused { code, text }) => {
                    let refusal = format!("{} was refused ({code}): {text}", local.name);
                    self.line(Voice::Event, refusal.clone());
                    if !expect_refused {
                        self.observed.upload_problem = Some(refusal);
                    }
                    return Ok(expect_refused);
                }
                Some(UploadProgress::Presigned { url, headers }) if !scanned => {
                    if let Err(problem) = local.put(&url, &headers, until).await {
                        let refused = format!("{} was refused: {problem}", local.name);
                        self.line(Voice::Event, refused.clone());
                        self.observed.upload_problem = Some(refused);
                        return Ok(expect_refused);
                    }
                    scanned = true;
                }
                _ => break,
            }
        }
        if expect_refused {
            self.observed.upload_problem = Some(format!(
                "{} was accepted: uploaded and scanned clean",
                local.name
            ));
            return Ok(false);
        }
        let tracing_id = self.next_tracing_id();
        let message = protocol::attachment_message(&attachment_id, "");
        let frame = protocol::on_message(&self.token, message, &tracing_id, &self.attributes);
        self.send_paced(frame, tracing_id.clone())
            .await
            .map_err(|message| Outcome::Error { message })?;
        self.add_line(Line {
            at_ms: elapsed_ms(self.started),
            voice: Voice::Guest,
            text: format!("file: {} ({})", local.name, local.shown_size()),
            said: None,
            rich: vec![content::Drawn::Attachment {
                filename: local.name.clone(),
                detail: local.shown_size(),
                url: None,
            }],
            sent_at: None,
        });
        let sent = self
            .pump(
                Wanted::Acknowledged {
                    tracing_id: &tracing_id,
                },
                until,
            )
            .await?;
        if !sent {
            self.observed.upload_problem = Some(format!(
                "the message carrying {} was not acknowledged",
                local.name
            ));
        }
        Ok(sent)
    }

    fn why_not(&self, step: &Step) -> String {
        let within = step.within().map(|d| d.as_secs()).unwrap_or(0);
        if let Some(ended) = &self.observed.ended {
            return format!("{ended} before it held");
        }
        match step {
            Step::ExpectReply { matcher, .. } => {
                let last = self.observed.replies.last().map(|(_, _, text)| text.as_str());
                match last {
                    Some(last) => {
                        format!("no reply {matcher} within {within} s (last reply: \"{last}\")")
                    }
                    None => format!("no reply {matcher} within {within} s (no reply at all)"),
                }
            }
            Step::ExpectRouted { queue, .. } => match (&self.observed.routed, queue) {
                (Some(routed), Some(wanted)) => format!(
                    "routed to {} instead of {wanted}",
                    routed.queue_name.as_deref().unwrap_or(&routed.queue_id)
                ),
                (_, _) if self.finder.is_none() => {
                    "routing cannot be seen without a connection to the org's API".into()
                }
                (_, _) if self.observed.conversation_id.is_none() => {
                    format!("no conversation was found for the guest's messages within {within} s")
                }
                _ => format!("not routed to a queue within {within} s"),
            },
            Step::ExpectAgent { .. } => format!("no agent joined within {within} s"),
            Step::ExpectQuickReplies { labels, .. } => format!(
                "no quick replies [{}] within {within} s ({})",
                labels.join(", "),
                self.last_offered(
                    |content| matches!(content, Content::QuickReply { .. }),
                    Shown::Choices
                )
            ),
            Step::Choose { label, .. } => format!(
                "“{label}” was not offered within {within} s ({})",
                self.last_offered(|content| !content.choices().is_empty(), Shown::Choices)
            ),
            Step::ExpectCard { title, .. } => format!(
                "no card titled {title} within {within} s ({})",
                self.last_offered(
                    |content| matches!(content, Content::Card(_) | Content::Carousel { .. }),
                    Shown::Items
                )
            ),
            Step::ExpectParticipantData { data, .. } => match &self.observed.participant_data {
                _ if self.finder.is_none() => {
                    "participant data cannot be read without a connection to the org's API".into()
                }
                Some(found) => format!(
                    "participant data {{{}}} not written within {within} s (the customer has {{{}}})",
                    steps::pairs(data),
                    steps::pairs(found)
                ),
                None => format!(
                    "no conversation was found for the guest's messages within {within} s"
                ),
            },
            Step::Upload { .. } => self
                .observed
                .upload_problem
                .clone()
                .unwrap_or_else(|| format!("the upload did not finish within {within} s")),
            Step::ExpectAttachment { name, .. } => format!(
                "no attachment named {name} within {within} s ({})",
                self.last_offered(
                    |content| matches!(content, Content::Attachment { .. }),
                    Shown::Items
                )
            ),
            Step::Say(_) | Step::Wait(_) => String::new(),
        }
    }

    fn satisfied(&self, wanted: &Wanted<'_>) -> bool {
        match wanted {
            Wanted::Session => self.observed.session_started,
            Wanted::Reply { matcher, cursor } => self
                .observed
                .replies
                .iter()
                .skip(*cursor)
                .any(|(_, _, text)| matcher.is_match(text)),
            Wanted::Routed { queue } => match (&self.observed.routed, queue) {
                (Some(_), None) => true,
                (Some(routed), Some(wanted)) => {
                    routed.queue_id.eq_ignore_ascii_case(wanted)
                        || routed
                            .queue_name
                            .as_deref()
                            .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
                }
                (None, _) => false,
            },
            Wanted::Agent => self.observed.agent_joined,
            Wanted::Upload {
                attachment_id,
                scanned,
            } => match self.observed.uploads.get(*attachment_id) {
                Some(UploadProgress::Refused { .. } | UploadProgress::Uploaded) => true,
                Some(UploadProgress::Presigned { .. }) => !scanned,
                _ => false,
            },
            Wanted::Acknowledged { tracing_id } => !self.unacknowledged.contains_key(*tracing_id),
            Wanted::Attachment { .. } => self.find_offer(wanted).is_some(),
            Wanted::QuickReplies { .. } | Wanted::Choice { .. } | Wanted::Card { .. } => {
                self.find_offer(wanted).is_some()
            }
            Wanted::ParticipantData { data } => self
                .observed
                .participant_data
                .as_ref()
                .is_some_and(|found| {
                    data.iter()
                        .all(|(key, value)| found.get(key) == Some(value))
                }),
            Wanted::Nothing => false,
        }
    }

    /// The first message from `cursor` on whose content holds what `wanted` looks for,
    /// and the choice to send for a `Choice`.
    fn find_offer(&self, wanted: &Wanted<'_>) -> Option<(usize, Option<Choice>)> {
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        let cursor = match wanted {
            Wanted::QuickReplies { cursor, .. }
            | Wanted::Choice { cursor, .. }
            | Wanted::Card { cursor, .. }
            | Wanted::Attachment { cursor, .. } => *cursor,
            _ => return None,
        };
        self.observed
            .offers
            .iter()
            .enumerate()
            .skip(cursor)
            .find_map(|(at, (_, content))| match wanted {
                Wanted::QuickReplies { labels, .. } => {
                    let offered: Vec<&str> = content
                        .iter()
                        .filter_map(|item| match item {
                            Content::QuickReply { text, .. } => Some(text.as_str()),
                            _ => None,
                        })
                        .collect();
                    labels
                        .iter()
                        .all(|label| offered.iter().any(|text| same(text, label)))
                        .then_some((at, None))
                }
                Wanted::Choice { label, .. } => content
                    .iter()
                    .flat_map(Content::choices)
                    .find(|choice| same(&choice.text, label))
                    .map(|choice| (at, Some(choice))),
                Wanted::Card { title, .. } => content
                    .iter()
                    .any(|item| match item {
                        Content::Card(card) => title.is_match(&card.title),
                        Content::Carousel { cards } => {
                            cards.iter().any(|card| title.is_match(&card.title))
                        }
                        _ => false,
                    })
                    .then_some((at, None)),
                Wanted::Attachment { name, .. } => content
                    .iter()
                    .any(|item| matches!(item, Content::Attachment { filename, .. } if name.is_match(filename)))
                    .then_some((at, None)),
                _ => None,
            })
    }

    /// Where `step` (a satisfied rich-content step) found its message, and its choice.
    fn offer_for(&self, step: &Step, cursor: usize) -> (usize, Option<Choice>) {
        let wanted = match step {
            Step::ExpectQuickReplies { labels, .. } => Wanted::QuickReplies { labels, cursor },
            Step::Choose { label, .. } => Wanted::Choice { label, cursor },
            Step::ExpectCard { title, .. } => Wanted::Card { title, cursor },
            Step::ExpectAttachment { name, .. } => Wanted::Attachment { name, cursor },
            _ => return (cursor, None),
        };
        self.find_offer(&wanted).unwrap_or((cursor, None))
    }

    /// What the last message offering such content offered, for a failure's reason.
    fn last_offered(&self, kind: impl Fn(&Content) -> bool, shown: Shown) -> String {
        let last = self.observed.offers.iter().rev().find_map(|(_, content)| {
            let items: Vec<&Content> = content.iter().filter(|item| kind(item)).collect();
            (!items.is_empty()).then_some(items)
        });
        match (last, shown) {
            (Some(items), Shown::Choices) => {
                let choices: Vec<String> = items
                    .iter()
                    .flat_map(|item| item.choices())
                    .map(|choice| choice.text)
                    .collect();
                format!("offered: {}", choices.join(" | "))
            }
            (Some(items), Shown::Items) => {
                let shown: Vec<String> = items.iter().map(ToString::to_string).collect();
                format!("last offered: {}", shown.join("; "))
            }
            (None, _) => "nothing of the kind was offered".into(),
        }
    }

    /// Sends a quick reply or a card's button, as the official SDK does.
    async fn choose(&mut self, choice: &Choice) -> Result<(), String> {
        let tracing_id = self.next_tracing_id();
        let frame =
            protocol::on_message(&self.token, choice.message(), &tracing_id, &self.attributes);
        self.send_paced(frame, tracing_id).await?;
        self.line(Voice::Guest, format!("chose “{}”", choice.text));
        Ok(())
    }

    /// Reads frames until `wanted` holds (true) or `until` (false). Err ends the drive.
    async fn pump(&mut self, wanted: Wanted<'_>, until: Instant) -> Result<bool, Outcome> {
        loop {
            if self.satisfied(&wanted) {
                return Ok(true);
            }
            // A routed wrong queue will not become right: fail now with the reason.
            if let (Wanted::Routed { .. }, Some(_)) = (&wanted, &self.observed.routed) {
                return Ok(false);
            }
            if self.observed.ended.is_some() {
                return Ok(false);
            }
            let now = Instant::now();
            if now >= until {
                return Ok(false);
            }
            if now >= self.last_ping + PING_EVERY {
                self.last_ping = now;
                self.socket
                    .send(Message::Ping(Vec::new().into()))
                    .await
                    .map_err(|e| Outcome::Error {
                        message: format!("the guest socket failed while sending a ping: {e}"),
                    })?;
            }
            if now >= self.next_tracking {
                self.next_tracking = now + TRACK_EVERY;
                self.track().map_err(|message| Outcome::Error { message })?;
            }
            let wake = until
                .min(self.next_tracking)
                .min(self.last_ping + PING_EVERY);
            tokio::select! {
                () = self.cancel.cancelled() => return Err(Outcome::Cancelled),
                () = tokio::time::sleep_until(wake) => {}
                frame = self.socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => self.receive(text.as_str()).await?,
                    Some(Ok(Message::Close(_))) | None => {
                        self.observed.ended.get_or_insert_with(|| "the guest socket was closed".into());
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => {
                        return Err(Outcome::Error { message: format!("the guest socket failed: {error}") });
                    }
                },
            }
        }
    }

    async fn receive(&mut self, text: &str) -> Result<(), Outcome> {
        let Some(event) = protocol::read_frame(text) else {
            return Ok(());
        };
        match event {
            ServerEvent::SessionStarted { .. } => self.observed.session_started = true,
            ServerEvent::Sent {
                message_id,
                text,
                tracing_id,
            } => {
                if let Some(tracing_id) = tracing_id {
                    self.unacknowledged.remove(&tracing_id);
                }
                if text.is_some() && self.observed.first_message_id.is_none() {
                    self.observed.first_message_id = Some(message_id);
                }
            }
            ServerEvent::Said {
                speaker,
                text,
                nickname,
                content,
                sent_at,
            } => self.heard(speaker, text, nickname, content, sent_at),
            ServerEvent::Disconnected => {
                self.observed.disconnected = true;
                self.line(Voice::Event, "the conversation was disconnected");
                self.observed.ended = Some("the conversation was disconnected".into());
            }
            ServerEvent::RateLimited {
                retry_after_seconds,
                tracing_id,
            } => {
                let Some(tracing_id) = tracing_id else {
                    return Ok(());
                };
                let Some((frame, resends)) = self.unacknowledged.remove(&tracing_id) else {
                    return Ok(());
                };
                if resends >= MAX_RESENDS {
                    return Err(Outcome::Error {
                        message: format!(
                            "the service kept refusing a message as too frequent ({} resends)",
                            MAX_RESENDS
                        ),
                    });
                }
                self.line(
                    Voice::Event,
                    format!("message rate limited: resending after {retry_after_seconds} s"),
                );
                tokio::time::sleep(Duration::from_secs(retry_after_seconds.min(60))).await;
                self.last_sent = Some(Instant::now());
                self.send(&frame)
                    .await
                    .map_err(|message| Outcome::Error { message })?;
                self.unacknowledged.insert(tracing_id, (frame, resends + 1));
            }
            event @ (ServerEvent::UploadUrl { .. }
            | ServerEvent::Uploaded { .. }
            | ServerEvent::UploadRefused { .. }) => self.heard_of_upload(event),
            // A refusal of an `onAttachment` as a plain error frame (a server that does
            // not send errors as JSON): the upload step reads it.
            ServerEvent::Refused {
                code,
                text,
                tracing_id: Some(tracing_id),
            } if self.upload_asked_by(&tracing_id).is_some() => {
                if let Some(id) = self.upload_asked_by(&tracing_id) {
                    self.observed
                        .uploads
                        .insert(id, UploadProgress::Refused { code, text });
                }
            }
            ServerEvent::Refused { code, text, .. } => {
                return Err(Outcome::Error {
                    message: format!("the guest service refused a frame ({code}): {text}"),
                });
            }
            ServerEvent::SessionExpired => {
                self.observed.ended = Some("the session expired".into());
                self.line(Voice::Event, "the session expired");
            }
            ServerEvent::ConnectionClosed { reason } => {
                let why = reason.unwrap_or_else(|| "session limit reached".into());
                self.observed.ended = Some(format!("the service closed the connection ({why})"));
            }
            ServerEvent::SessionEnded
            | ServerEvent::Typing
            | ServerEvent::EchoReply
            | ServerEvent::Ignored => {}
        }
        Ok(())
    }

    /// A bot's or agent's message, placed among the others by when it was sent.
    fn heard(
        &mut self,
        speaker: Speaker,
        text: String,
        nickname: Option<String>,
        content: Vec<Content>,
        sent_at: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        if self.report.timings.first_reply_ms.is_none() {
            self.report.timings.first_reply_ms = Some(elapsed_ms(self.started));
        }
        let voice = if speaker == Speaker::Bot {
            Voice::Bot
        } else {
            if !self.observed.agent_joined {
                self.agent_joined();
            }
            Voice::Agent
        };
        let named = |said: String| match &nickname {
            Some(nickname) => format!("{nickname}: {said}"),
            None => said,
        };
        let observed = &mut self.observed;
        let time = sent_at
            .or(observed.latest_sent)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH);
        observed.latest_sent = observed.latest_sent.max(Some(time));
        observed.arrivals += 1;
        let sent = (time, observed.arrivals);
        let line = Line {
            at_ms: elapsed_ms(self.started),
            voice,
            text: named(content::shown(&text, &content)),
            said: (!content.is_empty()).then(|| named(text.clone())),
            rich: content::drawn(&content),
            sent_at: sent_at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        };
        if !content.is_empty() {
            let at = place(&observed.offers, sent, |(other, _)| *other);
            observed.offers.insert(at, (sent, content));
            if at < self.cursors.offer {
                self.cursors.offer += 1;
            }
        }
        let at = place(&observed.replies, sent, |(other, ..)| *other);
        observed.replies.insert(at, (sent, speaker, text));
        if at < self.cursors.reply {
            self.cursors.reply += 1;
        }
        self.add_line(line);
    }

    /// The attachment whose `onAttachment` went with `tracing_id`, still unanswered.
    fn upload_asked_by(&self, tracing_id: &str) -> Option<String> {
        self.observed
            .uploads
            .iter()
            .find(|(_, progress)| {
                matches!(progress, UploadProgress::Asked { tracing_id: asked } if asked == tracing_id)
            })
            .map(|(id, _)| id.clone())
    }

    /// Where an attachment of this visitor's got to, from the service's frames.
    fn heard_of_upload(&mut self, event: ServerEvent) {
        let (attachment_id, progress) = match event {
            ServerEvent::UploadUrl {
                attachment_id,
                url,
                headers,
            } => (attachment_id, UploadProgress::Presigned { url, headers }),
            ServerEvent::Uploaded { attachment_id, .. } => {
                (attachment_id, UploadProgress::Uploaded)
            }
            ServerEvent::UploadRefused {
                attachment_id,
                code,
                text,
            } => (attachment_id, UploadProgress::Refused { code, text }),
            _ => return,
        };
        // Frames about attachments this visitor never asked for are not its business.
        if let Some(known) = self.observed.uploads.get_mut(&attachment_id) {
            *known = progress;
        }
    }

    fn agent_joined(&mut self) {
        self.observed.agent_joined = true;
        self.report.timings.agent_joined_ms = Some(elapsed_ms(self.started));
        self.line(Voice::Event, "an agent joined");
    }

    /// Takes in what the finder found: the conversation, its queue, its place in line
    /// and its participant data.
    fn track(&mut self) -> Result<(), String> {
        let Some(finder) = self.finder else {
            return Ok(());
        };
        let Some(message_id) = self.observed.first_message_id.clone() else {
            return Ok(());
        };
        if self.watched.is_none() {
            finder.watch(&message_id, self.wants);
            self.watched = Some(message_id.clone());
        }
        let Some(sighting) = finder.sighting(&message_id) else {
            return Ok(());
        };
        if let Some(error) = sighting.error {
            return Err(error);
        }
        if self.observed.conversation_id.is_none() {
            self.observed.conversation_id = sighting.conversation_id.clone();
            self.report.conversation_id = sighting.conversation_id;
        }
        if sighting.participant_data.is_some() {
            self.observed.participant_data = sighting.participant_data;
        }
        if let (None, Some(routed)) = (&self.observed.routed, sighting.routed) {
            self.report.timings.routed_ms = Some(elapsed_ms(self.started));
            self.line(
                Voice::Event,
                format!(
                    "routed to {}",
                    routed
                        .queue_name
                        .as_deref()
                        .unwrap_or(routed.queue_id.as_str())
                ),
            );
            self.observed.routed = Some(routed.clone());
            self.report.routed = Some(routed);
        }
        if self.observed.agent_joined && self.report.waited_seconds.is_some() {
            return Ok(());
        }
        if let Some(tracking) = sighting.tracking {
            if let Some(position) = tracking.position {
                let last = self.report.positions.last().map(|p| p.position);
                if last != Some(position) {
                    let seen = PositionSeen {
                        at_ms: elapsed_ms(self.started),
                        position,
                        estimated_wait_seconds: tracking.estimated_wait_seconds,
                    };
                    let estimate = seen
                        .estimated_wait_seconds
                        .map(|s| format!(", estimated wait {s} s"))
                        .unwrap_or_default();
                    self.line(
                        Voice::Event,
                        format!("position {position} in the queue{estimate}"),
                    );
                    self.report.positions.push(seen);
                }
            }
            if tracking.state == TrackingState::Left || self.observed.agent_joined {
                self.report.waited_seconds = tracking.waited_seconds;
            }
        }
        Ok(())
    }

    /// Runs the plan and ends the conversation.
    async fn drive(mut self, plan: &DrivePlan, deadline: Instant) -> DriveReport {
        let outcome = self.run(plan, deadline).await;
        if let (Some(finder), Some(message_id)) = (self.finder, &self.watched) {
            finder.forget(message_id);
        }
        self.finish(outcome).await
    }

    async fn finish(mut self, outcome: Outcome) -> DriveReport {
        let tracing_id = self.next_tracing_id();
        let close = protocol::close_session(&self.token, &tracing_id);
        if self.send(&close).await.is_ok() {
            // Read the goodbye so the service sees an orderly close, but never wait long.
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(frame)) = self.socket.next().await {
                    if matches!(frame, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
        let _ = self.socket.close(None).await;
        self.report.first_message_id = self.observed.first_message_id.clone();
        self.report.outcome = outcome;
        self.report.timings.total_ms = elapsed_ms(self.started);
        if let Some(client) = self.ender {
            end_visit(client, &mut self.report).await;
            self.report.timings.total_ms = elapsed_ms(self.started);
        }
        self.report
    }
}

/// Ends the conversation of a finished visit, saying in its transcript what became of
/// it.
pub async fn end_visit(client: &Client, report: &mut DriveReport) {
    let ended = leftovers::end_visit(
        client,
        report.conversation_id.as_deref(),
        report.first_message_id.as_deref(),
    )
    .await;
    let said = match ended {
        Ok(Some(conversation_id)) => {
            report.conversation_id.get_or_insert(conversation_id);
            "the conversation was ended through the API".to_string()
        }
        Ok(None) => return,
        Err(why) => format!("the conversation was left open: {why}"),
    };
    report.transcript.push(Line {
        at_ms: report.timings.total_ms,
        voice: Voice::Event,
        text: said,
        said: None,
        rich: Vec::new(),
        sent_at: None,
    });
}
