//! The route table: the one place a route is declared. For every route it says the method and
//! path pattern, who may call it, how large its body may be, how it is rate-limited, how its
//! answers may be cached, which function serves it, and its OpenAPI operation.
//!
//! Everything else follows from it: the gateway authenticates, limits and forwards by it; each
//! function dispatches on [`RouteId`]; platform shells read request bodies up to [`body_limit`];
//! the OpenAPI document is built from it ([`crate::api::openapi::document`]); CORS preflight
//! answers its methods; and tests check the platform manifests (wrangler.toml's
//! `run_worker_first`, spin.toml's routes) against [`prefixes`]. Paths use `matchit` patterns,
//! which are OpenAPI's own `{name}` syntax.

use crate::api::openapi as doc;
use crate::error::ApiError;
use http::{Method, StatusCode};
use std::sync::LazyLock;
use utoipa::openapi::HttpMethod;
use utoipa::openapi::path::Operation;

/// The function (Worker, Spin component) that serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Answered by the gateway itself.
    Gateway,
    /// The ingest function: ingestion routes.
    Ingest,
    /// The products function: the catalog, storefront settings and public catalog reads.
    Products,
    /// The storefront function: public pages, QR codes and the click-to-chat redirect.
    Storefront,
    /// The thumbnailer: public thumbnails from the blob store.
    Media,
    /// The WhatsApp function: Meta's webhook, the seller's connection, templates and inbox.
    Whatsapp,
    /// Spin's drain component: outbox delivery and migrations (Workers use Queues and wrangler).
    Drain,
    /// Any stage component (metadata, caption-parser, auto-tagger, thumbnailer) on Spin.
    Stage,
}

/// Who may call a route. The table names the kind; the module that owns the route checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Public,
    /// A session token or an API key (`crate::accounts::authenticate`).
    Seller,
    /// A signed third-party delivery, checked by the owning module on the raw bytes.
    WebhookSignature,
    /// Operators and schedulers only: a bearer token compared in constant time, never through
    /// the gateway.
    Internal,
}

/// How a route is rate-limited (fixed one-minute windows in SQL, `crate::ratelimit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    None,
    /// Signups and logins per client address.
    AuthPerClient,
    /// Link submissions per seller and per client address.
    SubmitPerSellerAndClient,
    /// Public storefront pages and redirects per client address.
    PagePerClient,
}

/// How answers may be cached; applied when the handler did not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// Per-seller or changing data: `no-store`.
    NoStore,
    /// The caller's own data that rarely changes: `private, max-age=3600`.
    Private,
    /// The handler sets a public policy of its own (ETags, versioned URLs).
    Handler,
}

impl Cache {
    pub fn header(self) -> Option<&'static str> {
        match self {
            Cache::NoStore => Some("no-store"),
            Cache::Private => Some("private, max-age=3600"),
            Cache::Handler => None,
        }
    }
}

/// Every route, for dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteId {
    Healthz,
    Robots,
    OpenApi,
    Signup,
    Login,
    Me,
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
    SubmitLink,
    ListJobs,
    GetJob,
    RetryJob,
    GetJobCover,
    PutJobCover,
    Trends,
    AnalyticsOverview,
    AnalyticsProduct,
    AnalyticsBreakdown,
    ListProducts,
    CreateProduct,
    BulkProducts,
    ExportProducts,
    ImportProducts,
    GetImport,
    GetProduct,
    PatchProduct,
    DeleteProduct,
    PublishProduct,
    UnpublishProduct,
    UploadProductImage,
    GetStorefront,
    PatchStorefront,
    UploadAvatar,
    GetUpload,
    PublicProduct,
    PublicStore,
    StorePage,
    ProductPage,
    ProductQr,
    ClickToChat,
    MetaFeedCsv,
    MetaFeedXml,
    Media,
    WhatsappWebhookVerify,
    WhatsappWebhook,
    PutWhatsappConnection,
    GetWhatsappConnection,
    DeleteWhatsappConnection,
    ListTemplates,
    CreateTemplate,
    DeleteTemplate,
    ListConversations,
    GetConversation,
    UpdateConversation,
    SendMessage,
    GetMessageMedia,
    Drain,
    Migrate,
    StageDelivery,
}

