//! The shared suite for any [`SecondaryStorage`]: expiry, overwrite, delete, atomic take and
//! count under concurrent callers, unicode and large values, the rate limiter on top. Each
//! implementation's test binary runs it through [`run`] (`harness = false`).

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use libtest_mimic::{Arguments, Failed, Trial};

use auth_core::secondary::{RateLimit, rate_limit_key};
use auth_core::{Result, SecondaryStorage};

/// Makes a fresh store whose keys no other test sees (a unique key prefix on a shared server).
pub type StoreMaker = Arc<dyn Fn() -> BoxFuture<'static, Result<Arc<dyn SecondaryStorage>>> + Send + Sync>;

type Case = fn(Arc<dyn SecondaryStorage>) -> BoxFuture<'static, Result<()>>;

macro_rules! storage_cases {
    ($($name:ident),* $(,)?) => {
        fn cases() -> Vec<(&'static str, Case)> {
            vec![$((stringify!($name), |s| Box::pin($name(s)))),*]
        }
    };
}

storage_cases!(
    missing_key_is_none,
    set_then_get,
    overwrite_replaces_value_and_ttl,
    ttl_expires,
    no_ttl_keeps_the_value,
    delete_removes_and_tolerates_missing,
    get_and_delete_takes_once_under_concurrency,
    increment_counts_in_a_fixed_window,
    increment_is_atomic_under_concurrency,
    concurrent_callers_see_their_own_values,
    unicode_keys_and_values,
    large_values,
    rate_limit_refuses_over_max,
);

fn check(ok: bool, what: &str) -> Result<()> {
    if ok { Ok(()) } else { Err(auth_core::Error::backend_msg(format!("check failed: {what}"))) }
}

async fn missing_key_is_none(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    check(s.get("nope").await?.is_none(), "an absent key reads as None")?;
    check(s.get_and_delete("nope").await?.is_none(), "taking an absent key gives None")
}

async fn set_then_get(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    s.set("k", r#"{"session":{"id":"1"}}"#, Some(60)).await?;
    check(s.get("k").await?.as_deref() == Some(r#"{"session":{"id":"1"}}"#), "the value reads back as written")?;
    s.set("empty", "", None).await?;
    check(s.get("empty").await?.as_deref() == Some(""), "an empty value is a value")
}

async fn overwrite_replaces_value_and_ttl(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    s.set("k", "first", Some(1)).await?;
    s.set("k", "second", None).await?;
    check(s.get("k").await?.as_deref() == Some("second"), "the second write wins")?;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    check(s.get("k").await?.as_deref() == Some("second"), "a write without TTL drops the old TTL")?;
    s.set("k", "third", Some(1)).await?;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    check(s.get("k").await?.is_none(), "a write with TTL sets a new one")
}

async fn ttl_expires(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    s.set("short", "v", Some(1)).await?;
    s.set("long", "v", Some(60)).await?;
    check(s.get("short").await?.is_some(), "alive before its TTL")?;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    check(s.get("short").await?.is_none(), "gone after its TTL")?;
    check(s.get_and_delete("short").await?.is_none(), "and cannot be taken")?;
    check(s.get("long").await?.as_deref() == Some("v"), "a longer TTL is untouched")
}

async fn no_ttl_keeps_the_value(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    s.set("none", "v", None).await?;
    s.set("zero", "v", Some(0)).await?;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    check(s.get("none").await?.is_some(), "no TTL: kept")?;
    check(s.get("zero").await?.is_some(), "TTL 0 means no expiry, as in Better Auth's Redis storage")
}

async fn delete_removes_and_tolerates_missing(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    s.set("a", "1", Some(60)).await?;
    s.set("b", "2", Some(60)).await?;
    s.delete("a").await?;
    check(s.get("a").await?.is_none(), "deleted")?;
    check(s.get("b").await?.as_deref() == Some("2"), "other keys stay")?;
    s.delete("a").await?;
    s.delete("never-there").await
}

async fn get_and_delete_takes_once_under_concurrency(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    s.set("otp", "123456", Some(60)).await?;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.get_and_delete("otp").await })
        })
        .collect();
    let mut got = 0;
    for t in tasks {
        if let Some(v) = t.await.map_err(auth_core::Error::backend)?? {
            check(v == "123456", "the taken value")?;
            got += 1;
        }
    }
    check(got == 1, &format!("exactly one of 32 callers takes the value (got {got})"))?;
    check(s.get("otp").await?.is_none(), "and it is gone")
}

