//! The WhatsApp Cloud API channel: what the hub checks and decides for Meta's webhook and sender.

pub mod webhook;
