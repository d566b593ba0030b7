//! `/api/v2/notifications`: a channel, its topics, and the socket that streams them.

use std::time::Duration;

use futures::StreamExt;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;

use crate::client::ApiRequest;
use crate::models::{AvailableTopic, ChannelTopic, NotificationChannel, NotificationEvent};
use crate::{Client, Error};

use super::segment;

const CHANNELS: &str = "/api/v2/notifications/channels";
/// The largest frame a channel may send; a bigger one ends the stream.
const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

pub struct Notifications<'a> {
    pub(super) client: &'a Client,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entities<T> {
    entities: Vec<T>,
}

impl Notifications<'_> {
    /// The topics the org offers, with the permissions each needs.
    pub async fn available_topics(&self) -> Result<Vec<AvailableTopic>, Error> {
        let request = ApiRequest::get("/api/v2/notifications/availabletopics")
            .param("expand", "requiresPermissions");
        Ok(self
            .client
            .json::<Entities<AvailableTopic>>(request)
            .await?
            .entities)
    }

    pub async fn create_channel(&self) -> Result<NotificationChannel, Error> {
        let request = ApiRequest::post_empty(CHANNELS).connection_only();
        self.client.json(request).await
    }

    /// Replaces the channel's topics; each comes back Permitted or Rejected.
    pub async fn subscribe(
        &self,
        channel_id: &str,
        topics: &[String],
    ) -> Result<Vec<ChannelTopic>, Error> {
        let body: Vec<serde_json::Value> = topics
            .iter()
            .map(|topic| serde_json::json!({"id": topic}))
            .collect();
        let path = format!("{CHANNELS}/{}/subscriptions", segment(channel_id));
        let request = ApiRequest::put(path, &body)?.connection_only();
        Ok(self
            .client
            .json::<Entities<ChannelTopic>>(request)
            .await?
            .entities)
    }

    /// Opens the channel's socket. Its address must be the region's streaming host (or,
    /// for a Sandbox, the Sandbox itself): a channel is never followed elsewhere.
    pub async fn connect(
        &self,
        channel: &NotificationChannel,
    ) -> Result<NotificationStream, String> {
        let uri = channel
            .connect_uri
            .as_deref()
            .ok_or("the channel came without a connectUri")?;
        let url = url::Url::parse(uri)
            .map_err(|e| format!("the channel's connectUri is not a URL: {e}"))?;
        if !self.client.environment().accepts_streaming_url(&url) {
            return Err(format!(
                "the channel's connectUri points at {}, not this org's streaming host",
                url.host_str().unwrap_or("no host")
            ));
        }
        let connect = tokio_tungstenite::connect_async(url.as_str());
        let (socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| "the notification socket did not open in time".to_string())?
            .map_err(|e| format!("the notification socket could not open: {e}"))?;
        Ok(NotificationStream { socket })
    }
}

/// The events of one channel, heartbeats left out.
pub struct NotificationStream {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl NotificationStream {
    /// The next event; `None` once the channel's socket is closed or broken.
    pub async fn next_event(&mut self) -> Option<NotificationEvent> {
        loop {
            let message = self.socket.next().await?.ok()?;
            let text = match message {
                Message::Text(text) if text.len() <= MAX_FRAME_BYTES => text,
                Message::Text(_) | Message::Binary(_) | Message::Close(_) => return None,
                _ => continue,
            };
            let Ok(event) = serde_json::from_str::<NotificationEvent>(text.as_str()) else {
                continue;
            };
            if event.topic_name == crate::models::notifications::topic::CHANNEL_METADATA {
                continue;
            }
            return Some(event);
        }
    }
}
