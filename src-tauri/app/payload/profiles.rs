//! The profile picker and *Test connection*.

use serde::Serialize;

use crate::application::access::{Access, ConnectionReport, PermissionCheck, ScreenAccess};
use crate::workspace::{ProfileView, ProfilesView, RegionOption};

use super::all;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profiles {
    pub active: String,
    pub profiles: Vec<Profile>,
    pub regions: Vec<Region>,
    pub notice: Option<String>,
    pub read_only: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub name: String,
    pub environment: String,
    pub region_label: Option<String>,
    pub client_id: String,
    pub is_sandbox: bool,
    pub active: bool,
    pub production: bool,
    pub colour: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub name: &'static str,
    pub label: &'static str,
    pub domain: &'static str,
}

impl From<ProfilesView> for Profiles {
    fn from(view: ProfilesView) -> Self {
        Profiles {
            active: view.active,
            profiles: all(&view.profiles),
            regions: all(&view.regions),
            notice: view.notice,
            read_only: view.read_only,
        }
    }
}

impl From<&ProfileView> for Profile {
    fn from(profile: &ProfileView) -> Self {
        Profile {
            name: profile.name.clone(),
            environment: profile.environment.clone(),
            region_label: profile.region_label.clone(),
            client_id: profile.client_id.clone(),
            is_sandbox: profile.is_sandbox,
            active: profile.active,
            production: profile.production,
            colour: profile.colour.clone(),
        }
    }
}

impl From<&RegionOption> for Region {
    fn from(region: &RegionOption) -> Self {
        Region {
            name: region.name,
            label: region.label,
            domain: region.domain,
        }
    }
}

/// What *Test connection* found: the login, and which screens the client's roles allow.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTest {
    pub environment: String,
    pub organization: Option<String>,
    pub login_ms: u64,
    pub screens: Vec<Screen>,
    pub missing: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Screen {
    pub screen: &'static str,
    pub ready: bool,
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    pub permission: &'static str,
    /// `granted`, `missing` or `unknown` (the probe failed for another reason).
    pub access: &'static str,
    pub detail: Option<String>,
}

impl From<ConnectionReport> for ConnectionTest {
    fn from(report: ConnectionReport) -> Self {
        ConnectionTest {
            environment: report.environment,
            organization: report.organization,
            login_ms: report.login_ms,
            screens: all(&report.screens),
            missing: report.missing,
        }
    }
}

impl From<&ScreenAccess> for Screen {
    fn from(screen: &ScreenAccess) -> Self {
        Screen {
            screen: screen.screen,
            ready: screen.ready,
            permissions: all(&screen.permissions),
        }
    }
}

impl From<&PermissionCheck> for Permission {
    fn from(check: &PermissionCheck) -> Self {
        Permission {
            permission: check.permission,
            access: match check.access {
                Access::Granted => "granted",
                Access::Missing => "missing",
                Access::Unknown => "unknown",
            },
            detail: check.detail.clone(),
        }
    }
}
