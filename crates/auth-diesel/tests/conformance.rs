//! The shared conformance suite on diesel: PostgreSQL (a schema per case, through a pool built
//! here with [`ConnectionSetup::search_path`]), MySQL/MariaDB (a database per case) and SQLite
//! (a file per case, through a URL).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use auth_conformance::{Factory, Target};
use auth_core::{AuthDb, Backend, Error, Result, SchemaConfig};
use auth_diesel::{ConnectionSetup, DieselBackend, PoolOptions};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::{Connection, MysqlConnection, PgConnection};
use futures::future::BoxFuture;

const POOL: u32 = 4;

/// `url` with its database (path) replaced by `db` (none when empty), query string kept.
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
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

fn db_name(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    base[scheme_end..].split_once('/').map(|(_, d)| d.to_string()).unwrap_or_default()
}

fn caps_of(url: &str) -> auth_core::Capabilities {
    DieselBackend::open(url).expect("a valid URL").capabilities()
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Postgres,
    Mysql,
}

/// A server backend: every case gets a fresh PostgreSQL schema or MySQL database.
struct Server {
    kind: Kind,
    /// diesel-async pools (feature `async`) instead of r2d2.
    nonblocking: bool,
    url: String,
    prefix: String,
    next: AtomicU64,
    unavailable: Option<String>,
}

impl Server {
    fn new(kind: Kind, nonblocking: bool, var: &str, default: &str) -> Self {
        let url = std::env::var(var).unwrap_or_else(|_| default.to_string());
        let prefix = format!("diesel{}_{}", if nonblocking { "async" } else { "" }, std::process::id());
        let mut s = Server { kind, nonblocking, url, prefix, next: AtomicU64::new(0), unavailable: None };
        if let Err(e) = s.prepare() {
            let name = if kind == Kind::Postgres { "postgres" } else { "mysql" };
            s.unavailable = Some(format!("cannot connect to {name} at {}: {e}: set {var}", s.url));
        }
        s
    }

