//! Fresh PostgreSQL / MySQL databases for one test, from `AUTH_TEST_POSTGRES_URL` /
//! `AUTH_TEST_MYSQL_URL` (defaults: the standard local addresses).

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, PgConnection};

/// Which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// PostgreSQL.
    Postgres,
    /// MySQL / MariaDB.
    Mysql,
}

/// A database made for one test.
pub struct Fresh {
    /// The server.
    pub kind: Kind,
    /// The URL of the fresh database.
    pub url: String,
    /// Its name.
    pub name: String,
    admin: String,
}

/// `url` with its database (path) replaced by `db`, query string kept.
pub fn with_db(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = base[..host_end].to_string();
    if !db.is_empty() {
        out.push('/');
        out.push_str(db);
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn admin_exec(kind: Kind, admin: &str, sql: &str) -> Result<(), String> {
    match kind {
        Kind::Postgres => PgConnection::establish(admin)
            .map_err(|e| e.to_string())?
            .batch_execute(sql)
            .map_err(|e| e.to_string()),
        Kind::Mysql => MysqlConnection::establish(admin)
            .map_err(|e| e.to_string())?
            .batch_execute(sql)
            .map_err(|e| e.to_string()),
    }
}

fn create_database(kind: Kind, name: &str) -> String {
    match kind {
        Kind::Postgres => format!("CREATE DATABASE {name}"),
        Kind::Mysql => format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
    }
}

/// The server's URL from the environment (or the default).
pub fn base_url(kind: Kind) -> (&'static str, String) {
    let (var, default) = match kind {
        Kind::Postgres => ("AUTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/auth_test"),
        Kind::Mysql => ("AUTH_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/auth_test"),
    };
    (var, std::env::var(var).unwrap_or_else(|_| default.to_string()))
}

/// A fresh, empty database `auth_<tag>_<pid>`; `None` (skipped, with the reason) when the server
/// cannot be reached, which fails under `CI=true`.
pub fn fresh_database(kind: Kind, tag: &str) -> Option<Fresh> {
    let (var, base) = base_url(kind);
    let name = format!("auth_{tag}_{}", std::process::id());
    let admin = with_db(&base, if kind == Kind::Postgres { "postgres" } else { "" });
    let created = admin_exec(kind, &admin, &format!("DROP DATABASE IF EXISTS {name}"))
        .and_then(|()| admin_exec(kind, &admin, &create_database(kind, &name)));
    match created {
        Ok(()) => Some(Fresh { kind, url: with_db(&base, &name), name, admin }),
        Err(e) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{kind:?} unreachable at {base} in CI: {e}");
            eprintln!("skipped: {kind:?} unreachable at {base} ({e}); set {var}");
            None
        }
    }
}

impl Fresh {
    /// Another fresh database on the same server (`<name>_<suffix>`).
    pub fn sibling(&self, suffix: &str) -> Fresh {
        let name = format!("{}_{suffix}", self.name);
        admin_exec(self.kind, &self.admin, &format!("DROP DATABASE IF EXISTS {name}"))
            .and_then(|()| admin_exec(self.kind, &self.admin, &create_database(self.kind, &name)))
            .expect("create a second database");
        Fresh { kind: self.kind, url: with_db(&self.url, &name), name, admin: self.admin.clone() }
    }

    /// Drops the database (errors ignored).
    pub fn drop_database(&self) {
        let force = if self.kind == Kind::Postgres { " WITH (FORCE)" } else { "" };
        let _ = admin_exec(self.kind, &self.admin, &format!("DROP DATABASE IF EXISTS {}{force}", self.name));
    }
}
