//! Local validation of channel input, before any request: values are parsed once into
//! types that cannot hold bad data, and every problem is reported at once, each naming
//! its field and saying what to type instead.

mod channel;
mod contrast;
mod domain;
mod language;
mod lint;

use std::fmt;

use serde::Serialize;

pub use channel::{check_configuration, check_deployment, CheckReport};
pub use contrast::{contrast_ratio, ContrastReport, WCAG_AA_NORMAL_TEXT};
pub use domain::AllowedDomain;
pub use language::{LanguageCode, SUPPORTED_LANGUAGES};
pub use lint::{lint_channel, Lint};

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.field, self.reason)
    }
}

/// Every problem found, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            reason: reason.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().map(|error| error.field.as_str()).collect()
    }

    /// Keeps a parsed value or records its error under `field`.
    pub fn take<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(reason) => {
                self.push(field, reason);
                None
            }
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(
            formatter,
            "{} problem(s): {}",
            self.0.len(),
            lines.join("; ")
        )
    }
}

impl std::error::Error for ValidationErrors {}

/// A configuration or deployment name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelName(String);

impl ChannelName {
    pub fn parse(text: &str) -> Result<ChannelName, String> {
        let trimmed = text.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            return Err("is empty; give the channel a name of 1 to 100 characters".into());
        }
        if length > 100 {
            return Err(format!("is {length} characters long; the limit is 100"));
        }
        if let Some(bad) = trimmed.chars().find(|c| c.is_control()) {
            return Err(format!(
                "contains the control character U+{:04X}; use plain text",
                bad as u32
            ));
        }
        Ok(ChannelName(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional description of at most 500 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub fn parse(text: &str) -> Result<Description, String> {
        let trimmed = text.trim();
        let length = trimmed.chars().count();
        if length > 500 {
            return Err(format!("is {length} characters long; the limit is 500"));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err("contains control characters; use plain text".into());
        }
        Ok(Description(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `#RRGGBB`, stored lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HexColor(pub(crate) [u8; 3]);

impl HexColor {
    pub fn parse(text: &str) -> Result<HexColor, String> {
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix('#');
        let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
        match digits {
            Some(d) if d.len() == 6 && hex(d) => {
                let byte = |i: usize| u8::from_str_radix(&d[i..i + 2], 16).unwrap_or(0);
                Ok(HexColor([byte(0), byte(2), byte(4)]))
            }
            Some(d) if d.len() == 3 && hex(d) => {
                let long: String = d.chars().flat_map(|c| [c, c]).collect();
                Err(format!(
                    "`{trimmed}` is a 3-digit colour; write all six digits: `#{}`",
                    long.to_lowercase()
                ))
            }
            None if (trimmed.len() == 6 || trimmed.len() == 3) && hex(trimmed) => {
                let full = if trimmed.len() == 3 {
                    trimmed.chars().flat_map(|c| [c, c]).collect()
                } else {
                    trimmed.to_string()
                };
                Err(format!(
                    "`{trimmed}` needs a leading #: `#{}`",
                    full.to_lowercase()
                ))
            }
            _ => Err(format!(
                "`{trimmed}` is not a colour; use #RRGGBB, for example #1f5fa8"
            )),
        }
    }

    pub fn rgb(&self) -> [u8; 3] {
        self.0
    }
}

impl fmt::Display for HexColor {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "#{:02x}{:02x}{:02x}",
            self.0[0], self.0[1], self.0[2]
        )
    }
}

/// A Genesys id (UUID), stored in its canonical lower-case form.
pub fn parse_uuid(text: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(text.trim())
        .map(|id| id.to_string())
        .map_err(|_| {
            format!(
                "`{}` is not an id; Genesys ids look like 3fa85f64-5717-4562-b3fc-2c963f66afa6",
                text.trim()
            )
        })
}

/// Largest attachment Messenger accepts (the API's default and ceiling), in KB.
pub const MAX_FILE_SIZE_KB: i64 = 10_240;

/// The MIME types Messenger accepts for attachments.
pub const ATTACHMENT_TYPES: &[&str] = &["image/jpeg", "image/gif", "image/png"];

pub fn parse_file_size_kb(value: i64) -> Result<i64, String> {
    if (1..=MAX_FILE_SIZE_KB).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "{value} KB is out of range; use 1 to {MAX_FILE_SIZE_KB} KB"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            ChannelName::parse("  Support site ").unwrap().as_str(),
            "Support site"
        );
        assert!(ChannelName::parse("   ").unwrap_err().contains("empty"));
        assert!(ChannelName::parse(&"x".repeat(101))
            .unwrap_err()
            .contains("101"));
        assert!(
            ChannelName::parse(&"é".repeat(100)).is_ok(),
            "counted in characters, not bytes"
        );
        assert!(ChannelName::parse("bad\u{7}name")
            .unwrap_err()
            .contains("U+0007"));
        assert!(Description::parse(&"y".repeat(501)).is_err());
        assert!(Description::parse("two\nlines").is_ok());
    }

    #[test]
    fn colours_need_six_digits_and_a_hash_and_say_what_to_type() {
        assert_eq!(HexColor::parse("#1F5FA8").unwrap().to_string(), "#1f5fa8");
        assert!(HexColor::parse("#abc").unwrap_err().contains("#aabbcc"));
        assert!(HexColor::parse("1f5fa8").unwrap_err().contains("#1f5fa8"));
        assert!(HexColor::parse("fff").unwrap_err().contains("#ffffff"));
        assert!(HexColor::parse("blue").unwrap_err().contains("#RRGGBB"));
        assert!(HexColor::parse("#12345g").is_err());
    }

    #[test]
    fn ids_must_be_uuids() {
        assert_eq!(
            parse_uuid(" 3FA85F64-5717-4562-B3FC-2C963F66AFA6 ").unwrap(),
            "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        );
        assert!(parse_uuid("queue-1").unwrap_err().contains("not an id"));
    }

    #[test]
    fn file_sizes_stay_inside_the_limit() {
        assert!(parse_file_size_kb(10_240).is_ok());
        assert!(parse_file_size_kb(0).is_err());
        assert!(parse_file_size_kb(20_000).unwrap_err().contains("10240"));
    }
}
