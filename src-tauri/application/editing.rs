//! Reading a channel's whole configuration and editing its draft setting by setting:
//! `channel get` and `channel edit`. An edit names the paths it changes (or gives a
//! partial configuration, RFC 7396); only those change, everything else in the draft,
//! fields this version does not know included, is written back as the server sent it.
//! The result is checked locally against the same rules and published schema the API
//! applies before anything is sent, and a save with no change sends nothing.

use serde::Serialize;
use serde_json::Value;

use crate::channel::patch::{display_path, merge_patch, parse_path, set_at, Patch};
use crate::channel::settings::complete_support_center;
use crate::genesys::models::WebDeploymentConfigurationVersion;
use crate::validate::{check_configuration, lint_channel, Lint};

use super::channels::configuration_of;
use super::{AppError, Result, Session};

/// Which version of a channel's configuration to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionChoice {
    /// The draft: what the next publish sends.
    Draft,
    /// The version the deployment runs.
    Published,
}

/// The configuration version, whole: every field the server sent, unknown ones included.
pub async fn configuration_version(
    session: &Session,
    deployment_id: &str,
    choice: VersionChoice,
) -> Result<WebDeploymentConfigurationVersion> {
    let deployment = session.client.deployments().get(deployment_id).await?;
    let configuration_id = deployment.configuration_id();
    let configurations = session.client.configurations();
    match choice {
        VersionChoice::Draft => Ok(configurations.draft(&configuration_id).await?),
        VersionChoice::Published => {
            let version = deployment
                .configuration
                .as_ref()
                .and_then(|c| c.version.clone())
                .ok_or_else(|| {
                    AppError::invalid(format!(
                        "deployment {deployment_id} does not run a published version yet"
                    ))
                })?;
            Ok(configurations.version(&configuration_id, &version).await?)
        }
    }
}

/// One setting to write: its path and the new value (`None` removes it).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub path: String,
    pub value: Option<Value>,
}

impl Setting {
    /// `PATH=VALUE` as typed: the value is read as JSON when it is JSON (`false`, `3`,
    /// `{"enabled":true}`, `"quoted"`), as text otherwise (`#aa0000`); `PATH=` with
    /// nothing after it removes the setting.
    pub fn parse(text: &str) -> std::result::Result<Setting, String> {
        let (path, value) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not PATH=VALUE"))?;
        parse_path(path)?;
        let value = match value {
            "" => None,
            value => Some(serde_json::from_str(value).unwrap_or_else(|_| Value::from(value))),
        };
        Ok(Setting {
            path: path.trim().to_string(),
            value,
        })
    }
}

#[derive(Debug, Clone)]
pub struct EditDraft {
    pub deployment_id: String,
    pub settings: Vec<Setting>,
    /// A partial configuration merged over the draft (RFC 7396), before `settings`.
    pub merge: Option<Value>,
    /// Show what would change and stop.
    pub plan_only: bool,
}

/// One changed setting, before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedSetting {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditedDraft {
    pub deployment_id: String,
    pub configuration_id: String,
    pub changes: Vec<ChangedSetting>,
    /// The documented traps the edited draft walks into; they never block a save.
    pub lints: Vec<Lint>,
    /// Whether the draft was written (not with `plan_only`, nor when nothing changed).
    pub written: bool,
}

/// Edits the draft: the settings laid over it, checked, shown, then written.
pub async fn edit_draft(session: &Session, request: &EditDraft) -> Result<EditedDraft> {
    let settings = request
        .settings
        .iter()
        .map(|setting| Ok((parse_path(&setting.path)?, setting.value.clone())))
        .collect::<std::result::Result<Vec<_>, String>>()
        .map_err(AppError::invalid)?;
    let configuration_id = configuration_of(session, &request.deployment_id).await?;
    let configurations = session.client.configurations();
    let current = configurations.draft(&configuration_id).await?;
    let before = serde_json::to_value(&current)
        .map_err(|e| AppError::invalid(format!("the draft could not be read: {e}")))?;
    let mut edited = before.clone();
    if let Some(merge) = &request.merge {
        merge_patch(&mut edited, merge);
    }
    for (path, value) in settings {
        let shown = display_path(&path);
        set_at(&mut edited, path, value)
            .map_err(|conflict| AppError::invalid(format!("{shown}: {conflict}")))?;
    }
    let mut sent: WebDeploymentConfigurationVersion = serde_json::from_value(edited)
        .map_err(|e| AppError::invalid(format!("the edited draft is not a configuration: {e}")))?;
    // A support center switched on gets the screens and styles it requires where the
    // draft has none; they are shown among the changes.
    complete_support_center(&mut sent);
    let edited = serde_json::to_value(&sent)
        .map_err(|e| AppError::invalid(format!("the edited draft could not be read: {e}")))?;
    let patch = Patch::between(&before, &edited);
    // Checked on a copy: normalising (trimming, lower-casing) would change values the
    // user did not touch, and only the user's changes are sent.
    let mut configuration = sent.clone();
    let report = check_configuration(&mut configuration);
    if !report.is_valid() {
        return Err(crate::channel::ChannelError::Invalid(report.errors).into());
    }
    let deployment = session
        .client
        .deployments()
        .get(&request.deployment_id)
        .await?;
    let lints = lint_channel(&configuration, Some(&deployment), session.production);
    let changes = patch
        .0
        .iter()
        .map(|change| ChangedSetting {
            path: display_path(&change.path),
            before: change.before.clone(),
            after: change.after.clone(),
        })
        .collect();
    // A draft is not what visitors see: like the window's Save, writing it needs no
    // confirmation on a production profile; publishing it does.
    let write = !request.plan_only && !patch.is_empty();
    if write {
        configurations
            .update_draft(&configuration_id, &sent)
            .await?;
    }
    Ok(EditedDraft {
        deployment_id: request.deployment_id.clone(),
        configuration_id,
        changes,
        lints,
        written: write,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn typed_settings_read_json_when_they_are_json_and_text_otherwise() {
        let cases = [
            ("messenger.styles.primaryColor=#aa0000", Some(json!("#aa0000"))),
            (
                "messenger.apps.conversations.showAgentTypingIndicator=false",
                Some(json!(false)),
            ),
            (
                "messenger.apps.conversations.conversationDisconnect={\"enabled\":true,\"type\":\"ReadOnly\"}",
                Some(json!({"enabled": true, "type": "ReadOnly"})),
            ),
            ("description=", None),
            ("name=\"42\"", Some(json!("42"))),
        ];
        for (typed, value) in cases {
            assert_eq!(Setting::parse(typed).unwrap().value, value, "{typed}");
        }
        assert!(Setting::parse("no-equals-sign").is_err());
        assert!(Setting::parse("a..b=1").is_err());
    }
}
