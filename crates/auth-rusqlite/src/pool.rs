//! A small pool of SQLite connections; every use runs on a blocking thread.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use auth_core::Error;

type Slot = Arc<Mutex<Connection>>;

/// A fixed set of connections to one database, handed out one caller at a time.
pub(crate) struct Pool {
    idle: Mutex<Vec<Slot>>,
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
}

/// One connection, held until dropped.
pub(crate) struct Lease {
    slot: Option<Slot>,
    pool: Arc<Pool>,
    fresh: bool,
    _permit: OwnedSemaphorePermit,
}

impl Pool {
    pub(crate) fn new(conns: Vec<Connection>, acquire_timeout: Duration) -> Arc<Pool> {
        let n = conns.len();
        Arc::new(Pool {
            idle: Mutex::new(conns.into_iter().map(|c| Arc::new(Mutex::new(c))).collect()),
            permits: Arc::new(Semaphore::new(n)),
            acquire_timeout,
        })
    }

    /// Waits (up to the acquire timeout) for a free connection.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Lease, Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| {
                Error::Connection(format!(
                    "timed out after {:?} waiting for a SQLite connection (pool exhausted)",
                    self.acquire_timeout
                ))
            })?
            .map_err(|_| Error::Connection("the SQLite pool is closed".into()))?;
        let slot = lock(&self.idle).pop().ok_or_else(|| Error::Connection("no idle SQLite connection".into()))?;
        Ok(Lease { slot: Some(slot), pool: self.clone(), fresh: true, _permit: permit })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Lease {
    /// Runs `f` on the connection on a blocking thread. The first use of a lease rolls back a
    /// transaction left open by a caller that was cancelled.
    pub(crate) async fn run<T, F>(&mut self, f: F) -> Result<Result<T, rusqlite::Error>, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let slot = self.slot.clone().ok_or_else(|| Error::Connection("connection released".into()))?;
        let fresh = std::mem::replace(&mut self.fresh, false);
        tokio::task::spawn_blocking(move || {
            let mut conn = lock(&slot);
            if fresh && !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK")?;
            }
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Connection(format!("SQLite worker failed: {e}")))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            lock(&self.pool.idle).push(slot);
        }
    }
}
