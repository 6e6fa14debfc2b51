//! Create, read, update, delete and count on the core tables.

use auth_core::{
    Adapter, CreateOptions, Direction, Error, Field, FieldType, Query, Result, SchemaConfig, Value, Where, row,
};

use super::util::{id, make_user, names, s, user};
use crate::Ctx;

cases!("basic": create_returns_row_with_id_and_defaults, create_with_select, create_ignores_id_unless_forced,
    create_force_id, find_one_by_id, find_one_missing_is_none, find_many_all_and_filtered,
    find_many_sort_limit_offset, find_many_has_no_default_limit, count_rows, update_returns_updated_row,
    update_sets_updated_at, update_no_match_is_none, update_empty_where_is_none, update_changes_one_row,
    update_many_counts_matched_rows, delete_removes_matching_rows, delete_empty_where_deletes_nothing,
    delete_many_counts, find_one_with_select, update_with_several_conditions, update_many_empty_where_updates_all,
    delete_by_non_unique_field, explicit_null_skips_the_default, find_by_exact_date, sort_by_number, nulls_sort_first);

async fn create_returns_row_with_id_and_defaults(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let row = db.create("user", user("Ada"), CreateOptions::default()).await?;
    let id = id(&row);
    if ctx.capabilities().native_ids {
        assert_eq!(id.len(), 24, "native ids are ObjectIds as 24 hex digits: {id}");
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    } else {
        assert_eq!(id.len(), 32, "default ids are 32 alphanumeric characters: {id}");
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    }
    assert_eq!(s(&row, "name"), "Ada");
    assert_eq!(row.get("emailVerified"), Some(&Value::Bool(false)));
    assert_eq!(row.get("image"), Some(&Value::Null));
    let created = row.get("createdAt").and_then(Value::as_date).expect("createdAt is a date");
    assert!((chrono::Utc::now() - created).num_seconds().abs() < 60);
    assert_eq!(row.get("updatedAt"), row.get("createdAt"));
    Ok(())
}

async fn create_with_select(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let opts = CreateOptions { select: Some(vec!["id".into(), "email".into()]), ..Default::default() };
    let row = db.create("user", user("Bob"), opts).await?;
    assert_eq!(row.keys().collect::<Vec<_>>(), ["email", "id"]);
    Ok(())
}

async fn create_ignores_id_unless_forced(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let mut data = user("Cy");
    data.insert("id".into(), "abcdefabcdefabcdefabcdef".into());
    let row = db.create("user", data, CreateOptions::default()).await?;
    assert_ne!(id(&row), "abcdefabcdefabcdefabcdef");
    Ok(())
}

async fn create_force_id(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let mut data = user("Di");
    data.insert("id".into(), "0123456789abcdef0123abcd".into());
    let row = db.create("user", data, CreateOptions { force_id: true, ..Default::default() }).await?;
    assert_eq!(id(&row), "0123456789abcdef0123abcd");
    let found = db.find_one("user", &Query::filter(vec![Where::eq("id", "0123456789abcdef0123abcd")])).await?;
    assert_eq!(found.map(|r| s(&r, "name").to_string()), Some("Di".into()));
    Ok(())
}

async fn find_one_by_id(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let a = make_user(&db, "Ann").await?;
    make_user(&db, "Ben").await?;
    let row = db.find_one("user", &Query::filter(vec![Where::eq("id", a.as_str())])).await?.expect("found");
    assert_eq!(s(&row, "name"), "Ann");
    assert_eq!(s(&row, "email"), "ann@example.com");
    Ok(())
}

async fn find_one_missing_is_none(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    make_user(&db, "Eve").await?;
    let q = Query::filter(vec![Where::eq("email", "nobody@example.com")]);
    assert!(db.find_one("user", &q).await?.is_none());
    Ok(())
}

async fn find_one_with_select(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    make_user(&db, "Fay").await?;
    let q = Query::filter(vec![Where::eq("name", "Fay")]).select(&["email"]);
    let row = db.find_one("user", &q).await?.expect("found");
    assert_eq!(row, row! { "email" => "fay@example.com" });
    Ok(())
}

