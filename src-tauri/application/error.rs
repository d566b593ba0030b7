//! One error type for every use case, with a closed set of codes.
//!
//! The codes are the strings the window and scripts read (`validation.failed`,
//! `not.found`, …); they are never derived from message text. A Genesys API error keeps
//! its own code (`bad.request`, `too.many.requests.retry.after`, …) beside
//! [`ErrorCode::Api`], so nothing Genesys says is lost.

use serde::Serialize;

use crate::channel::ChannelError;
use crate::profiles::ProfileError;
use crate::secrets::SecretError;
use crate::store::StoreError;

macro_rules! error_codes {
    ($($variant:ident => $text:literal, $doc:literal;)+) => {
        /// Why a use case failed, as a stable machine code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(#[doc = $doc] $variant,)+
        }

        impl ErrorCode {
            /// Every code, in declaration order: what the UI's list is tested against.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)+
                }
            }
        }
    };
}

error_codes! {
    ValidationFailed => "validation.failed", "The input breaks a rule; the message lists every problem.";
    NotFound => "not.found", "A named queue, flow, deployment or profile does not exist.";
    File => "file", "A file could not be read, parsed or written.";
    Chart => "chart", "A chart could not be drawn.";
    LocalStore => "local.store", "The local history database failed.";
    Keychain => "keychain", "The OS keychain refused or failed.";
    KeychainMissing => "keychain.missing", "The profile's secret is not in the OS keychain.";
    InvalidEnvironment => "invalid.environment", "The region or URL of a profile is not usable.";
    ProfileNotFound => "profile.not.found", "No profile has that name.";
    ProfileFile => "profile.file", "The profiles file could not be read or written.";
    ProfileInvalid => "profile.invalid", "A profile's fields are not valid.";
    ProfileExists => "profile.exists", "Another profile already has that name.";
    AuthenticationFailed => "authentication.failed", "The login service refused the client credentials.";
    Api => "api", "Genesys Cloud answered with an error; its own code is kept beside this one.";
    PermissionDenied => "missing.permissions", "The OAuth client's roles lack a permission the request needs.";
    RateLimited => "too.many.requests", "Genesys Cloud's rate limit held after the waits the client allows.";
    ResponseMalformed => "response.malformed", "Genesys Cloud answered with a body that could not be read.";
    TransportTimeout => "transport.timeout", "A request timed out.";
    TransportFailed => "transport.failed", "A request could not be sent or its answer not received.";
    ConfirmationRequired => "confirmation.required", "A change to a production profile's channel needs the channel's name typed (or --yes).";
    ReadOnly => "profile.read.only", "The profile is open read-only; nothing that changes the org is sent.";
    DeleteIncomplete => "delete.incomplete", "A deployment was still being deleted when the wait ran out.";
    Internal => "internal", "The app failed in a way it did not expect; the message says where.";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The input a message is about. Shared code names the field in words; each front end
/// says where it is (the command line its flag, the window its input), so no message
/// needs rewriting on its way to a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Profile,
    Deployment,
    PrimaryQueue,
    FallbackFlow,
    Origin,
    Interval,
    Repeat,
    RunFor,
    MaxDepth,
    MaxWait,
    Confirmation,
    /// The custom attributes a synthetic visitor carries.
    Attributes,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::Profile,
        Field::Deployment,
        Field::PrimaryQueue,
        Field::FallbackFlow,
        Field::Origin,
        Field::Interval,
        Field::Repeat,
        Field::RunFor,
        Field::MaxDepth,
        Field::MaxWait,
        Field::Confirmation,
        Field::Attributes,
    ];
}

/// A failed use case: a code, one sentence an admin can act on, and Genesys's own code
/// when the API said no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub genesys_code: Option<String>,
    /// The input to correct, when one is to blame.
    pub field: Option<Field>,
    /// Whether the operation ran out of time (the CLI's exit code 4).
    pub timed_out: bool,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
            genesys_code: None,
            field: None,
            timed_out: false,
        }
    }

    /// The same error, about `field`.
    pub fn on(mut self, field: Field) -> AppError {
        self.field = Some(field);
        self
    }

    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::ValidationFailed, message)
    }

    pub fn file(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::File, message)
    }
}

impl From<crate::genesys::Error> for AppError {
    fn from(error: crate::genesys::Error) -> Self {
        use crate::genesys::Error;
        let code = match &error {
            Error::Environment(_) => ErrorCode::InvalidEnvironment,
            Error::Authentication { .. } => ErrorCode::AuthenticationFailed,
            Error::Api { status: 404, .. } => ErrorCode::NotFound,
            Error::Api { status: 403, .. } => ErrorCode::PermissionDenied,
            Error::Api { status: 429, .. } => ErrorCode::RateLimited,
            Error::Api { .. } => ErrorCode::Api,
            Error::Decode { .. } => ErrorCode::ResponseMalformed,
            Error::Transport {
                timed_out: true, ..
            } => ErrorCode::TransportTimeout,
            Error::Transport { .. } => ErrorCode::TransportFailed,
            Error::ReadOnly { .. } => ErrorCode::ReadOnly,
        };
        AppError {
            code,
            genesys_code: matches!(error, Error::Api { .. }).then(|| error.code()),
            field: None,
            timed_out: error.is_timeout(),
            message: error.to_string(),
        }
    }
}

impl From<ChannelError> for AppError {
    fn from(error: ChannelError) -> Self {
        let code = match &error {
            ChannelError::Api(_) => ErrorCode::Api,
            ChannelError::Invalid(_) => ErrorCode::ValidationFailed,
            ChannelError::NotFound { .. } => ErrorCode::NotFound,
            ChannelError::Store(_) => ErrorCode::LocalStore,
            ChannelError::File(_) => ErrorCode::File,
            ChannelError::DeleteIncomplete { .. } => ErrorCode::DeleteIncomplete,
        };
        if let ChannelError::Api(api) = error {
            return AppError::from(*api);
        }
        AppError {
            code,
            timed_out: code == ErrorCode::DeleteIncomplete,
            message: error.to_string(),
            genesys_code: None,
            field: None,
        }
    }
}

impl From<ProfileError> for AppError {
    fn from(error: ProfileError) -> Self {
        let code = match error {
            ProfileError::NotFound { .. } => ErrorCode::ProfileNotFound,
            ProfileError::Io { .. } | ProfileError::Corrupt { .. } | ProfileError::NoConfigDir => {
                ErrorCode::ProfileFile
            }
            _ => ErrorCode::ProfileInvalid,
        };
        AppError::new(code, error.to_string())
    }
}

impl From<SecretError> for AppError {
    fn from(error: SecretError) -> Self {
        let code = match error {
            // The way out is the same as for a missing secret: enter it again.
            SecretError::OtherEnvironment { .. } => ErrorCode::KeychainMissing,
            _ => ErrorCode::Keychain,
        };
        AppError::new(code, error.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        AppError::new(ErrorCode::LocalStore, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_dotted_strings() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '.'));
        }
    }

    #[test]
    fn an_api_error_keeps_genesys_code_beside_its_own() {
        let error = crate::genesys::Error::from(
            crate::genesys::Environment::parse("nowhere-1").unwrap_err(),
        );
        let app = AppError::from(error);
        assert_eq!(app.code, ErrorCode::InvalidEnvironment);
        assert_eq!(app.genesys_code, None);
    }
}
