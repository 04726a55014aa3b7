//! The OpenAPI 3.1 document, generated from the route table (`crate::routes`) and the Rust types
//! that the routes (de)serialise. The functions below exist only to carry each route's
//! description for `utoipa`; the table names one for every route, and a test checks that each
//! says the same method and path as its table row.

#![allow(dead_code)]

use super::Response;
use crate::accounts::{
    ApiKeyList, ApiKeyView, CreateApiKeyRequest, CreatedApiKey, LoginRequest, LoginResponse, SellerView, SignupRequest,
    SignupResponse,
};
use crate::analytics::{
    Breakdown, BreakdownQuery, BreakdownRow, Counts, DayCounts, FunnelStep, Overview, ProductAnalytics, ProductCounts,
    RangeQuery,
};
use crate::api::gateway::Health;
use crate::cache::PublicStore;
use crate::catalog::{Draft, FormatView, ThumbnailView};
use crate::error::FieldError;
use crate::error::{ErrorBody, ErrorDetail};
use crate::imports::{ImportRowView, ImportView};
use crate::ingest::{SubmitRequest, SubmitResponse};
use crate::jobs::{CoverView, JobErrorView, JobPage, JobProduct, JobView, ListQuery, StageView, StagesView, VideoView};
use crate::products::bulk::{BulkRequest, BulkResult, BulkSkipped};
use crate::products::search::{ProductPage, SearchQuery};
use crate::products::{PriceView, ProductView, SeoView, SourceView};
use crate::storefront::StorefrontView;
use crate::trends::{TrendsQuery, TrendsView};
use crate::uploads::UploadView;
use crate::whatsapp::connection::{ConnectionInput, ConnectionView, TemplateRef};
use crate::whatsapp::conversations::{
    ContactView, ConversationDetail, ConversationPage, ConversationPatch, ConversationView,
    ListQuery as ConversationQuery, MediaView, MessageView, Window,
};
use crate::whatsapp::templates::{DeleteQuery as TemplateDeleteQuery, TemplateInput, TemplateList, TemplateView};
use http::StatusCode;
use utoipa::OpenApi;

#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
fn healthz() {}

#[utoipa::path(get, path = "/robots.txt", tag = "storefront",
    responses((status = 200, description = "crawlers may read the storefront and the feeds, not the API or the redirects", content_type = "text/plain")))]
fn robots() {}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "ops",
    responses((status = 200, description = "this document", content_type = "application/json")))]
fn openapi() {}

#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "accounts", request_body = SignupRequest,
    responses((status = 201, body = SignupResponse), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
fn signup() {}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
fn login() {}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = SellerView), (status = 401, body = ErrorBody)))]
fn me() {}

#[utoipa::path(post, path = "/api/v1/auth/api-keys", tag = "accounts", request_body = CreateApiKeyRequest,
    security(("bearer" = [])), responses((status = 201, body = CreatedApiKey), (status = 401, body = ErrorBody)))]
fn create_key() {}

#[utoipa::path(get, path = "/api/v1/auth/api-keys", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = ApiKeyList), (status = 401, body = ErrorBody)))]
fn list_keys() {}

#[utoipa::path(delete, path = "/api/v1/auth/api-keys/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "API key id")),
    responses((status = 204, description = "revoked"), (status = 404, body = ErrorBody)))]
fn revoke_key() {}

#[utoipa::path(post, path = "/api/v1/ingestion/tiktok-link", tag = "ingestion", request_body = SubmitRequest,
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "replays the first response for the same body")),
    responses((status = 202, body = SubmitResponse, description = "accepted, a new job"),
              (status = 200, body = SubmitResponse, description = "this seller already submitted the video: the existing job"),
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
fn submit() {}

#[utoipa::path(get, path = "/api/v1/ingestion/jobs", tag = "ingestion", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = JobPage), (status = 400, body = ErrorBody)))]
fn list_jobs() {}

#[utoipa::path(get, path = "/api/v1/ingestion/jobs/{id}", tag = "ingestion", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody)))]
fn get_job() {}

#[utoipa::path(get, path = "/api/v1/ingestion/jobs/{id}/cover", tag = "ingestion", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, description = "the cover image copied from TikTok", content_type = "image/*"),
              (status = 404, body = ErrorBody)))]