async fn find_many_all_and_filtered(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for n in ["Gus", "Hal", "Ivy"] {
        make_user(&db, n).await?;
    }
    let all = db.find_many("user", &Query::new()).await?;
    assert_eq!(names(&all, "name"), ["Gus", "Hal", "Ivy"]);
    let some = db.find_many("user", &Query::filter(vec![Where::ne("name", "Hal")])).await?;
    assert_eq!(names(&some, "name"), ["Gus", "Ivy"]);
    Ok(())
}

async fn find_many_sort_limit_offset(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for n in ["b", "d", "a", "c", "e"] {
        make_user(&db, n).await?;
    }
    let get = |q: Query| {
        let db = db.clone();
        async move {
            let rows = db.find_many("user", &q).await?;
            Ok::<_, Error>(rows.iter().map(|r| s(r, "name").to_string()).collect::<Vec<_>>())
        }
    };
    assert_eq!(get(Query::new().sort_by("name", Direction::Asc)).await?, ["a", "b", "c", "d", "e"]);
    assert_eq!(get(Query::new().sort_by("name", Direction::Desc)).await?, ["e", "d", "c", "b", "a"]);
    assert_eq!(get(Query::new().sort_by("name", Direction::Asc).limit(2)).await?, ["a", "b"]);
    assert_eq!(get(Query::new().sort_by("name", Direction::Asc).limit(2).offset(2)).await?, ["c", "d"]);
    assert_eq!(get(Query::new().sort_by("name", Direction::Asc).offset(3)).await?, ["d", "e"]);
    Ok(())
}

async fn find_many_has_no_default_limit(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = make_user(&db, "Many").await?;
    for i in 0..150 {
        super::util::make_session(&db, &uid, &format!("tok-{i}"), 60).await?;
    }
    let rows = db.find_many("session", &Query::filter(vec![Where::eq("userId", uid.as_str())])).await?;
    assert_eq!(rows.len(), 150, "find_many must not cut result sets at 100");
    Ok(())
}

async fn count_rows(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for n in ["Jo", "Kim", "Lu"] {
        make_user(&db, n).await?;
    }
    assert_eq!(db.count("user", &[]).await?, 3);
    assert_eq!(db.count("user", &[Where::eq("name", "Kim")]).await?, 1);
    assert_eq!(db.count("user", &[Where::eq("name", "Nobody")]).await?, 0);
    Ok(())
}

async fn update_returns_updated_row(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = make_user(&db, "Max").await?;
    let row = db
        .update("user", &[Where::eq("id", uid.as_str())], row! { "name" => "Maxine", "emailVerified" => true })
        .await?
        .expect("updated");
    assert_eq!(s(&row, "name"), "Maxine");
    assert_eq!(row.get("emailVerified"), Some(&Value::Bool(true)));
    assert_eq!(s(&row, "email"), "max@example.com");
    let again = db.find_one("user", &Query::filter(vec![Where::eq("id", uid.as_str())])).await?.expect("found");
    assert_eq!(again, row);
    Ok(())
}

async fn update_sets_updated_at(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let past = chrono::DateTime::from_timestamp_millis(1_600_000_000_123).expect("valid");
    let mut data = user("Ned");
    data.insert("createdAt".into(), past.into());
    data.insert("updatedAt".into(), past.into());
    let created = db.create("user", data, CreateOptions::default()).await?;
    assert_eq!(created.get("updatedAt"), Some(&Value::Date(past)));
    let row = db.update("user", &[Where::eq("id", id(&created))], row! { "name" => "Ned2" }).await?.expect("row");
    let updated = row.get("updatedAt").and_then(Value::as_date).expect("date");
    assert!(updated > past, "updatedAt moves on update");
    assert_eq!(row.get("createdAt"), Some(&Value::Date(past)), "createdAt stays");
    Ok(())
}

async fn update_no_match_is_none(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    make_user(&db, "Oz").await?;
    let r = db.update("user", &[Where::eq("name", "Nobody")], row! { "name" => "X" }).await?;
    assert!(r.is_none());
    assert_eq!(db.count("user", &[Where::eq("name", "X")]).await?, 0);
    Ok(())
}

async fn update_empty_where_is_none(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    make_user(&db, "Pam").await?;
    let r = db.update("user", &[], row! { "name" => "X" }).await?;
    assert!(r.is_none());
    assert_eq!(db.count("user", &[Where::eq("name", "Pam")]).await?, 1, "nothing touched");
    Ok(())
}

