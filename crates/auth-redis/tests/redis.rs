//! auth-redis against a real Redis (`AUTH_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`):
//! the shared secondary-storage suite, the typed-layer conformance groups on rusqlite with Redis
//! as secondary storage, Better Auth's key names and values, a restart of a private server in
//! the middle, typed errors, and Better Auth 1.7.25 itself (under Node) sharing the keys.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use auth_conformance::private_server::{Kind, PrivateServer};
use auth_conformance::{Factory, StorageFactory, Target, storage_suite};
use auth_core::secondary::{RateLimit, rate_limit_key};
use auth_core::{
    AuthDb, AuthStore, Backend, Error, NewSession, NewUser, Result, SchemaConfig, SecondaryConfig, SecondaryStorage,
};
use auth_redis::RedisStorage;
use auth_rusqlite::SqliteBackend;
use futures::future::BoxFuture;
use libtest_mimic::{Failed, Trial};
use redis::AsyncCommands;

fn url() -> String {
    std::env::var("AUTH_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// The program on `PATH`, if any.
fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Every key this run writes starts with this.
fn run_prefix() -> String {
    format!("auth-test-{}-", std::process::id())
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A key prefix no other store of any run uses.
fn fresh_prefix() -> String {
    format!("{}{}:", run_prefix(), NEXT.fetch_add(1, Ordering::SeqCst))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// One shared connection for the whole run; stores differ by prefix.
struct Shared {
    base: RedisStorage,
}

impl Shared {
    fn store(&self) -> RedisStorage {
        self.base.clone().with_key_prefix(fresh_prefix())
    }
}

/// Cases on rusqlite (a database file each) with Redis as secondary storage.
struct Sqlite {
    dir: PathBuf,
    next: AtomicU64,
    redis_unavailable: Option<String>,
}

impl Factory for Sqlite {
    fn target(&self) -> Target {
        let caps = SqliteBackend::open(":memory:").map(|b| b.capabilities()).expect("SQLite opens in memory");
        Target {
            label: "rusqlite/sqlite+redis".into(),
            capabilities: caps,
            unavailable: self.redis_unavailable.clone(),
        }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let path = self.dir.join(format!("case-{}.db", self.next.fetch_add(1, Ordering::SeqCst)));
        Box::pin(async move {
            let db = AuthDb::new(SqliteBackend::open(&path.to_string_lossy())?, config.build()?)?;
            db.create_schema().await?;
            Ok(db)
        })
    }
}

fn check(ok: bool, what: &str) -> Result<()> {
    if ok { Ok(()) } else { Err(Error::backend_msg(format!("check failed: {what}"))) }
}

fn trial<F>(name: &str, unavailable: &Option<String>, f: F) -> Trial
where
    F: FnOnce() -> std::result::Result<(), String> + Send + 'static,
{
    let t = match unavailable {
        Some(why) => {
            let why = why.clone();
            Trial::test(name, move || Err(Failed::from(format!("unavailable: {why}")))).with_ignored_flag(!in_ci())
        }
        None => Trial::test(name, move || f().map_err(Failed::from)),
    };
    t.with_kind("redis")
}

fn is_iso_millis(v: &serde_json::Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    s.len() == 24
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && b[23] == b'Z'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    k.sort();
    k
}

async fn raw_get(conn: &mut redis::aio::ConnectionManager, key: &str) -> Result<serde_json::Value> {
    let text: Option<String> = conn.get(key).await.map_err(Error::backend)?;
    let text = text.ok_or_else(|| Error::backend_msg(format!("no key {key}")))?;
    serde_json::from_str(&text).map_err(Error::backend)
}

async fn ttl(conn: &mut redis::aio::ConnectionManager, key: &str) -> Result<i64> {
    conn.ttl(key).await.map_err(Error::backend)
}

/// Better Auth's keys and values, checked on what auth-redis wrote to Redis.
async fn keys_and_values_are_better_auths(store: RedisStorage, dir: PathBuf) -> Result<()> {
    let prefix = store.key_prefix().to_string();
    let mut conn = store.connection();
    let db =
        AuthDb::new(SqliteBackend::open(&dir.join("keys.db").to_string_lossy())?, SchemaConfig::default().build()?)?;
    db.create_schema().await?;
    let db = db.with_secondary_storage(SecondaryConfig::new(Arc::new(store.clone())));
    let user = db.create_user(NewUser::new("Rust User", "rust@example.com")).await?;
    let expires = chrono::Utc::now() + chrono::Duration::hours(2);
    let session = db.create_session(NewSession::new(&user.id, expires)).await?;

    let value = raw_get(&mut conn, &format!("{prefix}{}", session.token)).await?;
    check(keys(&value) == ["session", "user"], "{session, user}")?;
    let s = &value["session"];
    let expected = ["createdAt", "expiresAt", "id", "ipAddress", "token", "updatedAt", "userAgent", "userId"];
    check(keys(s) == expected, &format!("the session's fields are Better Auth's: {:?}", keys(s)))?;
    check(
        ["createdAt", "expiresAt", "updatedAt"].iter().all(|f| is_iso_millis(&s[*f])),
        "dates as JSON.stringify writes them",
    )?;
    check(s["token"] == session.token.as_str() && s["userId"] == user.id.as_str(), "token and userId")?;
    let u = &value["user"];
    check(keys(u) == ["createdAt", "email", "emailVerified", "id", "image", "name", "updatedAt"], "the user's fields")?;
    check(u["emailVerified"] == false && u["email"] == "rust@example.com", "typed JSON values")?;
    let session_ttl = ttl(&mut conn, &format!("{prefix}{}", session.token)).await?;
    check((7195..=7200).contains(&session_ttl), &format!("TTL until expiry: {session_ttl}"))?;

    let list = raw_get(&mut conn, &format!("{prefix}active-sessions-{}", user.id)).await?;
    let entry = &list[0];
    check(keys(entry) == ["expiresAt", "token"], "active-sessions entries")?;
    check(entry["expiresAt"].as_i64() == Some(session.expires_at.timestamp_millis()), "expiry in milliseconds")?;

    db.create_verification("email-otp:rust@example.com", "123456", chrono::Utc::now() + chrono::Duration::minutes(10))
        .await?;
    let v = raw_get(&mut conn, &format!("{prefix}verification:email-otp:rust@example.com")).await?;
    check(v["value"] == "123456" && is_iso_millis(&v["expiresAt"]), "verification value")?;

    let key = rate_limit_key("198.51.100.1", "/sign-in/email");
    RateLimit { window: 10, max: 3 }.hit(&store, &key).await?;
    let counter: String = conn.get(format!("{prefix}{key}")).await.map_err(Error::backend)?;
    check(counter == "1", "the counter is INCR's integer")?;
    check((9..=10).contains(&ttl(&mut conn, &format!("{prefix}{key}")).await?), "its TTL is the window")?;

    check(db.delete_user_sessions(&user.id).await? == 1, "one session revoked")?;
    let marker: String =
        conn.get(format!("{prefix}revoked-sessions-before-{}", user.id)).await.map_err(Error::backend)?;
    check(marker.parse::<i64>().is_ok(), "the marker is milliseconds as text")?;
    check(
        ttl(&mut conn, &format!("{prefix}revoked-sessions-before-{}", user.id)).await? >= 86_400,
        "kept at least a day",
    )?;
    let gone: Option<String> = conn.get(format!("{prefix}{}", session.token)).await.map_err(Error::backend)?;
    check(gone.is_none(), "the token is deleted")
}

/// A private redis-server (append-only, so data survives) killed and started again while a
/// store is in use: calls meanwhile fail with `Error::Connection`; afterwards the same store
/// reconnects on its own and sees the data.
async fn restart_in_the_middle(server: &mut PrivateServer) -> Result<()> {
    let store = RedisStorage::connect(&server.url("0")).await?;
    store.set("kept", "before the restart", None).await?;
    check(store.increment("counter", 600).await? == 1, "first count")?;
    server.crash();
    let during = store.get("kept").await;
    check(matches!(during, Err(Error::Connection(_))), &format!("a lost server is a connection error: {during:?}"))?;
    server.resume().map_err(Error::backend_msg)?;
    let deadline = Instant::now() + Duration::from_secs(20);
    let value = loop {
        match store.get("kept").await {
            Ok(v) => break v,
            Err(Error::Connection(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            Err(e) => return Err(e),
        }
    };
    check(value.as_deref() == Some("before the restart"), "the same store reads the data after the restart")?;
    check(store.increment("counter", 600).await? == 2, "the counting script is loaded again")?;
    store.set("otp", "1", Some(60)).await?;
    check(store.get_and_delete("otp").await?.as_deref() == Some("1"), "take works on the new connection")
}

/// The interop run's Node packages, installed once per target directory.
fn better_auth_dir() -> std::result::Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/better-auth");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("better-auth-interop");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for f in ["package.json", "interop.mjs"] {
        std::fs::copy(src.join(f), dir.join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    if !dir.join("node_modules/better-auth/package.json").exists() {
        let out = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--legacy-peer-deps"])
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("npm is not available ({e})"))?;
        if !out.status.success() {
            return Err(format!("npm install failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    Ok(dir)
}

fn node(dir: &Path, prefix: &str, args: &[&str]) -> Result<serde_json::Value> {
    let out = Command::new("node")
        .arg("interop.mjs")
        .arg(url())
        .arg(prefix)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| Error::backend_msg(format!("node: {e}")))?;
    if !out.status.success() {
        return Err(Error::backend_msg(format!("node {args:?} failed: {}", String::from_utf8_lossy(&out.stderr))));
    }
    serde_json::from_slice(&out.stdout).map_err(Error::backend)
}

/// Better Auth 1.7.25 and auth-redis on one Redis: each reads the other's sessions, session
/// lists and verification values, and each one's revocation holds for the other.
async fn better_auth_shares_the_keys(store: RedisStorage, node_dir: PathBuf, dir: PathBuf) -> Result<()> {
    let prefix = store.key_prefix().to_string();
    let db =
        AuthDb::new(SqliteBackend::open(&dir.join("interop.db").to_string_lossy())?, SchemaConfig::default().build()?)?;
    db.create_schema().await?;
    let db = db.with_secondary_storage(SecondaryConfig::new(Arc::new(store.clone())));

    let ts = node(&node_dir, &prefix, &["write"])?;
    let (token, user_id) = (ts["token"].as_str().unwrap_or_default(), ts["userId"].as_str().unwrap_or_default());
    let (session, user) =
        db.find_session(token).await?.ok_or_else(|| Error::backend_msg("Better Auth's session not found"))?;
    check(
        session.user_id == user_id && user.email == "ts-user@example.com",
        "Rust reads Better Auth's session and user",
    )?;
    check(session.ip_address.as_deref() == Some(""), "Better Auth's empty ipAddress")?;
    check(db.list_sessions(user_id).await?.len() == 1, "Rust lists Better Auth's active sessions")?;
    let v = db.find_verification("email-otp:ts-user@example.com").await?;
    check(v.is_some_and(|v| v.value == "424242"), "Rust reads Better Auth's verification value")?;

    let rust_user = db.create_user(NewUser::new("Rust", "rust-interop@example.com")).await?;
    let mut ns = NewSession::new(&rust_user.id, chrono::Utc::now() + chrono::Duration::days(1));
    ns.ip_address = Some("192.0.2.1".into());
    let rs = db.create_session(ns).await?;
    db.create_verification("reset:rust", "987654", chrono::Utc::now() + chrono::Duration::minutes(5)).await?;
    let read = node(&node_dir, &prefix, &["read", &rs.token, &rust_user.id, "reset:rust"])?;
    check(read["found"]["session"]["id"] == rs.id.as_str(), "Better Auth reads Rust's session")?;
    check(read["found"]["user"]["email"] == "rust-interop@example.com", "and its user")?;
    check(read["found"]["session"]["ipAddress"] == "192.0.2.1", "with its fields")?;
    check(
        read["list"].as_array().is_some_and(|l| l.len() == 1 && l[0]["token"] == rs.token.as_str()),
        "Better Auth lists Rust's sessions",
    )?;
    check(read["verification"]["value"] == "987654", "Better Auth reads Rust's verification value")?;

    node(&node_dir, &prefix, &["revoke", &rust_user.id])?;
    check(db.find_session(&rs.token).await?.is_none(), "Better Auth's revocation holds in Rust")?;
    check(db.list_sessions(&rust_user.id).await?.is_empty(), "and empties the list")?;
    check(db.delete_user_sessions(user_id).await? == 1, "Rust revokes Better Auth's session")?;
    let after = node(&node_dir, &prefix, &["read", token, user_id, "none"])?;
    check(
        after["found"].is_null() && after["list"].as_array().is_some_and(Vec::is_empty),
        "Rust's revocation holds in Better Auth",
    )
}

/// Deletes every key this run wrote.
async fn cleanup(store: &RedisStorage) {
    let mut conn = store.connection();
    let pattern = format!("{}*", run_prefix());
    let keys: Vec<String> = match conn.scan_match::<_, String>(&pattern).await {
        Ok(iter) => {
            use futures::StreamExt;
            iter.filter_map(|k| async move { k.ok() }).collect().await
        }
        Err(_) => return,
    };
    for chunk in keys.chunks(500) {
        let _: redis::RedisResult<()> = conn.del(chunk).await;
    }
}

fn main() -> ExitCode {
    let rt = runtime();
    let connected =
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(5), RedisStorage::connect(&url())).await });
    let (base, unavailable) = match connected {
        Ok(Ok(s)) => (Some(s), None),
        Ok(Err(e)) => (None, Some(format!("no Redis at {} ({e}); set AUTH_TEST_REDIS_URL", url()))),
        Err(_) => (None, Some(format!("no answer from Redis at {} in 5 s; set AUTH_TEST_REDIS_URL", url()))),
    };
    let shared = base.clone().map(|base| Arc::new(Shared { base }));
    let make: storage_suite::StoreMaker = {
        let shared = shared.clone();
        Arc::new(move || {
            let shared = shared.clone();
            Box::pin(async move {
                let shared = shared.ok_or_else(|| Error::Connection("no Redis".into()))?;
                Ok(Arc::new(shared.store()) as Arc<dyn SecondaryStorage>)
            })
        })
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("redis-tests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");

    let mut extra = Vec::new();
    {
        let (shared, dir) = (shared.clone(), dir.clone());
        extra.push(trial("redis::keys_and_values_are_better_auths", &unavailable, move || {
            let store = shared.map(|s| s.store()).ok_or("no Redis")?;
            runtime().block_on(keys_and_values_are_better_auths(store, dir)).map_err(|e| e.to_string())
        }));
    }
    let no_server = which("redis-server").is_none().then(|| "redis-server is not installed".to_string());
    extra.push(trial("redis::restart_in_the_middle", &no_server, || {
        let mut server = PrivateServer::start(Kind::Redis)?;
        runtime().block_on(restart_in_the_middle(&mut server)).map_err(|e| e.to_string())
    }));
    extra.push(trial("redis::errors_are_typed", &unavailable, {
        let shared = shared.clone();
        move || {
            runtime()
                .block_on(async move {
                    let refused = RedisStorage::connect("redis://127.0.0.1:1").await;
                    check(matches!(refused, Err(Error::Connection(_))), "a refused connection is Error::Connection")?;
                    let bad = RedisStorage::connect("not a url").await;
                    check(matches!(bad, Err(Error::Connection(_))), "a bad URL says so")?;
                    let store = shared.map(|s| s.store()).ok_or_else(|| Error::Connection("no Redis".into()))?;
                    store.set("text", "not a number", None).await?;
                    let wrong = store.increment("text", 10).await;
                    check(
                        matches!(wrong, Err(Error::Backend { .. })),
                        &format!("counting a text value is a typed error: {wrong:?}"),
                    )?;
                    check(
                        matches!(store.increment("c", 0).await, Err(Error::InvalidQuery { .. })),
                        "a zero TTL is refused",
                    )
                })
                .map_err(|e| e.to_string())
        }
    }));
    {
        let (shared, dir) = (shared.clone(), dir.clone());
        let no_node = ["node", "npm"]
            .iter()
            .find(|tool| which(tool).is_none())
            .map(|tool| format!("`{tool}` is not installed: Better Auth runs under Node.js"));
        extra.push(trial("redis::better_auth_shares_the_keys", &unavailable.clone().or(no_node), move || {
            let node_dir = better_auth_dir()?;
            let store = shared.map(|s| s.store()).ok_or("no Redis")?;
            runtime().block_on(better_auth_shares_the_keys(store, node_dir, dir)).map_err(|e| e.to_string())
        }));
    }
    let typed: StorageFactory = {
        let shared = shared.clone();
        Arc::new(move || match &shared {
            Some(s) => Arc::new(s.store()) as Arc<dyn SecondaryStorage>,
            None => Arc::new(auth_core::MemoryStorage::new()),
        })
    };
    let factory =
        Arc::new(Sqlite { dir: dir.clone(), next: AtomicU64::new(0), redis_unavailable: unavailable.clone() });
    extra.extend(auth_conformance::typed_trials(factory, typed));
    let code = storage_suite::run("redis", make, unavailable, extra);
    if let Some(base) = &base {
        rt.block_on(cleanup(base));
    }
    let _ = std::fs::remove_dir_all(&dir);
    code
}
