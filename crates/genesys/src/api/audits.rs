//! `/api/v2/audits/...`: the asynchronous query (status, then cursor pages) and the
//! synchronous realtime query (last 14 days).

use std::time::Duration;

use crate::client::ApiRequest;
use crate::models::{
    AuditLogMessage, AuditQueryExecutionResultsResponse, AuditQueryExecutionStatusResponse,
    AuditQueryRequest, AuditQueryState, AuditRealtimeQueryRequest,
    AuditRealtimeQueryResultsResponse, AuditServiceMapping,
};
use crate::paging::MAX_PAGES;
use crate::{Client, Error};

use super::segment;

pub struct Audits<'a> {
    pub(super) client: &'a Client,
}

impl Audits<'_> {
    pub async fn submit_query(
        &self,
        query: &AuditQueryRequest,
    ) -> Result<AuditQueryExecutionStatusResponse, Error> {
        self.client
            .json(ApiRequest::query_post("/api/v2/audits/query", query)?)
            .await
    }

    pub async fn query_status(
        &self,
        transaction_id: &str,
    ) -> Result<AuditQueryExecutionStatusResponse, Error> {
        self.client
            .json(ApiRequest::get(format!(
                "/api/v2/audits/query/{}",
                segment(transaction_id)
            )))
            .await
    }

    pub async fn query_results_page(
        &self,
        transaction_id: &str,
        cursor: Option<&str>,
        page_size: u32,
    ) -> Result<AuditQueryExecutionResultsResponse, Error> {
        let request = ApiRequest::get(format!(
            "/api/v2/audits/query/{}/results",
            segment(transaction_id)
        ))
        .param("pageSize", page_size)
        .param_opt("cursor", cursor)
        // Fills in the users' names where Genesys can.
        .param("expand", "user");
        self.client.json(request).await
    }

    /// Submits a query, polls until it settles (up to `deadline`), and reads every page.
    pub async fn query_all(
        &self,
        query: &AuditQueryRequest,
        poll_every: Duration,
        deadline: Duration,
    ) -> Result<Vec<AuditLogMessage>, Error> {
        let submitted = self.submit_query(query).await?;
        let transaction_id = submitted.id.clone().unwrap_or_default();
        let started = tokio::time::Instant::now();
        let mut state = submitted.state;
        while !matches!(
            state,
            Some(AuditQueryState::Succeeded | AuditQueryState::Failed | AuditQueryState::Cancelled)
        ) {
            if started.elapsed() >= deadline {
                return Err(Error::Transport {
                    request: crate::error::RequestLabel {
                        method: "GET".into(),
                        path: format!("/api/v2/audits/query/{transaction_id}"),
                    },
                    reason: format!(
                        "the audit query was still {} after {} s",
                        state.map(|s| s.to_string()).unwrap_or_default(),
                        deadline.as_secs()
                    ),
                    attempts: 0,
                    timed_out: true,
                });
            }
            tokio::time::sleep(poll_every).await;
            state = self.query_status(&transaction_id).await?.state;
        }
        let mut entries = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .query_results_page(&transaction_id, cursor.as_deref(), 500)
                .await?;
            let empty = page.entities.is_empty();
            entries.extend(page.entities);
            match page.cursor {
                Some(next) if !empty && Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => break,
            }
        }
        Ok(entries)
    }

    pub async fn realtime_query(
        &self,
        query: &AuditRealtimeQueryRequest,
    ) -> Result<AuditRealtimeQueryResultsResponse, Error> {
        self.client
            .json(ApiRequest::query_post(
                "/api/v2/audits/query/realtime",
                query,
            )?)
            .await
    }

    pub async fn service_mapping(&self) -> Result<AuditServiceMapping, Error> {
        self.client
            .json(ApiRequest::get("/api/v2/audits/query/servicemapping"))
            .await
    }
}
