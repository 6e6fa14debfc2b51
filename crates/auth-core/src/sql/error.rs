//! Driver errors to typed errors, once per dialect.
//!
//! An SQL adapter only reads the driver-neutral [`Facts`] out of its driver's error and wraps
//! both in a [`DbError`]; [`DbError::into_error`] reads the facts by the dialect's rules
//! (SQLSTATEs on PostgreSQL, error numbers on MySQL, extended result codes on SQLite, and the
//! messages each database writes) and returns the typed [`Error`], the driver's error as its
//! `source()`.

use std::fmt;

use super::Dialect;
use crate::error::{BoxError, Error};
use crate::schema::Model;

/// What a driver's error type already says a failure is, when it says (diesel's error kinds,
/// sqlx's connection errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A unique constraint or primary key rejected the write.
    Unique,
    /// A foreign key rejected the write.
    ForeignKey,
    /// A NOT NULL column got no value.
    NotNull,
    /// The connection is gone (closed, reset, the command could not be sent).
    Lost,
    /// No connection could be had (the pool timed out or is closed, the server is unreachable);
    /// the message is kept as it is.
    Unavailable,
    /// The driver's transaction state does not allow the call (begun twice, broken, ...); the
    /// message is kept as it is.
    Transaction,
}

/// The driver-neutral facts of a failed call, as far as the driver reports them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// What the driver's error type says, if it classifies.
    pub kind: Option<Kind>,
    /// The error code as text: the SQLSTATE on PostgreSQL (and MySQL), the extended result code
    /// on SQLite.
    pub code: Option<String>,
    /// MySQL's error number, or SQLite's extended result code.
    pub number: Option<i64>,
    /// The database's (or driver's) message.
    pub message: String,
    /// The constraint or index the database names.
    pub constraint: Option<String>,
    /// The column the database names.
    pub column: Option<String>,
    /// PostgreSQL's DETAIL (`Key (email)=(ada@example.com) already exists.`).
    pub detail: Option<String>,
}

/// A failed call on a [`super::Connection`]: the facts the dialect's rules read, and the driver's
/// error.
#[derive(Debug)]
pub struct DbError {
    /// What the driver reports.
    pub facts: Box<Facts>,
    /// The driver's error (none for a failure the shared flows find themselves).
    pub source: Option<BoxError>,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => source.fmt(f),
            None => f.write_str(&self.facts.message),
        }
    }
}

/// What the dialect's rules make of the facts.
#[derive(Debug, PartialEq)]
enum Class {
    Unique(Option<String>),
    ForeignKey,
    NotNull(Option<String>),
    Lost,
    Locked,
    CannotOpen,
    Unavailable,
    Transaction,
    Other,
}

impl DbError {
    /// The driver's error with the facts read out of it.
    pub fn new(facts: Facts, source: impl Into<BoxError>) -> Self {
        DbError { facts: Box::new(facts), source: Some(source.into()) }
    }

    /// A failure without a driver error (a statement that returned nothing where it must).
    pub fn message(message: impl fmt::Display) -> Self {
        DbError { facts: Box::new(Facts { message: message.to_string(), ..Facts::default() }), source: None }
    }

    /// The typed error, for a call on `model` (which names the fields behind constraints).
    pub fn into_error(self, d: Dialect, model: Option<&Model>) -> Error {
        let class = match d {
            Dialect::Postgres => postgres(&self.facts, model),
            Dialect::Mysql => mysql(&self.facts, model),
            Dialect::Sqlite => sqlite(&self.facts, model),
        };
        let model_name = model.map_or_else(String::new, |m| m.name.clone());
        let DbError { facts, source } = self;
        let message = facts.message;
        let message = match class {
            Class::Lost => format!("the database connection was lost: {message}"),
            Class::Locked => format!("SQLite database is locked: {message}"),
            Class::CannotOpen => format!("cannot open SQLite database: {message}"),
            _ => message,
        };
        match class {
            Class::Unique(field) => Error::UniqueViolation { model: model_name, field },
            Class::ForeignKey => Error::ForeignKeyViolation { model: model_name, field: None },
            Class::NotNull(Some(field)) => Error::MissingField { model: model_name, field },
            Class::Lost | Class::Locked | Class::CannotOpen | Class::Unavailable => {
                Error::Connection { message, source }
            }
            Class::Transaction => Error::Transaction { message, source },
            Class::NotNull(None) | Class::Other => match source {
                Some(source) => Error::Backend { message: source.to_string(), source: Some(source) },
                None => Error::backend_msg(message),
            },
        }
    }

    /// The typed error of a failed `what` (BEGIN, COMMIT, ROLLBACK): [`Error::Connection`] when
    /// the connection is gone (after a failed COMMIT the outcome is then unknown),
    /// [`Error::Transaction`] otherwise.
    pub fn into_transaction_error(self, d: Dialect, what: &str) -> Error {
        match self.into_error(d, None) {
            Error::Connection { message, source } => {
                Error::Connection { message: format!("{what} failed: {message}"), source }
            }
            other => Error::transaction_from(format!("{what} failed: {other}"), other),
        }
    }
}

