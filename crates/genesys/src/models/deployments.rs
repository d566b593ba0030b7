//! Web deployments: the binding of a published configuration version and an inbound
//! message flow to a website (`/api/v2/webdeployments/deployments`).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::{DeploymentStatus, EntityRef, Extra, WebDeploymentConfigurationVersion};

/// `WebDeployment`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebDeployment {
    pub id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub allow_all_domains: Option<bool>,
    pub allowed_domains: Option<Vec<String>>,
    pub configuration: Option<DeploymentConfigurationRef>,
    pub flow: Option<DeploymentFlowRef>,
    pub supported_content: Option<EntityRef>,
    pub push_integrations: Option<Vec<PushIntegration>>,
    pub snippet: Option<String>,
    pub status: Option<DeploymentStatus>,
    pub date_created: Option<String>,
    pub date_modified: Option<String>,
    pub last_modified_user: Option<EntityRef>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl WebDeployment {
    /// The id of the configuration it serves, or empty when the server left it out.
    pub fn configuration_id(&self) -> String {
        self.configuration
            .as_ref()
            .and_then(|c| c.id.clone())
            .unwrap_or_default()
    }

    /// A copy without the server-set fields, fit for POST. `status` is kept out too:
    /// the server decides it.
    pub fn writable(&self) -> WebDeployment {
        WebDeployment {
            id: None,
            snippet: None,
            status: None,
            date_created: None,
            date_modified: None,
            last_modified_user: None,
            self_uri: None,
            ..self.clone()
        }
    }
}

/// `{id, version, name, selfUri}`; with `expand=Configuration` the whole version, whose
/// other fields land in `extra`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentConfigurationRef {
    pub id: Option<String>,
    pub version: Option<String>,
    pub name: Option<String>,
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `WebDeploymentFlowEntityRef`: the inbound message flow.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentFlowRef {
    pub id: Option<String>,
    pub name: Option<String>,
    pub self_uri: Option<String>,
    pub flow_description: Option<String>,
    pub publish_version: Option<serde_json::Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PushIntegration {
    pub id: Option<String>,
    /// `APNS` or `FCM`.
    pub provider: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET .../deployments/{id}/configurations`: what the Messenger actually loads.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebDeploymentActiveConfigurationOnDeployment {
    pub configuration_version: Option<WebDeploymentConfigurationVersion>,
    pub deployment: Option<WebDeployment>,
    #[serde(flatten)]
    pub extra: Extra,
}
