//! A small pool of SQLite connections. Work runs on a blocking thread; single-row reads may run
//! inline on the caller's task when a connection is free (see [`Pool::try_acquire_inline`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use auth_core::Error;
use auth_core::sql::DbError;

use crate::convert::failure;
use crate::open::SqliteOptions;

type Slot = Arc<Mutex<Connection>>;

/// A fixed set of connections to one database, handed out one caller at a time.
pub(crate) struct Pool {
    idle: Mutex<Vec<Slot>>,
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
    busy_timeout: Duration,
    inline_reads: bool,
}

/// One connection, held until dropped.
pub(crate) struct Lease {
    slot: Option<Slot>,
    pool: Arc<Pool>,
    fresh: bool,
    _permit: OwnedSemaphorePermit,
}

impl Pool {
    pub(crate) fn new(conns: Vec<Connection>, opts: &SqliteOptions) -> Arc<Pool> {
        let n = conns.len();
        Arc::new(Pool {
            idle: Mutex::new(conns.into_iter().map(|c| Arc::new(Mutex::new(c))).collect()),
            permits: Arc::new(Semaphore::new(n)),
            acquire_timeout: opts.acquire_timeout,
            busy_timeout: opts.busy_timeout,
            inline_reads: opts.inline_reads,
        })
    }

    /// A connection for an inline read, if inline reads are on and one is free right now.
    pub(crate) fn try_acquire_inline(self: &Arc<Self>) -> Option<Lease> {
        if !self.inline_reads {
            return None;
        }
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        let slot = lock(&self.idle).pop()?;
        Some(Lease { slot: Some(slot), pool: self.clone(), fresh: true, _permit: permit })
    }

    /// Waits (up to the acquire timeout) for a free connection.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Lease, Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|e| {
                let waited = self.acquire_timeout;
                Error::connection_from(format!("timed out after {waited:?} waiting for a SQLite connection (pool exhausted)"), e)
            })?
            .map_err(|e| Error::connection_from("the SQLite pool is closed", e))?;
        let slot = lock(&self.idle).pop().ok_or_else(|| Error::connection("no idle SQLite connection"))?;
        Ok(Lease { slot: Some(slot), pool: self.clone(), fresh: true, _permit: permit })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Lease {
    /// Runs `f` on the connection on a blocking thread. The first use of a lease rolls back a
    /// transaction left open by a caller that was cancelled.
    pub(crate) async fn run<T, F>(&mut self, f: F) -> Result<Result<T, DbError>, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let slot = self.slot.clone().ok_or_else(|| Error::connection("connection released"))?;
        let fresh = std::mem::replace(&mut self.fresh, false);
        tokio::task::spawn_blocking(move || {
            let mut conn = lock(&slot);
            if fresh && !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK").map_err(failure)?;
            }
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::connection_from(format!("SQLite worker failed: {e}"), e))
    }
}

impl Lease {
    /// Runs `f` on the calling thread with SQLite's busy handler off, so it never waits for a
    /// lock: `Ok(None)` when SQLite answered `SQLITE_BUSY` (the caller falls back to [`Lease::run`]).
    /// Meant for one prepared point read, which in WAL mode does not wait for writers.
    pub(crate) fn run_inline<T>(
        &mut self,
        f: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<Option<T>, rusqlite::Error> {
        let Some(slot) = self.slot.clone() else { return Ok(None) };
        let mut conn = lock(&slot);
        if std::mem::replace(&mut self.fresh, false) && !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK")?;
        }
        conn.busy_timeout(Duration::ZERO)?;
        let res = f(&mut conn);
        conn.busy_timeout(self.pool.busy_timeout)?;
        match res {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy => Ok(None),
            other => other.map(Some),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            lock(&self.pool.idle).push(slot);
        }
    }
}
