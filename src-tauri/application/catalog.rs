//! What the org has: queues, inbound message flows, configurations, and who the
//! connection is.

use serde::Serialize;

use crate::genesys::models::EntityRef;
use crate::genesys::RateBudget;

pub use crate::genesys::models::{Flow, Queue, WebDeploymentConfigurationVersion};
pub use crate::genesys::{Region, REGIONS};

use super::{Result, Session};

pub async fn queues(session: &Session, name: Option<&str>) -> Result<Vec<Queue>> {
    Ok(session.client.queues().list_all(name).await?)
}

/// The flows a web deployment can route to.
pub async fn inbound_message_flows(session: &Session) -> Result<Vec<Flow>> {
    Ok(session.client.flows().list_inbound_message_flows().await?)
}

pub async fn configurations(session: &Session) -> Result<Vec<WebDeploymentConfigurationVersion>> {
    Ok(session.client.configurations().list_all(false).await?)
}

/// Who a connection is: its org, environment, OAuth client and rate budget.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Whoami {
    /// The environment as a profile stores it (a region name or a Sandbox URL).
    pub environment: String,
    /// The environment as people read it.
    #[serde(skip)]
    pub environment_label: String,
    pub organization: Option<EntityRef>,
    pub client_id: String,
    pub rate_budget: RateBudget,
}

pub async fn whoami(session: &Session) -> Result<Whoami> {
    let client = &session.client;
    let me = client.tokens().me().await?;
    Ok(Whoami {
        environment: client.environment().as_setting(),
        environment_label: client.environment().to_string(),
        organization: me.organization,
        client_id: client.client_id().to_string(),
        rate_budget: client.rate_budget(),
    })
}
