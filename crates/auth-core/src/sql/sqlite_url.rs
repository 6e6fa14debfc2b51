//! SQLite database URLs as the ORMs read them, and what the file on disk says about itself.
//!
//! - sqlx / SeaORM: `sqlite://PATH` and `sqlite:PATH`, the path percent-decoded, parameters
//!   `mode` (`ro`, `rw`, `rwc`, `memory`), `cache`, `immutable`, `vfs` (others are an error, as
//!   in sqlx); `sqlite::memory:`;
//! - diesel / SQLite itself: `file:PATH?…` URIs (every parameter is SQLite's), `:memory:`, plain
//!   paths.
//!
//! Without a `mode`, a missing file is created (as diesel and rusqlite do; sqlx needs `rwc`).

use std::path::Path;

use crate::error::{Error, Result};

/// What SQLite may do to the file (the URL's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteMode {
    /// `ro`: read only.
    ReadOnly,
    /// `rw`: read and write; the file must exist.
    ReadWrite,
    /// `rwc`: read and write, created when missing.
    Create,
}

impl SqliteMode {
    /// The URI parameter value (`ro`, `rw`, `rwc`).
    pub fn as_str(self) -> &'static str {
        match self {
            SqliteMode::ReadOnly => "ro",
            SqliteMode::ReadWrite => "rw",
            SqliteMode::Create => "rwc",
        }
    }
}

/// A parsed SQLite URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteUrl {
    /// An in-memory database.
    Memory,
    /// A database file.
    File {
        /// The file, percent-decoded.
        path: String,
        /// What may be done to it; [`SqliteMode::Create`] unless the URL says otherwise.
        mode: SqliteMode,
        /// Other parameters (`cache`, `vfs`, `immutable`, SQLite URI parameters), in order.
        params: Vec<(String, String)>,
    },
}

fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return Err(Error::connection(format!("bad percent escape in SQLite URL `{s}`")));
            };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::connection(format!("SQLite URL `{s}` is not UTF-8 once decoded")))
}

/// `s` in a SQLite URI: `%`, `?`, `#`, `&` and `=` escaped (SQLite decodes `%HH` everywhere).
fn uri_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '?' | '#' | '&' | '=' => out.push_str(&format!("%{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

impl SqliteUrl {
    /// Parses what a user writes (see the module documentation).
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        if url.is_empty() {
            return Err(Error::connection("empty SQLite database path"));
        }
        if matches!(url, ":memory:" | "sqlite::memory:" | "sqlite://:memory:" | "file::memory:") {
            return Ok(SqliteUrl::Memory);
        }
        let (rest, sqlx) = if let Some(rest) = url.strip_prefix("file:") {
            // `file:///abs` and `file://localhost/abs`: the authority is empty or localhost.
            let rest = match rest.strip_prefix("//") {
                Some(r) => r.find('/').map_or("", |i| &r[i..]),
                None => rest,
            };
            (rest, false)
        } else if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            (rest, true)
        } else if let Some((scheme, _)) = url.split_once("://") {
            return Err(Error::connection(format!("not a SQLite URL: `{scheme}`")));
        } else {
            return Ok(SqliteUrl::File { path: url.to_string(), mode: SqliteMode::Create, params: Vec::new() });
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = percent_decode(path.split('#').next().unwrap_or(path))?;
        let mut mode = SqliteMode::Create;
        let mut params = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k)?, percent_decode(v)?);
            match (k.as_str(), v.as_str()) {
                ("mode", "ro") => mode = SqliteMode::ReadOnly,
                ("mode", "rw") => mode = SqliteMode::ReadWrite,
                ("mode", "rwc") => mode = SqliteMode::Create,
                ("mode", "memory") => return Ok(SqliteUrl::Memory),
                ("mode", other) => {
                    return Err(Error::connection(format!("unknown SQLite mode `{other}` (use ro, rw, rwc or memory)")));
                }
                ("cache" | "immutable" | "vfs", _) => params.push((k, v)),
                _ if !sqlx => params.push((k, v)),
                (other, _) => {
                    return Err(Error::connection(format!(
                        "unknown parameter `{other}` in SQLite URL (sqlite: URLs take mode, cache, immutable, vfs)"
                    )));
                }
            }
        }
        if path.is_empty() || path == ":memory:" {
            return Ok(SqliteUrl::Memory);
        }
        Ok(SqliteUrl::File { path, mode, params })
    }

    /// The file, unless the database is in memory.
    pub fn path(&self) -> Option<&Path> {
        match self {
            SqliteUrl::Memory => None,
            SqliteUrl::File { path, .. } => Some(Path::new(path)),
        }
    }

    /// `true` when opening would make a new database: the file is missing or empty.
    pub fn is_new(&self) -> bool {
        self.path().is_some_and(|p| std::fs::metadata(p).map_or(true, |m| m.len() == 0))
    }

    /// The URL as a SQLite URI (`file:…`, for `sqlite3_open_v2` with `SQLITE_OPEN_URI`), with
    /// `mode` in place of the URL's own when given. `None` for in-memory databases.
    pub fn uri(&self, mode: Option<SqliteMode>) -> Option<String> {
        let SqliteUrl::File { path, mode: own, params } = self else { return None };
        let mut uri = format!("file:{}?mode={}", uri_escape(path), mode.unwrap_or(*own).as_str());
        for (k, v) in params {
            uri.push_str(&format!("&{}={}", uri_escape(k), uri_escape(v)));
        }
        Some(uri)
    }
}