/// Bodies of JSON API calls.
pub const JSON_BODY: usize = 16 * 1024;
/// A bulk action's ids (500 of them, with room).
pub const BULK_BODY: usize = 64 * 1024;
/// A bulk import's CSV (1,000 links with titles and prices, with room).
pub const IMPORT_BODY: usize = 1024 * 1024;
/// Uploaded images: the thumbnailer's input limit (`linkhub_imaging::Limits::max_input`).
pub const IMAGE_BODY: usize = 10 * 1024 * 1024;

pub struct Route {
    pub id: RouteId,
    pub method: Method,
    pub path: &'static str,
    pub auth: Auth,
    /// Largest request body, in bytes; a larger one is answered 413 before it is read whole.
    pub body_limit: usize,
    pub rate: RateLimit,
    pub cache: Cache,
    pub service: Service,
    /// The OpenAPI operation (a `#[utoipa::path]` item in `api::openapi`).
    pub doc: fn() -> (String, Vec<HttpMethod>, Operation),
}

fn op<P: utoipa::Path>() -> (String, Vec<HttpMethod>, Operation) {
    (P::path(), P::methods(), P::operation())
}

macro_rules! route {
    ($id:ident, $method:ident $path:literal, $auth:ident, $body:expr, $rate:ident, $cache:ident, $service:ident, $doc:ident) => {
        Route {
            id: RouteId::$id,
            method: Method::$method,
            path: $path,
            auth: Auth::$auth,
            body_limit: $body,
            rate: RateLimit::$rate,
            cache: Cache::$cache,
            service: Service::$service,
            doc: op::<doc::$doc>,
        }
    };
}

