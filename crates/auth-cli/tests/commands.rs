//! The commands, run as a user runs them (the built binary), against real databases.

use std::path::Path;

mod support;
use support::{cli, client, fresh_database, text, workdir};

/// How a backend spells identifiers and instants in raw SQL.
struct Sql {
    quote: fn(&str) -> String,
    instant: fn(&str) -> String,
    no: &'static str,
}

const ANSI: Sql = Sql {
    quote: |s| format!("\"{s}\""),
    instant: |s| format!("'{s}'"),
    no: "FALSE",
};
const MYSQL: Sql = Sql {
    quote: |s| format!("`{s}`"),
    instant: |s| format!("'{}'", s.trim_end_matches('Z').replace('T', " ")),
    no: "FALSE",
};

/// migrate creates everything, a second run is a no-op, check is clean, a dropped column is
/// caught and put back, cleanup removes exactly the expired rows.
fn lifecycle(dir: &Path, url: &str, sql: &Sql, exec: impl Fn(&str)) {
    let (q, at) = (sql.quote, sql.instant);
    let dry = cli(dir, &["migrate", "--database-url", url, "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    let script = String::from_utf8_lossy(&dry.stdout);
    assert!(script.contains(&format!("CREATE TABLE IF NOT EXISTS {}", q("user"))), "{script}");
    assert!(script.contains("-- create table `user` and its indexes"), "{script}");
    // Drift (1) on a server; on SQLite the dry run did not even create the file (2).
    let check = cli(dir, &["check", "--database-url", url]);
    assert!(
        matches!(check.status.code(), Some(1 | 2)),
        "dry run changed nothing: {}",
        text(&check)
    );

    let first = cli(dir, &["migrate", "--database-url", url, "--yes"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("applied"), "{}", text(&first));
    let second = cli(dir, &["migrate", "--database-url", url, "--yes"]);
    assert!(
        text(&second).contains("nothing to do"),
        "migrate twice is a no-op: {}",
        text(&second)
    );
    let check = cli(dir, &["check", "--database-url", url]);
    assert!(check.status.success(), "{}", text(&check));

    exec(&format!(
        "ALTER TABLE {} DROP COLUMN {}",
        q("session"),
        q("userAgent")
    ));
    let check = cli(dir, &["check", "--database-url", url]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check).contains("missing column `session.userAgent`"),
        "{}",
        text(&check)
    );
    let fix = cli(dir, &["migrate", "--database-url", url, "--yes"]);
    assert!(
        text(&fix).contains("add column `session.userAgent`"),
        "{}",
        text(&fix)
    );
    assert!(cli(dir, &["check", "--database-url", url]).status.success());

    let t0 = at("2024-01-01T00:00:00.000Z");
    exec(&format!(
        "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ('u1', 'U', 'u@x.io', {}, {t0}, {t0})",
        q("user"),
        q("id"),
        q("name"),
        q("email"),
        q("emailVerified"),
        q("createdAt"),
        q("updatedAt"),
        sql.no
    ));
    for (i, expires) in [
        "2000-01-01T00:00:00.000Z",
        "2001-01-01T00:00:00.000Z",
        "2999-01-01T00:00:00.000Z",
    ]
    .iter()
    .enumerate()
    {
        let e = at(expires);
        exec(&format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ('s{i}', {e}, 't{i}', {e}, {e}, 'u1')",
            q("session"),
            q("id"),
            q("expiresAt"),
            q("token"),
            q("createdAt"),
            q("updatedAt"),
            q("userId")
        ));
        exec(&format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ('v{i}', 'i', 'v', {e}, {e}, {e})",
            q("verification"),
            q("id"),
            q("identifier"),
            q("value"),
            q("expiresAt"),
            q("createdAt"),
            q("updatedAt")
        ));
    }
    let clean = cli(
        dir,
        &["cleanup", "--database-url", url, "--batch-size", "1"],
    );
    assert!(clean.status.success(), "{}", text(&clean));
    let out = text(&clean);
    assert!(out.contains("session: deleted 2 expired row(s)"), "{out}");
    assert!(
        out.contains("verification: deleted 2 expired row(s)"),
        "{out}"
    );
}

#[test]
fn sqlite_lifecycle() {
    let dir = workdir("sqlite");
    let db = dir.join("dev.db");
    lifecycle(&dir, "file:./dev.db", &ANSI, |sql| {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.execute_batch(sql))
            .expect("sql runs");
    });
    let conn = rusqlite::Connection::open(&db).expect("open");
    let left: i64 = conn
        .query_row("SELECT COUNT(*) FROM session", [], |r| r.get(0))
        .expect("count");
    assert_eq!(left, 1, "exactly the unexpired session is left");
}

