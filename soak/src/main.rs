//! `auth-soak`: 64 concurrent tasks run a mixed auth workload (sign-up, sign-in, session lookups
//! and refreshes, verification values consumed by racing callers, expiry cleanup) on each
//! adapter × backend for a bounded time and iteration count; afterwards the database's counts
//! must equal what the tasks report they wrote. `cargo xtask soak` runs it.
//!
//! ```text
//! auth-soak [--backend rusqlite,diesel-sqlite,diesel-postgres,diesel-mysql,seaorm-sqlite,
//!                      seaorm-postgres,seaorm-mysql,mongo]
//!           [--secs 10] [--tasks 64] [--max-iterations 20000]
//! ```
//!
//! Servers come from `AUTH_TEST_POSTGRES_URL`, `AUTH_TEST_MYSQL_URL`, `AUTH_TEST_MONGODB_URL`
//! (the local defaults otherwise); each run uses a fresh schema / database, dropped afterwards.
//! An unreachable server is reported `skipped (why)`; with `CI=true` that fails. Exits non-zero
//! when a count differs, a value was consumed twice, or the tasks hang.

mod workload;

use std::process::ExitCode;
use std::time::Duration;

use auth_core::{AuthDb, Schema};
use auth_diesel::{ConnectionSetup, DieselBackend, PoolOptions};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use workload::{Plan, Report};

const ALL: &[&str] = &[
    "rusqlite",
    "diesel-sqlite",
    "diesel-postgres",
    "diesel-mysql",
    "seaorm-sqlite",
    "seaorm-postgres",
    "seaorm-mysql",
    "mongo",
];

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

/// Drops what [`open`] created when the run ends.
enum Cleanup {
    File(std::path::PathBuf),
    PgSchema(String, String),
    MysqlDb(String, String),
    MongoDb(auth_mongo::mongodb::Database),
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::File(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            Cleanup::PgSchema(url, schema) => {
                if let Ok(mut c) = diesel::PgConnection::establish(&url) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
                }
            }
            Cleanup::MysqlDb(url, db) => {
                if let Ok(mut c) = diesel::MysqlConnection::establish(&url) {
                    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS `{db}`"));
                }
            }
            Cleanup::MongoDb(db) => {
                let _ = tokio::time::timeout(Duration::from_secs(10), db.drop()).await;
            }
        }
    }
}

