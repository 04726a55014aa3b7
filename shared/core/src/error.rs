//! The one place where failures become HTTP: `{"error":{"code":"...","message":"..."}}`.
//!
//! Client mistakes carry their own message; internal failures answer an opaque 500/503 while the
//! cause goes to the log.

use crate::ports::{PortError, PortErrorKind};
use http::StatusCode;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, for 429 and 503 answers.
    pub retry_after: Option<u64>,
    /// Logged, never sent.
    pub cause: Option<String>,
    /// For 422: each invalid field by its JSON path.
    pub fields: Vec<FieldError>,
}

/// One invalid field of a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON path of the field: `price.amount`, `tags[3]`.
    pub path: String,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_url_host`.
    pub code: String,
    pub message: String,
    /// Present on `invalid_fields` (422): every invalid field by its JSON path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None, cause: None, fields: Vec::new() }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// A request the platform could not read (bad method, URL or body stream): the platform's
    /// own words go to `cause`, never into the body.
    pub fn invalid_request(cause: impl Into<String>) -> Self {
        Self { cause: Some(cause.into()), ..Self::bad_request("invalid_request", "the request could not be read") }
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn internal(cause: impl Into<String>) -> Self {
        Self { cause: Some(cause.into()), ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error") }
    }
    pub fn too_many(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests, slow down")
        }
    }
    /// 422 `invalid_fields` with every field that failed.
    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => format!("{}: {}", one.path, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self { fields, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_fields", message) }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl From<PortError> for ApiError {
    fn from(e: PortError) -> Self {
        let cause = Some(format!("{e}"));
        match e.kind {
            PortErrorKind::Unavailable => Self {
                cause,
                retry_after: Some(1),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "a backing service is unavailable, try again",
                )
            },
            _ => Self { cause, ..Self::internal("") },
        }
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::internal(format!("json: {e}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::ApiError;

    /// A platform's error text (an SDK's, a runtime's) stays in the log.
    #[test]
    fn an_unreadable_request_keeps_the_platforms_words_out_of_the_body() {
        let e = ApiError::invalid_request("TypeError: Body has already been used (workerd internal)");
        let body = serde_json::to_string(&e.body()).unwrap_or_default();
        assert_eq!(e.status, http::StatusCode::BAD_REQUEST);
        assert!(body.contains("invalid_request") && !body.contains("TypeError"), "{body}");
        assert!(e.cause.is_some_and(|c| c.contains("TypeError")));
    }
}
