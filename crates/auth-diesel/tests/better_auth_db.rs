//! `connect` on a database Better Auth 1.7.25's own migration laid out leaves it exactly as it
//! was (no second unique index beside Better Auth's inline constraints, the SQLite journal mode
//! kept), and the adapter reads and writes it.

use std::path::PathBuf;

use auth_conformance::better_auth;
use auth_conformance::scratch::{ScratchDb, Server};
use auth_core::{AuthDb, AuthStore, NewSession, NewUser};
use diesel::Connection;
use diesel::connection::SimpleConnection;

async fn exercise(db: AuthDb) {
    assert!(db.check_schema().await.expect("check").is_empty());
    let u = db.create_user(NewUser::new("Ba", "ba@example.com")).await.expect("user");
    let s = db.create_session(NewSession::new(&u.id, chrono::Utc::now())).await.expect("session");
    assert!(db.find_session(&s.token).await.expect("lookup").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("diesel-ba-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("ba.db");
    let mut c = diesel::SqliteConnection::establish(&path.display().to_string()).expect("create");
    for s in better_auth::statements(better_auth::SQLITE) {
        c.batch_execute(&s).expect("Better Auth's DDL");
    }
    drop(c);
    let before = std::fs::read(&path).expect("file");
    let url = format!("sqlite://{}", path.display());
    let db = auth_diesel::connect(&url, better_auth::config().build().expect("schema")).await.expect("connects");
    assert!(before == std::fs::read(&path).expect("file"), "not a byte of the file changed (no index, no journal mode)");
    exercise(db).await;
}

async fn server(server: Server, script: &str) {
    let Some(scratch) = ScratchDb::fresh(server, "diesel_ba", "layout") else { return };
    for s in better_auth::statements(script) {
        scratch.exec(&s).expect("Better Auth's DDL");
    }
    let before = better_auth::dump_schema(&scratch.url).expect("dump");
    let db = auth_diesel::connect(&scratch.url, better_auth::config().build().expect("schema")).await.expect("connects");
    better_auth::assert_same_schema(&before, &better_auth::dump_schema(&scratch.url).expect("dump"), "connect");
    exercise(db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres() {
    server(Server::Postgres, better_auth::POSTGRES).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql() {
    server(Server::Mysql, better_auth::MYSQL).await;
}

/// A file the adapter creates is put in WAL mode (`mode=rwc` or no mode); the journal mode of an
/// existing one is its owner's (above).
#[tokio::test(flavor = "multi_thread")]
async fn a_new_sqlite_file_is_wal() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("diesel-wal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, query) in [("plain.db", ""), ("rwc.db", "?mode=rwc")] {
        let path = dir.join(name);
        let db = auth_diesel::connect(&format!("sqlite://{}{query}", path.display()), auth_core::Schema::better_auth())
            .await
            .expect("connects");
        drop(db);
        assert!(auth_core::sql::sqlite_url::file_is_wal(&path), "{name}");
    }
}
