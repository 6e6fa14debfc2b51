//! The error messages `docs/troubleshooting.md` quotes, produced for real and compared with the
//! quotes. The cases that need a server are skipped (with the reason) when it is unreachable;
//! under `CI=true` that fails.

#[allow(dead_code)]
mod server;

use std::time::Duration;

use auth_core::{AuthDb, AuthStore, Field, NewSession, NewUser, Schema, SchemaConfig};
use auth_diesel::{DieselBackend, PoolOptions};
use diesel::connection::SimpleConnection;
use server::Kind;

async fn first_error(url: &str) -> String {
    let opts = PoolOptions { connection_timeout: Duration::from_secs(2), ..PoolOptions::default() };
    let db = AuthDb::new(DieselBackend::open_with(url, &opts).expect("a valid URL"), Schema::better_auth()).expect("db");
    db.create_schema().await.expect_err("cannot connect").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused() {
    let pg = first_error("postgres://postgres@127.0.0.1:1/app").await;
    assert_eq!(
        pg,
        "connection error: cannot get a database connection from the pool: timed out waiting for connection: \
         connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\
         \tIs the server running on that host and accepting TCP/IP connections?\n"
    );
    let my = first_error("mysql://root@127.0.0.1:1/app").await;
    assert_eq!(
        my,
        "connection error: cannot get a database connection from the pool: timed out waiting for connection: \
         Can't connect to server on '127.0.0.1' (115)"
    );
    let Err(err) = DieselBackend::open("redis://localhost") else { panic!("not a database URL") };
    assert_eq!(err.to_string(), "connection error: unsupported database URL scheme `redis://`");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_such_database() {
    let (_, base) = server::base_url(Kind::Postgres);
    if server::fresh_database(Kind::Postgres, "probe").map(|f| f.drop_database()).is_none() {
        return;
    }
    let err = first_error(&server::with_db(&base, "no_such_db")).await;
    assert!(
        err.starts_with("connection error: cannot get a database connection from the pool: timed out waiting for connection: connection to server at")
            && err.ends_with("failed: FATAL:  database \"no_such_db\" does not exist\n"),
        "{err}"
    );
    let (_, base) = server::base_url(Kind::Mysql);
    if server::fresh_database(Kind::Mysql, "probe").map(|f| f.drop_database()).is_none() {
        return;
    }
    let err = first_error(&server::with_db(&base, "no_such_db")).await;
    assert_eq!(
        err,
        "connection error: cannot get a database connection from the pool: timed out waiting for connection: \
         Unknown database 'no_such_db'"
    );
}

/// Unique and foreign-key violations, and a schema that is ahead of the database.
async fn violations_and_mismatch(kind: Kind) {
    let Some(fresh) = server::fresh_database(kind, "errors") else { return };
    let db = auth_diesel::connect(&fresh.url, Schema::better_auth()).await.expect("connects");
    let result = async {
        let user = db.create_user(NewUser::new("Ada", "ada@example.com")).await?;
        let unique = db.create_user(NewUser::new("Ada", "ADA@example.com")).await.expect_err("taken");
        let fk = db.create_session(NewSession::new("no-such-user", chrono::Utc::now())).await.expect_err("no user");
        let undeclared = db.create_user(NewUser::new("Bob", "bob@example.com").with("role", "admin")).await.expect_err("undeclared");

        // The configuration gained a field; the database did not.
        let newer = SchemaConfig::default().field("user", Field::string("role").optional().default_value("user")).build()?;
        let ahead = db.with_schema(newer)?;
        let write = ahead.create_user(NewUser::new("Bob", "bob@example.com").with("role", "admin")).await.expect_err("no column");
        let read = ahead.find_user_by_id(&user.id).await.expect_err("no column");
        let diff: Vec<String> = ahead.check_schema().await?.iter().map(ToString::to_string).collect();
        let required = SchemaConfig::default().field("user", Field::string("tenant")).build()?;
        let unsafe_migration = db.with_schema(required)?.migrate(false).await.expect_err("unsafe");
        Ok::<_, auth_core::Error>(
            [unique, fk, undeclared, write, read, unsafe_migration].map(|e| e.to_string()).into_iter().chain(diff).collect::<Vec<_>>(),
        )
    }
    .await;
    drop(db);
    fresh.drop_database();
    let got = result.expect("setup");
    let (write, read) = match kind {
        Kind::Postgres => (
            "database error: column \"role\" of relation \"user\" does not exist",
            "database error: column b.role does not exist",
        ),
        Kind::Mysql => (
            "database error: Unknown column 'role' in 'INSERT INTO'",
            "database error: Unknown column 'b.role' in 'SELECT'",
        ),
    };
    assert_eq!(
        got,
        [
            "unique constraint violated on `user` (field `email`)",
            "foreign key violated on `session`",
            "unknown field `role` on model `user`",
            write,
            read,
            "cannot migrate safely, nothing was changed: missing column `user.tenant` (field `user.tenant`): the field is required and has no default, and the table has rows: give the field a default or make it optional",
            "missing column `user.role` (field `user.role`)",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_violations_and_mismatch() {
    violations_and_mismatch(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_violations_and_mismatch() {
    violations_and_mismatch(Kind::Mysql).await;
}

/// MySQL's default collations make unique indexes case- and accent-insensitive: two different
/// emails collide until the column is given a binary collation.
#[tokio::test(flavor = "multi_thread")]
async fn mysql_collation() {
    let Some(fresh) = server::fresh_database(Kind::Mysql, "collation") else { return };
    let db = auth_diesel::connect(&fresh.url, Schema::better_auth()).await.expect("connects");
    let result = async {
        db.create_user(NewUser::new("Zoe", "zoe@example.com")).await?;
        let before = db.create_user(NewUser::new("Zoë", "zoë@example.com")).await.expect_err("collides");
        let mut conn = diesel::Connection::establish(&fresh.url).map_err(|e| auth_core::Error::connection_from(e.to_string(), e))?;
        let fix = "ALTER TABLE `user` MODIFY `email` varchar(255) NOT NULL COLLATE utf8mb4_bin; \
                   ALTER TABLE `session` MODIFY `token` varchar(255) NOT NULL COLLATE utf8mb4_bin;";
        diesel::MysqlConnection::batch_execute(&mut conn, fix).map_err(auth_core::Error::backend)?;
        let after = db.create_user(NewUser::new("Zoë", "zoë@example.com")).await?;
        let differences = db.check_schema().await?;
        Ok::<_, auth_core::Error>((before.to_string(), after.email, differences))
    }
    .await;
    drop(db);
    fresh.drop_database();
    let (before, after, differences) = result.expect("runs");
    assert_eq!(before, "unique constraint violated on `user` (field `email`)");
    assert_eq!(after, "zoë@example.com");
    assert!(differences.is_empty(), "{differences:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_locked() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("diesel-locked-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let path = path.display().to_string();
    let db = auth_diesel::connect(&path, Schema::better_auth()).await.expect("connects");
    let mut other: diesel::SqliteConnection = diesel::Connection::establish(&path).expect("opens");
    other.batch_execute("BEGIN IMMEDIATE; DELETE FROM verification;").expect("lock");
    // Waits the busy timeout (5 s), then gives up.
    let err = db.create_user(NewUser::new("Ada", "ada@example.com")).await.expect_err("locked");
    other.batch_execute("ROLLBACK").expect("unlock");
    assert_eq!(err.to_string(), "connection error: SQLite database is locked: database is locked");
}
