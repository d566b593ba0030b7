//! The headless command line: `webmsg-desk <command>` runs without a window.
//!
//! Exit codes are a contract for scripts: 0 ok, 2 invalid input, 3 API error,
//! 4 timed out. Errors go to stderr as one sentence; results go to stdout as a table or
//! JSON (`--output json`).

mod channel;
mod monitor;
mod output;

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;
use serde_json::json;

use crate::genesys::{self, Client, ConnectionConfig, Environment};
use crate::profiles::{Profile, ProfileStore};
use crate::sandbox::{RunningSandbox, SandboxOptions, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET};
use crate::secrets::SecretStore;

pub use output::OutputFormat;

#[derive(Debug, Parser)]
#[command(
    name = "webmsg-desk",
    version,
    about = "Set up and run Genesys Cloud Web Messaging channels. With no command, opens the window."
)]
pub struct Cli {
    /// Connection profile to use (see `profile add`); otherwise GENESYS_CLIENT_ID,
    /// GENESYS_CLIENT_SECRET and GENESYS_ENVIRONMENT are read.
    #[arg(long, global = true)]
    pub profile: Option<String>,

    /// Output format of results.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    #[command(subcommand)]
    pub command: Option<Command>,
}

// Parsed once per process; boxing the channel flags would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the Sandbox (an emulated Genesys Cloud org) on 127.0.0.1 until stopped.
    Sandbox(SandboxArgs),
    /// Routing queues.
    Queues {
        #[command(subcommand)]
        action: QueuesAction,
    },
    /// Inbound message flows (what a web deployment routes to).
    Flows {
        #[command(subcommand)]
        action: ListAction,
    },
    /// Web deployment configurations.
    Configs {
        #[command(subcommand)]
        action: ListAction,
    },
    /// Connection profiles; secrets go to the OS keychain.
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// Create, validate, publish, export, import and diff channels.
    Channel {
        #[command(subcommand)]
        command: channel::ChannelCommand,
    },
    /// Switch a channel to its fallback flow when the primary queue is overloaded.
    Fallback {
        #[command(subcommand)]
        command: channel::FallbackCommand,
    },
    /// Watch queues: live numbers, history, flags, trackers, charts.
    Monitor {
        #[command(subcommand)]
        command: monitor::MonitorCommand,
    },
    /// Engagement metrics of web messaging, and a channel's uptime.
    Metrics(channel::MetricsArgs),
    /// Change history: the audit API merged with this app's own log.
    Audit(channel::AuditArgs),
    /// The official regions and their hosts.
    Regions,
    /// Check the connection: who the token belongs to and the rate budget.
    Whoami,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8089)]
    pub port: u16,
    /// Simulated seconds per real second (queue traffic and API dates).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Requests per token per minute before 429.
    #[arg(long = "rate-limit", default_value_t = 300)]
    pub rate_limit: u32,
    /// Client id the Sandbox accepts.
    #[arg(long = "client-id", requires = "client_secret")]
    pub client_id: Option<String>,
    /// Client secret the Sandbox accepts.
    #[arg(long = "client-secret", requires = "client_id")]
    pub client_secret: Option<String>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long = "token-lifetime", default_value_t = 86_400)]
    pub token_lifetime: u64,
    /// How long drafts and deployments stay Pending, in milliseconds.
    #[arg(long = "lifecycle-delay-ms", default_value_t = 2_000)]
    pub lifecycle_delay_ms: u64,
    /// Extra published channels to seed (for large-org work).
    #[arg(long, default_value_t = 0)]
    pub channels: usize,
    /// Seed of the traffic simulation.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Extra message queues to seed (for many-queue monitoring).
    #[arg(long, default_value_t = 0)]
    pub queues: usize,
}

