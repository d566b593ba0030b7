//! `/api/v2/flows`, narrowed to what a web deployment can route to.

use crate::client::ApiRequest;
use crate::models::{Flow, PageListing, INBOUND_MESSAGE_FLOW_TYPE};
use crate::paging::collect_numbered;
use crate::{Client, Error};

use super::segment;

const BASE: &str = "/api/v2/flows";

pub struct Flows<'a> {
    pub(super) client: &'a Client,
}

impl Flows<'_> {
    pub async fn list_page(
        &self,
        flow_type: &str,
        page_number: u32,
        page_size: u32,
        name: Option<&str>,
    ) -> Result<PageListing<Flow>, Error> {
        let request = ApiRequest::get(BASE)
            .param("type", flow_type)
            .param("pageNumber", page_number)
            .param("pageSize", page_size)
            .param("sortBy", "name")
            .param("sortOrder", "asc")
            .param_opt("name", name);
        self.client.json(request).await
    }

    /// Every inbound message flow (what a deployment may use).
    pub async fn list_inbound_message_flows(&self) -> Result<Vec<Flow>, Error> {
        collect_numbered(|page| async move {
            self.list_page(INBOUND_MESSAGE_FLOW_TYPE, page, 100, None)
                .await
        })
        .await
    }

    pub async fn get(&self, flow_id: &str) -> Result<Flow, Error> {
        self.client
            .json(ApiRequest::get(format!("{BASE}/{}", segment(flow_id))))
            .await
    }
}
