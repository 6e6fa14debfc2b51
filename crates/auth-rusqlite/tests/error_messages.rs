//! The error messages `docs/troubleshooting.md` quotes, produced for real and compared with the
//! quotes, so the page cannot drift from what the library prints.

use std::time::Duration;

use auth_core::{AuthDb, AuthStore, NewUser, Schema};
use auth_rusqlite::{SqliteBackend, SqliteOptions};

fn temp_db(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn cannot_open() {
    let err = auth_rusqlite::connect("file:/no/such/dir/dev.db", Schema::better_auth()).await.expect_err("fails");
    assert_eq!(
        err.to_string(),
        "connection error: cannot open SQLite database /no/such/dir/dev.db: unable to open database file"
    );
    let err = auth_rusqlite::connect("postgres://localhost/app", Schema::better_auth()).await.expect_err("fails");
    assert_eq!(err.to_string(), "connection error: not a SQLite URL: `postgres`");
}

#[tokio::test(flavor = "multi_thread")]
async fn unique_violation() {
    let db = auth_rusqlite::connect(":memory:", Schema::better_auth()).await.expect("connects");
    db.create_user(NewUser::new("Ada", "ada@example.com")).await.expect("first");
    let err = db.create_user(NewUser::new("Ada", "ADA@example.com")).await.expect_err("fails");
    assert_eq!(err.to_string(), "unique constraint violated on `user` (field `email`)");
}

#[tokio::test(flavor = "multi_thread")]
async fn locked_and_pool_exhausted() {
    let path = temp_db("locked");
    let url = format!("file:{path}");
    auth_rusqlite::connect(&url, Schema::better_auth()).await.expect("tables");
    let opts = SqliteOptions {
        pool_size: 1,
        busy_timeout: Duration::from_millis(200),
        acquire_timeout: Duration::from_millis(500),
        ..SqliteOptions::default()
    };
    let db = AuthDb::new(SqliteBackend::open_with(&url, &opts).expect("opens"), Schema::better_auth()).expect("db");

    // Another process (here: another connection) holds the write lock longer than the busy timeout.
    let other = rusqlite::Connection::open(&path).expect("open");
    other.execute_batch("BEGIN IMMEDIATE; DELETE FROM verification;").expect("lock");
    let err = db.create_user(NewUser::new("Ada", "ada@example.com")).await.expect_err("fails");
    assert_eq!(err.to_string(), "connection error: SQLite database is locked: database is locked");
    // Readers are not blocked (WAL).
    assert!(db.find_user_by_email("ada@example.com").await.expect("reads").is_none());
    other.execute_batch("ROLLBACK").expect("unlock");

    // Every connection of the pool is taken (here: by an open transaction).
    let tx = db.backend().begin().await.expect("begin");
    let err = db.create_user(NewUser::new("Ada", "ada@example.com")).await.expect_err("fails");
    assert_eq!(
        err.to_string(),
        "connection error: timed out after 500ms waiting for a SQLite connection (pool exhausted)"
    );
    drop(tx);
}
