//! Opening a database someone else laid out changes nothing of it: not its tables or indexes
//! (Better Auth 1.7.25's own layout: inline UNIQUE constraints, its own index names), not its
//! journal mode. Files are created only where the URL allows it.

use std::path::PathBuf;

use auth_conformance::better_auth;
use auth_core::{AuthStore, NewSession, NewUser};
use auth_rusqlite::{SqliteBackend, SqliteOptions};
use rusqlite::Connection;

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("existing-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

/// The schema (every table and index with its SQL) and the journal mode.
fn layout(path: &std::path::Path) -> (Vec<(String, String, Option<String>)>, String) {
    let c = Connection::open(path).expect("open");
    let mut st = c.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").expect("query");
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("rows");
    let schema = rows.collect::<Result<Vec<_>, _>>().expect("schema");
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("journal mode");
    (schema, mode)
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_leaves_a_better_auth_database_as_it_was() {
    let path = dir("ba").join("ba.db");
    let c = Connection::open(&path).expect("create");
    for s in better_auth::statements(better_auth::SQLITE) {
        c.execute_batch(&s).expect("Better Auth's DDL");
    }
    drop(c);
    let before = layout(&path);
    assert_eq!(before.1, "delete");
    let db = auth_rusqlite::connect(&format!("file:{}", path.display()), better_auth::config().build().expect("schema"))
        .await
        .expect("connects");
    assert_eq!(layout(&path), before, "no index added, journal mode kept");
    assert!(db.check_schema().await.expect("check").is_empty());
    let u = db.create_user(NewUser::new("Ba", "ba@example.com")).await.expect("user");
    let s = db.create_session(NewSession::new(&u.id, chrono::Utc::now())).await.expect("session");
    assert!(db.find_session(&s.token).await.expect("lookup").is_some());
    drop(db);
    assert_eq!(layout(&path), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_the_adapter_creates_is_wal_an_existing_one_keeps_its_mode_unless_asked() {
    let d = dir("wal");
    let new = d.join("new.db");
    let db = auth_rusqlite::connect(&new.display().to_string(), auth_core::Schema::better_auth()).await.expect("connects");
    drop(db);
    assert_eq!(layout(&new).1, "wal");

    let old = d.join("old.db");
    Connection::open(&old).and_then(|c| c.execute_batch("CREATE TABLE t (x)")).expect("existing file");
    let opened = SqliteBackend::open(&old.display().to_string()).expect("opens");
    drop(opened);
    assert_eq!(layout(&old).1, "delete");
    let asked = SqliteOptions { wal: Some(true), ..SqliteOptions::default() };
    drop(SqliteBackend::open_with(&old.display().to_string(), &asked).expect("opens"));
    assert_eq!(layout(&old).1, "wal");
}

#[test]
fn urls_create_files_only_where_they_allow_it() {
    let d = dir("urls");
    let at = |name: &str| d.join(name).display().to_string();
    SqliteBackend::open(&format!("sqlite://{}?mode=rwc", at("t6.db"))).expect("rwc creates");
    assert!(d.join("t6.db").exists());
    assert!(!d.join("t6.db?mode=rwc").exists(), "the query is not part of the name");
    for url in [format!("sqlite://{}?mode=rw", at("rw.db")), format!("file:{}?mode=ro", at("ro.db"))] {
        let Err(e) = SqliteBackend::open(&url) else { panic!("{url}: no file to open") };
        assert!(e.to_string().contains("no SQLite database at"), "{e}");
    }
    let read_only = SqliteOptions { read_only: true, ..SqliteOptions::default() };
    let Err(e) = SqliteBackend::open_with(&at("typo.db"), &read_only) else { panic!("read-only needs a file") };
    assert!(e.to_string().contains(&format!("no SQLite database at {}", at("typo.db"))), "{e}");
    let names: Vec<String> = std::fs::read_dir(&d).expect("dir").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.iter().filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm")).collect::<Vec<_>>(), ["t6.db"]);
}
