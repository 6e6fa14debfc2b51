//! A reference evaluator of the where language, in plain Rust, for differential testing.
//!
//! It states the semantics every backend must have: AND group and OR group, `eq`/`ne` null as
//! IS NULL / IS NOT NULL, comparisons never matching null, empty `in` false and empty `not_in`
//! true, literal patterns, ASCII case folding in insensitive mode, byte-order strings, nulls
//! sorting first.

use std::cmp::Ordering;

use auth_core::{Connector, Direction, Mode, Operator, Row, Value, Where};

fn fold(s: &str, insensitive: bool) -> String {
    if insensitive { s.to_ascii_lowercase() } else { s.to_string() }
}

/// Orders two non-null values of one field; `None` when they cannot be compared.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn matches_one(row: &Row, w: &Where) -> bool {
    let v = row.get(&w.field).cloned().unwrap_or(Value::Null);
    let insensitive = w.mode == Mode::Insensitive && matches!(v, Value::String(_) | Value::Null);
    let eq = |a: &Value, b: &Value| match (a, b) {
        (Value::String(x), Value::String(y)) => fold(x, insensitive) == fold(y, insensitive),
        _ => compare(a, b) == Some(Ordering::Equal),
    };
    match w.operator {
        Operator::Eq if w.value.is_null() => v.is_null(),
        Operator::Ne if w.value.is_null() => !v.is_null(),
        Operator::In | Operator::NotIn => {
            let items = w.value.as_list().unwrap_or(&[]);
            if items.is_empty() {
                return w.operator == Operator::NotIn;
            }
            if v.is_null() {
                return false;
            }
            let hit = items.iter().any(|i| eq(&v, i));
            if w.operator == Operator::In { hit } else { !hit }
        }
        _ if v.is_null() => false,
        Operator::Eq => eq(&v, &w.value),
        Operator::Ne => !eq(&v, &w.value),
        Operator::Contains | Operator::StartsWith | Operator::EndsWith => {
            let (Value::String(s), Value::String(p)) = (&v, &w.value) else { return false };
            let (s, p) = (fold(s, insensitive), fold(p, insensitive));
            match w.operator {
                Operator::Contains => s.contains(&p),
                Operator::StartsWith => s.starts_with(&p),
                _ => s.ends_with(&p),
            }
        }
        op => {
            let (a, b) = match (&v, &w.value) {
                (Value::String(x), Value::String(y)) => (Value::String(fold(x, insensitive)), Value::String(fold(y, insensitive))),
                (a, b) => (a.clone(), b.clone()),
            };
            let Some(o) = compare(&a, &b) else { return false };
            match op {
                Operator::Lt => o == Ordering::Less,
                Operator::Lte => o != Ordering::Greater,
                Operator::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }
        }
    }
}

/// Whether `row` matches the where clause.
pub fn matches(row: &Row, filter: &[Where]) -> bool {
    let and = filter.iter().filter(|w| w.connector == Connector::And).all(|w| matches_one(row, w));
    let ors: Vec<&Where> = filter.iter().filter(|w| w.connector == Connector::Or).collect();
    and && (ors.is_empty() || ors.iter().any(|w| matches_one(row, w)))
}

/// Orders rows by `field`, nulls first when ascending (last when descending).
pub fn sort_key_cmp(a: &Row, b: &Row, field: &str, dir: Direction) -> Ordering {
    let (x, y) = (a.get(field).unwrap_or(&Value::Null), b.get(field).unwrap_or(&Value::Null));
    let o = match (x.is_null(), y.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => compare(x, y).unwrap_or(Ordering::Equal),
    };
    if dir == Direction::Desc { o.reverse() } else { o }
}
