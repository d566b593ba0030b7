//! Client secrets in the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per profile under the app identifier.
//!
//! Invariants: a secret is only ever a [`SecretString`]; a missing entry is `Ok(None)`,
//! not an error; platform errors become plain sentences that never include the secret.

use secrecy::{ExposeSecret, SecretString};

use crate::profiles::APP_IDENTIFIER;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the OS keychain is not available ({0}); on Linux, a Secret Service such as gnome-keyring must be running and unlocked")]
    Unavailable(String),
    #[error("the OS keychain refused the operation: {0}")]
    Refused(String),
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

    pub fn set(&self, profile: &str, secret: &SecretString) -> Result<(), SecretError> {
        self.entry(profile)?
            .set_password(secret.expose_secret())
            .map_err(plain)
    }

    pub fn get(&self, profile: &str) -> Result<Option<SecretString>, SecretError> {
        match self.entry(profile)?.get_password() {
            Ok(secret) => Ok(Some(SecretString::from(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
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
