//! Rich content of a Guest API message (`content[]`, contract §12): what bots send
//! (quick replies, cards, carousels, date pickers, list pickers), attachments, and the
//! button responses a visitor sends back. Shapes follow the official SDKs' models; an
//! item of a type or shape this version does not know is kept as `Unknown`, never an
//! error, as the SDKs skip what they do not know.

use std::fmt;

use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    QuickReply {
        text: String,
        payload: String,
    },
    /// What a visitor chose (a quick reply, a card's postback button, a date).
    ButtonResponse {
        /// `Button`, `QuickReply`, `DatePicker`, `ListPicker` or `Form`.
        kind: String,
        text: String,
        payload: String,
    },
    Card(Card),
    Carousel {
        cards: Vec<Card>,
    },
    DatePicker {
        title: String,
        /// Offered slots (ISO 8601 start times).
        times: Vec<String>,
    },
    ListPicker {
        title: String,
        items: Vec<String>,
    },
    Attachment {
        filename: String,
        media_type: String,
        mime: Option<String>,
        url: Option<String>,
    },
    Unknown {
        content_type: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub title: String,
    pub description: Option<String>,
    pub image: Option<String>,
    pub actions: Vec<CardAction>,
}

/// A card's button: `Link` opens `url`, `Postback` sends `payload` back to the bot.
#[derive(Debug, Clone, PartialEq)]
pub struct CardAction {
    pub kind: String,
    pub text: String,
    pub url: Option<String>,
    pub payload: Option<String>,
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn card(value: &Value) -> Option<Card> {
    Some(Card {
        title: text(value, "/title")?,
        description: text(value, "/description"),
        image: text(value, "/image"),
        actions: value
            .get("actions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|action| {
                Some(CardAction {
                    kind: text(action, "/type")?,
                    text: text(action, "/text")?,
                    url: text(action, "/url"),
                    payload: text(action, "/payload"),
                })
            })
            .collect(),
    })
}

