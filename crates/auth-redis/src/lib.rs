//! `auth-redis`: Better Auth's secondary storage on Redis, for [`auth_core::AuthStore`].
//!
//! [`RedisStorage`] implements [`auth_core::SecondaryStorage`] exactly as Better Auth's
//! `@better-auth/redis-storage` does (same key prefix `better-auth:`, `SETEX`/`SET`, `DEL`,
//! `GETDEL` with a Lua fallback, the same `INCR`-then-`EXPIRE` script for rate-limit counters),
//! so a TypeScript and a Rust service can share one Redis.
//!
//! It sits on [redis-rs](https://docs.rs/redis)'s `ConnectionManager`: one multiplexed
//! connection that every clone shares (pipelining concurrent callers; no pool needed), which
//! reconnects on its own when the connection drops. A command caught by the drop fails with
//! [`auth_core::Error::Connection`]; idempotent ones (`get`, `set`, `delete`) are retried once on
//! the new connection.
//!
//! ```no_run
//! use std::sync::Arc;
//! use auth_core::{AuthStore, NewSession, NewUser, Schema, SecondaryConfig};
//!
//! # async fn demo() -> auth_core::Result<()> {
//! let redis = auth_redis::RedisStorage::connect("redis://127.0.0.1:6379").await?;
//! let db = auth_rusqlite::connect("file:./dev.db", Schema::better_auth())
//!     .await?
//!     .with_secondary_storage(SecondaryConfig::new(Arc::new(redis)));
//! let user = db.create_user(NewUser::new("Ada", "ada@example.com")).await?;
//! let session = db.create_session(NewSession::new(&user.id, chrono::Utc::now() + chrono::Duration::days(7))).await?;
//! assert!(db.find_session(&session.token).await?.is_some()); // served from Redis
//! # Ok(()) }
//! ```

use std::time::Duration;

use async_trait::async_trait;
use auth_core::{Error, Result, SecondaryStorage};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, RedisError, Script};

/// Better Auth's default key prefix (`@better-auth/redis-storage`'s `keyPrefix`).
pub const DEFAULT_KEY_PREFIX: &str = "better-auth:";

const GET_AND_DELETE: &str = r#"
local value = redis.call("GET", KEYS[1])
if value ~= false then
  redis.call("DEL", KEYS[1])
end
return value
"#;

const INCREMENT: &str = r#"
local value = redis.call("INCR", KEYS[1])
if value == 1 then
  redis.call("EXPIRE", KEYS[1], ARGV[1])
end
return value
"#;

/// Secondary storage on Redis. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct RedisStorage {
    conn: ConnectionManager,
    prefix: String,
    increment: Script,
    get_and_delete: Script,
}

impl std::fmt::Debug for RedisStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStorage").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// Maps a redis-rs error: lost connections, refusals and time-outs are
/// [`Error::Connection`]; anything else (a server error) is [`Error::Backend`].
fn error(e: RedisError) -> Error {
    if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() || e.is_timeout() {
        Error::Connection(format!("redis: {e}"))
    } else {
        Error::backend(e)
    }
}

/// The connection settings [`RedisStorage::connect`] uses: 2 s to connect, 2 s for a reply,
/// reconnection with exponential backoff (redis-rs's default of 6 attempts from 100 ms).
pub fn default_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
}

impl RedisStorage {
    /// Connects to `url` (`redis://[:password@]host:port[/db]`, `rediss://` for TLS when the
    /// `redis` crate has a TLS feature) with [`default_config`] and the `better-auth:` prefix.
    pub async fn connect(url: &str) -> Result<Self> {
        let client = redis::Client::open(url).map_err(|e| Error::Connection(format!("redis url: {e}")))?;
        let conn = ConnectionManager::new_with_config(client, default_config()).await.map_err(error)?;
        Ok(Self::new(conn))
    }

    /// Storage over a connection manager you configured.
    pub fn new(conn: ConnectionManager) -> Self {
        RedisStorage {
            conn,
            prefix: DEFAULT_KEY_PREFIX.to_string(),
            increment: Script::new(INCREMENT),
            get_and_delete: Script::new(GET_AND_DELETE),
        }
    }

    /// The same storage with another key prefix (Better Auth's `keyPrefix`; it must match the
    /// TypeScript service's to share keys).
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The connection manager underneath (for other commands on the same connection).
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Runs an idempotent command, once more on the new connection if the first attempt met a
    /// dropped one.
    async fn idempotent<T, F, Fut>(&self, run: F) -> Result<T>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        match run(self.conn.clone()).await {
            Err(e) if e.is_unrecoverable_error() || e.is_connection_dropped() => {
                run(self.conn.clone()).await.map_err(error)
            }
            other => other.map_err(error),
        }
    }
}

#[async_trait]
impl SecondaryStorage for RedisStorage {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let key = self.key(key);
        self.idempotent(|mut c| {
            let key = key.clone();
            async move { c.get(key).await }
        })
        .await
    }

    async fn set(&self, key: &str, value: &str, ttl_seconds: Option<u64>) -> Result<()> {
        let key = self.key(key);
        self.idempotent(|mut c| {
            let key = key.clone();
            async move {
                match ttl_seconds.filter(|&t| t > 0) {
                    Some(ttl) => c.set_ex(key, value, ttl).await,
                    None => c.set(key, value).await,
                }
            }
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let key = self.key(key);
        self.idempotent(|mut c| {
            let key = key.clone();
            async move { c.del::<_, ()>(key).await }
        })
        .await
    }

    async fn get_and_delete(&self, key: &str) -> Result<Option<String>> {
        let key = self.key(key);
        let mut conn = self.conn.clone();
        match redis::cmd("GETDEL").arg(&key).query_async(&mut conn).await {
            Err(e)
                if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::ResponseError)
                    && e.to_string().to_lowercase().contains("unknown command") =>
            {
                self.get_and_delete.key(&key).invoke_async(&mut conn).await.map_err(error)
            }
            other => other.map_err(error),
        }
    }

    async fn increment(&self, key: &str, ttl_seconds: u64) -> Result<u64> {
        if ttl_seconds == 0 {
            return Err(Error::invalid_query("rateLimit", "a counter's TTL must be at least one second"));
        }
        let mut conn = self.conn.clone();
        self.increment.key(self.key(key)).arg(ttl_seconds).invoke_async(&mut conn).await.map_err(error)
    }
}

/// `docs/secondary-storage.md`, compiled and run as doctests so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/secondary-storage.md")]
pub struct SecondaryStorageGuide;
