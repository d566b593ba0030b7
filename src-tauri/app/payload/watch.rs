//! The fallback panel, the queue monitor, metrics and the promotion plan.

use serde::Serialize;

use crate::application::connection::RateBudget;
use crate::application::fallback::{
    ChannelRouting, FallbackRules, Route, RunnerEvent, RunnerMode, SwitchRecord,
};
use crate::application::insight::{EngagementMetrics, TimelineEntry, Uptime};
use crate::application::monitoring::{Directives, Flags, QueueSample};
use crate::application::promotion;
use crate::workspace::{FallbackView, MetricsView, MonitorView, PromotionPlanView, QueueStatus};

use super::{all, Named};

/// A channel's fallback: its rules, routes, whether a watch runs, and its switches.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackPanel {
    pub deployment_id: String,
    pub channel: String,
    pub rules: FallbackRules,
    pub routing: ChannelRouting,
    pub current_route: Option<Route>,
    pub running: Option<RunnerMode>,
    pub last_event: Option<RunnerEvent>,
    pub switches: Vec<Switch>,
    pub queues: Vec<Named>,
    pub flows: Vec<Named>,
}

/// A recorded switch (or what a dry run would have done).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Switch {
    pub at: String,
    pub to_route: String,
    pub reason: String,
    pub dry_run: bool,
}

impl From<FallbackView> for FallbackPanel {
    fn from(view: FallbackView) -> Self {
        FallbackPanel {
            switches: all(&view.switches),
            queues: all(&view.queues),
            flows: all(&view.flows),
            deployment_id: view.deployment_id,
            channel: view.channel,
            rules: view.rules,
            routing: view.routing,
            current_route: view.current_route,
            running: view.running,
            last_event: view.last_event,
        }
    }
}

impl From<&SwitchRecord> for Switch {
    fn from(record: &SwitchRecord) -> Self {
        Switch {
            at: record.at.clone(),
            to_route: record.to_route.clone(),
            reason: record.reason.clone(),
            dry_run: record.dry_run,
        }
    }
}

/// The queue monitor: every watched queue's latest numbers and the selected one's chart.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Monitor {
    pub queues: Vec<MonitoredQueue>,
    pub selected: Option<String>,
    pub range_minutes: u32,
    pub samples_in_range: usize,
    /// An SVG data URL, shown in an `<img>` (no script can run).
    pub chart: Option<String>,
    pub chart_message: Option<String>,
    pub rate_budget: RateBudget,
    pub last_cycle_at: Option<String>,
    pub last_error: Option<String>,
    pub interval_seconds: f64,
    pub cycles: u64,
    /// `push` or `poll`.
    pub source: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitoredQueue {
    pub id: String,
    pub name: String,
    pub latest: Option<QueueSample>,
    pub flags: Option<Flags>,
    pub thresholds: Directives,
}

impl From<MonitorView> for Monitor {
    fn from(view: MonitorView) -> Self {
        Monitor {
            queues: all(&view.queues),
            selected: view.selected,
            range_minutes: view.range_minutes,
            samples_in_range: view.samples_in_range,
            chart: view.chart,
            chart_message: view.chart_message,
            rate_budget: view.rate_budget,
            last_cycle_at: view.last_cycle_at,
            last_error: view.last_error,
            interval_seconds: view.interval_seconds,
            cycles: view.cycles,
            source: view.source,
        }
    }
}

impl From<&QueueStatus> for MonitoredQueue {
    fn from(status: &QueueStatus) -> Self {
        MonitoredQueue {
            id: status.id.clone(),
            name: status.name.clone(),
            latest: status.latest.clone(),
            flags: status.flags.clone(),
            thresholds: status.thresholds,
        }
    }
}

/// Engagement, uptime and the change history, newest first.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub engagement: EngagementMetrics,
    pub uptime: Option<Uptime>,
    pub timeline: Vec<TimelineEntry>,
}

impl From<MetricsView> for Metrics {
    fn from(view: MetricsView) -> Self {
        Metrics {
            engagement: view.engagement,
            uptime: view.uptime,
            timeline: view.timeline,
        }
    }
}

/// A promotion plan and what to type to confirm it when the target is production.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionPlan {
    #[serde(flatten)]
    pub plan: promotion::PromotionPlan,
    pub blocked: bool,
    pub target_production: bool,
    pub confirmation_phrase: String,
}

impl From<PromotionPlanView> for PromotionPlan {
    fn from(view: PromotionPlanView) -> Self {
        PromotionPlan {
            plan: view.plan,
            blocked: view.blocked,
            target_production: view.target_production,
            confirmation_phrase: view.confirmation_phrase,
        }
    }
}
