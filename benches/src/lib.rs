//! `auth-bench`: every adapter × backend it can reach, timed against the same operations
//! written by hand on the raw driver in the same process, printed as one table.
//!
//! Run through `cargo xtask bench` (or `cargo bench -p auth-bench -- [flags]`). Flags:
//! `--rows a,b` (`rusqlite/sqlite`, `diesel/sqlite`, `diesel/postgres`, `diesel-noping/postgres`,
//! `diesel-async/postgres`, `diesel/mysql`, `diesel-async/mysql`, `seaorm/sqlite`,
//! `seaorm/postgres`, `seaorm/mysql`, `mongo/mongodb`; the diesel-async rows need the `async`
//! feature), `--quick` (fewer samples), `--no-scale` (skip the 1k→1M
//! flatness run), `--scale 1000,10000,...`, `--scale-only`, `--users N`, `--sessions N`,
//! `--out DIR`, `--no-round-trips`, `--redis-only` (per row only the session lookup through
//! Redis, `AUTH_TEST_REDIS_URL`). Every row also times the session lookup with sessions in Redis
//! (secondary storage) against its own database lookup. Unreachable servers give
//! `skipped (why, env var)` lines.

pub mod diesel_raw;
pub mod harness;
pub mod mongo_raw;
pub mod raw;
pub mod rusqlite_raw;
pub mod seaorm_raw;

use std::time::{Duration, Instant};

use auth_core::{Adapter, AuthDb, AuthStore, Direction, NewSession, NewUser, Query, Schema, Where};
use chrono::Utc;
use diesel::Connection as _;

use harness::{Line, Plan, pair};
use raw::{Raw, email, token};

/// What to run, from the command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Rows to run (`None`: all).
    pub rows: Option<Vec<String>>,
    /// Users seeded per row.
    pub users: usize,
    /// Live sessions seeded per row (plus 10% expired ones for the delete benchmark).
    pub sessions: usize,
    /// Session-table sizes of the flatness run (empty: skipped).
    pub scale: Vec<usize>,
    /// Fewer samples.
    pub quick: bool,
    /// Only the flatness run (no per-operation rows).
    pub scale_only: bool,
    /// Measure PostgreSQL round trips per session lookup (waits for the statistics collector).
    pub round_trips: bool,
    /// Where the CSV of the flatness run goes.
    pub out_dir: std::path::PathBuf,
    /// Per row, only the session lookup through Redis (against the database's).
    pub redis_only: bool,
}

impl Config {
    /// Parses the bench binary's arguments (unknown ones, like cargo's `--bench`, are ignored).
    pub fn from_args(args: &[String]) -> Config {
        let get = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
        let list = |s: String| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect::<Vec<_>>();
        let num = |s: &str| s.replace('_', "").parse::<usize>().ok();
        let quick = args.iter().any(|a| a == "--quick");
        let mut scale = get("--scale").map(|s| list(s).iter().filter_map(|x| num(x)).collect()).unwrap_or_else(|| {
            vec![1_000, 10_000, 100_000, 1_000_000]
        });
        if args.iter().any(|a| a == "--no-scale") {
            scale.clear();
        }
        Config {
            rows: get("--rows").map(list),
            users: get("--users").and_then(|s| num(&s)).unwrap_or(10_000),
            sessions: get("--sessions").and_then(|s| num(&s)).unwrap_or(90_000),
            scale,
            quick,
            scale_only: args.iter().any(|a| a == "--scale-only"),
            round_trips: !args.iter().any(|a| a == "--no-round-trips") && !args.iter().any(|a| a == "--redis-only"),
            redis_only: args.iter().any(|a| a == "--redis-only"),
            out_dir: get("--out")
                .map(Into::into)
                .unwrap_or_else(|| std::env::temp_dir().join("auth-bench")),
        }
    }

    fn wants(&self, row: &str) -> bool {
        self.rows_wanted(row) && !self.scale_only
    }

    fn rows_wanted(&self, row: &str) -> bool {
        self.rows.as_ref().is_none_or(|r| r.iter().any(|x| x == row || row.starts_with(&format!("{x}/"))))
    }

    fn plan(&self, embedded: bool) -> Plan {
        match (embedded, self.quick) {
            (true, false) => Plan { samples: 41, batch: 50, warmup: 50 },
            (true, true) => Plan { samples: 11, batch: 50, warmup: 20 },
            (false, false) => Plan { samples: 41, batch: 10, warmup: 20 },
            (false, true) => Plan { samples: 11, batch: 10, warmup: 5 },
        }
    }
}

/// The operations, in table order.
pub const OPS: &[&str] = &[
    "create user",
    "find user by email",
    "create session",
    "find session by token (+user)",
    "update session",
    "list user's sessions",
    "consume verification",
    "find_many where+sort+limit",
    "delete expired (10k of 100k)",
];

fn pg_url() -> String {
    std::env::var("AUTH_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/auth_test".into())
}

fn mysql_url() -> String {
    std::env::var("AUTH_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/auth_test".into())
}

fn mongo_url() -> String {
    std::env::var("AUTH_TEST_MONGODB_URL").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into())
}

