//! Web Messaging Desk: set up and run Genesys Cloud Web Messaging channels.
//!
//! The API client (`genesys`) and the emulator (`sandbox`) are workspace crates that know
//! nothing of this one. Here, domain modules never import tauri; `app` is the window and
//! `cli` the command line, two thin front ends over `application` (see ARCHITECTURE.md).
//! What the window receives is `app::payload`, built from the domain, never the domain's
//! own types.

pub mod app;
pub mod application;
pub mod channel;
pub mod chart;
pub mod cli;
pub mod fallback;
pub mod guest;
pub mod json_diff;
pub mod metrics;
pub mod monitor;
pub mod overview;
pub mod private_files;
pub mod profiles;
pub mod secrets;
pub mod store;
pub mod transfer;
pub mod validate;
pub mod workspace;

/// The API client and the Sandbox, crates of their own, under the names the app uses.
pub use ::genesys;
pub use ::sandbox;

/// Logs to stderr at `info` (override with `RUST_LOG`). Log lines never carry secrets
/// or tokens: the client logs methods, paths, statuses and timings only.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,webmsg_desk=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
