//! `cargo xtask soak [--release] [auth-soak options]`: builds and runs the `auth-soak` binary
//! (the `soak/` crate): 64 concurrent tasks of mixed auth work per adapter × backend, then the
//! database's counts checked against what the tasks wrote. Prints its figures; exits non-zero
//! when a backend fails (or, with `CI=true`, is skipped).
//!
//! Options after the optional `--release` go to `auth-soak`: `--backend a,b`, `--secs N`,
//! `--tasks N`, `--max-iterations N`.

use std::process::{Command, ExitCode};

/// Runs the soak binary with `args`; its output goes straight to the terminal.
pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let root = crate::root();
    let release = args.iter().any(|a| a == "--release");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--release").collect();
    let mut c = Command::new(env!("CARGO"));
    c.current_dir(&root).args(["run", "--quiet", "-p", "auth-soak"]);
    if release {
        c.arg("--release");
    }
    c.arg("--").args(rest);
    let status = c.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
