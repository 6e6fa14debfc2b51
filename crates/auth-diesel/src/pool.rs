//! r2d2 pools of diesel connections: building them from a URL, the per-connection setup, and
//! checking a connection out on a blocking thread.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;

use auth_core::Error;
use auth_core::sql::sqlite_url::{SqliteMode, SqliteUrl};
use auth_core::sql::{Dialect, Rows, Stmt};

use crate::conn::SqlConn;
use diesel::result::QueryResult;
use crate::convert::pool_err;

/// An r2d2 pool of PostgreSQL connections.
pub type PgPool = Pool<ConnectionManager<PgConnection>>;
/// An r2d2 pool of MySQL / MariaDB connections.
pub type MysqlPool = Pool<ConnectionManager<MysqlConnection>>;
/// An r2d2 pool of SQLite connections.
pub type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;

/// Pool settings for [`crate::DieselBackend::open_with`].
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections the pool opens (SQLite `:memory:` always uses 1).
    pub max_size: u32,
    /// Idle connections kept open (`None`: as many as `max_size`).
    pub min_idle: Option<u32>,
    /// How long a caller waits for a free connection before [`Error::Connection`].
    pub connection_timeout: Duration,
    /// Per-connection setup (search path, SQLite busy timeout).
    pub setup: ConnectionSetup,
    /// PostgreSQL / MySQL: r2d2 runs `SELECT 1` on every checkout, one extra round trip per
    /// call that finds connections the server closed before they are used. Off, a dead
    /// connection fails the call that gets it, and r2d2 keeps it until it is recycled by age
    /// (`max_lifetime`, 30 min): only for servers that never drop connections. (SQLite: never.)
    pub test_on_check_out: bool,
    /// SQLite: single-row reads (`find_one`, the session lookup) run on the caller's task when a
    /// pooled connection is free, with SQLite's busy handler off and a fallback to the blocking
    /// thread on `SQLITE_BUSY`, instead of hopping to a blocking thread for every call.
    pub inline_reads: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            min_idle: Some(1),
            connection_timeout: Duration::from_secs(30),
            setup: ConnectionSetup::default(),
            test_on_check_out: true,
            inline_reads: true,
        }
    }
}

/// What every new connection needs, as an r2d2 [`CustomizeConnection`]; add it to your own
/// pool with `Pool::builder().connection_customizer(Box::new(ConnectionSetup::default()))`.
///
/// - PostgreSQL: `SET search_path` when [`ConnectionSetup::search_path`] is set.
/// - MySQL / MariaDB: `SET time_zone = '+00:00'`, so database defaults (`CURRENT_TIMESTAMP(3)`)
///   are UTC like the values the adapter writes.
/// - SQLite: `PRAGMA foreign_keys = ON` (per connection), a busy timeout, WAL when
///   [`ConnectionSetup::wal`] asks for it, and `synchronous = NORMAL` when the database is in
///   WAL mode.
#[derive(Debug, Clone)]
pub struct ConnectionSetup {
    /// PostgreSQL schema to put first on the search path.
    pub search_path: Option<String>,
    /// How long SQLite waits for a lock held by another connection.
    pub busy_timeout: Duration,
    /// SQLite: switch the database to WAL (a lasting change of the file). Pools this crate
    /// builds ask for it only for a file they create; an existing file keeps its owner's
    /// journal mode.
    pub wal: bool,
}

impl Default for ConnectionSetup {
    fn default() -> Self {
        ConnectionSetup { search_path: None, busy_timeout: Duration::from_secs(5), wal: false }
    }
}

/// A row of `PRAGMA journal_mode`.
#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

impl ConnectionSetup {
    /// Puts `schema` first on PostgreSQL's search path.
    pub fn search_path(mut self, schema: impl Into<String>) -> Self {
        self.search_path = Some(schema.into());
        self
    }
}

impl CustomizeConnection<PgConnection, r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), r2d2::Error> {
        if let Some(schema) = &self.search_path {
            let quoted = format!("\"{}\"", schema.replace('"', "\"\""));
            conn.batch_execute(&format!("SET search_path TO {quoted}")).map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

impl CustomizeConnection<MysqlConnection, r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut MysqlConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SET time_zone = '+00:00'").map_err(r2d2::Error::QueryError)
    }
}

