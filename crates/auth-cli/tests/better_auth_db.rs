//! Databases laid out by Better Auth 1.7.25's own migration (`auth_conformance::better_auth`,
//! the statements it ran): `check` finds them clean, `status` all applied, `migrate` has
//! nothing to do, and none of the commands (nor the adapters' `connect`) changes a thing: the
//! SQLite file stays byte for byte the same (journal mode included), the server schemas dump
//! the same.

use std::path::Path;

use auth_conformance::better_auth;
use auth_conformance::scratch::{ScratchDb, Server};
use auth_core::{AuthDb, AuthStore, NewSession, NewUser};

mod support;
use support::{cli, text, workdir};

/// Every read-only command, then migrate, against `url`; `unchanged` asserts the database is
/// as it was after each.
fn commands_change_nothing(dir: &Path, url: &str, unchanged: impl Fn(&str)) {
    std::fs::write(dir.join("auth.toml"), better_auth::AUTH_TOML).expect("config");
    let check = cli(dir, &["check", "--database-url", url]);
    assert_eq!(check.status.code(), Some(0), "a Better Auth database checks clean: {}", text(&check));
    unchanged("check");
    let json = cli(dir, &["check", "--database-url", url, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["ok"], true, "{report}");
    let status = cli(dir, &["status", "--database-url", url]);
    assert!(text(&status).contains("up to date") && !text(&status).contains("pending"), "{}", text(&status));
    unchanged("status");
    for args in [&["migrate", "--dry-run"][..], &["migrate", "--yes"][..]] {
        let out = cli(dir, &[args, &["--database-url", url]].concat());
        assert!(text(&out).contains("nothing to do"), "{args:?}: {}", text(&out));
        unchanged(args.join(" ").as_str());
    }
    let dry = cli(dir, &["cleanup", "--dry-run", "--database-url", url]);
    assert!(text(&dry).contains("session: would delete 0 expired row(s)"), "{}", text(&dry));
    unchanged("cleanup --dry-run");
}

async fn exercise(db: AuthDb) {
    let u = db.create_user(NewUser::new("Ba", "ba@example.com")).await.expect("user");
    let s = db.create_session(NewSession::new(&u.id, chrono::Utc::now() + chrono::Duration::hours(1))).await.expect("session");
    let (found, user) = db.find_session(&s.token).await.expect("lookup").expect("found");
    assert_eq!((found.id, user.email), (s.id, "ba@example.com".to_string()));
    let dup = db.create_user(NewUser::new("Ba2", "ba@example.com")).await;
    assert!(matches!(dup, Err(auth_core::Error::UniqueViolation { .. })), "{dup:?}");
    db.delete_user(&u.id).await.expect("delete");
    assert!(db.find_session(&s.token).await.expect("lookup").is_none(), "the cascade works");
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_database_made_by_better_auth() {
    let dir = workdir("ba-sqlite");
    let path = dir.join("ba.db");
    let conn = rusqlite::Connection::open(&path).expect("open");
    for stmt in better_auth::statements(better_auth::SQLITE) {
        conn.execute_batch(&stmt).expect("Better Auth's DDL");
    }
    drop(conn);
    let before = std::fs::read(&path).expect("file");
    let url = format!("file:{}", path.display());
    commands_change_nothing(&dir, &url, |what| {
        assert!(before == std::fs::read(&path).expect("file"), "{what} wrote to the file");
        for side in ["-wal", "-shm", "-journal"] {
            assert!(!Path::new(&format!("{}{side}", path.display())).exists(), "{what} left a {side} file");
        }
    });
    let db = auth_rusqlite::connect(&url, better_auth::config().build().expect("schema")).await.expect("connects");
    assert!(before == std::fs::read(&path).expect("file"), "connect changed nothing (no index, no WAL)");
    exercise(db).await;
}

async fn server(server: Server, script: &str) {
    let Some(scratch) = ScratchDb::fresh(server, "auth_cli_ba", "layout") else { return };
    for stmt in better_auth::statements(script) {
        scratch.exec(&stmt).expect("Better Auth's DDL");
    }
    let before = better_auth::dump_schema(&scratch.url).expect("dump");
    let dir = workdir(&format!("ba-{server:?}"));
    commands_change_nothing(&dir, &scratch.url, |what| {
        better_auth::assert_same_schema(&before, &better_auth::dump_schema(&scratch.url).expect("dump"), what);
    });
    let db = auth_seaorm::connect(&scratch.url, better_auth::config().build().expect("schema")).await.expect("connects");
    better_auth::assert_same_schema(&before, &better_auth::dump_schema(&scratch.url).expect("dump"), "connect");
    exercise(db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_database_made_by_better_auth() {
    server(Server::Postgres, better_auth::POSTGRES).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_database_made_by_better_auth() {
    server(Server::Mysql, better_auth::MYSQL).await;
}

/// MongoDB: a unique index on `user.email` under another name (`email_1`, the driver's default)
/// serves the schema's `user_email_uidx`: neither `migrate` nor `connect` adds a second one.
#[tokio::test(flavor = "multi_thread")]
async fn mongodb_index_under_another_name() {
    use auth_mongo::mongodb::bson::{Document, doc};
    use auth_mongo::mongodb::options::IndexOptions;
    use auth_mongo::mongodb::{Client, IndexModel};
    let base = std::env::var("AUTH_TEST_MONGODB_URL").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let name = format!("auth_cli_ba_{}", std::process::id());
    let reachable = match Client::with_uri_str(&base).await {
        Ok(c) => tokio::time::timeout(std::time::Duration::from_secs(3), c.database("admin").run_command(doc! { "ping": 1 }))
            .await
            .is_ok_and(|r| r.is_ok())
            .then_some(c),
        Err(_) => None,
    };
    let Some(client) = reachable else {
        assert!(std::env::var("CI").is_err(), "MongoDB unreachable at {base} in CI");
        eprintln!("skipped: MongoDB unreachable at {base} (set AUTH_TEST_MONGODB_URL)");
        return;
    };
    let users = client.database(&name).collection::<Document>("user");
    let unique = IndexOptions::builder().unique(Some(true)).build();
    users.create_index(IndexModel::builder().keys(doc! { "email": 1 }).options(unique).build()).await.expect("index");
    let names = || async { users.list_index_names().await.expect("indexes") };
    let before = names().await;
    let url = format!("{}/{name}", base.trim_end_matches('/'));
    let dir = workdir("ba-mongo");
    let dry = cli(&dir, &["migrate", "--dry-run", "--database-url", &url]);
    assert!(!text(&dry).contains("user_email_uidx"), "{}", text(&dry));
    let db = auth_mongo::connect(&base, &name, auth_core::Schema::better_auth()).await.expect("connects");
    assert_eq!(names().await, before, "no second unique index on user.email");
    exercise(db).await;
    client.database(&name).drop().await.expect("drop");
}