#[test]
fn database_url_from_dot_env() {
    let dir = workdir("dotenv");
    std::fs::write(dir.join(".env"), "DATABASE_URL=file:./from-env.db\n").expect(".env");
    let out = cli(&dir, &["migrate", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.join("from-env.db").exists());
}

#[test]
fn refuses_unsafe_changes_and_changes_nothing() {
    let dir = workdir("unsafe");
    assert!(
        cli(&dir, &["migrate", "--database-url", "file:./dev.db", "--yes"])
            .status
            .success()
    );
    rusqlite::Connection::open(dir.join("dev.db"))
        .and_then(|c| c.execute_batch("INSERT INTO \"user\" (id, name, email, emailVerified, createdAt, updatedAt) VALUES ('u', 'U', 'u@x.io', 0, 'x', 'x')"))
        .expect("row");
    std::fs::write(
        dir.join("auth.toml"),
        "plugins = [\"passkey\"]\n[models.user.additional_fields.tenant]\ntype = \"string\"\n",
    )
    .expect("config");
    let out = cli(&dir, &["migrate", "--database-url", "file:./dev.db", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("migrate refused") && text(&out).contains("tenant") && text(&out).contains("give the field a default"),
        "{}",
        text(&out)
    );
    let check = cli(&dir, &["check", "--database-url", "file:./dev.db"]);
    assert!(
        text(&check).contains("missing table `passkey`"),
        "nothing changed: {}",
        text(&check)
    );
}

#[test]
fn bad_input_gets_one_clear_line() {
    let dir = workdir("bad");
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (
            vec!["generate", "--adapter", "hibernate"],
            None,
            "invalid value 'hibernate'",
        ),
        (
            vec!["generate", "--adapter", "sql", "--dialect", "oracle"],
            None,
            "invalid value 'oracle'",
        ),
        (
            vec!["check", "--database-url", "postgres//nohost"],
            None,
            "error:",
        ),
        (
            vec!["check", "--database-url", "redis://127.0.0.1:6379"],
            None,
            "unsupported database URL scheme",
        ),
        (
            vec![
                "check",
                "--database-url",
                "postgres://postgres@127.0.0.1:1/nope",
            ],
            None,
            "cannot connect to PostgreSQL at 127.0.0.1:1: connection refused",
        ),
        (
            vec!["check", "--database-url", "mongodb://127.0.0.1:27017"],
            None,
            "name the database",
        ),
        (vec!["check"], None, "no database URL"),
        (
            vec!["check", "--database-url", "file:./x.db"],
            Some("plugins = [\"sso\"]\n"),
            "unknown variant `sso`",
        ),
        (
            vec!["check", "--database-url", "file:./x.db"],
            Some("[models.user]\ntable = \"drop table\"\n"),
            "invalid identifier `drop table`",
        ),
    ];
    for (args, config, expect) in cases {
        match config {
            Some(c) => std::fs::write(dir.join("auth.toml"), c).expect("config"),
            None => {
                let _ = std::fs::remove_file(dir.join("auth.toml"));
            }
        }
        let out = cli(&dir, &args);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?} is an error: {t}");
        assert_eq!(t.trim().lines().count(), if args[0] == "generate" { t.trim().lines().count() } else { 1 }, "{args:?}: one line:\n{t}");
        assert!(t.contains(expect), "{args:?}: expected `{expect}` in:\n{t}");
        assert!(!t.contains("panicked"), "{args:?} panicked:\n{t}");
    }
}

