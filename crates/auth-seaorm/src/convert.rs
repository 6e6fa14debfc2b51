//! Values to and from SeaORM, and the facts of SeaORM / sqlx errors.

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::sqlx;
use sea_orm::{DbErr, QueryResult, RuntimeErr, TryGetable, Value as SeaValue};

use auth_core::sql::{DbError, Dialect, Facts, Kind};
use auth_core::{FieldType, Value};

/// A bound parameter. (The statements never bind a NULL: an update that clears a column writes
/// the keyword.)
pub(crate) fn to_sea(d: Dialect, v: Value) -> SeaValue {
    match v {
        Value::Null => SeaValue::String(None),
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

/// The facts of a SeaORM error: sqlx's connection errors, and what the database reports (its
/// code, MySQL's error number, PostgreSQL's column, detail and constraint).
pub(crate) fn failure(e: DbErr) -> DbError {
    let unavailable = || Facts { kind: Some(Kind::Unavailable), message: e.to_string(), ..Facts::default() };
    let facts = match (&e, sqlx_error(&e)) {
        (DbErr::ConnectionAcquire(_) | DbErr::Conn(_), _) => unavailable(),
        (
            _,
            Some(
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Protocol(_),
            ),
        ) => unavailable(),
        (_, Some(sqlx::Error::Database(db))) => {
            let pg = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>();
            Facts {
                kind: None,
                code: db.code().map(|c| c.into_owned()),
                number: db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|m| i64::from(m.number())),
                message: db.message().to_string(),
                constraint: db.constraint().map(str::to_string),
                column: pg.and_then(|p| p.column()).map(str::to_string),
                detail: pg.and_then(|p| p.detail()).map(str::to_string),
            }
        }
        _ => Facts { message: e.to_string(), ..Facts::default() },
    };
    DbError::new(facts, e)
}
