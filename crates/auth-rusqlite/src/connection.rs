//! The [`sql::Connection`] on a rusqlite connection: statements through its prepared-statement
//! cache, transactions as `BEGIN IMMEDIATE` (writers queue at BEGIN, so two transactions never
//! deadlock upgrading their locks) and savepoints inside one.

use async_trait::async_trait;
use rusqlite::params_from_iter;

use auth_core::FieldType;
use auth_core::sql::{self, DbError, Rows, Stmt};

use crate::convert::{failure, from_sql, to_sql};

/// A rusqlite connection as the shared flows drive it; every call completes before it returns.
pub(crate) struct Conn<'a> {
    conn: &'a mut rusqlite::Connection,
    /// Per level begun here: `true` for a savepoint, `false` for the transaction.
    levels: Vec<bool>,
}

impl<'a> Conn<'a> {
    pub(crate) fn new(conn: &'a mut rusqlite::Connection) -> Self {
        Conn { conn, levels: Vec::new() }
    }
}

/// Runs `stmt` and reads every row, `width` columns of each (all when `None`).
pub(crate) fn rows(conn: &mut rusqlite::Connection, stmt: Stmt, width: Option<usize>) -> rusqlite::Result<Rows> {
    let mut prepared = conn.prepare_cached(&stmt.sql)?;
    let n = width.unwrap_or_else(|| prepared.column_count());
    let mut rows = prepared.query(params_from_iter(stmt.params.into_iter().map(to_sql)))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(from_sql(row.get_ref(i)?));
        }
        out.push(values);
    }
    Ok(out)
}

#[async_trait]
impl sql::Connection for Conn<'_> {
    async fn query(&mut self, stmt: Stmt, _types: &[FieldType]) -> Result<Rows, DbError> {
        rows(self.conn, stmt, None).map_err(failure)
    }

    async fn execute(&mut self, stmt: Stmt) -> Result<u64, DbError> {
        let mut prepared = self.conn.prepare_cached(&stmt.sql).map_err(failure)?;
        let n = prepared.execute(params_from_iter(stmt.params.into_iter().map(to_sql))).map_err(failure)?;
        Ok(n as u64)
    }

    async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn.execute_batch(sql).map_err(failure)
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        let savepoint = !self.conn.is_autocommit();
        let sql = if savepoint { format!("SAVEPOINT auth_{}", self.levels.len()) } else { "BEGIN IMMEDIATE".into() };
        self.conn.execute_batch(&sql).map_err(failure)?;
        self.levels.push(savepoint);
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        let sql = match self.levels.pop() {
            Some(true) => format!("RELEASE auth_{}", self.levels.len()),
            _ => "COMMIT".into(),
        };
        self.conn.execute_batch(&sql).map_err(failure)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        let sql = match self.levels.pop() {
            Some(true) => format!("ROLLBACK TO auth_{0}; RELEASE auth_{0}", self.levels.len()),
            _ => "ROLLBACK".into(),
        };
        self.conn.execute_batch(&sql).map_err(failure)
    }
}
