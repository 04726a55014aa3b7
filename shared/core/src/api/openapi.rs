//! The OpenAPI 3.1 document, generated from the Rust types that the routes (de)serialise.
//! The functions below exist only to carry each route's description for `utoipa`.

#![allow(dead_code)]

use super::Response;
use crate::accounts::{
    ApiKeyList, ApiKeyView, CreateApiKeyRequest, CreatedApiKey, LoginRequest, LoginResponse, SellerView, SignupRequest,
    SignupResponse,
};
use crate::api::gateway::Health;
use crate::error::{ErrorBody, ErrorDetail};
use crate::ingest::{SubmitRequest, SubmitResponse};
use crate::jobs::{CoverView, JobErrorView, JobPage, JobView, ListQuery, StageView, StagesView, VideoView};
use crate::stages::draft::{Draft, FormatView, ThumbnailView};
use crate::trends::{TrendsQuery, TrendsView};
use http::StatusCode;
use utoipa::OpenApi;

#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
fn healthz() {}

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

#[utoipa::path(get, path = "/api/v1/analytics/trends", tag = "analytics", params(TrendsQuery), security(("bearer" = [])),
    responses((status = 200, body = TrendsView, description = "hashtags and keywords ranked by growth"),
              (status = 400, body = ErrorBody)))]
fn trends() {}

#[derive(OpenApi)]
#[openapi(
    info(title = "Link Hub API", description = "TikTok links to sellable products at the edge."),
    paths(healthz, signup, login, me, create_key, list_keys, revoke_key, submit, list_jobs, get_job, get_cover, trends),
    components(schemas(
        ErrorBody, ErrorDetail, Health, SignupRequest, SignupResponse, LoginRequest, LoginResponse, SellerView,
        CreateApiKeyRequest, CreatedApiKey, ApiKeyView, ApiKeyList, SubmitRequest, SubmitResponse, JobView, JobPage,
        StagesView, StageView, VideoView, CoverView, JobErrorView, Draft, ThumbnailView, FormatView, TrendsView
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

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn response() -> Response {
    super::json(StatusCode::OK, &document())
}
