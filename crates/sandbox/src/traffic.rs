//! Simulated traffic per queue: web-message arrivals (Poisson, with a daily curve) plus,
//! on blended queues, calls, emails or chats that the same agents answer; agents going
//! on and off queue, FIFO answering across media, handle times and abandons.
//!
//! The simulation is advanced lazily to the simulated "now" whenever the API reads it,
//! in steps of at most a few simulated seconds, from a seeded random source: the same
//! seed and the same reads give the same traffic.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Duration as ChronoDuration, Timelike, Utc};

/// The analytics `mediaType` of Web Messaging conversations.
pub const MESSAGE: &str = "message";

/// Completed conversations kept for details and aggregate queries.
const MAX_COMPLETED: usize = 200_000;
const RETENTION_DAYS: i64 = 8;

/// What drives one queue's traffic. Changed at run time through `/sandbox/queues/{id}/traffic`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficParams {
    /// Mean web-message arrivals per hour at the daily peak's average level.
    pub arrivals_per_hour: f64,
    /// Arrivals per hour of other media the queue also takes (`voice`, `email`, `chat`),
    /// answered by the same agents: analytics then report one group per media type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other_media: BTreeMap<String, f64>,
    /// Mean handle time of an answered conversation.
    pub handle_time_seconds: f64,
    /// Mean time a customer waits before abandoning.
    pub patience_seconds: f64,
    /// Share of agents on queue when not forced.
    pub on_queue_share: f64,
    /// When set, exactly this many agents are kept on queue (busy ones leave when done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced_on_queue_agents: Option<u32>,
    /// When false, arrivals do not follow the daily curve.
    #[serde(default = "default_true")]
    pub daily_curve: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone)]
