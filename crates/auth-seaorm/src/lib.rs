//! `auth-seaorm`: the auth adapter on SeaORM 2, for PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! Hand it the [`sea_orm::DatabaseConnection`] the application already has:
//!
//! ```no_run
//! # async fn demo(conn: sea_orm::DatabaseConnection) -> auth_core::Result<()> {
//! use auth_core::{AuthDb, AuthStore, NewUser, Schema};
//! let db = AuthDb::new(auth_seaorm::SeaOrmBackend::from_connection(conn)?, Schema::better_auth())?;
//! db.create_schema().await?;
//! let user = db.create_user(NewUser::new("Ada", "ada@example.com")).await?;
//! # Ok(()) }
//! ```
//!
//! (or [`from_connection`] in one call), or a URL (`postgres://`, `mysql://`, `sqlite://`):
//! [`connect`]. Every statement comes from
//! `auth_core::sql` and runs through `Statement::from_sql_and_values`; results are read by
//! the column types of the schema. PostgreSQL and MySQL store dates, booleans and JSON
//! natively (`timestamptz` / `datetime(3)` in UTC, `boolean` / `tinyint(1)`, `jsonb` / `json`);
//! SQLite stores ISO-8601 text with milliseconds and `Z`, 0/1 and JSON text, as Better Auth
//! does. To run the adapter inside a transaction the application began, see
//! [`SeaOrmBackend::from_transaction`]. The guide is `docs/seaorm.md`.

mod backend;
mod connection;
mod convert;

use std::time::Duration;

pub use backend::SeaOrmBackend;
pub use sea_orm;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use auth_core::sql::sqlite_url::{SqliteMode, SqliteUrl, file_is_wal};
use auth_core::{AuthDb, Error, Result, Schema};

/// SeaORM connect options with this adapter's defaults for `url`: no ping before every
/// acquire and no statement logging; on SQLite foreign keys, a 5 s busy timeout, the file
/// created when missing unless the URL has a `mode`, and 4 connections (1 for in-memory
/// databases). A database file these options create is put in WAL mode (`synchronous =
/// NORMAL`); an existing file keeps the journal mode its owner chose (`synchronous = NORMAL`
/// only when that is WAL). Adjust the pool (`max_connections`, `acquire_timeout`, ...) on the
/// returned value.
///
/// The workspace bundles SQLite 3.51.3 (`libsqlite3-sys` 0.37): 3.51.1 could deadlock when
/// connections to one WAL database opened and closed concurrently, as a pool does.
pub fn options(url: &str) -> ConnectOptions {
    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
    let mut o = ConnectOptions::new(url);
    o.test_before_acquire(false).sqlx_logging(false);
    if url.starts_with("sqlite:") {
        let parsed = SqliteUrl::parse(url);
        let memory = matches!(parsed, Ok(SqliteUrl::Memory));
        let create = !url.contains("mode=");
        let creates = matches!(&parsed, Ok(SqliteUrl::File { mode: SqliteMode::Create, .. }));
        let (new, wal) = match parsed.as_ref().ok().and_then(SqliteUrl::path) {
            Some(path) => (creates && parsed.as_ref().is_ok_and(SqliteUrl::is_new), file_is_wal(path)),
            None => (false, false),
        };
        o.max_connections(if memory { 1 } else { 4 });
        o.map_sqlx_sqlite_opts(move |s| {
            let mut s = s.foreign_keys(true).busy_timeout(Duration::from_secs(5));
            if create {
                s = s.create_if_missing(true);
            }
            if new {
                s = s.journal_mode(SqliteJournalMode::Wal);
            }
            if new || wal {
                s = s.synchronous(SqliteSynchronous::Normal);
            }
            s
        });
    }
    o
}

impl SeaOrmBackend {
    /// Connects to `url` with [`options`].
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(options(url)).await
    }

    /// Connects with SeaORM connect options (pool size, timeouts, TLS in the URL, ...).
    pub async fn open_with(options: ConnectOptions) -> Result<Self> {
        let conn =
            Database::connect(options).await.map_err(|e| Error::connection_from(format!("cannot connect: {e}"), e))?;
        Self::from_connection(conn)
    }
}

/// Connects to `url`, creates the schema's missing tables and indexes, and returns the adapter.
pub async fn connect(url: &str, schema: Schema) -> Result<AuthDb> {
    connect_with(options(url), schema).await
}

/// Uses the application's SeaORM connection (pool): creates the schema's missing tables and
/// indexes, and returns the adapter. Clones of `conn` share its pool.
pub async fn from_connection(conn: DatabaseConnection, schema: Schema) -> Result<AuthDb> {
    let db = AuthDb::new(SeaOrmBackend::from_connection(conn)?, schema)?;
    db.create_schema().await?;
    Ok(db)
}

/// Like [`connect`], with SeaORM connect options.
pub async fn connect_with(options: ConnectOptions, schema: Schema) -> Result<AuthDb> {
    let db = AuthDb::new(SeaOrmBackend::open_with(options).await?, schema)?;
    db.create_schema().await?;
    Ok(db)
}

/// The guide's code blocks (`docs/seaorm.md`), compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/seaorm.md")]
pub struct GuideDoctests;