/// `url` with its database path replaced by `db`.
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A fresh, empty database with the auth tables for `backend`, sized for `tasks` callers.
/// `Err(reason)` when its server is unreachable.
async fn open(backend: &str, tasks: usize) -> Result<(AuthDb, Cleanup), String> {
    let tag = format!("auth_soak_{}", std::process::id());
    let schema = Schema::better_auth();
    let pool = |setup: ConnectionSetup| PoolOptions {
        max_size: 16.min(tasks.max(1) as u32),
        connection_timeout: Duration::from_secs(30),
        setup,
        ..PoolOptions::default()
    };
    let (db, cleanup) = match backend {
        "rusqlite" | "diesel-sqlite" => {
            let path = std::env::temp_dir().join(format!("{tag}_{backend}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let db = if backend == "rusqlite" {
                let backend = auth_rusqlite::SqliteBackend::open(&format!("file:{}", path.display()))
                    .map_err(|e| e.to_string())?;
                AuthDb::new(backend, schema).map_err(|e| e.to_string())?
            } else {
                let opts = pool(ConnectionSetup::default());
                let backend = DieselBackend::open_with(&path.to_string_lossy(), &opts).map_err(|e| e.to_string())?;
                AuthDb::new(backend, schema).map_err(|e| e.to_string())?
            };
            (db, Cleanup::File(path))
        }
        "diesel-postgres" => {
            let url = env_or("AUTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres");
            let mut c = diesel::PgConnection::establish(&url)
                .map_err(|e| format!("cannot connect to PostgreSQL at {url}: {e}: set AUTH_TEST_POSTGRES_URL"))?;
            c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{tag}\" CASCADE; CREATE SCHEMA \"{tag}\""))
                .map_err(|e| e.to_string())?;
            let opts = pool(ConnectionSetup::default().search_path(&tag));
            let backend = DieselBackend::open_with(&url, &opts).map_err(|e| e.to_string())?;
            (AuthDb::new(backend, schema).map_err(|e| e.to_string())?, Cleanup::PgSchema(url, tag))
        }
        "diesel-mysql" => {
            let url = env_or("AUTH_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql");
            let mut c = diesel::MysqlConnection::establish(&url)
                .map_err(|e| format!("cannot connect to MySQL at {url}: {e}: set AUTH_TEST_MYSQL_URL"))?;
            c.batch_execute(&format!("DROP DATABASE IF EXISTS `{tag}`; CREATE DATABASE `{tag}`"))
                .map_err(|e| e.to_string())?;
            let backend = DieselBackend::open_with(&with_db(&url, &tag), &pool(ConnectionSetup::default()))
                .map_err(|e| e.to_string())?;
            (AuthDb::new(backend, schema).map_err(|e| e.to_string())?, Cleanup::MysqlDb(url, tag))
        }
        "seaorm-sqlite" => {
            let path = std::env::temp_dir().join(format!("{tag}_{backend}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let opts = auth_seaorm::options(&format!("sqlite://{}", path.display()));
            let backend = auth_seaorm::SeaOrmBackend::open_with(opts).await.map_err(|e| e.to_string())?;
            (AuthDb::new(backend, schema).map_err(|e| e.to_string())?, Cleanup::File(path))
        }
        "seaorm-postgres" => {
            let url = env_or("AUTH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres");
            let mut c = diesel::PgConnection::establish(&url)
                .map_err(|e| format!("cannot connect to PostgreSQL at {url}: {e}: set AUTH_TEST_POSTGRES_URL"))?;
            let tag = format!("{tag}_sea");
            c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{tag}\" CASCADE; CREATE SCHEMA \"{tag}\""))
                .map_err(|e| e.to_string())?;
            let mut opts = auth_seaorm::options(&url);
            opts.max_connections(16).acquire_timeout(Duration::from_secs(30)).set_schema_search_path(tag.clone());
            let backend = auth_seaorm::SeaOrmBackend::open_with(opts).await.map_err(|e| e.to_string())?;
            (AuthDb::new(backend, schema).map_err(|e| e.to_string())?, Cleanup::PgSchema(url, tag))
        }
        "seaorm-mysql" => {
            let url = env_or("AUTH_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql");
            let mut c = diesel::MysqlConnection::establish(&url)
                .map_err(|e| format!("cannot connect to MySQL at {url}: {e}: set AUTH_TEST_MYSQL_URL"))?;
            let tag = format!("{tag}_sea");
            c.batch_execute(&format!("DROP DATABASE IF EXISTS `{tag}`; CREATE DATABASE `{tag}`"))
                .map_err(|e| e.to_string())?;
            let mut opts = auth_seaorm::options(&with_db(&url, &tag));
            opts.max_connections(16).acquire_timeout(Duration::from_secs(30));
            let backend = auth_seaorm::SeaOrmBackend::open_with(opts).await.map_err(|e| e.to_string())?;
            (AuthDb::new(backend, schema).map_err(|e| e.to_string())?, Cleanup::MysqlDb(url, tag))
        }
        "mongo" => {
            use auth_mongo::mongodb;
            let url = env_or("AUTH_TEST_MONGODB_URL", "mongodb://127.0.0.1:27017");
            let mut opts = mongodb::options::ClientOptions::parse(&url).await.map_err(|e| e.to_string())?;
            opts.server_selection_timeout = Some(Duration::from_secs(3));
            let client = mongodb::Client::with_options(opts).map_err(|e| e.to_string())?;
            client
                .database("admin")
                .run_command(mongodb::bson::doc! { "ping": 1 })
                .await
                .map_err(|e| format!("cannot connect to MongoDB at {url}: {e}: set AUTH_TEST_MONGODB_URL"))?;
            let handle = client.database(&tag);
            let _ = handle.drop().await;
            let backend = auth_mongo::MongoBackend::new(client, &tag);
            (AuthDb::new(backend, schema).map_err(|e| e.to_string())?, Cleanup::MongoDb(handle))
        }
        other => return Err(format!("unknown backend `{other}` (one of {})", ALL.join(", "))),
    };
    db.create_schema().await.map_err(|e| format!("creating the tables: {e}"))?;
    Ok((db, cleanup))
}

