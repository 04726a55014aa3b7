//! End-to-end: the hub as a user meets it, on workerd with local D1/KV/R2/Queues and the sandbox.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod catalog;
mod ingestion;
mod platform;
mod stages;
mod storefront;
mod support;
mod whatsapp;
