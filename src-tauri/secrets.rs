//! Client secrets in the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per profile under the app identifier.
//!
//! Invariants: a secret is only ever a [`SecretString`]; a missing entry is `Ok(None)`,
//! not an error; platform errors become plain sentences that never include the secret.
//!
//! Each entry also names the environment (region or Sandbox URL) the secret was entered
//! for, and [`SecretStore::get`] hands it out for that environment only. The profiles
//! file is not trusted for this: whoever edits it to point a production profile at a
//! port they listen on gets a "enter the secret again", not the secret.

use secrecy::{ExposeSecret, SecretString};

use crate::genesys::Environment;
use crate::profiles::APP_IDENTIFIER;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the OS keychain is not available ({0}); on Linux, a Secret Service such as gnome-keyring must be running and unlocked")]
    Unavailable(String),
    #[error("the OS keychain refused the operation: {0}")]
    Refused(String),
    #[error("the client secret kept for `{profile}` was entered for {entered_for}, not for {wanted}; enter it again for {wanted}")]
    OtherEnvironment {
        profile: String,
        entered_for: String,
        wanted: String,
    },
}

/// What one keychain entry holds. Entries written before environments were recorded
/// hold the bare secret.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BoundSecret {
    environment: String,
    secret: String,
}

/// Where a kept secret may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination<'a> {
    /// An official Genesys Cloud region, by name: https to Genesys's own hosts.
    Region(&'a str),
    /// Anything else (a Sandbox on a local port), by its URL.
    Local(&'a str),
}

impl<'a> From<&'a Environment> for Destination<'a> {
    fn from(environment: &'a Environment) -> Self {
        match environment {
            Environment::Region(region) => Destination::Region(region.name),
            Environment::Loopback(url) => Destination::Local(url.as_str()),
        }
    }
}

impl Destination<'_> {
    fn key(self) -> &'static str {
        match self {
            Destination::Region(_) => "region",
            Destination::Local(_) => "local",
        }
    }

    fn name(self) -> String {
        match self {
            Destination::Region(name) | Destination::Local(name) => name.to_string(),
        }
    }

    fn recorded(self) -> String {
        format!("{}:{}", self.key(), self.name())
    }
}

fn described(recorded: &str) -> String {
    recorded
        .split_once(':')
        .map_or(recorded, |(_, name)| name)
        .to_string()
}

fn plain(error: keyring::Error) -> SecretError {
    match error {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            SecretError::Unavailable(inner.to_string())
        }
        other => SecretError::Refused(other.to_string()),
    }
}

/// The keychain entries of one app identifier.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

impl Default for SecretStore {
    fn default() -> Self {
        SecretStore::new(APP_IDENTIFIER)
    }
}

impl SecretStore {
    pub fn new(service: impl Into<String>) -> SecretStore {
        SecretStore {
            service: service.into(),
        }
    }

    fn entry(&self, profile: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, profile).map_err(plain)
    }

    /// Keeps `secret` for `profile`, to be sent to `destination` only.
    pub fn set(
        &self,
        profile: &str,
        destination: Destination<'_>,
        secret: &SecretString,
    ) -> Result<(), SecretError> {
        let entry = BoundSecret {
            environment: destination.recorded(),
            secret: secret.expose_secret().to_string(),
        };
        let text = serde_json::to_string(&entry)
            .map_err(|error| SecretError::Refused(error.to_string()))?;
        self.entry(profile)?.set_password(&text).map_err(plain)
    }

    /// The secret of `profile` if it was entered for `destination`. A secret kept
    /// without its environment (by an earlier version) is handed out for an official
    /// region only, then recorded as that region's.
    pub fn get(
        &self,
        profile: &str,
        destination: Destination<'_>,
    ) -> Result<Option<SecretString>, SecretError> {
        let stored = match self.entry(profile)?.get_password() {
            Ok(stored) => stored,
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(error) => return Err(plain(error)),
        };
        match serde_json::from_str::<BoundSecret>(&stored) {
            Ok(bound) if bound.environment == destination.recorded() => {
                Ok(Some(SecretString::from(bound.secret)))
            }
            Ok(bound) => Err(SecretError::OtherEnvironment {
                profile: profile.to_string(),
                entered_for: described(&bound.environment),
                wanted: destination.name(),
            }),
            Err(_) => {
                let secret = SecretString::from(stored);
                match destination {
                    Destination::Region(_) => {
                        self.set(profile, destination, &secret)?;
                        Ok(Some(secret))
                    }
                    Destination::Local(_) => Err(SecretError::OtherEnvironment {
                        profile: profile.to_string(),
                        entered_for: "an environment an earlier version did not record".into(),
                        wanted: destination.name(),
                    }),
                }
            }
        }
    }

    /// Keeps an unbound secret as an earlier version did; for tests of the upgrade.
    #[doc(hidden)]
    pub fn set_unbound(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError> {
        self.entry(profile)?
            .set_password(secret.expose_secret())
            .map_err(plain)
    }

    /// Whether anything is kept for `profile`, for whichever environment.
    pub fn holds(&self, profile: &str) -> Result<bool, SecretError> {
        match self.entry(profile)?.get_password() {
            Ok(_) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(plain(error)),
        }
    }

    /// Deletes the entry; deleting a missing one is fine.
    pub fn delete(&self, profile: &str) -> Result<(), SecretError> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(plain(error)),
        }
    }
}
