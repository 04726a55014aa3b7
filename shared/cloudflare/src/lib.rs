//! The core's ports over Cloudflare's runtime (`worker` crate): D1, Workers KV, R2, Queues and
//! Fetch, plus conversion between `worker` and `http` types. SDK error text is folded into
//! `PortError` details (logged, never sent to clients).

mod convert;
mod stores;

pub use convert::{config, from_core_response, to_core_request, to_worker_request};
pub use stores::{D1Sql, FetchHttp, KvPort, QueuePort, R2Blobs, WorkerSystem};

/// Binding names, mirrored in the wrangler configs.
pub mod bindings {
    pub const DB: &str = "DB";
    pub const KV: &str = "KV";
    pub const BLOBS: &str = "BLOBS";
    pub const INGEST: &str = "INGEST";
    pub const PRODUCTS: &str = "PRODUCTS";
    pub const STOREFRONT: &str = "STOREFRONT";
    /// The thumbnailer, serving `/media/...` for the gateway.
    pub const MEDIA: &str = "MEDIA";
    pub const METADATA_QUEUE: &str = "METADATA_QUEUE";
    pub const CAPTION_QUEUE: &str = "CAPTION_QUEUE";
    pub const THUMBNAIL_QUEUE: &str = "THUMBNAIL_QUEUE";
    pub const TAGGING_QUEUE: &str = "TAGGING_QUEUE";
    pub const IMPORT_QUEUE: &str = "IMPORT_QUEUE";
    pub const WHATSAPP_QUEUE: &str = "WHATSAPP_QUEUE";
    pub const WHATSAPP_SEND_QUEUE: &str = "WHATSAPP_SEND_QUEUE";
    /// The WhatsApp function: webhook, connection and inbox routes.
    pub const WHATSAPP: &str = "WHATSAPP";

    /// The service binding the gateway forwards a function's routes to; none for services the
    /// gateway answers itself or that exist only on Spin.
    pub fn service(service: linkhub_core::routes::Service) -> Option<&'static str> {
        use linkhub_core::routes::Service;
        match service {
            Service::Ingest => Some(INGEST),
            Service::Products => Some(PRODUCTS),
            Service::Storefront => Some(STOREFRONT),
            Service::Media => Some(MEDIA),
            Service::Whatsapp => Some(WHATSAPP),
            Service::Gateway | Service::Drain | Service::Stage => None,
        }
    }
}

mod stage_shell;
pub use stage_shell::{analysis_stage, consume, thumbnail_stage};
