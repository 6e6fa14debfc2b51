//! `docs/backups.md`, tested: data written through the adapter, a backup with the server's own
//! dump tool (`pg_dump` / `mysqldump`), a restore into a fresh database (`psql` / `mysql`), and the
//! restored data read back through the adapter, with the schema check clean (tables, columns and
//! indexes all came back). Skipped, with the reason, when the server or the client tools are
//! missing; under `CI=true` that fails.

#[allow(dead_code)]
mod server;

use std::process::{Command, Stdio};

use auth_core::{AuthStore, NewSession, NewUser, Schema};
use server::Kind;

/// The parts of a `mysql://user:password@host:port/db` URL the MySQL client tools take as flags.
fn mysql_flags(url: &str) -> Vec<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['/', '?']).next().unwrap_or(rest);
    let (auth, hostport) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let (user, password) = auth.split_once(':').map_or((auth, None), |(u, p)| (u, Some(p)));
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
    let mut flags = vec![format!("--host={host}"), format!("--port={port}"), format!("--user={user}")];
    if let Some(p) = password {
        flags.push(format!("--password={p}"));
    }
    flags
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed: {}", cmd.get_program(), String::from_utf8_lossy(&out.stderr)))
    }
}

/// Backs `from` up into `file` and restores it into `to`, as the guide shows.
fn dump_and_restore(kind: Kind, from: &server::Fresh, to: &server::Fresh, file: &std::path::Path) -> Result<(), String> {
    match kind {
        Kind::Postgres => {
            // pg_dump --format=custom --no-owner --dbname=URL --file=auth.dump
            run(Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--no-owner")
                .arg(format!("--dbname={}", from.url))
                .arg(format!("--file={}", file.display())))?;
            // pg_restore --no-owner --exit-on-error --dbname=URL auth.dump
            run(Command::new("pg_restore")
                .arg("--no-owner")
                .arg("--exit-on-error")
                .arg(format!("--dbname={}", to.url))
                .arg(file))
        }
        Kind::Mysql => {
            // mysqldump --single-transaction --host=… --user=… db > auth.sql
            let dump = std::fs::File::create(file).map_err(|e| e.to_string())?;
            let out = Command::new("mysqldump")
                .arg("--single-transaction")
                .args(mysql_flags(&from.url))
                .arg(&from.name)
                .stdout(dump)
                .stderr(Stdio::piped())
                .output()
                .map_err(|e| format!("mysqldump: {e}"))?;
            if !out.status.success() {
                return Err(format!("mysqldump failed: {}", String::from_utf8_lossy(&out.stderr)));
            }
            // mysql --host=… --user=… db_restored < auth.sql
            let input = std::fs::File::open(file).map_err(|e| e.to_string())?;
            let out = Command::new("mysql")
                .args(mysql_flags(&to.url))
                .arg(&to.name)
                .stdin(input)
                .output()
                .map_err(|e| format!("mysql: {e}"))?;
            if out.status.success() { Ok(()) } else { Err(format!("mysql failed: {}", String::from_utf8_lossy(&out.stderr))) }
        }
    }
}

async fn backup_and_restore(kind: Kind) {
    let tool = if kind == Kind::Postgres { "pg_dump" } else { "mysqldump" };
    if let Err(e) = Command::new(tool).arg("--version").output() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{tool} is not installed in CI: {e}");
        eprintln!("skipped: {tool} is not installed ({e})");
        return;
    }
    let Some(live) = server::fresh_database(kind, "backup") else { return };
    let restored = live.sibling("restored");

    let db = auth_diesel::connect(&live.url, Schema::better_auth()).await.expect("connects");
    let user = db.create_user(NewUser::new("Ada", "ada@example.com")).await.expect("user");
    let expires = chrono::Utc::now() + chrono::Duration::days(7);
    let session = db.create_session(NewSession::new(&user.id, expires)).await.expect("session");
    drop(db);

    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{kind:?}.dump", live.name));
    let outcome = dump_and_restore(kind, &live, &restored, &file);
    let _ = std::fs::remove_file(&file);
    live.drop_database();
    if let Err(e) = outcome {
        restored.drop_database();
        panic!("backup and restore: {e}");
    }

    // The restored database, read through the adapter; no create_schema: everything came back.
    let backend = auth_diesel::DieselBackend::open(&restored.url).expect("pool");
    let db = auth_core::AuthDb::new(backend, Schema::better_auth()).expect("adapter");
    let differences = db.check_schema().await.expect("schema check");
    let (found, owner) = db.find_session(&session.token).await.expect("find").expect("the session came back");
    let by_email = db.find_user_by_email("ada@example.com").await.expect("find").expect("the user came back");
    drop(db);
    restored.drop_database();
    assert!(differences.is_empty(), "restored schema differs: {differences:?}");
    assert_eq!(found.id, session.id);
    assert_eq!(found.expires_at, session.expires_at);
    assert_eq!(owner.id, user.id);
    assert_eq!(by_email.created_at, user.created_at);
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_dump_and_pg_restore() {
    backup_and_restore(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mysqldump_and_mysql() {
    backup_and_restore(Kind::Mysql).await;
}
