//! The headless command line: `webmsg-desk <command>` runs without a window.
//!
//! Exit codes are a contract for scripts: 0 ok, 2 invalid input, 3 API error,
//! 4 timed out. Errors go to stderr as one sentence; results go to stdout as a table or
//! JSON (`--output json`).

/// `println!` for results: a reader that stops early (`webmsg-desk … | head -1`) closes
/// the pipe, and that ends the command quietly with success instead of a panic.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` counterpart of [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

mod channel;
mod guest;
mod monitor;
mod output;
mod promote;

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;
use serde_json::json;

use secrecy::ExposeSecret;

use crate::application::channels::Confirmation;
use crate::application::connection::OpenMode;
use crate::application::profiles::{ProfileForm, ProfileStore, Profiles, SecretStore};
use crate::application::{self, catalog, connection, AppError, ErrorCode, Field, Session};
use crate::sandbox::{
    check_control_token, RunningSandbox, SandboxOptions, CONTROL_TOKEN_HEADER, MAX_SPEED,
    READONLY_CLIENT_ID, READONLY_CLIENT_SECRET,
};

fn write_stdout(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(error) => {
            eprintln!("error: could not write the result: {error}");
            std::process::exit(1);
        }
    }
}

pub use output::OutputFormat;

#[derive(Debug, Parser)]
#[command(
    name = "webmsg-desk",
    version,
    about = "Set up and run Genesys Cloud Web Messaging channels. With no command, opens the window."
)]
pub struct Cli {
    /// Connection profile to use (see `profile add`); otherwise GENESYS_CLIENT_ID,
    /// GENESYS_CLIENT_SECRET and GENESYS_ENVIRONMENT are read (and GENESYS_PRODUCTION=1
    /// marks that org as production).
    #[arg(long, global = true)]
    pub profile: Option<String>,

    /// Open the profile read-only: nothing that changes the org is sent.
    #[arg(long = "read-only", global = true, requires = "profile")]
    pub read_only: bool,

    /// Confirm changes to a production profile's channels without typing their name
    /// (for scripts; on a terminal the name is asked for instead).
    #[arg(long, global = true)]
    pub yes: bool,

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
    /// Be the website visitor: test-drive a channel or run scenario files.
    Guest {
        #[command(subcommand)]
        command: guest::GuestCommand,
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
    /// The simulated instant to start at, RFC 3339 (`2026-12-04T13:00:00Z`): traffic
    /// follows a daily curve peaking at 13:00 UTC, so this reproduces a given hour.
    #[arg(long, env = "WEBMSG_DESK_SANDBOX_CLOCK", value_parser = clock_start)]
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
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
    /// Token the `/sandbox/*` controls require (16 to 128 visible characters); a random
    /// one is made and printed when none is given.
    #[arg(
        long = "control-token",
        env = "WEBMSG_DESK_SANDBOX_CONTROL_TOKEN",
        hide_env_values = true
    )]
    pub control_token: Option<String>,
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
        /// A production org: publish, rollback, delete and live fallback ask for the
        /// channel's name (or `--yes`). `--production false` clears it; left out, a
        /// replaced profile keeps what it had.
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        production: Option<bool>,
        /// `#rrggbb`, shown beside the profile's name; `--colour ""` clears it. Left
        /// out, a replaced profile keeps its colour.
        #[arg(long)]
        colour: Option<String>,
    },
    List,
    Remove {
        name: String,
    },
}

/// A connected command's session and how it prints.
pub struct Connected {
    pub session: crate::application::Session,
    pub output: OutputFormat,
    /// `--yes`: changes to a production profile's channels are confirmed up front.
    pub assume_yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExitKind {
    /// An expectation did not hold (a scenario step, a page check).
    ExpectationFailed,
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
            ExitKind::ExpectationFailed => 1,
            ExitKind::InvalidInput => 2,
            ExitKind::Api => 3,
            ExitKind::TimedOut => 4,
        }
    }
}

