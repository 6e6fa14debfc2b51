//! Runs `examples/mongo_quickstart.rs` (its `run`, the whole flow after connecting) against
//! `AUTH_TEST_MONGODB_URL` (default `mongodb://127.0.0.1:27017`), in a database of its own that is
//! dropped afterwards. Skipped, with the reason, when the server is unreachable; under `CI=true`
//! that fails.

#[allow(dead_code)]
#[path = "../examples/mongo_quickstart.rs"]
mod quickstart;

use std::time::Duration;

use auth_mongo::mongodb::Client;
use auth_mongo::mongodb::bson::doc;
use auth_mongo::mongodb::options::ClientOptions;

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_runs_on_mongodb() {
    let url = std::env::var("AUTH_TEST_MONGODB_URL").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".to_string());
    let client = async {
        let mut opts = ClientOptions::parse(&url).await.map_err(|e| e.to_string())?;
        opts.server_selection_timeout = Some(Duration::from_secs(5));
        let client = Client::with_options(opts).map_err(|e| e.to_string())?;
        client.database("admin").run_command(doc! { "ping": 1 }).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(client)
    }
    .await;
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "MongoDB unreachable at {url} in CI: {e}");
            eprintln!("skipped: MongoDB unreachable at {url} ({e}); set AUTH_TEST_MONGODB_URL");
            return;
        }
    };
    let name = format!("auth_example_{}", std::process::id());
    // The example's own connect: the database is the URL's path.
    let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host = &base[..base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i)];
    let with_db = format!("{host}/{name}{}", query.map(|q| format!("?{q}")).unwrap_or_default());
    let db = quickstart::connect(&with_db).await.expect("connects");
    let result = quickstart::run(&db).await;
    let _ = client.database(&name).drop().await;
    result.expect("the quickstart runs");
}
