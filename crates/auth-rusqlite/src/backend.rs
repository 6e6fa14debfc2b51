//! [`SqliteBackend`]: the [`Backend`] and [`Transaction`] on rusqlite.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::params_from_iter;
use tokio::sync::Mutex;

use auth_core::backend::{Delete, Filter, Insert, Select, Update, Written};
use auth_core::schema::diff::Difference;
use auth_core::schema::live::LiveSchema;
use auth_core::sql::{self, Dialect, Stmt};
use auth_core::{Backend, Capabilities, Error, Field, Model, Record, Result, Schema, Transaction, Value};

use crate::convert::{from_sql, map_err, to_sql};
use crate::pool::{Lease, Pool};

const D: Dialect = Dialect::Sqlite;

/// SQLite as an auth backend: a pool of rusqlite connections, or one transaction on one of them.
#[derive(Clone)]
pub struct SqliteBackend {
    runner: Runner,
}

#[derive(Clone)]
enum Runner {
    Pool(Arc<Pool>),
    Tx(Arc<Mutex<Option<Lease>>>),
}

type Rows = Vec<Vec<Value>>;

pub(crate) fn query(conn: &mut rusqlite::Connection, stmt: Stmt, width: Option<usize>) -> rusqlite::Result<Rows> {
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

fn execute(conn: &mut rusqlite::Connection, stmt: Stmt) -> rusqlite::Result<u64> {
    let mut prepared = conn.prepare_cached(&stmt.sql)?;
    Ok(prepared.execute(params_from_iter(stmt.params.into_iter().map(to_sql)))? as u64)
}

impl SqliteBackend {
    pub(crate) fn from_pool(pool: Arc<Pool>) -> Self {
        SqliteBackend { runner: Runner::Pool(pool) }
    }

    /// Runs `f` on a connection: a pooled one, or the transaction's.
    async fn run<T, F>(&self, model: Option<&Model>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let res = match &self.runner {
            Runner::Pool(pool) => pool.acquire().await?.run(f).await?,
            Runner::Tx(lease) => {
                let mut guard = lease.lock().await;
                let lease = guard.as_mut().ok_or_else(|| Error::Transaction("the transaction has finished".into()))?;
                lease.run(f).await?
            }
        };
        res.map_err(|e| map_err(model, e))
    }

    /// A free pooled connection for a single-row read outside a transaction, to run inline.
    fn point_read(&self, op: &Select<'_>) -> Option<Lease> {
        match &self.runner {
            Runner::Pool(pool) if op.limit == Some(1) => pool.try_acquire_inline(),
            _ => None,
        }
    }

    async fn rows(&self, model: &Model, stmt: Stmt) -> Result<Rows> {
        self.run(Some(model), move |c| query(c, stmt, None)).await
    }

    async fn finish(&self, sql: &'static str) -> Result<()> {
        let Runner::Tx(lease) = &self.runner else {
            return Err(Error::Transaction("not in a transaction".into()));
        };
        let mut guard = lease.lock().await;
        let mut lease = guard.take().ok_or_else(|| Error::Transaction("the transaction has finished".into()))?;
        lease
            .run(move |c| c.execute_batch(sql))
            .await?
            .map_err(|e| Error::Transaction(format!("{sql} failed: {}", map_err(None, e))))
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    fn capabilities(&self) -> Capabilities {
        D.capabilities()
    }

    fn name(&self) -> &str {
        D.name()
    }

    async fn insert(&self, op: Insert<'_>) -> Result<Vec<Value>> {
        let stmt = sql::insert(D, &op);
        let rows = self.rows(op.model, stmt).await?;
        rows.into_iter().next().ok_or_else(|| Error::backend_msg("INSERT returned no row"))
    }

    async fn select(&self, op: Select<'_>) -> Result<Vec<Record>> {
        let (stmt, layout) = sql::select(D, &op);
        let width = layout.types.len();
        let rows = match self.point_read(&op) {
            Some(mut lease) => match lease.run_inline(|c| query(c, stmt.clone(), Some(width))) {
                Ok(Some(rows)) => rows,
                Ok(None) => lease.run(move |c| query(c, stmt, Some(width))).await?.map_err(|e| map_err(Some(op.model), e))?,
                Err(e) => return Err(map_err(Some(op.model), e)),
            },
            None => self.run(Some(op.model), move |c| query(c, stmt, Some(width))).await?,
        };
        Ok(rows.into_iter().map(|r| layout.record(r)).collect())
    }

    async fn count(&self, model: &Model, filter: Filter) -> Result<u64> {
        let stmt = sql::count(D, model, &filter);
        let rows = self.rows(model, stmt).await?;
        match rows.first().and_then(|r| r.first()) {
            Some(Value::Int(n)) => Ok(*n as u64),
            _ => Err(Error::backend_msg("COUNT returned no number")),
        }
    }

    async fn update(&self, op: Update<'_>) -> Result<Written> {
        let stmt = sql::update(D, &op);
        self.write(op.model, stmt, op.one && op.returning).await
    }

    async fn delete(&self, op: Delete<'_>) -> Result<Written> {
        let stmt = sql::delete(D, &op);
        self.write(op.model, stmt, op.one && op.returning).await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let Runner::Pool(pool) = &self.runner else {
            return Err(Error::Transaction("already in a transaction".into()));
        };
        let mut lease = pool.acquire().await?;
        lease
            .run(|c| c.execute_batch("BEGIN IMMEDIATE"))
            .await?
            .map_err(|e| Error::Transaction(format!("BEGIN failed: {}", map_err(None, e))))?;
        Ok(Box::new(SqliteBackend { runner: Runner::Tx(Arc::new(Mutex::new(Some(lease)))) }))
    }

    async fn describe(&self, schema: &Schema) -> Result<LiveSchema> {
        let tables: Vec<String> = schema.models().iter().map(|m| m.table.clone()).collect();
        self.run(None, move |c| crate::describe::describe(c, &tables)).await
    }

    fn accepts(&self, field: &Field, live_type: &str) -> bool {
        D.accepts(field, live_type)
    }

    fn migration_statements(&self, schema: &Schema, differences: &[Difference]) -> Vec<String> {
        sql::migration(D, schema, differences)
    }

    async fn migrate(&self, schema: &Schema, differences: &[Difference]) -> Result<()> {
        self.ddl(sql::migration(D, schema, differences)).await
    }
}

impl SqliteBackend {
    /// Runs DDL statements in one transaction: all or nothing.
    async fn ddl(&self, statements: Vec<String>) -> Result<()> {
        if statements.is_empty() {
            return Ok(());
        }
        let script = format!("BEGIN IMMEDIATE;\n{};\nCOMMIT;", statements.join(";\n"));
        self.run(None, move |c| {
            let r = c.execute_batch(&script);
            if r.is_err() && !c.is_autocommit() {
                c.execute_batch("ROLLBACK")?;
            }
            r
        })
        .await
    }

    async fn write(&self, model: &Model, stmt: Stmt, returning: bool) -> Result<Written> {
        if returning {
            let row = self.rows(model, stmt).await?.into_iter().next();
            return Ok(Written { count: row.is_some() as u64, row });
        }
        let count = self.run(Some(model), move |c| execute(c, stmt)).await?;
        Ok(Written { count, row: None })
    }
}

#[async_trait]
impl Transaction for SqliteBackend {
    async fn commit(&self) -> Result<()> {
        self.finish("COMMIT").await
    }

    async fn rollback(&self) -> Result<()> {
        self.finish("ROLLBACK").await
    }
}
