//! One object-safe view of the three sync diesel connection types ([`SqlConn`]: run a statement
//! of the shared builder, open, commit or roll back a (nested) transaction), and the
//! [`sql::Connection`] the shared flows drive on it.

use std::any::Any;

use async_trait::async_trait;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::mysql::MysqlConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, PooledConnection};
use diesel::result::{Error as DieselError, QueryResult};
use diesel::sqlite::SqliteConnection;
use diesel::RunQueryDsl;

use auth_core::FieldType;
use auth_core::sql::{self, DbError, Dialect, Rows, Stmt};

use crate::convert::{DynRow, failure};
use crate::query::DynQuery;

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

/// A sync connection as the shared flows drive it: every call completes before it returns
/// (run with [`auth_core::sql::ready`] on the blocking thread that holds the connection).
pub(crate) struct SyncConn<'a>(pub(crate) &'a mut dyn SqlConn);

#[async_trait]
impl sql::Connection for SyncConn<'_> {
    async fn query(&mut self, stmt: Stmt, _types: &[FieldType]) -> Result<Rows, DbError> {
        self.0.query(stmt).map_err(failure)
    }
    async fn execute(&mut self, stmt: Stmt) -> Result<u64, DbError> {
        self.0.execute(stmt).map(|n| n as u64).map_err(failure)
    }
    async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.0.batch(sql).map_err(failure)
    }
    async fn begin(&mut self) -> Result<(), DbError> {
        self.0.begin().map_err(failure)
    }
    async fn commit(&mut self) -> Result<(), DbError> {
        self.0.commit().map_err(failure)
    }
    async fn rollback(&mut self) -> Result<(), DbError> {
        self.0.rollback().map_err(failure)
    }
}
