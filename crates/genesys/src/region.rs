//! The official Genesys Cloud regions and where a connection may point.
//!
//! Invariant: a [`Environment`] only ever holds an official region or a loopback URL.
//! Credentials and tokens are sent to nothing else, so an override that names some other
//! host is refused here, before any request exists.

use std::fmt;
use std::net::IpAddr;

use url::Url;

/// One row of the official region table (SDK 269 has 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// AWS-style name, e.g. `eu-west-1`: what profiles store.
    pub name: &'static str,
    /// Human label for pickers, e.g. `EU (Ireland)`.
    pub label: &'static str,
    /// The base domain: API host is `api.{domain}`, login host `login.{domain}`.
    pub domain: &'static str,
    /// The service-discovery name (Messenger snippets' `environment`), where published.
    pub messenger_environment: Option<&'static str>,
}

macro_rules! region {
    ($name:literal, $label:literal, $domain:literal, $env:literal) => {
        Region {
            name: $name,
            label: $label,
            domain: $domain,
            messenger_environment: Some($env),
        }
    };
    ($name:literal, $label:literal, $domain:literal) => {
        Region {
            name: $name,
            label: $label,
            domain: $domain,
            messenger_environment: None,
        }
    };
}

/// Every region the public SDKs know, in the contract's order.
pub const REGIONS: &[Region] = &[
    region!("us-east-1", "Americas (US East)", "mypurecloud.com", "prod"),
    region!(
        "us-east-2",
        "Americas (US East 2, FedRAMP)",
        "use2.us-gov-pure.cloud",
        "fedramp-use2-core"
    ),
    region!(
        "us-west-2",
        "Americas (US West)",
        "usw2.pure.cloud",
        "prod-usw2"
    ),
    region!(
        "ca-central-1",
        "Americas (Canada)",
        "cac1.pure.cloud",
        "prod-cac1"
    ),
    region!(
        "sa-east-1",
        "Americas (São Paulo)",
        "sae1.pure.cloud",
        "prod-sae1"
    ),
    region!(
        "mx-central-1",
        "Americas (Mexico)",
        "mxc1.pure.cloud",
        "prod-mxc1"
    ),
    region!("eu-west-1", "EMEA (Dublin)", "mypurecloud.ie", "prod-euw1"),
    region!("eu-west-2", "EMEA (London)", "euw2.pure.cloud", "prod-euw2"),
    region!(
        "eu-central-1",
        "EMEA (Frankfurt)",
        "mypurecloud.de",
        "prod-euc1"
    ),
    region!(
        "eu-central-2",
        "EMEA (Zurich)",
        "euc2.pure.cloud",
        "prod-euc2"
    ),
    region!(
        "eusc-de-east-1",
        "EMEA (EU Sovereign Cloud)",
        "edee1.eusc-pure.cloud"
    ),
    region!("me-central-1", "EMEA (UAE)", "mec1.pure.cloud", "prod-mec1"),
    region!(
        "ap-south-1",
        "Asia Pacific (Mumbai)",
        "aps1.pure.cloud",
        "prod-aps1"
    ),
    region!(
        "ap-southeast-1",
        "Asia Pacific (Jakarta)",
        "apse1.pure.cloud",
        "prod-apse1"
    ),
    region!(
        "ap-southeast-2",
        "Asia Pacific (Sydney)",
        "mypurecloud.com.au",
        "prod-apse2"
    ),
    region!(
        "ap-northeast-1",
        "Asia Pacific (Tokyo)",
        "mypurecloud.jp",
        "prod-apne1"
    ),
    region!(
        "ap-northeast-2",
        "Asia Pacific (Seoul)",
        "apne2.pure.cloud",
        "prod-apne2"
    ),
    region!(
        "ap-northeast-3",
        "Asia Pacific (Osaka)",
        "apne3.pure.cloud",
        "prod-apne3"
    ),
];

impl Region {
    /// Finds a region by any of the spellings admins paste: `eu-west-1`, `eu_west_1`
    /// (SDK enum), `mypurecloud.ie`, `api.mypurecloud.ie`, `login.mypurecloud.ie`, or a
    /// service-discovery name such as `prod-euw1`.
    pub fn find(text: &str) -> Option<&'static Region> {
        let wanted = text.trim().trim_end_matches('/').to_ascii_lowercase();
        let wanted = wanted
            .strip_prefix("https://")
            .unwrap_or(&wanted)
            .to_string();
        let host = wanted
            .strip_prefix("api.")
            .or_else(|| wanted.strip_prefix("login."))
            .or_else(|| wanted.strip_prefix("apps."))
            .unwrap_or(&wanted);
        let dashed = host.replace('_', "-");
        REGIONS.iter().find(|region| {
            region.name == dashed
                || region.domain == host
                || region.messenger_environment == Some(host)
        })
    }

    pub fn api_base(&self) -> Url {
        https_url(&format!("https://api.{}", self.domain))
    }

    pub fn login_base(&self) -> Url {
        https_url(&format!("https://login.{}", self.domain))
    }
}

