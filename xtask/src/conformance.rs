//! The conformance matrix: one run of the suite per adapter × backend row.

use std::process::{Command, ExitCode};
use std::time::Instant;

use crate::root;

/// Every matrix row: (adapter label, crate, cargo features, backend). A row runs when its crate
/// has a conformance test.
const ROWS: &[(&str, &str, &str, &str)] = &[
    ("rusqlite", "auth-rusqlite", "", "sqlite"),
    ("seaorm", "auth-seaorm", "", "postgres"),
    ("seaorm", "auth-seaorm", "", "mysql"),
    ("seaorm", "auth-seaorm", "", "sqlite"),
    ("diesel", "auth-diesel", "", "postgres"),
    ("diesel", "auth-diesel", "", "mysql"),
    ("diesel", "auth-diesel", "", "sqlite"),
    ("diesel-async", "auth-diesel", "async", "postgres"),
    ("diesel-async", "auth-diesel", "async", "mysql"),
    ("mongo", "auth-mongo", "", "mongodb"),
];

#[derive(Default)]
struct Row {
    label: String,
    passed: usize,
    failed: usize,
    skipped: usize,
    /// Database-hook cases (`hooks::`, with or without secondary storage): passed, registered.
    hooks: (usize, usize),
    seconds: f64,
    skip_reason: Option<String>,
    failures: String,
    error: Option<String>,
}

fn list(args: &[String], flag: &str) -> Result<Option<Vec<String>>, String> {
    match args.iter().position(|a| a == flag) {
        None => Ok(None),
        Some(i) => {
            let v = args.get(i + 1).ok_or_else(|| format!("{flag} needs a value"))?;
            Ok(Some(v.split(',').map(|s| s.trim().to_string()).collect()))
        }
    }
}

/// Runs the matrix; `args` are `--adapter` / `--backend` filters.
pub fn run(args: &[String]) -> Result<ExitCode, String> {
    for a in args.iter().filter(|a| a.starts_with("--")) {
        if a != "--adapter" && a != "--backend" {
            return Err(format!("unknown flag `{a}` (use --adapter, --backend)"));
        }
    }
    let adapters = list(args, "--adapter")?;
    let backends = list(args, "--backend")?;
    let root = root();
    let rows: Vec<_> = ROWS
        .iter()
        .copied()
        .filter(|(_, krate, _, _)| root.join(format!("crates/{krate}/tests/conformance.rs")).exists())
        .filter(|(a, ..)| adapters.as_ref().is_none_or(|l| l.iter().any(|x| x == a)))
        .filter(|(.., b)| backends.as_ref().is_none_or(|l| l.iter().any(|x| x == b)))
        .collect();
    if rows.is_empty() {
        return Err("no adapter × backend row matches the filters".into());
    }
    let mut results = Vec::new();
    let mut built: Vec<(&str, &str)> = Vec::new();
    for (adapter, krate, features, backend) in rows {
        if !built.contains(&(krate, features)) {
            eprintln!("building {krate} conformance tests {features}...");
            let out = cargo_test(&root, krate, features).args(["--no-run", "--quiet"]).output()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if !out.status.success() {
                return Err(format!("building {krate} failed:\n{}", String::from_utf8_lossy(&out.stderr)));
            }
            built.push((krate, features));
        }
        let label = format!("{adapter}/{backend}");
        eprintln!("running {label} ...");
        results.push(run_row(&root, krate, features, &label)?);
    }
    print_matrix(&results);
    let bad = results.iter().any(|r| r.failed > 0 || r.error.is_some());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let skipped_in_ci = ci && results.iter().any(|r| r.skipped > 0);
    Ok(if bad || skipped_in_ci { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `cargo test -p <krate> --test conformance [--features …]`.
fn cargo_test(root: &std::path::Path, krate: &str, features: &str) -> Command {
    let mut c = Command::new(env!("CARGO"));
    c.current_dir(root).args(["test", "-p", krate, "--test", "conformance"]);
    if !features.is_empty() {
        c.args(["--features", features]);
    }
    c
}

fn run_row(root: &std::path::Path, krate: &str, features: &str, label: &str) -> Result<Row, String> {
    let start = Instant::now();
    let out = cargo_test(root, krate, features)
        .args(["--quiet", "--", "--format", "pretty"])
        // Timestamps must not depend on the machine's time zone: run far from UTC.
        .env("TZ", "Pacific/Chatham")
        .env("AUTH_CONFORMANCE_ONLY", label)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut row = Row { label: label.to_string(), seconds: start.elapsed().as_secs_f64(), ..Row::default() };
    let tag = format!("[{label}] ");
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("test ").and_then(|l| l.strip_prefix(&tag)) else { continue };
        if rest.contains("hooks::") {
            row.hooks.1 += 1;
            row.hooks.0 += usize::from(rest.ends_with("... ok"));
        }
        if rest.ends_with("... ok") {
            row.passed += 1;
        } else if rest.ends_with("... FAILED") {
            row.failed += 1;
        } else if rest.ends_with("... ignored") {
            row.skipped += 1;
        }
    }
    row.skip_reason = stderr
        .lines()
        .find_map(|l| l.strip_prefix(&format!("conformance: {label} skipped (")))
        .map(|r| r.trim_end_matches(')').to_string());
    if let Some(i) = stdout.find("\nfailures:\n") {
        row.failures = stdout[i..].to_string();
    }
    if row.passed + row.failed + row.skipped == 0 {
        row.error = Some(format!("no case ran:\n{stdout}\n{stderr}"));
    }
    Ok(row)
}

fn print_matrix(rows: &[Row]) {
    println!();
    println!("{:<24} {:>7} {:>7} {:>8} {:>8} {:>8}", "adapter/backend", "passed", "failed", "skipped", "hooks", "time");
    println!("{}", "-".repeat(67));
    for r in rows {
        let hooks = format!("{}/{}", r.hooks.0, r.hooks.1);
        println!("{:<24} {:>7} {:>7} {:>8} {:>8} {:>7.1}s", r.label, r.passed, r.failed, r.skipped, hooks, r.seconds);
    }
    println!();
    for r in rows {
        if let Some(why) = &r.skip_reason {
            println!("{}: skipped ({why})", r.label);
        }
        if let Some(e) = &r.error {
            println!("{}: error: {e}", r.label);
        }
        if !r.failures.is_empty() {
            println!("{} failures:{}", r.label, r.failures);
        }
    }
    let (p, f, s) = rows.iter().fold((0, 0, 0), |(p, f, s), r| (p + r.passed, f + r.failed, s + r.skipped));
    println!("conformance: {p} passed, {f} failed, {s} skipped");
}
