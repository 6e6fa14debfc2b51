//! Opening SQLite databases from paths and URLs.

use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use auth_core::Error;
use auth_core::sql::sqlite_url::{SqliteMode, SqliteUrl};

/// How to open the database.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Connections in the pool (1 for `:memory:`).
    pub pool_size: usize,
    /// How long a caller waits for a free connection.
    pub acquire_timeout: Duration,
    /// How long SQLite waits for a lock held by another connection or process.
    pub busy_timeout: Duration,
    /// Run single-row reads (`find_one`, the session lookup) on the caller's task when a
    /// connection is free, instead of hopping to a blocking thread. Such a read never waits for a
    /// lock (on `SQLITE_BUSY` it falls back to the blocking thread), but a page that is not in
    /// memory is read from disk on the async worker. Off: every call runs on a blocking thread.
    pub inline_reads: bool,
    /// The journal mode. `None` (the default): a database file this call creates is switched to
    /// WAL, an existing one keeps the mode its owner chose. `Some(true)`: switch to WAL (it stays
    /// so, for every later user of the file). `Some(false)`: never switch.
    pub wal: Option<bool>,
    /// Open read-only: nothing is written, not even the journal mode, and a missing file is an
    /// error instead of a new database (as `mode=ro` in the URL).
    pub read_only: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            pool_size: 4,
            acquire_timeout: Duration::from_secs(30),
            busy_timeout: Duration::from_secs(5),
            inline_reads: true,
            wal: None,
            read_only: false,
        }
    }
}

/// Sets what every connection needs: foreign keys (per connection), a busy timeout, and stable
/// query plans. Without the last (SQLite's QPSG), a database with `ANALYZE` statistics makes
/// SQLite (built with STAT4, as the bundled one is) re-prepare a statement every time a
/// parameter compared with an indexed column gets a new value: every session lookup paid a full
/// parse and plan (≈10 µs, see docs/performance.md).
pub(crate) fn configure(conn: &Connection, busy: Duration) -> rusqlite::Result<()> {
    conn.busy_timeout(busy)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")
}

/// With `wal`, switches the database to WAL (a lasting change of the file). Then, when the
/// database is in WAL mode, sets this connection's `synchronous = NORMAL` (safe in WAL, and
/// the mode's point).
fn journal(conn: &Connection, wal: bool) -> rusqlite::Result<()> {
    let pragma = if wal { "PRAGMA journal_mode = WAL" } else { "PRAGMA journal_mode" };
    let mode: String = conn.query_row(pragma, [], |r| r.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    }
    Ok(())
}

pub(crate) fn open_all(url: &SqliteUrl, opts: &SqliteOptions) -> Result<Vec<Connection>, Error> {
    let Some(path) = url.path() else {
        let conn = Connection::open_in_memory().map_err(|e| Error::connection_from(format!("cannot open SQLite database: {e}"), e))?;
        configure(&conn, opts.busy_timeout).map_err(|e| Error::connection_from(format!("cannot open SQLite database: {e}"), e))?;
        return Ok(vec![conn]);
    };
    let shown = path.display();
    let own = match url {
        SqliteUrl::File { mode, .. } => *mode,
        SqliteUrl::Memory => SqliteMode::Create,
    };
    let mode = if opts.read_only { SqliteMode::ReadOnly } else { own };
    let uri = url.uri(Some(mode)).unwrap_or_default();
    // rusqlite ends an open error with the URI it was given; the path says it better.
    let err = |e: rusqlite::Error| {
        let e = e.to_string();
        let e = e.strip_suffix(&format!(": {uri}")).unwrap_or(&e);
        Error::connection(format!("cannot open SQLite database {shown}: {e}"))
    };
    let new = url.is_new();
    if new && mode != SqliteMode::Create {
        return Err(Error::connection(format!("no SQLite database at {shown}")));
    }
    let flags = OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | match mode {
            SqliteMode::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
            SqliteMode::ReadWrite => OpenFlags::SQLITE_OPEN_READ_WRITE,
            SqliteMode::Create => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        };
    let wal = mode != SqliteMode::ReadOnly && opts.wal.unwrap_or(new);
    let size = opts.pool_size.max(1);
    let mut out = Vec::with_capacity(size);
    for i in 0..size {
        let conn = Connection::open_with_flags(&uri, flags).map_err(err)?;
        configure(&conn, opts.busy_timeout).and_then(|()| journal(&conn, wal && i == 0)).map_err(err)?;
        out.push(conn);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_keep_stable_plans() {
        let conn = Connection::open_in_memory().unwrap();
        assert!(!conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG).unwrap());
        configure(&conn, Duration::from_secs(1)).unwrap();
        assert!(conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG).unwrap());
    }
}