fn get_cover() {}

#[utoipa::path(put, path = "/api/v1/ingestion/jobs/{id}/cover", tag = "ingestion", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "a JPEG, PNG or WebP image, up to 10 MiB and 4096 px on a side; `Content-Type` must match it"),
    responses((status = 202, body = JobView, description = "stored; the thumbnails are made again from it"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the job has no video yet"),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
fn put_cover() {}

#[utoipa::path(post, path = "/api/v1/ingestion/jobs/{id}/retry", tag = "ingestion", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    responses((status = 202, body = JobView, description = "the failed stages run again"),
              (status = 200, body = JobView, description = "nothing had failed, or it is already re-running: the job as it is"),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
fn retry_job() {}

#[utoipa::path(get, path = "/media/{seller}/{set}/{file}", tag = "media",
    params(("seller" = String, Path, description = "seller id"), ("set" = String, Path, description = "the image set: a job id, or an upload id"),
           ("file" = String, Path, description = "rendition name, optionally with `.jpg` or `.webp`; without one the format follows `Accept`")),
    responses((status = 200, description = "the image; versioned URLs are cacheable for a year", content_type = "image/*"),
              (status = 304, description = "matches `If-None-Match`"), (status = 404, body = ErrorBody)))]
fn media() {}

#[utoipa::path(post, path = "/internal/drain", tag = "internal", security(("bearer" = [])),
    responses((status = 200, description = "Spin only: delivers due outbox messages (drain token)"),
              (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
fn drain() {}

#[utoipa::path(post, path = "/internal/migrate", tag = "internal", security(("bearer" = [])),
    responses((status = 200, description = "Spin only: applies pending migrations (drain token)"),
              (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
fn migrate() {}

#[utoipa::path(post, path = "/internal/stage", tag = "internal",
    responses((status = 200, description = "Spin only, local chaining: one outbox message run by a stage component")))]
fn stage() {}

#[utoipa::path(get, path = "/api/v1/analytics/trends", tag = "analytics", params(TrendsQuery), security(("bearer" = [])),
    responses((status = 200, body = TrendsView, description = "hashtags and keywords ranked by growth"),
              (status = 400, body = ErrorBody)))]
fn trends() {}

#[utoipa::path(get, path = "/api/v1/analytics/overview", tag = "analytics", params(RangeQuery), security(("bearer" = [])),
    responses((status = 200, body = Overview, description = "totals, a per-day series, the click-through rate, the funnel and the top products"),
              (status = 400, body = ErrorBody, description = "a date that is not YYYY-MM-DD, from after to, or more than 366 days")))]
fn analytics_overview() {}

#[utoipa::path(get, path = "/api/v1/analytics/products/{id}", tag = "analytics", params(("id" = String, Path), RangeQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ProductAnalytics), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "no such product for this seller")))]
fn analytics_product() {}

#[utoipa::path(get, path = "/api/v1/analytics/breakdown", tag = "analytics", params(BreakdownQuery), security(("bearer" = [])),
    responses((status = 200, body = Breakdown, description = "views, clicks and visitors by referrer host, country or device class"),
              (status = 400, body = ErrorBody)))]
fn analytics_breakdown() {}

#[utoipa::path(get, path = "/api/v1/products", tag = "products", params(SearchQuery), security(("bearer" = [])),
    responses((status = 200, body = ProductPage), (status = 400, body = ErrorBody)))]
fn list_products() {}

#[utoipa::path(post, path = "/api/v1/products", tag = "products", security(("bearer" = [])),
    request_body(content = Object, description = "title (required), description, price {amount, currency}, compare_at_price, status, availability, category, category_path, tags, seo {title, description}, slug"),
    responses((status = 201, body = ProductView, description = "made; `ETag` carries its version"),
              (status = 409, body = ErrorBody, description = "the slug is taken"),
              (status = 422, body = ErrorBody, description = "invalid fields, each by its JSON path")))]