fn https_url(text: &str) -> Url {
    // The table is a compile-time constant of valid host names; parsing cannot fail, and a
    // test parses every row.
    Url::parse(text).unwrap_or_else(|_| unreachable!("region table holds valid hosts"))
}

/// Where a connection points: an official region, or a Sandbox on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    Region(&'static Region),
    /// A loopback base URL serving both `/oauth/token` and `/api/v2` (the Sandbox).
    Loopback(Url),
}

/// Where a page embedding Messenger connects, by role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessengerHosts {
    /// The bootstrap script the snippet loads.
    pub script: String,
    pub api: String,
    pub cdn: String,
    pub socket: String,
    /// The region's apps host, which serves Messenger's own assets.
    pub apps: String,
}

/// Why an environment string was refused. Each message says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvironmentError {
    #[error(
        "unknown Genesys Cloud region `{given}`; valid regions: {}",
        region_names()
    )]
    UnknownRegion { given: String },
    #[error("`{given}` is not a valid URL: {reason}")]
    InvalidUrl { given: String, reason: String },
    #[error(
        "refusing to send credentials to `{given}`: a base-URL override must be a loopback \
         address (127.0.0.1, ::1 or localhost) such as the Sandbox, or https on an official \
         Genesys Cloud host; valid regions: {}",
        region_names()
    )]
    UntrustedHost { given: String },
}

