//! Web Messaging Desk: set up and run Genesys Cloud Web Messaging channels.
//!
//! Domain modules (`genesys`, `sandbox`, `profiles`, `secrets`, `cli`) never import
//! tauri; `app` is the only window code and stays a thin adapter over them.

pub mod genesys;
pub mod sandbox;

pub fn run() {}