/// The table. Keep it sorted by path prefix; a test checks it against the OpenAPI document and
/// against each platform's manifest.
pub static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    vec![
        route!(Healthz, GET "/healthz", Public, 0, None, NoStore, Gateway, __path_healthz),
        route!(Robots, GET "/robots.txt", Public, 0, None, Handler, Gateway, __path_robots),
        route!(OpenApi, GET "/api/v1/openapi.json", Public, 0, None, Handler, Gateway, __path_openapi),
        route!(Signup, POST "/api/v1/auth/signup", Public, JSON_BODY, AuthPerClient, NoStore, Gateway, __path_signup),
        route!(Login, POST "/api/v1/auth/login", Public, JSON_BODY, AuthPerClient, NoStore, Gateway, __path_login),
        route!(Me, GET "/api/v1/auth/me", Seller, 0, None, NoStore, Gateway, __path_me),
        route!(CreateApiKey, POST "/api/v1/auth/api-keys", Seller, JSON_BODY, None, NoStore, Gateway, __path_create_key),
        route!(ListApiKeys, GET "/api/v1/auth/api-keys", Seller, 0, None, NoStore, Gateway, __path_list_keys),
        route!(RevokeApiKey, DELETE "/api/v1/auth/api-keys/{id}", Seller, 0, None, NoStore, Gateway, __path_revoke_key),
        route!(SubmitLink, POST "/api/v1/ingestion/tiktok-link", Seller, JSON_BODY, SubmitPerSellerAndClient, NoStore, Ingest, __path_submit),
        route!(ListJobs, GET "/api/v1/ingestion/jobs", Seller, 0, None, NoStore, Ingest, __path_list_jobs),
        route!(GetJob, GET "/api/v1/ingestion/jobs/{id}", Seller, 0, None, NoStore, Ingest, __path_get_job),
        // A retry re-runs TikTok calls: limited as submissions are.
        route!(RetryJob, POST "/api/v1/ingestion/jobs/{id}/retry", Seller, 0, SubmitPerSellerAndClient, NoStore, Ingest, __path_retry_job),
        route!(GetJobCover, GET "/api/v1/ingestion/jobs/{id}/cover", Seller, 0, None, Private, Ingest, __path_get_cover),
        // A new cover re-runs the thumbnail stage: limited as submissions are.
        route!(PutJobCover, PUT "/api/v1/ingestion/jobs/{id}/cover", Seller, IMAGE_BODY, SubmitPerSellerAndClient, NoStore, Ingest, __path_put_cover),
        route!(Trends, GET "/api/v1/analytics/trends", Seller, 0, None, NoStore, Gateway, __path_trends),
        // What buyers did on the storefront: the storefront function records it and reads it.
        route!(AnalyticsOverview, GET "/api/v1/analytics/overview", Seller, 0, None, NoStore, Storefront, __path_analytics_overview),
        route!(AnalyticsProduct, GET "/api/v1/analytics/products/{id}", Seller, 0, None, NoStore, Storefront, __path_analytics_product),
        route!(AnalyticsBreakdown, GET "/api/v1/analytics/breakdown", Seller, 0, None, NoStore, Storefront, __path_analytics_breakdown),
        route!(ListProducts, GET "/api/v1/products", Seller, 0, None, NoStore, Products, __path_list_products),
        route!(CreateProduct, POST "/api/v1/products", Seller, JSON_BODY, None, NoStore, Products, __path_create_product),
        route!(BulkProducts, POST "/api/v1/products/bulk", Seller, BULK_BODY, None, NoStore, Products, __path_bulk_products),
        route!(ExportProducts, GET "/api/v1/products/export.csv", Seller, 0, None, NoStore, Products, __path_export_products),
        route!(ImportProducts, POST "/api/v1/products/import", Seller, IMPORT_BODY, None, NoStore, Products, __path_import_products),
        route!(GetImport, GET "/api/v1/products/imports/{id}", Seller, 0, None, NoStore, Products, __path_get_import),
        route!(GetProduct, GET "/api/v1/products/{id}", Seller, 0, None, NoStore, Products, __path_get_product),
        route!(PatchProduct, PATCH "/api/v1/products/{id}", Seller, JSON_BODY, None, NoStore, Products, __path_patch_product),
        route!(DeleteProduct, DELETE "/api/v1/products/{id}", Seller, 0, None, NoStore, Products, __path_delete_product),
        // Publishing takes no body; clients that send `{}` anyway are not refused.
        route!(PublishProduct, POST "/api/v1/products/{id}/publish", Seller, JSON_BODY, None, NoStore, Products, __path_publish_product),
        route!(UnpublishProduct, POST "/api/v1/products/{id}/unpublish", Seller, JSON_BODY, None, NoStore, Products, __path_unpublish_product),
        // An upload makes the thumbnailer work: limited as submissions are.
        route!(UploadProductImage, POST "/api/v1/products/{id}/images", Seller, IMAGE_BODY, SubmitPerSellerAndClient, NoStore, Products, __path_upload_product_image),
        route!(GetStorefront, GET "/api/v1/storefront", Seller, 0, None, NoStore, Products, __path_get_storefront),
        route!(PatchStorefront, PATCH "/api/v1/storefront", Seller, JSON_BODY, None, NoStore, Products, __path_patch_storefront),
        route!(UploadAvatar, POST "/api/v1/storefront/avatar", Seller, IMAGE_BODY, SubmitPerSellerAndClient, NoStore, Products, __path_upload_avatar),
        // A connection check calls Graph: limited as submissions are.
        route!(PutWhatsappConnection, PUT "/api/v1/whatsapp/connection", Seller, JSON_BODY, SubmitPerSellerAndClient, NoStore, Whatsapp, __path_put_whatsapp_connection),
        route!(GetWhatsappConnection, GET "/api/v1/whatsapp/connection", Seller, 0, None, NoStore, Whatsapp, __path_get_whatsapp_connection),
        route!(DeleteWhatsappConnection, DELETE "/api/v1/whatsapp/connection", Seller, 0, None, NoStore, Whatsapp, __path_delete_whatsapp_connection),
        route!(ListTemplates, GET "/api/v1/whatsapp/templates", Seller, 0, None, NoStore, Whatsapp, __path_list_templates),
        // Creating and deleting call Graph: limited as submissions are.
        route!(CreateTemplate, POST "/api/v1/whatsapp/templates", Seller, JSON_BODY, SubmitPerSellerAndClient, NoStore, Whatsapp, __path_create_template),
        route!(DeleteTemplate, DELETE "/api/v1/whatsapp/templates", Seller, 0, SubmitPerSellerAndClient, NoStore, Whatsapp, __path_delete_template),
        route!(ListConversations, GET "/api/v1/inbox/conversations", Seller, 0, None, NoStore, Whatsapp, __path_list_conversations),
        route!(GetConversation, GET "/api/v1/inbox/conversations/{id}", Seller, 0, None, NoStore, Whatsapp, __path_get_conversation),
        route!(UpdateConversation, PATCH "/api/v1/inbox/conversations/{id}", Seller, JSON_BODY, None, NoStore, Whatsapp, __path_update_conversation),
        // Sends are paced per number by the sender itself (WHATSAPP_SEND_PER_SECOND).
        route!(SendMessage, POST "/api/v1/inbox/conversations/{id}/messages", Seller, crate::whatsapp::send::SEND_BODY, None, NoStore, Whatsapp, __path_send_message),
        route!(GetMessageMedia, GET "/api/v1/inbox/messages/{id}/media", Seller, 0, None, NoStore, Whatsapp, __path_get_message_media),
        route!(GetUpload, GET "/api/v1/uploads/{id}", Seller, 0, None, NoStore, Products, __path_get_upload),
        // What buyers' pages and the WhatsApp assistant read: cached (`crate::cache`), public.
        route!(PublicProduct, GET "/api/v1/public/products/{code}", Public, 0, None, Handler, Products, __path_public_product),
        route!(PublicStore, GET "/api/v1/public/stores/{handle}", Public, 0, None, Handler, Products, __path_public_store),
        // Buyers' pages (HTML), the product's QR code and the click-to-chat redirect.
        // The Meta catalog feed of the seller's published products.
        route!(MetaFeedCsv, GET "/feeds/{handle}/meta.csv", Public, 0, PagePerClient, Handler, Storefront, __path_meta_feed_csv),
        route!(MetaFeedXml, GET "/feeds/{handle}/meta.xml", Public, 0, PagePerClient, Handler, Storefront, __path_meta_feed_xml),
        route!(ClickToChat, GET "/go/{code}", Public, 0, PagePerClient, Handler, Storefront, __path_click_to_chat),
        route!(StorePage, GET "/s/{handle}", Public, 0, PagePerClient, Handler, Storefront, __path_store_page),
        route!(ProductPage, GET "/s/{handle}/{slug}", Public, 0, PagePerClient, Handler, Storefront, __path_product_page),
        route!(ProductQr, GET "/s/{handle}/{slug}/qr.svg", Public, 0, PagePerClient, Handler, Storefront, __path_product_qr),
        route!(Media, GET "/media/{seller}/{set}/{file}", Public, 0, None, Handler, Media, __path_media),
        // Meta's deliveries: signed, checked on the raw bytes by the WhatsApp function; never
        // rate-limited (Meta retries for days, and a 429 would only delay the buyer's message).
        route!(WhatsappWebhookVerify, GET "/webhooks/whatsapp", WebhookSignature, 0, None, NoStore, Whatsapp, __path_whatsapp_verify),
        route!(WhatsappWebhook, POST "/webhooks/whatsapp", WebhookSignature, crate::whatsapp::webhook::DELIVERY_BODY, None, NoStore, Whatsapp, __path_whatsapp_webhook),
        route!(Drain, POST "/internal/drain", Internal, 0, None, NoStore, Drain, __path_drain),
        route!(Migrate, POST "/internal/migrate", Internal, 0, None, NoStore, Drain, __path_migrate),
        // One outbox message handed to a stage component over local chaining (Spin): as large as
        // a Cloudflare queue message may be (128 KB), with room.
        route!(StageDelivery, POST "/internal/stage", Internal, 1024 * 1024, None, NoStore, Stage, __path_stage),
    ]
});