impl Content {
    /// Reads one `content[]` item.
    pub fn read(item: &Value) -> Content {
        let content_type = text(item, "/contentType").unwrap_or_default();
        let known = match content_type.as_str() {
            "QuickReply" => (|| {
                Some(Content::QuickReply {
                    text: text(item, "/quickReply/text")?,
                    payload: text(item, "/quickReply/payload")?,
                })
            })(),
            "ButtonResponse" => (|| {
                Some(Content::ButtonResponse {
                    kind: text(item, "/buttonResponse/type")?,
                    text: text(item, "/buttonResponse/text")?,
                    payload: text(item, "/buttonResponse/payload")?,
                })
            })(),
            "Card" => item.get("card").and_then(card).map(Content::Card),
            "Carousel" => item
                .pointer("/carousel/cards")
                .and_then(Value::as_array)
                .map(|cards| Content::Carousel {
                    cards: cards.iter().filter_map(card).collect(),
                }),
            "DatePicker" => item.get("datePicker").map(|picker| Content::DatePicker {
                title: text(picker, "/title").unwrap_or_default(),
                times: picker
                    .get("availableTimes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|slot| text(slot, "/dateTime"))
                    .collect(),
            }),
            "ListPicker" => item.get("listPicker").map(|picker| Content::ListPicker {
                title: text(picker, "/title").unwrap_or_default(),
                items: picker
                    .get("sections")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .flat_map(|section| {
                        section
                            .get("items")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default()
                    })
                    .filter_map(|entry| text(&entry, "/title"))
                    .collect(),
            }),
            "Attachment" => (|| {
                Some(Content::Attachment {
                    filename: text(item, "/attachment/filename")?,
                    media_type: text(item, "/attachment/mediaType")
                        .unwrap_or_else(|| "File".into()),
                    mime: text(item, "/attachment/mime"),
                    url: text(item, "/attachment/url"),
                })
            })(),
            _ => None,
        };
        known.unwrap_or(Content::Unknown { content_type })
    }

    /// Every item of a message's `content`, in order.
    pub fn read_all(body: &Value) -> Vec<Content> {
        body.get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(Content::read)
            .collect()
    }

    /// What a visitor may choose here, with what choosing it sends: quick replies as
    /// `QuickReply` responses, card and carousel postback buttons as `Button` ones.
    pub fn choices(&self) -> Vec<Choice> {
        let postbacks = |card: &Card| -> Vec<Choice> {
            card.actions
                .iter()
                .filter(|action| action.kind == "Postback")
                .map(|action| Choice {
                    kind: ChoiceKind::Button,
                    text: action.text.clone(),
                    payload: action
                        .payload
                        .clone()
                        .unwrap_or_else(|| action.text.clone()),
                })
                .collect()
        };
        match self {
            Content::QuickReply { text, payload } => vec![Choice {
                kind: ChoiceKind::QuickReply,
                text: text.clone(),
                payload: payload.clone(),
            }],
            Content::Card(card) => postbacks(card),
            Content::Carousel { cards } => cards.iter().flat_map(postbacks).collect(),
            _ => Vec::new(),
        }
    }
}

/// Something a visitor can pick in a bot's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub kind: ChoiceKind,
    pub text: String,
    pub payload: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceKind {
    QuickReply,
    Button,
}

impl Choice {
    /// The `message` of an `onMessage` choosing it, as the official SDK sends it: a quick
    /// reply as an empty `Text` with the response, a postback as `Structured` carrying
    /// the button's text.
    pub fn message(&self) -> Value {
        let (kind, message_type, text) = match self.kind {
            ChoiceKind::QuickReply => ("QuickReply", "Text", ""),
            ChoiceKind::Button => ("Button", "Structured", self.text.as_str()),
        };
        json!({
            "type": message_type,
            "text": text,
            "content": [{
                "contentType": "ButtonResponse",
                "buttonResponse": {"type": kind, "text": self.text, "payload": self.payload},
            }],
        })
    }
}

fn card_text(card: &Card) -> String {
    let mut shown = card.title.clone();
    if let Some(description) = &card.description {
        shown.push_str(&format!(" — {description}"));
    }
    if !card.actions.is_empty() {
        let buttons: Vec<&str> = card.actions.iter().map(|a| a.text.as_str()).collect();
        shown.push_str(&format!(" [{}]", buttons.join(" | ")));
    }
    shown
}

/// One line of a transcript, as Messenger would show the item.
impl fmt::Display for Content {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::QuickReply { text, .. } => write!(formatter, "({text})"),
            Content::ButtonResponse { text, .. } => write!(formatter, "chose “{text}”"),
            Content::Card(card) => write!(formatter, "card: {}", card_text(card)),
            Content::Carousel { cards } => {
                let shown: Vec<String> = cards.iter().map(card_text).collect();
                write!(formatter, "carousel: {}", shown.join(" · "))
            }
            Content::DatePicker { title, times } => {
                write!(formatter, "date picker: {title} ({} times)", times.len())
            }
            Content::ListPicker { title, items } => {
                write!(formatter, "list: {title} ({})", items.join(" | "))
            }
            Content::Attachment {
                filename,
                media_type,
                ..
            } => write!(formatter, "attachment: {filename} ({media_type})"),
            Content::Unknown { content_type } => write!(formatter, "[{content_type}]"),
        }
    }
}

/// The text and content of a message as one transcript line: quick replies gathered
/// after the text as Messenger draws them under it.
/// Rich content as Messenger draws it: a row of quick-reply chips, cards with their
/// buttons, a file, a picker's choices.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Drawn {
    QuickReplies {
        choices: Vec<String>,
    },
    Card {
        title: String,
        description: Option<String>,
        image: Option<String>,
        buttons: Vec<String>,
    },
    Attachment {
        filename: String,
        /// What is known of it: its media type (`Image`), or its size when sent.
        detail: String,
        url: Option<String>,
    },
    Picker {
        title: String,
        choices: Vec<String>,
    },
    /// A visitor's answer, or a type this version does not draw.
    Note {
        text: String,
    },
}

fn drawn_card(card: &Card) -> Drawn {
    Drawn::Card {
        title: card.title.clone(),
        description: card.description.clone(),
        image: card.image.clone(),
        buttons: card.actions.iter().map(|a| a.text.clone()).collect(),
    }
}