/// `url` with its database name replaced.
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Drops and creates PostgreSQL database `name`; returns its URL.
fn fresh_pg(name: &str) -> Result<String, String> {
    let admin = with_db(&pg_url(), "postgres");
    let mut c = diesel::PgConnection::establish(&admin).map_err(|e| format!("{e}"))?;
    use diesel::connection::SimpleConnection;
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).map_err(|e| format!("{e}"))?;
    c.batch_execute(&format!("CREATE DATABASE {name}")).map_err(|e| format!("{e}"))?;
    Ok(with_db(&pg_url(), name))
}

/// Drops and creates MySQL database `name`; returns its URL.
fn fresh_mysql(name: &str) -> Result<String, String> {
    let mut c = diesel::MysqlConnection::establish(&with_db(&mysql_url(), "mysql")).map_err(|e| format!("{e}"))?;
    use diesel::connection::SimpleConnection;
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).map_err(|e| format!("{e}"))?;
    c.batch_execute(&format!("CREATE DATABASE {name}")).map_err(|e| format!("{e}"))?;
    Ok(with_db(&mysql_url(), name))
}

fn skipped(lines: &mut Vec<Line>, row: &str, why: String) {
    let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
    eprintln!("{row}: skipped ({why})");
    lines.push(Line { op: "all".into(), row: row.into(), adapter_ns: None, baseline_ns: None, note: format!("skipped ({why})") });
}

