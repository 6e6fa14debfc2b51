//! `cargo xtask …`: workspace tasks.
//!
//! - `conformance [--adapter a,b] [--backend x,y]`: runs the conformance suite for every
//!   adapter × backend and prints the matrix (with the database-hook cases passed per row);
//!   exits non-zero on any failure.
//! - `bench [--rows a/b,...] [--quick] [--no-scale]`: runs the `auth-bench` benchmarks and prints
//!   one table (adapter against the raw driver, per operation); see `docs/performance.md`.
//! - `vendor <adapter> <dest>`: copies an adapter crate (or `redis`, the secondary storage) and
//!   `auth-core` into `dest`, with every workspace-inherited setting written out, so they build
//!   on their own.
//! - `soak [--release] [--backend a,b] [--secs N] [--tasks N]`: the mixed-workload soak run on
//!   every adapter × backend (the `soak/` crate); prints operations and errors per backend.

mod bench;
mod conformance;
mod soak;
mod vendor;

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  cargo xtask conformance [--adapter rusqlite,seaorm,...] [--backend sqlite,postgres,...]\n  \
         cargo xtask bench [--rows rusqlite/sqlite,diesel/postgres,...] [--quick] [--no-scale]\n  \
         cargo xtask vendor <adapter> <dest-dir>\n  \
         cargo xtask soak [--release] [--backend rusqlite,diesel-postgres,...] [--secs 10] [--tasks 64]"
    );
    ExitCode::from(2)
}

/// The workspace root (the parent of `xtask/`).
fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("conformance") => conformance::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        Some("vendor") if args.len() == 3 => vendor::run(&args[1], &PathBuf::from(&args[2])),
        _ => return usage(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
