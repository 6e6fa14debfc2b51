//! Databases created only by `migrate` (the CLI's path: read the live schema, create what is
//! missing) must hold every conformance case, on every backend.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use auth_conformance::{Factory, Target};
use auth_core::{AuthDb, Backend, Result, SchemaConfig};
use futures::future::BoxFuture;

static NEXT: AtomicU64 = AtomicU64::new(0);

async fn migrated(db: AuthDb) -> Result<AuthDb> {
    let done = db.migrate(false).await?;
    assert!(!done.is_empty(), "an empty database needs every table");
    assert!(
        db.migrate(false).await?.is_empty(),
        "a second migrate has nothing to do"
    );
    Ok(db)
}

struct Sqlite(PathBuf);

impl Factory for Sqlite {
    fn target(&self) -> Target {
        let caps = auth_rusqlite::SqliteBackend::open(":memory:")
            .map(|b| b.capabilities())
            .expect("in-memory SQLite");
        Target {
            label: "cli-migrate/sqlite".into(),
            capabilities: caps,
            unavailable: None,
        }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let path = self
            .0
            .join(format!("case-{}.db", NEXT.fetch_add(1, Ordering::SeqCst)));
        Box::pin(async move {
            let backend = auth_rusqlite::SqliteBackend::open(&path.to_string_lossy())?;
            migrated(AuthDb::new(backend, config.build()?)?).await
        })
    }
}

struct Mongo {
    url: String,
    unavailable: Option<String>,
}

impl Factory for Mongo {
    fn target(&self) -> Target {
        Target {
            label: "cli-migrate/mongodb".into(),
            capabilities: auth_mongo::CAPABILITIES,
            unavailable: self.unavailable.clone(),
        }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let url = self.url.clone();
        let name = format!(
            "auth_cli_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        Box::pin(async move {
            let schema = config.build()?;
            let backend = auth_mongo::MongoBackend::connect(&url, &name).await?;
            migrated(AuthDb::new(backend, schema)?).await
        })
    }
}

fn main() -> ExitCode {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-migrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let url = std::env::var("AUTH_TEST_MONGODB_URL")
        .unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let probe = std::net::TcpStream::connect_timeout(
        &mongo_addr(&url).unwrap_or_else(|| "127.0.0.1:27017".parse().expect("address")),
        std::time::Duration::from_secs(2),
    );
    let unavailable = probe
        .err()
        .map(|e| format!("cannot connect to MongoDB at {url} ({e}): set AUTH_TEST_MONGODB_URL"));
    let mongo = Arc::new(Mongo {
        url: url.clone(),
        unavailable: unavailable.clone(),
    });
    let code = auth_conformance::run(vec![Arc::new(Sqlite(dir.clone())), mongo]);
    let _ = std::fs::remove_dir_all(&dir);
    if unavailable.is_none() {
        drop_databases(&url);
    }
    code
}

/// host:port of a plain `mongodb://host:port/...` URL.
fn mongo_addr(url: &str) -> Option<std::net::SocketAddr> {
    use std::net::ToSocketAddrs;
    let rest = url.strip_prefix("mongodb://")?;
    let host = rest.split(['/', '?']).next()?.rsplit('@').next()?;
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:27017")
    };
    host.to_socket_addrs().ok()?.next()
}

fn drop_databases(url: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let Ok(client) = auth_mongo::mongodb::Client::with_uri_str(url).await else {
            return;
        };
        let prefix = format!("auth_cli_{}_", std::process::id());
        if let Ok(names) = client.list_database_names().await {
            for name in names.into_iter().filter(|n| n.starts_with(&prefix)) {
                let _ = client.database(&name).drop().await;
            }
        }
    });
}
