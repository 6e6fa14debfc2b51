//! [`MemoryStorage`]: secondary storage inside the process, for tests and single processes.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::SecondaryStorage;
use crate::error::{Error, Result};

struct Entry {
    value: String,
    expires: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|t| now < t)
    }
}

/// A [`SecondaryStorage`] in a mutex-guarded map; values are gone with the process. Expired
/// entries are dropped when touched and swept every 1024 writes.
#[derive(Default)]
pub struct MemoryStorage {
    map: Mutex<HashMap<String, Entry>>,
    writes: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStorage").finish_non_exhaustive()
    }
}

fn expiry(now: Instant, ttl_seconds: Option<u64>) -> Option<Instant> {
    ttl_seconds.filter(|&s| s > 0).and_then(|s| now.checked_add(Duration::from_secs(s)))
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, HashMap<String, Entry>>> {
        self.map.lock().map_err(|_| Error::backend_msg("memory storage: a writer panicked"))
    }

    fn wrote(&self, map: &mut HashMap<String, Entry>, now: Instant) {
        use std::sync::atomic::Ordering;
        if self.writes.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            map.retain(|_, e| e.live(now));
        }
    }
}

#[async_trait]
impl SecondaryStorage for MemoryStorage {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let now = Instant::now();
        let mut map = self.lock()?;
        match map.get(key) {
            Some(e) if e.live(now) => Ok(Some(e.value.clone())),
            Some(_) => {
                map.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn set(&self, key: &str, value: &str, ttl_seconds: Option<u64>) -> Result<()> {
        let now = Instant::now();
        let mut map = self.lock()?;
        map.insert(key.to_string(), Entry { value: value.to_string(), expires: expiry(now, ttl_seconds) });
        self.wrote(&mut map, now);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.lock()?.remove(key);
        Ok(())
    }

    async fn get_and_delete(&self, key: &str) -> Result<Option<String>> {
        let now = Instant::now();
        Ok(self.lock()?.remove(key).filter(|e| e.live(now)).map(|e| e.value))
    }

    async fn increment(&self, key: &str, ttl_seconds: u64) -> Result<u64> {
        let now = Instant::now();
        let mut map = self.lock()?;
        let count = match map.get_mut(key) {
            Some(e) if e.live(now) => {
                let n: u64 = e.value.parse().map_err(|_| {
                    Error::backend_msg(format!("memory storage: the value under `{key}` is not a counter"))
                })?;
                e.value = (n + 1).to_string();
                n + 1
            }
            _ => {
                map.insert(key.to_string(), Entry { value: "1".into(), expires: expiry(now, Some(ttl_seconds)) });
                1
            }
        };
        self.wrote(&mut map, now);
        Ok(count)
    }
}
