//! [`DieselBackend`]: the [`Backend`] and [`Transaction`] on diesel connections.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use diesel::result::QueryResult;

use auth_core::backend::{Delete, Filter, Insert, Select, Update, Written};
use auth_core::schema::diff::Difference;
use auth_core::schema::live::LiveSchema;
use auth_core::sql::{self, Dialect, Stmt};
use auth_core::{Backend, Capabilities, Error, Field, Model, Record, Result, Schema, Transaction, Value};

use crate::conn::{BoxFut, Exec, Rows, SqlConn, SyncExec, ready};
use crate::convert::map_err;
use crate::flows::{self, first_row, read_by_id};
use crate::pool::Pools;
use crate::tx::{TxLevel, lock};

/// The auth backend on diesel: a pool of PostgreSQL, MySQL/MariaDB or SQLite connections, or
/// one transaction on one connection.
///
/// With an r2d2 pool of sync connections, every adapter call (or transaction step) runs on a
/// blocking thread (`tokio::task::spawn_blocking`), one hop per call, so sync diesel never
/// stalls the async runtime; on SQLite, single-row reads may skip the hop
/// ([`crate::PoolOptions::inline_reads`]). Cloning is cheap and shares the pool (or the transaction).
#[derive(Clone)]
pub struct DieselBackend {
    runner: Runner,
    dialect: Dialect,
}

#[derive(Clone)]
enum Runner {
    Pool(Pools),
    Tx(Arc<TxLevel>),
    #[cfg(feature = "async")]
    AsyncPool(crate::async_pool::AsyncPools),
    #[cfg(feature = "async")]
    AsyncTx(Arc<crate::tx::AsyncTxLevel>),
}

fn worker_err(e: tokio::task::JoinError) -> Error {
    Error::Connection(format!("database worker failed: {e}"))
}

fn begin_err(e: diesel::result::Error) -> Error {
    tx_err("BEGIN", e)
}

/// A failed BEGIN, COMMIT or ROLLBACK: [`Error::Connection`] when the connection is gone (the
/// contract's "lost connections → `Error::Connection`"; for a COMMIT the outcome is then
/// unknown), [`Error::Transaction`] otherwise.
fn tx_err(what: &str, e: diesel::result::Error) -> Error {
    let e = match e {
        // MySQL: the COMMIT failed, and so did the rollback diesel tried after it.
        diesel::result::Error::RollbackErrorOnCommit { commit_error, rollback_error } => {
            return match map_err(None, *commit_error) {
                Error::Connection(m) => Error::Connection(format!("{what} failed: {m}")),
                commit => Error::Transaction(format!(
                    "{what} failed: {commit} (and the rollback after it: {})",
                    map_err(None, *rollback_error)
                )),
            };
        }
        e => e,
    };
    match map_err(None, e) {
        Error::Connection(m) => Error::Connection(format!("{what} failed: {m}")),
        other => Error::Transaction(format!("{what} failed: {other}")),
    }
}

impl DieselBackend {
    pub(crate) fn from_pools(pools: Pools) -> Self {
        DieselBackend { dialect: pools.dialect(), runner: Runner::Pool(pools) }
    }

    #[cfg(feature = "async")]
    pub(crate) fn from_async_pools(pools: crate::async_pool::AsyncPools) -> Self {
        DieselBackend { dialect: pools.dialect(), runner: Runner::AsyncPool(pools) }
    }

    pub(crate) async fn from_conn(conn: Box<dyn SqlConn>) -> Result<Self> {
        let dialect = conn.dialect();
        let conn = tokio::task::spawn_blocking(move || {
            let mut conn = conn;
            conn.begin().map(|()| conn)
        })
        .await
        .map_err(worker_err)?
        .map_err(begin_err)?;
        Ok(DieselBackend { dialect, runner: Runner::Tx(Arc::new(TxLevel::new(conn, false))) })
    }

