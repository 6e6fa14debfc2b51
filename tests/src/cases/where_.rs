//! The where language: operators, AND/OR grouping, nulls, empty lists, literal patterns, case.

use auth_core::{Adapter, AuthDb, CreateOptions, Query, Result, Value, Where, row};

use super::util::names;
use crate::Ctx;

cases!("where": comparison_operators, in_and_not_in, empty_in_matches_nothing, empty_not_in_matches_everything,
    eq_null_is_is_null, ne_null_is_is_not_null, ne_does_not_match_null, and_group_and_or_group,
    or_only_group, mixed_groups_keep_the_or_group, pattern_operators, patterns_are_literal,
    eq_is_case_sensitive, patterns_are_case_sensitive, insensitive_mode, insensitive_in,
    dates_compare_as_instants, pattern_on_non_string_is_invalid, ne_null_in_or_group, writes_use_the_same_where,
    insensitive_range_comparisons);

/// Users named `names`, with `image` set on every other one.
async fn people(ctx: &Ctx, list: &[&str]) -> Result<AuthDb> {
    let db = ctx.db().await?;
    for (i, n) in list.iter().enumerate() {
        let image = if i % 2 == 0 { Value::from(format!("img-{i}")) } else { Value::Null };
        let data = row! { "name" => *n, "email" => format!("u{i}@example.com"), "image" => image };
        db.create("user", data, CreateOptions::default()).await?;
    }
    Ok(db)
}

async fn find(db: &AuthDb, w: Vec<Where>) -> Result<Vec<String>> {
    Ok(names(&db.find_many("user", &Query::filter(w)).await?, "name"))
}

async fn comparison_operators(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c", "d"]).await?;
    assert_eq!(find(&db, vec![Where::eq("name", "b")]).await?, ["b"]);
    assert_eq!(find(&db, vec![Where::ne("name", "b")]).await?, ["a", "c", "d"]);
    assert_eq!(find(&db, vec![Where::lt("name", "c")]).await?, ["a", "b"]);
    assert_eq!(find(&db, vec![Where::lte("name", "c")]).await?, ["a", "b", "c"]);
    assert_eq!(find(&db, vec![Where::gt("name", "b")]).await?, ["c", "d"]);
    assert_eq!(find(&db, vec![Where::gte("name", "b")]).await?, ["b", "c", "d"]);
    Ok(())
}

async fn in_and_not_in(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c", "d"]).await?;
    assert_eq!(find(&db, vec![Where::in_list("name", vec!["a", "c", "zz"])]).await?, ["a", "c"]);
    assert_eq!(find(&db, vec![Where::not_in("name", vec!["a", "c"])]).await?, ["b", "d"]);
    Ok(())
}

async fn empty_in_matches_nothing(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b"]).await?;
    let empty: Vec<String> = vec![];
    assert!(find(&db, vec![Where::in_list("name", empty.clone())]).await?.is_empty());
    assert_eq!(db.count("user", &[Where::in_list("name", empty.clone())]).await?, 0);
    assert_eq!(db.delete_many("user", &[Where::in_list("name", empty.clone())]).await?, 0);
    let either = vec![Where::in_list("name", empty).or(), Where::eq("name", "a").or()];
    assert_eq!(find(&db, either).await?, ["a"], "an empty `in` is false inside an OR group");
    Ok(())
}

async fn empty_not_in_matches_everything(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b"]).await?;
    let empty: Vec<String> = vec![];
    assert_eq!(find(&db, vec![Where::not_in("name", empty.clone())]).await?, ["a", "b"]);
    let w = vec![Where::not_in("name", empty), Where::eq("name", "b")];
    assert_eq!(find(&db, w).await?, ["b"]);
    Ok(())
}

async fn eq_null_is_is_null(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c"]).await?;
    assert_eq!(find(&db, vec![Where::eq("image", Value::Null)]).await?, ["b"]);
    let or = vec![Where::eq("image", Value::Null).or(), Where::eq("name", "a").or()];
    assert_eq!(find(&db, or).await?, ["a", "b"]);
    Ok(())
}

async fn ne_null_is_is_not_null(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c"]).await?;
    assert_eq!(find(&db, vec![Where::ne("image", Value::Null)]).await?, ["a", "c"]);
    Ok(())
}

async fn ne_does_not_match_null(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c"]).await?;
    // Comparisons with a value never match a null field, on every backend.
    assert_eq!(find(&db, vec![Where::ne("image", "img-0")]).await?, ["c"]);
    assert_eq!(find(&db, vec![Where::not_in("image", vec!["img-0"])]).await?, ["c"]);
    Ok(())
}

