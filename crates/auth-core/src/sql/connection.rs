//! [`Connection`]: the execution trait each SQL adapter implements for its driver — run a
//! statement, read rows, begin, commit, roll back. The shared flows ([`super::SqlBackend`]) are
//! written once over it.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;

use super::{DbError, Stmt};
use crate::schema::FieldType;
use crate::value::Value;

/// The rows a statement returned (SQL layer: values by column, in statement order; a
/// [`super::Layout`] splits them into [`crate::Record`]s).
pub type Rows = Vec<Vec<Value>>;

/// One database connection, as the shared flows drive it. Calls on a sync driver complete
/// before they return (see [`ready`]); an async driver awaits.
#[async_trait]
pub trait Connection: Send {
    /// Runs `stmt` and reads every row. `types` says what each column holds, for drivers that
    /// read a column by the type asked for (others read the type the database reports).
    async fn query(&mut self, stmt: Stmt, types: &[FieldType]) -> Result<Rows, DbError>;

    /// Runs `stmt`; the number of rows it matched.
    async fn execute(&mut self, stmt: Stmt) -> Result<u64, DbError>;

    /// Runs SQL without parameters (DDL).
    async fn batch(&mut self, sql: &str) -> Result<(), DbError>;

    /// Begins a transaction, or a savepoint inside the transaction that is open.
    async fn begin(&mut self) -> Result<(), DbError>;

    /// Commits the innermost transaction, or releases its savepoint.
    async fn commit(&mut self) -> Result<(), DbError>;

    /// Rolls back the innermost transaction, or to its savepoint.
    async fn rollback(&mut self) -> Result<(), DbError>;
}

/// Runs a flow over a sync driver's [`Connection`], whose calls never wait, to its end in one
/// poll (on the thread that holds the connection; no runtime needed).
pub fn ready<T>(flow: impl Future<Output = Result<T, DbError>>) -> Result<T, DbError> {
    match pin!(flow).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => Err(DbError::message("a call on a sync connection did not complete")),
    }
}

/// Ends a transaction (or savepoint) begun with [`Connection::begin`]: commit after `Ok`, roll
/// back after `Err` (the first error is the one reported).
pub(super) async fn end<T>(c: &mut dyn Connection, r: Result<T, DbError>) -> Result<T, DbError> {
    match r {
        Ok(v) => {
            c.commit().await?;
            Ok(v)
        }
        Err(e) => {
            let _ = c.rollback().await;
            Err(e)
        }
    }
}
