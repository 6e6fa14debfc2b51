//! Databases laid out by Better Auth 1.7.25's own migration, for tests that must leave them
//! exactly as they are: the statements it ran (`fixtures/better-auth-1.7.25/`, made by
//! `layout.mjs` there with the organization and two-factor plugins), the matching schema
//! configuration, and schema dumps to compare a database before and after.

use std::process::Command;

use auth_core::{Plugin, SchemaConfig};

/// Better Auth's statements for SQLite.
pub const SQLITE: &str = include_str!("../fixtures/better-auth-1.7.25/organization-two-factor.sqlite.sql");
/// Better Auth's statements for PostgreSQL.
pub const POSTGRES: &str = include_str!("../fixtures/better-auth-1.7.25/organization-two-factor.postgres.sql");
/// Better Auth's statements for MySQL / MariaDB.
pub const MYSQL: &str = include_str!("../fixtures/better-auth-1.7.25/organization-two-factor.mysql.sql");

/// The configuration the fixtures were made with (`plugins = ["two-factor", "organization"]`).
pub fn config() -> SchemaConfig {
    SchemaConfig::default().plugin(Plugin::TwoFactor).plugin(Plugin::Organization)
}

/// The same, as `auth.toml` for the CLI.
pub const AUTH_TOML: &str = "plugins = [\"two-factor\", \"organization\"]\n";

/// The statements of a fixture, one by one.
pub fn statements(script: &str) -> Vec<String> {
    let code: Vec<&str> = script.lines().filter(|l| !l.trim_start().starts_with("--")).collect();
    code.join("\n").split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The schema of a PostgreSQL or MySQL database as its own dump tool prints it (`pg_dump
/// --schema-only`, `mysqldump --no-data`): tables, columns, defaults, constraints, indexes.
pub fn dump_schema(url: &str) -> Result<String, String> {
    let out = if url.starts_with("postgres") {
        Command::new("pg_dump").args(["--schema-only", "--no-owner", url]).output()
    } else {
        let u = url.trim_start_matches("mysql://");
        let (auth, rest) = u.split_once('@').unwrap_or(("root", u));
        let (user, pass) = auth.split_once(':').unwrap_or((auth, ""));
        let (hostport, db) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
        let mut c = Command::new("mysqldump");
        c.args(["--no-data", "--skip-dump-date", "--skip-comments", "-h", host, "-P", port, "-u", user]);
        if !pass.is_empty() {
            c.arg(format!("-p{pass}"));
        }
        c.arg(db.split('?').next().unwrap_or(db)).output()
    }
    .map_err(|e| e.to_string())?;
    if out.status.success() {
        // pg_dump 15.14+ brackets its output with a random `\restrict` key.
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text.lines().filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict")).collect::<Vec<_>>().join("\n"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Panics, showing only the lines that differ, when two schema dumps differ.
pub fn assert_same_schema(before: &str, after: &str, what: &str) {
    let gone: Vec<&str> = before.lines().filter(|l| !after.lines().any(|a| a == *l)).collect();
    let added: Vec<&str> = after.lines().filter(|l| !before.lines().any(|b| b == *l)).collect();
    assert!(gone.is_empty() && added.is_empty(), "{what} changed the schema: removed {gone:#?}, added {added:#?}");
}
