//! The [`sql::Connection`] on SeaORM: statements through `Statement::from_sql_and_values` on the
//! pool, a transaction, or a savepoint the flow opened inside either.

use async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use auth_core::FieldType;
use auth_core::sql::{self, DbError, Dialect, Rows, Stmt};

use crate::convert::{failure, row_values, to_sea};

/// What statements run on: the pool or a transaction.
#[derive(Clone, Copy)]
pub(crate) enum On<'a> {
    Pool(&'a DatabaseConnection),
    Tx(&'a DatabaseTransaction),
}

impl On<'_> {
    async fn query(self, st: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            On::Pool(c) => c.query_all_raw(st).await,
            On::Tx(t) => t.query_all_raw(st).await,
        }
    }

    async fn execute(self, st: Statement) -> Result<ExecResult, DbErr> {
        match self {
            On::Pool(c) => c.execute_raw(st).await,
            On::Tx(t) => t.execute_raw(st).await,
        }
    }

    async fn unprepared(self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            On::Pool(c) => c.execute_unprepared(sql).await,
            On::Tx(t) => t.execute_unprepared(sql).await,
        }
    }

    /// A transaction on the pool (IMMEDIATE on SQLite, so writers queue at BEGIN), or a
    /// savepoint inside a transaction.
    pub(crate) async fn begin(self) -> Result<DatabaseTransaction, DbErr> {
        match self {
            On::Pool(c) => {
                let sqlite = c.get_database_backend() == DbBackend::Sqlite;
                let options = TransactionOptions {
                    sqlite_transaction_mode: sqlite.then_some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                };
                c.begin_with_options(options).await
            }
            On::Tx(t) => t.begin().await,
        }
    }
}

/// A SeaORM connection (pool or transaction) as the shared flows drive it.
pub(crate) struct Conn<'a> {
    base: On<'a>,
    /// Transactions and savepoints the flow began, innermost last.
    open: Vec<DatabaseTransaction>,
    d: Dialect,
    db: DbBackend,
}

impl<'a> Conn<'a> {
    pub(crate) fn new(base: On<'a>, d: Dialect, db: DbBackend) -> Self {
        Conn { base, open: Vec::new(), d, db }
    }

    fn on(&self) -> On<'_> {
        match self.open.last() {
            Some(t) => On::Tx(t),
            None => self.base,
        }
    }

    fn statement(&self, stmt: Stmt) -> Statement {
        let d = self.d;
        Statement::from_sql_and_values(self.db, stmt.sql, stmt.params.into_iter().map(|v| to_sea(d, v)))
    }
}

#[async_trait]
impl sql::Connection for Conn<'_> {
    async fn query(&mut self, stmt: Stmt, types: &[FieldType]) -> Result<Rows, DbError> {
        let st = self.statement(stmt);
        let rows = self.on().query(st).await.map_err(failure)?;
        rows.iter().map(|r| row_values(self.d, r, types).map_err(failure)).collect()
    }

    async fn execute(&mut self, stmt: Stmt) -> Result<u64, DbError> {
        let st = self.statement(stmt);
        Ok(self.on().execute(st).await.map_err(failure)?.rows_affected())
    }

    async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.on().unprepared(sql).await.map(drop).map_err(failure)
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        let tx = self.on().begin().await.map_err(failure)?;
        self.open.push(tx);
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        match self.open.pop() {
            Some(tx) => tx.commit().await.map_err(failure),
            None => Err(DbError::message("COMMIT without a transaction")),
        }
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        match self.open.pop() {
            Some(tx) => tx.rollback().await.map_err(failure),
            None => Err(DbError::message("ROLLBACK without a transaction")),
        }
    }
}
