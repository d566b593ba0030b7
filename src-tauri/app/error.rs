//! What the UI receives when a command fails: `{code, message}`, nothing more (no
//! secrets, no debug dumps). `code` is one of [`ErrorCode`]'s strings.

use serde::Serialize;

use crate::application::{AppError, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<AppError> for CommandError {
    fn from(error: AppError) -> Self {
        CommandError {
            code: error.code,
            message: error.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_reach_the_ui_as_code_and_message_only() {
        let Err(error) = crate::application::connection::sandbox("nowhere-1") else {
            panic!("`nowhere-1` is no environment");
        };
        let json = serde_json::to_value(CommandError::from(error)).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["code", "message"]);
        assert_eq!(json["code"], "invalid.environment");
    }
}
