//! The Sandbox: an embedded emulator of the Genesys Cloud endpoints this app uses, with
//! a seeded demo org, simulated queue traffic and fault injection.
//!
//! [`router`] is served the same way by the app (first start), the `sandbox` CLI command
//! and the tests: on any listener, usually `127.0.0.1:0`. Paths, bodies, status codes,
//! error bodies and headers follow the API contract, so an official Genesys client
//! pointed at it works. Controls live under `/sandbox/`, outside the Genesys API.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use sandbox::{RunningSandbox, SandboxOptions};
//! let sandbox = RunningSandbox::start(SandboxOptions::default(), 0).await?;
//! println!("Sandbox at {}", sandbox.base_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod analytics;
mod audit_trail;
mod audits;
mod body;
mod catalog;
mod control;
mod conversations;
pub mod error;
pub mod faults;
mod gate;
pub mod guest;
mod guests;
mod listing;
mod notifications;
mod oauth;
mod params;
mod routing;
mod seed;
pub mod state;
mod timestamps;
pub mod traffic;
mod webdeployments;

use std::net::{Ipv4Addr, SocketAddr};

use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::Fault;
pub use gate::MAX_REQUEST_BODY;
pub use seed::{BLENDED_QUEUE_NAME, FALLBACK_FLOW_NAME, PRIMARY_FLOW_NAME};
pub use state::{
    check_control_token, new_control_token, parse_clock_start, SandboxOptions, SandboxState,
    CLOCK_VARIABLE, CONTROL_TOKEN_HEADER, CONTROL_TOKEN_VARIABLE, DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET, MAX_SPEED, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET,
};
pub use webdeployments::{MAX_CONFIGURATIONS, MAX_DEPLOYMENTS, MAX_VERSIONS_PER_CONFIGURATION};

use error::ApiError;

/// A state holding the demo org, its simulated clock started at `options.clock_start`
/// (now unless chosen).
pub fn seeded_state(options: SandboxOptions) -> SandboxState {
    let clock = state::SimClock::new(options.speed, options.clock_start);
    let org = seed::demo_org(&options, &clock);
    SandboxState::new(options, clock, org)
}

/// The whole Sandbox as one axum router.
pub fn router(state: SandboxState) -> Router {
    let api = web_deployment_routes()
        .merge(other_api_routes())
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not.found",
                "The requested resource was not found.",
            )
        });
    let api = gate::api_layers(api, &state);
    let login = gate::login_layers(
        Router::new().route("/oauth/token", post(oauth::token)),
        &state,
    );
    api.merge(login)
        .merge(visitor_routes())
        .merge(control_routes(&state))
        .layer(axum::middleware::from_fn(gate::loopback_host_only))
        .with_state(state)
}

fn web_deployment_routes() -> Router<SandboxState> {
    Router::new()
        .route(
            "/api/v2/webdeployments/configurations",
            get(webdeployments::list_configurations).post(webdeployments::create_configuration),
        )
        .route(
            "/api/v2/webdeployments/configurations/{configuration_id}",
            axum::routing::delete(webdeployments::delete_configuration),
        )
        .route(
            "/api/v2/webdeployments/configurations/{configuration_id}/versions",
            get(webdeployments::list_versions),
        )
        .route(
            "/api/v2/webdeployments/configurations/{configuration_id}/versions/draft",
            get(webdeployments::get_draft).put(webdeployments::put_draft),
        )
        .route(
            "/api/v2/webdeployments/configurations/{configuration_id}/versions/draft/publish",
            post(webdeployments::publish_draft),
        )
        .route(
            "/api/v2/webdeployments/configurations/{configuration_id}/versions/{version_id}",
            get(webdeployments::get_version),
        )
        .route(
            "/api/v2/webdeployments/deployments",
            get(webdeployments::list_deployments).post(webdeployments::create_deployment),
        )
        .route(
            "/api/v2/webdeployments/deployments/{deployment_id}",
            get(webdeployments::get_deployment)
                .put(webdeployments::update_deployment)
                .delete(webdeployments::delete_deployment),
        )
        .route(
            "/api/v2/webdeployments/deployments/{deployment_id}/configurations",
            get(webdeployments::active_configuration),
        )
}