    /// Checks the server and creates the PostgreSQL database named in the URL if missing.
    fn prepare(&self) -> std::result::Result<(), String> {
        match self.kind {
            Kind::Postgres => {
                if PgConnection::establish(&self.url).is_ok() {
                    return Ok(());
                }
                let mut admin = PgConnection::establish(&with_db(&self.url, "postgres")).map_err(|e| e.to_string())?;
                let name = db_name(&self.url).replace('"', "");
                let _ = admin.batch_execute(&format!("CREATE DATABASE \"{name}\""));
                PgConnection::establish(&self.url).map(|_| ()).map_err(|e| e.to_string())
            }
            Kind::Mysql => MysqlConnection::establish(&with_db(&self.url, "")).map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    /// Drops every schema / database this run made.
    fn cleanup(&self) {
        if self.unavailable.is_some() {
            return;
        }
        let n = self.next.load(Ordering::SeqCst);
        if n == 0 {
            // Nothing to drop (and diesel's MySQL `batch_execute("")` crashes in libmariadb).
            return;
        }
        let drops: String = (0..n)
            .map(|i| match self.kind {
                Kind::Postgres => format!("DROP SCHEMA IF EXISTS \"{}_{i}\" CASCADE;", self.prefix),
                Kind::Mysql => format!("DROP DATABASE IF EXISTS `{}_{i}`;", self.prefix),
            })
            .collect();
        let _ = match self.kind {
            Kind::Postgres => PgConnection::establish(&self.url).map(|mut c| c.batch_execute(&drops)),
            Kind::Mysql => MysqlConnection::establish(&with_db(&self.url, "")).map(|mut c| c.batch_execute(&drops)),
        };
    }
}

fn setup_err(e: impl std::fmt::Display) -> Error {
    Error::connection(format!("test setup: {e}"))
}

struct ServerFactory(Arc<Server>);

fn builder<C: diesel::r2d2::R2D2Connection + 'static>() -> diesel::r2d2::Builder<ConnectionManager<C>> {
    Pool::builder().max_size(POOL).min_idle(Some(0)).connection_timeout(Duration::from_secs(60))
}

impl Factory for ServerFactory {
    fn target(&self) -> Target {
        let (label, url) = match (self.0.kind, self.0.nonblocking) {
            (Kind::Postgres, false) => ("diesel/postgres", "postgres://x"),
            (Kind::Mysql, false) => ("diesel/mysql", "mysql://x"),
            (Kind::Postgres, true) => ("diesel-async/postgres", "postgres://x"),
            (Kind::Mysql, true) => ("diesel-async/mysql", "mysql://x"),
        };
        Target { label: label.into(), capabilities: caps_of(url), unavailable: self.0.unavailable.clone() }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let s = &self.0;
        let name = format!("{}_{}", s.prefix, s.next.fetch_add(1, Ordering::SeqCst));
        let (kind, url, nonblocking) = (s.kind, s.url.clone(), s.nonblocking);
        Box::pin(async move {
            let backend = tokio::task::spawn_blocking(move || -> Result<DieselBackend> {
                let setup = ConnectionSetup::default();
                Ok(match kind {
                    Kind::Postgres => {
                        let mut admin = PgConnection::establish(&url).map_err(setup_err)?;
                        admin.batch_execute(&format!("CREATE SCHEMA \"{name}\"")).map_err(setup_err)?;
                        if nonblocking {
                            return async_pg(&url, &name);
                        }
                        let pool = builder()
                            .connection_customizer(Box::new(setup.search_path(name)))
                            .build_unchecked(ConnectionManager::<PgConnection>::new(url));
                        DieselBackend::from_pg_pool(pool)
                    }
                    Kind::Mysql => {
                        let mut admin = MysqlConnection::establish(&with_db(&url, "")).map_err(setup_err)?;
                        admin
                            .batch_execute(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
                            .map_err(setup_err)?;
                        if nonblocking {
                            return async_mysql(&with_db(&url, &name));
                        }
                        let pool = builder()
                            .connection_customizer(Box::new(setup))
                            .build_unchecked(ConnectionManager::<MysqlConnection>::new(with_db(&url, &name)));
                        DieselBackend::from_mysql_pool(pool)
                    }
                })
            })
            .await
            .map_err(setup_err)??;
            let db = AuthDb::new(backend, config.build()?)?;
            db.create_schema().await?;
            Ok(db)
        })
    }
}

#[cfg(feature = "async")]
fn async_pg(url: &str, schema: &str) -> Result<DieselBackend> {
    use auth_diesel::diesel_async::AsyncPgConnection;
    use auth_diesel::diesel_async::pooled_connection::AsyncDieselConnectionManager;
    use auth_diesel::diesel_async::pooled_connection::deadpool::Pool;
    // tokio-postgres takes session settings from the URL's `options`.
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    let pool = Pool::builder(manager).max_size(POOL as usize).build().map_err(setup_err)?;
    Ok(DieselBackend::from_async_pg_pool(pool))
}

#[cfg(feature = "async")]
fn async_mysql(url: &str) -> Result<DieselBackend> {
    use auth_diesel::diesel_async::pooled_connection::deadpool::Pool;
    let pool = Pool::builder(auth_diesel::async_mysql_manager(url)).max_size(POOL as usize).build().map_err(setup_err)?;
    Ok(DieselBackend::from_async_mysql_pool(pool))
}

#[cfg(not(feature = "async"))]
fn async_pg(_: &str, _: &str) -> Result<DieselBackend> {
    Err(Error::Unsupported("the `async` feature is off".into()))
}

#[cfg(not(feature = "async"))]
fn async_mysql(_: &str) -> Result<DieselBackend> {
    Err(Error::Unsupported("the `async` feature is off".into()))
}

struct Sqlite {
    dir: PathBuf,
    next: AtomicU64,
}

impl Factory for Sqlite {
    fn target(&self) -> Target {
        Target { label: "diesel/sqlite".into(), capabilities: caps_of(":memory:"), unavailable: None }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let path = self.dir.join(format!("case-{n}.db"));
        Box::pin(async move {
            let opts = PoolOptions { max_size: POOL, min_idle: Some(0), ..PoolOptions::default() };
            let db = AuthDb::new(DieselBackend::open_with(&path.to_string_lossy(), &opts)?, config.build()?)?;
            db.create_schema().await?;
            Ok(db)
        })
    }
}

fn main() -> ExitCode {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("diesel-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    const PG: (&str, &str) = ("AUTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/auth_test");
    const MY: (&str, &str) = ("AUTH_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/auth_test");
    let mut servers = vec![Server::new(Kind::Postgres, false, PG.0, PG.1), Server::new(Kind::Mysql, false, MY.0, MY.1)];
    if cfg!(feature = "async") {
        servers.push(Server::new(Kind::Postgres, true, PG.0, PG.1));
        servers.push(Server::new(Kind::Mysql, true, MY.0, MY.1));
    }
    let servers: Vec<Arc<Server>> = servers.into_iter().map(Arc::new).collect();
    let mut factories: Vec<Arc<dyn Factory>> =
        servers.iter().map(|s| Arc::new(ServerFactory(s.clone())) as Arc<dyn Factory>).collect();
    factories.insert(2, Arc::new(Sqlite { dir: dir.clone(), next: AtomicU64::new(0) }));
    let code = auth_conformance::run(factories);
    for s in &servers {
        s.cleanup();
    }
    let _ = std::fs::remove_dir_all(&dir);
    code
}