/// `true` when the SQLite database file at `path` is in WAL mode, read from its header (bytes
/// 18 and 19 are 2 in WAL mode), without opening it; `false` when it is not, or cannot be read.
pub fn file_is_wal(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)).is_ok() && header[18] == 2 && header[19] == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, mode: SqliteMode, params: &[(&str, &str)]) -> SqliteUrl {
        SqliteUrl::File {
            path: path.into(),
            mode,
            params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn urls_parse_as_the_orms_parse_them() {
        use SqliteMode::*;
        let cases = [
            (":memory:", SqliteUrl::Memory),
            ("sqlite::memory:", SqliteUrl::Memory),
            ("sqlite://?mode=memory", SqliteUrl::Memory),
            ("file:./dev.db", file("./dev.db", Create, &[])),
            ("file:///tmp/a.db", file("/tmp/a.db", Create, &[])),
            ("file://localhost/tmp/a.db?mode=ro", file("/tmp/a.db", ReadOnly, &[])),
            ("file:a.db?mode=rwc&cache=shared", file("a.db", Create, &[("cache", "shared")])),
            ("file:a.db?nolock=1", file("a.db", Create, &[("nolock", "1")])),
            ("sqlite://a.db", file("a.db", Create, &[])),
            ("sqlite://t6.db?mode=rwc", file("t6.db", Create, &[])),
            ("sqlite:t6.db?mode=rw", file("t6.db", ReadWrite, &[])),
            ("sqlite:///abs/a.db?mode=ro", file("/abs/a.db", ReadOnly, &[])),
            ("sqlite://we%3Fird%20name.db", file("we?ird name.db", Create, &[])),
            ("./plain.db", file("./plain.db", Create, &[])),
        ];
        for (url, want) in cases {
            assert_eq!(SqliteUrl::parse(url).unwrap(), want, "{url}");
        }
        for bad in ["postgres://x", "", "sqlite://a.db?mode=xyz", "sqlite://a.db?journal=wal", "sqlite://a%zz.db"] {
            assert!(SqliteUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn uris_escape_what_sqlite_reads_as_syntax() {
        let url = SqliteUrl::parse("sqlite://a%3Fb%23c%25d%26e%3Df.db?cache=shared").unwrap();
        assert_eq!(url.uri(None).unwrap(), "file:a%3fb%23c%25d%26e%3df.db?mode=rwc&cache=shared");
        assert_eq!(url.uri(Some(SqliteMode::ReadOnly)).unwrap(), "file:a%3fb%23c%25d%26e%3df.db?mode=ro&cache=shared");
    }
}