/// PostgreSQL: SQLSTATEs, the column, DETAIL or constraint the server names.
fn postgres(f: &Facts, model: Option<&Model>) -> Class {
    let code = f.code.as_deref().unwrap_or("");
    let kind = f.kind.or(match code {
        "23505" => Some(Kind::Unique),
        "23503" => Some(Kind::ForeignKey),
        "23502" => Some(Kind::NotNull),
        c if c.starts_with("08") || c.starts_with("57P") => Some(Kind::Lost),
        _ => None,
    });
    let field = || {
        f.column
            .as_deref()
            .and_then(|c| field_of_column(model, c))
            .or_else(|| {
                f.detail.as_deref().and_then(|d| between(d, "Key (", ")=")).and_then(|c| field_of_column(model, c))
            })
            .or_else(|| f.constraint.as_deref().and_then(|c| field_of_index(model, c)))
    };
    by_kind(kind, f, field)
}

/// MySQL / MariaDB: error numbers, and the key or column the message quotes.
fn mysql(f: &Facts, model: Option<&Model>) -> Class {
    let kind = f.kind.or(match f.number {
        Some(1062 | 1586 | 1859) => Some(Kind::Unique),
        Some(1216 | 1217 | 1451 | 1452 | 1830 | 1834) => Some(Kind::ForeignKey),
        Some(1048 | 1364) => Some(Kind::NotNull),
        Some(2006 | 2013 | 1053) => Some(Kind::Lost),
        _ => None,
    });
    let field = || match kind {
        // "Duplicate entry 'x' for key 'user_email_uidx'" (MySQL 8: 'user.user_email_uidx').
        Some(Kind::Unique) => {
            between(&f.message, "for key '", "'").or(f.constraint.as_deref()).and_then(|k| field_of_index(model, k))
        }
        // "Column 'name' cannot be null", "Field 'name' doesn't have a default value".
        _ => f.column.as_deref().or_else(|| f.message.split('\'').nth(1)).and_then(|c| field_of_column(model, c)),
    };
    by_kind(kind, f, field)
}

/// SQLite: extended result codes, and the `table.column` the message names.
fn sqlite(f: &Facts, model: Option<&Model>) -> Class {
    let number = f.number.or_else(|| f.code.as_deref().and_then(|c| c.parse().ok()));
    let kind = f.kind.or(match number {
        Some(2067 | 1555) => Some(Kind::Unique),
        Some(787) => Some(Kind::ForeignKey),
        Some(1299) => Some(Kind::NotNull),
        _ => None,
    });
    if kind.is_none() {
        let locked = f.message.contains("database is locked") || f.message.contains("database table is locked");
        // The primary result code is the low byte: BUSY, LOCKED; CANTOPEN, NOTADB.
        match number.map(|n| n & 0xff) {
            Some(5 | 6) => return Class::Locked,
            Some(14 | 26) => return Class::CannotOpen,
            _ if locked => return Class::Locked,
            _ => {}
        }
    }
    // "UNIQUE constraint failed: user.email", "NOT NULL constraint failed: user.name".
    let field = || {
        let columns = f.message.rsplit(": ").next()?;
        let first = columns.split(", ").next()?;
        field_of_column(model, first.rsplit('.').next()?)
    };
    by_kind(kind, f, field)
}

/// The class of a kind, naming the field where the kind has one; a lost connection also by the
/// message when nothing else says.
fn by_kind(kind: Option<Kind>, f: &Facts, field: impl Fn() -> Option<String>) -> Class {
    match kind {
        Some(Kind::Unique) => Class::Unique(field()),
        Some(Kind::ForeignKey) => Class::ForeignKey,
        Some(Kind::NotNull) => Class::NotNull(field()),
        Some(Kind::Lost) => Class::Lost,
        Some(Kind::Unavailable) => Class::Unavailable,
        Some(Kind::Transaction) => Class::Transaction,
        None if connection_lost(&f.message) => Class::Lost,
        None => Class::Other,
    }
}

