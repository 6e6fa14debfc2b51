//! One connection held by a transaction and its savepoints: which levels are open, and rolling
//! back what is dropped without commit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use auth_core::{Error, Result};

use crate::conn::SqlConn;

/// The connection of a transaction, shared by the transaction and its savepoints.
pub(crate) struct Held<C: ?Sized> {
    pub(crate) conn: Option<Box<C>>,
    /// Transactions (and savepoints) begun here and still open.
    pub(crate) depth: u32,
    /// The connection came from the pool: release it when the outermost level ends.
    pub(crate) release: bool,
}

impl<C: ?Sized> Held<C> {
    fn new(conn: Box<C>, release: bool) -> Self {
        Held { conn: Some(conn), depth: 1, release }
    }

    /// Called after the level ended: releases a pooled connection when none is left open.
    pub(crate) fn ended(&mut self) {
        if self.depth == 0 && self.release {
            self.conn = None;
        }
    }

    /// The connection, while `level` is open.
    pub(crate) fn at(&mut self, level: u32, done: &AtomicBool) -> Result<&mut C> {
        if done.load(Ordering::SeqCst) || self.depth < level {
            return Err(Error::transaction("the transaction has finished"));
        }
        self.conn.as_deref_mut().ok_or_else(|| Error::transaction("the connection was taken"))
    }
}

impl Held<dyn SqlConn> {
    /// Rolls back every open level deeper than `level`.
    pub(crate) fn unwind_to(&mut self, level: u32) {
        while self.depth > level {
            self.depth -= 1;
            if let Some(c) = self.conn.as_mut() {
                let _ = c.rollback();
            }
        }
        self.ended();
    }
}

/// A transaction (level 1) or a savepoint inside it (level 2, 3, ...) on a sync connection.
pub(crate) struct TxLevel {
    pub(crate) held: Arc<Mutex<Held<dyn SqlConn>>>,
    pub(crate) level: u32,
    /// Committed or rolled back through this handle.
    pub(crate) done: Arc<AtomicBool>,
}

pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a blocking task needs to use one level.
pub(crate) type Handle<H> = (Arc<H>, u32, Arc<AtomicBool>);

impl TxLevel {
    pub(crate) fn new(conn: Box<dyn SqlConn>, release: bool) -> Self {
        TxLevel { held: Arc::new(Mutex::new(Held::new(conn, release))), level: 1, done: Arc::new(AtomicBool::new(false)) }
    }

    /// A savepoint level on the same connection.
    pub(crate) fn nested(held: Arc<Mutex<Held<dyn SqlConn>>>, level: u32) -> Self {
        TxLevel { held, level, done: Arc::new(AtomicBool::new(false)) }
    }

    /// The shared state, unless this level has ended.
    pub(crate) fn handle(&self) -> Result<Handle<Mutex<Held<dyn SqlConn>>>> {
        if self.done.load(Ordering::SeqCst) {
            return Err(Error::transaction("the transaction has finished"));
        }
        Ok((self.held.clone(), self.level, self.done.clone()))
    }
}

impl Drop for TxLevel {
    /// Dropped without commit: roll back (on a blocking thread when a runtime is there).
    fn drop(&mut self) {
        if self.done.load(Ordering::SeqCst) || lock(&self.held).depth < self.level {
            return;
        }
        let (held, level) = (self.held.clone(), self.level);
        let work = move || lock(&held).unwind_to(level - 1);
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(work)),
            Err(_) => work(),
        }
    }
}

#[cfg(feature = "async")]
pub(crate) use self::nonblocking::AsyncTxLevel;

#[cfg(feature = "async")]
mod nonblocking {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use auth_core::sql::Connection;
    use auth_core::{Error, Result};

    use super::{Handle, Held};

    type Shared = tokio::sync::Mutex<Held<dyn Connection>>;

    impl Held<dyn Connection> {
        /// Rolls back every open level deeper than `level`.
        pub(crate) async fn unwind_to(&mut self, level: u32) {
            while self.depth > level {
                self.depth -= 1;
                if let Some(c) = self.conn.as_mut() {
                    let _ = c.rollback().await;
                }
            }
            self.ended();
        }
    }

    /// A transaction or savepoint level on a diesel-async connection.
    pub(crate) struct AsyncTxLevel {
        pub(crate) held: Arc<Shared>,
        pub(crate) level: u32,
        pub(crate) done: Arc<AtomicBool>,
    }

    impl AsyncTxLevel {
        pub(crate) fn new(conn: Box<dyn Connection>, release: bool) -> Self {
            let held = Arc::new(tokio::sync::Mutex::new(Held::new(conn, release)));
            AsyncTxLevel { held, level: 1, done: Arc::new(AtomicBool::new(false)) }
        }

        pub(crate) fn nested(held: Arc<Shared>, level: u32) -> Self {
            AsyncTxLevel { held, level, done: Arc::new(AtomicBool::new(false)) }
        }

        pub(crate) fn handle(&self) -> Result<Handle<Shared>> {
            if self.done.load(Ordering::SeqCst) {
                return Err(Error::transaction("the transaction has finished"));
            }
            Ok((self.held.clone(), self.level, self.done.clone()))
        }
    }

    impl Drop for AsyncTxLevel {
        /// Dropped without commit: roll back on the runtime (without one, the pool discards the
        /// connection, whose transaction manager still has the transaction open).
        fn drop(&mut self) {
            if self.done.load(Ordering::SeqCst) {
                return;
            }
            let (held, level) = (self.held.clone(), self.level);
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                drop(rt.spawn(async move {
                    let mut held = held.lock().await;
                    if held.depth >= level {
                        held.unwind_to(level - 1).await;
                    }
                }));
            }
        }
    }
}
