//! Typed bodies of the endpoints in the API contract, named as Genesys names them.
//!
//! Invariants every model keeps:
//! - fields the contract marks optional are `Option` and are omitted, never sent as null
//!   (Genesys omits nulls and the official SDKs choke on them);
//! - every object keeps the fields it does not model in `extra`, so what we read, export
//!   and write back loses nothing;
//! - enums keep values they do not know in an `Other` variant instead of failing.

pub mod analytics;
pub mod audits;
pub mod catalog;
pub mod common;
pub mod conversations;
pub mod deployments;
pub mod flows;
pub mod notifications;
pub mod routing;
pub mod webdeployments;

pub use analytics::*;
pub use audits::*;
pub use catalog::*;
pub use common::*;
pub use conversations::*;
pub use deployments::*;
pub use flows::*;
pub use notifications::{AvailableTopic, ChannelTopic, NotificationChannel, NotificationEvent};
pub use routing::*;
pub use webdeployments::*;

/// Declares a string enum that round-trips values it does not know.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this build does not know; kept as sent.
            Other(String),
        }

        impl $name {
            /// Every value this build knows, in contract order.
            pub const KNOWN: &'static [&'static str] = &[$($text),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from(text.as_ref()))
            }
        }
    };
}
pub(crate) use open_enum;

/// The map every model flattens its unknown fields into.
pub type Extra = serde_json::Map<String, serde_json::Value>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_keep_unknown_values() {
        let status: DeploymentStatus = serde_json::from_str("\"Hibernating\"").unwrap();
        assert_eq!(status, DeploymentStatus::Other("Hibernating".into()));
        assert_eq!(serde_json::to_string(&status).unwrap(), "\"Hibernating\"");
        let active: DeploymentStatus = serde_json::from_str("\"Active\"").unwrap();
        assert_eq!(active, DeploymentStatus::Active);
    }

    #[test]
    fn unknown_fields_survive_a_round_trip_at_every_level() {
        let text = r##"{"name":"Site","futureFlag":true,
            "messenger":{"enabled":true,"newBlock":{"x":1},
              "styles":{"primaryColor":"#112233","secondaryColor":"#ffffff"},
              "apps":{"conversations":{"enabled":true,"brandNewSetting":"on"}}}}"##;
        let version: WebDeploymentConfigurationVersion = serde_json::from_str(text).unwrap();
        let back = serde_json::to_value(&version).unwrap();
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(back, original);
    }

    #[test]
    fn absent_optionals_are_omitted_not_null() {
        let version = WebDeploymentConfigurationVersion {
            name: "Only a name".into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&version).unwrap(),
            r#"{"name":"Only a name"}"#
        );
    }
}
