//! `/api/v2/webdeployments/configurations`.

use crate::client::ApiRequest;
use crate::models::{CursorListing, WebDeploymentConfigurationVersion};
use crate::paging::collect_cursor;
use crate::{Client, Error};

use super::segment;

const BASE: &str = "/api/v2/webdeployments/configurations";

pub struct Configurations<'a> {
    pub(super) client: &'a Client,
}

impl Configurations<'_> {
    /// One page of configurations (their drafts).
    pub async fn list_page(
        &self,
        page_size: u32,
        after: Option<&str>,
        show_only_published: bool,
    ) -> Result<CursorListing<WebDeploymentConfigurationVersion>, Error> {
        let request = ApiRequest::get(BASE)
            .param("pageSize", page_size)
            .param_opt("after", after)
            .param_opt("showOnlyPublished", show_only_published.then_some("true"));
        self.client.json(request).await
    }

    /// Every configuration of the org.
    pub async fn list_all(
        &self,
        show_only_published: bool,
    ) -> Result<Vec<WebDeploymentConfigurationVersion>, Error> {
        collect_cursor(|cursor| async move {
            self.list_page(100, cursor.as_deref(), show_only_published)
                .await
        })
        .await
    }

    /// Creates a configuration; the answer is its new draft.
    pub async fn create(
        &self,
        draft: &WebDeploymentConfigurationVersion,
    ) -> Result<WebDeploymentConfigurationVersion, Error> {
        self.client
            .json(ApiRequest::post(BASE, &draft.writable())?)
            .await
    }

    /// Deletes the draft and every published version.
    pub async fn delete(&self, configuration_id: &str) -> Result<(), Error> {
        self.client
            .send(ApiRequest::delete(format!(
                "{BASE}/{}",
                segment(configuration_id)
            )))
            .await
    }

    /// Draft and published versions.
    pub async fn versions(
        &self,
        configuration_id: &str,
    ) -> Result<Vec<WebDeploymentConfigurationVersion>, Error> {
        let path = format!("{BASE}/{}/versions", segment(configuration_id));
        collect_cursor(|cursor| {
            let request = ApiRequest::get(path.clone())
                .param("pageSize", 100)
                .param_opt("after", cursor);
            async move { self.client.json::<CursorListing<_>>(request).await }
        })
        .await
    }

    /// One published version (`"1"`, `"2"`, …) or the draft (`"DRAFT"`).
    pub async fn version(
        &self,
        configuration_id: &str,
        version: &str,
    ) -> Result<WebDeploymentConfigurationVersion, Error> {
        let path = if version.eq_ignore_ascii_case("draft") {
            format!("{BASE}/{}/versions/draft", segment(configuration_id))
        } else {
            format!(
                "{BASE}/{}/versions/{}",
                segment(configuration_id),
                segment(version)
            )
        };
        self.client.json(ApiRequest::get(path)).await
    }

    pub async fn draft(
        &self,
        configuration_id: &str,
    ) -> Result<WebDeploymentConfigurationVersion, Error> {
        self.version(configuration_id, "draft").await
    }

    /// Replaces the draft with `draft` (the whole object; server-set fields are dropped).
    pub async fn update_draft(
        &self,
        configuration_id: &str,
        draft: &WebDeploymentConfigurationVersion,
    ) -> Result<WebDeploymentConfigurationVersion, Error> {
        let path = format!("{BASE}/{}/versions/draft", segment(configuration_id));
        self.client
            .json(ApiRequest::put(path, &draft.writable())?)
            .await
    }

    /// Publishes the draft as the next version and returns it.
    pub async fn publish(
        &self,
        configuration_id: &str,
    ) -> Result<WebDeploymentConfigurationVersion, Error> {
        let path = format!(
            "{BASE}/{}/versions/draft/publish",
            segment(configuration_id)
        );
        let mut request = ApiRequest::post(path, &serde_json::Value::Null)?;
        request.body = None;
        self.client.json(request).await
    }
}
