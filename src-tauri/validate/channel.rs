//! The rules for a whole channel (configuration version + deployment), applied the same
//! way to CLI flags, the editor and imported files. Checking also normalises in place
//! (trimmed names, lower-case colours and languages, bare domains), so what is sent is
//! what was checked.

use serde::Serialize;

use crate::genesys::models::{
    CustomI18nLabels, LabelKey, MessengerSettings, WebDeployment, WebDeploymentConfigurationVersion,
};

use super::lint::Lint;
use super::{
    parse_file_size_kb, parse_uuid, AllowedDomain, ChannelName, ContrastReport, Description,
    HexColor, LanguageCode, ValidationErrors, ATTACHMENT_TYPES,
};

/// What a check found: errors block sending; warnings are shown.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub errors: ValidationErrors,
    pub warnings: Vec<String>,
    /// Documented traps (see [`super::lint_channel`]): shown, never blocking.
    pub lints: Vec<Lint>,
    /// Boxed: a report is the error of a refused check, and stays small to move.
    pub contrast: Option<Box<ContrastReport>>,
}

impl CheckReport {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn merge(&mut self, other: CheckReport) {
        self.errors.0.extend(other.errors.0);
        self.warnings.extend(other.warnings);
        for lint in other.lints {
            if !self.lints.contains(&lint) {
                self.lints.push(lint);
            }
        }
        self.contrast = self.contrast.take().or(other.contrast);
    }
}

/// Checks and normalises a configuration version.
pub fn check_configuration(configuration: &mut WebDeploymentConfigurationVersion) -> CheckReport {
    let mut report = CheckReport::default();
    let errors = &mut report.errors;
    if let Some(name) = errors.take("name", ChannelName::parse(&configuration.name)) {
        configuration.name = name.as_str().to_string();
    }
    if let Some(description) = &configuration.description {
        if let Some(parsed) = errors.take("description", Description::parse(description)) {
            configuration.description = Some(parsed.as_str().to_string());
        }
    }

    let languages = check_languages(configuration, errors);
    let labels = configuration.custom_i18n_labels.clone();
    if let Some(messenger) = configuration.messenger.as_mut() {
        if let Some(contrast) = check_primary_color(messenger, &mut report) {
            report.contrast = Some(Box::new(contrast));
        }
        check_uploads(messenger, &mut report.errors);
        // One language set is enough, the default language's (see check_push_labels).
        let label_language: Vec<String> = configuration
            .default_language
            .clone()
            .or_else(|| languages.first().cloned())
            .into_iter()
            .collect();
        check_push_labels(
            messenger,
            labels.as_deref(),
            &label_language,
            &mut report.errors,
        );
    }
    check_published_schema(configuration, &mut report.errors);
    report.lints = super::lint_channel(configuration, None, false);
    report
}

/// The published request schema, as the API applies it (closed enums, types, required
/// fields of every block): what Genesys would refuse is refused here, before a request.
fn check_published_schema(
    configuration: &WebDeploymentConfigurationVersion,
    errors: &mut ValidationErrors,
) {
    let Ok(body) = serde_json::to_value(configuration.writable()) else {
        return;
    };
    // The schema names only its first violation, and less precisely than the rules
    // above, so it speaks only when they found nothing.
    if !errors.is_empty() {
        return;
    }
    if let Err(violation) =
        crate::genesys::schema::check(&crate::genesys::schema::CONFIGURATION_VERSION, &body)
    {
        errors.push(violation.field, violation.message);
    }
}

/// Languages (each supported, none twice) and the default one; returns them normalised.
fn check_languages(
    configuration: &mut WebDeploymentConfigurationVersion,
    errors: &mut ValidationErrors,
) -> Vec<String> {
    let messenger_enabled = configuration
        .messenger
        .as_ref()
        .and_then(|m| m.enabled)
        .unwrap_or(false);
    let mut languages = Vec::new();
    for (index, language) in configuration.languages.iter().flatten().enumerate() {
        if let Some(parsed) = errors.take(
            &format!("languages[{index}]"),
            LanguageCode::parse(language),
        ) {
            if languages.contains(&parsed.as_str().to_string()) {
                errors.push(
                    format!("languages[{index}]"),
                    format!("`{}` is listed twice", parsed.as_str()),
                );
            } else {
                languages.push(parsed.as_str().to_string());
            }
        }
    }
    if configuration.languages.is_some() {
        configuration.languages = Some(languages.clone());
    }
    if messenger_enabled && configuration.languages.as_ref().is_none_or(Vec::is_empty) {
        errors.push(
            "languages",
            "at least one language is required when the Messenger is enabled, e.g. en-us",
        );
    }
    match &configuration.default_language {
        Some(default) => {
            if let Some(parsed) = errors.take("defaultLanguage", LanguageCode::parse(default)) {
                // Unverified: no public source shows Genesys refusing a default language
                // outside the list; Messenger could not show it, so the strict reading.
                if !languages.is_empty() && !languages.contains(&parsed.as_str().to_string()) {
                    errors.push(
                        "defaultLanguage",
                        format!(
                            "`{}` must be one of the languages ({})",
                            parsed.as_str(),
                            languages.join(", ")
                        ),
                    );
                }
                configuration.default_language = Some(parsed.as_str().to_string());
            }
        }
        None if messenger_enabled => errors.push(
            "defaultLanguage",
            "is required when the Messenger is enabled; pick one of the languages",
        ),
        None => {}
    }

    languages
}

