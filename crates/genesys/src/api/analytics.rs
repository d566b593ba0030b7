//! `/api/v2/analytics/...` queries. All are read-only POSTs, so they are retried like GETs.

use crate::client::ApiRequest;
use crate::models::{
    AnalyticsConversation, AnalyticsConversationQueryResponse, ConversationActivityQuery,
    ConversationActivityResponse, ConversationAggregateQueryResponse, ConversationAggregationQuery,
    ConversationQuery, PagingSpec, QueueObservationQuery, QueueObservationQueryResponse,
};
use crate::paging::MAX_PAGES;
use crate::{Client, Error};

pub struct Analytics<'a> {
    pub(super) client: &'a Client,
}

impl Analytics<'_> {
    /// Live queue numbers for any number of queues in one request.
    pub async fn queue_observations(
        &self,
        query: &QueueObservationQuery,
    ) -> Result<QueueObservationQueryResponse, Error> {
        self.client
            .json(ApiRequest::query_post(
                "/api/v2/analytics/queues/observations/query",
                query,
            )?)
            .await
    }

    pub async fn conversation_activity(
        &self,
        query: &ConversationActivityQuery,
        page_size: Option<u32>,
        page_number: Option<u32>,
    ) -> Result<ConversationActivityResponse, Error> {
        let request =
            ApiRequest::query_post("/api/v2/analytics/conversations/activity/query", query)?
                .param_opt("pageSize", page_size)
                .param_opt("pageNumber", page_number);
        self.client.json(request).await
    }

    /// One page of conversation details.
    pub async fn conversation_details(
        &self,
        query: &ConversationQuery,
    ) -> Result<AnalyticsConversationQueryResponse, Error> {
        self.client
            .json(ApiRequest::query_post(
                "/api/v2/analytics/conversations/details/query",
                query,
            )?)
            .await
    }

    /// Every page of a details query (body paging, until `totalHits` is covered).
    pub async fn conversation_details_all(
        &self,
        query: &ConversationQuery,
        page_size: u32,
    ) -> Result<Vec<AnalyticsConversation>, Error> {
        let mut conversations = Vec::new();
        for page_number in 1..=MAX_PAGES {
            let mut page_query = query.clone();
            page_query.paging = Some(PagingSpec {
                page_size,
                page_number,
            });
            let page = self.conversation_details(&page_query).await?;
            let received = page.conversations.unwrap_or_default();
            let done = received.len() < page_size as usize
                || page
                    .total_hits
                    .is_some_and(|total| (conversations.len() + received.len()) as u64 >= total);
            conversations.extend(received);
            if done {
                break;
            }
        }
        Ok(conversations)
    }

    pub async fn conversation_aggregates(
        &self,
        query: &ConversationAggregationQuery,
    ) -> Result<ConversationAggregateQueryResponse, Error> {
        self.client
            .json(ApiRequest::query_post(
                "/api/v2/analytics/conversations/aggregates/query",
                query,
            )?)
            .await
    }
}
