//! A database laid out the way Better Auth 1.7's own migrations lay it out (inline `UNIQUE`
//! constraints, `date` columns on SQLite, `timestamp(3)` and `text` on MySQL, defaults from the
//! database) passes `check`, needs no `migrate`, and the adapters read and write it.

use std::path::PathBuf;
use std::process::{Command, Output};

use auth_core::{AuthDb, AuthStore, NewSession, NewUser, Schema};

mod support;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auth-cli"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("auth-cli runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Better Auth's core tables in one dialect's spelling: (string, unique string, id reference,
/// boolean, date, date default, quote).
fn better_auth_ddl(t: [&str; 6], q: fn(&str) -> String) -> Vec<String> {
    let [s, us, rf, b, d, dd] = t;
    let (u, se, a, v) = (q("user"), q("session"), q("account"), q("verification"));
    let c = |n: &str| q(n);
    vec![
        format!(
            "create table {u} ({} {rf} not null primary key, {} {s} not null, {} {us} not null unique, {} {b} not null, {} {s}, {} {d} default {dd} not null, {} {d} default {dd} not null)",
            c("id"),
            c("name"),
            c("email"),
            c("emailVerified"),
            c("image"),
            c("createdAt"),
            c("updatedAt")
        ),
        format!(
            "create table {se} ({} {rf} not null primary key, {} {d} not null, {} {us} not null unique, {} {d} default {dd} not null, {} {d} not null, {} {s}, {} {s}, {} {rf} not null references {u} ({}) on delete cascade)",
            c("id"),
            c("expiresAt"),
            c("token"),
            c("createdAt"),
            c("updatedAt"),
            c("ipAddress"),
            c("userAgent"),
            c("userId"),
            c("id")
        ),
        format!(
            "create table {a} ({} {rf} not null primary key, {} {s} not null, {} {s} not null, {} {rf} not null references {u} ({}) on delete cascade, {} {s}, {} {s}, {} {s}, {} {d} null, {} {d} null, {} {s}, {} {s}, {} {d} default {dd} not null, {} {d} not null)",
            c("id"),
            c("accountId"),
            c("providerId"),
            c("userId"),
            c("id"),
            c("accessToken"),
            c("refreshToken"),
            c("idToken"),
            c("accessTokenExpiresAt"),
            c("refreshTokenExpiresAt"),
            c("scope"),
            c("password"),
            c("createdAt"),
            c("updatedAt")
        ),
        format!(
            "create table {v} ({} {rf} not null primary key, {} {us} not null, {} {s} not null, {} {d} not null, {} {d} default {dd} not null, {} {d} default {dd} not null)",
            c("id"),
            c("identifier"),
            c("value"),
            c("expiresAt"),
            c("createdAt"),
            c("updatedAt")
        ),
        format!(
            "create index {} on {se} ({})",
            c("session_userId_idx"),
            c("userId")
        ),
        format!(
            "create index {} on {a} ({})",
            c("account_userId_idx"),
            c("userId")
        ),
        format!(
            "create index {} on {v} ({})",
            c("verification_identifier_idx"),
            c("identifier")
        ),
    ]
}

fn exercise(url: &str, db: AuthDb) {
    let out = cli(&["check", "--database-url", url]);
    assert!(
        out.status.success(),
        "a Better Auth database checks clean: {}",
        text(&out)
    );
    let out = cli(&["migrate", "--database-url", url]);
    assert!(text(&out).contains("nothing to do"), "{}", text(&out));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let u = db
            .create_user(NewUser::new("Ba", "ba@example.com"))
            .await
            .expect("user");
        let s = db
            .create_session(NewSession::new(
                &u.id,
                chrono::Utc::now() + chrono::Duration::hours(1),
            ))
            .await
            .expect("session");
        let (found, user) = db
            .find_session(&s.token)
            .await
            .expect("lookup")
            .expect("found");
        assert_eq!((found.id, user.email), (s.id, "ba@example.com".to_string()));
        let dup = db.create_user(NewUser::new("Ba2", "ba@example.com")).await;
        assert!(
            matches!(dup, Err(auth_core::Error::UniqueViolation { .. })),
            "{dup:?}"
        );
        db.delete_user(&u.id).await.expect("delete");
        assert!(
            db.find_session(&s.token).await.expect("lookup").is_none(),
            "the cascade works"
        );
    });
}

#[test]
fn sqlite_database_made_by_better_auth() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ba-sqlite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("ba.db");
    let conn = rusqlite::Connection::open(&path).expect("open");
    for stmt in better_auth_ddl(
        [
            "text",
            "text",
            "text",
            "integer",
            "date",
            "CURRENT_TIMESTAMP",
        ],
        |s| format!("\"{s}\""),
    ) {
        conn.execute_batch(&stmt).expect("DDL");
    }
    drop(conn);
    let url = format!("file:{}", path.display());
    let db = AuthDb::new(
        auth_rusqlite::SqliteBackend::open(&url).expect("open"),
        Schema::better_auth(),
    )
    .expect("adapter");
    exercise(&url, db);
}

fn server(kind: &str, ddl: Vec<String>) {
    let Some((url, admin)) = support::fresh_database(kind, "ba") else {
        return;
    };
    for stmt in ddl {
        support::client(kind, &url, &stmt).expect("DDL");
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let backend = rt
        .block_on(auth_seaorm::SeaOrmBackend::open(&url))
        .expect("connect");
    exercise(
        &url,
        AuthDb::new(backend, Schema::better_auth()).expect("adapter"),
    );
    let name = url.rsplit('/').next().unwrap_or_default().to_string();
    let _ = support::client(kind, &admin, &format!("DROP DATABASE IF EXISTS {name}"));
}

#[test]
fn postgres_database_made_by_better_auth() {
    server(
        "postgres",
        better_auth_ddl(
            [
                "text",
                "text",
                "text",
                "boolean",
                "timestamptz",
                "CURRENT_TIMESTAMP",
            ],
            |s| format!("\"{s}\""),
        ),
    );
}

#[test]
fn mysql_database_made_by_better_auth() {
    server(
        "mysql",
        better_auth_ddl(
            [
                "text",
                "varchar(255)",
                "varchar(36)",
                "tinyint(1)",
                "timestamp(3)",
                "CURRENT_TIMESTAMP(3)",
            ],
            |s| format!("`{s}`"),
        ),
    );
}
