//! What a website really gets: the public deployment config Messenger loads (which
//! configuration version visitors are served), the snippet, the Content-Security-Policy a
//! page needs for Messenger, and a check of a live page against all three.
//!
//! These requests carry no credential: the public config and the checked page are
//! fetched with a client of their own, never the org's API client.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::genesys::region::MessengerHosts;
use crate::genesys::Environment;

/// Largest public config or page read.
const MAX_FETCH_BYTES: usize = 5 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(15);

fn public_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("webmsg-desk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("could not start an HTTP client: {e}"))
}

async fn read_capped(response: reqwest::Response, what: &str) -> Result<Vec<u8>, String> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_FETCH_BYTES as u64)
    {
        return Err(format!(
            "{what} is larger than {} MiB",
            MAX_FETCH_BYTES >> 20
        ));
    }
    let mut body = Vec::new();
    let mut stream = response;
    while let Some(chunk) = stream
        .chunk()
        .await
        .map_err(|e| format!("reading {what}: {e}"))?
    {
        if body.len() + chunk.len() > MAX_FETCH_BYTES {
            return Err(format!(
                "{what} is larger than {} MiB",
                MAX_FETCH_BYTES >> 20
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The public `config.json` of a deployment, or `None` when the CDN has none yet.
pub async fn fetch_public_config(
    environment: &Environment,
    deployment_id: &str,
) -> Result<Option<Value>, String> {
    let url = environment.public_config_url(deployment_id);
    let response = public_client()?
        .get(url.clone())
        .send()
        .await
        .map_err(|e| format!("could not fetch {url}: {e}"))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::FORBIDDEN {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(format!("{url} answered HTTP {status}"));
    }
    let body = read_capped(response, "the public config").await?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| format!("{url} is not JSON: {e}"))
}

/// The snippet a page embeds: the deployment's own when the API gives one, else the
/// documented form for the region.
pub fn snippet(environment: &Environment, deployment_id: &str, from_api: Option<&str>) -> String {
    if let Some(snippet) = from_api.filter(|s| !s.trim().is_empty()) {
        return snippet.to_string();
    }
    let hosts = environment.messenger_hosts();
    let messenger_environment = match environment {
        Environment::Region(region) => region.messenger_environment.unwrap_or(region.name),
        Environment::Loopback(_) => "sandbox",
    };
    format!(
        "<script type=\"text/javascript\" charset=\"utf-8\">\n  (function (g, e, n, es, ys) {{\n    g['_genesysJs'] = e;\n    g[e] = g[e] || function () {{ (g[e].q = g[e].q || []).push(arguments) }};\n    g[e].t = 1 * new Date();\n    g[e].c = es;\n    ys = document.createElement('script'); ys.async = 1; ys.src = n; ys.charset = 'utf-8'; document.head.appendChild(ys);\n  }})(window, 'Genesys', '{}', {{\n    environment: '{messenger_environment}',\n    deploymentId: '{deployment_id}'\n  }});\n</script>",
        hosts.script
    )
}

/// The CSP directives Messenger needs, as `(directive, sources)`.
pub fn csp_requirements(hosts: &MessengerHosts) -> Vec<(&'static str, Vec<String>)> {
    let origin_of = |url: &str| match url::Url::parse(url) {
        Ok(url) => url.origin().ascii_serialization(),
        Err(_) => url.to_string(),
    };
    let script = origin_of(&hosts.script);
    vec![
        ("script-src", vec![script.clone()]),
        (
            "connect-src",
            vec![
                hosts.api.clone(),
                hosts.cdn.clone(),
                hosts.socket.clone(),
                script.clone(),
            ],
        ),
        ("frame-src", vec![script.clone()]),
        ("img-src", vec![hosts.cdn.clone(), script.clone()]),
        ("style-src", vec![script.clone(), "'unsafe-inline'".into()]),
        ("font-src", vec![script]),
    ]
}

/// The CSP lines for a site: one per directive, ready to merge into a policy.
pub fn csp_lines(hosts: &MessengerHosts) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for (directive, sources) in csp_requirements(hosts) {
        let mut unique: Vec<String> = Vec::new();
        for source in sources {
            if !unique.contains(&source) {
                unique.push(source);
            }
        }
        lines.push(format!("{directive} {};", unique.join(" ")));
    }
    lines
}

/// A parsed policy: directive → sources.
fn parse_policy(policy: &str) -> Vec<(String, Vec<String>)> {
    policy
        .split(';')
        .filter_map(|part| {
            let mut words = part.split_whitespace();
            let name = words.next()?.to_ascii_lowercase();
            Some((name, words.map(str::to_string).collect()))
        })
        .collect()
}

/// Whether a CSP source list admits `target` (an origin such as `wss://host`) on a page
/// whose own origin is `page_origin`.
fn sources_allow(sources: &[String], target: &str, page_origin: &str) -> bool {
    let Ok(target_url) = url::Url::parse(target) else {
        return false;
    };
    let scheme = target_url.scheme();
    let host = target_url.host_str().unwrap_or("").to_ascii_lowercase();
    sources.iter().any(|source| {
        let source = source.trim().to_ascii_lowercase();
        if source == "*" {
            // `*` covers http(s) and, since CSP3, ws(s) on any host.
            return true;
        }
        if source == "'self'" {
            return url::Url::parse(page_origin)
                .map(|page| page.origin() == target_url.origin())
                .unwrap_or(false);
        }
        if let Some(only_scheme) = source.strip_suffix(':') {
            if !only_scheme.contains('/') {
                return only_scheme == scheme
                    || (only_scheme == "https" && scheme == "wss")
                    || (only_scheme == "http" && scheme == "ws");
            }
        }
        let (source_scheme, rest) = match source.split_once("://") {
            Some((s, rest)) => (Some(s.to_string()), rest.to_string()),
            None => (None, source.clone()),
        };
        if let Some(source_scheme) = &source_scheme {
            let compatible = source_scheme == scheme
                || (source_scheme == "https" && scheme == "wss")
                || (source_scheme == "http" && scheme == "ws");
            if !compatible {
                return false;
            }
        }
        let source_host = rest.split(['/', ':']).next().unwrap_or("");
        match source_host.strip_prefix("*.") {
            Some(parent) => host.ends_with(&format!(".{parent}")),
            None => source_host == host,
        }
    })
}

/// One requirement of the page check.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageCheck {
    pub url: String,
    pub checks: Vec<Check>,
    /// The policy found (header and meta tags joined), if any.
    pub content_security_policy: Option<String>,
}

impl PageCheck {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.ok)
    }
}