fn create_product() {}

#[utoipa::path(post, path = "/api/v1/products/bulk", tag = "products", request_body = BulkRequest, security(("bearer" = [])),
    responses((status = 200, body = BulkResult), (status = 400, body = ErrorBody)))]
fn bulk_products() {}

#[utoipa::path(get, path = "/api/v1/products/export.csv", tag = "products", security(("bearer" = [])),
    responses((status = 200, description = "every product as CSV; formula-like cells are neutralised", content_type = "text/csv")))]
fn export_products() {}

#[utoipa::path(post, path = "/api/v1/products/import", tag = "products", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "a `url` column (or links alone, one per line), optional `title`, `price`, `currency`; at most 1,000 links"),
    responses((status = 202, body = ImportView, description = "accepted; the rows are worked through at the hub's pace"),
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
fn import_products() {}

#[utoipa::path(get, path = "/api/v1/products/imports/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "import id")),
    responses((status = 200, body = ImportView, description = "progress and every row's result"), (status = 404, body = ErrorBody)))]
fn get_import() {}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "product id")),
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody)))]
fn get_product() {}

#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "product id"),
           ("If-Match" = Option<String>, Header, description = "the `ETag` you read: the edit applies only to that version")),
    request_body(content = Object, description = "any fields of the create body; null clears price, compare_at_price and category_path"),
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 412, body = ErrorBody, description = "the product changed since that `ETag`"),
              (status = 422, body = ErrorBody)))]
fn patch_product() {}

#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "product id")),
    responses((status = 204, description = "deleted"), (status = 404, body = ErrorBody)))]
fn delete_product() {}

#[utoipa::path(post, path = "/api/v1/products/{id}/publish", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "product id")),
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "it needs a title and a price")))]
fn publish_product() {}

#[utoipa::path(post, path = "/api/v1/products/{id}/unpublish", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "product id")),
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody)))]
fn unpublish_product() {}

#[utoipa::path(post, path = "/api/v1/products/{id}/images", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "product id")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "a JPEG, PNG or WebP photo, up to 10 MiB and 4096 px on a side; `Content-Type` must match it"),
    responses((status = 202, body = UploadView, description = "stored; the renditions replace the product's images once made (`Location` tells the upload's state)"),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
fn upload_product_image() {}

#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "upload id")),
    responses((status = 200, body = UploadView, description = "processing, ready (with its renditions), failed (with why) or superseded"),
              (status = 404, body = ErrorBody)))]
fn get_upload() {}

#[utoipa::path(get, path = "/api/v1/storefront", tag = "storefront", security(("bearer" = [])),
    responses((status = 200, body = StorefrontView)))]
fn get_storefront() {}

#[utoipa::path(patch, path = "/api/v1/storefront", tag = "storefront", security(("bearer" = [])),
    request_body(content = Object, description = "handle, display_name, bio, whatsapp (E.164), currency, language, accent_color, auto_publish"),
    responses((status = 200, body = StorefrontView), (status = 409, body = ErrorBody, description = "the handle is taken"),
              (status = 422, body = ErrorBody)))]
fn patch_storefront() {}

#[utoipa::path(post, path = "/api/v1/storefront/avatar", tag = "storefront", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "a JPEG, PNG or WebP image, up to 10 MiB and 4096 px on a side; `Content-Type` must match it"),
    responses((status = 202, body = UploadView, description = "stored; its square renditions become the storefront's avatar once made"),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
fn upload_avatar() {}

#[utoipa::path(get, path = "/api/v1/public/products/{code}", tag = "public",
    params(("code" = String, Path, description = "the product's public code")),
    responses((status = 200, body = ProductView, description = "a published product; `x-cache` says which level answered"),
              (status = 404, body = ErrorBody)))]
fn public_product() {}

#[utoipa::path(get, path = "/api/v1/public/stores/{handle}", tag = "public",
    params(("handle" = String, Path, description = "the seller's handle")),
    responses((status = 200, body = PublicStore, description = "settings and published products"),
              (status = 404, body = ErrorBody)))]
