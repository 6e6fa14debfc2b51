//! Running the adapter inside a transaction the application began on its own diesel connection
//! (`DieselBackend::from_connection`).

use auth_core::{Adapter, AdapterExt, AuthDb, AuthStore, Error, NewUser, Schema, Transaction};
use auth_diesel::{DieselBackend, PoolOptions};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::{Connection, SqliteConnection};

#[tokio::test(flavor = "multi_thread")]
async fn writes_follow_the_applications_transaction() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("diesel-user-tx-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let path = path.to_string_lossy().into_owned();
    let opts = PoolOptions { max_size: 2, ..PoolOptions::default() };
    let plain = AuthDb::new(DieselBackend::open_with(&path, &opts).expect("pool"), Schema::better_auth()).expect("db");
    plain.create_schema().await.expect("tables");

    let mut conn = SqliteConnection::establish(&path).expect("connects");
    conn.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;").expect("pragmas");

    // The application's transaction, rolled back by the application: nothing stays.
    AnsiTransactionManager::begin_transaction(&mut conn).expect("begin");
    let tx = DieselBackend::from_connection(conn).await.expect("savepoint");
    let auth = AuthDb::new(tx.clone(), Schema::better_auth()).expect("db");
    auth.create_user(NewUser::new("Gone", "gone@example.com")).await.expect("create");
    assert_eq!(auth.count("user", &[]).await.expect("count"), 1, "visible inside the transaction");
    assert!(tx.into_connection::<SqliteConnection>().is_err(), "not while the transaction is open");
    tx.commit().await.expect("release the savepoint");
    assert!(tx.commit().await.is_err(), "only once");
    drop(auth);
    let mut conn: SqliteConnection = tx.into_connection().expect("the connection comes back");
    AnsiTransactionManager::rollback_transaction(&mut conn).expect("rollback");
    assert_eq!(plain.count("user", &[]).await.expect("count"), 0);

    // Not in a transaction yet: one is begun; a failed adapter transaction inside (a savepoint)
    // undoes only its own writes.
    let tx = DieselBackend::from_connection(conn).await.expect("begin");
    let auth = AuthDb::new(tx.clone(), Schema::better_auth()).expect("db");
    auth.create_user(NewUser::new("Kept", "kept@example.com")).await.expect("create");
    let r: auth_core::Result<()> = auth
        .transaction(|tx| async move {
            tx.create_user(NewUser::new("Inner", "inner@example.com")).await?;
            Err(Error::backend_msg("undo the savepoint only"))
        })
        .await;
    assert!(r.is_err());
    tx.commit().await.expect("commit");
    let users = plain.find_many("user", &auth_core::Query::new()).await.expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].get("name"), Some(&auth_core::Value::from("Kept")));

    // Dropped without commit: rolled back.
    let conn: SqliteConnection = tx.into_connection().expect("the connection comes back");
    let tx = DieselBackend::from_connection(conn).await.expect("begin");
    let auth = AuthDb::new(tx.clone(), Schema::better_auth()).expect("db");
    auth.create_user(NewUser::new("Dropped", "dropped@example.com")).await.expect("create");
    drop((auth, tx));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(plain.count("user", &[]).await.expect("count"), 1);
    let _ = std::fs::remove_file(&path);
}
