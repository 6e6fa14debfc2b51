//! The shared conformance suite on MongoDB: every case gets its own database
//! (`auth_conf_<pid>_<n>`), dropped when the run ends.
//!
//! The server comes from `AUTH_TEST_MONGODB_URL` (default `mongodb://127.0.0.1:27017`); it must
//! support transactions (a replica set, a single node is enough).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use auth_conformance::{Factory, Target};
use auth_core::{AuthDb, Error, Result, SchemaConfig};
use futures::future::BoxFuture;
use mongodb::Client;
use mongodb::bson::doc;
use mongodb::options::ClientOptions;
use tokio::sync::OnceCell;

struct Mongo {
    url: String,
    prefix: String,
    unavailable: Option<String>,
    client: Arc<OnceCell<Client>>,
    next: AtomicU64,
}

async fn client(url: &str, timeout: Duration) -> Result<Client> {
    let mut opts = ClientOptions::parse(url).await.map_err(|e| Error::connection_from(e.to_string(), e))?;
    opts.server_selection_timeout = Some(timeout);
    opts.app_name = Some("auth-mongo-conformance".into());
    Client::with_options(opts).map_err(|e| Error::connection_from(e.to_string(), e))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime starts")
}

/// Why the server cannot be used, if it cannot.
fn probe(url: &str) -> Option<String> {
    runtime().block_on(async {
        let c = client(url, Duration::from_secs(3)).await.map_err(|e| e.to_string())?;
        c.database("admin").run_command(doc! { "ping": 1 }).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(())
    })
    .err()
    .map(|e| format!("cannot connect to MongoDB at {url}: set AUTH_TEST_MONGODB_URL ({e})"))
}

/// Drops the databases this run created.
fn cleanup(url: &str, prefix: &str) {
    runtime().block_on(async {
        let Ok(c) = client(url, Duration::from_secs(3)).await else { return };
        let Ok(names) = c.list_database_names().await else { return };
        for name in names.into_iter().filter(|n| n.starts_with(prefix)) {
            let _ = c.database(&name).drop().await;
        }
    });
}

impl Factory for Mongo {
    fn target(&self) -> Target {
        Target {
            label: "mongo/mongodb".into(),
            capabilities: auth_mongo::CAPABILITIES,
            unavailable: self.unavailable.clone(),
        }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let name = format!("{}{n}", self.prefix);
        let (cell, url) = (self.client.clone(), self.url.clone());
        Box::pin(async move {
            let client = cell.get_or_try_init(|| client(&url, Duration::from_secs(10))).await?.clone();
            auth_mongo::from_client(client, &name, config.build()?).await
        })
    }
}

fn main() -> ExitCode {
    let url = std::env::var("AUTH_TEST_MONGODB_URL").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let prefix = format!("auth_conf_{}_", std::process::id());
    let unavailable = probe(&url);
    let available = unavailable.is_none();
    let factory = Mongo {
        url: url.clone(),
        prefix: prefix.clone(),
        unavailable,
        client: Arc::new(OnceCell::new()),
        next: AtomicU64::new(0),
    };
    let code = auth_conformance::run(vec![Arc::new(factory)]);
    if available {
        cleanup(&url, &prefix);
    }
    code
}
