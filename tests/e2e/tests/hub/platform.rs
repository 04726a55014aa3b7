use crate::support::Hub;
use serde_json::Value;

#[test]
fn health_checks_d1_and_kv() {
    let hub = Hub::from_env();
    let r = hub.get("/healthz", None);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!((v["status"].as_str(), v["d1"].as_str(), v["kv"].as_str()), (Some("ok"), Some("ok"), Some("ok")));
    assert!(r.header("x-request-id").is_some_and(|id| id.starts_with("req_")));
}

#[test]
fn request_id_is_carried_through() {
    let hub = Hub::from_env();
    let r = hub.request("GET", "/healthz", None, &[("x-request-id", "trace-abc-12345")], None);
    assert_eq!(r.header("x-request-id"), Some("trace-abc-12345"));
}

#[test]
fn openapi_documents_every_route_of_the_table() {
    let hub = Hub::from_env();
    let r = hub.get("/api/v1/openapi.json", None);
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    for route in linkhub_core::routes::ROUTES.iter() {
        let method = route.method.as_str().to_ascii_lowercase();
        assert!(doc["paths"][route.path][&method].is_object(), "missing {method} {}", route.path);
    }
    assert!(doc["components"]["schemas"]["JobView"].is_object());
}

#[test]
fn preflight_answers_the_methods_of_the_route_table() {
    let hub = Hub::from_env();
    let r = hub.request(
        "OPTIONS",
        "/api/v1/auth/api-keys/key_1",
        None,
        &[("origin", "https://dashboard.example"), ("access-control-request-method", "DELETE")],
        None,
    );
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-methods"), Some(linkhub_core::routes::methods().as_str()));
}

#[test]
fn api_answers_are_not_cached_unless_the_route_says_so() {
    let hub = Hub::from_env();
    let (token, _) = hub.seller();
    assert_eq!(hub.get("/api/v1/auth/me", Some(&token)).header("cache-control"), Some("no-store"));
    assert_eq!(hub.get("/healthz", None).header("cache-control"), Some("no-store"));
}

#[test]
fn unknown_api_routes_answer_json_404_and_wrong_methods_405() {
    let hub = Hub::from_env();
    let r = hub.get("/api/v1/nothing-here", None);
    assert_eq!((r.status, r.error_code().as_str()), (404, "route_not_found"));
    assert!(r.header("content-type").unwrap().starts_with("application/json"));
    let r = hub.get("/api/v1/auth/signup", None);
    assert_eq!((r.status, r.error_code().as_str()), (405, "method_not_allowed"));
}

#[test]
fn dashboard_assets_are_served() {
    let hub = Hub::from_env();
    let r = hub.get("/", None);
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("Link Hub"));
}

#[test]
fn cors_preflight_and_headers() {
    let hub = Hub::from_env();
    let r = hub.request(
        "OPTIONS",
        "/api/v1/ingestion/tiktok-link",
        None,
        &[("origin", "http://localhost:5173"), ("access-control-request-method", "POST")],
        None,
    );
    assert_eq!(r.status, 204);
    assert!(r.header("access-control-allow-methods").unwrap().contains("POST"));
    assert!(r.header("access-control-allow-headers").unwrap().contains("idempotency-key"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

/// The port contract suites, run inside the platform by a test-only Worker or Spin component
/// that the end-to-end stack adds beside the shipped functions, against the same real stores
/// (D1, KV, R2, Queues, Fetch on workerd; SQLite, key-value, chunked objects, the outbox on Spin).
/// `CONTRACT_SUITES` names the suites the platform runs there (scripts/e2e*.sh).
#[test]
fn adapters_pass_the_port_contracts() {
    let hub = Hub::from_env();
    let suites = std::env::var("CONTRACT_SUITES").unwrap_or_else(|_| "sql,kv,blobs,queue,http".to_owned());
    let path = format!("/_contract?sandbox={}&suites={suites}", hub.sandbox);
    let r = hub.request("POST", &path, None, &[], None);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let report = r.json();
    let checks = report["checks"].as_array().unwrap();
    for suite in suites.split(',') {
        let ran = checks.iter().filter(|c| c["suite"] == suite).count();
        assert!(ran >= 2, "suite {suite}: only {ran} checks ran");
    }
    let failed: Vec<&Value> = checks.iter().filter(|c| c["passed"] != true).collect();
    assert!(failed.is_empty(), "contract failures: {failed:#?}");
}
