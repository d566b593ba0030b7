//! One small struct per API area, borrowed from a [`Client`]: `client.queues().list_all(..)`.

mod analytics;
mod audits;
mod catalog;
mod configurations;
mod conversations;
mod deployments;
mod flows;
mod notifications;
mod probes;
mod routing;
mod tokens;

pub use analytics::Analytics;
pub use audits::Audits;
pub use catalog::Catalog;
pub use configurations::Configurations;
pub use conversations::Conversations;
pub use deployments::Deployments;
pub use flows::Flows;
pub use notifications::{NotificationStream, Notifications};
pub use probes::{Permission, ProbeOutcome, Probes};
pub use routing::Queues;
pub use tokens::Tokens;

use super::Client;

impl Client {
    pub fn configurations(&self) -> Configurations<'_> {
        Configurations { client: self }
    }

    pub fn deployments(&self) -> Deployments<'_> {
        Deployments { client: self }
    }

    pub fn probes(&self) -> Probes<'_> {
        Probes { client: self }
    }

    pub fn queues(&self) -> Queues<'_> {
        Queues { client: self }
    }

    pub fn catalog(&self) -> Catalog<'_> {
        Catalog { client: self }
    }

    pub fn notifications(&self) -> Notifications<'_> {
        Notifications { client: self }
    }

    pub fn flows(&self) -> Flows<'_> {
        Flows { client: self }
    }

    pub fn analytics(&self) -> Analytics<'_> {
        Analytics { client: self }
    }

    pub fn audits(&self) -> Audits<'_> {
        Audits { client: self }
    }

    pub fn conversations(&self) -> Conversations<'_> {
        Conversations { client: self }
    }

    pub fn tokens(&self) -> Tokens<'_> {
        Tokens { client: self }
    }
}

/// Path segments come from user input (ids); encode them so nothing escapes the path.
pub(crate) fn segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
