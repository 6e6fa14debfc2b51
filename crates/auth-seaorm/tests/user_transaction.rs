//! Running the adapter inside a transaction the application began (`from_transaction`).

use std::sync::Arc;

use auth_core::{Adapter, AdapterExt, AuthDb, AuthStore, Error, NewUser, Schema};
use auth_seaorm::SeaOrmBackend;
use sea_orm::TransactionTrait;

async fn pool(name: &str) -> sea_orm::DatabaseConnection {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("seaorm-{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite://{}", path.to_string_lossy());
    let backend = SeaOrmBackend::open(&url).await.expect("opens");
    let db = AuthDb::new(backend.clone(), Schema::better_auth()).expect("schema");
    db.create_schema().await.expect("tables");
    backend.connection().cloned().expect("a pool")
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_follow_the_applications_transaction() {
    let conn = pool("user-tx").await;
    let plain =
        AuthDb::new(SeaOrmBackend::from_connection(conn.clone()).expect("backend"), Schema::better_auth()).expect("db");

    // Rolled back by the application: nothing stays.
    let txn = Arc::new(conn.begin().await.expect("begin"));
    let auth =
        AuthDb::new(SeaOrmBackend::from_transaction(txn.clone()).expect("backend"), Schema::better_auth()).expect("db");
    auth.create_user(NewUser::new("Gone", "gone@example.com")).await.expect("create");
    assert_eq!(auth.count("user", &[]).await.expect("count"), 1, "visible inside the transaction");
    drop(auth);
    Arc::into_inner(txn).expect("sole owner").rollback().await.expect("rollback");
    assert_eq!(plain.count("user", &[]).await.expect("count"), 0);

    // Committed by the application, with a failed adapter transaction (a savepoint) inside.
    let txn = Arc::new(conn.begin().await.expect("begin"));
    let auth =
        AuthDb::new(SeaOrmBackend::from_transaction(txn.clone()).expect("backend"), Schema::better_auth()).expect("db");
    auth.create_user(NewUser::new("Kept", "kept@example.com")).await.expect("create");
    let r: auth_core::Result<()> = auth
        .transaction(|tx| async move {
            tx.create_user(NewUser::new("Inner", "inner@example.com")).await?;
            Err(Error::backend_msg("undo the savepoint only"))
        })
        .await;
    assert!(r.is_err());
    drop(auth);
    Arc::into_inner(txn).expect("sole owner").commit().await.expect("commit");
    let users = plain.find_many("user", &auth_core::Query::new()).await.expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].get("name"), Some(&auth_core::Value::from("Kept")));
}
