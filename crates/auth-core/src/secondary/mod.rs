//! Secondary storage: Better Auth's `secondaryStorage`, a key-value store in front of the
//! database for sessions, verification values and rate-limit counters.
//!
//! [`SecondaryStorage`] is the trait a store implements (`auth-redis` on Redis, [`MemoryStorage`]
//! in process); [`SecondaryConfig`] says what [`crate::AuthStore`] keeps there. Key names and
//! values are Better Auth 1.7's, so a TypeScript and a Rust service can share one store.

mod memory;
mod rate_limit;
pub(crate) mod sessions;

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;

pub use memory::MemoryStorage;
pub use rate_limit::{Hit, RateLimit, rate_limit_key};
pub use sessions::{active_sessions_key, revoked_before_key, verification_key};

/// A key-value store with expiry, Better Auth's `SecondaryStorage` interface.
///
/// Values are text (Better Auth stores JSON text). A TTL is in whole seconds; `None` or `0`
/// keeps the value until it is deleted, as Better Auth's Redis storage does.
#[async_trait]
pub trait SecondaryStorage: Send + Sync {
    /// The value under `key`, or `None` when absent or expired.
    async fn get(&self, key: &str) -> Result<Option<String>>;

    /// Stores `value` under `key`, replacing any value (and its TTL).
    async fn set(&self, key: &str, value: &str, ttl_seconds: Option<u64>) -> Result<()>;

    /// Removes `key`; no error when it is absent.
    async fn delete(&self, key: &str) -> Result<()>;

    /// Atomically reads and removes `key`: of concurrent callers, exactly one gets the value.
    async fn get_and_delete(&self, key: &str) -> Result<Option<String>>;

    /// Atomically adds one to the counter under `key` and returns the new count. An absent key
    /// starts at 1 and expires `ttl_seconds` later; later increments keep that expiry (a fixed
    /// window).
    async fn increment(&self, key: &str, ttl_seconds: u64) -> Result<u64>;
}

/// What [`crate::AuthStore`] keeps in secondary storage, and whether the database keeps it too.
///
/// With secondary storage configured, sessions live there (Better Auth's default); verification
/// values too. The `*_in_database` switches are Better Auth's `session.storeSessionInDatabase`
/// and `verification.storeInDatabase`.
#[derive(Clone)]
pub struct SecondaryConfig {
    /// The store.
    pub storage: Arc<dyn SecondaryStorage>,
    /// Sessions are written to the database as well, and lookups missing from the store fall
    /// back to it (`session.storeSessionInDatabase`, default `false`).
    pub store_session_in_database: bool,
    /// Verification values are written to the database as well
    /// (`verification.storeInDatabase`, default `false`).
    pub store_verification_in_database: bool,
    /// The longest a session lives, in seconds (`session.expiresIn`, default 7 days): how long a
    /// "sessions revoked before" marker is kept (at least a day).
    pub session_expires_in: u64,
}

impl std::fmt::Debug for SecondaryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondaryConfig")
            .field("store_session_in_database", &self.store_session_in_database)
            .field("store_verification_in_database", &self.store_verification_in_database)
            .field("session_expires_in", &self.session_expires_in)
            .finish_non_exhaustive()
    }
}

impl SecondaryConfig {
    /// Sessions and verification values in `storage` only, as Better Auth does by default.
    pub fn new(storage: Arc<dyn SecondaryStorage>) -> Self {
        SecondaryConfig {
            storage,
            store_session_in_database: false,
            store_verification_in_database: false,
            session_expires_in: 7 * 24 * 3600,
        }
    }

    /// Keeps sessions in the database too (`session.storeSessionInDatabase`).
    pub fn store_session_in_database(mut self, yes: bool) -> Self {
        self.store_session_in_database = yes;
        self
    }

    /// Keeps verification values in the database too (`verification.storeInDatabase`).
    pub fn store_verification_in_database(mut self, yes: bool) -> Self {
        self.store_verification_in_database = yes;
        self
    }

    /// The session lifetime in seconds (`session.expiresIn`).
    pub fn session_expires_in(mut self, seconds: u64) -> Self {
        self.session_expires_in = seconds;
        self
    }
}
