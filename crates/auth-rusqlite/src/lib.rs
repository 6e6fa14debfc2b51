//! `auth-rusqlite`: the auth adapter on SQLite through rusqlite (bundled SQLite).
//!
//! ```no_run
//! # async fn demo() -> auth_core::Result<()> {
//! use auth_core::{AuthStore, NewUser, Schema};
//! let db = auth_rusqlite::connect("file:./dev.db", Schema::better_auth()).await?;
//! let user = db.create_user(NewUser::new("Ada", "ada@example.com")).await?;
//! # Ok(()) }
//! ```
//!
//! Connections run with foreign keys on and a busy timeout; a database file the adapter creates
//! is put in WAL mode, an existing one keeps its journal mode ([`SqliteOptions::wal`]). Database calls run on a
//! blocking thread, except single-row reads, which run inline when a connection is free and never
//! wait for a lock ([`SqliteOptions::inline_reads`]). Dates are stored as ISO-8601 text with
//! milliseconds and `Z`, booleans as 0/1, as Better Auth's own SQLite migrations do.

mod backend;
mod connection;
mod convert;
mod open;
mod pool;

pub use backend::SqliteBackend;
pub use open::SqliteOptions;

use auth_core::{AuthDb, Error, Result, Schema};

impl SqliteBackend {
    /// Opens a database: `:memory:`, `file:./dev.db` (a SQLite URI, as diesel takes it),
    /// `sqlite://dev.db?mode=rwc` (as sqlx and SeaORM take it), or a plain path. The file is
    /// created when missing unless the URL's `mode` is `ro` or `rw`.
    pub fn open(url: &str) -> Result<Self> {
        Self::open_with(url, &SqliteOptions::default())
    }

    /// Opens a database with pool options.
    pub fn open_with(url: &str, options: &SqliteOptions) -> Result<Self> {
        let location = auth_core::sql::sqlite_url::SqliteUrl::parse(url)?;
        let conns = open::open_all(&location, options)?;
        Ok(Self::from_pool(pool::Pool::new(conns, options)))
    }

    /// Uses a connection the application already has (foreign keys and a busy timeout are
    /// switched on; the journal mode is left as it is).
    pub fn from_connection(conn: rusqlite::Connection) -> Result<Self> {
        let opts = SqliteOptions::default();
        open::configure(&conn, opts.busy_timeout)
            .map_err(|e| Error::connection_from(format!("cannot configure SQLite connection: {e}"), e))?;
        Ok(Self::from_pool(pool::Pool::new(vec![conn], &opts)))
    }
}

/// Opens `url`, creates the schema's missing tables and indexes, and returns the adapter.
pub async fn connect(url: &str, schema: Schema) -> Result<AuthDb> {
    let db = AuthDb::new(SqliteBackend::open(url)?, schema)?;
    db.create_schema().await?;
    Ok(db)
}

/// The README's code blocks, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The guide's pages whose code blocks run on this adapter, compiled and run as doctests.
#[cfg(doctest)]
pub mod guide_doctests {
    /// `docs/README.md`.
    #[doc = include_str!("../../../docs/README.md")]
    pub struct Guide;
    /// `docs/hooks.md`.
    #[doc = include_str!("../../../docs/hooks.md")]
    pub struct Hooks;
    /// `docs/custom-fields.md`.
    #[doc = include_str!("../../../docs/custom-fields.md")]
    pub struct CustomFields;
    /// `docs/migrations.md`.
    #[doc = include_str!("../../../docs/migrations.md")]
    pub struct Migrations;
    /// `docs/backups.md`.
    #[doc = include_str!("../../../docs/backups.md")]
    pub struct Backups;
    /// `docs/best-practices.md`.
    #[doc = include_str!("../../../docs/best-practices.md")]
    pub struct BestPractices;
    /// `docs/troubleshooting.md`.
    #[doc = include_str!("../../../docs/troubleshooting.md")]
    pub struct Troubleshooting;
}
