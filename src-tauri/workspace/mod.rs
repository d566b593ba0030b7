//! Everything the window does, without the window: profiles and their secrets, the open
//! connection, long operations that can be cancelled, the background queue monitor and
//! fallback watches. The Tauri commands are one-line adapters over [`Workspace`], so all
//! of this is tested against the Sandbox without a window.
//!
//! Invariants: a client secret goes from the form straight to the keychain and is never
//! returned, stored in a file or put in an error; switching profiles stops every
//! background task of the previous one.

pub mod access;
mod channels;
mod monitoring;
mod settings;
mod watch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::fallback::{Route, RunnerEvent};
use crate::genesys::{Client, ConnectionConfig, Environment, RateBudget, REGIONS};
use crate::monitor::QueueSample;
use crate::profiles::{Profile, ProfileError, ProfileStore};
use crate::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use crate::secrets::{SecretError, SecretStore};
use crate::store::Store;

pub use channels::{
    ChannelDetail, CheckView, EditorOptions, ExportResult, ImportPlan, MetricsView, VersionRow,
};
pub use monitoring::{MonitorView, QueueStatus};
pub use settings::{Settings, SettingsStore, DEFAULT_THRESHOLDS};
pub use watch::{FallbackSetup, FallbackView};

/// The built-in profile that talks to the embedded Sandbox.
pub const SANDBOX_PROFILE: &str = "Sandbox";

/// Why the workspace refused or failed: a stable code and a sentence for the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceError {
    pub code: String,
    pub message: String,
}

impl WorkspaceError {
    pub fn new(code: &str, message: impl Into<String>) -> WorkspaceError {
        WorkspaceError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WorkspaceError {}

impl From<crate::genesys::Error> for WorkspaceError {
    fn from(error: crate::genesys::Error) -> Self {
        WorkspaceError::new(&error.code(), error.to_string())
    }
}

impl From<crate::channel::ChannelError> for WorkspaceError {
    fn from(error: crate::channel::ChannelError) -> Self {
        WorkspaceError::new(&error.code(), error.to_string())
    }
}

impl From<ProfileError> for WorkspaceError {
    fn from(error: ProfileError) -> Self {
        let code = match error {
            ProfileError::NotFound { .. } => "profile.not.found",
            ProfileError::Io { .. } | ProfileError::Corrupt { .. } | ProfileError::NoConfigDir => {
                "profile.file"
            }
            _ => "profile.invalid",
        };
        WorkspaceError::new(code, error.to_string())
    }
}

impl From<SecretError> for WorkspaceError {
    fn from(error: SecretError) -> Self {
        WorkspaceError::new("keychain", error.to_string())
    }
}

impl From<crate::store::StoreError> for WorkspaceError {
    fn from(error: crate::store::StoreError) -> Self {
        WorkspaceError::new("local.store", error.to_string())
    }
}

pub type Result<T, E = WorkspaceError> = std::result::Result<T, E>;

/// What happens in the background, for the window to show and notify.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum WorkspaceEvent {
    MonitorCycle {
        profile: String,
        ok: bool,
        error: Option<String>,
        samples: Vec<QueueSample>,
        rate_budget: RateBudget,
    },
    Fallback {
        profile: String,
        deployment_id: String,
        event: RunnerEvent,
    },
    /// A fallback watch moved a channel's route (not a dry run).
    RouteSwitched {
        deployment_id: String,
        channel: String,
        to: Route,
        reason: String,
    },
}

pub type EventSink = Arc<dyn Fn(WorkspaceEvent) + Send + Sync>;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub name: String,
    pub environment: String,
    pub region_label: Option<String>,
    pub client_id: String,
    pub is_sandbox: bool,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionOption {
    pub name: &'static str,
    pub label: &'static str,
    pub domain: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfilesView {
    pub active: String,
    pub profiles: Vec<ProfileView>,
    pub regions: Vec<RegionOption>,
    /// Why the app opened on another profile than the last one, if it did.
    pub notice: Option<String>,
}

/// The profile form. `client_secret` may be left empty when editing: the stored one stays.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileForm {
    pub original_name: Option<String>,
    pub name: String,
    pub environment: String,
    pub client_id: String,
    pub client_secret: String,
}

// The secret must never reach a log through a debug print of the form.
impl std::fmt::Debug for ProfileForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileForm")
            .field("original_name", &self.original_name)
            .field("name", &self.name)
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// One open connection and the background work that belongs to it.
pub struct Session {
    pub profile: String,
    pub client: Client,
    tasks: CancellationToken,
    monitor: Mutex<monitoring::MonitorState>,
    watches: Mutex<HashMap<String, watch::Watch>>,
}

impl Session {
    fn shutdown(&self) {
        self.tasks.cancel();
    }
}

pub struct Workspace {
    profiles: ProfileStore,
    secrets: SecretStore,
    settings: SettingsStore,
    store: Store,
    sandbox_url: String,
    snapshot_dir: PathBuf,
    session: RwLock<Arc<Session>>,
    operations: Mutex<HashMap<String, CancellationToken>>,
    events: EventSink,
    notice: Mutex<Option<String>>,
}

/// Where a workspace keeps its files.
#[derive(Debug, Clone)]
pub struct Locations {
    pub config_dir: PathBuf,
    pub database: PathBuf,
    pub snapshot_dir: PathBuf,
}

impl Locations {
    /// The per-user directories named after the app identifier.
    pub fn for_user() -> Result<Locations> {
        let profiles = ProfileStore::default_location()?;
        let database = Store::default_path()?;
        let data_dir = database.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Locations {
            config_dir: profiles
                .path()
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            database,
            snapshot_dir: data_dir.join("snapshots"),
        })
    }

