//! Id strategies: random (default), UUID, a custom generator, database-generated numbers.

use std::sync::Arc;

use auth_core::{Adapter, AuthStore, IdStrategy, Join, NewSession, NewUser, Query, Result, SchemaConfig, Value, Where};

use super::util::{in_minutes, s};
use crate::Ctx;

cases!("ids": uuid_ids, custom_generator, serial_ids_are_strings_of_digits if |c| c.numeric_ids,
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
