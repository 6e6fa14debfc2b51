//! Values to and from SeaORM, and SeaORM / sqlx errors to typed errors.

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::sqlx;
use sea_orm::{DbErr, QueryResult, RuntimeErr, TryGetable, Value as SeaValue};

use auth_core::sql::Dialect;
use auth_core::{Error, FieldType, Model, Value};

/// A bound parameter. `hint` is the type of the column it goes to, when known: PostgreSQL needs
/// a NULL typed like its column (a `text` NULL does not go into a `jsonb` column).
pub(crate) fn to_sea(d: Dialect, v: Value, hint: Option<FieldType>) -> SeaValue {
    match v {
        Value::Null => typed_null(d, hint),
        Value::Bool(b) => SeaValue::Bool(Some(b)),
        Value::Int(i) => SeaValue::BigInt(Some(i)),
        Value::Float(f) => SeaValue::Double(Some(f)),
        Value::String(s) => SeaValue::String(Some(s)),
        Value::Date(t) => match d {
            Dialect::Postgres => SeaValue::ChronoDateTimeUtc(Some(t)),
            // datetime(3) has no zone: the UTC wall clock, as the session time zone is UTC.
            Dialect::Mysql => SeaValue::ChronoDateTime(Some(t.naive_utc())),
            Dialect::Sqlite => SeaValue::String(Some(auth_core::value::format_date(&t))),
        },
        Value::Json(j) => json(d, j),
        other => json(d, other.to_json()),
    }
}

fn json(d: Dialect, j: serde_json::Value) -> SeaValue {
    match d {
        Dialect::Postgres => SeaValue::Json(Some(Box::new(j))),
        // MariaDB's JSON is LONGTEXT: bind text, which both MySQL and MariaDB accept.
        _ => SeaValue::String(Some(j.to_string())),
    }
}

fn typed_null(d: Dialect, hint: Option<FieldType>) -> SeaValue {
    match (d, hint) {
        (Dialect::Postgres, Some(FieldType::Number)) => SeaValue::BigInt(None),
        (Dialect::Postgres, Some(FieldType::Boolean)) => SeaValue::Bool(None),
        (Dialect::Postgres, Some(FieldType::Date)) => SeaValue::ChronoDateTimeUtc(None),
        (Dialect::Postgres, Some(FieldType::Json | FieldType::StringArray | FieldType::NumberArray)) => {
            SeaValue::Json(None)
        }
        _ => SeaValue::String(None),
    }
}

fn get<T>(row: &QueryResult, i: usize) -> Result<Option<T>, DbErr>
where
    T: TryGetable,
{
    row.try_get_by_index::<Option<T>>(i)
}

/// Reads column `i` of `row`, typed by the field type it holds; falls back to the other
/// spellings a column of that type may come back as (`int4` for numbers, text for JSON, ...).
pub(crate) fn from_row(d: Dialect, row: &QueryResult, i: usize, ty: FieldType) -> Result<Value, DbErr> {
    let first = match (d, ty) {
        (_, FieldType::Number) => get::<i64>(row, i).map(|v| v.map(Value::Int)),
        (Dialect::Sqlite, FieldType::Boolean) => get::<i64>(row, i).map(|v| v.map(Value::Int)),
        (_, FieldType::Boolean) => get::<bool>(row, i).map(|v| v.map(Value::Bool)),
        (Dialect::Postgres, FieldType::Date) => get::<DateTime<Utc>>(row, i).map(|v| v.map(Value::Date)),
        (Dialect::Mysql, FieldType::Date) => get::<NaiveDateTime>(row, i).map(|v| v.map(|n| Value::Date(n.and_utc()))),
        (Dialect::Postgres, FieldType::Json | FieldType::StringArray | FieldType::NumberArray) => {
            get::<serde_json::Value>(row, i).map(|v| v.map(Value::Json))
        }
        _ => get::<String>(row, i).map(|v| v.map(Value::String)),
    };
    match first {
        Ok(v) => Ok(v.unwrap_or(Value::Null)),
        Err(e) => fallback(row, i).ok_or(e),
    }
}

/// Any value the column holds, tried type by type.
fn fallback(row: &QueryResult, i: usize) -> Option<Value> {
    let wrap = |v: Option<Value>| v.unwrap_or(Value::Null);
    if let Ok(v) = get::<i64>(row, i) {
        return Some(wrap(v.map(Value::Int)));
    }
    if let Ok(v) = get::<i32>(row, i) {
        return Some(wrap(v.map(|x| Value::Int(x.into()))));
    }
    if let Ok(v) = get::<i16>(row, i) {
        return Some(wrap(v.map(|x| Value::Int(x.into()))));
    }
    if let Ok(v) = get::<bool>(row, i) {
        return Some(wrap(v.map(Value::Bool)));
    }
    if let Ok(v) = get::<String>(row, i) {
        return Some(wrap(v.map(Value::String)));
    }
    if let Ok(v) = get::<f64>(row, i) {
        return Some(wrap(v.map(Value::Float)));
    }
    if let Ok(v) = get::<DateTime<Utc>>(row, i) {
        return Some(wrap(v.map(Value::Date)));
    }
    if let Ok(v) = get::<NaiveDateTime>(row, i) {
        return Some(wrap(v.map(|n| Value::Date(n.and_utc()))));
    }
    if let Ok(v) = get::<serde_json::Value>(row, i) {
        return Some(wrap(v.map(Value::Json)));
    }
    if let Ok(v) = get::<Vec<u8>>(row, i) {
        return Some(wrap(v.map(|b| Value::String(String::from_utf8_lossy(&b).into_owned()))));
    }
    None
}

