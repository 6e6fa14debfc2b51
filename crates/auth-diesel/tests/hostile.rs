//! TLS and secrets: the PostgreSQL connection works with `sslmode=require` (libpq, against the
//! shared local server, whose Debian default enables SSL), and session tokens / passwords never
//! show in `Debug` output or in error messages (a unique violation on a token).
//!
//! Server parts: `AUTH_TEST_POSTGRES_URL` / `AUTH_TEST_MYSQL_URL` (default the local servers);
//! unreachable → `skipped (why)`, or a failure with `CI=true`.

use std::error::Error as _;

use auth_core::{AuthDb, AuthStore, Error, NewAccount, NewSession, NewUser, Schema};
use auth_diesel::{ConnectionSetup, DieselBackend, PoolOptions};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

fn skip_or_fail(reason: String) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true and the test cannot run: {reason}");
    }
    eprintln!("skipped ({reason})");
}

fn pg_url() -> String {
    std::env::var("AUTH_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn mysql_url() -> String {
    std::env::var("AUTH_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into())
}

/// `url` with `param` added to its query string.
fn with_param(url: &str, param: &str) -> String {
    if url.contains('?') { format!("{url}&{param}") } else { format!("{url}?{param}") }
}

/// Drops a PostgreSQL schema when the test ends, passed or not.
struct DropSchema(String, String);

impl Drop for DropSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = PgConnection::establish(&self.0) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.1));
        }
    }
}

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ssl: bool,
}

/// A fresh schema on the shared PostgreSQL, reached through `url`.
async fn pg_db(url: &str, name: &str) -> Option<(AuthDb, DropSchema)> {
    let mut raw = match PgConnection::establish(url) {
        Ok(c) => c,
        Err(e) => {
            skip_or_fail(format!("cannot connect to PostgreSQL at {url}: {e}: set AUTH_TEST_POSTGRES_URL"));
            return None;
        }
    };
    let schema = format!("{name}_{}", std::process::id());
    raw.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\""))
        .expect("schema");
    let guard = DropSchema(url.to_string(), schema.clone());
    let opts = PoolOptions { max_size: 2, setup: ConnectionSetup::default().search_path(&schema), ..PoolOptions::default() };
    let db = AuthDb::new(DieselBackend::open_with(url, &opts).expect("pool"), Schema::better_auth()).expect("db");
    db.create_schema().await.expect("tables");
    Some((db, guard))
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_with_sslmode_require() {
    let url = with_param(&pg_url(), "sslmode=require");
    let Some((db, _guard)) = pg_db(&url, "tls").await else { return };
    let user = db.create_user(NewUser::new("Tls", "tls@example.com")).await.expect("create over TLS");
    let session = db.create_session(NewSession::new(&user.id, chrono::Utc::now())).await.expect("session");
    let (found, owner) = db.find_session(&session.token).await.expect("find").expect("found");
    assert_eq!((found.id, owner.id), (session.id, user.id));

    // The connection really is encrypted.
    let mut raw = PgConnection::establish(&url).expect("raw TLS connection");
    let rows: Vec<Ssl> = diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .load(&mut raw)
        .expect("pg_stat_ssl");
    assert!(rows.first().is_some_and(|r| r.ssl), "sslmode=require gave an unencrypted connection");
}

/// Every message of `e` and its sources, and its `Debug` form.
fn all_text(e: &Error) -> String {
    let mut text = format!("{e} | {e:?}");
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(" | {s} | {s:?}"));
        source = s.source();
    }
    text
}

/// A duplicate session token and the `Debug` of the typed rows: the secret never shows.
async fn secrets_stay_hidden(db: &AuthDb, label: &str) {
    let token = format!("tok-SECRET-{}-{label}", std::process::id());
    let password = "hunter2-SECRET-password";
    let user = db.create_user(NewUser::new("Sec", &format!("sec-{label}@example.com"))).await.expect("user");
    let mut s = NewSession::new(&user.id, chrono::Utc::now());
    s.token = Some(token.clone());
    let session = db.create_session(s.clone()).await.expect("session");
    let err = db.create_session(s.clone()).await.expect_err("a duplicate token");
    assert!(matches!(err, Error::UniqueViolation { .. }), "[{label}] {err:?}");
    let text = all_text(&err);
    assert!(!text.contains(&token), "[{label}] the token leaks in the error: {text}");

    let account = db.link_account(NewAccount::credential(&user.id, password)).await.expect("account");
    for dbg in [format!("{session:?}"), format!("{s:?}"), format!("{account:?}")] {
        assert!(!dbg.contains(&token) && !dbg.contains(password), "[{label}] a secret in Debug: {dbg}");
    }
    eprintln!("[{label}] unique violation reads: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_in_errors_or_debug_sqlite() {
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = auth_diesel::connect(&path.to_string_lossy(), Schema::better_auth()).await.expect("sqlite");
    secrets_stay_hidden(&db, "sqlite").await;
    drop(db);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_in_errors_or_debug_postgres() {
    let Some((db, _guard)) = pg_db(&pg_url(), "secrets").await else { return };
    secrets_stay_hidden(&db, "postgres").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_in_errors_or_debug_mysql() {
    let url = mysql_url();
    let mut raw = match diesel::MysqlConnection::establish(&url) {
        Ok(c) => c,
        Err(e) => return skip_or_fail(format!("cannot connect to MySQL at {url}: {e}: set AUTH_TEST_MYSQL_URL")),
    };
    let name = format!("secrets_{}", std::process::id());
    raw.batch_execute(&format!("DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`")).expect("database");
    struct DropDb(diesel::MysqlConnection, String);
    impl Drop for DropDb {
        fn drop(&mut self) {
            let _ = self.0.batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.1));
        }
    }
    let _guard = DropDb(raw, name.clone());
    let base = url.split('?').next().unwrap_or(&url);
    let host = base.rsplit_once('/').map_or(base, |(h, _)| h);
    let db = auth_diesel::connect(&format!("{host}/{name}"), Schema::better_auth()).await.expect("mysql");
    secrets_stay_hidden(&db, "mysql").await;
}