fn public_store() {}

#[utoipa::path(get, path = "/s/{handle}", tag = "storefront pages",
    params(("handle" = String, Path, description = "the seller's handle"),
           ("q" = Option<String>, Query, description = "words to search for"),
           ("category" = Option<String>, Query, description = "a category"),
           ("cursor" = Option<String>, Query, description = "the next page's cursor")),
    responses((status = 200, description = "the seller's page: header, search, category chips, published products", content_type = "text/html"),
              (status = 304, description = "matches `If-None-Match`"),
              (status = 404, description = "no such storefront (an HTML page)", content_type = "text/html"),
              (status = 429, description = "too many requests from this client (HTML, `Retry-After`)", content_type = "text/html")))]
fn store_page() {}

#[utoipa::path(get, path = "/s/{handle}/{slug}", tag = "storefront pages",
    params(("handle" = String, Path, description = "the seller's handle"), ("slug" = String, Path, description = "the product's slug")),
    responses((status = 200, description = "a published product's page with Open Graph tags and JSON-LD", content_type = "text/html"),
              (status = 304, description = "matches `If-None-Match`"),
              (status = 404, description = "unknown, unpublished or archived (an HTML page)", content_type = "text/html"),
              (status = 429, description = "too many requests from this client", content_type = "text/html")))]
fn product_page() {}

#[utoipa::path(get, path = "/s/{handle}/{slug}/qr.svg", tag = "storefront pages",
    params(("handle" = String, Path, description = "the seller's handle"), ("slug" = String, Path, description = "the product's slug")),
    responses((status = 200, description = "a QR code of the product's click-to-chat link", content_type = "image/svg+xml"),
              (status = 404, description = "unknown or unpublished", content_type = "text/html")))]
fn product_qr() {}

#[utoipa::path(get, path = "/feeds/{handle}/meta.csv", tag = "storefront pages",
    params(("handle" = String, Path, description = "the seller's handle")),
    responses((status = 200, description = "Meta's catalog columns for every published product with an image; `id` is the code", content_type = "text/csv"),
              (status = 304, description = "matches `If-None-Match`"), (status = 404, description = "no such storefront", content_type = "text/html")))]
fn meta_feed_csv() {}

#[utoipa::path(get, path = "/feeds/{handle}/meta.xml", tag = "storefront pages",
    params(("handle" = String, Path, description = "the seller's handle")),
    responses((status = 200, description = "the same items as RSS 2.0 with the `g:` namespace", content_type = "application/xml"),
              (status = 304, description = "matches `If-None-Match`"), (status = 404, description = "no such storefront", content_type = "text/html")))]
fn meta_feed_xml() {}

#[utoipa::path(get, path = "/go/{code}", tag = "storefront pages",
    params(("code" = String, Path, description = "the product's public code")),
    responses((status = 302, description = "recorded; to `https://wa.me/<the seller's number>?text=...` with the code in the message"),
              (status = 404, description = "unknown code, unpublished product or no WhatsApp number", content_type = "text/html"),
              (status = 429, description = "too many requests from this client", content_type = "text/html")))]
fn click_to_chat() {}

#[utoipa::path(get, path = "/webhooks/whatsapp", tag = "whatsapp",
    params(("hub.mode" = String, Query, description = "`subscribe`"), ("hub.verify_token" = String, Query, description = "the hub's WHATSAPP_VERIFY_TOKEN"),
           ("hub.challenge" = String, Query, description = "echoed exactly")),
    responses((status = 200, description = "the challenge, as text/plain", content_type = "text/plain"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody, description = "the verify token does not match")))]
fn whatsapp_verify() {}

#[utoipa::path(post, path = "/webhooks/whatsapp", tag = "whatsapp",
    params(("X-Hub-Signature-256" = String, Header, description = "`sha256=` and the HMAC-SHA256 of the raw body under the app secret, in hex")),
    request_body(content = Object, description = "Meta's delivery, up to 3 MB, kept as sent"),
    responses((status = 200, description = "stored (body in the blob store, a reference on the queue); applied shortly after"),
              (status = 401, body = ErrorBody, description = "signature missing, malformed or wrong: nothing is stored"),
              (status = 413, body = ErrorBody), (status = 503, body = ErrorBody, description = "not stored; Meta delivers again")))]