/// Reads a whole row typed by `types`.
pub(crate) fn row_values(d: Dialect, row: &QueryResult, types: &[FieldType]) -> Result<Vec<Value>, DbErr> {
    types.iter().enumerate().map(|(i, &ty)| from_row(d, row, i, ty)).collect()
}

/// The sqlx error inside a SeaORM error, if any.
fn sqlx_error(e: &DbErr) -> Option<&sqlx::Error> {
    match e {
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => Some(s.as_ref()),
        _ => None,
    }
}

/// The field of `model` stored in `column`.
fn field_of_column(model: Option<&Model>, column: &str) -> Option<String> {
    let column = column.trim_matches(|c| c == '"' || c == '`' || c == '\'');
    model.and_then(|m| m.fields.iter().find(|f| f.column.eq_ignore_ascii_case(column))).map(|f| f.name.clone())
}

/// The field behind a unique index or constraint called `name` (our index names, `PRIMARY`,
/// PostgreSQL's `<table>_pkey` / `<table>_<column>_key`).
fn field_of_index(model: Option<&Model>, name: &str) -> Option<String> {
    let m = model?;
    // MySQL 8 reports `table.index`.
    let name = name.rsplit('.').next().unwrap_or(name);
    if name.eq_ignore_ascii_case("PRIMARY") || name == format!("{}_pkey", m.table) {
        return m.fields.first().map(|f| f.name.clone());
    }
    if let Some(i) = m.indexes().into_iter().find(|i| i.name == name) {
        return field_of_column(model, &i.column);
    }
    let col = name.strip_prefix(&format!("{}_", m.table))?.strip_suffix("_key")?;
    field_of_column(model, col)
}

/// The text between `start` and the next `end`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// Maps a SeaORM error on `model` to the typed error.
pub(crate) fn map_err(d: Dialect, model: Option<&Model>, e: DbErr) -> Error {
    let model_name = model.map_or_else(String::new, |m| m.name.clone());
    match &e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return Error::connection_from(e.to_string(), e),
        _ => {}
    }
    let Some(sx) = sqlx_error(&e) else {
        return Error::backend(e);
    };
    match sx {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => return Error::connection_from(e.to_string(), e),
        sqlx::Error::Database(db) => {
            let msg = db.message().to_string();
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let mysql_number = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|m| m.number());
            let pg = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>();
            let unique = code == "23505"
                || mysql_number == Some(1062)
                || (d == Dialect::Sqlite && matches!(code.as_str(), "2067" | "1555"));
            let foreign = code == "23503"
                || matches!(mysql_number, Some(1451 | 1452 | 1216 | 1217))
                || (d == Dialect::Sqlite && code == "787");
            let not_null = code == "23502"
                || matches!(mysql_number, Some(1048 | 1364))
                || (d == Dialect::Sqlite && code == "1299");
            if unique || foreign || not_null {
                let field = match d {
                    Dialect::Postgres => pg
                        .and_then(|p| p.column().and_then(|c| field_of_column(model, c)))
                        .or_else(|| {
                            pg.and_then(|p| p.detail())
                                .and_then(|dt| between(dt, "Key (", ")="))
                                .and_then(|c| field_of_column(model, c))
                        })
                        .or_else(|| db.constraint().and_then(|c| field_of_index(model, c))),
                    Dialect::Mysql if unique => between(&msg, "for key '", "'").and_then(|k| field_of_index(model, k)),
                    Dialect::Mysql => between(&msg, "Column '", "'").and_then(|c| field_of_column(model, c)),
                    // "UNIQUE constraint failed: user.email"
                    Dialect::Sqlite => msg
                        .rsplit(": ")
                        .next()
                        .and_then(|cols| cols.split(", ").next())
                        .and_then(|tc| tc.rsplit('.').next())
                        .and_then(|c| field_of_column(model, c)),
                };
                if unique {
                    return Error::UniqueViolation { model: model_name, field };
                }
                if foreign {
                    return Error::ForeignKeyViolation { model: model_name, field: None };
                }
                return Error::MissingField { model: model_name, field: field.unwrap_or_default() };
            }
            // PostgreSQL connection exceptions / shutdown; SQLite busy or locked.
            if code.starts_with("08")
                || code.starts_with("57P")
                || (d == Dialect::Sqlite && matches!(code.as_str(), "5" | "6" | "261" | "517" | "262"))
                || matches!(mysql_number, Some(2006 | 2013 | 1053))
            {
                return Error::connection_from(e.to_string(), e);
            }
        }
        _ => {}
    }
    Error::backend(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fields_behind_constraint_names() {
        let schema = auth_core::Schema::better_auth();
        let user = schema.model("user").ok();
        assert_eq!(field_of_index(user, "user_email_uidx").as_deref(), Some("email"));
        assert_eq!(field_of_index(user, "user.user_email_uidx").as_deref(), Some("email"));
        assert_eq!(field_of_index(user, "user_email_key").as_deref(), Some("email"));
        assert_eq!(field_of_index(user, "PRIMARY").as_deref(), Some("id"));
        assert_eq!(between("Key (email)=(a@b) already exists.", "Key (", ")="), Some("email"));
    }
}
