//! `docs/backups.md`, tested: data written through the adapter, an online backup with
//! `VACUUM INTO` while the adapter's connections stay open, the backup restored as the database
//! file of a new adapter, and the data read back through it.

use auth_core::{AuthDb, AuthStore, NewSession, NewUser, Schema};

#[tokio::test(flavor = "multi_thread")]
async fn vacuum_into_and_restore() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let live = dir.join("app.db");
    let backup = dir.join("app-backup.db");
    let restored = dir.join("restored.db");

    let db = auth_rusqlite::connect(&format!("file:{}", live.display()), Schema::better_auth()).await.expect("connects");
    let user = db.create_user(NewUser::new("Ada", "ada@example.com")).await.expect("user");
    let expires = chrono::Utc::now() + chrono::Duration::days(7);
    let session = db.create_session(NewSession::new(&user.id, expires)).await.expect("session");

    // The online backup: a consistent copy taken while the application keeps running.
    let conn = rusqlite::Connection::open(&live).expect("open");
    conn.execute("VACUUM INTO ?1", [backup.to_string_lossy()]).expect("VACUUM INTO");
    drop(conn);
    // Written after the backup: not in it.
    db.create_user(NewUser::new("Later", "later@example.com")).await.expect("user");
    drop(db);

    // Restore: the backup file becomes the database file (the application stopped).
    std::fs::copy(&backup, &restored).expect("copy");
    let backend = auth_rusqlite::SqliteBackend::open(&format!("file:{}", restored.display())).expect("opens");
    let db = AuthDb::new(backend, Schema::better_auth()).expect("adapter");
    assert!(db.check_schema().await.expect("check").is_empty(), "tables and indexes came back");
    let (found, owner) = db.find_session(&session.token).await.expect("find").expect("the session came back");
    assert_eq!(found.id, session.id);
    assert_eq!(found.expires_at, session.expires_at);
    assert_eq!(owner, user);
    assert!(db.find_user_by_email("later@example.com").await.expect("find").is_none());
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