fn whatsapp_webhook() {}

#[utoipa::path(put, path = "/api/v1/whatsapp/connection", tag = "whatsapp", security(("bearer" = [])),
    request_body = ConnectionInput,
    responses((status = 200, body = ConnectionView, description = "Graph accepted the token for the number; the token is sealed, shown masked"),
              (status = 409, body = ErrorBody, description = "another seller has this number"),
              (status = 422, body = ErrorBody, description = "invalid fields, or Graph refused the token or the number"),
              (status = 502, body = ErrorBody, description = "Graph could not be reached"),
              (status = 503, body = ErrorBody, description = "the hub has no DATA_ENCRYPTION_KEY")))]
fn put_whatsapp_connection() {}

#[utoipa::path(get, path = "/api/v1/whatsapp/connection", tag = "whatsapp", security(("bearer" = [])),
    responses((status = 200, body = ConnectionView), (status = 404, body = ErrorBody, description = "no number connected")))]
fn get_whatsapp_connection() {}

#[utoipa::path(delete, path = "/api/v1/whatsapp/connection", tag = "whatsapp", security(("bearer" = [])),
    responses((status = 204, description = "disconnected; its deliveries are dropped from now on, conversations stay"),
              (status = 404, body = ErrorBody)))]
fn delete_whatsapp_connection() {}

#[utoipa::path(get, path = "/api/v1/whatsapp/templates", tag = "whatsapp", security(("bearer" = [])),
    responses((status = 200, body = TemplateList, description = "the seller's templates with the review status Meta last reported")))]
fn list_templates() {}

#[utoipa::path(post, path = "/api/v1/whatsapp/templates", tag = "whatsapp", security(("bearer" = [])),
    request_body = TemplateInput,
    responses((status = 201, body = TemplateView, description = "created on Graph, usually PENDING review"),
              (status = 404, body = ErrorBody, description = "no number connected"),
              (status = 409, body = ErrorBody, description = "the name and language exist"),
              (status = 422, body = ErrorBody, description = "invalid fields (variables without examples, limits), or Graph refused it"),
              (status = 502, body = ErrorBody)))]
fn create_template() {}

#[utoipa::path(delete, path = "/api/v1/whatsapp/templates", tag = "whatsapp", security(("bearer" = [])),
    params(TemplateDeleteQuery),
    responses((status = 204, description = "deleted on Graph (every language) and here"), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
fn delete_template() {}

#[utoipa::path(get, path = "/api/v1/inbox/conversations", tag = "inbox", security(("bearer" = [])),
    params(ConversationQuery),
    responses((status = 200, body = ConversationPage, description = "newest activity first"), (status = 400, body = ErrorBody)))]
fn list_conversations() {}

#[utoipa::path(get, path = "/api/v1/inbox/conversations/{id}", tag = "inbox", security(("bearer" = [])),
    params(("id" = String, Path, description = "conversation id")),
    responses((status = 200, body = ConversationDetail, description = "the conversation, its latest 200 messages oldest first with their statuses, and the window"),
              (status = 404, body = ErrorBody)))]
fn get_conversation() {}

#[utoipa::path(patch, path = "/api/v1/inbox/conversations/{id}", tag = "inbox", security(("bearer" = [])),
    params(("id" = String, Path, description = "conversation id")), request_body = ConversationPatch,
    responses((status = 200, body = ConversationDetail, description = "updated; with read: true the buyer's latest message gets its read receipt"),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
fn update_conversation() {}

#[utoipa::path(post, path = "/api/v1/inbox/conversations/{id}/messages", tag = "inbox", security(("bearer" = [])),
    params(("id" = String, Path, description = "conversation id"),
           ("Idempotency-Key" = Option<String>, Header, description = "the same key twice sends one message")),
    request_body(content = Object, description = "one message in Graph's shape: `type` (text, image, video, audio, document, sticker, \
        location, contacts, interactive, template, reaction) and its object, e.g. {\"type\": \"text\", \"text\": {\"body\": \"Hi\", \
        \"preview_url\": true}}; optional `reply_to` (a wamid)"),
    responses((status = 202, body = MessageView, description = "queued; its status moves on to accepted, sent, delivered, read (or failed)"),
              (status = 200, body = MessageView, description = "the message this Idempotency-Key queued before"),
              (status = 404, body = ErrorBody, description = "no such conversation"),
              (status = 409, body = ErrorBody, description = "window_closed (naming the approved templates), buyer_opted_out, template_not_approved, whatsapp_not_connected"),
              (status = 422, body = ErrorBody, description = "a WhatsApp limit broken (3 buttons, 20-character titles, 10 rows, body lengths), each field named")))]
