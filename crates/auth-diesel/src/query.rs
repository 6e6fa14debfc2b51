//! The adapter's statements as a diesel query that diesel caches as a prepared statement, keyed
//! by its SQL text. `diesel::sql_query` is never cached: PostgreSQL and MySQL would parse and
//! plan every auth call again (≈0.1 ms for the session lookup's join on PostgreSQL).

use std::marker::PhantomData;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::mysql::Mysql;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::{Error as DieselError, QueryResult};
use diesel::sql_types::{BigInt, Bool, Datetime, Double, Jsonb, Nullable, Text, Timestamptz, Untyped};
use diesel::sqlite::Sqlite;

use auth_core::Value;
use auth_core::sql::Stmt;

use crate::convert::{Null, Unspecified};

/// One bound parameter, converted to what the backend stores.
enum Bound {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Date(DateTime<Utc>),
    Naive(NaiveDateTime),
    Json(serde_json::Value),
}

/// A statement of `auth_core::sql`: its SQL split at the placeholders, and its parameters.
pub(crate) struct DynQuery<DB> {
    pieces: Vec<String>,
    binds: Vec<Bound>,
    db: PhantomData<DB>,
}

static NO_TEXT: Option<String> = None;

impl<DB> DynQuery<DB> {
    /// `date` and `json` say how this backend stores dates and JSON values.
    fn new(
        stmt: Stmt,
        date: impl Fn(DateTime<Utc>) -> Bound,
        json: impl Fn(serde_json::Value) -> Bound,
    ) -> QueryResult<Self> {
        let pieces = split_at_placeholders(&stmt.sql);
        if pieces.len() != stmt.params.len() + 1 {
            return Err(DieselError::QueryBuilderError(
                format!("{} placeholders for {} parameters in `{}`", pieces.len() - 1, stmt.params.len(), stmt.sql).into(),
            ));
        }
        let binds = stmt
            .params
            .into_iter()
            .map(|v| match v {
                Value::Null => Bound::Null,
                Value::Bool(b) => Bound::Bool(b),
                Value::Int(i) => Bound::Int(i),
                Value::Float(f) => Bound::Float(f),
                Value::String(s) => Bound::Text(s),
                Value::Date(d) => date(d),
                other => json(other.to_json()),
            })
            .collect();
        Ok(DynQuery { pieces, binds, db: PhantomData })
    }
}

impl DynQuery<Pg> {
    /// Dates as `timestamptz`, JSON as `jsonb`, NULL of unspecified type (the server infers it).
    pub(crate) fn pg(stmt: Stmt) -> QueryResult<Self> {
        Self::new(stmt, Bound::Date, Bound::Json)
    }
}

impl DynQuery<Mysql> {
    /// Dates as `datetime` in UTC, JSON as its text.
    pub(crate) fn mysql(stmt: Stmt) -> QueryResult<Self> {
        Self::new(stmt, |d| Bound::Naive(d.naive_utc()), |j| Bound::Text(j.to_string()))
    }
}

impl DynQuery<Sqlite> {
    /// Dates as ISO-8601 text (`auth-core` has usually encoded them already), JSON as its text.
    pub(crate) fn sqlite(stmt: Stmt) -> QueryResult<Self> {
        Self::new(stmt, |d| Bound::Text(auth_core::value::format_date(&d)), |j| Bound::Text(j.to_string()))
    }
}

/// The SQL between placeholders (`$1`, `$2`, ... or `?`), outside quoted strings and
/// identifiers; diesel writes the placeholders back as it binds.
fn split_at_placeholders(sql: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                piece.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if matches!(c, '\'' | '"' | '`') => {
                quote = Some(c);
                piece.push(c);
            }
            None if c == '?' => pieces.push(std::mem::take(&mut piece)),
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                while chars.next_if(char::is_ascii_digit).is_some() {}
                pieces.push(std::mem::take(&mut piece));
            }
            None => piece.push(c),
        }
    }
    pieces.push(piece);
    pieces
}

impl<DB> QueryId for DynQuery<DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> Query for DynQuery<DB> {
    type SqlType = Untyped;
}

impl<DB, Conn> diesel::RunQueryDsl<Conn> for DynQuery<DB> {}

macro_rules! walk {
    ($db:ty, |$out:ident, $bound:ident| $bind:expr) => {
        impl QueryFragment<$db> for DynQuery<$db> {
            fn walk_ast<'b>(&'b self, mut $out: AstPass<'_, 'b, $db>) -> QueryResult<()> {
                for (i, piece) in self.pieces.iter().enumerate() {
                    $out.push_sql(piece);
                    if let Some($bound) = self.binds.get(i) {
                        $bind?;
                    }
                }
                Ok(())
            }
        }
    };
}

walk!(Pg, |out, b| match b {
    Bound::Null => out.push_bind_param::<Unspecified, _>(&Null),
    Bound::Bool(v) => out.push_bind_param::<Bool, _>(v),
    Bound::Int(v) => out.push_bind_param::<BigInt, _>(v),
    Bound::Float(v) => out.push_bind_param::<Double, _>(v),
    Bound::Text(v) => out.push_bind_param::<Text, _>(v),
    Bound::Date(v) => out.push_bind_param::<Timestamptz, _>(v),
    Bound::Json(v) => out.push_bind_param::<Jsonb, _>(v),
    Bound::Naive(_) => Err(unconverted()),
});

walk!(Mysql, |out, b| match b {
    Bound::Null => out.push_bind_param::<Nullable<Text>, _>(&NO_TEXT),
    Bound::Bool(v) => out.push_bind_param::<Bool, _>(v),
    Bound::Int(v) => out.push_bind_param::<BigInt, _>(v),
    Bound::Float(v) => out.push_bind_param::<Double, _>(v),
    Bound::Text(v) => out.push_bind_param::<Text, _>(v),
    Bound::Naive(v) => out.push_bind_param::<Datetime, _>(v),
    Bound::Date(_) | Bound::Json(_) => Err(unconverted()),
});

walk!(Sqlite, |out, b| match b {
    Bound::Null => out.push_bind_param::<Nullable<Text>, _>(&NO_TEXT),
    Bound::Bool(v) => out.push_bind_param::<Bool, _>(v),
    Bound::Int(v) => out.push_bind_param::<BigInt, _>(v),
    Bound::Float(v) => out.push_bind_param::<Double, _>(v),
    Bound::Text(v) => out.push_bind_param::<Text, _>(v),
    Bound::Date(_) | Bound::Naive(_) | Bound::Json(_) => Err(unconverted()),
});

/// A parameter the backend's constructor should have converted (a bug, never user input).
fn unconverted() -> DieselError {
    DieselError::QueryBuilderError("a parameter was not converted for this backend".into())
}

#[cfg(test)]
mod tests {
    use super::split_at_placeholders;

    #[test]
    fn splits_outside_quotes() {
        assert_eq!(split_at_placeholders(r#"SELECT "a?" FROM t WHERE x = $1 AND y = $12"#), [
            r#"SELECT "a?" FROM t WHERE x = "#,
            " AND y = ",
            ""
        ]);
        assert_eq!(split_at_placeholders("x LIKE ? ESCAPE '!' AND `q?` = ?"), ["x LIKE ", " ESCAPE '!' AND `q?` = ", ""]);
        assert_eq!(split_at_placeholders("SELECT '$1', 1"), ["SELECT '$1', 1"]);
    }
}