async fn and_group_and_or_group(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c", "d"]).await?;
    let w = vec![Where::gte("name", "b"), Where::eq("name", "a").or(), Where::eq("name", "c").or()];
    assert_eq!(find(&db, w).await?, ["c"], "(name >= b) AND (name = a OR name = c)");
    Ok(())
}

async fn or_only_group(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c", "d"]).await?;
    let w = vec![Where::eq("name", "a").or(), Where::eq("name", "d").or()];
    assert_eq!(find(&db, w).await?, ["a", "d"]);
    Ok(())
}

async fn mixed_groups_keep_the_or_group(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c", "d"]).await?;
    let w = vec![Where::eq("name", "a").or(), Where::ne("image", Value::Null), Where::eq("name", "b").or()];
    assert_eq!(find(&db, w).await?, ["a"], "the OR group must not be dropped when AND conditions exist");
    Ok(())
}

async fn pattern_operators(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["alpha", "beta", "alphabet", "gamma"]).await?;
    assert_eq!(find(&db, vec![Where::contains("name", "pha")]).await?, ["alpha", "alphabet"]);
    assert_eq!(find(&db, vec![Where::starts_with("name", "alp")]).await?, ["alpha", "alphabet"]);
    assert_eq!(find(&db, vec![Where::ends_with("name", "ta")]).await?, ["beta"]);
    assert_eq!(find(&db, vec![Where::ends_with("name", "bet")]).await?, ["alphabet"]);
    Ok(())
}

async fn patterns_are_literal(ctx: Ctx) -> Result<()> {
    let list = ["100%", "100x", "a_b", "axb", "a\\b", "a*b", "a?b", "[ab]", "a.b", "a$", "^a", "(a)", "a!b", "a'b\""];
    let db = people(&ctx, &list).await?;
    assert_eq!(find(&db, vec![Where::contains("name", "%")]).await?, ["100%"]);
    assert_eq!(find(&db, vec![Where::ends_with("name", "0%")]).await?, ["100%"]);
    assert_eq!(find(&db, vec![Where::contains("name", "_")]).await?, ["a_b"]);
    assert_eq!(find(&db, vec![Where::contains("name", "\\")]).await?, ["a\\b"]);
    assert_eq!(find(&db, vec![Where::contains("name", "*")]).await?, ["a*b"]);
    assert_eq!(find(&db, vec![Where::contains("name", "?")]).await?, ["a?b"]);
    assert_eq!(find(&db, vec![Where::starts_with("name", "[")]).await?, ["[ab]"]);
    assert_eq!(find(&db, vec![Where::contains("name", ".")]).await?, ["a.b"]);
    assert_eq!(find(&db, vec![Where::ends_with("name", "$")]).await?, ["a$"]);
    assert_eq!(find(&db, vec![Where::starts_with("name", "^")]).await?, ["^a"]);
    assert_eq!(find(&db, vec![Where::contains("name", "(a)")]).await?, ["(a)"]);
    assert_eq!(find(&db, vec![Where::contains("name", "!")]).await?, ["a!b"]);
    assert_eq!(find(&db, vec![Where::contains("name", "'b\"")]).await?, ["a'b\""]);
    assert_eq!(find(&db, vec![Where::contains("name", "%").insensitive()]).await?, ["100%"]);
    assert_eq!(find(&db, vec![Where::contains("name", "_").insensitive()]).await?, ["a_b"]);
    Ok(())
}

async fn eq_is_case_sensitive(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["Ada", "ada", "ADA"]).await?;
    assert_eq!(find(&db, vec![Where::eq("name", "ada")]).await?, ["ada"]);
    assert_eq!(find(&db, vec![Where::ne("name", "ada")]).await?, ["ADA", "Ada"]);
    assert_eq!(find(&db, vec![Where::in_list("name", vec!["ADA"])]).await?, ["ADA"]);
    Ok(())
}

async fn patterns_are_case_sensitive(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["Alpha", "alpha"]).await?;
    assert_eq!(find(&db, vec![Where::starts_with("name", "Al")]).await?, ["Alpha"]);
    assert_eq!(find(&db, vec![Where::contains("name", "LPH")]).await?, Vec::<String>::new());
    assert_eq!(find(&db, vec![Where::ends_with("name", "ha")]).await?, ["Alpha", "alpha"]);
    Ok(())
}

async fn insensitive_mode(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["Ada", "ada", "Bob"]).await?;
    assert_eq!(find(&db, vec![Where::eq("name", "ADA").insensitive()]).await?, ["Ada", "ada"]);
    assert_eq!(find(&db, vec![Where::ne("name", "ADA").insensitive()]).await?, ["Bob"]);
    assert_eq!(find(&db, vec![Where::contains("name", "D").insensitive()]).await?, ["Ada", "ada"]);
    assert_eq!(find(&db, vec![Where::starts_with("name", "b").insensitive()]).await?, ["Bob"]);
    assert_eq!(find(&db, vec![Where::ends_with("name", "OB").insensitive()]).await?, ["Bob"]);
    // Mode applies to strings only: a boolean compares as usual.
    assert_eq!(db.count("user", &[Where::eq("emailVerified", false).insensitive()]).await?, 3);
    Ok(())
}

