//! Connection profiles (one per org/region), stored without secrets as JSON in the
//! app's config directory. The client secret of each profile lives in the OS keychain
//! ([`crate::secrets`]), never here.
//!
//! Invariant: the file is replaced atomically (temp file + rename), so a crash leaves
//! either the old or the new list, never a half-written one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::genesys::Environment;

/// The app identifier; the config directory and keychain service are named after it.
pub const APP_IDENTIFIER: &str = "com.webmsgdesk.app";
const FILE_NAME: &str = "profiles.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub name: String,
    /// A region name (`eu-west-1`) or a loopback Sandbox URL.
    pub environment: String,
    pub client_id: String,
    /// A production org: its banner stands out, and publish, rollback, delete and live
    /// fallback need the channel's name typed (or `--yes` on the command line).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub production: bool,
    /// `#rrggbb`, to tell profiles apart at a glance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileFile {
    #[serde(default)]
    pub profiles: Vec<Profile>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("profile name must be 1 to 64 characters without control characters, got {0:?}")]
    InvalidName(String),
    #[error("profile `{name}`: {reason}")]
    InvalidEnvironment { name: String, reason: String },
    #[error("profile `{0}`: the client id is empty")]
    EmptyClientId(String),
    #[error("profile `{name}`: the colour must be #rrggbb, got {colour:?}")]
    InvalidColour { name: String, colour: String },
    #[error("no profile named `{name}`; known profiles: {known}")]
    NotFound { name: String, known: String },
    #[error("could not read or write the profile file {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("the profile file {path} is not valid JSON ({reason}); it was left untouched")]
    Corrupt { path: PathBuf, reason: String },
    #[error("no config directory is known for this user")]
    NoConfigDir,
}

impl Profile {
    /// Checks the profile and parses its environment.
    pub fn validate(&self) -> Result<Environment, ProfileError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(ProfileError::InvalidName(self.name.clone()));
        }
        if self.client_id.trim().is_empty() {
            return Err(ProfileError::EmptyClientId(self.name.clone()));
        }
        if let Some(colour) = &self.colour {
            let hex = colour.strip_prefix('#').unwrap_or_default();
            if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ProfileError::InvalidColour {
                    name: self.name.clone(),
                    colour: colour.clone(),
                });
            }
        }
        Environment::parse(&self.environment).map_err(|error| ProfileError::InvalidEnvironment {
            name: self.name.clone(),
            reason: error.to_string(),
        })
    }
}

/// The profile list on disk.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    directory: PathBuf,
}

impl ProfileStore {
    pub fn at(directory: impl Into<PathBuf>) -> ProfileStore {
        ProfileStore {
            directory: directory.into(),
        }
    }

    /// `<config dir>/com.webmsgdesk.app`, the same directory Tauri gives the app.
    pub fn default_location() -> Result<ProfileStore, ProfileError> {
        let base = dirs::config_dir().ok_or(ProfileError::NoConfigDir)?;
        Ok(ProfileStore::at(base.join(APP_IDENTIFIER)))
    }

    pub fn path(&self) -> PathBuf {
        self.directory.join(FILE_NAME)
    }

    pub fn load(&self) -> Result<ProfileFile, ProfileError> {
        let path = self.path();
        match std::fs::read(&path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Ok(ProfileFile::default())
            }
            Err(error) => Err(ProfileError::Io {
                path,
                reason: error.to_string(),
            }),
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| ProfileError::Corrupt {
                path,
                reason: error.to_string(),
            }),
        }
    }

    pub fn get(&self, name: &str) -> Result<Profile, ProfileError> {
        let file = self.load()?;
        let known = file
            .profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        file.profiles
            .into_iter()
            .find(|profile| profile.name == name)
            .ok_or_else(|| ProfileError::NotFound {
                name: name.to_string(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known
                },
            })
    }

    /// Adds or replaces the profile of that name.
    pub fn upsert(&self, profile: Profile) -> Result<(), ProfileError> {
        profile.validate()?;
        let _lock = self.lock()?;
        let mut file = self.load()?;
        match file.profiles.iter_mut().find(|p| p.name == profile.name) {
            Some(existing) => *existing = profile,
            None => file.profiles.push(profile),
        }
        self.save(&file)
    }

    /// Removes a profile; `false` when there was none.
    pub fn remove(&self, name: &str) -> Result<bool, ProfileError> {
        let _lock = self.lock()?;
        let mut file = self.load()?;
        let before = file.profiles.len();
        file.profiles.retain(|p| p.name != name);
        if file.profiles.len() == before {
            return Ok(false);
        }
        self.save(&file).map(|()| true)
    }

    fn lock(&self) -> Result<std::fs::File, ProfileError> {
        crate::private_files::lock_for_update(&self.directory, FILE_NAME).map_err(|error| {
            ProfileError::Io {
                path: self.path(),
                reason: format!("could not lock it for the update: {error}"),
            }
        })
    }

    fn save(&self, file: &ProfileFile) -> Result<(), ProfileError> {
        let path = self.path();
        let io = |error: std::io::Error| ProfileError::Io {
            path: path.clone(),
            reason: error.to_string(),
        };
        crate::private_files::create_dir_all(&self.directory).map_err(io)?;
        let mut temp = tempfile_in(&self.directory).map_err(io)?;
        let text = serde_json::to_vec_pretty(file).map_err(|e| io(std::io::Error::other(e)))?;
        temp.1.write_all(&text).map_err(io)?;
        temp.1.sync_all().map_err(io)?;
        drop(temp.1);
        std::fs::rename(&temp.0, &path).map_err(io)
    }
}

