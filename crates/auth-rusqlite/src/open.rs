//! Opening SQLite databases from paths and URLs.

use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use auth_core::Error;

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
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            pool_size: 4,
            acquire_timeout: Duration::from_secs(30),
            busy_timeout: Duration::from_secs(5),
            inline_reads: true,
        }
    }
}

/// Where the database lives, parsed from what a user writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    Memory,
    Path(String),
    Uri(String),
}

/// Accepts `:memory:`, `file:./dev.db`, `file:dev.db?mode=ro` (a URI), `sqlite://./dev.db`,
/// `sqlite:dev.db` and plain paths.
pub(crate) fn parse_location(url: &str) -> Result<Location, Error> {
    let url = url.trim();
    if url.is_empty() {
        return Err(Error::connection("empty SQLite database path"));
    }
    if matches!(url, ":memory:" | "sqlite::memory:" | "sqlite://:memory:" | "file::memory:") {
        return Ok(Location::Memory);
    }
    if let Some(rest) = url.strip_prefix("file:") {
        return Ok(if rest.contains('?') { Location::Uri(url.to_string()) } else { Location::Path(rest.to_string()) });
    }
    if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        return Ok(Location::Path(rest.to_string()));
    }
    if url.contains("://") {
        return Err(Error::connection(format!("not a SQLite URL: `{}`", url.split("://").next().unwrap_or(url))));
    }
    Ok(Location::Path(url.to_string()))
}

/// Sets what every connection needs: foreign keys (per connection), a busy timeout, WAL, and
/// stable query plans. Without the last (SQLite's QPSG), a database with `ANALYZE` statistics
/// makes SQLite (built with STAT4, as the bundled one is) re-prepare a statement every time a
/// parameter compared with an indexed column gets a new value: every session lookup paid a
/// full parse and plan (≈10 µs, see docs/performance.md).
pub(crate) fn configure(conn: &Connection, busy: Duration, wal: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(busy)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    if wal {
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    }
    Ok(())
}

pub(crate) fn open_all(loc: &Location, opts: &SqliteOptions) -> Result<Vec<Connection>, Error> {
    let err = |e: rusqlite::Error| Error::connection_from(format!("cannot open SQLite database: {e}"), e);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    match loc {
        Location::Memory => {
            let conn = Connection::open_in_memory().map_err(err)?;
            configure(&conn, opts.busy_timeout, false).map_err(err)?;
            Ok(vec![conn])
        }
        Location::Path(p) | Location::Uri(p) => {
            let size = opts.pool_size.max(1);
            let mut out = Vec::with_capacity(size);
            for _ in 0..size {
                let conn = Connection::open_with_flags(p, flags).map_err(err)?;
                configure(&conn, opts.busy_timeout, true).map_err(err)?;
                out.push(conn);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_keep_stable_plans() {
        let conn = Connection::open_in_memory().unwrap();
        assert!(!conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG).unwrap());
        configure(&conn, Duration::from_secs(1), false).unwrap();
        assert!(conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG).unwrap());
    }

    #[test]
    fn urls_parse() {
        assert_eq!(parse_location(":memory:").unwrap(), Location::Memory);
        assert_eq!(parse_location("file:./dev.db").unwrap(), Location::Path("./dev.db".into()));
        assert_eq!(parse_location("sqlite://a.db").unwrap(), Location::Path("a.db".into()));
        assert_eq!(parse_location("file:a.db?mode=rwc").unwrap(), Location::Uri("file:a.db?mode=rwc".into()));
        assert!(parse_location("postgres://x").is_err());
        assert!(parse_location("").is_err());
    }
}