fn other_api_routes() -> Router<SandboxState> {
    Router::new()
        .route("/api/v2/routing/queues", get(routing::list_queues))
        .route("/api/v2/routing/queues/{queue_id}", get(routing::get_queue))
        .route(
            "/api/v2/routing/queues/{queue_id}/estimatedwaittime",
            get(routing::estimated_wait_time),
        )
        .route(
            "/api/v2/routing/queues/{queue_id}/mediatypes/{media_type}/estimatedwaittime",
            get(routing::estimated_wait_time_for_media),
        )
        .route(
            catalog::SUPPORTED_CONTENT_PATH,
            get(catalog::list_supported_content),
        )
        .route(
            "/api/v2/conversations/messaging/supportedcontent/{supported_content_id}",
            get(catalog::get_supported_content),
        )
        .route(
            "/api/v2/knowledge/knowledgebases",
            get(catalog::list_knowledge_bases),
        )
        .route("/api/v2/integrations", get(catalog::list_integrations))
        .route(
            "/api/v2/integrations/{integration_id}",
            get(catalog::get_integration),
        )
        .route(
            "/api/v2/notifications/channels",
            get(notifications::list_channels).post(notifications::create_channel),
        )
        .route(
            "/api/v2/notifications/channels/{channel_id}",
            axum::routing::head(notifications::channel_alive),
        )
        .route(
            "/api/v2/notifications/channels/{channel_id}/subscriptions",
            get(notifications::subscriptions)
                .post(notifications::add_subscriptions)
                .put(notifications::replace_subscriptions)
                .delete(notifications::clear_subscriptions),
        )
        .route(
            "/api/v2/notifications/availabletopics",
            get(notifications::available_topics),
        )
        .route("/api/v2/flows", get(routing::list_flows))
        .route("/api/v2/flows/{flow_id}", get(routing::get_flow))
        .route(
            "/api/v2/tokens/me",
            get(routing::token_me).delete(routing::revoke_token),
        )
        .route(
            "/api/v2/analytics/queues/observations/query",
            post(analytics::queue_observations),
        )
        .route(
            "/api/v2/analytics/conversations/activity/query",
            post(analytics::conversation_activity),
        )
        .route(
            "/api/v2/analytics/conversations/details/query",
            post(analytics::conversation_details),
        )
        .route(
            "/api/v2/analytics/conversations/aggregates/query",
            post(analytics::conversation_aggregates),
        )
        .route(
            // One name for the segment: the router refuses two names at one place.
            "/api/v2/conversations/messages/{id}/details",
            get(guest::message_details),
        )
        .route(
            "/api/v2/conversations/messages/{id}",
            get(conversations::message_conversation),
        )
        .route(
            "/api/v2/conversations/messages/{id}/participants/{participant_id}",
            patch(conversations::patch_participant),
        )
        .route("/api/v2/audits/query", post(audits::submit_query))
        .route(
            "/api/v2/audits/query/servicemapping",
            get(audits::service_mapping),
        )
        .route(
            "/api/v2/audits/query/realtime/servicemapping",
            get(audits::service_mapping),
        )
        .route(
            "/api/v2/audits/query/realtime",
            post(audits::realtime_query),
        )
        .route(
            "/api/v2/audits/query/{transaction_id}",
            get(audits::query_status),
        )
        .route(
            "/api/v2/audits/query/{transaction_id}/results",
            get(audits::query_results),
        )
}

