//! Runs `examples/diesel_quickstart.rs` (its `run`, the whole flow after connecting) on
//! PostgreSQL (`AUTH_TEST_POSTGRES_URL`), MySQL/MariaDB (`AUTH_TEST_MYSQL_URL`), each in a fresh
//! database dropped afterwards, and on a SQLite file. A server that cannot be reached is skipped
//! with the reason; under `CI=true` that fails.

#[allow(dead_code)]
#[path = "../examples/diesel_quickstart.rs"]
mod quickstart;

#[allow(dead_code)]
mod server;

use auth_core::Schema;

async fn quickstart_on(kind: server::Kind) {
    let Some(fresh) = server::fresh_database(kind, "example") else { return };
    let db = auth_diesel::connect(&fresh.url, Schema::better_auth()).await.expect("connects");
    let result = quickstart::run(&db).await;
    drop(db);
    fresh.drop_database();
    result.expect("the quickstart runs");
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_runs_on_postgres() {
    quickstart_on(server::Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_runs_on_mysql() {
    quickstart_on(server::Kind::Mysql).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_runs_on_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("diesel-quickstart-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = auth_diesel::connect(&format!("file:{}", path.display()), Schema::better_auth()).await.expect("connects");
    quickstart::run(&db).await.expect("the quickstart runs");
    quickstart::run(&db).await.expect("the quickstart runs again");
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
