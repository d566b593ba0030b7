//! The local database (SQLite, in the app's data directory): what the app itself saw
//! and did, which the Genesys API does not keep for us: deployment status over time
//! (for uptime), the local action log (merged into the audit timeline), fallback
//! switches, and the routing roles of each channel (primary queue, primary and fallback
//! flows).
//!
//! Invariants: schema changes are numbered migrations applied in order on open; the
//! database runs in WAL mode so readers never block the writer; every timestamp is
//! RFC 3339 UTC with milliseconds, so text order is time order.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::profiles::APP_IDENTIFIER;

const FILE_NAME: &str = "desk.sqlite3";

/// Migrations, in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE status_history (
         deployment_id TEXT NOT NULL,
         observed_at TEXT NOT NULL,
         status TEXT NOT NULL
     );
     CREATE INDEX status_history_by_deployment ON status_history (deployment_id, observed_at);
     CREATE TABLE action_log (
         id INTEGER PRIMARY KEY,
         at TEXT NOT NULL,
         profile TEXT NOT NULL,
         action TEXT NOT NULL,
         entity_type TEXT NOT NULL,
         entity_id TEXT NOT NULL,
         entity_name TEXT,
         details TEXT NOT NULL DEFAULT '{}'
     );
     CREATE INDEX action_log_by_entity ON action_log (entity_id, at);
     CREATE TABLE fallback_switches (
         id INTEGER PRIMARY KEY,
         at TEXT NOT NULL,
         deployment_id TEXT NOT NULL,
         to_route TEXT NOT NULL,
         reason TEXT NOT NULL,
         sample TEXT NOT NULL,
         dry_run INTEGER NOT NULL
     );
     CREATE TABLE channel_routing (
         deployment_id TEXT PRIMARY KEY,
         primary_queue_id TEXT,
         primary_queue_name TEXT,
         primary_flow_id TEXT,
         primary_flow_name TEXT,
         fallback_flow_id TEXT,
         fallback_flow_name TEXT
     );",
    "CREATE TABLE queue_samples (
         queue_id TEXT NOT NULL,
         at_ms INTEGER NOT NULL,
         waiting INTEGER NOT NULL,
         interacting INTEGER NOT NULL,
         agents_on_queue INTEGER NOT NULL,
         agents_idle INTEGER NOT NULL,
         longest_wait_s INTEGER NOT NULL,
         estimated_wait_s INTEGER,
         smoothed_wait_s REAL
     );
     CREATE INDEX queue_samples_by_queue ON queue_samples (queue_id, at_ms);",
    "CREATE TABLE canary_results (
         deployment_id TEXT NOT NULL,
         at_ms INTEGER NOT NULL,
         scenario TEXT NOT NULL,
         passed INTEGER NOT NULL,
         first_reply_ms INTEGER,
         routed_ms INTEGER,
         agent_joined_ms INTEGER,
         total_ms INTEGER NOT NULL,
         failure TEXT
     );
     CREATE INDEX canary_results_by_deployment ON canary_results (deployment_id, at_ms);",
    // For pruning by age (see `Store::prune_history`).
    "CREATE INDEX status_history_by_time ON status_history (observed_at);
     CREATE INDEX action_log_by_time ON action_log (at);
     CREATE INDEX fallback_switches_by_time ON fallback_switches (at);",
];

/// Status changes, the local action log and fallback switches older than this are
/// deleted when the database opens: over a year, so a yearly uptime or audit review still
/// finds them, and bounded, so years of use do not fill the disk.
pub const HISTORY_RETENTION: std::time::Duration = std::time::Duration::from_secs(400 * 86_400);

/// Rows [`Store::prune_history`] deleted, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub status_changes: usize,
    pub actions: usize,
    pub switches: usize,
    pub canary_results: usize,
}

/// Canary results older than this are deleted as new ones are recorded.
pub const CANARY_RETENTION: std::time::Duration = std::time::Duration::from_secs(90 * 86_400);

/// One scenario's result in one canary round.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryResult {
    pub deployment_id: String,
    pub at_ms: i64,
    pub scenario: String,
    pub passed: bool,
    pub first_reply_ms: Option<u64>,
    pub routed_ms: Option<u64>,
    pub agent_joined_ms: Option<u64>,
    pub total_ms: u64,
    /// Why it did not pass.
    pub failure: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local database {path} could not be opened or written: {reason}")]
    Database { path: String, reason: String },
    #[error("no data directory is known for this user")]
    NoDataDir,
}

