//! Test support: the servers' own SQL clients (`psql`, `mysql`) and fresh databases.

use std::process::Command;

/// Runs SQL through the server's own client (`psql`, `mysql`).
pub fn client(kind: &str, url: &str, sql: &str) -> Result<(), String> {
    let out = match kind {
        "postgres" => Command::new("psql")
            .args(["-v", "ON_ERROR_STOP=1", "-q", url, "-c", sql])
            .output(),
        _ => {
            let u = url.strip_prefix("mysql://").unwrap_or(url);
            let (auth, rest) = u.split_once('@').unwrap_or(("root", u));
            let (user, pass) = auth.split_once(':').unwrap_or((auth, ""));
            let (hostport, db) = rest.split_once('/').unwrap_or((rest, ""));
            let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
            let mut c = Command::new("mysql");
            c.args(["-h", host, "-P", port, "-u", user]);
            if !pass.is_empty() {
                c.arg(format!("-p{pass}"));
            }
            if !db.is_empty() {
                c.args(["-D", db.split('?').next().unwrap_or(db)]);
            }
            c.args(["-e", sql]).output()
        }
    }
    .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A fresh database on a server for one test, or `None` (skipped outside CI) when unreachable.
pub fn fresh_database(kind: &str, tag: &str) -> Option<(String, String)> {
    let (var, default) = match kind {
        "postgres" => (
            "AUTH_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/auth_test",
        ),
        _ => (
            "AUTH_TEST_MYSQL_URL",
            "mysql://root@127.0.0.1:3306/auth_test",
        ),
    };
    let base = std::env::var(var).unwrap_or_else(|_| default.to_string());
    let name = format!("auth_cli_{}_{tag}", std::process::id());
    let server = base
        .rsplit_once('/')
        .map_or(base.clone(), |(s, _)| s.to_string());
    let admin = if kind == "postgres" {
        format!("{server}/postgres")
    } else {
        format!("{server}/")
    };
    let create = client(kind, &admin, &format!("DROP DATABASE IF EXISTS {name}"))
        .and_then(|_| client(kind, &admin, &format!("CREATE DATABASE {name}")));
    match create {
        Ok(()) => Some((format!("{server}/{name}"), admin)),
        Err(e) => {
            assert!(
                std::env::var("CI").is_err(),
                "{kind} unreachable in CI: {e}"
            );
            eprintln!("skipped: {kind} unreachable at {base} ({e}); set {var}");
            None
        }
    }
}