/// A matched route and its path parameters.
pub struct Matched {
    pub route: &'static Route,
    params: Vec<(String, String)>,
}

impl Matched {
    /// A path parameter by name (`id` in `/jobs/{id}`); empty when absent.
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
    pub fn id(&self) -> RouteId {
        self.route.id
    }
}

static ROUTER: LazyLock<matchit::Router<Vec<usize>>> = LazyLock::new(|| {
    let mut paths: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, r) in ROUTES.iter().enumerate() {
        match paths.iter_mut().find(|(p, _)| *p == r.path) {
            Some((_, ids)) => ids.push(i),
            None => paths.push((r.path, vec![i])),
        }
    }
    let mut router = matchit::Router::new();
    for (path, ids) in paths {
        // The table is static and tested (`every_path_is_a_valid_pattern`); a bad pattern would
        // be a build-time mistake, never a request-time one.
        let _ = router.insert(path, ids);
    }
    router
});

/// Finds the route for a request: 404 `route_not_found` when no path matches, 405
/// `method_not_allowed` when the path exists with other methods. HEAD matches GET.
pub fn find(method: &Method, path: &str) -> Result<Matched, ApiError> {
    let normalized = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let Ok(m) = ROUTER.at(normalized) else { return Err(route_not_found()) };
    let wanted = if method == Method::HEAD { &Method::GET } else { method };
    let Some(&i) = m.value.iter().find(|&&i| ROUTES[i].method == *wanted) else {
        return Err(method_not_allowed());
    };
    let params = m.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    Ok(Matched { route: &ROUTES[i], params })
}