impl From<AppError> for CliError {
    fn from(error: AppError) -> Self {
        let kind = match error.code {
            _ if error.timed_out => ExitKind::TimedOut,
            // Whatever Genesys refused is an API error, even a 404 of an id given.
            _ if error.genesys_code.is_some() => ExitKind::Api,
            ErrorCode::ValidationFailed
            | ErrorCode::NotFound
            | ErrorCode::File
            | ErrorCode::Chart
            | ErrorCode::Keychain
            | ErrorCode::KeychainMissing
            | ErrorCode::InvalidEnvironment
            | ErrorCode::ProfileNotFound
            | ErrorCode::ProfileFile
            | ErrorCode::ProfileInvalid
            | ErrorCode::ProfileExists
            | ErrorCode::ConfirmationRequired
            | ErrorCode::ReadOnly => ExitKind::InvalidInput,
            ErrorCode::DeleteIncomplete | ErrorCode::TransportTimeout => ExitKind::TimedOut,
            ErrorCode::LocalStore
            | ErrorCode::AuthenticationFailed
            | ErrorCode::Api
            | ErrorCode::PermissionDenied
            | ErrorCode::RateLimited
            | ErrorCode::ResponseMalformed
            | ErrorCode::TransportFailed
            | ErrorCode::Internal => ExitKind::Api,
        };
        let message = match error.field {
            Some(field) => format!("{} ({})", error.message, where_to_give(field)),
            None => error.message,
        };
        CliError { kind, message }
    }
}

/// Where on the command line the input a message is about is given.
fn where_to_give(field: Field) -> &'static str {
    match field {
        Field::Profile => "--profile NAME",
        Field::Deployment => "--deployment",
        Field::PrimaryQueue => "--queue",
        Field::FallbackFlow => "--fallback-flow",
        Field::Origin => "--origin",
        Field::Interval => "--interval",
        Field::Repeat => "--repeat",
        Field::RunFor => "--for",
        Field::MaxDepth => "--max-depth",
        Field::MaxWait => "--max-wait",
        Field::Confirmation => "run it in a terminal to type it, or add --yes",
        Field::Attributes => "--attr KEY=VALUE",
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
        read_only: cli.read_only,
        yes: cli.yes,
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
    read_only: bool,
    yes: bool,
}

async fn execute(context: &Context, command: Command) -> Result<(), CliError> {
    match command {
        Command::Sandbox(args) => serve_sandbox(context, args).await,
        Command::Regions => {
            output::regions(context.output);
            Ok(())
        }
        Command::Profile { action } => profile_command(context, action).await,
        Command::Channel {
            command: channel::ChannelCommand::Validate { channel, file },
        } => channel::validate(context.output, &channel, file.as_ref()),
        Command::Channel {
            command: channel::ChannelCommand::Compare(args),
        } => Box::pin(promote::compare(context.output, args)).await,
        Command::Channel {
            command: channel::ChannelCommand::Promote(args),
        } => Box::pin(promote::promote(context.output, context.yes, args)).await,
        command => Box::pin(connected_command(&connect(context)?, command)).await,
    }
}

/// Commands that talk to an org. The ones that need no connection never get here.
async fn connected_command(connected: &Connected, command: Command) -> Result<(), CliError> {
    let (session, output) = (&connected.session, connected.output);
    match command {
        Command::Queues {
            action: QueuesAction::List { name },
        } => output::queues(output, &catalog::queues(session, name.as_deref()).await?),
        Command::Flows {
            action: ListAction::List,
        } => output::flows(output, &catalog::inbound_message_flows(session).await?),
        Command::Configs {
            action: ListAction::List,
        } => output::configurations(output, &catalog::configurations(session).await?),
        Command::Whoami => output::whoami(output, &catalog::whoami(session).await?),
        Command::Channel { command } => {
            return Box::pin(channel::channel_command(connected, command)).await
        }
        Command::Fallback { command } => {
            return Box::pin(channel::fallback_command(connected, command)).await
        }
        Command::Monitor { command } => {
            return Box::pin(monitor::monitor_command(connected, command)).await
        }
        Command::Guest { command } => return guest::guest_command(connected, command).await,
        Command::Metrics(args) => return channel::metrics_command(connected, args).await,
        Command::Audit(args) => return channel::audit_command(connected, args).await,
        Command::Sandbox(_) | Command::Regions | Command::Profile { .. } => {}
    }
    Ok(())
}

