//! Channels as the window drives them: each method runs one application use case on the
//! open profile's session, registering long ones so the window can cancel them.

use std::path::Path;

use crate::application::channels::{
    self as use_case, Confirmation, CreateChannel, DeleteChannel, ImportChannel, PublishChannel,
    Rollback,
};
use crate::application::{insight, AppError, Operation};
use crate::channel::{
    ChannelInput, CreatedChannel, DeletedChannel, Progress, PublishOptions, PublishOutcome,
};
use crate::overview::Overview;
use crate::transfer::{Difference, ImportReport, VersionDiffs};

pub use crate::application::channels::{
    ChannelDetail, EditorOptions, ExportResult, ImportPlan, VersionRow,
};
pub use crate::application::insight::MetricsView;
pub use crate::validate::CheckReport as CheckView;

use super::{lock, Result, Workspace};

impl Workspace {
    pub async fn channels(&self) -> Result<Overview> {
        use_case::overview(&self.session().app).await
    }

    pub async fn editor_options(&self) -> Result<EditorOptions> {
        use_case::editor_options(&self.session().app).await
    }

    /// The same checks the CLI runs, without a request.
    pub fn check_channel(input: &ChannelInput) -> CheckView {
        use_case::check(input)
    }

    pub async fn channel_detail(&self, deployment_id: &str) -> Result<ChannelDetail> {
        use_case::detail(&self.session().app, deployment_id).await
    }

    pub async fn create_channel(
        &self,
        input: &ChannelInput,
        confirmation: Confirmation,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<CreatedChannel> {
        let session = self.session();
        let request = CreateChannel {
            channel: use_case::parse(input)?,
            options: PublishOptions::default(),
            confirmation,
        };
        let guard = self.begin_operation(operation, format!("creating “{}”", input.name));
        let run = Operation::new(&session.app, guard.token.clone(), report);
        use_case::create(&run, &request).await
    }

    /// Writes the editor's settings into the channel's draft (keeping what the editor does
    /// not show) and returns what publishing it would change.
    pub async fn save_draft(
        &self,
        deployment_id: &str,
        input: &ChannelInput,
    ) -> Result<VersionDiffs> {
        // Boxed: the draft and the versions it is compared with make a large future.
        Box::pin(use_case::save_draft(
            &self.session().app,
            deployment_id,
            input,
        ))
        .await
    }

    /// What publishing the current draft would change, and what the site runs.
    pub async fn publish_preview(&self, deployment_id: &str) -> Result<VersionDiffs> {
        use_case::preview(&self.session().app, deployment_id).await
    }

    /// Publishes the channel's draft; with the editor's input, its domains are applied in
    /// the same deployment update.
    pub async fn publish(
        &self,
        deployment_id: &str,
        input: Option<&ChannelInput>,
        confirmation: Confirmation,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<PublishOutcome> {
        let session = self.session();
        let guard = self.begin_operation(operation, format!("publishing {deployment_id}"));
        let request = PublishChannel {
            deployment_id: deployment_id.to_string(),
            edits: input.cloned(),
            supported_content: None,
            options: PublishOptions::default(),
            confirmation,
        };
        let run = Operation::new(&session.app, guard.token.clone(), report);
        use_case::publish(&run, &request).await
    }

    pub async fn rollback(
        &self,
        deployment_id: &str,
        to_version: &str,
        confirmation: Confirmation,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<PublishOutcome> {
        let session = self.session();
        let guard = self.begin_operation(
            operation,
            format!("rolling {deployment_id} back to version {to_version}"),
        );
        let request = Rollback {
            deployment_id: deployment_id.to_string(),
            to_version: to_version.to_string(),
            options: PublishOptions::default(),
            confirmation,
        };
        let run = Operation::new(&session.app, guard.token.clone(), report);
        use_case::rollback(&run, &request).await
    }

    /// Deletes a channel after saving a snapshot of it next to the history database.
    pub async fn delete_channel(
        &self,
        deployment_id: &str,
        confirmation: Confirmation,
    ) -> Result<DeletedChannel> {
        let request = DeleteChannel {
            deployment_id: deployment_id.to_string(),
            snapshot_dir: self.snapshot_dir.clone(),
            wait: std::time::Duration::from_secs(60),
            confirmation,
        };
        use_case::delete(&self.session().app, &request, &|step| {
            tracing::info!(stage = step.stage, "{}", step.message)
        })
        .await
    }

    pub async fn export_channel(&self, deployment_id: &str, path: &Path) -> Result<ExportResult> {
        use_case::export(&self.session().app, deployment_id, path).await
    }

    /// Reads a file and maps its queues and flows onto the open org, writing nothing.
    pub async fn plan_import(&self, path: &Path) -> Result<ImportPlan> {
        let session = self.session();
        let plan = use_case::plan_import(&session.app, path).await?;
        *lock(&session.import_plan) = Some(plan.clone());
        Ok(plan)
    }

    pub async fn import_channel(
        &self,
        path: &Path,
        confirmation: Confirmation,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ImportReport> {
        let session = self.session();
        // The file may have changed since it was previewed; what was shown is imported.
        let plan = lock(&session.import_plan)
            .take_if(|plan| Path::new(&plan.path) == path)
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "{} has not been previewed in this profile; choose the file again to see its plan",
                    path.display()
                ))
            })?;
        let guard = self.begin_operation(operation, format!("importing “{}”", plan.channel));
        let request = ImportChannel {
            plan,
            options: PublishOptions::default(),
            confirmation,
        };
        let run = Operation::new(&session.app, guard.token.clone(), report);
        use_case::import(&run, &request).await
    }

    /// Differences between a file and what is live for a deployment.
    pub async fn diff_file(&self, path: &Path, deployment_id: &str) -> Result<Vec<Difference>> {
        use_case::diff_file(&self.session().app, path, deployment_id).await
    }

    /// Engagement over `since` (e.g. `24h`, `7d`), uptime and the change timeline, for one
    /// channel or, without one, the whole org's Web Messaging.
    pub async fn metrics(&self, deployment_id: Option<&str>, since: &str) -> Result<MetricsView> {
        insight::metrics_view(&self.session().app, deployment_id, since).await
    }
}
