//! Atomic operations under concurrency: consume_one, increment_one, unique creates.

use std::sync::Arc;

use auth_core::{Adapter, AuthStore, CreateOptions, Error, NewUser, Plugin, Result, SchemaConfig, Value, Where, row};
use futures::future::join_all;

use super::util::{id, in_minutes, make_user, s};
use crate::Ctx;

cases!("atomic": consume_one_returns_and_deletes, consume_one_takes_one_of_many, consume_one_no_match,
    consume_one_concurrent_exactly_one_wins, increment_one_adds_and_sets, increment_one_guard_fails,
    increment_one_concurrent_all_counted, increment_one_concurrent_guard_holds, concurrent_creates_one_email_wins);

async fn verification(db: &dyn Adapter, identifier: &str, value: &str) -> Result<auth_core::Row> {
    let data = row! { "identifier" => identifier, "value" => value, "expiresAt" => in_minutes(10) };
    db.create("verification", data, CreateOptions::default()).await
}

async fn consume_one_returns_and_deletes(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let v = verification(&db, "email:a", "123").await?;
    let got = db.consume_one("verification", &[Where::eq("identifier", "email:a")]).await?.expect("row");
    assert_eq!(got, v);
    assert_eq!(db.count("verification", &[]).await?, 0);
    Ok(())
}

async fn consume_one_takes_one_of_many(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for v in ["1", "2", "3"] {
        verification(&db, "same", v).await?;
    }
    let got = db.consume_one("verification", &[Where::eq("identifier", "same")]).await?;
    assert!(got.is_some());
    assert_eq!(db.count("verification", &[]).await?, 2, "exactly one row deleted");
    Ok(())
}

async fn consume_one_no_match(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    verification(&db, "x", "1").await?;
    assert!(db.consume_one("verification", &[Where::eq("identifier", "y")]).await?.is_none());
    assert!(db.consume_one("verification", &[]).await?.is_none(), "an empty where consumes nothing");
    assert_eq!(db.count("verification", &[]).await?, 1);
    Ok(())
}

async fn consume_one_concurrent_exactly_one_wins(ctx: Ctx) -> Result<()> {
    let db = Arc::new(ctx.db().await?);
    verification(db.as_ref(), "race", "token").await?;
    let tasks = (0..32).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { db.consume_one("verification", &[Where::eq("identifier", "race")]).await })
    });
    let mut winners = 0;
    for r in join_all(tasks).await {
        if r.map_err(Error::backend_msg)??.is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "exactly one of 32 callers gets the row");
    Ok(())
}

fn counter_schema() -> SchemaConfig {
    SchemaConfig::default().plugin(Plugin::TwoFactor)
}

async fn counter(db: &dyn Adapter) -> Result<String> {
    let uid = make_user(db, "Cnt").await?;
    let tf = db
        .create("twoFactor", row! { "secret" => "s", "backupCodes" => "b", "userId" => uid.as_str() }, CreateOptions::default())
        .await?;
    Ok(id(&tf))
}

async fn increment_one_adds_and_sets(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(counter_schema()).await?;
    let tid = counter(&db).await?;
    let until = in_minutes(15);
    let row = db
        .increment_one("twoFactor", &[Where::eq("id", tid.as_str())], "failedVerificationCount", 3, row! { "lockedUntil" => until })
        .await?
        .expect("row");
    assert_eq!(row.get("failedVerificationCount"), Some(&Value::Int(3)));
    assert_eq!(row.get("lockedUntil"), Some(&Value::Date(until)));
    let row = db.increment_one("twoFactor", &[Where::eq("id", tid.as_str())], "failedVerificationCount", -1, row! {}).await?;
    assert_eq!(row.and_then(|r| r.get("failedVerificationCount").cloned()), Some(Value::Int(2)));
    Ok(())
}

async fn increment_one_guard_fails(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(counter_schema()).await?;
    let tid = counter(&db).await?;
    let guard = [Where::eq("id", tid.as_str()), Where::gte("failedVerificationCount", 5i64)];
    let set = row! { "lockedUntil" => in_minutes(5) };
    assert!(db.increment_one("twoFactor", &guard, "failedVerificationCount", 1, set).await?.is_none());
    let row = db.find_one("twoFactor", &auth_core::Query::filter(vec![Where::eq("id", tid.as_str())])).await?.expect("row");
    assert_eq!(row.get("failedVerificationCount"), Some(&Value::Int(0)), "untouched");
    assert_eq!(row.get("lockedUntil"), Some(&Value::Null), "`set` is not applied when the guard misses");
    Ok(())
}

async fn increment_one_concurrent_all_counted(ctx: Ctx) -> Result<()> {
    let db = Arc::new(ctx.db_with(counter_schema()).await?);
    let tid = counter(db.as_ref()).await?;
    let tasks = (0..32).map(|_| {
        let (db, tid) = (db.clone(), tid.clone());
        tokio::spawn(async move {
            db.increment_one("twoFactor", &[Where::eq("id", tid.as_str())], "failedVerificationCount", 1, row! {}).await
        })
    });
    for r in join_all(tasks).await {
        assert!(r.map_err(Error::backend_msg)??.is_some());
    }
    let row = db.find_one("twoFactor", &auth_core::Query::filter(vec![Where::eq("id", tid.as_str())])).await?.expect("row");
    assert_eq!(row.get("failedVerificationCount"), Some(&Value::Int(32)));
    Ok(())
}

async fn increment_one_concurrent_guard_holds(ctx: Ctx) -> Result<()> {
    let db = Arc::new(ctx.db_with(counter_schema()).await?);
    let tid = counter(db.as_ref()).await?;
    let tasks = (0..32).map(|_| {
        let (db, tid) = (db.clone(), tid.clone());
        tokio::spawn(async move {
            let guard = [Where::eq("id", tid.as_str()), Where::lt("failedVerificationCount", 10i64)];
            db.increment_one("twoFactor", &guard, "failedVerificationCount", 1, row! {}).await
        })
    });
    let mut ok = 0;
    for r in join_all(tasks).await {
        if r.map_err(Error::backend_msg)??.is_some() {
            ok += 1;
        }
    }
    assert_eq!(ok, 10, "the guard admits exactly 10 of 32");
    let row = db.find_one("twoFactor", &auth_core::Query::filter(vec![Where::eq("id", tid.as_str())])).await?.expect("row");
    assert_eq!(row.get("failedVerificationCount"), Some(&Value::Int(10)));
    Ok(())
}

async fn concurrent_creates_one_email_wins(ctx: Ctx) -> Result<()> {
    let db = Arc::new(ctx.db().await?);
    let tasks = (0..32).map(|i| {
        let db = db.clone();
        tokio::spawn(async move { db.create_user(NewUser::new(&format!("N{i}"), "race@example.com")).await })
    });
    let (mut won, mut unique) = (0, 0);
    for r in join_all(tasks).await {
        match r.map_err(Error::backend_msg)? {
            Ok(_) => won += 1,
            Err(Error::UniqueViolation { .. }) => unique += 1,
            Err(e) => return Err(e),
        }
    }
    assert_eq!((won, unique), (1, 31));
    let users = db.find_many("user", &auth_core::Query::new()).await?;
    assert_eq!(users.len(), 1);
    assert_eq!(s(&users[0], "email"), "race@example.com");
    Ok(())
}