async fn insensitive_in(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["Ada", "Bob", "Cy"]).await?;
    assert_eq!(find(&db, vec![Where::in_list("name", vec!["ADA", "cy"]).insensitive()]).await?, ["Ada", "Cy"]);
    assert_eq!(find(&db, vec![Where::not_in("name", vec!["ADA", "cy"]).insensitive()]).await?, ["Bob"]);
    Ok(())
}

async fn dates_compare_as_instants(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let uid = super::util::make_user(&db, "Dt").await?;
    for (tok, mins) in [("past", -10), ("soon", 5), ("later", 600)] {
        super::util::make_session(&db, &uid, tok, mins).await?;
    }
    let now = chrono::Utc::now();
    let live = db.find_many("session", &Query::filter(vec![Where::gt("expiresAt", now)])).await?;
    assert_eq!(names(&live, "token"), ["later", "soon"]);
    let w = vec![Where::gt("expiresAt", now), Where::lt("expiresAt", super::util::in_minutes(60))];
    assert_eq!(names(&db.find_many("session", &Query::filter(w)).await?, "token"), ["soon"]);
    Ok(())
}

async fn pattern_on_non_string_is_invalid(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let e = db.find_many("user", &Query::filter(vec![Where::contains("emailVerified", "t")])).await;
    assert!(matches!(e, Err(auth_core::Error::InvalidQuery { .. })), "{e:?}");
    Ok(())
}

async fn ne_null_in_or_group(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["a", "b", "c"]).await?;
    let w = vec![Where::ne("image", Value::Null).or(), Where::eq("name", "b").or()];
    assert_eq!(find(&db, w).await?, ["a", "b", "c"]);
    Ok(())
}

/// count, update_many, delete_many and update see exactly the rows find_many sees.
async fn writes_use_the_same_where(ctx: Ctx) -> Result<()> {
    let filters: Vec<(Vec<Where>, u64)> = vec![
        (vec![Where::eq("name", "a").or(), Where::eq("name", "c").or()], 2),
        (vec![Where::starts_with("name", ".*")], 1),
        (vec![Where::contains("name", "%")], 1),
        (vec![Where::eq("emailVerified", true)], 2),
        (vec![Where::eq("email", "U1@EXAMPLE.COM").insensitive()], 1),
        (vec![Where::ne("image", Value::Null), Where::ne("name", "a")], 2),
        (vec![Where::in_list("name", Vec::<String>::new())], 0),
    ];
    for (filter, expected) in filters {
        for op in ["count", "update_many", "delete_many", "update"] {
            let db = people(&ctx, &["a", "b", "c", ".*danger", "100%", "plain"]).await?;
            db.update_many("user", &[Where::in_list("name", vec!["a", "b"])], row! { "emailVerified" => true }).await?;
            let n = match op {
                "count" => db.count("user", &filter).await?,
                "update_many" => db.update_many("user", &filter, row! { "image" => "touched" }).await?,
                "delete_many" => db.delete_many("user", &filter).await?,
                _ => db.update("user", &filter, row! { "image" => "touched" }).await?.map_or(0, |_| expected),
            };
            assert_eq!(n, expected, "{op} with {filter:?}");
            if op == "delete_many" {
                assert_eq!(db.count("user", &[]).await?, 6 - expected, "delete_many removed exactly the matches");
            }
            if op == "update_many" {
                assert_eq!(db.count("user", &[Where::eq("image", "touched")]).await?, expected);
            }
        }
    }
    Ok(())
}

/// Found by the differential test: ranges in insensitive mode compare folded strings, and a value
/// like "$ne" is data.
async fn insensitive_range_comparisons(ctx: Ctx) -> Result<()> {
    let db = people(&ctx, &["Ab", "b", "$ne", ""]).await?;
    assert_eq!(find(&db, vec![Where::lt("name", "a").insensitive()]).await?, ["", "$ne"]);
    assert_eq!(find(&db, vec![Where::gte("name", "AB").insensitive()]).await?, ["Ab", "b"]);
    assert_eq!(find(&db, vec![Where::lte("name", "$NE").insensitive()]).await?, ["", "$ne"]);
    assert_eq!(find(&db, vec![Where::lt("name", "a")]).await?, ["", "$ne", "Ab"], "sensitive: byte order");
    assert_eq!(find(&db, vec![Where::gt("image", "a").insensitive()]).await?, ["$ne", "Ab"], "null images never match");
    Ok(())
}
