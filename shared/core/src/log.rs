//! Structured JSON log lines carrying request, seller and job ids, so one job's path can be
//! followed across functions and queues.

use crate::ports::System;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default)]
pub struct LogCtx {
    fields: Map<String, Value>,
}

impl LogCtx {
    pub fn new(component: &str) -> Self {
        let mut fields = Map::new();
        fields.insert("component".into(), Value::from(component));
        Self { fields }
    }
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(key.into(), value.into());
        self
    }
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.fields.insert(key.into(), value.into());
    }
    pub fn info(&self, sys: &impl System, msg: &str) {
        self.emit(sys, "info", msg, None);
    }
    pub fn warn(&self, sys: &impl System, msg: &str, detail: &str) {
        self.emit(sys, "warn", msg, Some(detail));
    }
    pub fn error(&self, sys: &impl System, msg: &str, detail: &str) {
        self.emit(sys, "error", msg, Some(detail));
    }
    fn emit(&self, sys: &impl System, level: &str, msg: &str, detail: Option<&str>) {
        let mut line = self.fields.clone();
        line.insert("ts".into(), Value::from(sys.now_ms()));
        line.insert("level".into(), Value::from(level));
        line.insert("msg".into(), Value::from(msg));
        if let Some(d) = detail {
            line.insert("detail".into(), Value::from(d));
        }
        sys.log(&Value::Object(line).to_string());
    }
}
