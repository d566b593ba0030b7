//! Listing envelopes: cursor pages (web deployments) and page-number pages (routing,
//! flows), with the one opaque cursor codec the audit results use too.

use base64::Engine;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::params::Params;

/// An opaque cursor for an offset into a listing.
pub fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

pub fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("o:")?
        .parse()
        .ok()
}

/// A cursor-style page (`entities, total, selfUri, nextUri, previousUri`).
pub fn cursor_page(items: Vec<Value>, params: &Params, path: &str) -> ApiResult<Value> {
    let page_size = params.number("pageSize", 300, 1000)? as usize;
    let start = match params.get("after") {
        None => 0,
        Some(cursor) => decode_cursor(cursor).ok_or_else(|| {
            ApiError::invalid_field(
                "invalid.query.param.value",
                "after",
                "The cursor in 'after' is not valid.",
            )
        })?,
    };
    let total = items.len();
    let end = (start + page_size).min(total);
    let entities: Vec<Value> = items.into_iter().skip(start).take(page_size).collect();
    let mut page = json!({
        "entities": entities,
        "total": total,
        "selfUri": format!("{path}?pageSize={page_size}"),
    });
    if end < total {
        page["nextUri"] = json!(format!(
            "{path}?pageSize={page_size}&after={}",
            encode_cursor(end)
        ));
    }
    if start > 0 {
        page["previousUri"] = json!(format!(
            "{path}?pageSize={page_size}&before={}",
            encode_cursor(start)
        ));
    }
    Ok(page)
}

/// A page-number page (`entities, pageSize, pageNumber, total, pageCount, *Uri`).
pub fn number_page(
    items: Vec<Value>,
    params: &Params,
    path: &str,
    max_page_size: u32,
) -> ApiResult<Value> {
    let page_size = params.number("pageSize", 25, max_page_size)? as usize;
    let page_number = params.number("pageNumber", 1, u32::MAX)? as usize;
    let total = items.len();
    let page_count = total.div_ceil(page_size).max(1);
    let entities: Vec<Value> = items
        .into_iter()
        .skip((page_number - 1) * page_size)
        .take(page_size)
        .collect();
    let uri = |number: usize| format!("{path}?pageSize={page_size}&pageNumber={number}");
    let mut page = json!({
        "entities": entities,
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "pageCount": page_count,
        "firstUri": uri(1),
        "selfUri": uri(page_number),
        "lastUri": uri(page_count),
    });
    if page_number < page_count {
        page["nextUri"] = json!(uri(page_number + 1));
    }
    if page_number > 1 {
        page["previousUri"] = json!(uri(page_number - 1));
    }
    Ok(page)
}