/// The primary colour, and a warning when white text on it is hard to read.
fn check_primary_color(
    messenger: &mut MessengerSettings,
    report: &mut CheckReport,
) -> Option<ContrastReport> {
    let errors = &mut report.errors;
    let styles = messenger.styles.as_mut()?;
    let color = styles.primary_color.clone()?;
    let parsed = errors.take("messenger.styles.primaryColor", HexColor::parse(&color))?;
    styles.primary_color = Some(parsed.to_string());
    let contrast = ContrastReport::for_primary(parsed);
    if !contrast.passes_aa {
        report.warnings.push(format!(
            "messenger.styles.primaryColor: text on {} has a contrast of {:.2}:1, below WCAG AA (4.5:1); choose a darker or lighter colour",
            contrast.primary_color, contrast.ratio
        ));
    }
    Some(contrast)
}

/// Attachment modes: sizes within the API's range, image types only, at least one mode
/// when attachments are on.
fn check_uploads(messenger: &MessengerSettings, errors: &mut ValidationErrors) {
    if let Some(upload) = messenger.file_upload.as_ref() {
        for (index, mode) in upload.modes.iter().flatten().enumerate() {
            if let Some(size) = mode.max_file_size_kb {
                errors.take(
                    &format!("messenger.fileUpload.modes[{index}].maxFileSizeKB"),
                    parse_file_size_kb(size),
                );
            }
            for (type_index, file_type) in mode.file_types.iter().flatten().enumerate() {
                if !ATTACHMENT_TYPES.contains(&file_type.as_str()) {
                    errors.push(
                        format!("messenger.fileUpload.modes[{index}].fileTypes[{type_index}]"),
                        format!(
                            "`{file_type}` is not accepted; use {}",
                            ATTACHMENT_TYPES.join(", ")
                        ),
                    );
                }
            }
        }
        if upload.enable_attachments == Some(true)
            && upload.modes.as_ref().is_none_or(Vec::is_empty)
        {
            errors.push("messenger.fileUpload.modes", "attachments are enabled but no file types are allowed; add image/png, image/jpeg or image/gif");
        }
    }
}

/// With push notifications on, every language needs both push labels.
fn check_push_labels(
    messenger: &MessengerSettings,
    labels: Option<&[CustomI18nLabels]>,
    languages: &[String],
    errors: &mut ValidationErrors,
) {
    let notifications_on = messenger
        .apps
        .as_ref()
        .and_then(|apps| apps.conversations.as_ref())
        .and_then(|c| c.notifications.as_ref())
        .and_then(|n| n.enabled)
        .unwrap_or(false);
    if notifications_on {
        for language in languages {
            for key in [
                LabelKey::PushNotificationTitle,
                LabelKey::PushNotificationBody,
            ] {
                let present = labels.unwrap_or_default().iter().any(|labels| {
                    labels.language.as_deref() == Some(language.as_str())
                        && labels.localized_labels.iter().flatten().any(|label| {
                            label.key.as_ref() == Some(&key)
                                && label.value.as_deref().is_some_and(|v| !v.trim().is_empty())
                        })
                });
                if !present {
                    errors.push(
                        "customI18nLabels",
                        format!("push notifications are on, so the {key} label is required for {language}"),
                    );
                }
            }
        }
    }
}