    /// Takes the connection back after [`Transaction::commit`] or [`Transaction::rollback`]
    /// (from [`DieselBackend::from_connection`]); `C` is the type that was passed in. Fails while
    /// the transaction is open, if the type differs, or if the connection was already taken.
    pub fn into_connection<C: 'static>(&self) -> Result<C> {
        let Runner::Tx(tx) = &self.runner else {
            return Err(Error::Transaction("not a transaction on a connection".into()));
        };
        let mut held = lock(&tx.held);
        if held.depth > 0 {
            return Err(Error::Transaction("commit or roll back before taking the connection back".into()));
        }
        match &held.conn {
            Some(c) if c.as_any().is::<C>() => {}
            Some(_) => return Err(Error::Transaction("the connection is of another type".into())),
            None => return Err(Error::Transaction("the connection was already taken".into())),
        }
        let conn = held.conn.take().ok_or_else(|| Error::Transaction("the connection was already taken".into()))?;
        conn.into_any()
            .downcast::<C>()
            .map(|b| *b)
            .map_err(|_| Error::Transaction("the connection is of another type".into()))
    }

    /// Runs `f` on a connection: a pooled one or the transaction's; for sync connections on a
    /// blocking thread.
    async fn run<T, F>(&self, model: Option<&Model>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Exec) -> BoxFut<'c, T> + Send + 'static,
    {
        let res: QueryResult<T> = match &self.runner {
            Runner::Pool(pools) => {
                let pools = pools.clone();
                tokio::task::spawn_blocking(move || {
                    let mut conn = pools.get()?;
                    Ok::<_, Error>(ready(f(&mut SyncExec(&mut *conn))))
                })
                .await
                .map_err(worker_err)??
            }
            Runner::Tx(tx) => {
                let (shared, level, done) = tx.handle()?;
                tokio::task::spawn_blocking(move || {
                    let mut held = lock(&shared);
                    let conn = held.at(level, &done)?;
                    Ok::<_, Error>(ready(f(&mut SyncExec(conn))))
                })
                .await
                .map_err(worker_err)??
            }
            #[cfg(feature = "async")]
            Runner::AsyncPool(pools) => {
                let mut conn = pools.get().await?;
                f(&mut *conn).await
            }
            #[cfg(feature = "async")]
            Runner::AsyncTx(tx) => {
                let (shared, level, done) = tx.handle()?;
                let mut held = shared.lock().await;
                let conn = held.at(level, &done)?;
                f(conn).await
            }
        };
        res.map_err(|e| map_err(model, e))
    }

    async fn rows(&self, model: &Model, stmt: Stmt) -> Result<Rows> {
        self.run(Some(model), move |c| Box::pin(flows::query(c, stmt))).await
    }

    async fn write(&self, model: &Model, stmt: Stmt, returning: bool) -> Result<Written> {
        if returning {
            let row = first_row(self.rows(model, stmt).await?);
            return Ok(Written { count: row.is_some() as u64, row });
        }
        let count = self.run(Some(model), move |c| Box::pin(flows::execute(c, stmt))).await?;
        Ok(Written { count, row: None })
    }

    async fn ddl(&self, statements: Vec<String>) -> Result<()> {
        if statements.is_empty() {
            return Ok(());
        }
        self.run(None, move |c| Box::pin(flows::ddl(c, statements))).await
    }

    /// Commits or rolls back this level (rolling back any savepoint still open inside it).
    async fn finish(&self, commit: bool) -> Result<()> {
        let what = if commit { "COMMIT" } else { "ROLLBACK" };
        let fail = move |e| tx_err(what, e);
        match &self.runner {
            Runner::Tx(tx) => {
                let (shared, level, done) = tx.handle()?;
                tokio::task::spawn_blocking(move || {
                    let mut held = lock(&shared);
                    held.at(level, &done)?;
                    done.store(true, Ordering::SeqCst);
                    held.unwind_to(level);
                    held.depth -= 1;
                    let res = match held.conn.as_mut() {
                        Some(conn) if commit => conn.commit(),
                        Some(conn) => conn.rollback(),
                        None => return Err(Error::Transaction("the connection was taken".into())),
                    };
                    held.ended();
                    res.map_err(fail)
                })
                .await
                .map_err(worker_err)?
            }
            #[cfg(feature = "async")]
            Runner::AsyncTx(tx) => {
                let (shared, level, done) = tx.handle()?;
                let mut held = shared.lock().await;
                held.at(level, &done)?;
                done.store(true, Ordering::SeqCst);
                held.unwind_to(level).await;
                held.depth -= 1;
                let res = match held.conn.as_mut() {
                    Some(conn) if commit => conn.commit().await,
                    Some(conn) => conn.rollback().await,
                    None => return Err(Error::Transaction("the connection was taken".into())),
                };
                held.ended();
                res.map_err(fail)
            }
            _ => Err(Error::Transaction("not in a transaction".into())),
        }
    }
}

#[async_trait]
impl Backend for DieselBackend {
    fn capabilities(&self) -> Capabilities {
        self.dialect.capabilities()
    }

    fn name(&self) -> &str {
        self.dialect.name()
    }

    async fn insert(&self, op: Insert<'_>) -> Result<Vec<Value>> {
        let d = self.dialect;
        let stmt = sql::insert(d, &op);
        if d.returning() {
            let rows = self.rows(op.model, stmt).await?;
            return first_row(rows).ok_or_else(|| Error::backend_msg("INSERT returned no row"));
        }
        // No RETURNING: insert, then read the row back by id on the same connection.
        let given = op.values.iter().find(|(i, _)| *i == 0).map(|(_, v)| v.clone());
        let read = read_by_id(d, op.model);
        let row = self.run(Some(op.model), move |c| Box::pin(flows::insert_read_back(c, stmt, given, read))).await?;
        row.ok_or_else(|| Error::backend_msg("the inserted row cannot be read back"))
    }

