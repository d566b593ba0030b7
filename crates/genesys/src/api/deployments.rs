//! `/api/v2/webdeployments/deployments`.

use crate::client::ApiRequest;
use crate::models::{CursorListing, WebDeployment, WebDeploymentActiveConfigurationOnDeployment};
use crate::paging::collect_cursor;
use crate::{Client, Error};

use super::segment;

const BASE: &str = "/api/v2/webdeployments/deployments";

pub struct Deployments<'a> {
    pub(super) client: &'a Client,
}

impl Deployments<'_> {
    pub async fn list_page(
        &self,
        page_size: u32,
        after: Option<&str>,
    ) -> Result<CursorListing<WebDeployment>, Error> {
        let request = ApiRequest::get(BASE)
            .param("pageSize", page_size)
            .param_opt("after", after);
        self.client.json(request).await
    }

    pub async fn list_all(&self) -> Result<Vec<WebDeployment>, Error> {
        collect_cursor(|cursor| async move { self.list_page(100, cursor.as_deref()).await }).await
    }

    pub async fn get(&self, deployment_id: &str) -> Result<WebDeployment, Error> {
        self.client
            .json(ApiRequest::get(format!(
                "{BASE}/{}",
                segment(deployment_id)
            )))
            .await
    }

    /// Creates a deployment; it starts `Pending` and settles to `Active` or `Error`.
    pub async fn create(&self, deployment: &WebDeployment) -> Result<WebDeployment, Error> {
        self.client
            .json(ApiRequest::post(BASE, &deployment.writable())?)
            .await
    }

    /// Replaces the deployment (send the whole object; read-only fields are dropped).
    pub async fn update(
        &self,
        deployment_id: &str,
        deployment: &WebDeployment,
    ) -> Result<WebDeployment, Error> {
        let mut body = deployment.writable();
        body.id = Some(deployment_id.to_string());
        self.client
            .json(ApiRequest::put(
                format!("{BASE}/{}", segment(deployment_id)),
                &body,
            )?)
            .await
    }

    pub async fn delete(&self, deployment_id: &str) -> Result<(), Error> {
        self.client
            .send(ApiRequest::delete(format!(
                "{BASE}/{}",
                segment(deployment_id)
            )))
            .await
    }

    /// What the Messenger on the site actually loads.
    pub async fn active_configuration(
        &self,
        deployment_id: &str,
    ) -> Result<WebDeploymentActiveConfigurationOnDeployment, Error> {
        self.client
            .json(ApiRequest::get(format!(
                "{BASE}/{}/configurations",
                segment(deployment_id)
            )))
            .await
    }
}