/// The folder the history database, snapshots and the monitor log live in.
pub(crate) fn data_dir() -> Result<std::path::PathBuf, CliError> {
    Ok(connection::data_dir()?)
}

/// A session from `--profile` or the `GENESYS_*` environment variables, with the local
/// database.
/// A value as JSON (`--output json`) or as the text `text` makes.
pub(super) fn print<T: serde::Serialize>(
    output: OutputFormat,
    value: &T,
    text: impl FnOnce() -> String,
) {
    match output {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        ),
        OutputFormat::Table => outln!("{}", text()),
    }
}

/// A session of the saved profile `name`, read-only when asked (a promotion's source).
pub(super) fn open_profile(name: &str, read_only: bool) -> Result<Session, CliError> {
    let store = connection::open_store()?;
    let profiles = ProfileStore::default_location().map_err(AppError::from)?;
    let mode = if read_only {
        OpenMode::ReadOnly
    } else {
        OpenMode::ReadWrite
    };
    let opened = connection::for_profile(&profiles, &SecretStore::default(), name, mode)?;
    Ok(Session::of_profile(opened, store, name.to_string()))
}

fn connect(context: &Context) -> Result<Connected, CliError> {
    let store = connection::open_store()?;
    let session = match &context.profile {
        Some(name) => {
            let profiles = ProfileStore::default_location().map_err(AppError::from)?;
            let mode = if context.read_only {
                OpenMode::ReadOnly
            } else {
                OpenMode::ReadWrite
            };
            let opened = connection::for_profile(&profiles, &SecretStore::default(), name, mode)?;
            Session::of_profile(opened, store, name.clone())
        }
        None => Session {
            // A connection from variables (CI, scripts) has no profile to carry the mark:
            // GENESYS_PRODUCTION=1 puts the same rails on it.
            production: std::env::var("GENESYS_PRODUCTION")
                .is_ok_and(|value| matches!(value.trim(), "1" | "true" | "yes")),
            ..Session::new(
                connection::from_environment(|key| std::env::var(key).ok())?,
                store,
                "environment",
            )
        },
    };
    Ok(Connected {
        session,
        output: context.output,
        assume_yes: context.yes,
    })
}