    async fn select(&self, op: Select<'_>) -> Result<Vec<Record>> {
        let (stmt, layout) = sql::select(self.dialect, &op);
        let inline = match &self.runner {
            Runner::Pool(pools) if op.limit == Some(1) => pools.read_inline(&stmt),
            _ => None,
        };
        let rows = match inline {
            Some(rows) => rows.map_err(|e| map_err(Some(op.model), e))?,
            None => self.rows(op.model, stmt).await?,
        };
        Ok(rows.into_iter().map(|r| layout.record(r)).collect())
    }

    async fn count(&self, model: &Model, filter: Filter) -> Result<u64> {
        let stmt = sql::count(self.dialect, model, &filter);
        let rows = self.rows(model, stmt).await?;
        match rows.first().and_then(|r| r.first()) {
            Some(Value::Int(n)) => Ok((*n).max(0) as u64),
            _ => Err(Error::backend_msg("COUNT returned no number")),
        }
    }

    async fn update(&self, op: Update<'_>) -> Result<Written> {
        let d = self.dialect;
        if !(op.one && d == Dialect::Mysql) {
            let stmt = sql::update(d, &op);
            return self.write(op.model, stmt, op.one && op.returning).await;
        }
        // No RETURNING: lock one matching row, change it by id, read it back; one transaction.
        let lock_one = sql::lock_one(d, op.model, &op.filter);
        let by_id = Update { model: op.model, filter: sql::by_id(Value::Null), set: op.set.clone(), one: false, returning: false };
        let change = sql::update(d, &by_id);
        let read = op.returning.then(|| read_by_id(d, op.model));
        self.run(Some(op.model), move |c| Box::pin(flows::update_locked(c, lock_one, change, read))).await
    }

    async fn delete(&self, op: Delete<'_>) -> Result<Written> {
        let d = self.dialect;
        if !(op.one && d == Dialect::Mysql) {
            let stmt = sql::delete(d, &op);
            return self.write(op.model, stmt, op.one && op.returning).await;
        }
        // No RETURNING: lock one matching row (all fields: the row to return), delete it by id.
        let lock_one = sql::lock_one(d, op.model, &op.filter);
        let by_id = Delete { model: op.model, filter: sql::by_id(Value::Null), one: false, returning: false };
        let remove = sql::delete(d, &by_id);
        let returning = op.returning;
        self.run(Some(op.model), move |c| Box::pin(flows::delete_locked(c, lock_one, remove, returning))).await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let runner = match &self.runner {
            Runner::Pool(pools) => {
                let pools = pools.clone();
                let conn = tokio::task::spawn_blocking(move || {
                    let mut conn = pools.get()?;
                    conn.begin().map_err(begin_err)?;
                    Ok::<_, Error>(conn)
                })
                .await
                .map_err(worker_err)??;
                Runner::Tx(Arc::new(TxLevel::new(conn, true)))
            }
            // Inside a transaction: a savepoint on the same connection.
            Runner::Tx(tx) => {
                let (shared, level, done) = tx.handle()?;
                let inner = tokio::task::spawn_blocking(move || {
                    let mut held = lock(&shared);
                    held.at(level, &done)?.begin().map_err(begin_err)?;
                    held.depth += 1;
                    let level = held.depth;
                    drop(held);
                    Ok::<_, Error>(TxLevel::nested(shared, level))
                })
                .await
                .map_err(worker_err)??;
                Runner::Tx(Arc::new(inner))
            }
            #[cfg(feature = "async")]
            Runner::AsyncPool(pools) => {
                let mut conn = pools.get().await?;
                conn.begin().await.map_err(begin_err)?;
                Runner::AsyncTx(Arc::new(crate::tx::AsyncTxLevel::new(conn, true)))
            }
            #[cfg(feature = "async")]
            Runner::AsyncTx(tx) => {
                let (shared, level, done) = tx.handle()?;
                let mut held = shared.lock().await;
                held.at(level, &done)?.begin().await.map_err(begin_err)?;
                held.depth += 1;
                let level = held.depth;
                drop(held);
                Runner::AsyncTx(Arc::new(crate::tx::AsyncTxLevel::nested(shared, level)))
            }
        };
        Ok(Box::new(DieselBackend { dialect: self.dialect, runner }))
    }

    async fn describe(&self, schema: &Schema) -> Result<LiveSchema> {
        let tables: Vec<String> = schema.models().iter().map(|m| m.table.clone()).collect();
        self.run(None, move |c| Box::pin(crate::describe::describe(c, tables))).await
    }

    fn accepts(&self, field: &Field, live_type: &str) -> bool {
        self.dialect.accepts(field, live_type)
    }

    fn migration_statements(&self, schema: &Schema, differences: &[Difference]) -> Vec<String> {
        sql::migration(self.dialect, schema, differences)
    }

    async fn migrate(&self, schema: &Schema, differences: &[Difference]) -> Result<()> {
        self.ddl(sql::migration(self.dialect, schema, differences)).await
    }
}

#[async_trait]
impl Transaction for DieselBackend {
    async fn commit(&self) -> Result<()> {
        self.finish(true).await
    }

    async fn rollback(&self) -> Result<()> {
        self.finish(false).await
    }
}
