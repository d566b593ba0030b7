//! Web Messaging Desk: set up and run Genesys Cloud Web Messaging channels.
//!
//! Domain modules (`genesys`, `sandbox`, `profiles`, `secrets`, `overview`, `cli`) never
//! import tauri; `app` is the only window code and stays a thin adapter over them.

pub mod app;
pub mod application;
pub mod channel;
pub mod chart;
pub mod cli;
pub mod fallback;
pub mod genesys;
pub mod guest;
pub mod metrics;
pub mod monitor;
pub mod overview;
pub mod private_files;
pub mod profiles;
pub mod sandbox;
pub mod secrets;
pub mod store;
pub mod transfer;
pub mod validate;
pub mod workspace;

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
