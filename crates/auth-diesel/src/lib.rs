//! `auth-diesel`: the auth adapter on diesel 2.3, for PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! Hand it the r2d2 pool you already have, or a URL:
//!
//! ```no_run
//! # async fn demo(pool: auth_diesel::PgPool) -> auth_core::Result<()> {
//! use auth_core::{AuthDb, AuthStore, NewUser, Schema};
//! use auth_diesel::DieselBackend;
//!
//! // From an existing pool (`diesel::r2d2::Pool<ConnectionManager<PgConnection>>`):
//! let db = AuthDb::new(DieselBackend::from_pg_pool(pool), Schema::better_auth())?;
//! db.create_schema().await?;
//!
//! // Or from a URL: postgres://, mysql://, or a SQLite path / file: / :memory:.
//! let db = auth_diesel::connect("postgres://postgres@localhost/app", Schema::better_auth()).await?;
//! let user = db.create_user(NewUser::new("Ada", "ada@example.com")).await?;
//! # Ok(()) }
//! ```
//!
//! The schema is known only at run time, so statements come from `auth-core`'s SQL builder and
//! run with bound parameters (never spliced) as queries diesel caches as prepared statements, by
//! their SQL text, like its typed DSL (`diesel::sql_query` would be parsed and planned again on
//! every call); rows are read by index through diesel's `QueryableByName`, decoded from the type
//! each database reports.
//! With r2d2 pools every call runs on a blocking thread, so sync diesel never blocks the async
//! runtime; with the `async` feature, diesel-async (deadpool) pools run without one.
//!
//! PostgreSQL and MySQL store dates (`timestamptz` / `datetime(3)`, UTC), booleans and JSON
//! natively; SQLite stores ISO-8601 text with milliseconds and `Z`, 0/1 and JSON text, as Better
//! Auth's own migrations do.
//!
//! To run the adapter's operations inside a transaction on a connection of your own, see
//! [`DieselBackend::from_connection`].

#[cfg(feature = "async")]
mod async_pool;
mod backend;
mod conn;
mod convert;
mod pool;
mod query;
mod tx;

pub use backend::DieselBackend;
pub use pool::{ConnectionSetup, MysqlPool, PgPool, PoolOptions, SqlitePool};

#[cfg(feature = "async")]
pub use async_pool::{AsyncMysqlPool, AsyncPgPool, async_mysql_manager};
/// The diesel-async this crate is built with (feature `async`).
#[cfg(feature = "async")]
pub use diesel_async;

use auth_core::{AuthDb, Result, Schema};

/// A diesel connection the adapter can run on: `PgConnection`, `MysqlConnection`,
/// `SqliteConnection`, or an r2d2 `PooledConnection` of one of them. Sealed.
pub trait DieselConnection: conn::SqlConn {}

impl<T: conn::SqlConn> DieselConnection for T {}

impl DieselBackend {
    /// Uses an existing r2d2 pool of PostgreSQL connections.
    pub fn from_pg_pool(pool: PgPool) -> Self {
        Self::from_pools(pool::Pools::Pg(pool))
    }

    /// Uses an existing r2d2 pool of MySQL / MariaDB connections. Add [`ConnectionSetup`] as
    /// its connection customizer so database-side defaults are in UTC.
    pub fn from_mysql_pool(pool: MysqlPool) -> Self {
        Self::from_pools(pool::Pools::Mysql(pool))
    }

    /// Uses an existing r2d2 pool of SQLite connections. Add [`ConnectionSetup`] as its
    /// connection customizer: SQLite enforces foreign keys only when each connection asks.
    /// Every call runs on a blocking thread (single-row reads run inline only on pools built by
    /// [`DieselBackend::open_with`], whose busy timeout is known).
    pub fn from_sqlite_pool(pool: SqlitePool) -> Self {
        Self::from_pools(pool::Pools::Sqlite(pool, None))
    }