/// Whether a message says the connection is gone (what servers and client libraries write).
fn connection_lost(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    [
        "server has gone away",
        "lost connection",
        "connection refused",
        "server closed the connection",
        "terminating connection",
        "no connection to the server",
        "can't connect",
        "connection reset",
        "broken pipe",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// The field of `model` stored in `column` (quotes stripped, any case).
fn field_of_column(model: Option<&Model>, column: &str) -> Option<String> {
    let column = column.trim_matches(|c| c == '"' || c == '`' || c == '\'');
    model?.fields.iter().find(|f| f.column.eq_ignore_ascii_case(column)).map(|f| f.name.clone())
}

/// The field behind a unique index or constraint called `name`: the index names the schema
/// gives, `PRIMARY` (MySQL), `<table>_pkey` and `<table>_<column>_key` (PostgreSQL).
fn field_of_index(model: Option<&Model>, name: &str) -> Option<String> {
    let m = model?;
    // MySQL 8 writes `table.index`.
    let name = name.rsplit('.').next().unwrap_or(name);
    if name.eq_ignore_ascii_case("PRIMARY") || name == format!("{}_pkey", m.table) {
        return m.fields.first().map(|f| f.name.clone());
    }
    if let Some(i) = m.indexes().into_iter().find(|i| i.name == name) {
        return field_of_column(model, &i.column);
    }
    let column = name.strip_prefix(&format!("{}_", m.table))?.strip_suffix("_key")?;
    field_of_column(model, column)
}

/// The text between `start` and the next `end`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Schema;

    fn facts(message: &str) -> Facts {
        Facts { message: message.into(), ..Facts::default() }
    }

    fn classify(d: Dialect, f: Facts) -> Error {
        let schema = Schema::better_auth();
        DbError::new(f, std::io::Error::other("driver")).into_error(d, schema.model("user").ok())
    }

    #[test]
    fn unique_violations_name_the_field_in_every_dialect() {
        let pg =
            Facts { code: Some("23505".into()), detail: Some("Key (email)=(a@b) already exists.".into()), ..facts("") };
        let pg_constraint =
            Facts { code: Some("23505".into()), constraint: Some("user_email_key".into()), ..facts("") };
        let my = Facts { number: Some(1062), ..facts("Duplicate entry 'a@b' for key 'user.user_email_uidx'") };
        let lite = Facts { number: Some(2067), ..facts("UNIQUE constraint failed: user.email") };
        let by_kind = Facts { kind: Some(Kind::Unique), ..facts("UNIQUE constraint failed: user.email") };
        for (d, f) in [
            (Dialect::Postgres, pg),
            (Dialect::Postgres, pg_constraint),
            (Dialect::Mysql, my),
            (Dialect::Sqlite, lite),
            (Dialect::Sqlite, by_kind),
        ] {
            let e = classify(d, f);
            assert!(
                matches!(&e, Error::UniqueViolation { model, field: Some(f) } if model == "user" && f == "email"),
                "{e:?}"
            );
        }
        let primary = Facts { number: Some(1062), ..facts("Duplicate entry 'x' for key 'PRIMARY'") };
        assert!(
            matches!(classify(Dialect::Mysql, primary), Error::UniqueViolation { field: Some(f), .. } if f == "id")
        );
    }

    #[test]
    fn other_constraints() {
        let fk = Facts { number: Some(787), ..facts("FOREIGN KEY constraint failed") };
        assert!(matches!(classify(Dialect::Sqlite, fk), Error::ForeignKeyViolation { field: None, .. }));
        let not_null = Facts { number: Some(1048), ..facts("Column 'name' cannot be null") };
        assert!(matches!(classify(Dialect::Mysql, not_null), Error::MissingField { field, .. } if field == "name"));
        let unknown_column = Facts { code: Some("23502".into()), column: Some("tenant".into()), ..facts("null value") };
        assert!(matches!(classify(Dialect::Postgres, unknown_column), Error::Backend { .. }));
    }

    #[test]
    fn lost_locked_and_unavailable_are_connection_errors_keeping_the_source() {
        let cases = [
            (
                Dialect::Postgres,
                Facts { code: Some("57P01".into()), ..facts("terminating") },
                "the database connection was lost: terminating",
            ),
            (
                Dialect::Mysql,
                facts("MySQL server has gone away"),
                "the database connection was lost: MySQL server has gone away",
            ),
            (
                Dialect::Sqlite,
                Facts { number: Some(517), ..facts("database is locked") },
                "SQLite database is locked: database is locked",
            ),
            (Dialect::Sqlite, facts("database is locked"), "SQLite database is locked: database is locked"),
            (
                Dialect::Sqlite,
                Facts { code: Some("14".into()), ..facts("unable to open") },
                "cannot open SQLite database: unable to open",
            ),
            (Dialect::Postgres, Facts { kind: Some(Kind::Unavailable), ..facts("pool timed out") }, "pool timed out"),
        ];
        for (d, f, expected) in cases {
            match classify(d, f) {
                Error::Connection { message, source } => {
                    assert_eq!(message, expected);
                    assert_eq!(source.map(|s| s.to_string()).as_deref(), Some("driver"));
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
    }

    #[test]
    fn transaction_errors_say_what_failed() {
        let lost = DbError::new(facts("server closed the connection unexpectedly"), std::io::Error::other("driver"));
        let e = lost.into_transaction_error(Dialect::Postgres, "COMMIT");
        assert_eq!(
            e.to_string(),
            "connection error: COMMIT failed: the database connection was lost: server closed the connection unexpectedly"
        );
        let broken =
            DbError::new(Facts { kind: Some(Kind::Transaction), ..facts("broken") }, std::io::Error::other("driver"));
        let e = broken.into_transaction_error(Dialect::Postgres, "ROLLBACK");
        assert_eq!(e.to_string(), "transaction error: ROLLBACK failed: transaction error: broken");
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(classify(Dialect::Postgres, facts("syntax")).to_string(), "database error: driver");
    }
}
