//! Joins: backward one-to-one (session → user), one-to-many with limits, select on both sides.

use auth_core::{Adapter, Direction, Join, Query, Result, Value, Where};

use super::util::{make_session, make_user, s};
use crate::Ctx;

cases!("joins": session_with_user, user_with_sessions, one_to_many_default_limit_is_100,
    one_to_many_custom_limit, join_with_select, find_many_with_join, join_without_rows_is_empty,
    join_unrelated_model_is_invalid);

async fn session_with_user(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = make_user(&db, "Joe").await?;
    make_session(&db, &uid, "tok-joe", 60).await?;
    let q = Query::filter(vec![Where::eq("token", "tok-joe")]).join(Join::new("user"));
    let row = db.find_one("session", &q).await?.expect("session");
    let user = row.get("user").and_then(Value::as_object).expect("user object");
    assert_eq!(s(user, "id"), uid);
    assert_eq!(s(user, "email"), "joe@example.com");
    assert_eq!(s(&row, "userId"), uid);
    Ok(())
}

async fn user_with_sessions(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let a = make_user(&db, "Al").await?;
    let b = make_user(&db, "Bo").await?;
    for t in ["a1", "a2", "a3"] {
        make_session(&db, &a, t, 60).await?;
    }
    make_session(&db, &b, "b1", 60).await?;
    let q = Query::filter(vec![Where::eq("id", a.as_str())]).join(Join::new("session"));
    let row = db.find_one("user", &q).await?.expect("user");
    let sessions = row.get("session").and_then(Value::as_list).expect("list");
    let mut tokens: Vec<&str> = sessions.iter().map(|v| s(v.as_object().expect("row"), "token")).collect();
    tokens.sort();
    assert_eq!(tokens, ["a1", "a2", "a3"]);
    Ok(())
}

async fn one_to_many_default_limit_is_100(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = make_user(&db, "Lots").await?;
    for i in 0..105 {
        make_session(&db, &uid, &format!("t{i}"), 60).await?;
    }
    let q = Query::filter(vec![Where::eq("id", uid.as_str())]).join(Join::new("session"));
    let row = db.find_one("user", &q).await?.expect("user");
    assert_eq!(row.get("session").and_then(Value::as_list).map(<[Value]>::len), Some(100));
    Ok(())
}

async fn one_to_many_custom_limit(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let a = make_user(&db, "Ca").await?;
    let b = make_user(&db, "Cb").await?;
    for i in 0..5 {
        make_session(&db, &a, &format!("ca{i}"), 60).await?;
        make_session(&db, &b, &format!("cb{i}"), 60).await?;
    }
    let q = Query::new().sort_by("name", Direction::Asc).join(Join::new("session").limit(2));
    let rows = db.find_many("user", &q).await?;
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let list = row.get("session").and_then(Value::as_list).expect("list");
        assert_eq!(list.len(), 2, "per base row");
        for sess in list {
            assert_eq!(s(sess.as_object().expect("row"), "userId"), s(row, "id"));
        }
    }
    Ok(())
}

async fn join_with_select(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = make_user(&db, "Sel").await?;
    make_session(&db, &uid, "tok-sel", 60).await?;
    let q = Query::filter(vec![Where::eq("token", "tok-sel")])
        .select(&["token"])
        .join(Join::new("user").select(&["email"]));
    let row = db.find_one("session", &q).await?.expect("row");
    assert_eq!(row.keys().collect::<Vec<_>>(), ["token", "user"]);
    let user = row.get("user").and_then(Value::as_object).expect("user");
    assert_eq!(user.keys().collect::<Vec<_>>(), ["email"]);
    assert_eq!(s(user, "email"), "sel@example.com");
    let q = Query::filter(vec![Where::eq("id", uid.as_str())]).select(&["name"]).join(Join::new("session").select(&["token"]));
    let row = db.find_one("user", &q).await?.expect("row");
    let list = row.get("session").and_then(Value::as_list).expect("list");
    assert_eq!(list, [Value::Object(auth_core::row! { "token" => "tok-sel" })]);
    assert_eq!(row.keys().collect::<Vec<_>>(), ["name", "session"]);
    Ok(())
}

async fn find_many_with_join(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let a = make_user(&db, "Fa").await?;
    let b = make_user(&db, "Fb").await?;
    make_session(&db, &a, "fa", 60).await?;
    make_session(&db, &b, "fb", 60).await?;
    let q = Query::new().sort_by("token", Direction::Asc).join(Join::new("user"));
    let rows = db.find_many("session", &q).await?;
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (s(r, "token"), s(r.get("user").and_then(Value::as_object).expect("user"), "name")))
        .collect();
    assert_eq!(pairs, [("fa", "Fa"), ("fb", "Fb")]);
    Ok(())
}

async fn join_without_rows_is_empty(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = make_user(&db, "Lone").await?;
    let q = Query::filter(vec![Where::eq("id", uid.as_str())]).join(Join::new("session")).join(Join::new("account"));
    let row = db.find_one("user", &q).await?.expect("user");
    assert_eq!(row.get("session"), Some(&Value::List(vec![])));
    assert_eq!(row.get("account"), Some(&Value::List(vec![])));
    Ok(())
}

async fn join_unrelated_model_is_invalid(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let q = Query::new().join(Join::new("verification"));
    let e = db.find_many("user", &q).await;
    assert!(matches!(e, Err(auth_core::Error::InvalidQuery { .. })), "{e:?}");
    let e = db.find_many("user", &Query::new().join(Join::new("nope"))).await;
    assert!(matches!(e, Err(auth_core::Error::UnknownModel(_))), "{e:?}");
    Ok(())
}