async fn update_changes_one_row(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for n in ["Q1", "Q2", "Q3"] {
        db.create("user", row! { "name" => "Q", "email" => format!("{n}@x.io") }, CreateOptions::default()).await?;
    }
    let r = db.update("user", &[Where::eq("name", "Q")], row! { "name" => "R" }).await?;
    assert!(r.is_some());
    assert_eq!(db.count("user", &[Where::eq("name", "R")]).await?, 1, "a non-unique where updates one row");
    assert_eq!(db.count("user", &[Where::eq("name", "Q")]).await?, 2);
    Ok(())
}

async fn update_many_counts_matched_rows(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for n in ["S1", "S2", "S3"] {
        db.create("user", row! { "name" => n, "email" => format!("{n}@x.io"), "emailVerified" => n == "S1" }, CreateOptions::default())
            .await?;
    }
    let n = db.update_many("user", &[Where::starts_with("name", "S")], row! { "emailVerified" => true }).await?;
    assert_eq!(n, 3, "rows matched, including the one already true");
    assert_eq!(db.count("user", &[Where::eq("emailVerified", true)]).await?, 3);
    let none = db.update_many("user", &[Where::eq("name", "nobody")], row! { "name" => "x" }).await?;
    assert_eq!(none, 0);
    Ok(())
}

async fn delete_removes_matching_rows(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let a = make_user(&db, "Tad").await?;
    make_user(&db, "Uma").await?;
    db.delete("user", &[Where::eq("id", a.as_str())]).await?;
    db.delete("user", &[Where::eq("id", "ffffffffffffffffffffffff")]).await?;
    let left = db.find_many("user", &Query::new()).await?;
    assert_eq!(names(&left, "name"), ["Uma"]);
    Ok(())
}

async fn delete_empty_where_deletes_nothing(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    make_user(&db, "Vic").await?;
    db.delete("user", &[]).await?;
    assert_eq!(db.count("user", &[]).await?, 1);
    Ok(())
}

async fn delete_many_counts(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for n in ["Wa", "Wb", "Xc"] {
        make_user(&db, n).await?;
    }
    assert_eq!(db.delete_many("user", &[Where::starts_with("name", "W")]).await?, 2);
    assert_eq!(db.delete_many("user", &[Where::starts_with("name", "W")]).await?, 0);
    assert_eq!(names(&db.find_many("user", &Query::new()).await?, "name"), ["Xc"]);
    Ok(())
}

async fn update_with_several_conditions(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = make_user(&db, "Mp").await?;
    let guard = [Where::eq("id", uid.as_str()), Where::eq("emailVerified", false)];
    let first = db.update("user", &guard, row! { "emailVerified" => true }).await?.expect("matched");
    assert_eq!(id(&first), uid);
    assert!(db.update("user", &guard, row! { "name" => "X" }).await?.is_none(), "the guard no longer matches");
    let row = db.find_one("user", &Query::filter(vec![Where::eq("id", uid.as_str())])).await?.expect("row");
    assert_eq!(s(&row, "name"), "Mp");
    // Changing the very field the where clause uses returns the changed row.
    let moved = db
        .update("user", &[Where::eq("email", "mp@example.com")], row! { "email" => "moved@example.com", "name" => "B" })
        .await?
        .expect("row");
    assert_eq!((id(&moved).as_str(), s(&moved, "email"), s(&moved, "name")), (uid.as_str(), "moved@example.com", "B"));
    assert!(db.find_one("user", &Query::filter(vec![Where::eq("email", "mp@example.com")])).await?.is_none());
    let by_null = db.update("user", &[Where::eq("id", uid.as_str()), Where::eq("image", Value::Null)], row! { "name" => "N" }).await?;
    assert_eq!(by_null.map(|r| s(&r, "name").to_string()), Some("N".into()));
    Ok(())
}

async fn update_many_empty_where_updates_all(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for n in ["A1", "A2", "A3"] {
        make_user(&db, n).await?;
    }
    assert_eq!(db.update_many("user", &[], row! { "image" => "all" }).await?, 3);
    assert_eq!(db.count("user", &[Where::eq("image", "all")]).await?, 3);
    Ok(())
}