fn region_names() -> String {
    REGIONS
        .iter()
        .map(|region| region.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Environment {
    /// Parses what a profile or `GENESYS_ENVIRONMENT` holds: a region name or domain, an
    /// https URL on an official host, or a loopback http(s) URL.
    pub fn parse(text: &str) -> Result<Environment, EnvironmentError> {
        let trimmed = text.trim();
        if !trimmed.contains("://") {
            return Region::find(trimmed)
                .map(Environment::Region)
                .ok_or_else(|| EnvironmentError::UnknownRegion {
                    given: trimmed.to_string(),
                });
        }
        let url = Url::parse(trimmed).map_err(|error| EnvironmentError::InvalidUrl {
            given: trimmed.to_string(),
            reason: error.to_string(),
        })?;
        if is_loopback(&url) && matches!(url.scheme(), "http" | "https") {
            let mut base = url;
            base.set_query(None);
            base.set_fragment(None);
            if !base.path().ends_with('/') {
                let path = format!("{}/", base.path());
                base.set_path(&path);
            }
            return Ok(Environment::Loopback(base));
        }
        let official = url.scheme() == "https"
            && url.port().is_none()
            && matches!(url.path(), "" | "/")
            && url.username().is_empty();
        match (official, url.host_str().and_then(Region::find)) {
            (true, Some(region)) => Ok(Environment::Region(region)),
            _ => Err(EnvironmentError::UntrustedHost {
                given: trimmed.to_string(),
            }),
        }
    }

    pub fn api_base(&self) -> Url {
        match self {
            Environment::Region(region) => region.api_base(),
            Environment::Loopback(url) => url.clone(),
        }
    }

    pub fn login_base(&self) -> Url {
        match self {
            Environment::Region(region) => region.login_base(),
            Environment::Loopback(url) => url.clone(),
        }
    }

    /// The Guest WebSocket a website visitor talks to: `wss://webmessaging.{domain}/v1`,
    /// or the Sandbox's own port. No credential is ever sent there.
    pub fn guest_socket_url(&self, deployment_id: &str) -> Url {
        let mut url = match self {
            Environment::Region(region) => {
                https_url(&format!("https://webmessaging.{}/v1", region.domain))
            }
            Environment::Loopback(base) => base.join("v1").unwrap_or_else(|_| base.clone()),
        };
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        // Both are special schemes of the same kind, so the change cannot be refused.
        let _ = url.set_scheme(scheme);
        url.query_pairs_mut()
            .append_pair("deploymentId", deployment_id);
        url
    }

    /// Whether a notification channel's `connectUri` may be followed: the region's
    /// `wss://streaming.{domain}`, or, for a Sandbox, the Sandbox's own host and port.
    pub fn accepts_streaming_url(&self, url: &Url) -> bool {
        match self {
            Environment::Region(region) => {
                url.scheme() == "wss"
                    && url.host_str() == Some(format!("streaming.{}", region.domain).as_str())
            }
            Environment::Loopback(base) => {
                matches!(url.scheme(), "ws" | "wss")
                    && url.host_str() == base.host_str()
                    && url.port_or_known_default() == base.port_or_known_default()
            }
        }
    }

    /// The public deployment config Messenger loads before anything else:
    /// `https://api-cdn.{domain}/webdeployments/v1/deployments/{id}/config.json`.
    pub fn public_config_url(&self, deployment_id: &str) -> Url {
        let path = format!("webdeployments/v1/deployments/{deployment_id}/config.json");
        let base = match self {
            Environment::Region(region) => {
                https_url(&format!("https://api-cdn.{}/", region.domain))
            }
            Environment::Loopback(base) => base.clone(),
        };
        base.join(&path).unwrap_or(base)
    }

    /// The hosts a page's Content-Security-Policy must allow for Messenger here.
    pub fn messenger_hosts(&self) -> MessengerHosts {
        match self {
            Environment::Region(region) => MessengerHosts {
                script: format!(
                    "https://apps.{}/genesys-bootstrap/genesys.min.js",
                    region.domain
                ),
                api: format!("https://api.{}", region.domain),
                cdn: format!("https://api-cdn.{}", region.domain),
                socket: format!("wss://webmessaging.{}", region.domain),
                apps: format!("https://apps.{}", region.domain),
            },
            Environment::Loopback(base) => {
                let origin = base.as_str().trim_end_matches('/').to_string();
                MessengerHosts {
                    script: format!("{origin}/genesys-bootstrap/genesys.min.js"),
                    api: origin.clone(),
                    cdn: origin.clone(),
                    socket: origin.replacen("http", "ws", 1),
                    apps: origin,
                }
            }
        }
    }

    pub fn is_sandbox(&self) -> bool {
        matches!(self, Environment::Loopback(_))
    }

    /// What profiles store and the UI shows.
    pub fn as_setting(&self) -> String {
        match self {
            Environment::Region(region) => region.name.to_string(),
            Environment::Loopback(url) => url.as_str().trim_end_matches('/').to_string(),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Region(region) => write!(formatter, "{} ({})", region.name, region.domain),
            Environment::Loopback(url) => write!(formatter, "Sandbox at {url}"),
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_has_valid_hosts_and_a_unique_name() {
        assert_eq!(REGIONS.len(), 18);
        for region in REGIONS {
            assert_eq!(
                region.api_base().host_str(),
                Some(&*format!("api.{}", region.domain))
            );
            assert_eq!(region.login_base().scheme(), "https");
            assert_eq!(
                REGIONS
                    .iter()
                    .filter(|other| other.name == region.name)
                    .count(),
                1
            );
        }
    }

    #[test]
    fn regions_are_found_by_every_common_spelling() {
        for spelling in [
            "eu-west-1",
            "EU_WEST_1",
            "mypurecloud.ie",
            "api.mypurecloud.ie",
            "login.mypurecloud.ie",
            "prod-euw1",
            "https://api.mypurecloud.ie/",
        ] {
            assert_eq!(
                Region::find(spelling).map(|r| r.name),
                Some("eu-west-1"),
                "{spelling}"
            );
        }
    }

    #[test]
    fn unknown_region_error_lists_the_valid_ones() {
        let error = Environment::parse("eu-west-9").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("eu-west-9"));
        assert!(message.contains("us-east-1") && message.contains("ap-northeast-3"));
    }

    #[test]
    fn loopback_overrides_are_accepted_in_every_form() {
        for text in [
            "http://127.0.0.1:8080",
            "http://localhost:9/",
            "http://[::1]:7000",
            "https://127.0.0.2:1",
        ] {
            let environment = Environment::parse(text).unwrap();
            assert!(environment.is_sandbox(), "{text}");
            assert!(environment.api_base().as_str().ends_with('/'));
        }
    }

    #[test]
    fn non_loopback_http_and_foreign_hosts_are_refused() {
        for text in [
            "http://api.mypurecloud.com",
            "http://10.0.0.5:8080",
            "https://evil.example.com",
            "https://api.mypurecloud.com.evil.example",
            "https://api.mypurecloud.com:8443",
            "https://user@api.mypurecloud.com",
            "ftp://127.0.0.1",
        ] {
            let error = Environment::parse(text).unwrap_err();
            assert!(
                matches!(error, EnvironmentError::UntrustedHost { .. }),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn visitor_hosts_follow_the_region_and_the_sandbox_port() {
        let region = Environment::parse("eu-west-1").unwrap();
        assert_eq!(
            region.guest_socket_url("d-1").as_str(),
            "wss://webmessaging.mypurecloud.ie/v1?deploymentId=d-1"
        );
        assert_eq!(
            region.public_config_url("d-1").as_str(),
            "https://api-cdn.mypurecloud.ie/webdeployments/v1/deployments/d-1/config.json"
        );
        let sandbox = Environment::parse("http://127.0.0.1:8089").unwrap();
        assert_eq!(
            sandbox.guest_socket_url("d-1").as_str(),
            "ws://127.0.0.1:8089/v1?deploymentId=d-1"
        );
        assert_eq!(
            sandbox.public_config_url("d-1").as_str(),
            "http://127.0.0.1:8089/webdeployments/v1/deployments/d-1/config.json"
        );
    }

    #[test]
    fn https_on_an_official_host_maps_to_its_region() {
        let environment = Environment::parse("https://api.usw2.pure.cloud").unwrap();
        assert_eq!(
            environment,
            Environment::Region(Region::find("us-west-2").unwrap())
        );
        assert_eq!(
            environment.login_base().as_str(),
            "https://login.usw2.pure.cloud/"
        );
    }
}
