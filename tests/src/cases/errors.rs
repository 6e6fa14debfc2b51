//! Bad input and constraint violations come back as typed errors, and nothing is half-written.

use auth_core::{Adapter, AuthStore, CreateOptions, Error, NewUser, Query, Result, Where, row};

use super::util::{in_minutes, make_user, user};
use crate::Ctx;

cases!("errors": unknown_model, unknown_field_in_data, unknown_field_in_where_select_sort,
    missing_required_field, unique_violation_is_typed, foreign_key_violation_is_typed,
    null_for_required_field_on_update, invalid_in_operand);

async fn unknown_model(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let e = db.create("users", user("X"), CreateOptions::default()).await;
    assert!(matches!(&e, Err(Error::UnknownModel(m)) if m == "users"), "{e:?}");
    let e = db.find_many("nope", &Query::new()).await;
    assert!(matches!(e, Err(Error::UnknownModel(_))));
    Ok(())
}

async fn unknown_field_in_data(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let mut data = user("Y");
    data.insert("nickname".into(), "y".into());
    let e = db.create("user", data, CreateOptions::default()).await;
    assert!(matches!(&e, Err(Error::UnknownField { field, model }) if field == "nickname" && model == "user"), "{e:?}");
    let uid = make_user(&db, "Z").await?;
    let e = db.update("user", &[Where::eq("id", uid.as_str())], row! { "nickname" => "z" }).await;
    assert!(matches!(&e, Err(Error::UnknownField { field, .. }) if field == "nickname"), "{e:?}");
    assert_eq!(db.count("user", &[]).await?, 1);
    Ok(())
}

async fn unknown_field_in_where_select_sort(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let bad = |e: Result<Vec<auth_core::Row>>| matches!(e, Err(Error::UnknownField { .. }));
    assert!(bad(db.find_many("user", &Query::filter(vec![Where::eq("nope", 1i64)])).await));
    assert!(bad(db.find_many("user", &Query::new().select(&["nope"])).await));
    assert!(bad(db.find_many("user", &Query::new().sort_by("nope", auth_core::Direction::Asc)).await));
    Ok(())
}

async fn missing_required_field(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let e = db.create("user", row! { "name" => "NoEmail" }, CreateOptions::default()).await;
    assert!(matches!(&e, Err(Error::MissingField { field, .. }) if field == "email"), "{e:?}");
    let e = db.create("user", row! { "name" => "NullEmail", "email" => auth_core::Value::Null }, CreateOptions::default()).await;
    assert!(matches!(&e, Err(Error::MissingField { field, .. }) if field == "email"), "{e:?}");
    assert_eq!(db.count("user", &[]).await?, 0);
    Ok(())
}

async fn unique_violation_is_typed(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    db.create_user(NewUser::new("U1", "same@example.com")).await?;
    let e = db.create_user(NewUser::new("U2", "same@example.com")).await;
    assert!(matches!(&e, Err(Error::UniqueViolation { model, .. }) if model == "user"), "{e:?}");
    if let Err(Error::UniqueViolation { field: Some(f), .. }) = &e {
        assert_eq!(f, "email");
    }
    assert_eq!(db.count("user", &[]).await?, 1, "nothing written");
    let other = db.create_user(NewUser::new("U3", "other@example.com")).await?;
    let e = db.update_user(&other.id, row! { "email" => "same@example.com" }).await;
    assert!(matches!(e, Err(Error::UniqueViolation { .. })), "{e:?}");
    assert_eq!(db.find_user_by_id(&other.id).await?.map(|u| u.email), Some("other@example.com".into()));
    Ok(())
}

async fn foreign_key_violation_is_typed(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let data = row! { "userId" => "0123456789abcdef01234567", "token" => "orphan", "expiresAt" => in_minutes(5) };
    let e = db.create("session", data, CreateOptions::default()).await;
    assert!(matches!(&e, Err(Error::ForeignKeyViolation { .. })), "{e:?}");
    assert_eq!(db.count("session", &[]).await?, 0);
    Ok(())
}

async fn null_for_required_field_on_update(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = make_user(&db, "Req").await?;
    let e = db.update("user", &[Where::eq("id", uid.as_str())], row! { "name" => auth_core::Value::Null }).await;
    assert!(matches!(&e, Err(Error::MissingField { field, .. }) if field == "name"), "{e:?}");
    Ok(())
}

async fn invalid_in_operand(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let e = db.find_many("user", &Query::filter(vec![Where::in_list("name", "not-a-list")])).await;
    assert!(matches!(e, Err(Error::InvalidQuery { .. })), "{e:?}");
    Ok(())
}
