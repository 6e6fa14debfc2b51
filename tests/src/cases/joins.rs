//! Joins: backward one-to-one (session → user), one-to-many with limits, select on both sides.

use auth_core::{
    Adapter, AuthStore, CreateOptions, Direction, Field, Join, NewAccount, OnDelete, Query, Result, SchemaConfig, Value, Where,
    row,
};

use super::util::{id, in_minutes, make_session, make_user, s};
use crate::Ctx;

cases!("joins": session_with_user, user_with_sessions, one_to_many_default_limit_is_100,
    one_to_many_custom_limit, join_with_select, find_many_with_join, join_without_rows_is_empty,
    join_unrelated_model_is_invalid, one_to_one_through_unique_reference, several_joins_page_base_rows,
    join_through_non_id_reference, joins_on_missing_base_rows);

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

async fn one_to_one_through_unique_reference(ctx: Ctx) -> Result<()> {
    let cfg = SchemaConfig::default()
        .field("verification", Field::string("ownerId").optional().unique().references("user", "id", OnDelete::Cascade));
    let db = ctx.db_with(cfg).await?;
    let a = make_user(&db, "Oa").await?;
    let b = make_user(&db, "Ob").await?;
    let c = make_user(&db, "Oc").await?;
    for (owner, v) in [(&a, "va"), (&b, "vb")] {
        let data = row! { "identifier" => v, "value" => v, "expiresAt" => in_minutes(5), "ownerId" => owner.as_str() };
        db.create("verification", data, CreateOptions::default()).await?;
    }
    make_session(&db, &a, "oa1", 5).await?;
    make_session(&db, &a, "oa2", 5).await?;
    let q = |uid: &str| Query::filter(vec![Where::eq("id", uid)]).join(Join::new("verification")).join(Join::new("session"));
    let row = db.find_one("user", &q(&a)).await?.expect("user");
    let v = row.get("verification").and_then(Value::as_object).expect("an object, not a list");
    assert_eq!(s(v, "ownerId"), a);
    assert_eq!(s(v, "identifier"), "va");
    assert_eq!(row.get("session").and_then(Value::as_list).map(<[Value]>::len), Some(2));
    let row = db.find_one("user", &q(&c)).await?.expect("user");
    assert_eq!(row.get("verification"), Some(&Value::Null));
    assert_eq!(row.get("session"), Some(&Value::List(vec![])));
    let many = Query::filter(vec![Where::eq("id", a.as_str()).or(), Where::eq("id", c.as_str()).or()])
        .select(&["email"])
        .sort_by("name", Direction::Asc)
        .join(Join::new("verification").select(&["identifier"]));
    let rows = db.find_many("user", &many).await?;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get("verification"), Some(&Value::Object(row! { "identifier" => "va" })));
    assert_eq!(rows[1].get("verification"), Some(&Value::Null));
    assert_eq!(rows[0].keys().collect::<Vec<_>>(), ["email", "verification"]);
    Ok(())
}

async fn several_joins_page_base_rows(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let mut ids = Vec::new();
    for i in 0..5 {
        let uid = make_user(&db, &format!("j{i}")).await?;
        if i < 4 {
            for k in 0..3 {
                make_session(&db, &uid, &format!("j{i}-s{k}"), 5).await?;
                db.link_account(NewAccount::new(&uid, "gh", &format!("{i}-{k}"))).await?;
            }
        }
        ids.push(uid);
    }
    let q = Query::new()
        .sort_by("name", Direction::Desc)
        .limit(2)
        .offset(1)
        .join(Join::new("session"))
        .join(Join::new("account").limit(1));
    let rows = db.find_many("user", &q).await?;
    assert_eq!(rows.iter().map(|r| s(r, "name")).collect::<Vec<_>>(), ["j3", "j2"], "paging applies to base rows");
    for row in &rows {
        let sessions = row.get("session").and_then(Value::as_list).expect("list");
        let mut sids: Vec<&str> = sessions.iter().map(|x| s(x.as_object().expect("row"), "id")).collect();
        sids.dedup();
        assert_eq!(sids.len(), 3, "two one-to-many joins must not multiply rows");
        assert!(sessions.iter().all(|x| s(x.as_object().expect("row"), "userId") == id(row)));
        assert_eq!(row.get("account").and_then(Value::as_list).map(<[Value]>::len), Some(1));
    }
    let q = Query::filter(vec![Where::eq("id", ids[0].as_str())]).join(Join::new("session").limit(2)).join(Join::new("account").limit(3));
    let row = db.find_one("user", &q).await?.expect("row");
    assert_eq!(row.get("session").and_then(Value::as_list).map(<[Value]>::len), Some(2));
    assert_eq!(row.get("account").and_then(Value::as_list).map(<[Value]>::len), Some(3));
    let q = Query::filter(vec![Where::eq("id", ids[4].as_str())]).join(Join::new("session")).join(Join::new("account"));
    let row = db.find_one("user", &q).await?.expect("row");
    assert_eq!((row.get("session"), row.get("account")), (Some(&Value::List(vec![])), Some(&Value::List(vec![]))));
    Ok(())
}

async fn join_through_non_id_reference(ctx: Ctx) -> Result<()> {
    let cfg = SchemaConfig::default().column("user", "email", "email_address").field(
        "verification",
        Field::string("ownerEmail").optional().unique().column("owner_email").references("user", "email", OnDelete::Cascade),
    );
    let db = ctx.db_with(cfg).await?;
    make_user(&db, "Ne").await?;
    make_user(&db, "Nf").await?;
    let data = row! { "identifier" => "i", "value" => "v", "expiresAt" => in_minutes(5), "ownerEmail" => "ne@example.com" };
    db.create("verification", data, CreateOptions::default()).await?;
    let q = Query::filter(vec![Where::eq("email", "ne@example.com")]).join(Join::new("verification"));
    let row = db.find_one("user", &q).await?.expect("user");
    let v = row.get("verification").and_then(Value::as_object).expect("joined");
    assert_eq!(s(v, "ownerEmail"), "ne@example.com");
    let q = Query::filter(vec![Where::eq("email", "nf@example.com")]).join(Join::new("verification"));
    assert_eq!(db.find_one("user", &q).await?.expect("user").get("verification"), Some(&Value::Null));
    Ok(())
}

async fn joins_on_missing_base_rows(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    make_user(&db, "Present").await?;
    let q = Query::filter(vec![Where::eq("email", "absent@example.com")]).join(Join::new("session")).join(Join::new("account"));
    assert!(db.find_one("user", &q).await?.is_none());
    assert!(db.find_many("user", &q).await?.is_empty());
    Ok(())
}
