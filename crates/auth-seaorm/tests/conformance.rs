//! The shared conformance suite on SeaORM: PostgreSQL (a schema per case), MySQL/MariaDB (a
//! database per case) and SQLite (a file per case).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use auth_conformance::{Factory, Target};
use auth_core::{AuthDb, Backend, Capabilities, Error, Result, SchemaConfig};
use auth_seaorm::SeaOrmBackend;
use futures::future::BoxFuture;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

const POOL: u32 = 5;

/// `url` with its database (path) replaced by `db`, query string kept.
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The database named in `url`.
fn db_name(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    base[scheme_end..].split_once('/').map(|(_, d)| d.to_string()).unwrap_or_default()
}

async fn admin(url: &str) -> std::result::Result<DatabaseConnection, sea_orm::DbErr> {
    let mut o = ConnectOptions::new(url);
    o.max_connections(1)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .sqlx_logging(false);
    Database::connect(o).await
}

fn case_options(url: &str) -> ConnectOptions {
    let mut o = auth_seaorm::options(url);
    o.max_connections(POOL).min_connections(0).acquire_timeout(Duration::from_secs(60));
    o
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Postgres,
    Mysql,
}

/// A server backend: every case gets a fresh PostgreSQL schema or MySQL database.
struct Server {
    kind: Kind,
    url: String,
    prefix: String,
    next: AtomicU64,
    unavailable: Option<String>,
}

impl Server {
    fn new(kind: Kind, var: &str, default: &str) -> Self {
        let url = std::env::var(var).unwrap_or_else(|_| default.to_string());
        let prefix = format!("seaorm_{}", std::process::id());
        let mut s = Server { kind, url, prefix, next: AtomicU64::new(0), unavailable: None };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        if let Err(e) = rt.block_on(s.prepare()) {
            let name = if kind == Kind::Postgres { "postgres" } else { "mysql" };
            s.unavailable = Some(format!("cannot connect to {name} at {}: {e}: set {var}", s.url));
        }
        s
    }

    /// Creates the test database when missing (through the server's default database).
    async fn prepare(&self) -> std::result::Result<(), sea_orm::DbErr> {
        if let Ok(c) = admin(&self.url).await {
            return c.close().await;
        }
        let server_db = if self.kind == Kind::Postgres { "postgres" } else { "" };
        let c = admin(&with_db(&self.url, server_db)).await?;
        let name = db_name(&self.url);
        let sql = match self.kind {
            Kind::Postgres => format!("CREATE DATABASE \"{name}\""),
            Kind::Mysql => format!("CREATE DATABASE IF NOT EXISTS `{name}`"),
        };
        // Another run may create it at the same time.
        let _ = c.execute_unprepared(&sql).await;
        c.close().await?;
        admin(&self.url).await?.close().await
    }

    fn label(&self) -> &'static str {
        match self.kind {
            Kind::Postgres => "seaorm/postgres",
            Kind::Mysql => "seaorm/mysql",
        }
    }

    /// Drops every schema / database this run created.
    fn cleanup(&self) {
        let n = self.next.load(Ordering::SeqCst);
        if self.unavailable.is_some() || n == 0 {
            return;
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        rt.block_on(async {
            let Ok(c) = admin(&self.url).await else { return };
            for i in 0..n {
                let sql = match self.kind {
                    Kind::Postgres => format!("DROP SCHEMA IF EXISTS \"{}_{i}\" CASCADE", self.prefix),
                    Kind::Mysql => format!("DROP DATABASE IF EXISTS `{}_{i}`", self.prefix),
                };
                let _ = c.execute_unprepared(&sql).await;
            }
            let _ = c.close().await;
        });
    }
}

fn capabilities(native: bool) -> Capabilities {
    Capabilities {
        native_dates: native,
        native_booleans: native,
        native_json: native,
        native_arrays: false,
        numeric_ids: true,
        native_ids: false,
        schemaless: false,
    }
}

impl Factory for Server {
    fn target(&self) -> Target {
        Target { label: self.label().into(), capabilities: capabilities(true), unavailable: self.unavailable.clone() }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let name = format!("{}_{n}", self.prefix);
        let (kind, url) = (self.kind, self.url.clone());
        Box::pin(async move {
            let conn_err = |e: sea_orm::DbErr| Error::connection_from(e.to_string(), e);
            let a = admin(&url).await.map_err(conn_err)?;
            let (create, options) = match kind {
                Kind::Postgres => {
                    let mut o = case_options(&url);
                    o.set_schema_search_path(name.clone());
                    (format!("CREATE SCHEMA \"{name}\""), o)
                }
                Kind::Mysql => (format!("CREATE DATABASE `{name}`"), case_options(&with_db(&url, &name))),
            };
            a.execute_unprepared(&create).await.map_err(conn_err)?;
            a.close().await.map_err(conn_err)?;
            let backend = SeaOrmBackend::open_with(options).await?;
            let db = AuthDb::new(backend, config.build()?)?;
            db.create_schema().await?;
            Ok(db)
        })
    }
}

struct Sqlite {
    dir: PathBuf,
    next: AtomicU64,
}

impl Factory for Sqlite {
    fn target(&self) -> Target {
        Target { label: "seaorm/sqlite".into(), capabilities: capabilities(false), unavailable: None }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let url = format!("sqlite://{}", self.dir.join(format!("case-{n}.db")).to_string_lossy());
        Box::pin(async move {
            let backend = SeaOrmBackend::open_with(case_options(&url)).await?;
            debug_assert_eq!(backend.capabilities(), capabilities(false));
            let db = AuthDb::new(backend, config.build()?)?;
            db.create_schema().await?;
            Ok(db)
        })
    }
}

fn main() -> ExitCode {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("seaorm-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let pg =
        Arc::new(Server::new(Kind::Postgres, "AUTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/auth_test"));
    let my = Arc::new(Server::new(Kind::Mysql, "AUTH_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/auth_test"));
    let code = auth_conformance::run(vec![
        pg.clone(),
        my.clone(),
        Arc::new(Sqlite { dir: dir.clone(), next: AtomicU64::new(0) }),
    ]);
    pg.cleanup();
    my.cleanup();
    let _ = std::fs::remove_dir_all(&dir);
    code
}
