//! Walking listings to the end: the page-number style (queues, flows) and the cursor
//! style (web deployments). Both stop on the server's own signal and never loop forever.

use std::future::Future;

use super::error::Error;
use super::models::{CursorListing, PageListing};

/// Hard stop for a listing that never ends (a server bug must not hang the app).
pub const MAX_PAGES: u32 = 10_000;

/// Fetches pages 1, 2, … until `pageCount` is reached or a page comes back empty.
pub async fn collect_numbered<T, F, Fut>(mut fetch_page: F) -> Result<Vec<T>, Error>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<PageListing<T>, Error>>,
{
    let mut items = Vec::new();
    for page_number in 1..=MAX_PAGES {
        let page = fetch_page(page_number).await?;
        let empty = page.entities.is_empty();
        items.extend(page.entities);
        let last = match page.page_count {
            Some(page_count) => page_number >= page_count,
            None => page.next_uri.is_none(),
        };
        if empty || last {
            break;
        }
    }
    Ok(items)
}

/// Follows `nextUri`'s `after` cursor until there is none.
pub async fn collect_cursor<T, F, Fut>(mut fetch_page: F) -> Result<Vec<T>, Error>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<CursorListing<T>, Error>>,
{
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = fetch_page(cursor.clone()).await?;
        let next = page.next_uri.as_deref().and_then(cursor_from_uri);
        let stalled = next.is_some() && next == cursor;
        let empty = page.entities.is_empty();
        items.extend(page.entities);
        if next.is_none() || stalled || empty {
            break;
        }
        cursor = next;
    }
    Ok(items)
}

/// The `after` cursor of a `nextUri`, relative or absolute.
pub fn cursor_from_uri(uri: &str) -> Option<String> {
    let query = uri.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "after")
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(page: u32, count: u32, items: Vec<u32>) -> PageListing<u32> {
        PageListing {
            entities: items,
            page_size: Some(2),
            page_number: Some(page),
            total: None,
            page_count: Some(count),
            first_uri: None,
            self_uri: None,
            next_uri: None,
            previous_uri: None,
            last_uri: None,
        }
    }

    #[tokio::test]
    async fn numbered_paging_stops_at_page_count() {
        let mut calls = 0;
        let items = collect_numbered(|page| {
            calls += 1;
            async move { Ok(numbered(page, 3, vec![page * 10, page * 10 + 1])) }
        })
        .await
        .unwrap();
        assert_eq!(items, vec![10, 11, 20, 21, 30, 31]);
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn cursor_paging_stops_when_the_cursor_repeats() {
        let mut calls = 0;
        let items = collect_cursor(|_cursor| {
            calls += 1;
            async move {
                Ok(CursorListing {
                    entities: vec![1],
                    total: None,
                    self_uri: None,
                    next_uri: Some("/api/v2/x?after=same".into()),
                    previous_uri: None,
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(items, vec![1, 1]);
        assert_eq!(calls, 2);
    }

    #[test]
    fn cursor_is_read_from_relative_and_absolute_uris() {
        assert_eq!(
            cursor_from_uri("/api/v2/w?pageSize=2&after=abc%3D").as_deref(),
            Some("abc=")
        );
        assert_eq!(
            cursor_from_uri("https://api.x/api/v2/w?after=q").as_deref(),
            Some("q")
        );
        assert_eq!(cursor_from_uri("/api/v2/w?pageSize=2"), None);
    }
}
