//! Everything the window does, without the window: profiles and their secrets, the open
//! connection, long operations that can be cancelled, the background queue monitor and
//! fallback watches. The Tauri commands are one-line adapters over [`Workspace`], so all
//! of this is tested against the Sandbox without a window.
//!
//! Invariants: a client secret goes from the form straight to the keychain and is never
//! returned, stored in a file or put in an error; switching profiles stops every
//! background task of the previous one.

mod channels;
mod monitoring;
mod promotion;
mod settings;
mod shutdown;
mod visitor;
mod watch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;

pub use crate::application::access;
use crate::application::connection::OpenMode;
use crate::application::profiles::Profiles;
use crate::application::{self, connection, AppError, ErrorCode};
use crate::fallback::{Route, RunnerEvent, RunnerMode};
use crate::genesys::{RateBudget, REGIONS};
use crate::monitor::QueueSample;
use crate::profiles::ProfileStore;
use crate::sandbox::DEMO_CLIENT_ID;
use crate::secrets::SecretStore;
use crate::store::Store;

pub use channels::{
    ChannelDetail, CheckView, EditorOptions, ExportResult, ImportPlan, MetricsView, VersionRow,
};
pub use monitoring::{MonitorView, QueueStatus};
pub use promotion::{PromotionForm, PromotionPlanView};
pub use settings::{RecordedWatch, Settings, SettingsStore, DEFAULT_THRESHOLDS};
pub use shutdown::{RunningWatch, RunningWork, ShutdownReport};
pub use visitor::{CanaryView, DriveFile, LiveView, TestDriveSetup};
pub use watch::{FallbackSetup, FallbackView};

