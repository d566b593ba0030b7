//! The canary panel, the Live panel, and the Test drive's files and leftovers.

use serde::Serialize;

use crate::application::visitor::{CanarySummary, EmbedInfo, Leftovers, LiveReport};
use crate::workspace::{CanaryView, DriveFile, LiveView};

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

/// A file chosen for the test drive: the window holds its id, never its path.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChosenFile {
    pub id: String,
    pub name: String,
    pub size: u64,
}

impl From<DriveFile> for ChosenFile {
    fn from(file: DriveFile) -> Self {
        ChosenFile {
            id: file.id,
            name: file.name,
            size: file.size,
        }
    }
}

/// Synthetic conversations still open, and what ending them did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenSynthetic {
    pub searched: usize,
    pub synthetic: Vec<LeftoverRow>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftoverRow {
    pub conversation_id: String,
    pub started: Option<String>,
    pub queue_name: Option<String>,
    pub ended: Option<bool>,
    pub problem: Option<String>,
}

impl From<Leftovers> for OpenSynthetic {
    fn from(found: Leftovers) -> Self {
        OpenSynthetic {
            searched: found.searched,
            synthetic: found
                .synthetic
                .into_iter()
                .map(|leftover| LeftoverRow {
                    queue_name: leftover
                        .queue_name
                        .or(leftover.conversation.queue_id.clone()),
                    conversation_id: leftover.conversation.conversation_id,
                    started: leftover.conversation.started,
                    ended: leftover.ended,
                    problem: leftover.problem,
                })
                .collect(),
        }
    }
}
