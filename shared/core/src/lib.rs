//! Link Hub core: everything that decides anything, with no platform imports.
//!
//! Platform crates (`linkhub-cloudflare`, native `linkhub-testkit`) implement the [`ports`];
//! function crates build those ports, call [`api`] routers or [`stages`], and convert results.

pub mod accounts;
pub mod analytics;
pub mod api;
pub mod breaker;
pub mod cache;
pub mod catalog;
pub mod config;
pub mod covers;
pub mod error;
pub mod ids;
pub mod imports;
pub mod ingest;
pub mod jobs;
pub mod log;
pub mod maintenance;
pub mod migrations;
pub mod outbound;
pub mod outbox;
pub mod pages;
pub mod ports;
pub mod products;
pub mod ratelimit;
pub mod repo;
pub mod routes;
pub mod sealed;
pub mod stages;
pub mod storefront;
pub mod tiktok;
pub mod trends;
pub mod uploads;
pub mod whatsapp;
