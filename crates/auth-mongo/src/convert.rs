//! Values ↔ BSON, document keys, and driver errors → [`auth_core::Error`].

use mongodb::bson::oid::ObjectId;
use mongodb::bson::{Bson, DateTime as BsonDate, Document};
use mongodb::error::{ErrorKind, TRANSIENT_TRANSACTION_ERROR, WriteFailure};

use auth_core::{Error, Field, FieldType, Model, Value};

/// MongoDB's duplicate key error code.
const DUPLICATE_KEY: i32 = 11000;

/// The document key of field `idx` of `model`: `_id` for the id, else the column.
pub(crate) fn key(model: &Model, idx: usize) -> &str {
    if idx == 0 { "_id" } else { model.fields[idx].column.as_str() }
}

/// Whether values of `field` are ObjectIds in this mode.
fn is_object_id(field: &Field, object_ids: bool) -> bool {
    object_ids && field.holds_id()
}

/// Encodes a value written by a create or update. In ObjectId mode an id that is not 24 hex
/// digits is [`Error::WrongType`].
pub(crate) fn write_bson(model: &Model, field: &Field, v: &Value, object_ids: bool) -> Result<Bson, Error> {
    if is_object_id(field, object_ids) {
        return match v {
            Value::String(s) => ObjectId::parse_str(s).map(Bson::ObjectId).map_err(|_| Error::WrongType {
                model: model.name.clone(),
                field: field.name.clone(),
                expected: "ObjectId (24 hex digits)".into(),
                got: format!("string `{s}`"),
            }),
            Value::Null => Ok(Bson::Null),
            other => Err(Error::WrongType {
                model: model.name.clone(),
                field: field.name.clone(),
                expected: "ObjectId (24 hex digits)".into(),
                got: other.kind().into(),
            }),
        };
    }
    Ok(plain(v))
}

/// Encodes a filter operand; `None` when it is an id that no document can have (not a valid
/// ObjectId in ObjectId mode), so the comparison matches nothing.
pub(crate) fn filter_bson(field: &Field, v: &Value, object_ids: bool) -> Option<Bson> {
    if is_object_id(field, object_ids) {
        return match v {
            Value::String(s) => ObjectId::parse_str(s).ok().map(Bson::ObjectId),
            _ => None,
        };
    }
    Some(plain(v))
}

/// A value as BSON, without regard to ids: dates as BSON dates, integers as Int64, JSON as
/// embedded documents and arrays.
pub(crate) fn plain(v: &Value) -> Bson {
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Int(i) => Bson::Int64(*i),
        Value::Float(f) => Bson::Double(*f),
        Value::String(s) => Bson::String(s.clone()),
        Value::Date(d) => Bson::DateTime(BsonDate::from_millis(d.timestamp_millis())),
        Value::Json(j) => json_to_bson(j),
        Value::List(l) => Bson::Array(l.iter().map(plain).collect()),
        Value::Object(r) => Bson::Document(r.iter().map(|(k, v)| (k.clone(), plain(v))).collect()),
    }
}

/// JSON as BSON: integers as Int64 (doubles beyond), objects as documents (keys kept as data).
pub(crate) fn json_to_bson(j: &serde_json::Value) -> Bson {
    use serde_json::Value as J;
    match j {
        J::Null => Bson::Null,
        J::Bool(b) => Bson::Boolean(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Bson::Int64(i),
            None => Bson::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Bson::String(s.clone()),
        J::Array(a) => Bson::Array(a.iter().map(json_to_bson).collect()),
        J::Object(o) => Bson::Document(o.iter().map(|(k, v)| (k.clone(), json_to_bson(v))).collect()),
    }
}

/// BSON as JSON (the inverse of [`json_to_bson`]; dates as ISO-8601 text, ObjectIds as hex).
pub(crate) fn bson_to_json(b: &Bson) -> serde_json::Value {
    use serde_json::Value as J;
    match b {
        Bson::Null | Bson::Undefined => J::Null,
        Bson::Boolean(x) => J::Bool(*x),
        Bson::Int32(i) => J::from(*i),
        Bson::Int64(i) => J::from(*i),
        Bson::Double(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Bson::String(s) => J::String(s.clone()),
        Bson::Array(a) => J::Array(a.iter().map(bson_to_json).collect()),
        Bson::Document(d) => J::Object(d.iter().map(|(k, v)| (k.clone(), bson_to_json(v))).collect()),
        Bson::ObjectId(o) => J::String(o.to_hex()),
        Bson::DateTime(d) => match chrono::DateTime::from_timestamp_millis(d.timestamp_millis()) {
            Some(d) => J::String(auth_core::value::format_date(&d)),
            None => J::from(d.timestamp_millis()),
        },
        other => J::String(other.to_string()),
    }
}

/// Decodes a stored value (absent is null) for `field`, as core's decoding expects it: ids as
/// strings, dates as dates, JSON as JSON.
pub(crate) fn from_bson(field: &Field, b: Option<&Bson>) -> Value {
    match b {
        None | Some(Bson::Null) | Some(Bson::Undefined) => Value::Null,
        Some(b) if field.ty == FieldType::Json => Value::Json(bson_to_json(b)),
        Some(b) => generic(b),
    }
}

fn generic(b: &Bson) -> Value {
    match b {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::ObjectId(o) => Value::String(o.to_hex()),
        Bson::String(s) => Value::String(s.clone()),
        Bson::Boolean(x) => Value::Bool(*x),
        Bson::Int32(i) => Value::Int(i64::from(*i)),
        Bson::Int64(i) => Value::Int(*i),
        Bson::Double(f) => Value::Float(*f),
        Bson::DateTime(d) => match chrono::DateTime::from_timestamp_millis(d.timestamp_millis()) {
            Some(d) => Value::Date(d),
            None => Value::Int(d.timestamp_millis()),
        },
        Bson::Array(a) => Value::List(a.iter().map(generic).collect()),
        Bson::Document(d) => Value::Json(bson_to_json(&Bson::Document(d.clone()))),
        other => Value::String(other.to_string()),
    }
}

/// Every field of `model`, in field order, read from `doc`.
pub(crate) fn row(model: &Model, doc: &Document) -> Vec<Value> {
    model.fields.iter().enumerate().map(|(i, f)| from_bson(f, doc.get(key(model, i)))).collect()
}

/// Whether a driver error carries the `TransientTransactionError` label.
pub(crate) fn is_transient(e: &mongodb::error::Error) -> bool {
    e.contains_label(TRANSIENT_TRANSACTION_ERROR)
}

/// Whether an adapter error came from a transient transaction failure (worth a retry).
pub(crate) fn is_transient_error(e: &Error) -> bool {
    match e {
        Error::Backend { source: Some(s), .. } => {
            s.downcast_ref::<mongodb::error::Error>().is_some_and(is_transient)
        }
        _ => false,
    }
}

/// The server's error code, when the error is a server error.
pub(crate) fn code(e: &mongodb::error::Error) -> Option<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some(w.code),
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => Some(w.code),
        _ => None,
    }
}

