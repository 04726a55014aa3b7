//! The WhatsApp Cloud API channel: what the hub checks and decides for Meta's webhook (the
//! door: [`webhook`]; reading deliveries: [`delivery`]; storing them: [`inbox`]), a seller's
//! connection ([`connection`]), the read side of conversations ([`conversations`]), and what the
//! hub sends: messages in Graph's shape ([`message`]) through the sender ([`send`]).

pub mod connection;
pub mod conversations;
pub mod delivery;
pub mod graph;
pub mod inbox;
pub mod media;
pub mod message;
pub mod send;
pub mod templates;
pub mod webhook;