/// What a website visitor's browser reaches without OAuth: the Guest WebSocket
/// (`webmessaging.{domain}`) and the public deployment config (`api-cdn.{domain}`).
fn visitor_routes() -> Router<SandboxState> {
    Router::new()
        .route("/v1", get(guest::upgrade))
        .route("/channels/{channel_id}", get(notifications::stream))
        .route(
            "/webdeployments/v1/deployments/{deployment_id}/config.json",
            get(guest::public_config),
        )
        .route(
            "/webdeployments/v1/deployments/{deployment_id}/domains.json",
            get(guest::public_domains),
        )
        .route(
            guest::UPLOADS_PATH,
            get(guest::download_attachment)
                .put(guest::upload_attachment)
                // Room for the largest file a visitor may attach, and no more.
                .layer(axum::extract::DefaultBodyLimit::max(
                    (guest::MAX_FILE_SIZE_KB * 1024) as usize + 1,
                )),
        )
}

/// Controls outside the Genesys API: faults, latency, outcomes, traffic, speed, status.
fn control_routes(state: &SandboxState) -> Router<SandboxState> {
    Router::new()
        .route("/sandbox/status", get(control::status))
        .route(
            "/sandbox/faults",
            post(control::push_fault).delete(control::clear_faults),
        )
        .route("/sandbox/faults/latency", post(control::set_latency))
        .route("/sandbox/tokens/expire", post(control::expire_tokens))
        .route(
            "/sandbox/notifications/close",
            post(control::close_notification_channels),
        )
        .route(
            "/sandbox/deployments/outcome",
            post(control::set_deployment_outcome),
        )
        .route(
            "/sandbox/queues/{queue_id}/traffic",
            post(control::set_traffic),
        )
        .route("/sandbox/speed", post(control::set_speed))
        .route(
            "/sandbox/guest/faults",
            post(control::push_guest_fault).delete(control::clear_guest_faults),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            control::guard,
        ))
}

/// A Sandbox serving on a loopback port until shut down.
pub struct RunningSandbox {
    address: SocketAddr,
    state: SandboxState,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
}

impl RunningSandbox {
    /// Binds `127.0.0.1:port` (0 for any free port) and serves in the background.
    pub async fn start(options: SandboxOptions, port: u16) -> std::io::Result<RunningSandbox> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        RunningSandbox::serve(listener, seeded_state(options))
    }

    /// Serves `state` on an already bound listener.
    pub fn serve(listener: TcpListener, state: SandboxState) -> std::io::Result<RunningSandbox> {
        let address = listener.local_addr()?;
        state.org().public_base_url = format!("http://{address}");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = router(state.clone());
        let server = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "sandbox server stopped");
            }
        });
        Ok(RunningSandbox {
            address,
            state,
            shutdown: Some(shutdown),
            server,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT` with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// What `/sandbox/*` controls require in [`CONTROL_TOKEN_HEADER`].
    pub fn control_token(&self) -> &str {
        &self.state.options().control_token
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.server).await;
    }
}

/// The Sandbox on a thread and runtime of its own, as the window embeds it: catching up a
/// long-idle simulation holds the org lock for a while, and that must not hold up a
/// worker of the runtime that serves the window's own commands and watches.
pub struct DetachedSandbox {
    base_url: String,
    control_token: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl DetachedSandbox {
    /// Starts the thread and waits until the Sandbox listens on `127.0.0.1:port`.
    pub fn start(options: SandboxOptions, port: u16) -> std::io::Result<DetachedSandbox> {
        let (ready, started) = std::sync::mpsc::channel();
        let (shutdown, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("sandbox".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match RunningSandbox::start(options, port).await {
                        Ok(sandbox) => {
                            let _ = ready.send(Ok((
                                sandbox.base_url(),
                                sandbox.control_token().to_string(),
                            )));
                            let _ = stopped.await;
                            sandbox.shutdown().await;
                        }
                        Err(error) => {
                            let _ = ready.send(Err(error));
                        }
                    }
                });
            })?;
        let (base_url, control_token) = started
            .recv()
            .map_err(|_| std::io::Error::other("the Sandbox thread ended before it listened"))??;
        Ok(DetachedSandbox {
            base_url,
            control_token,
            shutdown: Some(shutdown),
        })
    }

    /// `http://127.0.0.1:PORT` with no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn control_token(&self) -> &str {
        &self.control_token
    }
}

// Not joined: open guest sockets may keep a graceful stop waiting, and the process is
// ending anyway.
impl Drop for DetachedSandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