/// Fetches `page_url` (no credentials) and checks it against the deployment: its host in
/// the allowed domains, this deployment's snippet on it, and a CSP that lets Messenger
/// load and connect.
pub async fn check_page(
    environment: &Environment,
    deployment_id: &str,
    allowed: &AllowedDomains,
    page_url: &str,
) -> Result<PageCheck, String> {
    let url = url::Url::parse(page_url).map_err(|e| format!("`{page_url}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{page_url}` is not an http(s) page"));
    }
    let response = public_client()?
        .get(url.clone())
        .send()
        .await
        .map_err(|e| format!("could not fetch {url}: {e}"))?;
    let status = response.status();
    let header_policy: Vec<String> = response
        .headers()
        .get_all("content-security-policy")
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_string))
        .collect();
    let final_url = response.url().clone();
    let body = read_capped(response, "the page").await?;
    let html = String::from_utf8_lossy(&body);
    let mut checks = Vec::new();
    checks.push(Check {
        what: "page loads".into(),
        ok: status.is_success(),
        detail: format!("HTTP {status}"),
    });
    let host = final_url.host_str().unwrap_or("").to_ascii_lowercase();
    let host_allowed = allowed.allows(&host);
    checks.push(Check {
        what: "host in allowed domains".into(),
        ok: host_allowed,
        detail: if allowed.allow_all {
            "the deployment allows every domain".into()
        } else if host_allowed {
            format!("{host} is allowed")
        } else {
            format!(
                "{host} is not in the allowed domains ({})",
                allowed.domains.join(", ")
            )
        },
    });
    let has_snippet = html.contains(deployment_id);
    let has_bootstrap = html.contains("genesys-bootstrap") || html.contains("_genesysJs");
    checks.push(Check {
        what: "snippet of this deployment".into(),
        ok: has_snippet && has_bootstrap,
        detail: match (has_bootstrap, has_snippet) {
            (true, true) => "the page loads Messenger with this deployment id".into(),
            (true, false) => "the page loads Messenger, but for another deployment".into(),
            (false, _) => "the page does not load Messenger".into(),
        },
    });
    let meta_policies = meta_policies(&html);
    let policies: Vec<String> = header_policy.into_iter().chain(meta_policies).collect();
    let page_origin = final_url.origin().ascii_serialization();
    let hosts = environment.messenger_hosts();
    if policies.is_empty() {
        checks.push(Check {
            what: "Content-Security-Policy".into(),
            ok: true,
            detail: "no policy: nothing blocks Messenger".into(),
        });
    }
    for policy in &policies {
        let parsed = parse_policy(policy);
        let sources_of = |directive: &str| -> Option<&Vec<String>> {
            parsed
                .iter()
                .find(|(name, _)| name == directive)
                .or_else(|| parsed.iter().find(|(name, _)| name == "default-src"))
                .map(|(_, sources)| sources)
        };
        for (directive, targets) in csp_requirements(&hosts) {
            if directive == "style-src" || directive == "font-src" || directive == "img-src" {
                // Blocked styles, fonts or images degrade Messenger; blocked scripts,
                // frames and connections break it. Only the latter fail the check.
                continue;
            }
            let Some(sources) = sources_of(directive) else {
                continue;
            };
            let blocked: Vec<&String> = targets
                .iter()
                .filter(|target| !sources_allow(sources, target, &page_origin))
                .collect();
            checks.push(Check {
                what: format!("CSP {directive}"),
                ok: blocked.is_empty(),
                detail: if blocked.is_empty() {
                    "allows Messenger".into()
                } else {
                    format!(
                        "blocks {}",
                        blocked
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            });
        }
    }
    Ok(PageCheck {
        url: final_url.to_string(),
        checks,
        content_security_policy: (!policies.is_empty()).then(|| policies.join(" | ")),
    })
}

fn meta_policies(html: &str) -> Vec<String> {
    // Attribute order and quoting vary; this catches the forms pages use.
    let pattern = regex::Regex::new(
        r#"(?is)<meta[^>]+http-equiv\s*=\s*["']content-security-policy["'][^>]*content\s*=\s*["']([^"']*)["']"#,
    );
    let Ok(pattern) = pattern else {
        return Vec::new();
    };
    pattern
        .captures_iter(html)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .collect()
}

/// A deployment's domain rule.
#[derive(Debug, Clone, Default)]
pub struct AllowedDomains {
    pub allow_all: bool,
    pub domains: Vec<String>,
}

impl AllowedDomains {
    pub fn allows(&self, host: &str) -> bool {
        if self.allow_all {
            return true;
        }
        let host = host.to_ascii_lowercase();
        self.domains.iter().any(|entry| {
            let entry = entry.trim().to_ascii_lowercase();
            let entry = entry
                .split_once("://")
                .map(|(_, rest)| rest.to_string())
                .unwrap_or(entry);
            let entry = entry.split(['/', ':']).next().unwrap_or("").to_string();
            // A plain entry covers its subdomains too, as Messenger's own check does;
            // `*.` covers the subdomains only.
            match entry.strip_prefix("*.") {
                Some(parent) => host.ends_with(&format!(".{parent}")),
                None => host == entry || host.ends_with(&format!(".{entry}")),
            }
        })
    }

    /// An `Origin` a visitor's browser on the first allowed domain would send.
    pub fn first_origin(&self) -> Option<String> {
        if self.allow_all {
            return None;
        }
        self.domains.first().map(|entry| {
            let entry = entry.trim();
            let host = entry.trim_start_matches("*.");
            if host.contains("://") {
                host.trim_end_matches('/').to_string()
            } else {
                format!("https://{}", host.trim_end_matches('/'))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_sources_match_as_browsers_do() {
        let page = "https://shop.example.com";
        let sources = |text: &str| {
            text.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert!(sources_allow(
            &sources("https://api.mypurecloud.ie"),
            "https://api.mypurecloud.ie",
            page
        ));
        assert!(sources_allow(
            &sources("*.mypurecloud.ie"),
            "wss://webmessaging.mypurecloud.ie",
            page
        ));
        assert!(sources_allow(
            &sources("https:"),
            "wss://webmessaging.mypurecloud.ie",
            page
        ));
        assert!(sources_allow(
            &sources("*"),
            "https://apps.mypurecloud.ie",
            page
        ));
        assert!(!sources_allow(
            &sources("'self'"),
            "https://apps.mypurecloud.ie",
            page
        ));
        assert!(sources_allow(
            &sources("'self'"),
            "https://shop.example.com",
            page
        ));
        assert!(!sources_allow(
            &sources("http://api.mypurecloud.ie"),
            "https://api.mypurecloud.ie",
            page
        ));
        assert!(!sources_allow(
            &sources("https://mypurecloud.ie"),
            "https://api.mypurecloud.ie",
            page
        ));
    }

    #[test]
    fn csp_lines_name_every_messenger_host_of_the_region() {
        let environment = Environment::parse("eu-west-1").unwrap();
        let lines = csp_lines(&environment.messenger_hosts()).join("\n");
        for host in [
            "https://apps.mypurecloud.ie",
            "https://api.mypurecloud.ie",
            "https://api-cdn.mypurecloud.ie",
            "wss://webmessaging.mypurecloud.ie",
        ] {
            assert!(lines.contains(host), "{host} missing from\n{lines}");
        }
        assert!(lines.starts_with("script-src https://apps.mypurecloud.ie;"));
    }

    #[test]
    fn allowed_domains_match_hosts_and_wildcards() {
        let allowed = AllowedDomains {
            allow_all: false,
            domains: vec![
                "www.example.com".into(),
                "*.shop.example".into(),
                "https://support.example.com/".into(),
            ],
        };
        assert!(allowed.allows("www.example.com"));
        assert!(allowed.allows("eu.shop.example"));
        assert!(allowed.allows("support.example.com"));
        assert!(
            allowed.allows("eu.www.example.com"),
            "a plain entry covers subdomains"
        );
        assert!(
            !allowed.allows("shop.example"),
            "a wildcard covers subdomains only"
        );
        assert!(!allowed.allows("example.com"));
        assert!(!allowed.allows("notwww.example.com"));
        assert!(!allowed.allows("evil.com"));
        assert_eq!(
            allowed.first_origin().as_deref(),
            Some("https://www.example.com")
        );
    }
}