struct Args {
    backends: Vec<String>,
    plan: Plan,
}

fn parse() -> Result<Args, String> {
    let mut backends: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
    let mut plan = Plan { tasks: 64, duration: Duration::from_secs(10), max_iterations: 20_000 };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--backend" => backends = value()?.split(',').map(str::to_string).collect(),
            "--secs" => plan.duration = Duration::from_secs_f64(value()?.parse().map_err(|e| format!("--secs: {e}"))?),
            "--tasks" => plan.tasks = value()?.parse().map_err(|e| format!("--tasks: {e}"))?,
            "--max-iterations" => plan.max_iterations = value()?.parse().map_err(|e| format!("--max-iterations: {e}"))?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args { backends, plan })
}

fn line(backend: &str, r: &Report) -> String {
    let t = &r.tally;
    let secs = r.elapsed.as_secs_f64();
    format!(
        "| {backend} | {} | {:.0} | {} | {} | {} | {} | {} | {}/{}/{} | {}/{}/{} | {} |",
        t.operations,
        t.operations as f64 / secs,
        t.errors,
        t.users,
        t.sessions,
        t.consumed,
        t.sessions_deleted + t.verifications_deleted,
        r.counted[0],
        r.counted[1],
        r.counted[2],
        r.expected[0],
        r.expected[1],
        r.expected[2],
        if r.held() { "held" } else { "FAILED" },
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("auth-soak: {e}\nusage: auth-soak [--backend {}] [--secs N] [--tasks N] [--max-iterations N]", ALL.join(","));
            return ExitCode::from(2);
        }
    };
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let plan = &args.plan;
    println!(
        "soak: {} tasks, {:?} per backend, at most {} iterations per task\n",
        plan.tasks, plan.duration, plan.max_iterations
    );
    let mut lines = Vec::new();
    let mut failed = false;
    for backend in &args.backends {
        let (db, cleanup) = match open(backend, plan.tasks).await {
            Ok(x) => x,
            Err(why) => {
                println!("{backend}: skipped ({why})");
                lines.push(format!("| {backend} | skipped | | | | | | | | | {why} |"));
                failed |= ci;
                continue;
            }
        };
        let result = workload::run(db, plan, Duration::from_secs(60)).await;
        cleanup.run().await;
        match result {
            Ok(r) => {
                println!(
                    "{backend}: {} operations in {:.1} s ({:.0}/s), {} errors; users {} sessions {} (−{} expired) verifications {} (consumed {}, −{} expired); counted {:?}, expected {:?}: {}",
                    r.tally.operations,
                    r.elapsed.as_secs_f64(),
                    r.tally.operations as f64 / r.elapsed.as_secs_f64(),
                    r.tally.errors,
                    r.tally.users,
                    r.tally.sessions,
                    r.tally.sessions_deleted,
                    r.tally.verifications,
                    r.tally.consumed,
                    r.tally.verifications_deleted,
                    r.counted,
                    r.expected,
                    if r.held() { "held" } else { "FAILED" }
                );
                for (kind, msg) in &r.tally.error_samples {
                    println!("  error {kind}: {msg}");
                }
                for a in &r.tally.anomaly_samples {
                    println!("  anomaly: {a}");
                }
                failed |= !r.held();
                lines.push(line(backend, &r));
            }
            Err(e) => {
                println!("{backend}: FAILED: {e}");
                lines.push(format!("| {backend} | FAILED | | | | | | | | | {e} |"));
                failed = true;
            }
        }
    }
    println!(
        "\n| backend | operations | ops/s | errors | users | sessions | consumed | expired deleted | counted u/s/v | expected u/s/v | result |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for l in lines {
        println!("{l}");
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
