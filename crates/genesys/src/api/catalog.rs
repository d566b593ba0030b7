//! Supported content profiles, knowledge bases and integrations: what the editor offers
//! by name for the ids a channel carries.

use crate::client::ApiRequest;
use crate::models::{CursorListing, Integration, KnowledgeBase, PageListing, SupportedContent};
use crate::paging::{collect_cursor, collect_numbered};
use crate::{Client, Error};

use super::segment;

const SUPPORTED_CONTENT: &str = "/api/v2/conversations/messaging/supportedcontent";
const KNOWLEDGE_BASES: &str = "/api/v2/knowledge/knowledgebases";
const INTEGRATIONS: &str = "/api/v2/integrations";

pub struct Catalog<'a> {
    pub(super) client: &'a Client,
}

impl Catalog<'_> {
    /// Every supported content profile of the org.
    pub async fn supported_content(&self) -> Result<Vec<SupportedContent>, Error> {
        collect_numbered(|page| async move {
            let request = ApiRequest::get(SUPPORTED_CONTENT)
                .param("pageNumber", page)
                .param("pageSize", 100);
            self.client
                .json::<PageListing<SupportedContent>>(request)
                .await
        })
        .await
    }

    /// One profile; `default` names the org's default profile.
    pub async fn supported_content_profile(&self, id: &str) -> Result<SupportedContent, Error> {
        self.client
            .json(ApiRequest::get(format!(
                "{SUPPORTED_CONTENT}/{}",
                segment(id)
            )))
            .await
    }

    pub async fn knowledge_bases(&self) -> Result<Vec<KnowledgeBase>, Error> {
        collect_cursor(|after| async move {
            let request = ApiRequest::get(KNOWLEDGE_BASES)
                .param("pageSize", 100)
                .param_opt("after", after.as_deref());
            self.client
                .json::<CursorListing<KnowledgeBase>>(request)
                .await
        })
        .await
    }

    pub async fn integrations(&self) -> Result<Vec<Integration>, Error> {
        collect_numbered(|page| async move {
            let request = ApiRequest::get(INTEGRATIONS)
                .param("pageNumber", page)
                .param("pageSize", 100);
            self.client.json::<PageListing<Integration>>(request).await
        })
        .await
    }
}
