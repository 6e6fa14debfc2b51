//! Id strategies: random (default), UUID, a custom generator, database-generated numbers.

use std::sync::Arc;

use auth_core::{
    Adapter, AuthDb, AuthStore, CreateOptions, IdStrategy, Join, NewSession, NewUser, Query, Result, SchemaConfig, Value, Where,
    row,
};

use super::util::{in_minutes, s};
use crate::Ctx;

cases!("ids": uuid_ids, custom_generator, uuid_strategy_end_to_end, serial_strategy_end_to_end if |c| c.numeric_ids, serial_ids_are_strings_of_digits if |c| c.numeric_ids,
    serial_ids_reference_and_join if |c| c.numeric_ids, serial_id_not_a_number_is_wrong_type if |c| c.numeric_ids);

async fn uuid_ids(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().id_strategy(IdStrategy::Uuid)).await?;
    let u = db.create_user(NewUser::new("Uu", "uu@example.com")).await?;
    assert_eq!(u.id.len(), 36);
    assert_eq!(u.id.matches('-').count(), 4);
    let sess = db.create_session(NewSession::new(&u.id, in_minutes(5))).await?;
    let (_, user) = db.find_session(&sess.token).await?.expect("found");
    assert_eq!(user.id, u.id);
    Ok(())
}

async fn custom_generator(ctx: Ctx) -> Result<()> {
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let c = counter.clone();
    let generator: auth_core::IdGenerator =
        Arc::new(move |model| format!("{model}_{}", c.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
    let db = ctx.db_with(SchemaConfig::default().id_strategy(IdStrategy::Custom(generator))).await?;
    let u = db.create_user(NewUser::new("Cg", "cg@example.com")).await?;
    assert_eq!(u.id, "user_0");
    let sess = db.create_session(NewSession::new(&u.id, in_minutes(5))).await?;
    assert_eq!(sess.id, "session_1");
    Ok(())
}

async fn serial_ids_are_strings_of_digits(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().id_strategy(IdStrategy::Serial)).await?;
    let a = db.create_user(NewUser::new("Na", "na@example.com")).await?;
    let b = db.create_user(NewUser::new("Nb", "nb@example.com")).await?;
    assert!(a.id.chars().all(|c| c.is_ascii_digit()), "{}", a.id);
    let (ia, ib): (i64, i64) = (a.id.parse().unwrap_or(0), b.id.parse().unwrap_or(0));
    assert!(ib > ia, "database-generated ids increase");
    let found = db.find_user_by_id(&b.id).await?.expect("by string id");
    assert_eq!(found.name, "Nb");
    let many = db.find_many("user", &Query::filter(vec![Where::in_list("id", vec![a.id.as_str(), b.id.as_str()])])).await?;
    assert_eq!(many.len(), 2);
    Ok(())
}

async fn serial_ids_reference_and_join(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().id_strategy(IdStrategy::Serial)).await?;
    let u = db.create_user(NewUser::new("Nj", "nj@example.com")).await?;
    let sess = db.create_session(NewSession::new(&u.id, in_minutes(5))).await?;
    assert_eq!(sess.user_id, u.id);
    let (_, user) = db.find_session(&sess.token).await?.expect("found");
    assert_eq!(user.id, u.id);
    let q = Query::filter(vec![Where::eq("id", u.id.as_str())]).join(Join::new("session"));
    let row = db.find_one("user", &q).await?.expect("user");
    let list = row.get("session").and_then(Value::as_list).expect("list");
    assert_eq!(s(list[0].as_object().expect("row"), "id"), sess.id);
    db.delete_user(&u.id).await?;
    assert_eq!(db.count("session", &[]).await?, 0);
    Ok(())
}

async fn serial_id_not_a_number_is_wrong_type(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().id_strategy(IdStrategy::Serial)).await?;
    let e = db.find_user_by_id("abc").await;
    assert!(matches!(e, Err(auth_core::Error::WrongType { .. })), "{e:?}");
    Ok(())
}

/// Lists, references, lookups of absent ids, forced ids, deletes and consumes under `db`'s ids.
async fn ids_end_to_end(db: &AuthDb, absent: &str, forced: &str) -> Result<()> {
    let a = db.create_user(NewUser::new("Ea", "ea@example.com")).await?;
    let b = db.create_user(NewUser::new("Eb", "eb@example.com")).await?;
    let c = db.create_user(NewUser::new("Ec", "ec@example.com")).await?;
    let pair = vec![a.id.as_str(), b.id.as_str()];
    assert_eq!(db.count("user", &[Where::in_list("id", pair.clone())]).await?, 2);
    let rest = db.find_many("user", &Query::filter(vec![Where::not_in("id", pair)])).await?;
    assert_eq!(rest.iter().map(|r| s(r, "id")).collect::<Vec<_>>(), [c.id.as_str()]);
    db.create_session(NewSession::new(&a.id, in_minutes(5))).await?;
    assert_eq!(db.count("session", &[Where::in_list("userId", vec![a.id.as_str()])]).await?, 1);
    assert!(db.find_user_by_id(absent).await?.is_none());
    let data = row! { "id" => forced, "identifier" => "f", "value" => "v", "expiresAt" => in_minutes(5) };
    let v = db.create("verification", data, CreateOptions { force_id: true, ..Default::default() }).await?;
    assert_eq!(s(&v, "id"), forced);
    assert!(db.find_one("verification", &Query::filter(vec![Where::eq("id", forced)])).await?.is_some());
    assert_eq!(db.consume_one("verification", &[Where::eq("id", forced)]).await?.map(|r| s(&r, "id").to_string()), Some(forced.into()));
    db.delete_user(&b.id).await?;
    assert_eq!(db.count("user", &[]).await?, 2);
    Ok(())
}

async fn uuid_strategy_end_to_end(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().id_strategy(IdStrategy::Uuid)).await?;
    ids_end_to_end(&db, "6f1c1d52-0000-4000-8000-000000000000", "0c0ffee0-0000-4000-8000-000000000001").await
}

async fn serial_strategy_end_to_end(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().id_strategy(IdStrategy::Serial)).await?;
    ids_end_to_end(&db, "100000", "900001").await
}
