//! `cargo xtask bench`: runs the `auth-bench` benchmarks (every adapter × backend it can reach,
//! diesel-async included,
//! each against the same operations written on the raw driver) and prints their table.

use std::process::{Command, ExitCode};

use crate::root;

/// The flags the bench binary understands; anything else is rejected here.
const FLAGS: &[(&str, bool)] = &[
    ("--rows", true),
    ("--scale", true),
    ("--users", true),
    ("--sessions", true),
    ("--out", true),
    ("--quick", false),
    ("--no-scale", false),
    ("--scale-only", false),
    ("--no-round-trips", false),
    ("--redis-only", false),
];

/// Runs `cargo bench -p auth-bench --features async --bench adapters -- <args>`; its stdout is
/// the table.
pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut i = 0;
    while i < args.len() {
        match FLAGS.iter().find(|(f, _)| *f == args[i]) {
            Some((f, true)) => {
                if args.get(i + 1).is_none() {
                    return Err(format!("{f} needs a value"));
                }
                i += 2;
            }
            Some((_, false)) => i += 1,
            None => {
                return Err(format!(
                    "unknown argument `{}` (use --rows rusqlite/sqlite,diesel/postgres,..., --quick, --no-scale, --scale-only, --scale 1000,10000, --users N, --sessions N, --out DIR, --no-round-trips, --redis-only)",
                    args[i]
                ));
            }
        }
    }
    eprintln!("building and running auth-bench (release profile)...");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root())
        .args(["bench", "-p", "auth-bench", "--features", "async", "--bench", "adapters", "--"])
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
