//! Building a connection: from a saved profile (secret from the OS keychain), from the
//! `GENESYS_*` environment variables, or to the embedded Sandbox. One place, so the
//! window and the command line refuse the same things the same way.

use secrecy::SecretString;

use crate::genesys::{Client, ConnectionConfig, Environment};
use crate::profiles::ProfileStore;
use crate::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use crate::secrets::{Destination, SecretStore};

use super::{AppError, ErrorCode, Result};

/// What is left of the API's per-token rate window, as the last response said.
pub use crate::genesys::RateBudget;

/// A saved profile, connected.
pub struct OpenedProfile {
    pub client: Client,
    /// The profile is marked production (see [`super::safety`]).
    pub production: bool,
}

/// How a profile is opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OpenMode {
    #[default]
    ReadWrite,
    /// Nothing that changes the org is sent (see `ConnectionConfig::read_only`).
    ReadOnly,
}

/// A client for a saved profile.
pub fn for_profile(
    profiles: &ProfileStore,
    secrets: &SecretStore,
    name: &str,
    mode: OpenMode,
) -> Result<OpenedProfile> {
    let profile = profiles.get(name)?;
    let environment = profile.validate()?;
    let secret = secrets.get(name, Destination::from(&environment))?.ok_or_else(|| {
        AppError::new(
            ErrorCode::KeychainMissing,
            format!("no client secret is stored in the OS keychain for `{name}`; enter it again (in the window: edit the profile; on the command line: `webmsg-desk profile add {name} ...`)"),
        )
    })?;
    let config = ConnectionConfig {
        read_only: mode == OpenMode::ReadOnly,
        ..ConnectionConfig::new(environment, &profile.client_id, secret)
    };
    Ok(OpenedProfile {
        client: Client::new(config)?,
        production: profile.production,
    })
}

/// A client from `GENESYS_CLIENT_ID`, `GENESYS_CLIENT_SECRET` and `GENESYS_ENVIRONMENT`
/// (read through `read`, so tests need not touch the process environment).
pub fn from_environment(read: impl Fn(&str) -> Option<String>) -> Result<Client> {
    let read = |key: &str| read(key).filter(|value| !value.trim().is_empty());
    let (id, secret, environment) = (
        read("GENESYS_CLIENT_ID"),
        read("GENESYS_CLIENT_SECRET"),
        read("GENESYS_ENVIRONMENT"),
    );
    let missing: Vec<&str> = [
        ("GENESYS_CLIENT_ID", id.is_none()),
        ("GENESYS_CLIENT_SECRET", secret.is_none()),
        ("GENESYS_ENVIRONMENT", environment.is_none()),
    ]
    .into_iter()
    .filter_map(|(key, absent)| absent.then_some(key))
    .collect();
    let (Some(id), Some(secret), Some(environment)) = (id, secret, environment) else {
        return Err(AppError::invalid(format!(
            "no connection given: choose a profile or set {} (GENESYS_ENVIRONMENT is a region such as eu-west-1, or a Sandbox URL such as http://127.0.0.1:8089)",
            missing.join(", ")
        ))
        .on(super::Field::Profile));
    };
    let environment = Environment::parse(&environment).map_err(crate::genesys::Error::from)?;
    Ok(Client::new(ConnectionConfig::new(
        environment,
        id,
        SecretString::from(secret),
    ))?)
}

/// The local history database at its per-user place.
/// A file there that is not a database at all is refused with what to do (the window
/// sets such a file aside by itself; a script should not move the user's files).
pub fn open_store() -> Result<crate::store::Store> {
    let path = crate::store::Store::default_path()?;
    if crate::store::holds_something_else(&path) {
        return Err(AppError::new(
            ErrorCode::File,
            format!(
                "the history database {} is not an SQLite database; move it away (or open \
                 the window once, which keeps it aside) and a new history is started",
                path.display()
            ),
        ));
    }
    Ok(crate::store::Store::open(&path)?)
}

/// The per-user data folder: the history database, snapshots and the monitor log.
pub fn data_dir() -> Result<std::path::PathBuf> {
    let database = crate::store::Store::default_path()?;
    Ok(database
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default())
}

/// A client for the embedded Sandbox at `url`, with its seeded credentials.
pub fn sandbox(url: &str) -> Result<Client> {
    let environment = Environment::parse(url).map_err(crate::genesys::Error::from)?;
    Ok(Client::new(ConnectionConfig::new(
        environment,
        DEMO_CLIENT_ID,
        SecretString::from(DEMO_CLIENT_SECRET),
    ))?)
}