    /// Uses an existing diesel-async (deadpool) pool of PostgreSQL connections (feature
    /// `async`): no blocking threads.
    ///
    /// ```no_run
    /// # fn demo() -> auth_core::Result<()> {
    /// use auth_core::{AuthDb, Schema};
    /// use auth_diesel::DieselBackend;
    /// use auth_diesel::diesel_async::AsyncPgConnection;
    /// use auth_diesel::diesel_async::pooled_connection::AsyncDieselConnectionManager;
    /// use auth_diesel::diesel_async::pooled_connection::deadpool::Pool;
    ///
    /// let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new("postgres://app@localhost/app");
    /// let pool = Pool::builder(manager).max_size(10).build().expect("pool");
    /// let db = AuthDb::new(DieselBackend::from_async_pg_pool(pool), Schema::better_auth())?;
    ///
    /// // MySQL/MariaDB: build on `auth_diesel::async_mysql_manager(url)`, whose connections set
    /// // `time_zone = '+00:00'`, then `DieselBackend::from_async_mysql_pool(pool)`.
    /// # let _ = db; Ok(()) }
    /// ```
    #[cfg(feature = "async")]
    pub fn from_async_pg_pool(pool: AsyncPgPool) -> Self {
        Self::from_async_pools(async_pool::AsyncPools::Pg(pool))
    }

    /// Uses an existing diesel-async (deadpool) pool of MySQL / MariaDB connections (feature
    /// `async`); build it on [`async_mysql_manager`] so database-side defaults are in UTC.
    #[cfg(feature = "async")]
    pub fn from_async_mysql_pool(pool: AsyncMysqlPool) -> Self {
        Self::from_async_pools(async_pool::AsyncPools::Mysql(pool))
    }

    /// Opens a pool for `url` with [`PoolOptions::default`]: `postgres://…`, `postgresql://…`,
    /// `mysql://…` (`mariadb://…`), or SQLite as `:memory:`, `file:…`, `sqlite://…` or a path.
    /// Connections open lazily; the first call reports an unreachable server.
    pub fn open(url: &str) -> Result<Self> {
        Self::open_with(url, &PoolOptions::default())
    }

    /// Opens a pool for `url` with these options.
    pub fn open_with(url: &str, options: &PoolOptions) -> Result<Self> {
        Ok(Self::from_pools(pool::build(url, options)?))
    }

    /// Runs the adapter's operations in a transaction on `conn`, a connection of your own (in
    /// a transaction of yours already, or not). Begins a transaction through diesel's
    /// transaction manager — a savepoint when `conn` is already in a diesel transaction — which
    /// [`auth_core::Transaction::commit`] or `rollback` ends; dropping every clone without
    /// either rolls it back. Then [`DieselBackend::into_connection`] hands `conn` back, still
    /// in your transaction if it was.
    ///
    /// ```no_run
    /// # async fn demo(mut conn: diesel::PgConnection) -> auth_core::Result<()> {
    /// use auth_core::{AuthDb, AuthStore, NewUser, Schema, Transaction};
    /// use auth_diesel::DieselBackend;
    ///
    /// let tx = DieselBackend::from_connection(conn).await?;
    /// let db = AuthDb::new(tx.clone(), Schema::better_auth())?;
    /// db.create_user(NewUser::new("Ada", "ada@example.com")).await?;
    /// tx.commit().await?;
    /// let conn: diesel::PgConnection = tx.into_connection()?;
    /// # Ok(()) }
    /// ```
    pub async fn from_connection<C: DieselConnection>(conn: C) -> Result<Self> {
        Self::from_conn(Box::new(conn)).await
    }
}

/// Opens `url` (see [`DieselBackend::open`]), creates the schema's missing tables and indexes,
/// and returns the adapter.
pub async fn connect(url: &str, schema: Schema) -> Result<AuthDb> {
    let db = AuthDb::new(DieselBackend::open(url)?, schema)?;
    db.create_schema().await?;
    Ok(db)
}

/// `docs/diesel.md`'s code blocks, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/diesel.md")]
pub struct DocsDoctests;

/// `docs/pooling.md`'s code blocks (every adapter's pool), compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/pooling.md")]
pub struct PoolingDoctests;