impl CustomizeConnection<SqliteConnection, r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), r2d2::Error> {
        use diesel::RunQueryDsl;
        let ms = self.busy_timeout.as_millis();
        conn.batch_execute(&format!("PRAGMA busy_timeout = {ms}; PRAGMA foreign_keys = ON;"))
            .map_err(r2d2::Error::QueryError)?;
        let pragma = if self.wal { "PRAGMA journal_mode = WAL" } else { "PRAGMA journal_mode" };
        let mode: JournalMode = diesel::sql_query(pragma).get_result(conn).map_err(r2d2::Error::QueryError)?;
        if mode.journal_mode.eq_ignore_ascii_case("wal") {
            conn.batch_execute("PRAGMA synchronous = NORMAL;").map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// A pool of one of the three backends.
#[derive(Clone)]
pub(crate) enum Pools {
    Pg(PgPool),
    Mysql(MysqlPool),
    /// With the busy timeout its connections were set up with, when single-row reads may run
    /// inline (pools this crate built with [`PoolOptions::inline_reads`]).
    Sqlite(SqlitePool, Option<Duration>),
}

impl Pools {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Pools::Pg(_) => Dialect::Postgres,
            Pools::Mysql(_) => Dialect::Mysql,
            Pools::Sqlite(..) => Dialect::Sqlite,
        }
    }

    /// Checks a connection out (blocks up to the pool's connection timeout: call it on a
    /// blocking thread).
    pub(crate) fn get(&self) -> Result<Box<dyn SqlConn>, Error> {
        Ok(match self {
            Pools::Pg(p) => Box::new(p.get().map_err(pool_err)?),
            Pools::Mysql(p) => Box::new(p.get().map_err(pool_err)?),
            Pools::Sqlite(p, _) => Box::new(p.get().map_err(pool_err)?),
        })
    }

    /// Runs `stmt` (a single-row read) on the calling thread if this is a SQLite pool that
    /// allows it and a connection is free now; `None`: use the blocking thread. SQLite's busy
    /// handler is off meanwhile, so the call never waits for a lock: `SQLITE_BUSY` gives `None`.
    pub(crate) fn read_inline(&self, stmt: &Stmt) -> Option<QueryResult<Rows>> {
        let Pools::Sqlite(pool, Some(busy)) = self else { return None };
        let mut conn = pool.try_get()?;
        if let Err(e) = conn.batch_execute("PRAGMA busy_timeout = 0") {
            return Some(Err(e));
        }
        let rows = SqlConn::query(&mut *conn, stmt.clone());
        let restored = conn.batch_execute(&format!("PRAGMA busy_timeout = {}", busy.as_millis()));
        match (rows, restored) {
            (Err(diesel::result::Error::DatabaseError(_, info)), _) if info.message().contains("database is locked") => None,
            (Ok(rows), Ok(())) => Some(Ok(rows)),
            (Ok(_), Err(e)) | (Err(e), _) => Some(Err(e)),
        }
    }
}

/// Which backend a URL names, and the URL diesel understands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Pg(String),
    Mysql(String),
    /// `path`: the SQLite URI diesel opens; `new`: opening creates the file.
    Sqlite { path: String, memory: bool, new: bool },
}

/// `postgres://`, `postgresql://`, `mysql://`, `mariadb://`; SQLite as `:memory:`, `file:…`,
/// `sqlite://…`, `sqlite:…` or a plain path, read as the ORMs read them
/// ([`auth_core::sql::sqlite_url`]).
pub(crate) fn parse_url(url: &str) -> Result<Target, Error> {
    let url = url.trim();
    if url.is_empty() {
        return Err(Error::connection("empty database URL"));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Pg(url.to_string()));
    }
    if url.starts_with("mysql://") {
        return Ok(Target::Mysql(url.to_string()));
    }
    if let Some(rest) = url.strip_prefix("mariadb://") {
        return Ok(Target::Mysql(format!("mysql://{rest}")));
    }
    if let Some((scheme, _)) = url.split_once("://")
        && scheme != "sqlite"
        && scheme != "file"
    {
        return Err(Error::connection(format!("unsupported database URL scheme `{scheme}://`")));
    }
    let parsed = SqliteUrl::parse(url)?;
    Ok(match parsed.uri(None) {
        Some(uri) => {
            let creates = matches!(parsed, SqliteUrl::File { mode: SqliteMode::Create, .. });
            Target::Sqlite { path: uri, memory: false, new: creates && parsed.is_new() }
        }
        None => Target::Sqlite { path: ":memory:".into(), memory: true, new: false },
    })
}