fn send_message() {}

#[utoipa::path(get, path = "/api/v1/inbox/messages/{id}/media", tag = "inbox", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id")),
    responses((status = 200, description = "the medium a buyer sent, as kept (its type WhatsApp allows, at most 16 MiB)"),
              (status = 404, body = ErrorBody, description = "no such message, or its medium was not kept (see media_error)")))]
fn get_message_media() {}

#[derive(OpenApi)]
#[openapi(
    info(title = "Link Hub API", description = "TikTok links to sellable products at the edge."),
    components(schemas(
        ErrorBody, ErrorDetail, Health, SignupRequest, SignupResponse, LoginRequest, LoginResponse, SellerView,
        CreateApiKeyRequest, CreatedApiKey, ApiKeyView, ApiKeyList, SubmitRequest, SubmitResponse, JobView, JobPage,
        StagesView, StageView, VideoView, CoverView, JobErrorView, Draft, ThumbnailView, FormatView, TrendsView,
        FieldError, JobProduct, ProductView, PriceView, SeoView, SourceView, ProductPage, BulkRequest, BulkResult, BulkSkipped,
        StorefrontView, PublicStore, ImportView, ImportRowView, UploadView, Overview, ProductAnalytics, Breakdown,
        BreakdownRow, Counts, DayCounts, FunnelStep, ProductCounts, ConnectionInput, ConnectionView, ConversationPage,
        ConversationView, ConversationDetail, ContactView, Window, MessageView, TemplateInput, TemplateView, TemplateList,
        ConversationPatch, TemplateRef, MediaView
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT or lh_ API key").build(),
            ),
        );
    }
}

/// The document: every route of the table with its operation.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut api = ApiDoc::openapi();
    for route in crate::routes::ROUTES.iter() {
        let (path, methods, operation) = (route.doc)();
        api.paths.add_path_operation(path, methods, operation);
    }
    api
}

pub fn response() -> Response {
    super::json(StatusCode::OK, &document())
}

#[cfg(test)]
mod tests {
    use crate::routes::ROUTES;
    use utoipa::openapi::HttpMethod;

    /// The table and the operations it names must agree, and the document holds nothing else.
    #[test]
    fn every_route_has_its_own_operation_and_the_document_has_no_other() {
        for r in ROUTES.iter() {
            let (path, methods, _) = (r.doc)();
            let method = match r.method.as_str() {
                "GET" => Some(HttpMethod::Get),
                "POST" => Some(HttpMethod::Post),
                "PUT" => Some(HttpMethod::Put),
                "PATCH" => Some(HttpMethod::Patch),
                "DELETE" => Some(HttpMethod::Delete),
                _ => None,
            };
            assert_eq!(path, r.path, "{:?}: the operation documents another path", r.id);
            assert!(
                methods.len() == 1 && method.is_some_and(|m| methods[0] == m),
                "{:?}: the operation documents another method",
                r.id
            );
        }
        let doc = super::document();
        let operations: usize = doc
            .paths
            .paths
            .values()
            .map(|item| {
                [&item.get, &item.put, &item.post, &item.delete, &item.options, &item.head, &item.patch, &item.trace]
                    .iter()
                    .filter(|o| o.is_some())
                    .count()
            })
            .sum();
        assert_eq!(operations, ROUTES.len());
    }
}
