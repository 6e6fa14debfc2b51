//! Values to and from rusqlite, and rusqlite errors to typed errors.

use rusqlite::ffi;
use rusqlite::types::{Value as SqlValue, ValueRef};

use auth_core::{Error, Model, Value};

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

/// Maps a rusqlite error on `model` to the typed error.
pub(crate) fn map_err(model: Option<&Model>, e: rusqlite::Error) -> Error {
    let model_name = model.map_or_else(String::new, |m| m.name.clone());
    if let rusqlite::Error::SqliteFailure(code, msg) = &e {
        let msg = msg.clone().unwrap_or_default();
        // "UNIQUE constraint failed: user.email" → the field behind column `email`.
        let field = msg.rsplit(": ").next().and_then(|cols| cols.split(", ").next()).and_then(|tc| {
            let column = tc.rsplit('.').next()?;
            model.and_then(|m| m.fields.iter().find(|f| f.column == column)).map(|f| f.name.clone())
        });
        match code.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                return Error::UniqueViolation { model: model_name, field };
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                return Error::ForeignKeyViolation { model: model_name, field: None };
            }
            ffi::SQLITE_CONSTRAINT_NOTNULL => {
                return Error::MissingField { model: model_name, field: field.unwrap_or_default() };
            }
            _ => {}
        }
        match code.code {
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                return Error::connection(format!("SQLite database is locked: {e}"));
            }
            rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::NotADatabase => {
                return Error::connection(format!("cannot open SQLite database: {e}"));
            }
            _ => {}
        }
    }
    Error::backend(e)
}
