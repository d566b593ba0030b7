//! Safety rails of production profiles: creating, importing, publishing, rolling back or
//! deleting a production profile's channel, a live fallback watch, and every synthetic
//! visitor sent to one of its channels (a real agent may answer) go ahead only when the
//! person asked for it by
//! typing the channel's name (the window, or the command line on a terminal) or said so
//! up front (`--yes`). The rule lives here, once, so neither front end can forget it.

use serde::Deserialize;

use super::{AppError, ErrorCode, Result, Session};

/// How a change was confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "typed")]
pub enum Confirmation {
    /// Nothing was asked: enough on any profile but a production one.
    #[default]
    None,
    /// The name the person typed.
    Typed(String),
    /// Confirmed ahead of time (`--yes`), for scripts.
    Unattended,
}

impl Confirmation {
    /// The window sends what was typed, or nothing.
    pub fn typed(text: Option<String>) -> Confirmation {
        text.map_or(Confirmation::None, Confirmation::Typed)
    }
}

/// A change to a channel that a production profile guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardedChange {
    Publish,
    Rollback,
    Delete,
    LiveFallback,
    Create,
    Import,
    /// A synthetic visitor's conversation: it reaches the org's real queues and agents.
    VisitorTraffic,
}

impl GuardedChange {
    fn describe(self) -> &'static str {
        match self {
            GuardedChange::Publish => "publishing",
            GuardedChange::Rollback => "rolling back",
            GuardedChange::Delete => "deleting",
            GuardedChange::LiveFallback => "letting the fallback switch the route of",
            GuardedChange::Create => "creating",
            GuardedChange::Import => "importing",
            GuardedChange::VisitorTraffic => {
                "sending a synthetic visitor (real agents may answer) to"
            }
        }
    }
}

/// Whether `change` of the deployment may go ahead. On a production profile the
/// deployment's name is read first (one GET) and must match what was typed.
pub async fn check(
    session: &Session,
    deployment_id: &str,
    change: GuardedChange,
    confirmation: &Confirmation,
) -> Result<()> {
    if !session.production || *confirmation == Confirmation::Unattended {
        return Ok(());
    }
    let name = session.client.deployments().get(deployment_id).await?.name;
    check_name(&session.profile, &name, change, confirmation)
}

/// [`check`] once the channel's name is known.
pub fn check_name(
    profile: &str,
    channel: &str,
    change: GuardedChange,
    confirmation: &Confirmation,
) -> Result<()> {
    match confirmation {
        Confirmation::Unattended => Ok(()),
        Confirmation::Typed(typed) if typed.trim() == channel => Ok(()),
        Confirmation::Typed(typed) => Err(AppError::new(
            ErrorCode::ConfirmationRequired,
            format!(
                "`{}` is not the channel's name; {} `{channel}` on the production profile `{profile}` needs its name typed exactly",
                typed.trim(),
                change.describe()
            ),
        )),
        Confirmation::None => Err(AppError::new(
            ErrorCode::ConfirmationRequired,
            format!(
                "`{profile}` is a production profile: {} `{channel}` needs the channel's name typed to confirm",
                change.describe()
            ),
        )
        .on(super::Field::Confirmation)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_name_or_an_unattended_yes_confirms() {
        let check = |confirmation: Confirmation| {
            check_name("Prod", "Support Site", GuardedChange::Delete, &confirmation)
        };
        assert!(check(Confirmation::Typed("Support Site".into())).is_ok());
        assert!(check(Confirmation::Typed("  Support Site ".into())).is_ok());
        assert!(check(Confirmation::Unattended).is_ok());
        for wrong in ["support site", "Support", ""] {
            let error = check(Confirmation::Typed(wrong.into())).unwrap_err();
            assert_eq!(error.code, ErrorCode::ConfirmationRequired);
        }
        let error = check(Confirmation::None).unwrap_err();
        assert!(
            error.message.contains("`Prod` is a production profile"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("deleting `Support Site`"),
            "{}",
            error.message
        );
    }
}