#[derive(Debug, Subcommand)]
pub enum QueuesAction {
    /// List queues, optionally by name (`*` wildcards at either end).
    List {
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListAction {
    List,
}

#[derive(Debug, Subcommand)]
pub enum ProfileAction {
    /// Add or replace a profile. The secret is read from GENESYS_CLIENT_SECRET or stdin.
    Add {
        name: String,
        /// Region name (e.g. eu-west-1) or a loopback Sandbox URL.
        #[arg(long)]
        environment: String,
        #[arg(long = "client-id")]
        client_id: String,
        /// Test the credentials before saving.
        #[arg(long)]
        verify: bool,
    },
    List,
    Remove {
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExitKind {
    InvalidInput,
    Api,
    TimedOut,
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct CliError {
    pub kind: ExitKind,
    pub message: String,
}

impl CliError {
    pub fn invalid(message: impl Into<String>) -> CliError {
        CliError {
            kind: ExitKind::InvalidInput,
            message: message.into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ExitKind::InvalidInput => 2,
            ExitKind::Api => 3,
            ExitKind::TimedOut => 4,
        }
    }
}

impl From<genesys::Error> for CliError {
    fn from(error: genesys::Error) -> Self {
        let kind = match &error {
            genesys::Error::Environment(_) => ExitKind::InvalidInput,
            error if error.is_timeout() => ExitKind::TimedOut,
            _ => ExitKind::Api,
        };
        CliError {
            kind,
            message: error.to_string(),
        }
    }
}

impl From<crate::profiles::ProfileError> for CliError {
    fn from(error: crate::profiles::ProfileError) -> Self {
        CliError::invalid(error.to_string())
    }
}

impl From<crate::secrets::SecretError> for CliError {
    fn from(error: crate::secrets::SecretError) -> Self {
        CliError::invalid(error.to_string())
    }
}

/// Runs a parsed command line (never `None`: that opens the window) and returns the
/// process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    let Some(command) = cli.command else {
        return ExitCode::SUCCESS;
    };
    let context = Context {
        profile: cli.profile,
        output: cli.output,
    };
    match Box::pin(execute(&context, command)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error.message);
            ExitCode::from(error.exit_code())
        }
    }
}

struct Context {
    profile: Option<String>,
    output: OutputFormat,
}

async fn execute(context: &Context, command: Command) -> Result<(), CliError> {
    match command {
        Command::Sandbox(args) => serve_sandbox(context, args).await,
        Command::Regions => {
            output::regions(context.output);
            Ok(())
        }
        Command::Profile { action } => profile_command(context, action).await,
        Command::Queues {
            action: QueuesAction::List { name },
        } => {
            let client = connect(context)?;
            let queues = client.queues().list_all(name.as_deref()).await?;
            output::queues(context.output, &queues);
            Ok(())
        }
        Command::Flows {
            action: ListAction::List,
        } => {
            let client = connect(context)?;
            let flows = client.flows().list_inbound_message_flows().await?;
            output::flows(context.output, &flows);
            Ok(())
        }
        Command::Configs {
            action: ListAction::List,
        } => {
            let client = connect(context)?;
            let configurations = client.configurations().list_all(false).await?;
            output::configurations(context.output, &configurations);
            Ok(())
        }
        Command::Channel {
            command: channel::ChannelCommand::Validate { channel, file },
        } => channel::validate(context.output, &channel, file.as_ref()),
        Command::Channel { command } => {
            Box::pin(channel::channel_command(&session(context)?, command)).await
        }
        Command::Fallback { command } => {
            Box::pin(channel::fallback_command(&session(context)?, command)).await
        }
        Command::Monitor { command } => {
            Box::pin(monitor::monitor_command(&session(context)?, command)).await
        }
        Command::Metrics(args) => channel::metrics_command(&session(context)?, args).await,
        Command::Audit(args) => channel::audit_command(&session(context)?, args).await,
        Command::Whoami => {
            let client = connect(context)?;
            let me = client.tokens().me().await?;
            output::whoami(context.output, &client, &me);
            Ok(())
        }
    }
}

/// A connection plus the local database, for commands that change or measure channels.
fn session(context: &Context) -> Result<channel::Session, CliError> {
    let client = connect(context)?;
    let store = crate::store::Store::open(&crate::store::Store::default_path()?)?;
    Ok(channel::Session {
        client,
        store,
        profile: context
            .profile
            .clone()
            .unwrap_or_else(|| "environment".into()),
        output: context.output,
    })
}

impl From<crate::store::StoreError> for CliError {
    fn from(error: crate::store::StoreError) -> Self {
        CliError {
            kind: ExitKind::Api,
            message: error.to_string(),
        }
    }
}

/// Builds a client from `--profile` or the tutorials' environment variables.
fn connect(context: &Context) -> Result<Client, CliError> {
    let config = match &context.profile {
        Some(name) => {
            let profile = ProfileStore::default_location()?.get(name)?;
            let environment = profile.validate()?;
            let secret = SecretStore::default().get(name)?.ok_or_else(|| {
                CliError::invalid(format!("profile `{name}` has no client secret in the OS keychain; run `webmsg-desk profile add {name} ...` again"))
            })?;
            ConnectionConfig::new(environment, profile.client_id, secret)
        }
        None => {
            let read = |key: &str| {
                std::env::var(key)
                    .ok()
                    .filter(|value| !value.trim().is_empty())
            };
            let (id, secret, environment) = (
                read("GENESYS_CLIENT_ID"),
                read("GENESYS_CLIENT_SECRET"),
                read("GENESYS_ENVIRONMENT"),
            );
            let missing: Vec<&str> = [
                ("GENESYS_CLIENT_ID", id.is_none()),
                ("GENESYS_CLIENT_SECRET", secret.is_none()),
                ("GENESYS_ENVIRONMENT", environment.is_none()),
            ]
            .into_iter()
            .filter_map(|(key, absent)| absent.then_some(key))
            .collect();
            let (Some(id), Some(secret), Some(environment)) = (id, secret, environment) else {
                return Err(CliError::invalid(format!(
                    "no connection given: pass --profile NAME or set {} (GENESYS_ENVIRONMENT is a region such as eu-west-1, or a Sandbox URL such as http://127.0.0.1:8089)",
                    missing.join(", ")
                )));
            };
            let environment = Environment::parse(&environment).map_err(genesys::Error::from)?;
            ConnectionConfig::new(environment, id, SecretString::from(secret))
        }
    };
    Ok(Client::new(config)?)
}

async fn profile_command(context: &Context, action: ProfileAction) -> Result<(), CliError> {
    let store = ProfileStore::default_location()?;
    match action {
        ProfileAction::Add {
            name,
            environment,
            client_id,
            verify,
        } => {
            let profile = Profile {
                name: name.clone(),
                environment,
                client_id,
            };
            let parsed = profile.validate()?;
            let secret = read_secret()?;
            if verify {
                let client = Client::new(ConnectionConfig::new(
                    parsed,
                    profile.client_id.clone(),
                    secret.clone(),
                ))?;
                client.authenticate().await?;
            }
            SecretStore::default().set(&name, &secret)?;
            store.upsert(profile)?;
            eprintln!("saved profile `{name}`; its secret is in the OS keychain");
            Ok(())
        }
        ProfileAction::List => {
            output::profiles(context.output, &store.load()?.profiles);
            Ok(())
        }
        ProfileAction::Remove { name } => {
            let removed = store.remove(&name)?;
            SecretStore::default().delete(&name)?;
            if removed {
                eprintln!("removed profile `{name}` and its keychain entry");
                Ok(())
            } else {
                Err(CliError::invalid(format!("no profile named `{name}`")))
            }
        }
    }
}

/// The secret from GENESYS_CLIENT_SECRET, or one line of stdin (never a flag, so it
/// stays out of shell history and process lists).
fn read_secret() -> Result<SecretString, CliError> {
    if let Some(secret) = std::env::var("GENESYS_CLIENT_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
    {
        return Ok(SecretString::from(secret));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("client secret: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|error| {
        CliError::invalid(format!(
            "could not read the client secret from stdin: {error}"
        ))
    })?;
    let secret = line.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        return Err(CliError::invalid(
            "no client secret given: set GENESYS_CLIENT_SECRET or pipe it on stdin",
        ));
    }
    Ok(SecretString::from(secret))
}

async fn serve_sandbox(context: &Context, args: SandboxArgs) -> Result<(), CliError> {
    if !(args.speed.is_finite() && args.speed >= 0.0) {
        return Err(CliError::invalid(format!(
            "--speed must be a number of at least 0, got {}",
            args.speed
        )));
    }
    if args.rate_limit == 0 {
        return Err(CliError::invalid(
            "--rate-limit must be at least 1 request per minute",
        ));
    }
    if args.token_lifetime == 0 {
        return Err(CliError::invalid(
            "--token-lifetime must be at least 1 second",
        ));
    }
    let defaults = SandboxOptions::default();
    let options = SandboxOptions {
        client_id: args.client_id.unwrap_or(defaults.client_id),
        client_secret: args.client_secret.unwrap_or(defaults.client_secret),
        token_lifetime: Duration::from_secs(args.token_lifetime),
        rate_limit_per_minute: args.rate_limit,
        lifecycle_delay: Duration::from_millis(args.lifecycle_delay_ms),
        speed: args.speed,
        seed: args.seed,
        channels: args.channels,
        extra_queues: args.queues,
        ..defaults
    };
    let (client_id, client_secret) = (options.client_id.clone(), options.client_secret.clone());
    let sandbox = RunningSandbox::start(options, args.port)
        .await
        .map_err(|error| {
            CliError::invalid(format!(
                "could not listen on 127.0.0.1:{}: {error}",
                args.port
            ))
        })?;
    let base_url = sandbox.base_url();
    match context.output {
        OutputFormat::Json => println!(
            "{}",
            json!({"baseUrl": base_url, "clientId": client_id, "clientSecret": client_secret,
                   "readOnlyClientId": READONLY_CLIENT_ID, "readOnlyClientSecret": READONLY_CLIENT_SECRET})
        ),
        OutputFormat::Table => {
            println!("Sandbox listening on {base_url}");
            println!("  client id:     {client_id}");
            println!("  client secret: {client_secret}");
            println!("  read-only client: {READONLY_CLIENT_ID} / {READONLY_CLIENT_SECRET}");
            println!("  try: GENESYS_ENVIRONMENT={base_url} GENESYS_CLIENT_ID={client_id} GENESYS_CLIENT_SECRET={client_secret} webmsg-desk queues list");
        }
    }
    wait_for_stop_signal().await;
    eprintln!("stopping the Sandbox");
    sandbox.shutdown().await;
    Ok(())
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
