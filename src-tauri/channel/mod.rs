//! A channel = a Messenger configuration (draft + published versions) + a deployment
//! bound to a published version and an inbound message flow. This module creates,
//! publishes, rolls back and deletes channels, always validating locally first.

mod edit;
mod input;
mod lifecycle;
mod publish;
mod resolve;

pub use edit::merge_onto;
pub use input::ChannelInput;
pub use lifecycle::{
    create_channel, create_from_models, delete_channel, log_action, rollback, versions,
    CreatedChannel, DeleteProgress, DeleteRequest, DeletedChannel,
};
pub use publish::{
    is_publishing, publish_channel, wait_for_deployment, DeploymentChanges, Progress,
    PublishOptions, PublishOutcome, Stage,
};
pub use resolve::{pick_flow, resolve_flow, resolve_queue};

use crate::genesys;
use crate::store::StoreError;
use crate::validate::ValidationErrors;

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

impl ChannelError {
    /// The stable machine code the UI and the CLI use.
    pub fn code(&self) -> String {
        match self {
            ChannelError::Invalid(_) => "validation.failed".into(),
            ChannelError::NotFound { .. } => "not.found".into(),
            ChannelError::Api(error) => error.code(),
            ChannelError::Store(_) => "local.store".into(),
            ChannelError::File(_) => "file".into(),
            ChannelError::DeleteIncomplete { .. } => "delete.incomplete".into(),
        }
    }
}
