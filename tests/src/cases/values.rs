//! Every value type round-trips exactly, through create and through a fresh read.

use auth_core::{
    Adapter, AuthDb, CreateOptions, Field, FieldType, Query, Result, Row, SchemaConfig, Value, Where, row,
};
use chrono::{DateTime, Utc};

use super::util::id;
use crate::Ctx;

cases!("values": dates_keep_milliseconds, dates_far_past_and_future, booleans_round_trip, integers_extremes,
    strings_unicode_empty_long, strings_that_look_like_syntax, json_round_trips, arrays_round_trip,
    optional_fields_null, wrong_type_is_rejected);

fn config() -> SchemaConfig {
    SchemaConfig::default()
        .field("user", Field::new("n", FieldType::Number).optional().bigint())
        .field("user", Field::new("flag", FieldType::Boolean).optional())
        .field("user", Field::new("when", FieldType::Date).optional())
        .field("user", Field::new("doc", FieldType::Json).optional())
        .field("user", Field::new("tags", FieldType::StringArray).optional())
        .field("user", Field::new("scores", FieldType::NumberArray).optional())
}

/// Writes `field = value` on a new user and checks both the returned and the re-read value.
async fn round_trip(db: &AuthDb, field: &str, value: Value) -> Result<()> {
    let mut data: Row = row! { "name" => "v", "email" => format!("{}@v.io", auth_core::id::random_string(12)) };
    data.insert(field.into(), value.clone());
    let created = db.create("user", data, CreateOptions::default()).await?;
    assert_eq!(created.get(field), Some(&value), "{field} as returned by create");
    let read = db.find_one("user", &Query::filter(vec![Where::eq("id", id(&created))])).await?.expect("row");
    assert_eq!(read.get(field), Some(&value), "{field} as read back");
    Ok(())
}

fn date(s: &str) -> Value {
    Value::Date(DateTime::parse_from_rfc3339(s).expect("valid date").with_timezone(&Utc))
}

async fn dates_keep_milliseconds(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    round_trip(&db, "when", date("2024-02-29T23:59:59.123Z")).await?;
    round_trip(&db, "when", date("2024-06-01T12:00:00.001Z")).await?;
    round_trip(&db, "when", date("2024-06-01T12:00:00.999Z")).await?;
    // Sub-millisecond input is cut to milliseconds.
    let mut data = row! { "name" => "x", "email" => "sub@ms.io" };
    data.insert("when".into(), date("2024-06-01T12:00:00.123456Z"));
    let row = db.create("user", data, CreateOptions::default()).await?;
    assert_eq!(row.get("when"), Some(&date("2024-06-01T12:00:00.123Z")));
    Ok(())
}

async fn dates_far_past_and_future(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    for d in ["1000-01-01T00:00:00.001Z", "1969-12-31T23:59:59.999Z", "2038-01-19T03:14:08.000Z", "9999-12-31T23:59:59.999Z"] {
        round_trip(&db, "when", date(d)).await?;
    }
    Ok(())
}

async fn booleans_round_trip(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    round_trip(&db, "flag", Value::Bool(true)).await?;
    round_trip(&db, "flag", Value::Bool(false)).await?;
    assert_eq!(db.count("user", &[Where::eq("flag", true)]).await?, 1);
    Ok(())
}

async fn integers_extremes(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    for n in [0, -1, 1, i64::MAX, i64::MIN, 9_007_199_254_740_993] {
        round_trip(&db, "n", Value::Int(n)).await?;
    }
    assert_eq!(db.count("user", &[Where::gt("n", i64::MAX - 1)]).await?, 1);
    assert_eq!(db.count("user", &[Where::lt("n", -1i64)]).await?, 1);
    Ok(())
}

async fn strings_unicode_empty_long(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    for s in ["Zoë 🚀 中文 עברית", "", " padded ", "line\nbreak\ttab", &"x".repeat(100_000)] {
        round_trip(&db, "name", Value::from(s)).await?;
    }
    assert_eq!(db.count("user", &[Where::eq("name", "Zoë 🚀 中文 עברית")]).await?, 1);
    Ok(())
}

async fn strings_that_look_like_syntax(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    let list = ["'; DROP TABLE user; --", "\" OR 1=1 --", ".*[a-z]+$", "\\\\server\\share", "$where", "{\"$ne\": null}", "%_%"];
    for s in list {
        round_trip(&db, "name", Value::from(s)).await?;
        assert_eq!(db.count("user", &[Where::eq("name", s)]).await?, 1, "{s}");
    }
    Ok(())
}

async fn json_round_trips(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    let doc = serde_json::json!({"a": [1, 2.5, "x", null, true], "nested": {"k": "v", "$ne": 1}, "big": 9_007_199_254_740_991i64});
    round_trip(&db, "doc", Value::Json(doc)).await?;
    round_trip(&db, "doc", Value::Json(serde_json::json!([1, 2, 3]))).await?;
    round_trip(&db, "doc", Value::Json(serde_json::json!("just a string"))).await?;
    Ok(())
}

async fn arrays_round_trip(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    round_trip(&db, "tags", Value::from(vec!["a", "", "ü", "%_", "with,comma"])).await?;
    round_trip(&db, "tags", Value::List(vec![])).await?;
    round_trip(&db, "scores", Value::List(vec![Value::Int(1), Value::Int(-2), Value::Float(3.25), Value::Int(1_000_000_000_000_000)])).await?;
    Ok(())
}

async fn optional_fields_null(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    let row = db.create("user", row! { "name" => "n", "email" => "null@v.io" }, CreateOptions::default()).await?;
    for f in ["n", "flag", "when", "doc", "tags", "scores", "image"] {
        assert_eq!(row.get(f), Some(&Value::Null), "{f}");
    }
    round_trip(&db, "image", Value::Null).await?;
    Ok(())
}

async fn wrong_type_is_rejected(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(config()).await?;
    let cases: [(&str, Value); 5] = [
        ("n", Value::from("seven")),
        ("n", Value::Float(1.5)),
        ("flag", Value::Int(1)),
        ("when", Value::from("yesterday")),
        ("tags", Value::from(vec![1i64, 2])),
    ];
    for (field, v) in cases {
        let mut data = row! { "name" => "w", "email" => "wrong@v.io" };
        data.insert(field.into(), v);
        let e = db.create("user", data, CreateOptions::default()).await;
        assert!(matches!(&e, Err(auth_core::Error::WrongType { field: f, .. }) if f == field), "{field}: {e:?}");
    }
    assert_eq!(db.count("user", &[]).await?, 0, "nothing written");
    Ok(())
}
