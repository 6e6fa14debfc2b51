//! What users of diesel_cli, sea-orm-cli and Better Auth's CLI expect of a schema CLI, run as
//! they run it (the built binary) against the real servers: exit codes, the confirmation prompt
//! on a terminal, colour, fast and clear failures, lock waits, SQLite URLs, `.env`, the SQL of
//! a dry run, `setup` and `database create`, `cleanup --dry-run`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use auth_conformance::scratch::{ScratchDb, Server};

mod support;
use support::{cli, text, workdir};

/// Runs `auth-cli args` on a pseudo-terminal (util-linux `script`), typing `input`.
fn on_terminal(dir: &Path, args: &str, input: &str, env: &[(&str, &str)]) -> Output {
    let bin = env!("CARGO_BIN_EXE_auth-cli");
    let mut c = Command::new("script");
    c.args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("script runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("type");
    child.wait_with_output().expect("finishes")
}

fn sqlite_tables(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0)))
        .expect("count")
}

#[test]
fn exit_codes_are_0_ok_1_drift_2_error() {
    let dir = workdir("exit");
    assert_eq!(cli(&dir, &["migrate", "--yes", "--database-url", "file:./a.db"]).status.code(), Some(0));
    assert_eq!(cli(&dir, &["check", "--database-url", "file:./a.db"]).status.code(), Some(0));
    std::fs::write(dir.join("auth.toml"), "plugins = [\"passkey\"]\n").expect("config");
    assert_eq!(cli(&dir, &["check", "--database-url", "file:./a.db"]).status.code(), Some(1), "drift");
    assert_eq!(cli(&dir, &["check", "--database-url", "file:./missing.db"]).status.code(), Some(2), "error");
    assert_eq!(cli(&dir, &["check", "--bogus-flag"]).status.code(), Some(2), "usage error");
}