fn builder<C>(opts: &PoolOptions) -> r2d2::Builder<ConnectionManager<C>>
where
    C: diesel::r2d2::R2D2Connection + 'static,
    ConnectionSetup: CustomizeConnection<C, r2d2::Error>,
{
    let max = opts.max_size.max(1);
    Pool::builder()
        .max_size(max)
        .min_idle(opts.min_idle.map(|m| m.min(max)))
        .connection_timeout(opts.connection_timeout)
        .connection_customizer(Box::new(opts.setup.clone()))
}

/// Builds the pool for `url` without connecting yet (the first use reports a bad URL or an
/// unreachable server as [`Error::Connection`]).
pub(crate) fn build(url: &str, opts: &PoolOptions) -> Result<Pools, Error> {
    let inline = opts.inline_reads.then_some(opts.setup.busy_timeout);
    let ping = opts.test_on_check_out;
    Ok(match parse_url(url)? {
        Target::Pg(u) => Pools::Pg(builder(opts).test_on_check_out(ping).build_unchecked(ConnectionManager::new(u))),
        Target::Mysql(u) => {
            Pools::Mysql(builder(opts).test_on_check_out(ping).build_unchecked(ConnectionManager::new(u)))
        }
        Target::Sqlite { path, memory: false, new } => {
            let mut opts = opts.clone();
            opts.setup.wal |= new;
            Pools::Sqlite(builder(&opts).test_on_check_out(false).build_unchecked(ConnectionManager::new(path)), inline)
        }
        // One connection, never closed: each in-memory connection is its own database.
        Target::Sqlite { path, memory: true, .. } => Pools::Sqlite(
            builder(opts)
                .max_size(1)
                .min_idle(Some(1))
                .idle_timeout(None)
                .max_lifetime(None)
                .test_on_check_out(false)
                .build_unchecked(ConnectionManager::new(path)),
            inline,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert!(matches!(parse_url("postgres://u@h/db"), Ok(Target::Pg(_))));
        assert!(matches!(parse_url("postgresql://u@h/db"), Ok(Target::Pg(_))));
        assert_eq!(parse_url("mariadb://root@h/db").ok(), Some(Target::Mysql("mysql://root@h/db".into())));
        assert_eq!(parse_url(":memory:").ok(), Some(Target::Sqlite { path: ":memory:".into(), memory: true, new: false }));
        let sqlite = |path: &str| Some(Target::Sqlite { path: path.into(), memory: false, new: true });
        assert_eq!(parse_url("sqlite://no-such.db?mode=rwc").ok(), sqlite("file:no-such.db?mode=rwc"));
        assert_eq!(parse_url("./no-such.db").ok(), sqlite("file:./no-such.db?mode=rwc"));
        assert!(parse_url("redis://x").is_err());
        assert!(parse_url("").is_err());
    }
}

/// The inline read path against a real SQLite file, in rollback-journal mode: there (unlike
/// WAL, which every pool this crate builds uses) a writer's exclusive lock blocks readers, so the
/// `SQLITE_BUSY` fallback can be reached.
#[cfg(test)]
mod inline_read_tests {
    use std::time::Duration;

    use auth_core::{AuthDb, AuthStore, NewUser, Schema};
    use diesel::Connection;

    use super::*;

    async fn read_through_an_exclusive_lock(name: &str) {
        let path = std::env::temp_dir().join(format!("auth-diesel-inline-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let path = path.display().to_string();
        let pool = Pool::builder().max_size(1).build_unchecked(ConnectionManager::<SqliteConnection>::new(&path));
        let pools = Pools::Sqlite(pool, Some(Duration::from_secs(5)));
        let db = AuthDb::new(crate::DieselBackend::from_pools(pools), Schema::better_auth()).expect("db");
        db.create_schema().await.expect("schema");
        let ada = db.create_user(NewUser::new("Ada", "ada@example.com")).await.expect("user");

        let mut other = SqliteConnection::establish(&path).expect("opens");
        other.batch_execute("BEGIN EXCLUSIVE").expect("lock");
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            other.batch_execute("ROLLBACK").expect("unlock");
        });
        let found = db.find_user_by_email("ada@example.com").await.expect("waits for the lock, then reads");
        assert_eq!(found.map(|u| u.id), Some(ada.id));
        release.join().expect("thread");
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_busy_inline_read_falls_back_and_waits() {
        read_through_an_exclusive_lock("multi").await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn inline_reads_work_on_a_current_thread_runtime() {
        read_through_an_exclusive_lock("current").await;
    }
}
