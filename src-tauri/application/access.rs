//! "Test connection": log in, then find out which screens the OAuth client's roles allow,
//! one probe per permission (see `genesys::api::Permission`: none can change anything).
//! A profile open read-only sends no write probe; those permissions are reported as not
//! probed.

use crate::genesys::api::{Permission, ProbeOutcome};
use crate::genesys::{Client, Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Granted,
    Missing,
    /// The probe failed for another reason (server error, network); try again.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct PermissionCheck {
    pub permission: &'static str,
    pub access: Access,
    pub detail: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ScreenAccess {
    pub screen: &'static str,
    pub ready: bool,
    pub permissions: Vec<PermissionCheck>,
}

#[derive(Debug, Clone)]
pub struct ConnectionReport {
    pub environment: String,
    pub organization: Option<String>,
    pub login_ms: u64,
    pub screens: Vec<ScreenAccess>,
    /// Every missing permission once, for the admin to add to the client's role.
    pub missing: Vec<&'static str>,
}

use Permission::{
    Audits as AUDITS, ConfigurationAdd as CONFIGURATION_ADD,
    ConfigurationDelete as CONFIGURATION_DELETE, ConfigurationEdit as CONFIGURATION_EDIT,
    ConfigurationView as CONFIGURATION_VIEW, ConversationAggregates as AGGREGATES,
    ConversationDetails as DETAILS, ConversationDisconnect as CONVERSATION_DISCONNECT,
    DeploymentAdd as DEPLOYMENT_ADD, DeploymentDelete as DEPLOYMENT_DELETE,
    DeploymentEdit as DEPLOYMENT_EDIT, DeploymentView as DEPLOYMENT_VIEW, FlowView as FLOW_VIEW,
    QueueObservations as OBSERVATIONS, QueueView as QUEUE_VIEW,
};

/// What each screen needs, from the permission table of the API contract.
pub const SCREENS: &[(&str, &[Permission])] = &[
    (
        "Channels",
        &[
            CONFIGURATION_VIEW,
            DEPLOYMENT_VIEW,
            CONFIGURATION_DELETE,
            DEPLOYMENT_DELETE,
        ],
    ),
    (
        "Channel editor",
        &[
            CONFIGURATION_VIEW,
            CONFIGURATION_ADD,
            CONFIGURATION_EDIT,
            DEPLOYMENT_ADD,
            DEPLOYMENT_EDIT,
            QUEUE_VIEW,
            FLOW_VIEW,
        ],
    ),
    (
        "Publish",
        &[
            CONFIGURATION_VIEW,
            CONFIGURATION_ADD,
            CONFIGURATION_EDIT,
            DEPLOYMENT_VIEW,
            DEPLOYMENT_EDIT,
        ],
    ),
    (
        "Fallback",
        &[OBSERVATIONS, DEPLOYMENT_VIEW, DEPLOYMENT_EDIT, FLOW_VIEW],
    ),
    ("Queue monitor", &[QUEUE_VIEW, OBSERVATIONS]),
    ("Metrics & audit", &[AGGREGATES, DETAILS, AUDITS]),
    // The visitor's conversation is followed into its queue, then ended.
    (
        "Test drive",
        &[
            DEPLOYMENT_VIEW,
            DETAILS,
            OBSERVATIONS,
            CONVERSATION_DISCONNECT,
        ],
    ),
    (
        "Export / import",
        &[
            CONFIGURATION_VIEW,
            DEPLOYMENT_VIEW,
            QUEUE_VIEW,
            FLOW_VIEW,
            CONFIGURATION_ADD,
            DEPLOYMENT_ADD,
        ],
    ),
];

async fn check(client: &Client, permission: Permission) -> PermissionCheck {
    let (access, detail) = match client.probes().probe(permission).await {
        ProbeOutcome::Granted => (Access::Granted, None),
        ProbeOutcome::Missing(error) => (Access::Missing, Some(error.to_string())),
        ProbeOutcome::Unknown(Error::ReadOnly { .. }) => (
            Access::Unknown,
            Some(
                "not probed: the profile is open read-only, so nothing that writes is sent".into(),
            ),
        ),
        ProbeOutcome::Unknown(error) => (Access::Unknown, Some(error.to_string())),
    };
    PermissionCheck {
        permission: permission.name(),
        access,
        detail,
    }
}

/// Logs in and probes every permission the screens need (one request each).
pub async fn test_connection(client: &Client) -> Result<ConnectionReport, Error> {
    let started = std::time::Instant::now();
    let me = client.tokens().me().await?;
    let login_ms = started.elapsed().as_millis() as u64;
    let mut permissions: Vec<Permission> = SCREENS
        .iter()
        .flat_map(|(_, needs)| needs.iter().copied())
        .collect();
    permissions.sort_unstable();
    permissions.dedup();
    let checks = futures::future::join_all(
        permissions
            .iter()
            .map(|&permission| check(client, permission)),
    )
    .await;
    let find = |permission: Permission| {
        checks
            .iter()
            .find(|c| c.permission == permission.name())
            .cloned()
            .unwrap_or(PermissionCheck {
                permission: "",
                access: Access::Unknown,
                detail: None,
            })
    };
    let screens = SCREENS
        .iter()
        .map(|(screen, needs)| {
            let permissions: Vec<PermissionCheck> = needs.iter().map(|&p| find(p)).collect();
            ScreenAccess {
                screen,
                ready: permissions.iter().all(|p| p.access == Access::Granted),
                permissions,
            }
        })
        .collect();
    Ok(ConnectionReport {
        environment: client.environment().to_string(),
        organization: me.organization.and_then(|o| o.name),
        login_ms,
        screens,
        missing: checks
            .iter()
            .filter(|c| c.access == Access::Missing)
            .map(|c| c.permission)
            .collect(),
    })
}
