//! The window: the only module that imports tauri. It starts the embedded Sandbox on
//! first start, keeps the connection in state and exposes thin commands over the domain
//! modules.

mod commands;
mod error;

use std::process::ExitCode;
use std::sync::Mutex;

use secrecy::SecretString;
use tauri::{Manager, Runtime};

use crate::genesys::{Client, ConnectionConfig, Environment};
use crate::sandbox::{RunningSandbox, SandboxOptions, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

pub use error::CommandError;

/// What the commands share.
pub struct AppState {
    pub client: Client,
    pub profile_name: String,
    /// Kept alive for the app's lifetime; dropping it stops the server.
    _sandbox: Mutex<Option<RunningSandbox>>,
}

/// Builds the app on any runtime (the mock runtime in tests).
pub fn build<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| {
            let sandbox = tauri::async_runtime::block_on(RunningSandbox::start(
                SandboxOptions::default(),
                0,
            ))?;
            let environment = Environment::parse(&sandbox.base_url())?;
            let client = Client::new(ConnectionConfig::new(
                environment,
                DEMO_CLIENT_ID,
                SecretString::from(DEMO_CLIENT_SECRET),
            ))?;
            tracing::info!(base_url = %sandbox.base_url(), "embedded Sandbox started");
            app.manage(AppState {
                client,
                profile_name: "Sandbox".into(),
                _sandbox: Mutex::new(Some(sandbox)),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::load_overview])
}

/// Opens the window and runs until it closes.
pub fn run() -> ExitCode {
    crate::init_logging();
    match build(tauri::Builder::default()).run(tauri::generate_context!()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: the window could not start: {error}");
            ExitCode::from(1)
        }
    }
}