/// Checks and normalises a deployment: name, domains, and the ids it points at.
pub fn check_deployment(deployment: &mut WebDeployment) -> CheckReport {
    let mut report = CheckReport::default();
    let errors = &mut report.errors;
    if let Some(name) = errors.take("deployment.name", ChannelName::parse(&deployment.name)) {
        deployment.name = name.as_str().to_string();
    }
    let mut domains = Vec::new();
    for (index, domain) in deployment.allowed_domains.iter().flatten().enumerate() {
        if let Some(parsed) = errors.take(
            &format!("allowedDomains[{index}]"),
            AllowedDomain::parse(domain),
        ) {
            if !domains.contains(&parsed.as_str().to_string()) {
                domains.push(parsed.as_str().to_string());
            }
        }
    }
    let allow_all = deployment.allow_all_domains.unwrap_or(false);
    match (allow_all, domains.is_empty()) {
        (true, false) => errors.push(
            "allowedDomains",
            "give either allow-all-domains or a list of domains, not both",
        ),
        (false, true)
            if !errors
                .fields()
                .iter()
                .any(|f| f.starts_with("allowedDomains[")) =>
        {
            errors.push(
                "allowedDomains",
                "list at least one domain the Messenger may run on, or allow all domains",
            )
        }
        _ => {}
    }
    if deployment.allowed_domains.is_some() || !domains.is_empty() {
        deployment.allowed_domains = Some(domains);
    }
    if let Some(flow) = deployment.flow.as_mut() {
        if let Some(id) = &flow.id {
            if let Some(parsed) = errors.take("flow.id", parse_uuid(id)) {
                flow.id = Some(parsed);
            }
        }
    }
    if let Some(configuration) = deployment.configuration.as_mut() {
        if let Some(id) = &configuration.id {
            if let Some(parsed) = errors.take("configuration.id", parse_uuid(id)) {
                configuration.id = Some(parsed);
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn configuration(value: serde_json::Value) -> WebDeploymentConfigurationVersion {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_good_configuration_is_normalised_and_passes() {
        let mut good = configuration(json!({
            "name": "  Support  ", "languages": ["EN-US", "fr"], "defaultLanguage": "en_us",
            "messenger": {"enabled": true, "styles": {"primaryColor": "#1F5FA8"},
                          "fileUpload": {"enableAttachments": true, "modes": [{"fileTypes": ["image/png"], "maxFileSizeKB": 5000}]}}
        }));
        let report = check_configuration(&mut good);
        assert!(report.is_valid(), "{:?}", report.errors);
        assert_eq!(good.name, "Support");
        assert_eq!(
            good.languages.as_deref(),
            Some(&["en-us".to_string(), "fr".to_string()][..])
        );
        assert_eq!(
            good.messenger
                .unwrap()
                .styles
                .unwrap()
                .primary_color
                .as_deref(),
            Some("#1f5fa8")
        );
        assert!(report.warnings.is_empty());
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_field() {
        let mut bad = configuration(json!({
            "name": "", "description": "d".repeat(501), "languages": ["en-us", "xx"], "defaultLanguage": "de",
            "messenger": {"enabled": true, "styles": {"primaryColor": "#abc"},
                          "fileUpload": {"enableAttachments": true, "modes": [{"fileTypes": ["application/pdf"], "maxFileSizeKB": 0}]},
                          "apps": {"conversations": {"notifications": {"enabled": true}}}}
        }));
        let report = check_configuration(&mut bad);
        assert_eq!(
            report.errors.fields(),
            [
                "name",
                "description",
                "languages[1]",
                "defaultLanguage",
                "messenger.styles.primaryColor",
                "messenger.fileUpload.modes[0].maxFileSizeKB",
                "messenger.fileUpload.modes[0].fileTypes[0]",
                "customI18nLabels",
                "customI18nLabels"
            ]
        );
        assert!(report.errors.0[4].reason.contains("#aabbcc"));
    }

    #[test]
    fn an_enabled_messenger_needs_languages_and_a_default() {
        let mut bare = configuration(json!({"name": "x", "messenger": {"enabled": true}}));
        assert_eq!(
            check_configuration(&mut bare).errors.fields(),
            ["languages", "defaultLanguage"]
        );
    }

    #[test]
    fn notification_labels_satisfy_the_rule_when_present() {
        let mut ok = configuration(json!({
            "name": "x", "languages": ["en-us"], "defaultLanguage": "en-us",
            "messenger": {"enabled": true, "apps": {"conversations": {"notifications": {"enabled": true}}}},
            "customI18nLabels": [{"language": "en-us", "localizedLabels": [
                {"key": "PushNotificationTitle", "value": "New message"}, {"key": "PushNotificationBody", "value": "Tap to read"}]}]
        }));
        assert!(check_configuration(&mut ok).is_valid());
    }

    #[test]
    fn low_contrast_is_a_warning_not_an_error() {
        let mut grey = configuration(
            json!({"name": "x", "messenger": {"styles": {"primaryColor": "#999999"}}}),
        );
        let report = check_configuration(&mut grey);
        assert!(report.is_valid());
        assert_eq!(report.warnings.len(), 1);
        assert!(!report.contrast.unwrap().passes_aa);
    }

    #[test]
    fn deployments_need_domains_xor_allow_all_and_get_bare_hosts() {
        let mut both: WebDeployment = serde_json::from_value(
            json!({"name": "x", "allowAllDomains": true, "allowedDomains": ["a.example.com"]}),
        )
        .unwrap();
        assert_eq!(
            check_deployment(&mut both).errors.fields(),
            ["allowedDomains"]
        );
        let mut neither: WebDeployment = serde_json::from_value(json!({"name": "x"})).unwrap();
        assert_eq!(
            check_deployment(&mut neither).errors.fields(),
            ["allowedDomains"]
        );
        let mut pasted: WebDeployment =
            serde_json::from_value(json!({"name": "x", "allowedDomains": ["https://Shop.example.com/", "shop.example.com", "*.example.org"]})).unwrap();
        assert!(check_deployment(&mut pasted).is_valid());
        assert_eq!(
            pasted.allowed_domains.unwrap(),
            ["shop.example.com", "*.example.org"]
        );
        let mut bad_flow: WebDeployment = serde_json::from_value(
            json!({"name": "x", "allowAllDomains": true, "flow": {"id": "nope"}}),
        )
        .unwrap();
        assert_eq!(check_deployment(&mut bad_flow).errors.fields(), ["flow.id"]);
    }
}
