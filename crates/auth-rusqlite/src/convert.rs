//! Values to and from rusqlite, and the facts of rusqlite's errors.

use rusqlite::types::{Value as SqlValue, ValueRef};

use auth_core::Value;
use auth_core::sql::{DbError, Facts};

/// A bound parameter. `auth-core` has already encoded dates, booleans and JSON as SQLite stores
/// them; what is left maps one to one.
pub(crate) fn to_sql(v: Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(b as i64),
        Value::Int(i) => SqlValue::Integer(i),
        Value::Float(f) => SqlValue::Real(f),
        Value::String(s) => SqlValue::Text(s),
        Value::Date(d) => SqlValue::Text(auth_core::value::format_date(&d)),
        other => SqlValue::Text(other.to_json().to_string()),
    }
}

pub(crate) fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
    }
}

/// The facts of a rusqlite error: SQLite's extended result code and message.
pub(crate) fn failure(e: rusqlite::Error) -> DbError {
    let number = match &e {
        rusqlite::Error::SqliteFailure(code, _) => Some(i64::from(code.extended_code)),
        _ => None,
    };
    DbError::new(Facts { number, message: e.to_string(), ..Facts::default() }, e)
}