/// The routing roles the app keeps for a channel (the API has no field for them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelRouting {
    pub deployment_id: String,
    pub primary_queue_id: Option<String>,
    pub primary_queue_name: Option<String>,
    pub primary_flow_id: Option<String>,
    pub primary_flow_name: Option<String>,
    pub fallback_flow_id: Option<String>,
    pub fallback_flow_name: Option<String>,
}

/// What this app did, as its own log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalActionKind {
    Create,
    Publish,
    Rollback,
    Delete,
    Import,
    FallbackSwitch,
}

impl LocalActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LocalActionKind::Create => "Create",
            LocalActionKind::Publish => "Publish",
            LocalActionKind::Rollback => "Rollback",
            LocalActionKind::Delete => "Delete",
            LocalActionKind::Import => "Import",
            LocalActionKind::FallbackSwitch => "FallbackSwitch",
        }
    }
}

/// What an action changed, named as the audit API's web deployment entity types are, so
/// the two logs merge into one history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditedEntity {
    Deployment,
    Configuration,
    ConfigurationVersion,
}

impl AuditedEntity {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditedEntity::Deployment => "Deployment",
            AuditedEntity::Configuration => "Configuration",
            AuditedEntity::ConfigurationVersion => "ConfigurationVersion",
        }
    }
}

/// One entry of the local action log.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalAction {
    pub at: String,
    pub profile: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub entity_name: Option<String>,
    pub details: serde_json::Value,
}

/// One recorded fallback switch (or what a dry run would have done).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchRecord {
    pub at: String,
    pub deployment_id: String,
    pub to_route: String,
    pub reason: String,
    pub sample: serde_json::Value,
    pub dry_run: bool,
}

/// A shared handle to the database.
#[derive(Clone)]
pub struct Store {
    connection: Arc<Mutex<Connection>>,
    path: String,
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A non-empty file that does not start as every SQLite database does. Checked before
/// opening: with a WAL left by a crash, SQLite reads page 1 from the WAL and never looks
/// at a broken header.
pub fn holds_something_else(path: &Path) -> bool {
    path.metadata().is_ok_and(|m| m.len() > 0) && !has_sqlite_header(path)
}

fn has_sqlite_header(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut header))
        .is_ok_and(|()| &header == b"SQLite format 3\0")
}

/// Applies the migrations the database has not seen, each with its version bump in one
/// transaction: a crash part-way leaves the database at the previous version, whole,
/// and the next start runs the migration again.
fn migrate(connection: &mut Connection, migrations: &[&str]) -> rusqlite::Result<()> {
    let applied: usize = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, migration) in migrations.iter().enumerate().skip(applied) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", index + 1)?;
        transaction.commit()?;
    }
    Ok(())
}