async fn delete_by_non_unique_field(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for (ident, value) in [("dup", "1"), ("dup", "2"), ("dup", "3"), ("keep", "4")] {
        let data = row! { "identifier" => ident, "value" => value, "expiresAt" => super::util::in_minutes(5) };
        db.create("verification", data, CreateOptions::default()).await?;
    }
    db.delete("verification", &[Where::eq("identifier", "dup")]).await?;
    assert_eq!(db.count("verification", &[Where::eq("identifier", "dup")]).await?, 0, "every matching row");
    assert_eq!(db.count("verification", &[Where::eq("identifier", "keep")]).await?, 1);
    Ok(())
}

async fn explicit_null_skips_the_default(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().field("user", Field::string("role").optional().default_value("user"))).await?;
    let mut data = user("Nul");
    data.insert("role".into(), Value::Null);
    let row = db.create("user", data, CreateOptions::default()).await?;
    assert_eq!(row.get("role"), Some(&Value::Null), "an explicit null is stored, the default is not applied");
    let again = db.find_one("user", &Query::filter(vec![Where::eq("id", id(&row))])).await?.expect("row");
    assert_eq!(again.get("role"), Some(&Value::Null));
    let other = db.create("user", user("Def"), CreateOptions::default()).await?;
    assert_eq!(other.get("role"), Some(&Value::from("user")), "an absent field gets the default");
    Ok(())
}

async fn find_by_exact_date(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let row = db.create("user", user("Date"), CreateOptions::default()).await?;
    make_user(&db, "Other").await?;
    let created = row.get("createdAt").cloned().expect("createdAt");
    let found = db.find_many("user", &Query::filter(vec![Where::eq("createdAt", created)])).await?;
    assert!(found.iter().any(|r| id(r) == id(&row)));
    let exact = chrono::DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123Z").expect("date").to_utc();
    let uid = make_user(&db, "Exact").await?;
    db.update("user", &[Where::eq("id", uid.as_str())], row! { "createdAt" => exact }).await?;
    let hit = db.find_many("user", &Query::filter(vec![Where::eq("createdAt", exact)])).await?;
    assert_eq!(hit.iter().map(id).collect::<Vec<_>>(), [uid]);
    Ok(())
}

async fn sort_by_number(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().field("user", Field::new("n", FieldType::Number))).await?;
    for (i, n) in [10i64, 2, -1, 33, 0].into_iter().enumerate() {
        db.create("user", row! { "name" => format!("n{i}"), "email" => format!("n{i}@x.io"), "n" => n }, CreateOptions::default())
            .await?;
    }
    let ns = |rows: Vec<auth_core::Row>| rows.iter().map(|r| r.get("n").and_then(Value::as_i64).unwrap_or(99)).collect::<Vec<_>>();
    assert_eq!(ns(db.find_many("user", &Query::new().sort_by("n", Direction::Asc)).await?), [-1, 0, 2, 10, 33]);
    assert_eq!(ns(db.find_many("user", &Query::new().sort_by("n", Direction::Desc)).await?), [33, 10, 2, 0, -1]);
    let q = Query::filter(vec![Where::gt("n", -5i64)]).sort_by("n", Direction::Asc).limit(2).offset(1);
    assert_eq!(ns(db.find_many("user", &q).await?), [0, 2]);
    Ok(())
}

async fn nulls_sort_first(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    for (name, image) in [("a", Value::from("m")), ("b", Value::Null), ("c", Value::from("z")), ("d", Value::from("a"))] {
        let data = row! { "name" => name, "email" => format!("{name}@x.io"), "image" => image };
        db.create("user", data, CreateOptions::default()).await?;
    }
    let names = |rows: Vec<auth_core::Row>| rows.iter().map(|r| s(r, "name").to_string()).collect::<Vec<_>>();
    assert_eq!(names(db.find_many("user", &Query::new().sort_by("image", Direction::Asc)).await?), ["b", "d", "a", "c"]);
    assert_eq!(names(db.find_many("user", &Query::new().sort_by("image", Direction::Desc)).await?), ["c", "a", "d", "b"]);
    Ok(())
}
