//! The languages Messenger can be configured with.

/// Language codes Messenger supports for `languages` and `defaultLanguage` (lower case,
/// as the API stores them).
pub const SUPPORTED_LANGUAGES: &[&str] = &[
    "ar", "cs", "da", "de", "en-us", "es", "fi", "fr", "fr-ca", "he", "hi", "it", "ja", "ko", "nb",
    "nl", "no", "pl", "pt-br", "pt-pt", "ru", "sv", "th", "tr", "uk", "zh-cn", "zh-tw",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageCode(String);

impl LanguageCode {
    pub fn parse(text: &str) -> Result<LanguageCode, String> {
        let normalised = text.trim().to_ascii_lowercase().replace('_', "-");
        if SUPPORTED_LANGUAGES.contains(&normalised.as_str()) {
            return Ok(LanguageCode(normalised));
        }
        let hint = match normalised.as_str() {
            "en" | "en-gb" | "en-au" => " (English is en-us)".to_string(),
            "pt" => " (Portuguese is pt-br or pt-pt)".to_string(),
            "zh" => " (Chinese is zh-cn or zh-tw)".to_string(),
            _ => String::new(),
        };
        Err(format!(
            "`{}` is not a supported language{hint}; supported: {}",
            text.trim(),
            SUPPORTED_LANGUAGES.join(", ")
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_normalised_and_unsupported_ones_get_a_hint() {
        assert_eq!(LanguageCode::parse("EN_us").unwrap().as_str(), "en-us");
        assert!(LanguageCode::parse("en").unwrap_err().contains("en-us"));
        assert!(LanguageCode::parse("klingon")
            .unwrap_err()
            .contains("supported:"));
    }
}