/// Runs everything `cfg` asks for and prints the table.
pub fn run(cfg: &Config) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    std::fs::create_dir_all(&cfg.out_dir).expect("out dir");
    let dir = cfg.out_dir.join(format!("db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let started = Instant::now();
    let mut lines = Vec::new();
    let schema = Schema::better_auth();
    let redis = rt.block_on(auth_redis::RedisStorage::connect(&redis_url()));
    let _ = REDIS.set(redis.map_err(|e| format!("{e}; set AUTH_TEST_REDIS_URL")));

    if cfg.wants("rusqlite/sqlite") {
        rt.block_on(async {
            let path = dir.join("rusqlite.db").display().to_string();
            let db = auth_rusqlite::connect(&format!("file:{path}"), schema.clone()).await.expect("rusqlite adapter");
            let mut raw = rusqlite_raw::RusqliteRaw::open(&path);
            let conn = raw.conn.clone();
            let plan = cfg.plan(true);
            bench_row("rusqlite/sqlite", "rusqlite, prepare_cached, direct call", &db, &mut raw, cfg, plan, &mut lines).await;
            if cfg.redis_only {
                return;
            }
            // The hop the adapter pays on every call, measured alone.
            let s = cfg.sessions;
            let (hop, direct) = pair(
                plan,
                async |i| {
                    let c = conn.clone();
                    let t = token(i * 7919 % s);
                    tokio::task::spawn_blocking(move || {
                        rusqlite_raw::RusqliteRaw::find_session_sync(&c.lock().expect("mutex"), &t)
                    })
                    .await
                    .expect("join");
                },
                async |i| {
                    rusqlite_raw::RusqliteRaw::find_session_sync(&conn.lock().expect("mutex"), &token(i * 7919 % s));
                },
            )
            .await;
            lines.push(Line {
                op: "find session by token (+user)".into(),
                row: "raw rusqlite in spawn_blocking".into(),
                adapter_ns: Some(hop),
                baseline_ns: Some(direct),
                note: "the baseline query run through one spawn_blocking hop, vs direct".into(),
            });
            // The same lookup over a hot set of 1,000 sessions (pages cached), as a busy site
            // sees its active sessions, against the table-wide spread of the main line.
            let (a, b) = lookup_pair(&db, &mut raw, s.min(1_000), plan).await;
            lines.push(Line {
                op: "find session by token, hot set of 1,000".into(),
                row: "rusqlite/sqlite".into(),
                adapter_ns: Some(a),
                baseline_ns: Some(b),
                note: "rusqlite, prepare_cached, direct call".into(),
            });
            concurrency("rusqlite/sqlite", &db, cfg, &mut lines).await;
        });
    }

    if cfg.wants("diesel/sqlite") {
        rt.block_on(async {
            let path = dir.join("diesel.db").display().to_string();
            let db = auth_diesel::connect(&path, schema.clone()).await.expect("diesel sqlite adapter");
            let mut conn = diesel::SqliteConnection::establish(&path).expect("diesel sqlite connection");
            use diesel::connection::SimpleConnection;
            conn.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;")
                .expect("pragmas");
            let mut raw = diesel_raw::DieselSqliteRaw { conn };
            bench_row("diesel/sqlite", "diesel DSL, own connection", &db, &mut raw, cfg, cfg.plan(true), &mut lines).await;
            concurrency("diesel/sqlite", &db, cfg, &mut lines).await;
        });
    }

    let pg_rows = ["diesel/postgres", "diesel-noping/postgres", "diesel-async/postgres"];
    if pg_rows.iter().any(|r| cfg.wants(r)) {
        match fresh_pg("auth_bench") {
            Err(e) => {
                for r in pg_rows.into_iter().filter(|r| cfg.wants(r)) {
                    skipped(&mut lines, r, format!("PostgreSQL unreachable: {e}; set AUTH_TEST_POSTGRES_URL"));
                }
            }
            Ok(url) => rt.block_on(async {
                let db = auth_diesel::connect(&url, schema.clone()).await.expect("diesel pg adapter");
                let conn = diesel::PgConnection::establish(&url).expect("pg connection");
                let mut raw = diesel_raw::DieselPgRaw { conn };
                let plan = cfg.plan(false);
                // The same database through a pool that does not ping on checkout.
                let pool = diesel::r2d2::Pool::builder()
                    .max_size(10)
                    .test_on_check_out(false)
                    .build(diesel::r2d2::ConnectionManager::<diesel::PgConnection>::new(&url))
                    .expect("pg pool");
                let noping =
                    AuthDb::new(auth_diesel::DieselBackend::from_pg_pool(pool), schema.clone()).expect("adapter");
                if cfg.wants("diesel/postgres") {
                    bench_row("diesel/postgres", "diesel DSL, own connection", &db, &mut raw, cfg, plan, &mut lines).await;
                }
                if !cfg.wants("diesel/postgres") {
                    seed(&mut raw, cfg, plan).await;
                }
                if cfg.wants("diesel-noping/postgres") {
                    ops_row("diesel-noping/postgres", "diesel DSL, own connection", &noping, &mut raw, cfg, plan, &mut lines)
                        .await;
                }
                #[cfg(feature = "async")]
                let async_db = {
                    use auth_diesel::diesel_async::AsyncPgConnection;
                    use auth_diesel::diesel_async::pooled_connection::AsyncDieselConnectionManager;
                    use auth_diesel::diesel_async::pooled_connection::deadpool::Pool;
                    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(&url);
                    let pool = Pool::builder(manager).max_size(10).build().expect("async pool");
                    AuthDb::new(auth_diesel::DieselBackend::from_async_pg_pool(pool), schema.clone()).expect("adapter")
                };
                #[cfg(feature = "async")]
                if cfg.wants("diesel-async/postgres") {
                    let note = "diesel DSL (sync), own connection";
                    ops_row("diesel-async/postgres", note, &async_db, &mut raw, cfg, plan, &mut lines).await;
                }
                if cfg.redis_only {
                    return;
                }
                // The hop an async application on sync diesel pays, measured alone.
                let hop_raw = std::sync::Arc::new(std::sync::Mutex::new(diesel_raw::DieselPgRaw {
                    conn: diesel::PgConnection::establish(&url).expect("pg connection"),
                }));
                let s = cfg.sessions;
                let (hop, direct) = pair(
                    plan,
                    async |i| {
                        let r = hop_raw.clone();
                        let t = token(i * 7919 % s);
                        let handle = tokio::runtime::Handle::current();
                        let found = tokio::task::spawn_blocking(move || {
                            handle.block_on(r.lock().expect("mutex").find_session(&t))
                        })
                        .await
                        .expect("join");
                        assert!(found);
                    },
                    async |i| {
                        assert!(raw.find_session(&token(i * 7919 % s)).await);
                    },
                )
                .await;
                lines.push(Line {
                    op: "find session by token (+user)".into(),
                    row: "raw diesel/postgres in spawn_blocking".into(),
                    adapter_ns: Some(hop),
                    baseline_ns: Some(direct),
                    note: "the baseline query run through one spawn_blocking hop, vs direct".into(),
                });
                #[allow(unused_mut)]
                let mut dbs = vec![("diesel/postgres", &db), ("diesel-noping/postgres", &noping)];
                #[cfg(feature = "async")]
                dbs.push(("diesel-async/postgres", &async_db));
                if cfg.round_trips {
                    round_trips(&mut raw, &dbs, cfg, &mut lines).await;
                }
                for (row, db) in &dbs {
                    concurrency(row, db, cfg, &mut lines).await;
                }
                if !cfg.redis_only {
                    explain_pg(&mut raw, &noping, cfg).await;
                }
            }),
        }
    }

    let mysql_rows = ["diesel/mysql", "diesel-async/mysql"];
    if mysql_rows.iter().any(|r| cfg.wants(r)) {
        match fresh_mysql("auth_bench") {
            Err(e) => {
                for r in mysql_rows.into_iter().filter(|r| cfg.wants(r)) {
                    skipped(&mut lines, r, format!("MySQL unreachable: {e}; set AUTH_TEST_MYSQL_URL"));
                }
            }
            Ok(url) => rt.block_on(async {
                let db = auth_diesel::connect(&url, schema.clone()).await.expect("diesel mysql adapter");
                let mut conn = diesel::MysqlConnection::establish(&url).expect("mysql connection");
                use diesel::connection::SimpleConnection;
                conn.batch_execute("SET time_zone = '+00:00'").expect("time zone");
                // Seeding uses recursive CTEs: lift MariaDB's (or MySQL's) recursion limit.
                let _ = conn.batch_execute("SET SESSION max_recursive_iterations = 100000000");
                let _ = conn.batch_execute("SET SESSION cte_max_recursion_depth = 100000000");
                let mut raw = diesel_raw::DieselMysqlRaw { conn };
                let plan = cfg.plan(false);
                seed(&mut raw, cfg, plan).await;
                if cfg.wants("diesel/mysql") {
                    ops_row("diesel/mysql", "diesel DSL, own connection", &db, &mut raw, cfg, plan, &mut lines).await;
                    concurrency("diesel/mysql", &db, cfg, &mut lines).await;
                }
                #[cfg(feature = "async")]
                if cfg.wants("diesel-async/mysql") {
                    use auth_diesel::diesel_async::pooled_connection::deadpool::Pool;
                    let pool = Pool::builder(auth_diesel::async_mysql_manager(&url)).max_size(10).build().expect("pool");
                    let db = AuthDb::new(auth_diesel::DieselBackend::from_async_mysql_pool(pool), schema.clone())
                        .expect("adapter");
                    let note = "diesel DSL (sync), own connection";
                    ops_row("diesel-async/mysql", note, &db, &mut raw, cfg, plan, &mut lines).await;
                    concurrency("diesel-async/mysql", &db, cfg, &mut lines).await;
                }
            }),
        }
    }

    for (backend, embedded) in [("sqlite", true), ("postgres", false), ("mysql", false)] {
        let row = format!("seaorm/{backend}");
        if !cfg.wants(&row) {
            continue;
        }
        let url = match backend {
            "sqlite" => Ok(format!("sqlite://{}", dir.join("seaorm.db").display())),
            "postgres" => fresh_pg("auth_bench_seaorm").map_err(|e| format!("PostgreSQL unreachable: {e}; set AUTH_TEST_POSTGRES_URL")),
            _ => fresh_mysql("auth_bench_seaorm").map_err(|e| format!("MySQL unreachable: {e}; set AUTH_TEST_MYSQL_URL")),
        };
        match url {
            Err(e) => skipped(&mut lines, &row, e),
            Ok(url) => rt.block_on(async {
                let db = auth_seaorm::connect(&url, schema.clone()).await.expect("seaorm adapter");
                let mut one = auth_seaorm::options(&url);
                one.max_connections(1).min_connections(1);
                let conn = sea_orm::Database::connect(one).await.expect("seaorm connection");
                let mut raw = seaorm_raw::SeaOrmRaw::new(conn).await;
                let note = "SeaORM raw statements, own connection";
                bench_row(&row, note, &db, &mut raw, cfg, cfg.plan(embedded), &mut lines).await;
                if backend == "postgres" && cfg.round_trips {
                    let conn = diesel::PgConnection::establish(&url).expect("pg connection");
                    round_trips(&mut diesel_raw::DieselPgRaw { conn }, &[(row.as_str(), &db)], cfg, &mut lines).await;
                }
                concurrency(&row, &db, cfg, &mut lines).await;
            }),
        }
    }

    if cfg.wants("mongo/mongodb") {
        rt.block_on(async {
            let url = mongo_url();
            let client = async {
                let c = mongodb::Client::with_uri_str(&url).await.map_err(|e| e.to_string())?;
                tokio::time::timeout(Duration::from_secs(5), c.database("admin").run_command(mongodb::bson::doc! {"ping": 1}))
                    .await
                    .map_err(|_| "no answer in 5 s".to_string())?
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(c)
            }
            .await;
            match client {
                Err(e) => skipped(&mut lines, "mongo/mongodb", format!("MongoDB unreachable: {e}; set AUTH_TEST_MONGODB_URL")),
                Ok(client) => {
                    client.database("auth_bench").drop().await.expect("drop bench database");
                    let db = auth_mongo::from_client(client.clone(), "auth_bench", schema.clone()).await.expect("mongo adapter");
                    let mut raw = mongo_raw::MongoRaw::new(&client.database("auth_bench"));
                    bench_row("mongo/mongodb", "mongodb driver", &db, &mut raw, cfg, cfg.plan(false), &mut lines).await;
                    concurrency("mongo/mongodb", &db, cfg, &mut lines).await;
                }
            }
        });
    }

    if !lines.is_empty() {
        harness::print_table(&lines);
    }

    if !cfg.scale.is_empty() && !cfg.redis_only {
        let mut points = Vec::new();
        rt.block_on(scale(cfg, &dir, &mut points));
        print_scale(cfg, &points);
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("auth-bench: done in {:.0} s", started.elapsed().as_secs_f64());
}

async fn seed<R: Raw>(raw: &mut R, cfg: &Config, _plan: Plan) {
    let t = Instant::now();
    raw.seed_users(0, cfg.users).await;
    raw.seed_sessions(0, cfg.sessions, cfg.users).await;
    raw.analyze().await;
    eprintln!("  seeded {} users, {} sessions in {:.1} s", cfg.users, cfg.sessions, t.elapsed().as_secs_f64());
}

#[allow(clippy::too_many_arguments)]
async fn bench_row<R: Raw>(
    row: &str,
    baseline: &str,
    db: &AuthDb,
    raw: &mut R,
    cfg: &Config,
    plan: Plan,
    lines: &mut Vec<Line>,
) {
    eprintln!("{row}: seeding");
    seed(raw, cfg, plan).await;
    ops_row(row, baseline, db, raw, cfg, plan, lines).await;
}

/// Every operation of one row: the adapter against the baseline, in alternating batches.
#[allow(clippy::too_many_arguments)]
async fn ops_row<R: Raw>(
    row: &str,
    baseline: &str,
    db: &AuthDb,
    raw: &mut R,
    cfg: &Config,
    plan: Plan,
    lines: &mut Vec<Line>,
) {
    let (u, s) = (cfg.users, cfg.sessions);
    let tag: String = row.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut push = |op: &str, (a, b): (f64, f64)| {
        eprintln!("  {row} {op}: {} vs {}", harness::human(a), harness::human(b));
        lines.push(Line { op: op.into(), row: row.into(), adapter_ns: Some(a), baseline_ns: Some(b), note: baseline.into() });
    };
    let week = || Utc::now() + chrono::Duration::days(7);
    let uids: Vec<String> = (0..u).map(|i| raw.user_id(i)).collect();
    let uids = &uids;
    if cfg.redis_only {
        return redis_lookup(row, db, uids, cfg, plan, lines).await;
    }
    raw.seed_verifications(&format!("a{tag}"), plan.total()).await;
    raw.seed_verifications(&format!("r{tag}"), plan.total()).await;
    raw.analyze().await;

    let r = pair(
        plan,
        async |i| {
            db.create_user(NewUser::new("Bench", &format!("a{tag}{i}@new.test"))).await.expect("create user");
        },
        async |i| {
            raw.create_user("Bench", &format!("r{tag}{i}@new.test"), Utc::now()).await;
        },
    )
    .await;
    push(OPS[0], r);

    let r = pair(
        plan,
        async |i| {
            let found = db.find_user_by_email(&email(i * 7919 % u)).await.expect("find user");
            assert!(found.is_some());
        },
        async |i| {
            assert!(raw.find_user_by_email(&email(i * 7919 % u)).await);
        },
    )
    .await;
    push(OPS[1], r);

    let r = pair(
        plan,
        async |i| {
            db.create_session(NewSession::new(&uids[i % u], week())).await.expect("create session");
        },
        async |i| {
            raw
                .create_session(&uids[i % u], &auth_core::id::random_id(), week(), Utc::now())
                .await;
        },
    )
    .await;
    push(OPS[2], r);

    let r = pair(
        plan,
        async |i| {
            let found = db.find_session(&token(i * 7919 % s)).await.expect("find session");
            assert!(found.is_some());
        },
        async |i| {
            assert!(raw.find_session(&token(i * 7919 % s)).await);
        },
    )
    .await;
    push(OPS[3], r);

    let r = pair(
        plan,
        async |i| {
            let changes = auth_core::row! { "expiresAt" => week() };
            let found = db.update_session(&token((i * 7919 + 1) % s), changes).await.expect("update session");
            assert!(found.is_some());
        },
        async |i| {
            assert!(raw.update_session(&token((i * 7919 + 1) % s), week(), Utc::now()).await);
        },
    )
    .await;
    push(OPS[4], r);

    let r = pair(
        plan,
        async |i| {
            let n = db.list_sessions(&uids[i * 31 % u]).await.expect("list sessions").len();
            assert!(n > 0);
        },
        async |i| {
            assert!(raw.list_sessions(&uids[i * 31 % u]).await > 0);
        },
    )
    .await;
    push(OPS[5], r);

    let r = pair(
        plan,
        async |i| {
            let v = db.consume_verification(&format!("a{tag}{i}"), &format!("val{i}"), Utc::now()).await.expect("consume");
            assert!(v.is_some(), "verification a{tag}{i} missing");
        },
        async |i| {
            assert!(raw.consume_verification(&format!("r{tag}{i}"), &format!("val{i}"), Utc::now()).await);
        },
    )
    .await;
    push(OPS[6], r);

    let r = pair(
        plan,
        async |i| {
            let q = Query::filter(vec![Where::eq("userId", uids[i * 31 % u].as_str()), Where::gt("expiresAt", Utc::now())])
                .sort_by("expiresAt", Direction::Desc)
                .limit(5);
            let n = db.find_many("session", &q).await.expect("find many").len();
            assert!(n > 0);
        },
        async |i| {
            assert!(raw.find_many(&uids[i * 31 % u], Utc::now()).await > 0);
        },
    )
    .await;
    push(OPS[7], r);

    // 10k expired sessions among ~100k, a fresh batch before every timed delete.
    let expired = (s / 9).max(1);
    let rounds = if cfg.quick { 2 } else { 3 };
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for k in 0..rounds {
        raw.seed_expired(&format!("{tag}a{k}"), expired, u).await;
        let t = Instant::now();
        let n = db.delete_expired_sessions(Utc::now()).await.expect("delete expired");
        ta.push(t.elapsed().as_nanos() as f64);
        assert_eq!(n as usize, expired);
        raw.seed_expired(&format!("{tag}r{k}"), expired, u).await;
        let t = Instant::now();
        let n = raw.delete_expired(Utc::now()).await;
        tb.push(t.elapsed().as_nanos() as f64);
        assert_eq!(n as usize, expired);
    }
    push(OPS[8], (harness::median(&mut ta), harness::median(&mut tb)));
    redis_lookup(row, db, uids, cfg, plan, lines).await;
}

/// Redis for the secondary-storage lines, connected once per run (`None`: unreachable).
static REDIS: std::sync::OnceLock<Result<auth_redis::RedisStorage, String>> = std::sync::OnceLock::new();

fn redis_url() -> String {
    std::env::var("AUTH_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// The session lookup with sessions in Redis (Better Auth's secondary storage, sessions there
/// only) against the same adapter's lookup in its database, over 1,000 sessions each.
async fn redis_lookup(row: &str, db: &AuthDb, uids: &[String], cfg: &Config, plan: Plan, lines: &mut Vec<Line>) {
    let op = "find session by token (+user), via Redis";
    let redis = match REDIS.get() {
        Some(Ok(r)) => r.clone(),
        Some(Err(why)) => return skipped(lines, &format!("{row} via Redis"), why.clone()),
        None => return,
    };
    let prefix = format!("auth-bench-{}-{}:", std::process::id(), row.replace('/', "-"));
    let cached = db
        .clone()
        .with_secondary_storage(auth_core::SecondaryConfig::new(std::sync::Arc::new(redis.with_key_prefix(prefix))));
    let n = 1_000.min(cfg.sessions);
    let expires = Utc::now() + chrono::Duration::minutes(30);
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let s = cached.create_session(NewSession::new(&uids[i % uids.len()], expires)).await.expect("session in Redis");
        tokens.push(s.token);
    }
    let r = pair(
        plan,
        async |i| {
            assert!(cached.find_session(&tokens[i * 7919 % n]).await.expect("find via Redis").is_some());
        },
        async |i| {
            assert!(db.find_session(&token(i * 7919 % n)).await.expect("find session").is_some());
        },
    )
    .await;
    eprintln!("  {row} {op}: {} vs {}", harness::human(r.0), harness::human(r.1));
    lines.push(Line {
        op: op.into(),
        row: row.into(),
        adapter_ns: Some(r.0),
        baseline_ns: Some(r.1),
        note: "baseline: the same adapter's lookup in its database (hot set of 1,000)".into(),
    });
}

/// Session lookups from 8 and 64 concurrent tasks on one adapter (one pool): throughput.
async fn concurrency(row: &str, db: &AuthDb, cfg: &Config, lines: &mut Vec<Line>) {
    if cfg.redis_only {
        return;
    }
    let sessions = cfg.sessions;
    for tasks in [8usize, 64] {
        let per_task = 4_000 / tasks;
        let run = async || {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|t| {
                    let db = db.clone();
                    tokio::spawn(async move {
                        for j in 0..per_task {
                            let k = (t * per_task + j) * 7919 % sessions;
                            db.find_session(&token(k)).await.expect("find session").expect("exists");
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.expect("task");
            }
            start.elapsed().as_nanos() as f64 / (tasks * per_task) as f64
        };
        run().await; // warm the pool
        let mut v = vec![run().await, run().await, run().await];
        let ns = harness::median(&mut v);
        eprintln!("  {row} {tasks} tasks: {:.0} lookups/s", 1e9 / ns);
        lines.push(Line {
            op: format!("find session, {tasks} concurrent tasks"),
            row: row.into(),
            adapter_ns: Some(ns),
            baseline_ns: None,
            note: format!("wall time / lookups over {} lookups (throughput column is what counts)", tasks * per_task),
        });
    }
}

fn pg_counter(raw: &mut diesel_raw::DieselPgRaw) -> i64 {
    use diesel::RunQueryDsl;
    use diesel::dsl::sql;
    diesel::select(sql::<diesel::sql_types::BigInt>(
        "(SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database())",
    ))
    .get_result(&mut raw.conn)
    .expect("pg_stat_database")
}

/// Statements (transactions, each autocommit statement being one) per session lookup, read
/// from `pg_stat_database`: idle backends report their counters within 10 s.
async fn round_trips(raw: &mut diesel_raw::DieselPgRaw, dbs: &[(&str, &AuthDb)], cfg: &Config, lines: &mut Vec<Line>) {
    const N: usize = 500;
    tokio::time::sleep(Duration::from_secs(11)).await;
    let mut before = pg_counter(raw);
    for (row, db) in dbs {
        for i in 0..N {
            db.find_session(&token(i * 7919 % cfg.sessions)).await.expect("find").expect("exists");
        }
        tokio::time::sleep(Duration::from_secs(11)).await;
        let after = pg_counter(raw);
        // One of the difference is our own counter query.
        let per = (after - before - 1) as f64 / N as f64;
        eprintln!("  {row}: {per:.2} statements per session lookup");
        lines.push(Line {
            op: "statements per session lookup".into(),
            row: (*row).into(),
            adapter_ns: None,
            baseline_ns: None,
            note: format!("{per:.2} (pg_stat_database transactions / {N} lookups)"),
        });
        before = after;
    }
}

/// `EXPLAIN` of the adapter's own find-by-token statement on PostgreSQL, read back from
/// `pg_stat_activity` (the last statement of the pool connection that ran it).
async fn explain_pg(raw: &mut diesel_raw::DieselPgRaw, db: &AuthDb, cfg: &Config) {
    use diesel::RunQueryDsl;
    db.find_session(&token(cfg.sessions / 2)).await.expect("find").expect("exists");
    #[derive(diesel::QueryableByName)]
    struct Q {
        #[diesel(sql_type = diesel::sql_types::Text)]
        query: String,
    }
    #[derive(diesel::QueryableByName)]
    struct P {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let q: Vec<Q> = diesel::sql_query(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%\"token\" = $1%'",
    )
    .load(&mut raw.conn)
    .expect("pg_stat_activity");
    let Some(stmt) = q.first().map(|q| q.query.clone()) else {
        eprintln!("EXPLAIN: the adapter's statement was not found in pg_stat_activity");
        return;
    };
    let literal = format!("'{}'", token(cfg.sessions / 2));
    let plan: Vec<P> = diesel::sql_query(format!("EXPLAIN ANALYZE {}", stmt.replace("$1", &literal)))
        .load(&mut raw.conn)
        .expect("explain");
    let text = format!(
        "-- the adapter's statement (from pg_stat_activity), $1 = {literal}\n{stmt}\n\nEXPLAIN ANALYZE:\n{}\n",
        plan.iter().map(|p| p.line.as_str()).collect::<Vec<_>>().join("\n")
    );
    println!("\nPostgreSQL, {} sessions:\n{text}", cfg.sessions);
    let _ = std::fs::write(cfg.out_dir.join("explain-postgres.txt"), &text);
    // The same builder emits the same statement on SQLite with `?1` placeholders.
    let _ = std::fs::write(cfg.out_dir.join("adapter-find-session.sql"), &stmt);
}

/// One point of the flatness run.
#[derive(Debug, Clone)]
pub struct Point {
    /// The adapter/backend row.
    pub row: &'static str,
    /// Sessions in the table.
    pub sessions: usize,
    /// Adapter median per lookup (ns).
    pub adapter_ns: f64,
    /// Raw-driver median per lookup (ns).
    pub raw_ns: f64,
}

/// Find-by-token time against session-table size on every backend: SQLite (rusqlite),
/// PostgreSQL and MySQL (diesel, on a pool without the checkout ping, so only the lookup is
/// compared), MongoDB. Each size is a database of its own (1,000 users), and the sizes are
/// timed in turn, round after round, so a change in the machine's state hits every size alike.
async fn scale(cfg: &Config, dir: &std::path::Path, points: &mut Vec<Point>) {
    let schema = Schema::better_auth();
    let mut sizes = cfg.scale.clone();
    sizes.sort_unstable();
    let plan = if cfg.quick { Plan { samples: 11, batch: 50, warmup: 20 } } else { Plan { samples: 41, batch: 50, warmup: 50 } };
    let server_plan =
        if cfg.quick { Plan { samples: 11, batch: 10, warmup: 5 } } else { Plan { samples: 21, batch: 10, warmup: 20 } };

    if cfg.rows_wanted("rusqlite/sqlite") {
        let mut sets = Vec::new();
        for &n in &sizes {
            let path = dir.join(format!("scale-{n}.db")).display().to_string();
            let db = auth_rusqlite::connect(&format!("file:{path}"), schema.clone()).await.expect("adapter");
            sets.push((n, db, rusqlite_raw::RusqliteRaw::open(&path)));
        }
        scale_rows("rusqlite/sqlite", &mut sets, plan, cfg.quick, points).await;
        if let Some((n, _, raw)) = sets.last() {
            let stmt = std::fs::read_to_string(cfg.out_dir.join("adapter-find-session.sql"))
                .ok()
                .map(|s| s.replace("$1", "?1"));
            let mut text = format!(
                "-- baseline statement\n{}\nEXPLAIN QUERY PLAN:\n{}\n",
                rusqlite_raw::FIND_SESSION,
                raw.explain(rusqlite_raw::FIND_SESSION, "tok1")
            );
            if let Some(stmt) = stmt {
                text.push_str(&format!("\n-- the adapter's statement\n{stmt}\nEXPLAIN QUERY PLAN:\n{}\n", raw.explain(&stmt, "tok1")));
            }
            println!("\nSQLite, {n} sessions:\n{text}");
            let _ = std::fs::write(cfg.out_dir.join("explain-sqlite.txt"), &text);
        }
    }

    if cfg.rows_wanted("diesel/postgres") {
        let mut sets = Vec::new();
        for &n in &sizes {
            let url = match fresh_pg(&format!("auth_bench_scale_{n}")) {
                Ok(url) => url,
                Err(e) => {
                    eprintln!("scale postgres: skipped ({e}; set AUTH_TEST_POSTGRES_URL)");
                    break;
                }
            };
            let pool = diesel::r2d2::Pool::builder()
                .max_size(2)
                .test_on_check_out(false)
                .build(diesel::r2d2::ConnectionManager::<diesel::PgConnection>::new(&url))
                .expect("pg pool");
            let db = AuthDb::new(auth_diesel::DieselBackend::from_pg_pool(pool), schema.clone()).expect("adapter");
            db.create_schema().await.expect("schema");
            sets.push((n, db, diesel_raw::DieselPgRaw { conn: diesel::PgConnection::establish(&url).expect("pg") }));
        }
        if sets.len() == sizes.len() {
            scale_rows("diesel-noping/postgres", &mut sets, server_plan, cfg.quick, points).await;
        }
    }

    if cfg.rows_wanted("diesel/mysql") {
        let mut sets = Vec::new();
        for &n in &sizes {
            let url = match fresh_mysql(&format!("auth_bench_scale_{n}")) {
                Ok(url) => url,
                Err(e) => {
                    eprintln!("scale mysql: skipped ({e}; set AUTH_TEST_MYSQL_URL)");
                    break;
                }
            };
            let pool = diesel::r2d2::Pool::builder()
                .max_size(2)
                .test_on_check_out(false)
                .connection_customizer(Box::new(auth_diesel::ConnectionSetup::default()))
                .build(diesel::r2d2::ConnectionManager::<diesel::MysqlConnection>::new(&url))
                .expect("mysql pool");
            let db = AuthDb::new(auth_diesel::DieselBackend::from_mysql_pool(pool), schema.clone()).expect("adapter");
            db.create_schema().await.expect("schema");
            let mut conn = diesel::MysqlConnection::establish(&url).expect("mysql");
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SET time_zone = '+00:00'").expect("time zone");
            let _ = conn.batch_execute("SET SESSION max_recursive_iterations = 100000000");
            let _ = conn.batch_execute("SET SESSION cte_max_recursion_depth = 100000000");
            sets.push((n, db, diesel_raw::DieselMysqlRaw { conn }));
        }
        if sets.len() == sizes.len() {
            scale_rows("diesel-noping/mysql", &mut sets, server_plan, cfg.quick, points).await;
        }
    }

    if cfg.rows_wanted("mongo/mongodb") {
        match mongodb::Client::with_uri_str(mongo_url()).await {
            Err(e) => eprintln!("scale mongodb: skipped ({e}; set AUTH_TEST_MONGODB_URL)"),
            Ok(client) => {
                let mut sets = Vec::new();
                for &n in &sizes {
                    let name = format!("auth_bench_scale_{n}");
                    client.database(&name).drop().await.expect("drop scale database");
                    let db = auth_mongo::from_client(client.clone(), &name, schema.clone()).await.expect("adapter");
                    sets.push((n, db, mongo_raw::MongoRaw::new(&client.database(&name))));
                }
                scale_rows("mongo/mongodb", &mut sets, server_plan, cfg.quick, points).await;
            }
        }
    }
}

/// Seeds each `(sessions, adapter, raw)` set (1,000 users), then times the lookup on every set
/// in turn for several rounds; each point is the median over the rounds.
async fn scale_rows<R: Raw>(row: &'static str, sets: &mut [(usize, AuthDb, R)], plan: Plan, quick: bool, points: &mut Vec<Point>) {
    let users = 1_000;
    for (n, _, raw) in sets.iter_mut() {
        let t = Instant::now();
        raw.seed_users(0, users).await;
        raw.seed_sessions(0, *n, users).await;
        raw.analyze().await;
        eprintln!("scale {row}: {n} sessions (seeded in {:.1} s)", t.elapsed().as_secs_f64());
    }
    let rounds = if quick { 2 } else { 5 };
    let mut times: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); sets.len()];
    for _ in 0..rounds {
        for ((n, db, raw), (a, b)) in sets.iter_mut().zip(times.iter_mut()) {
            let (x, y) = lookup_pair(db, raw, *n, plan).await;
            a.push(x);
            b.push(y);
        }
    }
    for ((n, _, _), (mut a, mut b)) in sets.iter().zip(times) {
        points.push(Point { row, sessions: *n, adapter_ns: harness::median(&mut a), raw_ns: harness::median(&mut b) });
    }
}

async fn lookup_pair<R: Raw>(db: &AuthDb, raw: &mut R, n: usize, plan: Plan) -> (f64, f64) {
    pair(
        plan,
        async |i| {
            db.find_session(&token(i * 7919 % n)).await.expect("find").expect("exists");
        },
        async |i| {
            assert!(raw.find_session(&token(i * 7919 % n)).await);
        },
    )
    .await
}

fn print_scale(cfg: &Config, points: &[Point]) {
    println!("\nfind session by token against table size:\n");
    println!("| adapter/backend | sessions | adapter | raw | vs smallest (adapter) |");
    println!("|---|---:|---:|---:|---:|");
    let mut csv = String::from("row,sessions,adapter_ns,raw_ns\n");
    for p in points {
        let first = points.iter().find(|q| q.row == p.row).map_or(p.adapter_ns, |q| q.adapter_ns);
        println!(
            "| {} | {} | {} | {} | {:.2}× |",
            p.row,
            p.sessions,
            harness::human(p.adapter_ns),
            harness::human(p.raw_ns),
            p.adapter_ns / first
        );
        csv.push_str(&format!("{},{},{:.0},{:.0}\n", p.row, p.sessions, p.adapter_ns, p.raw_ns));
    }
    let path = cfg.out_dir.join("scale.csv");
    std::fs::write(&path, csv).expect("write scale.csv");
    println!("\n(written to {})", path.display());
}