#[test]
fn generate_is_deterministic_and_says_where_it_came_from() {
    let dir = workdir("gen");
    let a = cli(
        &dir,
        &["generate", "--adapter", "sql", "--dialect", "mysql"],
    );
    let b = cli(
        &dir,
        &["generate", "--adapter", "sql", "--dialect", "mysql"],
    );
    assert_eq!(a.stdout, b.stdout);
    let t = String::from_utf8_lossy(&a.stdout);
    assert!(t.starts_with("-- Generated by auth-cli"), "{t}");
    assert!(t.contains("CREATE TABLE IF NOT EXISTS `session`"), "{t}");
    let out = cli(
        &dir,
        &[
            "generate",
            "--adapter",
            "diesel",
            "--dialect",
            "postgres",
            "--output",
            "app",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    for f in [
        "app/migrations/00000000000001_auth_schema/up.sql",
        "app/migrations/00000000000001_auth_schema/down.sql",
        "app/src/schema.rs",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let out = cli(
        &dir,
        &["generate", "--adapter", "mongo", "--output", "mongo.json"],
    );
    assert!(out.status.success());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("mongo.json")).expect("file"))
            .expect("json");
    let user = &json["collections"][0];
    assert_eq!(user["name"], "user");
    assert_eq!(user["indexes"][0]["name"], "user_email_uidx");
}

/// The same lifecycle on MongoDB: indexes instead of columns.
#[test]
fn mongodb_lifecycle() {
    use auth_core::{AuthStore, NewSession, NewUser, Schema};
    let base = std::env::var("AUTH_TEST_MONGODB_URL")
        .unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into());
    let name = format!("auth_cli_cmd_{}", std::process::id());
    let url = format!("{}/{name}", base.trim_end_matches('/'));
    let dir = workdir("mongo");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let client = rt.block_on(async {
        let c = auth_mongo::mongodb::Client::with_uri_str(&base)
            .await
            .expect("client");
        let ping = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            c.database("admin")
                .run_command(auth_mongo::mongodb::bson::doc! { "ping": 1 }),
        )
        .await;
        ping.is_ok_and(|r| r.is_ok()).then_some(c)
    });
    let Some(client) = client else {
        assert!(
            std::env::var("CI").is_err(),
            "MongoDB unreachable at {base} in CI"
        );
        eprintln!("skipped: MongoDB unreachable at {base} (set AUTH_TEST_MONGODB_URL)");
        return;
    };
    let dry = cli(&dir, &["migrate", "--database-url", &url, "--dry-run"]);
    let commands = String::from_utf8_lossy(&dry.stdout);
    assert!(commands.contains("db.createCollection(\"session\")"), "{commands}");
    assert!(
        commands.contains("db.getCollection(\"session\").createIndex({ \"token\": 1 }, { name: \"session_token_uidx\", unique: true })"),
        "{commands}"
    );
    let first = cli(&dir, &["migrate", "--database-url", &url, "--yes"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("create table `session`"),
        "{}",
        text(&first)
    );
    assert!(text(&cli(&dir, &["migrate", "--database-url", &url, "--yes"])).contains("nothing to do"));
    assert!(
        cli(&dir, &["check", "--database-url", &url])
            .status
            .success()
    );
    let sessions = client
        .database(&name)
        .collection::<auth_mongo::mongodb::bson::Document>("session");
    rt.block_on(async { sessions.drop_index("session_token_uidx").await })
        .expect("drop index");
    let check = cli(&dir, &["check", "--database-url", &url]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check).contains("missing unique index `session_token_uidx`"),
        "{}",
        text(&check)
    );
    assert!(
        text(&cli(&dir, &["migrate", "--database-url", &url, "--yes"]))
            .contains("create unique index `session_token_uidx` on `session.token`")
    );
    rt.block_on(async {
        let db = auth_mongo::from_client(client.clone(), &name, Schema::better_auth())
            .await
            .expect("adapter");
        let u = db
            .create_user(NewUser::new("C", "c@example.com"))
            .await
            .expect("user");
        for minutes in [-120, -60, 60] {
            let at = chrono::Utc::now() + chrono::Duration::minutes(minutes);
            db.create_session(NewSession::new(&u.id, at))
                .await
                .expect("session");
            db.create_verification("i", "v", at)
                .await
                .expect("verification");
        }
    });
    let clean = cli(
        &dir,
        &["cleanup", "--database-url", &url, "--batch-size", "1"],
    );
    let out = text(&clean);
    assert!(
        out.contains("session: deleted 2 expired row(s)")
            && out.contains("verification: deleted 2"),
        "{out}"
    );
    rt.block_on(async { client.database(&name).drop().await })
        .expect("drop database");
}

#[test]
fn postgres_lifecycle() {
    let Some((url, admin)) = fresh_database("postgres", "cmd") else {
        return;
    };
    let dir = workdir("postgres");
    lifecycle(&dir, &url, &ANSI, |sql| {
        client("postgres", &url, sql).expect("sql runs")
    });
    let name = url.rsplit('/').next().unwrap_or_default().to_string();
    let _ = client(
        "postgres",
        &admin,
        &format!("DROP DATABASE IF EXISTS {name}"),
    );
}

#[test]
fn mysql_lifecycle() {
    let Some((url, admin)) = fresh_database("mysql", "cmd") else {
        return;
    };
    let dir = workdir("mysql");
    lifecycle(&dir, &url, &MYSQL, |sql| {
        client("mysql", &url, sql).expect("sql runs")
    });
    let name = url.rsplit('/').next().unwrap_or_default().to_string();
    let _ = client("mysql", &admin, &format!("DROP DATABASE IF EXISTS {name}"));
}