/// How many body bytes a platform reads for this request before the core answers 413.
pub fn body_limit(method: &Method, path: &str) -> usize {
    find(method, path).map_or(0, |m| m.route.body_limit)
}

/// 413 for a body over the route's limit.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("the body is larger than {limit} bytes"))
}

/// Checks a read body against the route's limit.
pub fn check_body(route: &Route, body: &[u8]) -> Result<(), ApiError> {
    if body.len() > route.body_limit { Err(too_large(route.body_limit)) } else { Ok(()) }
}

pub fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not accept that method")
}

pub fn route_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such route")
}

/// The methods the table holds, for CORS preflight (`OPTIONS` included).
pub fn methods() -> String {
    let mut out: Vec<&str> = Vec::new();
    for r in ROUTES.iter() {
        if !out.contains(&r.method.as_str()) {
            out.push(r.method.as_str());
        }
    }
    out.push("OPTIONS");
    out.join(", ")
}

/// The first path segment of every route (`/api/`, `/healthz`, `/media/`, ...): what a platform
/// must send to the functions rather than to the dashboard's single-page fallback. A prefix
/// ends in `/` when the segment has routes below it, else it is the whole path.
pub fn prefixes() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in ROUTES.iter() {
        let rest = &r.path[1..];
        let prefix = match rest.find('/') {
            Some(i) => format!("/{}/", &rest[..i]),
            None => r.path.to_owned(),
        };
        if !out.contains(&prefix) {
            out.push(prefix);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_path_is_a_valid_pattern() {
        let mut router = matchit::Router::new();
        let mut seen: Vec<&str> = Vec::new();
        for r in ROUTES.iter() {
            if !seen.contains(&r.path) {
                router.insert(r.path, ()).unwrap();
                seen.push(r.path);
            }
        }
    }

    #[test]
    fn every_route_is_found_with_its_own_method_only() {
        for r in ROUTES.iter() {
            let concrete = r
                .path
                .replace("{id}", "x1")
                .replace("{seller}", "s")
                .replace("{job}", "j")
                .replace("{file}", "f")
                .replace("{code}", "c")
                .replace("{handle}", "h");
            let m = find(&r.method, &concrete).unwrap();
            assert_eq!(m.id(), r.id, "{}", r.path);
            let taken = |m: &Method| {
                ROUTES
                    .iter()
                    .any(|o| o.path == r.path && (o.method == *m || (*m == Method::HEAD && o.method == Method::GET)))
            };
            let other =
                [Method::PUT, Method::PATCH, Method::DELETE, Method::POST].into_iter().find(|m| !taken(m)).unwrap();
            assert_eq!(find(&other, &concrete).err().unwrap().status, StatusCode::METHOD_NOT_ALLOWED);
        }
    }

    #[test]
    fn parameters_trailing_slashes_and_unknown_paths() {
        let m = find(&Method::GET, "/api/v1/ingestion/jobs/job_1/").unwrap();
        assert_eq!((m.id(), m.param("id")), (RouteId::GetJob, "job_1"));
        let m = find(&Method::HEAD, "/media/s1/j1/square-320.webp").unwrap();
        assert_eq!((m.param("seller"), m.param("set"), m.param("file")), ("s1", "j1", "square-320.webp"));
        assert_eq!(find(&Method::GET, "/api/v1/nope").err().unwrap().code, "route_not_found");
        assert_eq!(find(&Method::GET, "/media/a/b").err().unwrap().code, "route_not_found");
        assert_eq!(body_limit(&Method::POST, "/api/v1/auth/login"), JSON_BODY);
        assert_eq!(body_limit(&Method::POST, "/nowhere"), 0);
    }

    /// Test-only routes live in test-only functions (`tests/contract-*`), never in the table.
    #[test]
    fn the_table_has_no_test_route() {
        for r in ROUTES.iter() {
            assert!(!r.path.starts_with("/_") && !r.path.contains("contract"), "{}", r.path);
        }
        assert_eq!(find(&Method::POST, "/_contract").err().unwrap().code, "route_not_found");
        assert_eq!(find(&Method::POST, "/api/v1/ingestion/_contract").err().unwrap().code, "route_not_found");
    }

    /// Fixed paths below `/api/v1/products/` win over the `{id}` pattern.
    #[test]
    fn fixed_product_paths_win_over_ids() {
        assert_eq!(find(&Method::POST, "/api/v1/products/bulk").unwrap().id(), RouteId::BulkProducts);
        assert_eq!(find(&Method::GET, "/api/v1/products/export.csv").unwrap().id(), RouteId::ExportProducts);
        let m = find(&Method::PATCH, "/api/v1/products/prd_1").unwrap();
        assert_eq!((m.id(), m.param("id")), (RouteId::PatchProduct, "prd_1"));
    }

    #[test]
    fn image_uploads_take_what_the_thumbnailer_decodes() {
        assert_eq!(IMAGE_BODY, linkhub_imaging::Limits::default().max_input);
        assert_eq!(body_limit(&Method::PUT, "/api/v1/ingestion/jobs/job_1/cover"), IMAGE_BODY);
        assert_eq!(body_limit(&Method::POST, "/api/v1/products/prd_1/images"), IMAGE_BODY);
        assert_eq!(body_limit(&Method::POST, "/api/v1/storefront/avatar"), IMAGE_BODY);
    }

    #[test]
    fn preflight_methods_and_prefixes_come_from_the_table() {
        assert_eq!(methods(), "GET, POST, DELETE, PUT, PATCH, OPTIONS");
        assert_eq!(
            prefixes(),
            vec!["/healthz", "/robots.txt", "/api/", "/feeds/", "/go/", "/s/", "/media/", "/webhooks/", "/internal/"]
        );
    }
}