#[test]
fn migrate_asks_on_a_terminal_and_needs_yes_elsewhere() {
    let dir = workdir("prompt");
    let db = dir.join("p.db");
    let out = cli(&dir, &["migrate", "--database-url", "file:./p.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("pass --yes to apply 4 change(s)"), "{}", text(&out));
    assert!(!db.exists(), "nothing was created");
    let no = on_terminal(&dir, "migrate --database-url file:./p.db", "n\n", &[]);
    assert!(text(&no).contains("Apply 4 change(s) to SQLite at ./p.db? [y/N]"), "{}", text(&no));
    assert!(text(&no).contains("migration cancelled"), "{}", text(&no));
    assert!(!db.exists(), "a no creates nothing");
    let yes = on_terminal(&dir, "migrate --database-url file:./p.db", "y\n", &[]);
    assert!(text(&yes).contains("applied") && text(&yes).contains(" 4 change(s)\r\n"), "{}", text(&yes));
    assert_eq!(sqlite_tables(&db), 4);
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let dir = workdir("colour");
    assert!(cli(&dir, &["migrate", "--yes", "--database-url", "file:./c.db"]).status.success());
    let piped = cli(&dir, &["check", "--database-url", "file:./c.db"]);
    assert!(!text(&piped).contains('\x1b'), "{}", text(&piped));
    let tty = on_terminal(&dir, "check --database-url file:./c.db", "", &[]);
    assert!(text(&tty).contains("\x1b[32mok:\x1b[0m"), "{:?}", text(&tty));
    let no_color = on_terminal(&dir, "check --database-url file:./c.db", "", &[("NO_COLOR", "1")]);
    assert!(text(&no_color).contains("ok:") && !text(&no_color).contains('\x1b'), "{:?}", text(&no_color));
}

#[test]
fn read_only_commands_never_create_sqlite_files() {
    let dir = workdir("nofile");
    for url in ["./typo.db", "sqlite://t6.db?mode=rwc", "file:./f.db"] {
        for args in [&["check"][..], &["status"], &["migrate", "--dry-run"], &["cleanup", "--dry-run"], &["cleanup"]] {
            let out = cli(&dir, &[args, &["--database-url", url]].concat());
            if args == ["status"] || args == ["migrate", "--dry-run"] {
                assert!(out.status.success(), "{args:?} {url}: {}", text(&out));
            } else {
                assert!(text(&out).contains("no SQLite database at"), "{args:?} {url}: {}", text(&out));
            }
        }
    }
    let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert!(left.is_empty(), "read-only commands made {left:?}");
    // The sqlx form with its query: the file is `t6.db`, not `t6.db?mode=rwc`.
    assert!(cli(&dir, &["migrate", "--yes", "--database-url", "sqlite://t6.db?mode=rwc"]).status.success());
    assert!(dir.join("t6.db").exists() && !dir.join("t6.db?mode=rwc").exists());
    let out = cli(&dir, &["migrate", "--yes", "--database-url", "sqlite://rw.db?mode=rw"]);
    assert!(text(&out).contains("no SQLite database at rw.db") && !dir.join("rw.db").exists(), "{}", text(&out));
}

#[test]
fn check_and_dry_run_do_not_write_an_existing_file() {
    let dir = workdir("nowrite");
    assert!(cli(&dir, &["migrate", "--yes", "--database-url", "file:./w.db"]).status.success());
    // The CLI made it in WAL mode; checkpoint and switch it back so any write would show.
    rusqlite::Connection::open(dir.join("w.db")).and_then(|c| c.execute_batch("PRAGMA journal_mode = DELETE")).expect("delete mode");
    let before = std::fs::read(dir.join("w.db")).expect("file");
    std::fs::write(dir.join("auth.toml"), "plugins = [\"two-factor\"]\n").expect("config");
    for args in [&["check"][..], &["check", "--format", "json"], &["status"], &["migrate", "--dry-run"]] {
        cli(&dir, &[args, &["--database-url", "file:./w.db"]].concat());
        assert!(before == std::fs::read(dir.join("w.db")).expect("file"), "{args:?} wrote");
    }
    let mode: String = rusqlite::Connection::open(dir.join("w.db"))
        .and_then(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
        .expect("mode");
    assert_eq!(mode, "delete", "the journal mode is the owner's");
}

#[test]
fn dot_env_is_read_as_dotenvy_reads_it() {
    let root = workdir("dotenv");
    let sub = root.join("app/src");
    std::fs::create_dir_all(&sub).expect("dirs");
    std::fs::write(
        root.join(".env"),
        "# the app's settings\nDB_DIR=./data\nexport DATABASE_URL = file:${DB_DIR}/dev.db   # dev database\n",
    )
    .expect(".env");
    std::fs::create_dir_all(sub.join("data")).expect("data dir");
    let out = cli(&sub, &["migrate", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(sub.join("data/dev.db").exists(), "found in a parent directory, ${{DB_DIR}} expanded, comment dropped");
    let out = Command::new(env!("CARGO_BIN_EXE_auth-cli"))
        .current_dir(&sub)
        .args(["check"])
        .env("DATABASE_URL", "file:./other.db")
        .output()
        .expect("runs");
    assert!(text(&out).contains("no SQLite database at ./other.db"), "the environment wins over .env: {}", text(&out));
    std::fs::write(root.join(".env"), "DATABASE_URL=\"unterminated\n").expect(".env");
    let out = cli(&sub, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains(".env:"), "{}", text(&out));
}

#[test]
fn unreachable_servers_fail_fast_in_one_line() {
    let dir = workdir("unreachable");
    // Refused: answered at once, host and port named.
    for (url, label) in [
        ("postgres://u@127.0.0.1:1/x", "PostgreSQL"),
        ("mysql://u@127.0.0.1:1/x", "MySQL"),
        ("mongodb://127.0.0.1:1/x", "MongoDB"),
    ] {
        let out = cli(&dir, &["check", "--database-url", url]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{t}");
        assert_eq!(t.trim(), format!("error: cannot connect to {label} at 127.0.0.1:1: connection refused"));
    }
    // A server that accepts and never answers: the limit, from the flag or the URL.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = silent.local_addr().expect("addr").port();
    let out = cli(&dir, &["check", "--connect-timeout", "1", "--database-url", &format!("postgres://u@127.0.0.1:{port}/x")]);
    assert_eq!(text(&out).trim(), format!("error: cannot connect to PostgreSQL at 127.0.0.1:{port}: no connection within 1s"));
    let out = cli(&dir, &["check", "--database-url", &format!("mysql://u@127.0.0.1:{port}/x?connect_timeout=1")]);
    assert_eq!(text(&out).trim(), format!("error: cannot connect to MySQL at 127.0.0.1:{port}: no connection within 1s"));
    let out = cli(&dir, &["check", "--connect-timeout", "1", "--database-url", &format!("mongodb://127.0.0.1:{port}/x")]);
    assert_eq!(text(&out).trim(), format!("error: cannot connect to MongoDB at 127.0.0.1:{port}: no server answered within 1s"));
    drop(silent);
    // The server's own refusal, without its source line number.
    if let Some(db) = ScratchDb::fresh(Server::Postgres, "auth_cli_b", "gone") {
        let url = format!("{}_missing", db.url);
        let t = text(&cli(&dir, &["check", "--database-url", &url]));
        assert!(t.trim().ends_with(&format!("database \"{}_missing\" does not exist", db.name)), "{t}");
        assert_eq!(t.trim().lines().count(), 1, "{t}");
    }
}

/// The dry run's script is the exact SQL: run by the database's own client, it leaves a
/// database that checks clean.
#[test]
fn dry_run_sql_runs_as_printed() {
    let dir = workdir("drysql");
    std::fs::write(dir.join("auth.toml"), "plugins = [\"two-factor\", \"organization\"]\n").expect("config");
    rusqlite::Connection::open(dir.join("d.db")).and_then(|c| c.execute_batch("CREATE TABLE keep (x)")).expect("file");
    let script = cli(&dir, &["migrate", "--dry-run", "--database-url", "file:./d.db"]);
    rusqlite::Connection::open(dir.join("d.db"))
        .and_then(|c| c.execute_batch(&String::from_utf8_lossy(&script.stdout)))
        .expect("the script runs");
    assert_eq!(cli(&dir, &["check", "--database-url", "file:./d.db"]).status.code(), Some(0));
    for server in [Server::Postgres, Server::Mysql] {
        let Some(db) = ScratchDb::fresh(server, "auth_cli_b", "dry") else { continue };
        let script = cli(&dir, &["migrate", "--dry-run", "--database-url", &db.url]);
        assert!(script.status.success(), "{}", text(&script));
        db.exec(&String::from_utf8_lossy(&script.stdout)).expect("the script runs");
        let check = cli(&dir, &["check", "--database-url", &db.url]);
        assert_eq!(check.status.code(), Some(0), "{server:?}: {}", text(&check));
    }
}

/// A migration blocked by another session's lock says so while it waits, gives up after
/// `--lock-timeout`, and changes nothing.
#[test]
fn migrate_reports_lock_waits_and_gives_up() {
    let dir = workdir("locks");
    for (server, hold) in [
        (Server::Postgres, "BEGIN; LOCK TABLE \"user\" IN SHARE MODE; SELECT pg_sleep(8); COMMIT;"),
        (Server::Mysql, "START TRANSACTION; SELECT COUNT(*) FROM `user`; SELECT SLEEP(8); COMMIT;"),
    ] {
        let Some(db) = ScratchDb::fresh(server, "auth_cli_b", "lock") else { continue };
        let _ = std::fs::remove_file(dir.join("auth.toml"));
        assert!(cli(&dir, &["migrate", "--yes", "--database-url", &db.url]).status.success());
        std::fs::write(dir.join("auth.toml"), "[models.user.additional_fields.nick]\ntype = \"string\"\nrequired = false\n").expect("config");
        let (url, sql) = (db.url.clone(), hold.to_string());
        let holder = std::thread::spawn(move || auth_conformance::scratch::client(server, &url, &sql));
        std::thread::sleep(std::time::Duration::from_secs(1));
        let out = cli(&dir, &["migrate", "--yes", "--lock-timeout", "3", "--database-url", &db.url]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{server:?}: {t}");
        assert!(t.contains("waiting for a"), "{server:?} says it waits: {t}");
        assert!(t.contains("gave up after waiting 3s for a lock another session holds"), "{server:?}: {t}");
        holder.join().expect("holder").expect("the holding session ran");
        let check = cli(&dir, &["check", "--database-url", &db.url]);
        assert!(text(&check).contains("missing column `user.nick`"), "nothing changed: {}", text(&check));
    }
}

#[test]
fn setup_and_database_create() {
    let dir = workdir("setup");
    let out = cli(&dir, &["database", "create", "--database-url", "file:./s.db"]);
    assert!(text(&out).contains("created SQLite database ./s.db"), "{}", text(&out));
    let mode: String = rusqlite::Connection::open(dir.join("s.db"))
        .and_then(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
        .expect("mode");
    assert_eq!(mode, "wal", "a file auth-cli creates is WAL");
    assert!(text(&cli(&dir, &["database", "create", "--database-url", "file:./s.db"])).contains("exists"));
    for server in [Server::Postgres, Server::Mysql] {
        let Some(db) = ScratchDb::fresh(server, "auth_cli_b", "setup") else { continue };
        let fresh = format!("{}_new", db.url);
        let out = cli(&dir, &["setup", "--yes", "--database-url", &fresh]);
        assert!(out.status.success(), "{server:?}: {}", text(&out));
        assert!(text(&out).contains(&format!("database `{}_new`", db.name)) && text(&out).contains("applied 4 change(s)"), "{}", text(&out));
        assert_eq!(cli(&dir, &["check", "--database-url", &fresh]).status.code(), Some(0));
        let again = cli(&dir, &["setup", "--yes", "--database-url", &fresh]);
        assert!(text(&again).contains("exists") && text(&again).contains("nothing to do"), "{}", text(&again));
        db.exec(&format!("DROP DATABASE {}_new", db.name)).expect("drop");
    }
}

#[test]
fn cleanup_dry_run_counts_and_deletes_nothing() {
    let dir = workdir("cleanup");
    assert!(cli(&dir, &["migrate", "--yes", "--database-url", "file:./c.db"]).status.success());
    let c = rusqlite::Connection::open(dir.join("c.db")).expect("open");
    c.execute_batch(
        "INSERT INTO \"user\" VALUES ('u', 'U', 'u@x.io', 0, NULL, 'x', 'x');
         INSERT INTO session VALUES ('s1', '2000-01-01T00:00:00.000Z', 't1', 'x', 'x', NULL, NULL, 'u');
         INSERT INTO session VALUES ('s2', '2999-01-01T00:00:00.000Z', 't2', 'x', 'x', NULL, NULL, 'u');",
    )
    .expect("rows");
    let out = cli(&dir, &["cleanup", "--dry-run", "--database-url", "file:./c.db"]);
    assert!(text(&out).contains("session: would delete 1 expired row(s)"), "{}", text(&out));
    let left: i64 = c.query_row("SELECT COUNT(*) FROM session", [], |r| r.get(0)).expect("count");
    assert_eq!(left, 2);
}

#[test]
fn status_lists_applied_and_pending_tables() {
    let dir = workdir("status");
    assert!(cli(&dir, &["migrate", "--yes", "--database-url", "file:./s.db"]).status.success());
    std::fs::write(dir.join("auth.toml"), "plugins = [\"passkey\"]\n").expect("config");
    let out = cli(&dir, &["status", "--database-url", "file:./s.db"]);
    let t = text(&out);
    assert!(t.contains("applied  user") && t.contains("pending  passkey (create table `passkey` and its indexes)"), "{t}");
    assert!(t.contains("1 pending change(s): run `auth-cli migrate`"), "{t}");
    assert!(out.status.success());
}

#[test]
fn check_json_names_each_difference() {
    let dir = workdir("json");
    assert!(cli(&dir, &["migrate", "--yes", "--database-url", "file:./j.db"]).status.success());
    rusqlite::Connection::open(dir.join("j.db"))
        .and_then(|c| c.execute_batch("INSERT INTO \"user\" VALUES ('u', 'U', 'u@x.io', 0, NULL, 'x', 'x'); DROP INDEX session_userId_idx;"))
        .expect("changes");
    std::fs::write(dir.join("auth.toml"), "[models.user.additional_fields.tenant]\ntype = \"string\"\n").expect("config");
    let out = cli(&dir, &["check", "--format", "json", "--database-url", "file:./j.db"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["ok"], false);
    assert_eq!(report["migrate"], "refuses");
    let diffs = report["differences"].as_array().expect("list");
    assert!(diffs.iter().any(|d| d["kind"] == "missing_index" && d["index"] == "session_userId_idx" && d["migrate_fixes"] == true), "{report}");
    assert!(diffs.iter().any(|d| d["kind"] == "missing_column" && d["column"] == "tenant" && d["migrate_fixes"] == false && d["reason"].is_string()), "{report}");
    let text_out = text(&cli(&dir, &["check", "--database-url", "file:./j.db"]));
    assert!(!text_out.contains("run `auth-cli migrate`") && text_out.contains("will not run"), "no advice to migrate when it would refuse: {text_out}");
}
