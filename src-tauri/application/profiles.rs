//! Profile use cases: save (add, edit, rename), remove, list. The secret goes from the
//! caller straight to the OS keychain, first, so no profile is ever listed without one;
//! the profiles file gets everything else.

use secrecy::SecretString;
use serde::Deserialize;

use crate::genesys::{Client, ConnectionConfig};
pub use crate::profiles::{Profile, ProfileStore, APP_IDENTIFIER};
use crate::secrets::Destination;
pub use crate::secrets::SecretStore;

use super::{AppError, ErrorCode, Result};

/// The built-in profile that talks to the embedded Sandbox.
pub const SANDBOX_PROFILE: &str = "Sandbox";

/// Where profiles and their secrets live.
pub struct Profiles<'a> {
    pub store: &'a ProfileStore,
    pub secrets: &'a SecretStore,
}

/// A profile to save. `client_secret` may be empty when editing: the stored one stays.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileForm {
    /// The profile being edited, when it is an edit (a different `name` renames it).
    pub original_name: Option<String>,
    pub name: String,
    pub environment: String,
    pub client_id: String,
    pub client_secret: String,
    pub production: bool,
    /// `#rrggbb`, or empty for none.
    pub colour: Option<String>,
}

impl ProfileForm {
    /// The profile the form describes, trimmed; not yet validated.
    pub fn profile(&self) -> Profile {
        Profile {
            name: self.name.trim().to_string(),
            environment: self.environment.trim().to_string(),
            client_id: self.client_id.trim().to_string(),
            production: self.production,
            colour: self
                .colour
                .as_deref()
                .map(str::trim)
                .filter(|colour| !colour.is_empty())
                .map(str::to_ascii_lowercase),
        }
    }
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
            .field("production", &self.production)
            .field("colour", &self.colour)
            .finish()
    }
}

impl Profiles<'_> {
    pub fn list(&self) -> Result<Vec<Profile>> {
        Ok(self.store.load()?.profiles)
    }

    /// Adds, edits or renames a profile; returns the saved profile.
    pub fn save(&self, form: &ProfileForm) -> Result<Profile> {
        let name = form.name.trim().to_string();
        if name.eq_ignore_ascii_case(SANDBOX_PROFILE) {
            return Err(AppError::new(
                ErrorCode::ProfileInvalid,
                "`Sandbox` is the built-in profile; choose another name",
            ));
        }
        let profile = form.profile();
        let environment = profile.validate()?;
        let destination = Destination::from(&environment);
        let original = form.original_name.clone().filter(|o| !o.is_empty());
        let renaming = original.as_ref().filter(|o| **o != name);
        if (original.is_none() || renaming.is_some()) && self.store.get(&name).is_ok() {
            return Err(AppError::new(
                ErrorCode::ProfileExists,
                format!("a profile named `{name}` already exists"),
            ));
        }
        let secret = form.client_secret.trim();
        let moved = original
            .as_ref()
            .and_then(|original| self.store.get(original).ok())
            .is_some_and(|stored| stored.environment != profile.environment);
        if secret.is_empty() && moved {
            // The kept secret was entered for the old environment; sending it to a new
            // one on the strength of an edit would hand it to whoever serves that host.
            return Err(AppError::new(
                ErrorCode::ProfileInvalid,
                "the environment changed: enter the client secret again for the new environment",
            ));
        }
        if secret.is_empty() {
            let kept = match &original {
                Some(original) => self.secrets.get(original, destination)?,
                None => None,
            };
            match kept {
                Some(kept) if renaming.is_some() => self.secrets.set(&name, destination, &kept)?,
                Some(_) => {}
                None => {
                    return Err(AppError::new(
                        ErrorCode::ProfileInvalid,
                        "the client secret is required for a new profile",
                    ))
                }
            }
        } else {
            self.secrets
                .set(&name, destination, &SecretString::from(secret.to_string()))?;
        }
        self.store.upsert(profile.clone())?;
        if let Some(old) = renaming {
            self.store.remove(old)?;
            self.secrets.delete(old)?;
        }
        Ok(profile)
    }

    /// Removes a profile and its keychain entry; the Sandbox cannot be removed.
    pub fn remove(&self, name: &str) -> Result<()> {
        if name == SANDBOX_PROFILE {
            return Err(AppError::new(
                ErrorCode::ProfileInvalid,
                "the built-in Sandbox profile cannot be removed",
            ));
        }
        if !self.store.remove(name)? {
            return Err(AppError::new(
                ErrorCode::ProfileNotFound,
                format!("no profile named `{name}`"),
            ));
        }
        self.secrets.delete(name)?;
        Ok(())
    }
}

/// Logs in with credentials before they are saved.
pub async fn verify(profile: &Profile, secret: &SecretString) -> Result<()> {
    let environment = profile.validate()?;
    let client = Client::new(ConnectionConfig::new(
        environment,
        profile.client_id.clone(),
        secret.clone(),
    ))?;
    Ok(client.authenticate().await?)
}
