//! Rate-limit counters in secondary storage, as Better Auth 1.7 keeps them when
//! `rateLimit.storage` is `"secondary-storage"` (its default once secondary storage is set).

use super::SecondaryStorage;
use crate::error::{Error, Result};

/// The key Better Auth counts a client's requests to a path under: `<ip>|<path>`.
pub fn rate_limit_key(ip: &str, path: &str) -> String {
    format!("{ip}|{path}")
}

/// A rule: at most `max` requests per `window` seconds (Better Auth's default: 100 per 10 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// The window in seconds.
    pub window: u64,
    /// Requests allowed per window.
    pub max: u64,
}

/// The outcome of one request against a [`RateLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The request may go on.
    pub allowed: bool,
    /// The requests counted in this window, this one included.
    pub count: u64,
    /// When refused: seconds to wait (Better Auth answers the whole window).
    pub retry_after: Option<u64>,
}

impl RateLimit {
    /// Counts one request under `key` with a single atomic increment (the counter is created
    /// with the window as its TTL), and decides as Better Auth does: allowed while the count is
    /// at most `max`.
    pub async fn hit(&self, storage: &dyn SecondaryStorage, key: &str) -> Result<Hit> {
        if self.window == 0 {
            return Err(Error::invalid_query("rateLimit", "the window must be at least one second"));
        }
        let count = storage.increment(key, self.window).await?;
        let allowed = count <= self.max;
        Ok(Hit { allowed, count, retry_after: (!allowed).then_some(self.window) })
    }
}
