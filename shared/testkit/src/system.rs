use linkhub_core::ports::{PortError, System};
use std::cell::{Cell, RefCell};

/// The system clock (or a fixed one tests move by hand), OS randomness and captured log lines.
pub struct TestSystem {
    fixed_ms: Cell<Option<i64>>,
    pub logs: RefCell<Vec<String>>,
    /// Also print log lines to stderr (the CLI and dev tools want them).
    pub echo: bool,
}

impl Default for TestSystem {
    fn default() -> Self {
        Self { fixed_ms: Cell::new(None), logs: RefCell::new(Vec::new()), echo: false }
    }
}

impl TestSystem {
    pub fn at(ms: i64) -> Self {
        Self { fixed_ms: Cell::new(Some(ms)), ..Self::default() }
    }
    pub fn advance_ms(&self, by: i64) {
        self.fixed_ms.set(Some(self.now_ms() + by));
    }
}

impl System for TestSystem {
    fn now_ms(&self) -> i64 {
        self.fixed_ms.get().unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        })
    }
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), PortError> {
        getrandom::fill(buf).map_err(|e| PortError::unavailable(e.to_string()))
    }
    fn log(&self, line: &str) {
        if self.echo {
            eprintln!("{line}");
        }
        self.logs.borrow_mut().push(line.to_owned());
    }
}
