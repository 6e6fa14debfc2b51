//! Value coercion: caller values → what the backend stores, and back.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::backend::Capabilities;
use crate::error::{Error, Result};
use crate::schema::{Field, FieldType, Model};
use crate::value::{Value, format_date, truncate_millis};

fn wrong(model: &Model, field: &Field, got: &Value) -> Error {
    let expected = if field.holds_id() { "id (string)" } else { field.ty.name() };
    Error::WrongType {
        model: model.name.clone(),
        field: field.name.clone(),
        expected: expected.to_string(),
        got: got.kind().to_string(),
    }
}

/// Checks a caller value against the field's type and returns it in canonical form
/// (dates truncated to milliseconds, integral floats as integers, ids as integers for serial ids).
pub fn canonical(model: &Model, field: &Field, v: Value, numeric_ids: bool) -> Result<Value> {
    if v.is_null() {
        return Ok(v);
    }
    if field.holds_id() && numeric_ids {
        return match &v {
            Value::Int(_) => Ok(v),
            Value::String(s) => s.parse::<i64>().map(Value::Int).map_err(|_| wrong(model, field, &v)),
            _ => Err(wrong(model, field, &v)),
        };
    }
    let ok = match (field.ty, v) {
        (FieldType::String, v @ Value::String(_)) => v,
        (FieldType::Number, v @ Value::Int(_)) => v,
        (FieldType::Number, Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Int(f as i64),
        (FieldType::Boolean, v @ Value::Bool(_)) => v,
        (FieldType::Date, Value::Date(d)) => Value::Date(truncate_millis(d)),
        (FieldType::Date, Value::String(s)) => match parse_date(&s) {
            Some(d) => Value::Date(d),
            None => return Err(wrong(model, field, &Value::String(s))),
        },
        (FieldType::Json, v) => Value::Json(v.to_json()),
        (FieldType::StringArray, Value::List(l)) if l.iter().all(|x| matches!(x, Value::String(_))) => {
            Value::List(l)
        }
        (FieldType::NumberArray, Value::List(l))
            if l.iter().all(|x| matches!(x, Value::Int(_) | Value::Float(_))) =>
        {
            Value::List(l)
        }
        (_, v) => return Err(wrong(model, field, &v)),
    };
    Ok(ok)
}

/// Encodes a canonical value for a backend with `caps`.
pub fn encode(field: &Field, v: Value, caps: Capabilities) -> Value {
    match (field.ty, v) {
        (_, Value::Null) => Value::Null,
        (FieldType::Boolean, Value::Bool(b)) if !caps.native_booleans => Value::Int(b as i64),
        (FieldType::Date, Value::Date(d)) if !caps.native_dates => Value::String(format_date(&d)),
        (FieldType::Json, Value::Json(j)) if !caps.native_json => Value::String(j.to_string()),
        (FieldType::StringArray | FieldType::NumberArray, v @ Value::List(_)) if !caps.native_arrays => {
            if caps.native_json { Value::Json(v.to_json()) } else { Value::String(v.to_json().to_string()) }
        }
        (_, v) => v,
    }
}

/// Decodes a stored value into what callers see (ids as strings, dates as dates, ...).
pub fn decode(model: &Model, field: &Field, v: Value) -> Result<Value> {
    if v.is_null() {
        return Ok(v);
    }
    if field.holds_id() {
        return match v {
            Value::Int(i) => Ok(Value::String(i.to_string())),
            v @ Value::String(_) => Ok(v),
            v => Err(wrong(model, field, &v)),
        };
    }
    let out = match (field.ty, v) {
        (FieldType::String, v @ Value::String(_)) => v,
        (FieldType::String, Value::Int(i)) => Value::String(i.to_string()),
        (FieldType::Number, v @ Value::Int(_)) => v,
        (FieldType::Number, Value::Float(f)) if f.fract() == 0.0 => Value::Int(f as i64),
        (FieldType::Number, v @ Value::Float(_)) => v,
        (FieldType::Number, Value::String(s)) if s.parse::<i64>().is_ok() => {
            Value::Int(s.parse().unwrap_or_default())
        }
        (FieldType::Boolean, v @ Value::Bool(_)) => v,
        (FieldType::Boolean, Value::Int(i)) => Value::Bool(i != 0),
        (FieldType::Boolean, Value::String(s)) if s == "true" || s == "1" => Value::Bool(true),
        (FieldType::Boolean, Value::String(s)) if s == "false" || s == "0" => Value::Bool(false),
        (FieldType::Date, Value::Date(d)) => Value::Date(d),
        (FieldType::Date, Value::Int(ms)) => match DateTime::from_timestamp_millis(ms) {
            Some(d) => Value::Date(d),
            None => return Err(wrong(model, field, &Value::Int(ms))),
        },
        (FieldType::Date, Value::String(s)) => match parse_date(&s) {
            Some(d) => Value::Date(d),
            None => return Err(wrong(model, field, &Value::String(s))),
        },
        (FieldType::Json, Value::String(s)) => {
            Value::Json(serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s)))
        }
        (FieldType::Json, v) => Value::Json(v.to_json()),
        (FieldType::StringArray | FieldType::NumberArray, v @ Value::List(_)) => v,
        (FieldType::StringArray | FieldType::NumberArray, Value::Json(j)) => Value::from_json(j),
        (FieldType::StringArray | FieldType::NumberArray, Value::String(s)) => {
            match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(j @ serde_json::Value::Array(_)) => Value::from_json(j),
                _ => return Err(wrong(model, field, &Value::String(s))),
            }
        }
        (_, v) => return Err(wrong(model, field, &v)),
    };
    Ok(out)
}

/// Parses the date spellings found in Better Auth databases: RFC 3339 / ISO-8601
/// (`2024-01-02T03:04:05.678Z`), SQL text (`2024-01-02 03:04:05.678`, taken as UTC), and
/// milliseconds since the epoch as digits.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(truncate_millis(d.with_timezone(&Utc)));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(truncate_millis(n.and_utc()));
        }
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok().and_then(DateTime::from_timestamp_millis);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_spellings_parse_to_the_same_instant() {
        let a = parse_date("2024-01-02T03:04:05.678Z").unwrap();
        assert_eq!(parse_date("2024-01-02 03:04:05.678").unwrap(), a);
        assert_eq!(parse_date("2024-01-02T04:04:05.678+01:00").unwrap(), a);
        assert_eq!(parse_date(&a.timestamp_millis().to_string()).unwrap(), a);
        assert_eq!(parse_date("not a date"), None);
    }
}