pub struct Agent {
    pub user_id: String,
    pub name: String,
    pub on_queue: bool,
    pub busy_until: Option<DateTime<Utc>>,
    pub conversation_id: Option<String>,
    next_toggle: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct WaitingConversation {
    pub conversation_id: String,
    pub media_type: String,
    pub session_id: String,
    pub arrived: DateTime<Utc>,
    pub customer_name: String,
    patience_until: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ActiveConversation {
    pub conversation_id: String,
    pub media_type: String,
    pub session_id: String,
    pub arrived: DateTime<Utc>,
    pub answered: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub agent_user_id: String,
    pub customer_name: String,
}

/// A finished conversation, as analytics reports it.
#[derive(Debug, Clone)]
pub struct CompletedConversation {
    pub conversation_id: String,
    pub media_type: String,
    pub session_id: String,
    pub queue_id: String,
    pub flow_id: Option<String>,
    pub customer_name: String,
    pub arrived: DateTime<Utc>,
    pub answered: Option<DateTime<Utc>>,
    pub ended: DateTime<Utc>,
    pub agent_user_id: Option<String>,
}

impl CompletedConversation {
    pub fn abandoned(&self) -> bool {
        self.answered.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct QueueTraffic {
    pub queue_id: String,
    pub flow_id: Option<String>,
    pub params: TrafficParams,
    pub agents: Vec<Agent>,
    pub waiting: VecDeque<WaitingConversation>,
    pub active: Vec<ActiveConversation>,
}

impl QueueTraffic {
    pub fn on_queue_idle(&self) -> usize {
        self.agents
            .iter()
            .filter(|a| a.on_queue && a.busy_until.is_none())
            .count()
    }

    pub fn on_queue_interacting(&self) -> usize {
        self.agents
            .iter()
            .filter(|a| a.on_queue && a.busy_until.is_some())
            .count()
    }

    pub fn off_queue(&self) -> usize {
        self.agents.iter().filter(|a| !a.on_queue).count()
    }

    /// Every media type the queue takes, in a stable order; `message` is always one.
    pub fn media_types(&self) -> Vec<&str> {
        let mut media: Vec<&str> = self.params.other_media.keys().map(String::as_str).collect();
        if !media.contains(&MESSAGE) {
            media.push(MESSAGE);
        }
        media.sort_unstable();
        media
    }

    /// Conversations of one media type waiting, oldest first.
    pub fn waiting_of<'a>(
        &'a self,
        media_type: &'a str,
    ) -> impl Iterator<Item = &'a WaitingConversation> + 'a {
        self.waiting
            .iter()
            .filter(move |c| c.media_type == media_type)
    }

    /// Conversations of one media type with an agent.
    pub fn active_of<'a>(
        &'a self,
        media_type: &'a str,
    ) -> impl Iterator<Item = &'a ActiveConversation> + 'a {
        self.active
            .iter()
            .filter(move |c| c.media_type == media_type)
    }

    /// Mean handle time used by wait estimates.
    pub fn average_handle_seconds(&self) -> f64 {
        self.params.handle_time_seconds.max(1.0)
    }
}

pub struct Traffic {
    pub queues: Vec<QueueTraffic>,
    pub completed: VecDeque<CompletedConversation>,
    now: DateTime<Utc>,
    rng: fastrand::Rng,
    next_number: u64,
}

const CUSTOMER_NAMES: &[&str] = &[
    "Ada", "Bram", "Chloé", "Dmitri", "Elif", "Femi", "Greta", "Hiro", "Inés", "Jonas", "Kavya",
    "Luca",
];

impl Traffic {
    pub fn new(seed: u64, start: DateTime<Utc>) -> Traffic {
        Traffic {
            queues: Vec::new(),
            completed: VecDeque::new(),
            now: start,
            rng: fastrand::Rng::with_seed(seed),
            next_number: 1,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn add_queue(
        &mut self,
        queue_id: &str,
        flow_id: Option<String>,
        agent_names: &[String],
        params: TrafficParams,
    ) {
        let now = self.now;
        let agents = agent_names
            .iter()
            .map(|name| Agent {
                user_id: uuid_from(&mut self.rng),
                name: name.clone(),
                on_queue: self.rng.f64() < params.on_queue_share,
                busy_until: None,
                conversation_id: None,
                next_toggle: now + seconds(exponential(&mut self.rng, 2400.0)),
            })
            .collect();
        self.queues.push(QueueTraffic {
            queue_id: queue_id.to_string(),
            flow_id,
            params,
            agents,
            waiting: VecDeque::new(),
            active: Vec::new(),
        });
    }

    pub fn queue(&self, queue_id: &str) -> Option<&QueueTraffic> {
        self.queues.iter().find(|queue| queue.queue_id == queue_id)
    }

    pub fn queue_mut(&mut self, queue_id: &str) -> Option<&mut QueueTraffic> {
        self.queues
            .iter_mut()
            .find(|queue| queue.queue_id == queue_id)
    }

    /// Puts a conversation a guest started into `queue_id`'s line, last. A guest waits
    /// until answered or until it leaves ([`Traffic::leave`]); it never abandons on its
    /// own. False when the queue has no traffic.
    pub fn enqueue(
        &mut self,
        queue_id: &str,
        conversation_id: &str,
        session_id: &str,
        customer_name: &str,
    ) -> bool {
        let now = self.now;
        let Some(queue) = self.queue_mut(queue_id) else {
            return false;
        };
        queue.waiting.push_back(WaitingConversation {
            conversation_id: conversation_id.to_string(),
            media_type: MESSAGE.to_string(),
            session_id: session_id.to_string(),
            arrived: now,
            customer_name: customer_name.to_string(),
            patience_until: DateTime::<Utc>::MAX_UTC,
        });
        true
    }

    /// The customer left: a waiting conversation ends unanswered, an answered one ends now.
    pub fn leave(&mut self, conversation_id: &str) {
        let now = self.now;
        for queue in &mut self.queues {
            if let Some(index) = queue
                .waiting
                .iter()
                .position(|c| c.conversation_id == conversation_id)
            {
                if let Some(conversation) = queue.waiting.remove(index) {
                    let whose = (queue.queue_id.as_str(), &queue.flow_id);
                    conversation_ended_unanswered(&mut self.completed, whose, conversation, now);
                }
                return;
            }
            if let Some(active) = queue
                .active
                .iter_mut()
                .find(|c| c.conversation_id == conversation_id)
            {
                active.ends = active.ends.min(now);
                return;
            }
        }
    }

    /// Ends every conversation of a queue at once: those waiting go unanswered, those
    /// with an agent finish and free the agent. Lets a test or a demo start from an empty
    /// line at any simulated hour instead of waiting for traffic to drain. Returns how
    /// many ended; `None` when the queue has no traffic.
    pub fn end_conversations(&mut self, queue_id: &str) -> Option<usize> {
        let now = self.now;
        let index = self.queues.iter().position(|q| q.queue_id == queue_id)?;
        let queue = &mut self.queues[index];
        let ended = queue.waiting.len() + queue.active.len();
        for conversation in &mut queue.waiting {
            conversation.patience_until = now;
        }
        for conversation in &mut queue.active {
            conversation.ends = now;
        }
        self.finish_and_abandon(index);
        Some(ended)
    }

    /// Where a conversation is now: its place in line (1-based), the agent answering it,
    /// or neither once it has ended.
    pub fn whereabouts(&self, queue_id: &str, conversation_id: &str) -> Whereabouts {
        let Some(queue) = self.queue(queue_id) else {
            return Whereabouts::Gone;
        };
        if let Some(place) = queue
            .waiting_of(MESSAGE)
            .position(|c| c.conversation_id == conversation_id)
        {
            return Whereabouts::Waiting(place + 1);
        }
        match queue
            .active
            .iter()
            .find(|c| c.conversation_id == conversation_id)
        {
            Some(active) => Whereabouts::Answered {
                agent_name: queue
                    .agents
                    .iter()
                    .find(|a| a.user_id == active.agent_user_id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
            },
            None => Whereabouts::Gone,
        }
    }

    /// Runs the simulation forward to `target`; a target in the past does nothing.
    pub fn advance_to(&mut self, target: DateTime<Utc>) {
        let gap = (target - self.now).num_milliseconds();
        if gap <= 0 {
            return;
        }
        // One-second steps keep answer and abandon times precise; long idle gaps use
        // coarser steps so catching up on a day costs milliseconds.
        let step_ms: i64 = if gap > 6 * 3_600_000 {
            10_000
        } else if gap > 600_000 {
            5_000
        } else {
            1_000
        };
        loop {
            let remaining = (target - self.now).num_milliseconds();
            if remaining <= 0 {
                // Sub-millisecond remainders are not simulated; they must not stall us.
                break;
            }
            let step = ChronoDuration::milliseconds(step_ms.min(remaining));
            self.now += step;
            self.step(step.num_milliseconds() as f64 / 1000.0);
        }
        let horizon = self.now - ChronoDuration::days(RETENTION_DAYS);
        while self.completed.front().is_some_and(|c| c.ended < horizon)
            || self.completed.len() > MAX_COMPLETED
        {
            self.completed.pop_front();
        }
    }

    fn step(&mut self, step_seconds: f64) {
        let now = self.now;
        let hour = f64::from(now.hour()) + f64::from(now.minute()) / 60.0;
        let curve = 0.25 + 1.5 * (-((hour - 13.0).powi(2)) / (2.0 * 3.5 * 3.5)).exp();
        for index in 0..self.queues.len() {
            let (streams, patience_mean, handle_mean) = {
                let queue = &self.queues[index];
                let factor = if queue.params.daily_curve { curve } else { 1.0 };
                let streams: Vec<(String, f64)> =
                    std::iter::once((MESSAGE.to_string(), queue.params.arrivals_per_hour))
                        .chain(
                            queue
                                .params
                                .other_media
                                .iter()
                                .map(|(media, rate)| (media.clone(), *rate)),
                        )
                        .map(|(media, rate)| (media, rate / 3600.0 * step_seconds * factor))
                        .collect();
                (
                    streams,
                    queue.params.patience_seconds,
                    queue.params.handle_time_seconds,
                )
            };
            for (media_type, expected) in streams {
                for _ in 0..poisson(&mut self.rng, expected) {
                    let conversation = self.arrival(&media_type, patience_mean);
                    self.queues[index].waiting.push_back(conversation);
                }
            }
            self.finish_and_abandon(index);
            self.move_agents(index);
            self.answer(index, handle_mean);
        }
    }

    /// A simulated customer arriving now.
    fn arrival(&mut self, media_type: &str, patience_mean: f64) -> WaitingConversation {
        let number = self.next_number;
        self.next_number += 1;
        WaitingConversation {
            conversation_id: uuid_from(&mut self.rng),
            media_type: media_type.to_string(),
            session_id: uuid_from(&mut self.rng),
            arrived: self.now,
            customer_name: format!(
                "{} #{number}",
                CUSTOMER_NAMES[number as usize % CUSTOMER_NAMES.len()]
            ),
            patience_until: self.now + seconds(exponential(&mut self.rng, patience_mean)),
        }
    }

    /// `count` web-message customers join a queue's line now, with its patience: a
    /// backlog of a known size, whatever the arrival rate and the hour. False when the
    /// queue has no traffic.
    pub fn add_waiting(&mut self, queue_id: &str, count: u32) -> bool {
        let Some(index) = self.queues.iter().position(|q| q.queue_id == queue_id) else {
            return false;
        };
        let patience_mean = self.queues[index].params.patience_seconds;
        for _ in 0..count {
            let conversation = self.arrival(MESSAGE, patience_mean);
            self.queues[index].waiting.push_back(conversation);
        }
        true
    }

    fn finish_and_abandon(&mut self, index: usize) {
        let now = self.now;
        let queue = &mut self.queues[index];
        let (done, still): (Vec<_>, Vec<_>) = queue.active.drain(..).partition(|c| c.ends <= now);
        queue.active = still;
        for conversation in done {
            if let Some(agent) = queue
                .agents
                .iter_mut()
                .find(|a| a.user_id == conversation.agent_user_id)
            {
                agent.busy_until = None;
                agent.conversation_id = None;
            }
            self.completed.push_back(CompletedConversation {
                conversation_id: conversation.conversation_id,
                media_type: conversation.media_type,
                session_id: conversation.session_id,
                queue_id: queue.queue_id.clone(),
                flow_id: queue.flow_id.clone(),
                customer_name: conversation.customer_name,
                arrived: conversation.arrived,
                answered: Some(conversation.answered),
                ended: conversation.ends,
                agent_user_id: Some(conversation.agent_user_id),
            });
        }
        let mut kept = VecDeque::with_capacity(queue.waiting.len());
        let whose = (queue.queue_id.as_str(), &queue.flow_id);
        for conversation in queue.waiting.drain(..) {
            if conversation.patience_until <= now {
                conversation_ended_unanswered(&mut self.completed, whose, conversation, now);
            } else {
                kept.push_back(conversation);
            }
        }
        queue.waiting = kept;
    }

    fn move_agents(&mut self, index: usize) {
        let now = self.now;
        let queue = &mut self.queues[index];
        if let Some(target) = queue.params.forced_on_queue_agents {
            let target = target as usize;
            let mut on = queue.agents.iter().filter(|a| a.on_queue).count();
            for agent in queue.agents.iter_mut() {
                if on < target && !agent.on_queue {
                    agent.on_queue = true;
                    on += 1;
                } else if on > target && agent.on_queue && agent.busy_until.is_none() {
                    agent.on_queue = false;
                    on -= 1;
                }
            }
            // Busy agents over the target leave as soon as they finish (next steps).
            return;
        }
        let share = queue.params.on_queue_share;
        for agent in queue.agents.iter_mut() {
            if agent.next_toggle > now || agent.busy_until.is_some() {
                continue;
            }
            agent.on_queue = self.rng.f64() < share;
            agent.next_toggle = now + seconds(exponential(&mut self.rng, 2400.0));
        }
    }

    fn answer(&mut self, index: usize, handle_mean: f64) {
        let now = self.now;
        loop {
            let queue = &mut self.queues[index];
            if queue.waiting.is_empty() {
                return;
            }
            let Some(agent_index) = queue
                .agents
                .iter()
                .position(|a| a.on_queue && a.busy_until.is_none())
            else {
                return;
            };
            let Some(conversation) = queue.waiting.pop_front() else {
                return;
            };
            let ends = now + seconds(exponential(&mut self.rng, handle_mean).max(20.0));
            let agent = &mut queue.agents[agent_index];
            agent.busy_until = Some(ends);
            agent.conversation_id = Some(conversation.conversation_id.clone());
            queue.active.push(ActiveConversation {
                conversation_id: conversation.conversation_id,
                media_type: conversation.media_type,
                session_id: conversation.session_id,
                arrived: conversation.arrived,
                answered: now,
                ends,
                agent_user_id: agent.user_id.clone(),
                customer_name: conversation.customer_name,
            });
        }
    }
}

/// Where a conversation is, as [`Traffic::whereabouts`] tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whereabouts {
    Waiting(usize),
    Answered { agent_name: String },
    Gone,
}

fn conversation_ended_unanswered(
    completed: &mut VecDeque<CompletedConversation>,
    (queue_id, flow_id): (&str, &Option<String>),
    conversation: WaitingConversation,
    now: DateTime<Utc>,
) {
    completed.push_back(CompletedConversation {
        conversation_id: conversation.conversation_id,
        media_type: conversation.media_type,
        session_id: conversation.session_id,
        queue_id: queue_id.to_string(),
        flow_id: flow_id.clone(),
        customer_name: conversation.customer_name,
        arrived: conversation.arrived,
        answered: None,
        ended: now,
        agent_user_id: None,
    });
}

fn seconds(value: f64) -> ChronoDuration {
    ChronoDuration::milliseconds((value * 1000.0) as i64)
}

fn exponential(rng: &mut fastrand::Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.f64()).ln()
}

fn poisson(rng: &mut fastrand::Rng, expected: f64) -> u32 {
    if expected <= 0.0 {
        return 0;
    }
    let limit = (-expected).exp();
    let mut product = rng.f64();
    let mut count = 0;
    while product > limit && count < 1000 {
        product *= rng.f64();
        count += 1;
    }
    count
}

/// A v4-shaped UUID from the seeded source, so seeded runs repeat exactly.
pub fn uuid_from(rng: &mut fastrand::Rng) -> String {
    let bytes: [u8; 16] = std::array::from_fn(|_| rng.u8(..));
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(arrivals: f64) -> TrafficParams {
        TrafficParams {
            arrivals_per_hour: arrivals,
            handle_time_seconds: 300.0,
            patience_seconds: 600.0,
            on_queue_share: 1.0,
            forced_on_queue_agents: None,
            daily_curve: false,
            other_media: BTreeMap::new(),
        }
    }

    fn names(count: usize) -> Vec<String> {
        (0..count).map(|i| format!("Agent {i}")).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_traffic() {
        let start = Utc::now();
        let run = || {
            let mut traffic = Traffic::new(42, start);
            traffic.add_queue("q", None, &names(3), params(60.0));
            traffic.advance_to(start + ChronoDuration::hours(2));
            traffic
                .completed
                .iter()
                .map(|c| c.conversation_id.clone())
                .collect::<Vec<_>>()
        };
        let first = run();
        assert!(first.len() > 50, "{}", first.len());
        assert_eq!(first, run());
    }

    #[test]
    fn a_queue_without_agents_builds_a_backlog_and_recovers_when_staffed() {
        let start = Utc::now();
        let mut traffic = Traffic::new(1, start);
        let mut overloaded = params(240.0);
        overloaded.forced_on_queue_agents = Some(0);
        overloaded.patience_seconds = 36_000.0;
        traffic.add_queue("q", None, &names(8), overloaded);
        traffic.advance_to(start + ChronoDuration::minutes(10));
        let queue = traffic.queue("q").unwrap();
        assert_eq!(queue.on_queue_idle() + queue.on_queue_interacting(), 0);
        assert!(queue.waiting.len() >= 20, "backlog {}", queue.waiting.len());

        let queue = traffic.queue_mut("q").unwrap();
        queue.params.forced_on_queue_agents = Some(8);
        queue.params.arrivals_per_hour = 6.0;
        traffic.advance_to(start + ChronoDuration::minutes(40));
        assert!(traffic.queue("q").unwrap().waiting.len() <= 2);
    }

    #[test]
    fn a_blended_queue_takes_every_media_with_the_same_agents() {
        let start = Utc::now();
        let mut traffic = Traffic::new(5, start);
        let mut blended = params(60.0);
        blended.other_media.insert("voice".into(), 120.0);
        blended.forced_on_queue_agents = Some(0);
        blended.patience_seconds = 36_000.0;
        traffic.add_queue("q", None, &names(2), blended);
        traffic.advance_to(start + ChronoDuration::minutes(30));
        let queue = traffic.queue("q").unwrap();
        assert_eq!(queue.media_types(), ["message", "voice"]);
        let messages = queue.waiting_of(MESSAGE).count();
        let calls = queue.waiting_of("voice").count();
        assert!(
            messages > 10 && calls > messages,
            "{messages} messages, {calls} calls"
        );
        assert_eq!(messages + calls, queue.waiting.len());
    }

    #[test]
    fn advancing_by_less_than_a_millisecond_returns() {
        let start = Utc::now();
        let mut traffic = Traffic::new(1, start);
        traffic.add_queue("q", None, &names(1), params(60.0));
        traffic.advance_to(start + ChronoDuration::microseconds(400));
        traffic.advance_to(start + ChronoDuration::microseconds(1_900));
        assert_eq!(traffic.now(), start + ChronoDuration::milliseconds(1));
    }

    #[test]
    fn waiting_is_fifo_and_abandons_are_recorded_unanswered() {
        let start = Utc::now();
        let mut traffic = Traffic::new(3, start);
        let mut no_agents = params(120.0);
        no_agents.forced_on_queue_agents = Some(0);
        no_agents.patience_seconds = 60.0;
        traffic.add_queue("q", None, &names(1), no_agents);
        traffic.advance_to(start + ChronoDuration::minutes(30));
        let queue = traffic.queue("q").unwrap();
        let arrivals: Vec<_> = queue.waiting.iter().map(|c| c.arrived).collect();
        assert!(arrivals.windows(2).all(|pair| pair[0] <= pair[1]));
        assert!(traffic.completed.iter().all(|c| c.abandoned()));
        assert!(!traffic.completed.is_empty());
    }
}