pub use crate::application::profiles::{ProfileForm, SANDBOX_PROFILE};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What happens in the background, for the window to show and notify.
#[derive(Debug, Clone)]
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
    /// A canary round ended; `failures` lists the scenarios that did not pass.
    CanaryRound {
        deployment_id: String,
        channel: String,
        passed: usize,
        total: usize,
        failures: Vec<String>,
    },
    /// A fallback watch that was running when the app last closed started again, or
    /// could not (`error`).
    WatchResumed {
        deployment_id: String,
        channel: String,
        mode: RunnerMode,
        error: Option<String>,
        /// Not started: a live watch of a production profile waits for the channel's
        /// name to be typed (then `resume_watch`) or to be forgotten (`stop_fallback`).
        needs_confirmation: bool,
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

#[derive(Debug, Clone)]
pub struct ProfileView {
    pub name: String,
    pub environment: String,
    pub region_label: Option<String>,
    pub client_id: String,
    pub is_sandbox: bool,
    pub active: bool,
    pub production: bool,
    pub colour: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RegionOption {
    pub name: &'static str,
    pub label: &'static str,
    pub domain: &'static str,
}

#[derive(Debug, Clone)]
pub struct ProfilesView {
    pub active: String,
    pub profiles: Vec<ProfileView>,
    pub regions: Vec<RegionOption>,
    /// Why the app opened on another profile than the last one, if it did.
    pub notice: Option<String>,
    /// The open profile was opened read-only.
    pub read_only: bool,
}

/// The open profile: its application session and the background work that belongs to
/// it (the queue monitor, fallback watches), stopped together when another profile opens.
pub struct ProfileSession {
    pub app: application::Session,
    tasks: CancellationToken,
    monitor: Mutex<monitoring::MonitorState>,
    watches: Mutex<HashMap<String, watch::Watch>>,
    canaries: Mutex<HashMap<String, visitor::Canary>>,
    /// The import plan last shown; an import creates exactly its document.
    import_plan: Mutex<Option<ImportPlan>>,
}

impl ProfileSession {
    fn new(app: application::Session) -> ProfileSession {
        ProfileSession {
            app,
            tasks: CancellationToken::new(),
            monitor: Mutex::default(),
            watches: Mutex::default(),
            canaries: Mutex::default(),
            import_plan: Mutex::default(),
        }
    }

    fn shutdown(&self) {
        self.tasks.cancel();
    }
}

// The open profile is its application session plus background state; reading its client,
// store or profile name goes straight through.
impl std::ops::Deref for ProfileSession {
    type Target = application::Session;

    fn deref(&self) -> &application::Session {
        &self.app
    }
}

pub struct Workspace {
    profiles: ProfileStore,
    secrets: SecretStore,
    settings: SettingsStore,
    store: Store,
    sandbox_url: String,
    snapshot_dir: PathBuf,
    session: RwLock<Arc<ProfileSession>>,
    operations: Mutex<HashMap<String, shutdown::RunningOperation>>,
    events: EventSink,
    notice: Mutex<Option<String>>,
    /// The promotion plan last shown; Promote carries out exactly it, once.
    promotion_plan: Mutex<Option<application::promotion::PromotionPlan>>,
    /// Files chosen in a native dialog for a test drive, by the id the window holds:
    /// the window names a chosen file, never a path.
    drive_files: Mutex<HashMap<String, PathBuf>>,
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

/// Sets an unreadable profiles file aside so the window can start (on the Sandbox);
/// the notice names the kept copy. The secrets stay in the keychain, so re-adding a
/// profile under its old name finds them again.
fn set_aside_corrupt_profiles(profiles: &ProfileStore) -> Result<Option<String>> {
    match profiles.load() {
        Err(crate::profiles::ProfileError::Corrupt { path, reason }) => {
            let aside = crate::private_files::set_aside(&path).map_err(|error| {
                AppError::new(
                    ErrorCode::ProfileFile,
                    format!(
                        "the profiles file {} is not valid ({reason}) and could not be set aside: {error}",
                        path.display()
                    ),
                )
            })?;
            Ok(Some(format!(
                "The profiles file could not be read ({reason}), so it was kept as {} and the \
                 Sandbox was opened",
                aside.display()
            )))
        }
        _ => Ok(None),
    }
}

fn join_notices(notices: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    // Each reason is its own sentence in the window's banner.
    let joined: Vec<String> = notices
        .into_iter()
        .flatten()
        .map(|notice| {
            let notice = notice.trim_end().to_string();
            if notice.ends_with('.') {
                notice
            } else {
                notice + "."
            }
        })
        .collect();
    (!joined.is_empty()).then(|| joined.join(" "))
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
        let (store, store_notice) = Store::open_or_set_aside(&locations.database)?;
        let profiles = ProfileStore::at(&locations.config_dir);
        let profiles_notice = set_aside_corrupt_profiles(&profiles)?;
        let settings = SettingsStore::in_directory(&locations.config_dir);
        let (loaded, settings_notice) = settings.load_or_set_aside();
        let remembered = loaded.active_profile;
        let mut notice = join_notices([store_notice, profiles_notice, settings_notice]);
        let placeholder = Arc::new(ProfileSession::new(application::Session::new(
            connection::sandbox(sandbox_url)?,
            store.clone(),
            SANDBOX_PROFILE,
        )));
        let workspace = Workspace {
            profiles,
            secrets,
            settings,
            store,
            sandbox_url: sandbox_url.to_string(),
            snapshot_dir: locations.snapshot_dir.clone(),
            session: RwLock::new(placeholder),
            operations: Mutex::default(),
            events,
            notice: Mutex::default(),
            promotion_plan: Mutex::default(),
            drive_files: Mutex::default(),
        };
        let wanted = remembered.unwrap_or_else(|| SANDBOX_PROFILE.to_string());
        if let Err(error) = workspace.activate(&wanted) {
            notice = join_notices([
                notice,
                Some(format!(
                    "Opened the Sandbox because the profile `{wanted}` could not be opened: {}",
                    error.message
                )),
            ]);
            workspace.activate(SANDBOX_PROFILE)?;
        }
        *lock(&workspace.notice) = notice;
        Ok(workspace)
    }

    pub fn session(&self) -> Arc<ProfileSession> {
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

    fn session_for(&self, name: &str, mode: OpenMode) -> Result<application::Session> {
        if name == SANDBOX_PROFILE {
            return Ok(application::Session::new(
                connection::sandbox(&self.sandbox_url)?,
                self.store.clone(),
                name,
            ));
        }
        let opened = connection::for_profile(&self.profiles, &self.secrets, name, mode)?;
        Ok(application::Session::of_profile(
            opened,
            self.store.clone(),
            name,
        ))
    }

    /// Opens a profile the way it was last opened (read-only if it was): stops the
    /// previous profile's background work, starts the monitor.
    pub fn activate(&self, name: &str) -> Result<ProfilesView> {
        let mode = if self.remembered_read_only(name) {
            OpenMode::ReadOnly
        } else {
            OpenMode::ReadWrite
        };
        self.activate_as(name, mode)
    }

    fn remembered_read_only(&self, name: &str) -> bool {
        self.settings
            .load()
            .is_ok_and(|settings| settings.read_only_profiles.contains(name))
    }

    /// Opens a profile read-only or not.
    pub fn activate_as(&self, name: &str, mode: OpenMode) -> Result<ProfilesView> {
        let session = Arc::new(ProfileSession::new(self.session_for(name, mode)?));
        let previous = std::mem::replace(
            &mut *self
                .session
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            session.clone(),
        );
        previous.shutdown();
        monitoring::start(self, &session);
        if let Err(reason) = self.settings.update(|s| {
            s.active_profile = Some(name.into());
            if mode == OpenMode::ReadOnly {
                s.read_only_profiles.insert(name.into());
            } else {
                s.read_only_profiles.remove(name);
            }
        }) {
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
            production: false,
            colour: None,
        }];
        profiles.extend(self.profiles().list()?.into_iter().map(|p| ProfileView {
            region_label: crate::genesys::Region::find(&p.environment).map(|r| r.label.to_string()),
            active: p.name == active,
            is_sandbox: false,
            name: p.name,
            environment: p.environment,
            client_id: p.client_id,
            production: p.production,
            colour: p.colour,
        }));
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
            read_only: self.session().app.read_only,
        })
    }

    fn profiles(&self) -> Profiles<'_> {
        Profiles {
            store: &self.profiles,
            secrets: &self.secrets,
        }
    }

    /// Adds or edits a profile; an edit of the open profile reopens it.
    pub fn save_profile(&self, form: ProfileForm) -> Result<ProfilesView> {
        let saved = self.profiles().save(&form)?;
        // A renamed profile keeps its recorded fallback watches: they are filed under
        // the profile's name and would otherwise never resume.
        if let Some(old) = form
            .original_name
            .as_ref()
            .filter(|old| **old != saved.name)
        {
            if let Err(reason) = self.settings.update(|settings| {
                for watch in settings.watches.iter_mut().filter(|w| &w.profile == old) {
                    watch.profile = saved.name.clone();
                }
            }) {
                tracing::warn!(%reason, "could not carry the fallback watches over to the new name");
            }
        }
        let active = self.session().profile.clone();
        if Some(&active) == form.original_name.as_ref() {
            self.activate(&saved.name)?;
        }
        self.profiles_view()
    }

    /// Removes a profile and its keychain entry; the Sandbox cannot be removed.
    pub fn remove_profile(&self, name: &str) -> Result<ProfilesView> {
        self.profiles().remove(name)?;
        if self.session().profile == name {
            self.activate(SANDBOX_PROFILE)?;
        }
        self.profiles_view()
    }

    /// Logs in with a profile (the open one when `None`) and probes its permissions.
    pub async fn test_connection(&self, name: Option<&str>) -> Result<access::ConnectionReport> {
        let open = self.session();
        let name = name.unwrap_or(&open.profile);
        // Opened as it is used: read-only sends no write probe.
        let session = self.session_named(name, OpenMode::ReadWrite)?;
        Ok(access::test_connection(&session.client).await?)
    }

    /// The open profile's session when `name` is open (its read-only mode and publishes
    /// in flight come along), else the profile opened as it was last used.
    fn session_named(&self, name: &str, mode: OpenMode) -> Result<application::Session> {
        let open = self.session();
        if open.app.profile == name {
            return Ok(open.app.clone());
        }
        let mode = match mode {
            OpenMode::ReadOnly => OpenMode::ReadOnly,
            OpenMode::ReadWrite if self.remembered_read_only(name) => OpenMode::ReadOnly,
            OpenMode::ReadWrite => OpenMode::ReadWrite,
        };
        self.session_for(name, mode)
    }

    /// A cancellation token for a long operation the window started under `id`;
    /// `description` says what it does, should the app be asked to quit meanwhile.
    pub fn begin_operation(&self, id: &str, description: String) -> OperationGuard<'_> {
        let token = CancellationToken::new();
        lock(&self.operations).insert(
            id.to_string(),
            shutdown::RunningOperation {
                token: token.clone(),
                description,
            },
        );
        OperationGuard {
            workspace: self,
            id: id.to_string(),
            token,
        }
    }

    /// Cancels an operation; `false` when it already ended.
    pub fn cancel_operation(&self, id: &str) -> bool {
        match lock(&self.operations).get(id) {
            Some(running) => {
                running.token.cancel();
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
