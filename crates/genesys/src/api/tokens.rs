//! `/api/v2/tokens/me`: who the token belongs to, and revoking it.

use crate::client::ApiRequest;
use crate::models::TokenInfo;
use crate::{Client, Error};

pub struct Tokens<'a> {
    pub(super) client: &'a Client,
}

impl Tokens<'_> {
    pub async fn me(&self) -> Result<TokenInfo, Error> {
        self.client.json(ApiRequest::get("/api/v2/tokens/me")).await
    }

    /// Revokes the current token and forgets it locally.
    pub async fn revoke(&self) -> Result<(), Error> {
        self.client
            .send(ApiRequest::delete("/api/v2/tokens/me"))
            .await?;
        self.client.forget_token().await;
        Ok(())
    }
}
