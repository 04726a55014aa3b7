//! Calls to Meta's Graph API (base URL and version from configuration, through the outbound
//! allow-list) with the seller's token, and what its answers mean: a Graph error body
//! (`{"error":{"message","type","code"}}`) becomes a clear API error; an unreachable Graph is 502.

use crate::config::Config;
use crate::error::ApiError;
use crate::outbound::AllowListed;
use crate::ports::{Http, OutboundRequest, PortErrorKind};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

/// A Graph error body.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: ErrorDetail,
}

#[derive(Debug, Default, Deserialize)]
pub struct ErrorDetail {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: i64,
}

/// What a Graph call came to when it did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Graph answered with an error: its HTTP status, code and message.
    Refused { status: u16, code: i64, message: String },
    /// Graph could not be reached, or answered something that is not Graph's.
    Unavailable(String),
}

impl Failure {
    pub fn unavailable_error(cause: String) -> ApiError {
        ApiError {
            cause: Some(cause),
            ..ApiError::new(
                StatusCode::BAD_GATEWAY,
                "graph_unavailable",
                "WhatsApp's Graph API could not be reached; try again",
            )
        }
    }

    /// The answer for the seller: a refused token is 422 `whatsapp_token_rejected`, another
    /// refusal 422 `graph_refused` with Graph's words, anything else 502.
    pub fn into_api_error(self) -> ApiError {
        match self {
            Failure::Refused { status, code, message } if status == 401 || code == 190 => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "whatsapp_token_rejected",
                format!("Graph refused the access token: {message}"),
            ),
            Failure::Refused { status, code, message } if (400..500).contains(&status) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "graph_refused",
                format!("Graph refused the request (code {code}): {message}"),
            ),
            Failure::Refused { status, code, .. } => {
                Self::unavailable_error(format!("Graph answered {status} (code {code})"))
            }
            Failure::Unavailable(cause) => Self::unavailable_error(cause),
        }
    }
}

/// Sends `method {graph}/{version}/{path}` with the token; a 2xx JSON body is the answer.
pub async fn call(
    http: &impl Http,
    cfg: &Config,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, Failure> {
    let url = format!("{}/{}/{path}", cfg.whatsapp_graph_url, cfg.whatsapp_graph_version);
    let mut req = OutboundRequest::get(url, 256 * 1024);
    req.method = method;
    req.headers.push(("authorization".to_owned(), format!("Bearer {token}")));
    if let Some(b) = body {
        req.headers.push(("content-type".to_owned(), "application/json".to_owned()));
        req.body = b.to_string().into_bytes();
    }
    let http = AllowListed { inner: http, extra: &cfg.outbound_allowed_origins };
    let resp = match http.send(req).await {
        Ok(r) => r,
        Err(e) if e.kind == PortErrorKind::Forbidden => return Err(Failure::Unavailable(e.detail)),
        Err(e) => return Err(Failure::Unavailable(e.to_string())),
    };
    if (200..300).contains(&resp.status) {
        return serde_json::from_slice(&resp.body).map_err(|e| Failure::Unavailable(format!("Graph's body: {e}")));
    }
    let err: ErrorBody = serde_json::from_slice(&resp.body).unwrap_or_default();
    Err(Failure::Refused { status: resp.status, code: err.error.code, message: err.error.message })
}
