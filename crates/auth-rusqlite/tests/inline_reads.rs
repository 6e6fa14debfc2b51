//! Single-row reads run inline on the caller's task; when SQLite is busy they fall back to the
//! blocking thread and wait for the lock there instead of failing.

use std::time::Duration;

use auth_core::{AuthDb, AuthStore, NewUser, Schema};
use auth_rusqlite::SqliteBackend;

fn temp_db(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("auth-rusqlite-inline-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("db.sqlite");
    let _ = std::fs::remove_file(&path);
    path.display().to_string()
}

async fn reads_through_an_exclusive_lock(name: &str) {
    let path = temp_db(name);
    // A rollback-journal database: there, unlike WAL, a writer's exclusive lock blocks readers.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch("PRAGMA journal_mode = DELETE").expect("journal mode");
    drop(conn);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let backend = SqliteBackend::from_connection(conn).expect("backend");
    let db = AuthDb::new(backend, Schema::better_auth()).expect("db");
    db.create_schema().await.expect("schema");
    let ada = db.create_user(NewUser::new("Ada", "ada@example.com")).await.expect("user");

    let other = rusqlite::Connection::open(&path).expect("open");
    other.execute_batch("BEGIN EXCLUSIVE").expect("exclusive lock");
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        other.execute_batch("ROLLBACK").expect("release");
    });
    let found = db.find_user_by_email("ada@example.com").await.expect("waits for the lock, then reads");
    assert_eq!(found.map(|u| u.id), Some(ada.id));
    release.join().expect("thread");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_inline_read_falls_back_and_waits() {
    reads_through_an_exclusive_lock("multi").await;
}

#[tokio::test(flavor = "current_thread")]
async fn inline_reads_work_on_a_current_thread_runtime() {
    reads_through_an_exclusive_lock("current").await;
}
