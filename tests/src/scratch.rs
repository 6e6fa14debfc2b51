//! Scratch databases on the PostgreSQL and MariaDB servers for tests that run SQL of their own
//! (through the servers' own clients, `psql` and `mysql`), dropped when the test is done.

use std::process::Command;

/// PostgreSQL or MySQL / MariaDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// `AUTH_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/auth_test`.
    Postgres,
    /// `AUTH_TEST_MYSQL_URL`, default `mysql://root@127.0.0.1:3306/auth_test`.
    Mysql,
}

impl Server {
    /// The variable that points at the server, and its default.
    pub fn variable(self) -> (&'static str, &'static str) {
        match self {
            Server::Postgres => ("AUTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/auth_test"),
            Server::Mysql => ("AUTH_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/auth_test"),
        }
    }
}

/// Runs SQL through the server's own client (`psql`, `mysql`) on the database of `url`.
pub fn client(server: Server, url: &str, sql: &str) -> Result<(), String> {
    let out = match server {
        Server::Postgres => Command::new("psql").args(["-v", "ON_ERROR_STOP=1", "-q", url, "-c", sql]).output(),
        Server::Mysql => {
            let u = url.strip_prefix("mysql://").unwrap_or(url);
            let (auth, rest) = u.split_once('@').unwrap_or(("root", u));
            let (user, pass) = auth.split_once(':').unwrap_or((auth, ""));
            let (hostport, db) = rest.split_once('/').unwrap_or((rest, ""));
            let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
            let mut c = Command::new("mysql");
            c.args(["-h", host, "-P", port, "-u", user]);
            if !pass.is_empty() {
                c.arg(format!("-p{pass}"));
            }
            if !db.is_empty() {
                c.args(["-D", db.split('?').next().unwrap_or(db)]);
            }
            c.args(["-e", sql]).output()
        }
    }
    .map_err(|e| e.to_string())?;
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

/// A fresh database named `<prefix>_<pid>_<tag>`, dropped on drop.
#[derive(Debug)]
pub struct ScratchDb {
    /// Which server.
    pub server: Server,
    /// The database's URL.
    pub url: String,
    /// The server's maintenance URL (PostgreSQL's `postgres` database, MySQL without one).
    pub admin: String,
    /// The database's name.
    pub name: String,
    /// Drop the database on drop.
    drop: bool,
}

impl ScratchDb {
    /// Creates the database, or returns `None` (printing why; a failure under `CI=true`) when
    /// the server cannot be reached.
    pub fn fresh(server: Server, prefix: &str, tag: &str) -> Option<ScratchDb> {
        let (var, default) = server.variable();
        let base = std::env::var(var).unwrap_or_else(|_| default.to_string());
        let name = format!("{prefix}_{}_{tag}", std::process::id());
        let root = base.split('?').next().unwrap_or(&base);
        let host = root.rsplit_once('/').map_or(root, |(s, _)| s).to_string();
        let admin = if server == Server::Postgres { format!("{host}/postgres") } else { format!("{host}/") };
        let made = client(server, &admin, &format!("DROP DATABASE IF EXISTS {name}"))
            .and_then(|_| client(server, &admin, &format!("CREATE DATABASE {name}")));
        match made {
            Ok(()) => Some(ScratchDb { server, url: format!("{host}/{name}"), admin, name, drop: true }),
            Err(e) => {
                assert!(std::env::var("CI").is_err(), "{server:?} unreachable in CI: {e}");
                eprintln!("skipped: {server:?} unreachable at {base} ({e}); set {var}");
                None
            }
        }
    }

    /// The database URL and the maintenance URL; the database is kept (the caller drops it).
    pub fn keep(mut self) -> (String, String) {
        self.drop = false;
        (self.url.clone(), self.admin.clone())
    }

    /// Runs SQL on the database.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        client(self.server, &self.url, sql)
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if !self.drop {
            return;
        }
        let _ = client(self.server, &self.admin, &format!("DROP DATABASE IF EXISTS {}", self.name));
    }
}
