//! The WhatsApp Cloud API channel: what the hub checks and decides for Meta's webhook (the
//! door: [`webhook`]; reading deliveries: [`delivery`]; storing them: [`inbox`]), a seller's
//! connection ([`connection`]) and the read side of conversations ([`conversations`]).

pub mod connection;
pub mod conversations;
pub mod delivery;
pub mod graph;
pub mod inbox;
pub mod templates;
pub mod webhook;
