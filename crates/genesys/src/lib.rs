//! Genesys Cloud Platform API v2 client: regions, OAuth client credentials, retries,
//! rate budget, paging and typed models, for the endpoints in the API contract.
//!
//! ```no_run
//! # async fn example() -> Result<(), genesys::Error> {
//! use genesys::{Client, ConnectionConfig, Environment};
//! let environment = Environment::parse("eu-west-1")?;
//! let client = Client::new(ConnectionConfig::new(environment, "client-id", "secret".into()))?;
//! let queues = client.queues().list_all(Some("Support*")).await?;
//! # Ok(()) }
//! ```

pub mod api;
pub mod client;
pub mod error;
pub mod models;
pub mod pacer;
pub mod paging;
pub mod rate_budget;
pub mod region;
pub mod retry;
pub mod schema;

pub use client::{Client, ConnectionConfig};
pub use error::{Error, ErrorBody};
pub use rate_budget::RateBudget;
pub use region::{Environment, EnvironmentError, Region, REGIONS};
pub use retry::RetryPolicy;
