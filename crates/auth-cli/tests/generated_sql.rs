//! `generate --adapter sql` output, applied with the database's own tool (the SQLite library,
//! `psql`, `mysql`), must hold every conformance case: the suite runs on databases created only
//! from it. (diesel's `up.sql` and the SeaORM migration carry the same statements.)

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use auth_cli::generate::{Target, generate};
use auth_conformance::Factory;
use auth_core::sql::Dialect;
use auth_core::{AuthDb, Backend, Error, Result, SchemaConfig};
use auth_rusqlite::SqliteBackend;
use futures::future::BoxFuture;

mod support;

struct GeneratedSqlite {
    dir: PathBuf,
    next: AtomicU64,
}

impl Factory for GeneratedSqlite {
    fn target(&self) -> auth_conformance::Target {
        auth_conformance::Target {
            label: "cli-sql/sqlite".into(),
            capabilities: SqliteBackend::open(":memory:")
                .map(|b| b.capabilities())
                .expect("in-memory SQLite"),
            unavailable: None,
        }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let path = self.dir.join(format!(
            "case-{}.db",
            self.next.fetch_add(1, Ordering::SeqCst)
        ));
        Box::pin(async move {
            let schema = config.build()?;
            let files = generate(
                Target::Sql,
                Dialect::Sqlite,
                &schema,
                "the conformance suite",
            );
            let conn = rusqlite::Connection::open(&path).map_err(Error::backend)?;
            conn.execute_batch(&files[0].text).map_err(Error::backend)?;
            drop(conn);
            AuthDb::new(SqliteBackend::open(&path.to_string_lossy())?, schema)
        })
    }
}

/// A server dialect: every case gets a fresh database made from the generated script.
struct GeneratedServer {
    kind: &'static str,
    dialect: Dialect,
    admin: Option<String>,
    server: String,
    unavailable: Option<String>,
    created: Arc<Mutex<Vec<String>>>,
}

impl GeneratedServer {
    fn new(kind: &'static str, dialect: Dialect) -> Self {
        let probe = support::fresh_database(kind, "probe");
        let (admin, server, unavailable) = match probe {
            Some((url, admin)) => {
                let _ = support::client(
                    kind,
                    &admin,
                    &format!(
                        "DROP DATABASE IF EXISTS {}",
                        url.rsplit('/').next().unwrap_or_default()
                    ),
                );
                let server = url
                    .rsplit_once('/')
                    .map_or(url.clone(), |(s, _)| s.to_string());
                (Some(admin), server, None)
            }
            None => (
                None,
                String::new(),
                Some(format!(
                    "{kind} unreachable: set AUTH_TEST_{}_URL",
                    kind.to_uppercase()
                )),
            ),
        };
        GeneratedServer {
            kind,
            dialect,
            admin,
            server,
            unavailable,
            created: Arc::default(),
        }
    }

    fn drop_all(&self) {
        if let Some(admin) = &self.admin {
            for name in self.created.lock().map(|v| v.clone()).unwrap_or_default() {
                let _ =
                    support::client(self.kind, admin, &format!("DROP DATABASE IF EXISTS {name}"));
            }
        }
    }
}

impl Factory for GeneratedServer {
    fn target(&self) -> auth_conformance::Target {
        let caps = auth_rusqlite::SqliteBackend::open(":memory:")
            .map(|b| b.capabilities())
            .expect("in-memory SQLite");
        auth_conformance::Target {
            label: format!("cli-sql/{}", self.kind),
            capabilities: caps,
            unavailable: self.unavailable.clone(),
        }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let name = format!(
            "auth_gen_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let (kind, dialect, admin, url) = (
            self.kind,
            self.dialect,
            self.admin.clone().unwrap_or_default(),
            format!("{}/{name}", self.server),
        );
        let created = self.created.clone();
        Box::pin(async move {
            let schema = config.build()?;
            let script = generate(Target::Sql, dialect, &schema, "the conformance suite")
                .remove(0)
                .text;
            let db_url = url.clone();
            tokio::task::spawn_blocking(move || {
                support::client(kind, &admin, &format!("CREATE DATABASE {name}"))?;
                if let Ok(mut v) = created.lock() {
                    v.push(name);
                }
                support::client(kind, &db_url, &script)
            })
            .await
            .map_err(Error::backend)?
            .map_err(Error::backend_msg)?;
            AuthDb::new(auth_seaorm::SeaOrmBackend::open(&url).await?, schema)
        })
    }
}

static NEXT: AtomicU64 = AtomicU64::new(0);

fn main() -> ExitCode {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-sql-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let pg = Arc::new(GeneratedServer::new("postgres", Dialect::Postgres));
    let my = Arc::new(GeneratedServer::new("mysql", Dialect::Mysql));
    let code = auth_conformance::run(vec![
        Arc::new(GeneratedSqlite {
            dir: dir.clone(),
            next: AtomicU64::new(0),
        }),
        pg.clone(),
        my.clone(),
    ]);
    pg.drop_all();
    my.drop_all();
    let _ = std::fs::remove_dir_all(&dir);
    code
}
