//! Test support: the auth CLI binary, and the servers' own SQL clients on scratch databases
//! (`auth_conformance::scratch`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use auth_conformance::scratch::{self, ScratchDb, Server};

/// The server for `postgres` or `mysql`.
pub fn server(kind: &str) -> Server {
    if kind == "postgres" { Server::Postgres } else { Server::Mysql }
}

/// Runs SQL through the server's own client (`psql`, `mysql`).
pub fn client(kind: &str, url: &str, sql: &str) -> Result<(), String> {
    scratch::client(server(kind), url, sql)
}

/// A fresh database (url, maintenance url) the caller drops, or `None` (skipped outside CI).
pub fn fresh_database(kind: &str, tag: &str) -> Option<(String, String)> {
    ScratchDb::fresh(server(kind), "auth_cli", tag).map(ScratchDb::keep)
}

/// Runs the built `auth-cli` in `dir` with `args`, without DATABASE_URL or NO_COLOR from the
/// test's environment.
pub fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auth-cli"))
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("NO_COLOR")
        .output()
        .expect("auth-cli runs")
}

/// stdout and stderr together.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A fresh working directory under the target dir.
pub fn workdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("work dir");
    dir
}
