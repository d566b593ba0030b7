//! A channel = a Messenger configuration (draft + published versions) + a deployment
//! bound to a published version and an inbound message flow. This module creates,
//! publishes, rolls back and deletes channels, always validating locally first.

mod edit;
mod input;
mod lifecycle;
pub mod patch;
mod publish;
mod resolve;
pub mod settings;

pub use edit::{apply_patch, edit_patch, EditError};
pub use input::{ChannelInput, ConversationSettings, ValidChannel, DISCONNECT_CHOICES};
pub use lifecycle::{
    create_channel, create_from_models, delete_channel, log_action, rollback, versions,
    ChannelModels, CreatedChannel, DeleteProgress, DeleteRequest, DeletedChannel,
};
pub use publish::{
    publish_channel, wait_for_deployment, DeploymentChanges, Progress, PublishOptions,
    PublishOutcome, PublishRequest, Stage,
};
pub use resolve::{pick_flow, resolve_flow, resolve_queue};

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio_util::sync::CancellationToken;

use crate::genesys::{self, Client};
use crate::store::{Store, StoreError};
use crate::validate::ValidationErrors;

/// What every channel pipeline runs with: the connection, the local store, who acts,
/// cancellation, where progress goes, and the deployments its session is publishing.
#[derive(Clone, Copy)]
pub struct Pipeline<'a> {
    pub client: &'a Client,
    pub store: &'a Store,
    /// The profile named in the local action log.
    pub profile: &'a str,
    pub cancel: &'a CancellationToken,
    pub report: &'a (dyn Fn(Progress) + Send + Sync),
    pub in_flight: &'a InFlight,
}

/// Deployments a session is publishing, so its fallback watches keep off them. Shared by
/// clones; owned by the session that runs both.
#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<Mutex<HashSet<String>>>);

impl InFlight {
    fn ids(&self) -> MutexGuard<'_, HashSet<String>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a publish of this deployment is running.
    pub fn contains(&self, deployment_id: &str) -> bool {
        self.ids().contains(deployment_id)
    }

    /// Marks a deployment as being published until the guard is dropped.
    pub fn begin(&self, deployment_id: &str) -> InFlightGuard {
        self.ids().insert(deployment_id.to_string());
        InFlightGuard {
            in_flight: self.clone(),
            deployment_id: deployment_id.to_string(),
        }
    }
}

pub struct InFlightGuard {
    in_flight: InFlight,
    deployment_id: String,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.in_flight.ids().remove(&self.deployment_id);
    }
}

/// Why a channel operation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("the channel is not valid: {0}")]
    Invalid(ValidationErrors),
    #[error("{what} `{given}` was not found; known: {known}")]
    NotFound {
        what: &'static str,
        given: String,
        known: String,
    },
    #[error("{0}")]
    Api(Box<genesys::Error>),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    File(String),
    /// The deployment was still there when the wait ran out: its configuration is left.
    #[error(
        "deployment {deployment_id} is still {last_status} after {waited_seconds} s, so configuration {configuration_id} was left in place (Genesys refuses to delete a configuration a deployment still uses). Delete it once the deployment is gone, in Admin > Message > Messenger Configurations"
    )]
    DeleteIncomplete {
        deployment_id: String,
        configuration_id: String,
        last_status: String,
        waited_seconds: u64,
    },
}

impl From<genesys::Error> for ChannelError {
    fn from(error: genesys::Error) -> Self {
        ChannelError::Api(Box::new(error))
    }
}
