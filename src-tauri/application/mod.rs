//! The application layer: every use case the window and the command line offer, written
//! once. Each takes a typed request and a [`Session`] (or, for long work, an
//! [`Operation`]: the session plus cancellation and a progress sink) and returns a typed
//! result or an [`AppError`].
//!
//! The front ends are thin: the CLI maps flags to a request, calls a use case and
//! renders; a Tauri command deserialises, calls (through the window's `Workspace`, which
//! keeps per-profile state such as background watches) and serialises. Neither calls a
//! domain module (`channel`, `transfer`, `fallback`, `metrics`, …) directly; a tidy test
//! keeps it so.

pub mod access;
pub mod catalog;
pub mod channels;
pub mod connection;
pub mod editing;
pub mod error;
pub mod fallback;
pub mod insight;
pub mod monitoring;
pub mod profiles;
pub mod promotion;
pub mod safety;
pub mod visitor;

use tokio_util::sync::CancellationToken;

use crate::channel::{InFlight, Pipeline, Progress};
use crate::genesys::Client;
use crate::store::Store;

pub use error::{AppError, ErrorCode, Field};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// An open connection to one org, the local database, and the work in flight on it.
#[derive(Clone)]
pub struct Session {
    pub client: Client,
    pub store: Store,
    /// The profile named in the local action log.
    pub profile: String,
    /// Publishes running in this session, which its fallback watches keep off.
    pub in_flight: InFlight,
    /// A production profile: see [`safety`].
    pub production: bool,
    /// Opened read-only: the client sends nothing that changes the org.
    pub read_only: bool,
}

impl Session {
    pub fn new(client: Client, store: Store, profile: impl Into<String>) -> Session {
        Session {
            client,
            store,
            profile: profile.into(),
            in_flight: InFlight::default(),
            production: false,
            read_only: false,
        }
    }

    /// A session of a saved profile, as [`connection::for_profile`] opened it.
    pub fn of_profile(
        opened: connection::OpenedProfile,
        store: Store,
        profile: impl Into<String>,
    ) -> Session {
        Session {
            read_only: opened.client.is_read_only(),
            production: opened.production,
            ..Session::new(opened.client, store, profile)
        }
    }
}

/// One run of a long use case: its session, how to cancel it and where progress goes.
pub struct Operation<'a> {
    pub session: &'a Session,
    pub cancel: CancellationToken,
    pub progress: &'a (dyn Fn(Progress) + Send + Sync),
}

impl<'a> Operation<'a> {
    pub fn new(
        session: &'a Session,
        cancel: CancellationToken,
        progress: &'a (dyn Fn(Progress) + Send + Sync),
    ) -> Operation<'a> {
        Operation {
            session,
            cancel,
            progress,
        }
    }

    fn pipeline(&self) -> Pipeline<'_> {
        Pipeline {
            client: &self.session.client,
            store: &self.session.store,
            profile: &self.session.profile,
            cancel: &self.cancel,
            report: self.progress,
            in_flight: &self.session.in_flight,
        }
    }
}

/// Ctrl-C, or SIGTERM on Unix (a service manager, a session ending or `kill`): both
/// front ends stop in order on it. A signal that cannot be listened for never fires,
/// rather than stopping at once.
pub async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Every schedule that polls the org (a monitor, a fallback watch) is at least
/// [`MIN_INTERVAL`](crate::monitor::schedule::MIN_INTERVAL) apart, to stay inside the
/// rate budget whatever else the admin runs.
pub fn check_interval(interval: std::time::Duration) -> Result<()> {
    let minimum = crate::monitor::schedule::MIN_INTERVAL;
    if interval < minimum {
        return Err(AppError::invalid(format!(
            "the interval must be at least {} seconds, to stay inside the rate budget",
            minimum.as_secs()
        ))
        .on(Field::Interval));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_schedule_polls_more_often_than_every_five_seconds() {
        let refused = check_interval(std::time::Duration::from_millis(4_999)).unwrap_err();
        assert_eq!(refused.field, Some(Field::Interval));
        assert_eq!(refused.code, ErrorCode::ValidationFailed);
        assert!(check_interval(std::time::Duration::from_secs(5)).is_ok());
    }
}
