//! SQLite under many concurrent writers: every call succeeds ("database is locked" never leaks),
//! and the counts add up.

use std::sync::Arc;

use auth_core::{AdapterExt, AuthStore, NewSession, NewUser, Schema};
use auth_rusqlite::{SqliteBackend, SqliteOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_writers_never_see_database_is_locked() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("writers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("w.db");
    let opts = SqliteOptions { pool_size: 8, ..SqliteOptions::default() };
    // Two adapters on one file: two pools competing for SQLite's single writer lock.
    let a = auth_core::AuthDb::new(SqliteBackend::open_with(&path.to_string_lossy(), &opts).expect("open"), Schema::better_auth())
        .expect("adapter");
    a.create_schema().await.expect("schema");
    let b = auth_core::AuthDb::new(SqliteBackend::open_with(&path.to_string_lossy(), &opts).expect("open"), Schema::better_auth())
        .expect("adapter");
    let dbs = Arc::new([a, b]);
    let tasks = (0..64).map(|i| {
        let dbs = dbs.clone();
        tokio::spawn(async move {
            let db = &dbs[i % 2];
            for k in 0..10 {
                let email = format!("w{i}-{k}@x.io");
                if k % 3 == 0 {
                    db.transaction(|tx| async move {
                        let u = tx.create_user(NewUser::new("W", &email)).await?;
                        tx.create_session(NewSession::new(&u.id, chrono::Utc::now())).await?;
                        Ok(())
                    })
                    .await?;
                } else {
                    let u = db.create_user(NewUser::new("W", &email)).await?;
                    db.create_session(NewSession::new(&u.id, chrono::Utc::now())).await?;
                }
            }
            Ok::<_, auth_core::Error>(())
        })
    });
    for r in futures::future::join_all(tasks).await {
        r.expect("task").expect("no write may fail under contention");
    }
    use auth_core::Adapter;
    assert_eq!(dbs[0].count("user", &[]).await.expect("count"), 640);
    assert_eq!(dbs[1].count("session", &[]).await.expect("count"), 640);
    let _ = std::fs::remove_dir_all(&dir);
}