/// A new exclusive temp file beside the target, so the rename stays on one file system.
fn tempfile_in(directory: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let path = directory.join(format!(
        ".{FILE_NAME}.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let file = crate::private_files::open_options()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, environment: &str) -> Profile {
        Profile {
            name: name.into(),
            environment: environment.into(),
            client_id: "abc".into(),
            production: false,
            colour: None,
        }
    }

    #[test]
    fn a_production_flag_and_colour_round_trip_and_a_bad_colour_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        let prod = Profile {
            production: true,
            colour: Some("#c0392b".into()),
            ..profile("Prod", "eu-west-1")
        };
        store.upsert(prod.clone()).unwrap();
        store.upsert(profile("Dev", "eu-west-1")).unwrap();
        assert_eq!(store.get("Prod").unwrap(), prod);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert_eq!(text.matches("production").count(), 1, "{text}");
        for colour in ["red", "#12345", "#1234567", "#gg0000", "c0392b"] {
            let wrong = Profile {
                colour: Some(colour.into()),
                ..profile("Prod", "eu-west-1")
            };
            assert!(wrong.validate().is_err(), "{colour}");
        }
    }

    #[test]
    fn profiles_round_trip_and_replace_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        assert!(store.load().unwrap().profiles.is_empty());
        store.upsert(profile("Prod EU", "eu-west-1")).unwrap();
        store
            .upsert(profile("Lab", "http://127.0.0.1:9000"))
            .unwrap();
        store
            .upsert(Profile {
                client_id: "new".into(),
                ..profile("Prod EU", "eu-west-1")
            })
            .unwrap();
        let file = store.load().unwrap();
        assert_eq!(file.profiles.len(), 2);
        assert_eq!(store.get("Prod EU").unwrap().client_id, "new");
        assert!(store.remove("Lab").unwrap());
        assert!(!store.remove("Lab").unwrap());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "temp files left behind: {leftovers:?}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(store.path()).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn concurrent_updates_from_several_processes_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // Separate stores stand for separate windows and CLI runs: nothing in memory is
        // shared, only the folder.
        std::thread::scope(|scope| {
            for writer in 0..8 {
                let directory = dir.path();
                scope.spawn(move || {
                    let store = ProfileStore::at(directory);
                    for n in 0..5 {
                        let name = format!("P{writer}-{n}");
                        store.upsert(profile(&name, "eu-west-1")).unwrap();
                    }
                });
            }
        });
        let file = ProfileStore::at(dir.path()).load().unwrap();
        assert_eq!(file.profiles.len(), 40);
    }

    #[test]
    fn invalid_profiles_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        let error = store
            .upsert(profile("X", "mars-1"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("mars-1") && error.contains("eu-west-1"),
            "{error}"
        );
        assert!(matches!(
            store.upsert(profile("", "eu-west-1")),
            Err(ProfileError::InvalidName(_))
        ));
        let missing = store.get("nope").unwrap_err().to_string();
        assert!(missing.contains("nope"));
    }

    #[test]
    fn a_corrupt_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        std::fs::write(store.path(), b"{not json").unwrap();
        assert!(matches!(
            store.upsert(profile("A", "eu-west-1")),
            Err(ProfileError::Corrupt { .. })
        ));
        assert_eq!(std::fs::read(store.path()).unwrap(), b"{not json");
    }
}
