//! The app's settings beside the profiles: which profile is open, fallback rules per
//! channel and thresholds per queue. No secret is ever kept here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fallback::{FallbackRules, RunnerMode};
use crate::monitor::Directives;

const FILE_NAME: &str = "settings.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub active_profile: Option<String>,
    /// Keyed by deployment id.
    pub fallback_rules: BTreeMap<String, FallbackRules>,
    /// Keyed by queue id.
    pub queue_thresholds: BTreeMap<String, Directives>,
    /// Fallback watches that were running: kept while they run (so a crash loses none),
    /// dropped when the admin stops one, resumed when their profile opens again.
    pub watches: Vec<RecordedWatch>,
    /// Profiles last opened read-only: they open so again (at start, or picked again)
    /// until opened read-write on purpose.
    #[serde(skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub read_only_profiles: std::collections::BTreeSet<String>,
}

/// A fallback watch as started, enough to start it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedWatch {
    pub profile: String,
    pub deployment_id: String,
    pub channel: String,
    pub rules: FallbackRules,
    pub mode: RunnerMode,
    pub primary_queue_id: String,
    pub fallback_flow_id: String,
}

impl RecordedWatch {
    pub fn is_for(&self, profile: &str, deployment_id: &str) -> bool {
        self.profile == profile && self.deployment_id == deployment_id
    }
}

/// What a queue is held to until the admin says otherwise: the tutorial's two minutes
/// and at least one agent.
pub const DEFAULT_THRESHOLDS: Directives = Directives {
    max_depth: None,
    max_wait_seconds: Some(120),
    min_agents: Some(1),
};

impl Settings {
    pub fn thresholds(&self, queue_id: &str) -> Directives {
        self.queue_thresholds
            .get(queue_id)
            .copied()
            .unwrap_or(DEFAULT_THRESHOLDS)
    }
}

#[derive(Debug, Clone)]
pub struct SettingsStore {
    path: PathBuf,
}

impl SettingsStore {
    pub fn in_directory(directory: &Path) -> SettingsStore {
        SettingsStore {
            path: directory.join(FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A missing file is the defaults; a corrupt one is an error, left untouched.
    pub fn load(&self) -> Result<Settings, String> {
        match std::fs::read(&self.path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(error) => Err(format!("could not read {}: {error}", self.path.display())),
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
                format!(
                    "the settings file {} is not valid ({error}); it was left untouched",
                    self.path.display()
                )
            }),
        }
    }

    /// What the window starts with: the settings, or, when the file cannot be used (not
    /// JSON, or JSON of the wrong shape), the defaults, with the file kept aside as
    /// `settings.json.corrupt-<time>` and a notice saying so. A file the window cannot
    /// read must not stop it, nor block every later save.
    pub fn load_or_set_aside(&self) -> (Settings, Option<String>) {
        match self.load() {
            Ok(settings) => (settings, None),
            Err(reason) if !self.path.exists() => (Settings::default(), Some(reason)),
            Err(reason) => match crate::private_files::set_aside(&self.path) {
                Ok(aside) => (
                    Settings::default(),
                    Some(format!(
                        "The settings file could not be used ({}), so it was kept as {} and the defaults were taken",
                        reason.trim_end_matches("; it was left untouched"),
                        aside.display()
                    )),
                ),
                Err(error) => (
                    Settings::default(),
                    Some(format!("{reason}, and it could not be set aside: {error}")),
                ),
            },
        }
    }

    pub fn save(&self, settings: &Settings) -> Result<(), String> {
        let bytes = serde_json::to_vec_pretty(settings).map_err(|e| e.to_string())?;
        if let Some(directory) = self.path.parent() {
            crate::private_files::create_dir_all(directory)
                .map_err(|e| format!("could not create {}: {e}", directory.display()))?;
        }
        crate::transfer::write_atomically(&self.path, &bytes)
    }

    /// Loads, changes and saves in one step.
    pub fn update(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings, String> {
        let directory = self.path.parent().unwrap_or(Path::new("."));
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _lock = crate::private_files::lock_for_update(directory, &name)
            .map_err(|e| format!("could not lock {} for the update: {e}", self.path.display()))?;
        let mut settings = self.load()?;
        change(&mut settings);
        self.save(&settings)?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_a_corrupt_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::in_directory(dir.path());
        assert_eq!(store.load().unwrap(), Settings::default());
        store
            .update(|s| {
                s.active_profile = Some("Prod".into());
                s.queue_thresholds.insert(
                    "q1".into(),
                    Directives {
                        max_depth: Some(5),
                        max_wait_seconds: Some(60),
                        min_agents: None,
                    },
                );
            })
            .unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.active_profile.as_deref(), Some("Prod"));
        assert_eq!(loaded.thresholds("q1").max_wait_seconds, Some(60));
        assert_eq!(loaded.thresholds("other"), DEFAULT_THRESHOLDS);
        std::fs::write(store.path(), b"{oops").unwrap();
        assert!(store.load().unwrap_err().contains("left untouched"));
        assert_eq!(std::fs::read(store.path()).unwrap(), b"{oops");
    }
}