    /// Everything under one directory (tests).
    pub fn under(directory: &Path) -> Locations {
        Locations {
            config_dir: directory.join("config"),
            database: directory.join("data").join("history.sqlite3"),
            snapshot_dir: directory.join("data").join("snapshots"),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Workspace {
    /// Opens the workspace on the last profile used, or on the Sandbox when there is none
    /// or it cannot be opened (the reason is kept for the window to show). Must run inside
    /// a tokio runtime: the queue monitor starts at once.
    pub fn open(
        locations: &Locations,
        sandbox_url: &str,
        secrets: SecretStore,
        events: EventSink,
    ) -> Result<Workspace> {
        let store = Store::open(&locations.database)?;
        let settings = SettingsStore::in_directory(&locations.config_dir);
        let (remembered, mut notice) = match settings.load() {
            Ok(settings) => (settings.active_profile, None),
            Err(reason) => (None, Some(reason)),
        };
        let workspace_sandbox = Workspace::sandbox_client(sandbox_url)?;
        let placeholder = Arc::new(Session {
            profile: SANDBOX_PROFILE.into(),
            client: workspace_sandbox,
            tasks: CancellationToken::new(),
            monitor: Mutex::default(),
            watches: Mutex::default(),
        });
        let workspace = Workspace {
            profiles: ProfileStore::at(&locations.config_dir),
            secrets,
            settings,
            store,
            sandbox_url: sandbox_url.to_string(),
            snapshot_dir: locations.snapshot_dir.clone(),
            session: RwLock::new(placeholder),
            operations: Mutex::default(),
            events,
            notice: Mutex::default(),
        };
        let wanted = remembered.unwrap_or_else(|| SANDBOX_PROFILE.to_string());
        if let Err(error) = workspace.activate(&wanted) {
            notice = Some(format!(
                "Opened the Sandbox because the profile `{wanted}` could not be opened: {}",
                error.message
            ));
            workspace.activate(SANDBOX_PROFILE)?;
        }
        *lock(&workspace.notice) = notice;
        Ok(workspace)
    }

    fn sandbox_client(url: &str) -> Result<Client> {
        let environment = Environment::parse(url)
            .map_err(|e| WorkspaceError::new("invalid.environment", e.to_string()))?;
        Ok(Client::new(ConnectionConfig::new(
            environment,
            DEMO_CLIENT_ID,
            SecretString::from(DEMO_CLIENT_SECRET),
        ))?)
    }

    pub fn session(&self) -> Arc<Session> {
        self.session
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> &SettingsStore {
        &self.settings
    }

    fn client_for(&self, name: &str) -> Result<Client> {
        if name == SANDBOX_PROFILE {
            return Workspace::sandbox_client(&self.sandbox_url);
        }
        let profile = self.profiles.get(name)?;
        let environment = profile.validate()?;
        let secret = self.secrets.get(name)?.ok_or_else(|| {
            WorkspaceError::new(
                "keychain.missing",
                format!("no client secret is stored in the OS keychain for `{name}`; edit the profile and enter it"),
            )
        })?;
        Ok(Client::new(ConnectionConfig::new(
            environment,
            &profile.client_id,
            secret,
        ))?)
    }

    /// Opens a profile: stops the previous profile's background work, starts the monitor.
    pub fn activate(&self, name: &str) -> Result<ProfilesView> {
        let client = self.client_for(name)?;
        let session = Arc::new(Session {
            profile: name.to_string(),
            client,
            tasks: CancellationToken::new(),
            monitor: Mutex::default(),
            watches: Mutex::default(),
        });
        let previous = std::mem::replace(
            &mut *self
                .session
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            session.clone(),
        );
        previous.shutdown();
        monitoring::start(self, &session);
        if let Err(reason) = self
            .settings
            .update(|s| s.active_profile = Some(name.into()))
        {
            tracing::warn!(%reason, "could not remember the active profile");
        }
        *lock(&self.notice) = None;
        self.profiles_view()
    }

    pub fn profiles_view(&self) -> Result<ProfilesView> {
        let active = self.session().profile.clone();
        let mut profiles = vec![ProfileView {
            name: SANDBOX_PROFILE.into(),
            environment: "Sandbox (built in)".into(),
            region_label: None,
            client_id: DEMO_CLIENT_ID.into(),
            is_sandbox: true,
            active: active == SANDBOX_PROFILE,
        }];
        profiles.extend(
            self.profiles
                .load()?
                .profiles
                .into_iter()
                .map(|p| ProfileView {
                    region_label: crate::genesys::Region::find(&p.environment)
                        .map(|r| r.label.to_string()),
                    active: p.name == active,
                    is_sandbox: false,
                    name: p.name,
                    environment: p.environment,
                    client_id: p.client_id,
                }),
        );
        Ok(ProfilesView {
            active,
            profiles,
            regions: REGIONS
                .iter()
                .map(|r| RegionOption {
                    name: r.name,
                    label: r.label,
                    domain: r.domain,
                })
                .collect(),
            notice: lock(&self.notice).clone(),
        })
    }

    /// Adds or edits a profile. The secret goes to the keychain first, so a profile is
    /// never listed without one; the file gets everything else.
    pub fn save_profile(&self, form: ProfileForm) -> Result<ProfilesView> {
        let name = form.name.trim().to_string();
        if name.eq_ignore_ascii_case(SANDBOX_PROFILE) {
            return Err(WorkspaceError::new(
                "profile.invalid",
                "`Sandbox` is the built-in profile; choose another name",
            ));
        }
        let profile = Profile {
            name: name.clone(),
            environment: form.environment.trim().to_string(),
            client_id: form.client_id.trim().to_string(),
        };
        profile.validate()?;
        let original = form.original_name.clone().filter(|o| !o.is_empty());
        let renaming = original.as_ref().filter(|o| **o != name);
        if (original.is_none() || renaming.is_some()) && self.profiles.get(&name).is_ok() {
            return Err(WorkspaceError::new(
                "profile.exists",
                format!("a profile named `{name}` already exists"),
            ));
        }
        let secret = form.client_secret.trim();
        if secret.is_empty() {
            let kept = match &original {
                Some(original) => self.secrets.get(original)?,
                None => None,
            };
            match kept {
                Some(kept) if renaming.is_some() => self.secrets.set(&name, &kept)?,
                Some(_) => {}
                None => {
                    return Err(WorkspaceError::new(
                        "profile.invalid",
                        "the client secret is required for a new profile",
                    ))
                }
            }
        } else {
            self.secrets
                .set(&name, &SecretString::from(secret.to_string()))?;
        }
        self.profiles.upsert(profile)?;
        if let Some(old) = renaming {
            self.profiles.remove(old)?;
            self.secrets.delete(old)?;
        }
        let active = self.session().profile.clone();
        if Some(&active) == original.as_ref() {
            self.activate(&name)?;
        }
        self.profiles_view()
    }

    /// Removes a profile and its keychain entry; the Sandbox cannot be removed.
    pub fn remove_profile(&self, name: &str) -> Result<ProfilesView> {
        if name == SANDBOX_PROFILE {
            return Err(WorkspaceError::new(
                "profile.invalid",
                "the built-in Sandbox profile cannot be removed",
            ));
        }
        if !self.profiles.remove(name)? {
            return Err(WorkspaceError::new(
                "profile.not.found",
                format!("no profile named `{name}`"),
            ));
        }
        self.secrets.delete(name)?;
        if self.session().profile == name {
            self.activate(SANDBOX_PROFILE)?;
        }
        self.profiles_view()
    }

    /// Logs in with a profile (the open one when `None`) and probes its permissions.
    pub async fn test_connection(&self, name: Option<&str>) -> Result<access::ConnectionReport> {
        let client = match name {
            Some(name) if name != self.session().profile => self.client_for(name)?,
            _ => self.session().client.clone(),
        };
        Ok(access::test_connection(&client).await?)
    }

    /// A cancellation token for a long operation the window started under `id`.
    pub fn begin_operation(&self, id: &str) -> OperationGuard<'_> {
        let token = CancellationToken::new();
        lock(&self.operations).insert(id.to_string(), token.clone());
        OperationGuard {
            workspace: self,
            id: id.to_string(),
            token,
        }
    }

    /// Cancels an operation; `false` when it already ended.
    pub fn cancel_operation(&self, id: &str) -> bool {
        match lock(&self.operations).get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}

/// Keeps an operation cancellable while it runs.
pub struct OperationGuard<'a> {
    workspace: &'a Workspace,
    id: String,
    pub token: CancellationToken,
}

impl Drop for OperationGuard<'_> {
    fn drop(&mut self) {
        lock(&self.workspace.operations).remove(&self.id);
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        self.session().shutdown();
    }
}