impl Store {
    /// `<data dir>/com.webmsgdesk.app/desk.sqlite3`.
    pub fn default_path() -> Result<PathBuf, StoreError> {
        Ok(dirs::data_dir()
            .ok_or(StoreError::NoDataDir)?
            .join(APP_IDENTIFIER)
            .join(FILE_NAME))
    }

    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let label = path.display().to_string();
        let fail = |error: &dyn std::fmt::Display| StoreError::Database {
            path: label.clone(),
            reason: error.to_string(),
        };
        if let Some(parent) = path.parent() {
            crate::private_files::create_dir_all(parent).map_err(|e| fail(&e))?;
        }
        // SQLite gives its -wal and -shm files the database file's mode, so creating
        // that file private first keeps all three private.
        crate::private_files::open_options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| fail(&e))?;
        let connection = Connection::open(path).map_err(|e| fail(&e))?;
        Store::prepare(connection, label)
    }

    /// Opens the database; a file that is not an SQLite database at all (its header is
    /// wrong) is set aside with its WAL and a fresh one is created, and the returned
    /// notice says where the old one went. A real database that fails to open (locked,
    /// read-only, damaged inside) is an error: moving it could lose the user's history.
    pub fn open_or_set_aside(path: &Path) -> Result<(Store, Option<String>), StoreError> {
        let opened = if holds_something_else(path) {
            Err(StoreError::Database {
                path: path.display().to_string(),
                reason: "the file is not an SQLite database".into(),
            })
        } else {
            Store::open(path)
        };
        match opened {
            Ok(store) => Ok((store, None)),
            Err(error) if !has_sqlite_header(path) => {
                let fail = |e: std::io::Error| StoreError::Database {
                    path: path.display().to_string(),
                    reason: format!("{error}; setting it aside failed too: {e}"),
                };
                let aside = crate::private_files::set_aside(path).map_err(fail)?;
                // The WAL belongs to the old file: kept beside it, never replayed into
                // the new one.
                for suffix in ["-wal", "-shm"] {
                    let mut companion = path.as_os_str().to_os_string();
                    companion.push(suffix);
                    let mut kept = aside.as_os_str().to_os_string();
                    kept.push(suffix);
                    if Path::new(&companion).exists() {
                        let _ = std::fs::rename(&companion, &kept);
                    }
                }
                let store = Store::open(path)?;
                let notice = format!(
                    "The history database could not be read, so a new one was started; the \
                     old file was kept as {}",
                    aside.display()
                );
                Ok((store, Some(notice)))
            }
            Err(error) => Err(error),
        }
    }

    /// A private in-memory database, for tests and dry runs.
    pub fn in_memory() -> Result<Store, StoreError> {
        let connection = Connection::open_in_memory().map_err(|e| StoreError::Database {
            path: ":memory:".into(),
            reason: e.to_string(),
        })?;
        Store::prepare(connection, ":memory:".into())
    }

    fn prepare(connection: Connection, path: String) -> Result<Store, StoreError> {
        let fail = |error: rusqlite::Error| StoreError::Database {
            path: path.clone(),
            reason: error.to_string(),
        };
        // First, so that switching to WAL waits for a second process (a CLI run beside
        // the window) instead of failing at once with "database is locked".
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(fail)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        let mut connection = connection;
        migrate(&mut connection, MIGRATIONS).map_err(fail)?;
        let store = Store {
            connection: Arc::new(Mutex::new(connection)),
            path,
        };
        match store.prune_history(Utc::now()) {
            Ok(pruned) if pruned != Pruned::default() => {
                tracing::info!(?pruned, "old history deleted past its retention")
            }
            Ok(_) => {}
            // Keeping too much is no reason not to start.
            Err(error) => tracing::warn!(%error, "could not prune old history"),
        }
        Ok(store)
    }

    /// Deletes what is past [`HISTORY_RETENTION`] (canary results past
    /// [`CANARY_RETENTION`]) before `now`, in one transaction. Each deployment keeps its
    /// last status change before the horizon, so its uptime from then on stays known.
    /// Queue samples have their own, configurable retention (`monitor::history`).
    pub fn prune_history(&self, now: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let horizon = |keep: std::time::Duration| {
            chrono::Duration::from_std(keep)
                .ok()
                .and_then(|keep| now.checked_sub_signed(keep))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        let history = timestamp(horizon(HISTORY_RETENTION));
        let canary = horizon(CANARY_RETENTION).timestamp_millis();
        self.with_connection(|connection| {
            let transaction = connection.transaction()?;
            let pruned = Pruned {
                status_changes: transaction.execute(
                    "DELETE FROM status_history WHERE observed_at < ?1 AND rowid NOT IN (
                         SELECT rowid FROM (
                             SELECT rowid, MAX(observed_at) FROM status_history
                             WHERE observed_at < ?1 GROUP BY deployment_id))",
                    params![history],
                )?,
                actions: transaction
                    .execute("DELETE FROM action_log WHERE at < ?1", params![history])?,
                switches: transaction.execute(
                    "DELETE FROM fallback_switches WHERE at < ?1",
                    params![history],
                )?,
                canary_results: transaction.execute(
                    "DELETE FROM canary_results WHERE at_ms < ?1",
                    params![canary],
                )?,
            };
            transaction.commit()?;
            Ok(pruned)
        })
    }

    /// Runs `work` on the connection; for modules that own their own tables.
    pub(crate) fn with_connection<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection();
        work(&mut connection).map_err(|e| self.fail(e))
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn fail(&self, error: rusqlite::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            reason: error.to_string(),
        }
    }

    /// Records a status observation; consecutive equal statuses are kept as one change.
    /// Records one canary round in one transaction and drops results past retention.
    pub fn record_canary_round(&self, results: &[CanaryResult]) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction().map_err(|e| self.fail(e))?;
        for result in results {
            transaction
                .execute(
                    "INSERT INTO canary_results (deployment_id, at_ms, scenario, passed, first_reply_ms, routed_ms, agent_joined_ms, total_ms, failure)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        result.deployment_id,
                        result.at_ms,
                        result.scenario,
                        result.passed,
                        result.first_reply_ms.map(|v| v as i64),
                        result.routed_ms.map(|v| v as i64),
                        result.agent_joined_ms.map(|v| v as i64),
                        result.total_ms as i64,
                        result.failure,
                    ],
                )
                .map_err(|e| self.fail(e))?;
        }
        let horizon = Utc::now().timestamp_millis() - CANARY_RETENTION.as_millis() as i64;
        transaction
            .execute(
                "DELETE FROM canary_results WHERE at_ms < ?1",
                params![horizon],
            )
            .map_err(|e| self.fail(e))?;
        transaction.commit().map_err(|e| self.fail(e))
    }

    /// A deployment's canary results since `since_ms`, oldest first.
    pub fn canary_results(
        &self,
        deployment_id: &str,
        since_ms: i64,
    ) -> Result<Vec<CanaryResult>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare(
                "SELECT deployment_id, at_ms, scenario, passed, first_reply_ms, routed_ms, agent_joined_ms, total_ms, failure
                 FROM canary_results WHERE deployment_id = ?1 AND at_ms >= ?2 ORDER BY at_ms, scenario",
            )
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map(params![deployment_id, since_ms], |row| {
                let optional = |index: usize| -> rusqlite::Result<Option<u64>> {
                    Ok(row.get::<_, Option<i64>>(index)?.map(|v| v.max(0) as u64))
                };
                Ok(CanaryResult {
                    deployment_id: row.get(0)?,
                    at_ms: row.get(1)?,
                    scenario: row.get(2)?,
                    passed: row.get(3)?,
                    first_reply_ms: optional(4)?,
                    routed_ms: optional(5)?,
                    agent_joined_ms: optional(6)?,
                    total_ms: row.get::<_, i64>(7)?.max(0) as u64,
                    failure: row.get(8)?,
                })
            })
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }

    pub fn record_status(
        &self,
        deployment_id: &str,
        at: DateTime<Utc>,
        status: &str,
    ) -> Result<(), StoreError> {
        let connection = self.connection();
        let last: Option<String> = connection
            .query_row(
                "SELECT status FROM status_history WHERE deployment_id = ?1 ORDER BY observed_at DESC LIMIT 1",
                params![deployment_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        if last.as_deref() == Some(status) {
            return Ok(());
        }
        connection
            .execute(
                "INSERT INTO status_history (deployment_id, observed_at, status) VALUES (?1, ?2, ?3)",
                params![deployment_id, timestamp(at), status],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// Status changes of a deployment, oldest first, with the last one before `since`.
    pub fn status_changes(
        &self,
        deployment_id: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare(
                "SELECT observed_at, status FROM status_history WHERE deployment_id = ?1 AND observed_at >= ?2
                 UNION ALL
                 SELECT * FROM (SELECT observed_at, status FROM status_history WHERE deployment_id = ?1 AND observed_at < ?2
                                ORDER BY observed_at DESC LIMIT 1)
                 ORDER BY 1",
            )
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map(params![deployment_id, timestamp(since)], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(|e| self.fail(e))?;
        let mut changes = Vec::new();
        for row in rows {
            let (at, status) = row.map_err(|e| self.fail(e))?;
            if let Ok(at) = DateTime::parse_from_rfc3339(&at) {
                changes.push((at.with_timezone(&Utc), status));
            }
        }
        Ok(changes)
    }

    pub fn log_action(&self, action: &LocalAction) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "INSERT INTO action_log (at, profile, action, entity_type, entity_id, entity_name, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![action.at, action.profile, action.action, action.entity_type, action.entity_id, action.entity_name, action.details.to_string()],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// Actions on any of `entity_ids` (all actions when empty) at or after `since`.
    pub fn actions(
        &self,
        entity_ids: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<LocalAction>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare("SELECT at, profile, action, entity_type, entity_id, entity_name, details FROM action_log WHERE at >= ?1 ORDER BY at, id")
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map(params![timestamp(since)], |row| {
                Ok(LocalAction {
                    at: row.get(0)?,
                    profile: row.get(1)?,
                    action: row.get(2)?,
                    entity_type: row.get(3)?,
                    entity_id: row.get(4)?,
                    entity_name: row.get(5)?,
                    details: serde_json::from_str(&row.get::<_, String>(6)?).unwrap_or_default(),
                })
            })
            .map_err(|e| self.fail(e))?;
        let mut actions = Vec::new();
        for row in rows {
            let action = row.map_err(|e| self.fail(e))?;
            if entity_ids.is_empty() || entity_ids.contains(&action.entity_id) {
                actions.push(action);
            }
        }
        Ok(actions)
    }

    pub fn record_switch(&self, record: &SwitchRecord) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "INSERT INTO fallback_switches (at, deployment_id, to_route, reason, sample, dry_run) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![record.at, record.deployment_id, record.to_route, record.reason, record.sample.to_string(), record.dry_run],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub fn switches(&self, deployment_id: &str) -> Result<Vec<SwitchRecord>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare("SELECT at, deployment_id, to_route, reason, sample, dry_run FROM fallback_switches WHERE deployment_id = ?1 ORDER BY at, id")
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map(params![deployment_id], |row| {
                Ok(SwitchRecord {
                    at: row.get(0)?,
                    deployment_id: row.get(1)?,
                    to_route: row.get(2)?,
                    reason: row.get(3)?,
                    sample: serde_json::from_str(&row.get::<_, String>(4)?).unwrap_or_default(),
                    dry_run: row.get(5)?,
                })
            })
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }

    pub fn save_routing(&self, routing: &ChannelRouting) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "INSERT INTO channel_routing VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (deployment_id) DO UPDATE SET
                   primary_queue_id = excluded.primary_queue_id, primary_queue_name = excluded.primary_queue_name,
                   primary_flow_id = excluded.primary_flow_id, primary_flow_name = excluded.primary_flow_name,
                   fallback_flow_id = excluded.fallback_flow_id, fallback_flow_name = excluded.fallback_flow_name",
                params![
                    routing.deployment_id,
                    routing.primary_queue_id,
                    routing.primary_queue_name,
                    routing.primary_flow_id,
                    routing.primary_flow_name,
                    routing.fallback_flow_id,
                    routing.fallback_flow_name
                ],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub fn routing(&self, deployment_id: &str) -> Result<Option<ChannelRouting>, StoreError> {
        self.connection()
            .query_row(
                "SELECT * FROM channel_routing WHERE deployment_id = ?1",
                params![deployment_id],
                |row| {
                    Ok(ChannelRouting {
                        deployment_id: row.get(0)?,
                        primary_queue_id: row.get(1)?,
                        primary_queue_name: row.get(2)?,
                        primary_flow_id: row.get(3)?,
                        primary_flow_name: row.get(4)?,
                        fallback_flow_id: row.get(5)?,
                        fallback_flow_name: row.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn history_past_retention_is_pruned_but_each_deployment_keeps_its_last_status() {
        let store = Store::in_memory().unwrap();
        let now = Utc::now();
        let days = |n: i64| now - chrono::Duration::days(n);
        store.record_status("d1", days(500), "Pending").unwrap();
        store.record_status("d1", days(450), "Active").unwrap();
        store.record_status("d1", days(10), "Error").unwrap();
        store.record_status("d2", days(420), "Active").unwrap();
        for (at, id) in [(days(401), "old"), (days(399), "kept")] {
            store
                .log_action(&LocalAction {
                    at: timestamp(at),
                    profile: "p".into(),
                    action: "Publish".into(),
                    entity_type: "deployment".into(),
                    entity_id: id.into(),
                    entity_name: None,
                    details: serde_json::json!({}),
                })
                .unwrap();
            store
                .record_switch(&SwitchRecord {
                    at: timestamp(at),
                    deployment_id: id.into(),
                    to_route: "fallback".into(),
                    reason: "overloaded".into(),
                    sample: serde_json::json!({}),
                    dry_run: false,
                })
                .unwrap();
        }
        let pruned = store.prune_history(now).unwrap();
        assert_eq!(
            pruned,
            Pruned {
                status_changes: 1,
                actions: 1,
                switches: 1,
                canary_results: 0
            }
        );
        let d1 = store.status_changes("d1", days(30)).unwrap();
        assert_eq!(
            d1.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
            ["Active", "Error"],
            "the status in force at the horizon is kept"
        );
        assert_eq!(store.status_changes("d2", days(30)).unwrap().len(), 1);
        let ids = ["old".to_string(), "kept".to_string()];
        let actions = store.actions(&ids, days(1000)).unwrap();
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].entity_id, "kept");
        assert!(store.switches("old").unwrap().is_empty());
        assert_eq!(store.switches("kept").unwrap().len(), 1);
        assert_eq!(store.prune_history(now).unwrap(), Pruned::default());
    }

    use super::*;

    #[test]
    fn status_changes_keep_only_transitions_and_the_state_before_the_window() {
        let store = Store::in_memory().unwrap();
        let t = |minutes: i64| Utc::now() - chrono::Duration::minutes(100 - minutes);
        store.record_status("d", t(0), "Pending").unwrap();
        store.record_status("d", t(1), "Active").unwrap();
        store.record_status("d", t(2), "Active").unwrap();
        store.record_status("d", t(50), "Error").unwrap();
        store.record_status("d", t(60), "Active").unwrap();
        let changes = store.status_changes("d", t(30)).unwrap();
        let statuses: Vec<_> = changes.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(statuses, ["Active", "Error", "Active"]);
    }

    #[test]
    fn a_migration_that_fails_part_way_leaves_the_database_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut connection = Connection::open(dir.path().join("m.sqlite3")).unwrap();
        let first = "CREATE TABLE kept (id INTEGER PRIMARY KEY);";
        let broken = "CREATE TABLE half (id INTEGER); INSERT INTO missing VALUES (1);";
        assert!(migrate(&mut connection, &[first, broken]).is_err());
        let version: usize = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        let half: usize = connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'half'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!((version, half), (1, 0));
        let fixed = "CREATE TABLE half (id INTEGER);";
        migrate(&mut connection, &[first, fixed]).unwrap();
        let version: usize = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, 2);
    }

    #[test]
    fn a_broken_header_is_set_aside_with_its_wal_even_when_the_wal_holds_page_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        let store = Store::open(&path).unwrap();
        store
            .save_routing(&ChannelRouting {
                deployment_id: "d".into(),
                ..Default::default()
            })
            .unwrap();
        // A crash: the connection is never closed, so the WAL stays with the pages.
        std::mem::forget(store);
        let wal = dir.path().join("desk.sqlite3-wal");
        assert!(wal.metadata().unwrap().len() > 0);
        std::fs::write(&path, b"this was never a database").unwrap();

        let (fresh, notice) = Store::open_or_set_aside(&path).unwrap();
        let notice = notice.expect("the user is told");
        assert!(notice.contains(".corrupt-"), "{notice}");
        assert!(fresh.routing("d").unwrap().is_none(), "a new history");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names
                .iter()
                .any(|n| n.contains(".corrupt-") && n.ends_with("-wal")),
            "the old WAL is kept beside the old file: {names:?}"
        );
    }

    #[test]
    fn the_schema_survives_reopening_and_routing_upserts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.sqlite3");
        let store = Store::open(&path).unwrap();
        let routing = ChannelRouting {
            deployment_id: "d".into(),
            fallback_flow_id: Some("f".into()),
            ..Default::default()
        };
        store.save_routing(&routing).unwrap();
        #[cfg(unix)]
        for file in ["desk.sqlite3", "desk.sqlite3-wal"] {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join(file)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
        }
        store
            .save_routing(&ChannelRouting {
                primary_queue_name: Some("Support".into()),
                ..routing.clone()
            })
            .unwrap();
        drop(store);
        let reopened = Store::open(&path).unwrap();
        let found = reopened.routing("d").unwrap().unwrap();
        assert_eq!(
            (
                found.fallback_flow_id.as_deref(),
                found.primary_queue_name.as_deref()
            ),
            (Some("f"), Some("Support"))
        );
    }
}
