//! `/api/v2/routing/queues`.

use crate::client::ApiRequest;
use crate::models::{EstimatedWaitTimePredictions, PageListing, Queue};
use crate::paging::collect_numbered;
use crate::{Client, Error};

use super::segment;

const BASE: &str = "/api/v2/routing/queues";

pub struct Queues<'a> {
    pub(super) client: &'a Client,
}

impl Queues<'_> {
    /// One page, sorted by name; `name` may use leading/trailing `*` wildcards.
    pub async fn list_page(
        &self,
        page_number: u32,
        page_size: u32,
        name: Option<&str>,
    ) -> Result<PageListing<Queue>, Error> {
        let request = ApiRequest::get(BASE)
            .param("pageNumber", page_number)
            .param("pageSize", page_size)
            .param("sortOrder", "asc")
            .param_opt("name", name);
        self.client.json(request).await
    }

    pub async fn list_all(&self, name: Option<&str>) -> Result<Vec<Queue>, Error> {
        collect_numbered(|page| async move { self.list_page(page, 100, name).await }).await
    }

    pub async fn get(&self, queue_id: &str) -> Result<Queue, Error> {
        self.client
            .json(ApiRequest::get(format!("{BASE}/{}", segment(queue_id))))
            .await
    }

    /// A queue by exact name (case-insensitive), or `None`.
    pub async fn find_by_name(&self, name: &str) -> Result<Option<Queue>, Error> {
        let candidates = self.list_all(Some(name)).await?;
        Ok(candidates.into_iter().find(|queue| {
            queue
                .name
                .as_deref()
                .is_some_and(|found| found.eq_ignore_ascii_case(name))
        }))
    }

    /// Estimated wait for the queue, or for one waiting conversation.
    pub async fn estimated_wait_time(
        &self,
        queue_id: &str,
        conversation_id: Option<&str>,
    ) -> Result<EstimatedWaitTimePredictions, Error> {
        let request = ApiRequest::get(format!("{BASE}/{}/estimatedwaittime", segment(queue_id)))
            .param_opt("conversationId", conversation_id);
        self.client.json(request).await
    }

    /// Estimated wait for one media type (`message` for web messaging).
    pub async fn estimated_wait_time_for_media(
        &self,
        queue_id: &str,
        media_type: &str,
    ) -> Result<EstimatedWaitTimePredictions, Error> {
        let path = format!(
            "{BASE}/{}/mediatypes/{}/estimatedwaittime",
            segment(queue_id),
            segment(media_type)
        );
        self.client.json(ApiRequest::get(path)).await
    }
}