async fn increment_counts_in_a_fixed_window(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    check(s.increment("c", 1).await? == 1, "a new counter starts at 1")?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    check(s.increment("c", 1).await? == 2, "then counts")?;
    check(s.increment("c", 1).await? == 3, "then counts")?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    check(s.increment("c", 1).await? == 1, "later increments do not extend the window: it restarts")
}

async fn increment_is_atomic_under_concurrency(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.increment("n", 60).await })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for t in tasks {
        seen.insert(t.await.map_err(auth_core::Error::backend)??);
    }
    check(seen == (1..=50).collect(), &format!("50 callers get 1..=50 once each, got {seen:?}"))
}

async fn concurrent_callers_see_their_own_values(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                let key = format!("k{i}");
                for round in 0..5 {
                    let v = format!("{i}-{round}");
                    s.set(&key, &v, Some(60)).await?;
                    check(s.get(&key).await?.as_deref() == Some(v.as_str()), "a caller reads its own write")?;
                }
                s.delete(&key).await?;
                check(s.get(&key).await?.is_none(), "and its own delete")
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(auth_core::Error::backend)??;
    }
    Ok(())
}

async fn unicode_keys_and_values(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    let pairs = [
        ("active-sessions-üser", "{\"name\":\"Zoë 👩‍💻 Ünïcödé\"}"),
        ("verification:email:用户@例子.广告", "ありがとう、世界 🌏"),
        ("rtl:مرحبا", "שלום עולם\u{200f}"),
        ("nul\u{0}key", "value with \u{0} inside and \"quotes\" and \\ backslash"),
        ("ip|/sign-in/email", "\u{1F600}\u{1F4A9}\u{10FFFF}"),
    ];
    for (k, v) in pairs {
        s.set(k, v, Some(60)).await?;
    }
    for (k, v) in pairs {
        check(s.get(k).await?.as_deref() == Some(v), &format!("{k:?} reads back byte for byte"))?;
    }
    check(s.get_and_delete(pairs[1].0).await?.as_deref() == Some(pairs[1].1), "taken as written")
}

async fn large_values(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    let big: String = (0..4 * 1024 * 1024).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    s.set("big", &big, Some(60)).await?;
    check(s.get("big").await?.as_deref() == Some(big.as_str()), "a 4 MiB value reads back")?;
    let wide = "€".repeat(300_000);
    s.set("wide", &wide, None).await?;
    check(s.get("wide").await? == Some(wide), "900 KB of multi-byte text reads back")
}

async fn rate_limit_refuses_over_max(s: Arc<dyn SecondaryStorage>) -> Result<()> {
    let rule = RateLimit { window: 1, max: 3 };
    let key = rate_limit_key("203.0.113.7", "/sign-in/email");
    check(key == "203.0.113.7|/sign-in/email", "Better Auth's key")?;
    for n in 1..=3 {
        let hit = rule.hit(s.as_ref(), &key).await?;
        check(hit.allowed && hit.count == n && hit.retry_after.is_none(), "allowed up to max")?;
    }
    let refused = rule.hit(s.as_ref(), &key).await?;
    check(!refused.allowed && refused.retry_after == Some(1), "refused over max, retry after the window")?;
    check(s.get(&key).await?.as_deref() == Some("4"), "the counter is plain text, as Redis INCR keeps it")?;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    check(rule.hit(s.as_ref(), &key).await?.allowed, "allowed again in the next window")
}

/// The suite's trials for one implementation, named `<label>::storage::<case>`.
pub fn trials(label: &str, make: StoreMaker, unavailable: Option<String>) -> Vec<Trial> {
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("the test runtime starts"),
    );
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    cases()
        .into_iter()
        .map(|(name, case)| {
            let trial = match &unavailable {
                Some(why) => {
                    let why = why.clone();
                    Trial::test(format!("storage::{name}"), move || Err(Failed::from(format!("unavailable: {why}"))))
                        .with_ignored_flag(!in_ci)
                }
                None => {
                    let (rt, make) = (rt.clone(), make.clone());
                    Trial::test(format!("storage::{name}"), move || {
                        rt.block_on(async { case(make().await?).await }).map_err(|e| Failed::from(e.to_string()))
                    })
                }
            };
            trial.with_kind(label.to_string())
        })
        .collect()
}

/// Runs the suite (and `extra` trials) with libtest's command line; a test binary's `main`.
pub fn run(label: &str, make: StoreMaker, unavailable: Option<String>, extra: Vec<Trial>) -> ExitCode {
    if let Some(why) = &unavailable {
        eprintln!("storage suite: {label} skipped ({why})");
    }
    let mut all = trials(label, make, unavailable);
    all.extend(extra);
    libtest_mimic::run(&Arguments::from_args(), all).exit_code()
}
