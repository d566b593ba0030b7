//! Allowed domains of a deployment, normalised the way the API stores them: a host name,
//! lower case, no scheme, path or port; a leading `*.` wildcard allowed.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedDomain(String);

impl AllowedDomain {
    /// Accepts what admins paste (`https://Shop.Example.com:443/cart`) and keeps the host.
    pub fn parse(text: &str) -> Result<AllowedDomain, String> {
        let original = text.trim();
        let mut host = original.to_ascii_lowercase();
        if let Some((_, rest)) = host.split_once("://") {
            host = rest.to_string();
        }
        if let Some(index) = host.find(['/', '?', '#']) {
            host.truncate(index);
        }
        if let Some((_, rest)) = host.rsplit_once('@') {
            host = rest.to_string();
        }
        if let Some((name, port)) = host.rsplit_once(':') {
            if port.chars().all(|c| c.is_ascii_digit()) {
                host = name.to_string();
            }
        }
        let host = host.trim_end_matches('.').to_string();
        if host.is_empty() {
            return Err(format!(
                "`{original}` has no host name; write a domain such as shop.example.com"
            ));
        }
        let (wildcard, bare) = match host.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, host.as_str()),
        };
        if bare.contains('*') {
            return Err(format!(
                "`{original}`: a wildcard is only allowed as the first label, as in *.example.com"
            ));
        }
        if host.len() > 253 {
            return Err(format!("`{original}` is longer than 253 characters"));
        }
        let labels: Vec<&str> = bare.split('.').collect();
        if !wildcard && labels.len() == 1 && bare != "localhost" {
            return Err(format!(
                "`{original}` is not a full domain; add its top-level domain, as in {bare}.com"
            ));
        }
        for label in &labels {
            let valid = !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !valid {
                return Err(format!("`{original}` has an invalid label `{label}`; use letters, digits and inner hyphens"));
            }
        }
        if wildcard && labels.len() < 2 {
            return Err(format!(
                "`{original}`: a wildcard needs a domain under it, as in *.example.com"
            ));
        }
        Ok(AllowedDomain(host))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_urls_are_normalised_to_their_host() {
        for (text, expected) in [
            ("https://Shop.Example.com:443/cart?x=1", "shop.example.com"),
            ("www.example.com.", "www.example.com"),
            ("*.Example.com", "*.example.com"),
            ("http://user@example.org", "example.org"),
            ("localhost:3000", "localhost"),
        ] {
            assert_eq!(
                AllowedDomain::parse(text).unwrap().as_str(),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn bad_domains_say_why() {
        assert!(AllowedDomain::parse("").unwrap_err().contains("no host"));
        assert!(AllowedDomain::parse("shop.*.example.com")
            .unwrap_err()
            .contains("first label"));
        assert!(AllowedDomain::parse("*.com")
            .unwrap_err()
            .contains("wildcard"));
        assert!(AllowedDomain::parse("intranet")
            .unwrap_err()
            .contains("top-level"));
        assert!(AllowedDomain::parse("bad_label.example.com")
            .unwrap_err()
            .contains("bad_label"));
        assert!(AllowedDomain::parse("-x.example.com").is_err());
    }
}
