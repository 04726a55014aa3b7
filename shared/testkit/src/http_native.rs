use linkhub_core::ports::{Http, OutboundRequest, OutboundResponse, PortError, PortErrorKind};
use std::io::Read;
use std::time::Duration;

/// Outbound HTTP over ureq: redirects are never followed, non-2xx statuses are answers, not errors.
pub struct UreqHttp {
    agent: ureq::Agent,
}

impl Default for UreqHttp {
    fn default() -> Self {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(15)))
            .build();
        Self { agent: config.into() }
    }
}

impl Http for UreqHttp {
    async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, PortError> {
        let mut builder = http::Request::builder().method(req.method.clone()).uri(&req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        let request = builder.body(req.body.clone()).map_err(|e| PortError::invalid(e.to_string()))?;
        let resp = self.agent.run(request).map_err(|e| PortError::unavailable(e.to_string()))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let mut body = Vec::new();
        let limit = req.max_response_bytes as u64;
        resp.into_body()
            .into_reader()
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| PortError::unavailable(e.to_string()))?;
        if body.len() as u64 > limit {
            return Err(PortError::new(PortErrorKind::TooLarge, format!("response over {limit} bytes")));
        }
        Ok(OutboundResponse { status, headers, body })
    }
}
