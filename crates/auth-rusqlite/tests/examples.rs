//! Runs `examples/rusqlite_quickstart.rs` (its `run`, the whole flow after connecting) on a
//! fresh file and on `:memory:`, so the example cannot rot.

#[allow(dead_code)]
#[path = "../examples/rusqlite_quickstart.rs"]
mod quickstart;

use auth_core::Schema;

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_runs_on_a_file() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("quickstart-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("file:{}", path.display());
    let db = auth_rusqlite::connect(&url, Schema::better_auth()).await.expect("connects");
    quickstart::run(&db).await.expect("the quickstart runs");
    // Twice: the example is re-runnable on the same database.
    quickstart::run(&db).await.expect("the quickstart runs again");
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_runs_in_memory() {
    let db = auth_rusqlite::connect(":memory:", Schema::better_auth()).await.expect("connects");
    quickstart::run(&db).await.expect("the quickstart runs");
}
