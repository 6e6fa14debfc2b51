//! The one error type every adapter returns.

use std::fmt;

/// Result alias used across the workspace.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A driver's error, kept as the [`std::error::Error::source`] of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong between a caller and the database.
///
/// Validation errors (`Unknown*`, `WrongType`, `MissingField`, `InvalidSchema`, `InvalidQuery`)
/// are raised before the database is touched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The schema configuration is invalid (checked once, at construction).
    #[error("invalid schema: {0}")]
    InvalidSchema(String),
    /// A model name that the schema does not know.
    #[error("unknown model `{0}`")]
    UnknownModel(String),
    /// A field name that the model does not have.
    #[error("unknown field `{field}` on model `{model}`")]
    UnknownField {
        /// The model.
        model: String,
        /// The field that does not exist.
        field: String,
    },
    /// A value whose type does not fit the field.
    #[error("wrong type for `{model}.{field}`: expected {expected}, got {got}")]
    WrongType {
        /// The model.
        model: String,
        /// The field.
        field: String,
        /// What the field accepts.
        expected: String,
        /// What was given.
        got: String,
    },
    /// A required field without a value or a default.
    #[error("missing required field `{field}` on model `{model}`")]
    MissingField {
        /// The model.
        model: String,
        /// The field.
        field: String,
    },
    /// A query that cannot be run as asked (bad operator/value pairing, unknown join, ...).
    #[error("invalid query on `{model}`: {reason}")]
    InvalidQuery {
        /// The model.
        model: String,
        /// What is wrong.
        reason: String,
    },
    /// A unique constraint rejected the write; nothing was written.
    #[error("unique constraint violated on `{model}`{}", field_suffix(.field))]
    UniqueViolation {
        /// The model (or table, when only that is known).
        model: String,
        /// The field, when the backend says which.
        field: Option<String>,
    },
    /// A foreign key rejected the write; nothing was written.
    #[error("foreign key violated on `{model}`{}", field_suffix(.field))]
    ForeignKeyViolation {
        /// The model (or table, when only that is known).
        model: String,
        /// The field, when the backend says which.
        field: Option<String>,
    },
    /// A row that had to exist does not.
    #[error("{model} not found")]
    NotFound {
        /// The model.
        model: String,
    },
    /// The database could not be reached, the connection was lost, or the pool timed out.
    #[error("connection error: {message}")]
    Connection {
        /// What happened.
        message: String,
        /// The driver's error, when one caused it.
        #[source]
        source: Option<BoxError>,
    },
    /// A transaction could not be begun, committed, or was used after it finished.
    #[error("transaction error: {message}")]
    Transaction {
        /// What happened.
        message: String,
        /// The driver's error, when one caused it.
        #[source]
        source: Option<BoxError>,
    },
    /// `migrate` refused: closing these differences could alter or lose data (each says why).
    /// Nothing was changed.
    #[error("cannot migrate safely, nothing was changed: {}", .0.join("; "))]
    UnsafeMigration(Vec<String>),
    /// The backend cannot do what was asked (a capability it does not have).
    #[error("unsupported by this backend: {0}")]
    Unsupported(String),
    /// A database hook's `before` hook cancelled a create ([`crate::Before::Cancel`]); nothing
    /// was written.
    #[error("{operation} on `{model}` was cancelled by a database hook")]
    Cancelled {
        /// The model.
        model: String,
        /// The operation (`create`).
        operation: String,
    },
    /// A database hook refused the operation with this reason; nothing was written.
    #[error("rejected by a database hook: {0}")]
    Rejected(String),
    /// Any other database error, with its source.
    #[error("database error: {message}")]
    Backend {
        /// What happened.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<BoxError>,
    },
}

fn field_suffix(field: &Option<String>) -> String {
    match field {
        Some(f) => format!(" (field `{f}`)"),
        None => String::new(),
    }
}

impl Error {
    /// A backend error wrapping a driver error.
    pub fn backend(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Backend { message: source.to_string(), source: Some(Box::new(source)) }
    }

    /// A backend error with only a message.
    pub fn backend_msg(message: impl fmt::Display) -> Self {
        Error::Backend { message: message.to_string(), source: None }
    }

    /// A connection error without a driver error behind it (a bad URL, a pool that is closed).
    pub fn connection(message: impl fmt::Display) -> Self {
        Error::Connection { message: message.to_string(), source: None }
    }

    /// A connection error caused by `source` (the driver's or the pool's error).
    pub fn connection_from(message: impl fmt::Display, source: impl Into<BoxError>) -> Self {
        Error::Connection { message: message.to_string(), source: Some(source.into()) }
    }

    /// A transaction error without a driver error behind it (used after it finished, ...).
    pub fn transaction(message: impl fmt::Display) -> Self {
        Error::Transaction { message: message.to_string(), source: None }
    }

    /// A transaction error caused by `source` (the driver's error).
    pub fn transaction_from(message: impl fmt::Display, source: impl Into<BoxError>) -> Self {
        Error::Transaction { message: message.to_string(), source: Some(source.into()) }
    }

    /// A query error on `model`.
    pub fn invalid_query(model: &str, reason: impl fmt::Display) -> Self {
        Error::InvalidQuery { model: model.to_string(), reason: reason.to_string() }
    }
}