/// What the window draws of `content`: cards, files and pickers in order, the quick
/// replies as one row of chips at the end, as Messenger places them.
pub fn drawn(content: &[Content]) -> Vec<Drawn> {
    let mut items = Vec::new();
    let mut chips = Vec::new();
    for item in content {
        match item {
            Content::QuickReply { text, .. } => chips.push(text.clone()),
            Content::Card(card) => items.push(drawn_card(card)),
            Content::Carousel { cards } => items.extend(cards.iter().map(drawn_card)),
            Content::Attachment {
                filename,
                media_type,
                url,
                ..
            } => items.push(Drawn::Attachment {
                filename: filename.clone(),
                detail: media_type.clone(),
                url: url.clone(),
            }),
            Content::DatePicker { title, times } => items.push(Drawn::Picker {
                title: title.clone(),
                choices: times.clone(),
            }),
            Content::ListPicker { title, items: list } => items.push(Drawn::Picker {
                title: title.clone(),
                choices: list.clone(),
            }),
            other => items.push(Drawn::Note {
                text: other.to_string(),
            }),
        }
    }
    if !chips.is_empty() {
        items.push(Drawn::QuickReplies { choices: chips });
    }
    items
}

pub fn shown(text: &str, content: &[Content]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !text.is_empty() {
        parts.push(text.to_string());
    }
    let replies: Vec<&str> = content
        .iter()
        .filter_map(|item| match item {
            Content::QuickReply { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    parts.extend(
        content
            .iter()
            .filter(|item| !matches!(item, Content::QuickReply { .. }))
            .map(ToString::to_string),
    );
    if !replies.is_empty() {
        parts.push(format!("[quick replies: {}]", replies.join(" | ")));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_shaped_items_read_as_typed_content_and_unknown_ones_are_kept() {
        let body = json!({"content": [
            {"contentType": "QuickReply", "quickReply": {"text": "Track my order", "payload": "track", "action": "Message"}},
            {"contentType": "Card", "card": {"title": "Your order", "description": "Due Friday",
                "actions": [{"type": "Link", "text": "Open", "url": "https://shop.example.com/o/1"},
                            {"type": "Postback", "text": "Talk to an agent", "payload": "agent"}]}},
            {"contentType": "Carousel", "carousel": {"cards": [{"title": "A", "actions": []}, {"title": "B", "actions": []}]}},
            {"contentType": "DatePicker", "datePicker": {"title": "Pick a time", "availableTimes": [{"dateTime": "2026-12-07T10:00:00Z", "duration": 1800}]}},
            {"contentType": "Attachment", "attachment": {"id": "a1", "filename": "receipt.pdf", "mediaType": "File", "mime": "application/pdf", "url": "https://x/receipt.pdf"}},
            {"contentType": "Hologram", "hologram": {}},
            {"contentType": "QuickReply", "quickReply": {"text": "no payload"}},
        ]});
        let content = Content::read_all(&body);
        assert_eq!(
            content[0],
            Content::QuickReply {
                text: "Track my order".into(),
                payload: "track".into()
            }
        );
        let Content::Card(card) = &content[1] else {
            panic!("{:?}", content[1])
        };
        assert_eq!(card.title, "Your order");
        assert_eq!(
            card.actions[0].url.as_deref(),
            Some("https://shop.example.com/o/1")
        );
        assert_eq!(
            content[1].choices(),
            [Choice {
                kind: ChoiceKind::Button,
                text: "Talk to an agent".into(),
                payload: "agent".into()
            }]
        );
        assert!(matches!(&content[2], Content::Carousel { cards } if cards.len() == 2));
        assert!(matches!(&content[3], Content::DatePicker { times, .. } if times.len() == 1));
        assert!(
            matches!(&content[4], Content::Attachment { filename, .. } if filename == "receipt.pdf")
        );
        assert_eq!(
            content[5],
            Content::Unknown {
                content_type: "Hologram".into()
            }
        );
        assert!(matches!(&content[6], Content::Unknown { .. }));
        assert_eq!(
            shown("Hi!", &content[..2]),
            "Hi! card: Your order — Due Friday [Open | Talk to an agent] [quick replies: Track my order]"
        );
    }

    #[test]
    fn choosing_sends_what_the_official_sdk_sends() {
        let quick = Choice {
            kind: ChoiceKind::QuickReply,
            text: "Track my order".into(),
            payload: "track".into(),
        };
        assert_eq!(
            quick.message(),
            json!({"type": "Text", "text": "", "content": [{"contentType": "ButtonResponse",
                "buttonResponse": {"type": "QuickReply", "text": "Track my order", "payload": "track"}}]})
        );
        let postback = Choice {
            kind: ChoiceKind::Button,
            text: "Talk to an agent".into(),
            payload: "agent".into(),
        };
        assert_eq!(postback.message()["type"], "Structured");
        assert_eq!(postback.message()["text"], "Talk to an agent");
    }
}