async fn profile_command(context: &Context, action: ProfileAction) -> Result<(), CliError> {
    let store = ProfileStore::default_location().map_err(AppError::from)?;
    let secrets = SecretStore::default();
    let profiles = Profiles {
        store: &store,
        secrets: &secrets,
    };
    match action {
        ProfileAction::Add {
            name,
            environment,
            client_id,
            verify,
            production,
            colour,
        } => {
            let secret = read_secret()?;
            // Adding over an existing profile replaces its connection, and keeps the
            // production mark and colour unless they are given: re-entering a secret
            // must not quietly take a production org's rails away.
            let existing = store.get(&name).ok();
            let form = ProfileForm {
                original_name: existing.as_ref().map(|_| name.clone()),
                name: name.clone(),
                environment,
                client_id,
                client_secret: secret.expose_secret().to_string(),
                production: production
                    .or(existing.as_ref().map(|profile| profile.production))
                    .unwrap_or(false),
                colour: colour.or(existing.and_then(|profile| profile.colour)),
            };
            if verify {
                let candidate = form.profile();
                application::profiles::verify(&candidate, &secret).await?;
            }
            profiles.save(&form)?;
            eprintln!("saved profile `{name}`; its secret is in the OS keychain");
            Ok(())
        }
        ProfileAction::List => {
            output::profiles(context.output, &profiles.list()?);
            Ok(())
        }
        ProfileAction::Remove { name } => {
            profiles.remove(&name)?;
            eprintln!("removed profile `{name}` and its keychain entry");
            Ok(())
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

fn clock_start(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    crate::sandbox::parse_clock_start(text)
}

async fn serve_sandbox(context: &Context, args: SandboxArgs) -> Result<(), CliError> {
    if !(0.0..=MAX_SPEED).contains(&args.speed) {
        return Err(CliError::invalid(format!(
            "--speed must be a number from 0 to {MAX_SPEED}, got {}",
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
    if let Some(token) = &args.control_token {
        check_control_token(token)
            .map_err(|problem| CliError::invalid(format!("--control-token: {problem}")))?;
    }
    let defaults = SandboxOptions::default();
    let options = SandboxOptions {
        control_token: args.control_token.unwrap_or(defaults.control_token.clone()),
        client_id: args.client_id.unwrap_or(defaults.client_id),
        client_secret: args.client_secret.unwrap_or(defaults.client_secret),
        token_lifetime: Duration::from_secs(args.token_lifetime),
        rate_limit_per_minute: args.rate_limit,
        lifecycle_delay: Duration::from_millis(args.lifecycle_delay_ms),
        speed: args.speed,
        clock_start: args.clock,
        seed: args.seed,
        channels: args.channels,
        extra_queues: args.queues,
        ..defaults
    };
    let (client_id, client_secret) = (options.client_id.clone(), options.client_secret.clone());
    let control_token = options.control_token.clone();
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
        OutputFormat::Json => outln!(
            "{}",
            json!({"baseUrl": base_url, "clientId": client_id, "clientSecret": client_secret,
                   "readOnlyClientId": READONLY_CLIENT_ID, "readOnlyClientSecret": READONLY_CLIENT_SECRET,
                   "controlToken": control_token, "controlTokenHeader": CONTROL_TOKEN_HEADER})
        ),
        OutputFormat::Table => {
            outln!("Sandbox listening on {base_url}");
            outln!("  client id:     {client_id}");
            outln!("  client secret: {client_secret}");
            outln!("  read-only client: {READONLY_CLIENT_ID} / {READONLY_CLIENT_SECRET}");
            outln!(
                "  controls (/sandbox/*) need the header {CONTROL_TOKEN_HEADER}: {control_token}"
            );
            outln!("  try: GENESYS_ENVIRONMENT={base_url} GENESYS_CLIENT_ID={client_id} GENESYS_CLIENT_SECRET={client_secret} webmsg-desk queues list");
        }
    }
    crate::application::stop_signal().await;
    eprintln!("stopping the Sandbox");
    sandbox.shutdown().await;
    Ok(())
}

/// How a change to a channel is confirmed: `--yes`; or, on a production profile and a
/// terminal, the channel's name typed at a prompt; otherwise nothing, which the use case
/// refuses on a production profile with what to do instead.
pub(super) async fn confirmation(
    connected: &Connected,
    deployment_id: &str,
    change: &str,
) -> Result<Confirmation, CliError> {
    if let Some(settled) = settled_without_asking(connected) {
        return Ok(settled);
    }
    let channel = crate::application::channels::status(&connected.session, deployment_id)
        .await?
        .name;
    confirm_name(connected, &channel, change)
}

/// The confirmation when nobody is to be asked: `--yes`, a profile that is not production,
/// or no terminal to type on.
fn settled_without_asking(connected: &Connected) -> Option<Confirmation> {
    use std::io::IsTerminal;
    if connected.assume_yes {
        Some(Confirmation::Unattended)
    } else if !connected.session.production || !std::io::stdin().is_terminal() {
        Some(Confirmation::None)
    } else {
        None
    }
}

/// [`confirmation`] for a channel known by name (one about to be created or imported).
pub(super) fn confirm_name(
    connected: &Connected,
    channel: &str,
    change: &str,
) -> Result<Confirmation, CliError> {
    use std::io::BufRead;
    if let Some(settled) = settled_without_asking(connected) {
        return Ok(settled);
    }
    let session = &connected.session;
    eprint!(
        "`{}` is a production profile. Type the channel's name, {channel}, to confirm {change}: ",
        session.profile
    );
    let mut typed = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut typed)
        .map_err(|error| CliError::invalid(format!("could not read the confirmation: {error}")))?;
    Ok(Confirmation::Typed(typed.trim().to_string()))
}
