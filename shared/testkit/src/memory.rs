use linkhub_core::ports::{Blob, Blobs, Kv, MAX_QUEUE_MESSAGE_BYTES, PortError, PortErrorKind, Queue, Topic};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Workers KV limits that callers must respect everywhere.
const MAX_KV_KEY: usize = 512;
const MAX_KV_VALUE: usize = 25 * 1024 * 1024;

#[derive(Default)]
pub struct MemoryKv {
    map: RefCell<HashMap<String, Vec<u8>>>,
    /// When set, every call fails as an unavailable KV would.
    pub fail: std::cell::Cell<bool>,
}

impl MemoryKv {
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.map.borrow().keys().cloned().collect();
        keys.sort();
        keys
    }
}

impl Kv for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        if self.fail.get() {
            return Err(PortError::unavailable("kv down (test)"));
        }
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn put(&self, key: &str, value: &[u8], ttl_seconds: Option<u64>) -> Result<(), PortError> {
        if key.is_empty() || key.len() > MAX_KV_KEY {
            return Err(PortError::invalid("kv key must be 1-512 bytes"));
        }
        if value.len() > MAX_KV_VALUE {
            return Err(PortError::new(PortErrorKind::TooLarge, "kv value over 25 MiB"));
        }
        if ttl_seconds.is_some_and(|t| t < 60) {
            return Err(PortError::invalid("kv ttl must be at least 60 s"));
        }
        self.map.borrow_mut().insert(key.to_owned(), value.to_vec());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
}

#[derive(Default)]
pub struct MemoryBlobs {
    map: RefCell<BTreeMap<String, Blob>>,
}

impl MemoryBlobs {
    pub fn keys(&self) -> Vec<String> {
        self.map.borrow().keys().cloned().collect()
    }
}

impl Blobs for MemoryBlobs {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), PortError> {
        if key.is_empty() || key.len() > 1024 {
            return Err(PortError::invalid("blob key must be 1-1024 bytes"));
        }
        self.map
            .borrow_mut()
            .insert(key.to_owned(), Blob { bytes: bytes.to_vec(), content_type: content_type.to_owned() });
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Option<Blob>, PortError> {
        Ok(self.map.borrow().get(key).cloned())
    }
    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
}

/// An in-process queue: tests send through the port, then take messages out and step stages.
#[derive(Default)]
pub struct MemoryQueue {
    items: RefCell<VecDeque<(Topic, String, u32)>>,
    /// When set, `send` fails as an unavailable queue would.
    pub fail_sends: std::cell::Cell<bool>,
}

impl MemoryQueue {
    pub fn take(&self, topic: Topic) -> Vec<String> {
        self.take_delayed(topic).into_iter().map(|(b, _)| b).collect()
    }
    /// The topic's messages with the delay each was sent with (seconds).
    pub fn take_delayed(&self, topic: Topic) -> Vec<(String, u32)> {
        let mut items = self.items.borrow_mut();
        let (mine, rest): (Vec<_>, Vec<_>) = items.drain(..).partition(|(t, _, _)| *t == topic);
        items.extend(rest);
        mine.into_iter().map(|(_, b, d)| (b, d)).collect()
    }
    pub fn len(&self) -> usize {
        self.items.borrow().len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.borrow().is_empty()
    }
}

impl Queue for MemoryQueue {
    async fn send_after(&self, topic: Topic, body: &str, delay_seconds: u32) -> Result<(), PortError> {
        if self.fail_sends.get() {
            return Err(PortError::unavailable("queue refused the message"));
        }
        if body.len() > MAX_QUEUE_MESSAGE_BYTES {
            return Err(PortError::new(PortErrorKind::TooLarge, "queue message over 128 KB"));
        }
        self.items.borrow_mut().push_back((topic, body.to_owned(), delay_seconds));
        Ok(())
    }
}
