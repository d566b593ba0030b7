//! The canary panel and the Live panel.

use serde::Serialize;

use crate::application::visitor::{CanarySummary, EmbedInfo, LiveReport};
use crate::workspace::{CanaryView, LiveView};

/// A channel's canary: whether it runs, and its rounds over the last week.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Canary {
    pub running: bool,
    pub file: Option<String>,
    pub every_minutes: Option<u32>,
    pub summary: CanaryRounds,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryRounds {
    pub pass_rate: Option<f64>,
    /// Newest first, as "scenario: why". The rounds themselves reach the window drawn,
    /// as `chart_svg`.
    pub recent_failures: Vec<String>,
    pub chart_svg: Option<String>,
}

impl From<CanaryView> for Canary {
    fn from(view: CanaryView) -> Self {
        Canary {
            running: view.running,
            file: view.file,
            every_minutes: view.every_minutes,
            summary: CanaryRounds::from(view.summary),
        }
    }
}

impl From<CanarySummary> for CanaryRounds {
    fn from(summary: CanarySummary) -> Self {
        CanaryRounds {
            pass_rate: summary.pass_rate,
            recent_failures: summary.recent_failures,
            chart_svg: summary.chart_svg,
        }
    }
}

/// What visitors are served against what is published, and how to embed the channel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Live {
    pub live: LiveReport,
    pub embed: EmbedInfo,
}

impl From<LiveView> for Live {
    fn from(view: LiveView) -> Self {
        Live {
            live: view.live,
            embed: view.embed,
        }
    }
}
