//! Query parameters as Genesys reads them, and their extractor: a bad value is refused
//! with a Genesys error body naming the parameter.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::{ApiError, ApiResult};

/// Query parameters, accepting both `a=1&a=2` and `a=1,2` for arrays.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        Params(
            raw.map(|query| {
                url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All values of an array parameter (`key` or `key[]`), comma lists split.
    pub fn all(&self, key: &str) -> Vec<String> {
        let bracketed = format!("{key}[]");
        self.0
            .iter()
            .filter(|(k, _)| *k == key || *k == bracketed)
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A positive integer parameter, or a 400 naming it.
    pub fn number(&self, key: &str, default: u32, max: u32) -> ApiResult<u32> {
        match self.get(key) {
            None => Ok(default),
            Some(text) => match text.parse::<u32>() {
                Ok(value) if value >= 1 && value <= max => Ok(value),
                _ => Err(ApiError::invalid_field(
                    "invalid.query.param.value",
                    key,
                    format!("Value [{text}] is not valid for query parameter {key}; expected a whole number from 1 to {max}."),
                )),
            },
        }
    }

    /// A single-valued parameter from a closed set, or a 400 naming it.
    pub fn one_of(&self, key: &str, allowed: &[&str]) -> ApiResult<Option<&str>> {
        match self.get(key) {
            Some(value) if !allowed.contains(&value) => Err(not_allowed(key, value, allowed)),
            found => Ok(found),
        }
    }

    /// Every value of an array parameter, each from a closed set, or a 400 naming it.
    pub fn all_of(&self, key: &str, allowed: &[&str]) -> ApiResult<Vec<String>> {
        let values = self.all(key);
        match values
            .iter()
            .find(|value| !allowed.contains(&value.as_str()))
        {
            Some(bad) => Err(not_allowed(key, bad, allowed)),
            None => Ok(values),
        }
    }

    pub fn flag(&self, key: &str) -> ApiResult<bool> {
        match self.get(key) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::invalid_field(
                "invalid.query.param.value",
                key,
                format!("Value [{other}] is not valid for query parameter {key}; expected true or false."),
            )),
        }
    }
}

fn not_allowed(key: &str, value: &str, allowed: &[&str]) -> ApiError {
    ApiError::invalid_field(
        "invalid.query.param.value",
        key,
        format!(
            "Value [{value}] is not valid for query parameter {key}. Allowable values are: {}",
            allowed.join(", ")
        ),
    )
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> ApiResult<Params> {
        Ok(Params::parse(parts.uri.query()))
    }
}