fn message(e: &mongodb::error::Error) -> String {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => c.message.clone(),
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.message.clone(),
        _ => e.to_string(),
    }
}

/// Maps a driver error on `model` to the adapter's error: duplicate keys to
/// [`Error::UniqueViolation`], unreachable servers to [`Error::Connection`].
pub(crate) fn map_err(model: Option<&Model>, e: mongodb::error::Error) -> Error {
    if code(&e) == Some(DUPLICATE_KEY) {
        let msg = message(&e);
        return match model {
            Some(m) => Error::UniqueViolation { model: m.name.clone(), field: duplicate_field(m, &msg) },
            None => Error::UniqueViolation { model: collection_of(&msg).unwrap_or_default(), field: None },
        };
    }
    match e.kind.as_ref() {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. }
        | ErrorKind::Authentication { .. }
        | ErrorKind::InvalidTlsConfig { .. }
        | ErrorKind::Shutdown => Error::connection_from(e.to_string(), e),
        ErrorKind::Transaction { message, .. } => Error::transaction_from(message.clone(), e),
        _ if is_transient(&e) => Error::Backend {
            message: format!("transient transaction error, the transaction can be retried: {e}"),
            source: Some(Box::new(e)),
        },
        _ => Error::backend(e),
    }
}

/// The field named by a duplicate key message (`... index: user_email_uidx dup key: { email: ...`).
fn duplicate_field(model: &Model, msg: &str) -> Option<String> {
    let by_index = msg.split("index: ").nth(1).and_then(|rest| rest.split_whitespace().next()).and_then(|name| {
        model.indexes().into_iter().find(|i| i.name == name).map(|i| i.column)
    });
    let column = by_index.or_else(|| {
        let rest = msg.split("dup key: {").nth(1)?;
        let col = rest.trim_start().split(':').next()?.trim().trim_matches('"');
        Some(col.to_string())
    })?;
    if column == "_id" {
        return Some("id".into());
    }
    model.fields.iter().find(|f| f.column == column).map(|f| f.name.clone())
}

fn collection_of(msg: &str) -> Option<String> {
    let rest = msg.split("collection: ").nth(1)?;
    let ns = rest.split_whitespace().next()?;
    Some(ns.split_once('.').map_or(ns, |(_, c)| c).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::Schema;

    #[test]
    fn duplicate_messages_name_the_field() {
        let s = Schema::better_auth();
        let user = s.model("user").expect("user");
        let msg = "E11000 duplicate key error collection: db.user index: user_email_uidx dup key: { email: \"a\" }";
        assert_eq!(duplicate_field(user, msg), Some("email".into()));
        let msg = "E11000 duplicate key error dup key: { email: \"a\" }";
        assert_eq!(duplicate_field(user, msg), Some("email".into()));
        assert_eq!(collection_of("E11000 duplicate key error collection: db.user index: x"), Some("user".into()));
    }

    #[test]
    fn json_round_trips_through_bson() {
        let j = serde_json::json!({"a": [1, 2.5, "x", null, true], "$ne": {"k": -3}});
        assert_eq!(bson_to_json(&json_to_bson(&j)), j);
    }

    #[test]
    fn invalid_object_ids_are_wrong_type_in_data_and_match_nothing_in_filters() {
        let s = Schema::better_auth();
        let session = s.model("session").expect("session");
        let user_id = session.field("userId").expect("field");
        let bad = Value::from("not-an-id");
        assert!(matches!(write_bson(session, user_id, &bad, true), Err(Error::WrongType { .. })));
        assert_eq!(filter_bson(user_id, &bad, true), None);
        assert_eq!(filter_bson(user_id, &bad, false), Some(Bson::String("not-an-id".into())));
        let good = Value::from("0123456789abcdef01234567");
        assert!(matches!(write_bson(session, user_id, &good, true), Ok(Bson::ObjectId(_))));
    }
}
