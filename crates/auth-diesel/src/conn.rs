//! One object-safe view of the three diesel connection types: run a statement of the shared
//! builder, and open, commit or roll back a (nested) transaction.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::mysql::MysqlConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, PooledConnection};
use diesel::result::{Error as DieselError, QueryResult};
use diesel::sqlite::SqliteConnection;
use diesel::RunQueryDsl;

use auth_core::Value;
use auth_core::sql::{Dialect, Stmt};

use crate::convert::DynRow;
use crate::query::DynQuery;

/// Rows of dynamic values, columns in statement order.
pub(crate) type Rows = Vec<Vec<Value>>;

/// A diesel connection of any backend, as the adapter uses it.
pub trait SqlConn: Send + 'static {
    /// The SQL dialect of the connection.
    fn dialect(&self) -> Dialect;
    /// Runs a statement and reads every row.
    fn query(&mut self, stmt: Stmt) -> QueryResult<Rows>;
    /// Runs a statement and returns the number of rows it matched.
    fn execute(&mut self, stmt: Stmt) -> QueryResult<usize>;
    /// Runs SQL without parameters (DDL, session settings).
    fn batch(&mut self, sql: &str) -> QueryResult<()>;
    /// Begins a transaction, or a savepoint inside one (diesel's transaction manager).
    fn begin(&mut self) -> QueryResult<()>;
    /// Commits the innermost transaction (or releases the savepoint).
    fn commit(&mut self) -> QueryResult<()>;
    /// Rolls back the innermost transaction (or savepoint).
    fn rollback(&mut self) -> QueryResult<()>;
    /// The concrete connection, to check its type.
    fn as_any(&self) -> &dyn Any;
    /// For handing the connection back to its owner.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

macro_rules! sql_conn {
    ($conn:ty, $dialect:expr, $query:path, |$c:ident| $begin:expr) => {
        impl SqlConn for $conn {
            fn dialect(&self) -> Dialect {
                $dialect
            }

            fn query(&mut self, stmt: Stmt) -> QueryResult<Rows> {
                Ok($query(stmt)?.load::<DynRow>(self)?.into_iter().map(|r| r.0).collect())
            }

            fn execute(&mut self, stmt: Stmt) -> QueryResult<usize> {
                $query(stmt)?.execute(self)
            }

            fn batch(&mut self, sql: &str) -> QueryResult<()> {
                self.batch_execute(sql)
            }

            fn begin(&mut self) -> QueryResult<()> {
                let $c = self;
                $begin
            }

            fn commit(&mut self) -> QueryResult<()> {
                AnsiTransactionManager::commit_transaction(self)
            }

            fn rollback(&mut self) -> QueryResult<()> {
                AnsiTransactionManager::rollback_transaction(self)
            }

            fn as_any(&self) -> &dyn Any {
                self
            }
            fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
                self
            }
        }

        impl SqlConn for PooledConnection<ConnectionManager<$conn>> {
            fn dialect(&self) -> Dialect {
                $dialect
            }
            fn query(&mut self, stmt: Stmt) -> QueryResult<Rows> {
                SqlConn::query(&mut **self, stmt)
            }
            fn execute(&mut self, stmt: Stmt) -> QueryResult<usize> {
                SqlConn::execute(&mut **self, stmt)
            }
            fn batch(&mut self, sql: &str) -> QueryResult<()> {
                SqlConn::batch(&mut **self, sql)
            }
            fn begin(&mut self) -> QueryResult<()> {
                SqlConn::begin(&mut **self)
            }
            fn commit(&mut self) -> QueryResult<()> {
                SqlConn::commit(&mut **self)
            }
            fn rollback(&mut self) -> QueryResult<()> {
                SqlConn::rollback(&mut **self)
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
            fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
                self
            }
        }
    };
}

sql_conn!(PgConnection, Dialect::Postgres, DynQuery::pg, |c| AnsiTransactionManager::begin_transaction(c));
sql_conn!(MysqlConnection, Dialect::Mysql, DynQuery::mysql, |c| {
    AnsiTransactionManager::begin_transaction(c)
});
// SQLite: take the write lock up front (BEGIN IMMEDIATE), so two transactions never deadlock
// upgrading read locks; inside a transaction, a savepoint.
sql_conn!(SqliteConnection, Dialect::Sqlite, DynQuery::sqlite, |c| {
    match AnsiTransactionManager::begin_transaction_sql(&mut *c, "BEGIN IMMEDIATE") {
        Err(DieselError::AlreadyInTransaction) => AnsiTransactionManager::begin_transaction(c),
        other => other,
    }
});

/// A boxed, sendable future of a query result.
pub(crate) type BoxFut<'c, T> = Pin<Box<dyn Future<Output = QueryResult<T>> + Send + 'c>>;

/// The statements the adapter runs, as async calls: one adapter operation (several statements
/// on MySQL) is written once over `Exec`, for sync connections (polled on a blocking thread,
/// see [`ready`]) and, with the `async` feature, for diesel-async connections.
#[async_trait]
pub trait Exec: Send {
    /// The SQL dialect of the connection.
    fn dialect(&self) -> Dialect;
    /// Runs a statement and reads every row.
    async fn query(&mut self, stmt: Stmt) -> QueryResult<Rows>;
    /// Runs a statement and returns the number of rows it matched.
    async fn execute(&mut self, stmt: Stmt) -> QueryResult<usize>;
    /// Runs SQL without parameters.
    async fn batch(&mut self, sql: String) -> QueryResult<()>;
    /// Begins a transaction, or a savepoint inside one.
    async fn begin(&mut self) -> QueryResult<()>;
    /// Commits the innermost transaction (or releases the savepoint).
    async fn commit(&mut self) -> QueryResult<()>;
    /// Rolls back the innermost transaction (or savepoint).
    async fn rollback(&mut self) -> QueryResult<()>;
}

/// A sync connection seen as [`Exec`]: every call completes before it returns.
pub(crate) struct SyncExec<'a>(pub(crate) &'a mut dyn SqlConn);

#[async_trait]
impl Exec for SyncExec<'_> {
    fn dialect(&self) -> Dialect {
        self.0.dialect()
    }
    async fn query(&mut self, stmt: Stmt) -> QueryResult<Rows> {
        self.0.query(stmt)
    }
    async fn execute(&mut self, stmt: Stmt) -> QueryResult<usize> {
        self.0.execute(stmt)
    }
    async fn batch(&mut self, sql: String) -> QueryResult<()> {
        self.0.batch(&sql)
    }
    async fn begin(&mut self) -> QueryResult<()> {
        self.0.begin()
    }
    async fn commit(&mut self) -> QueryResult<()> {
        self.0.commit()
    }
    async fn rollback(&mut self) -> QueryResult<()> {
        self.0.rollback()
    }
}

/// Runs a future over a [`SyncExec`] to completion: it never waits, so one poll finishes it
/// (called on a blocking thread; no runtime needed).
pub(crate) fn ready<T>(fut: BoxFut<'_, T>) -> QueryResult<T> {
    let mut fut = fut;
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => Err(DieselError::QueryBuilderError("a sync database call did not complete".into())),
    }
}

/// Ends a transaction begun with [`Exec::begin`]: commit on success, roll back on error.
pub(crate) async fn finish_tx<T>(c: &mut dyn Exec, r: QueryResult<T>) -> QueryResult<T> {
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
