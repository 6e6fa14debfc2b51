//! [`DieselBackend`]: the [`SqlBackend`] on diesel connections (and so the
//! [`auth_core::Backend`]). The flows come from `auth_core::sql`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;

use auth_core::sql::{self, DbError, Dialect, Job, Rows, SqlBackend, Stmt};
use auth_core::{Error, FieldType, Result};

use crate::conn::{SqlConn, SyncConn};
use crate::convert::failure;
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
    Error::connection_from(format!("database worker failed: {e}"), e)
}

/// A failed BEGIN, COMMIT or ROLLBACK.
fn tx_err(d: Dialect, what: &'static str) -> impl Fn(diesel::result::Error) -> Error {
    move |e| failure(e).into_transaction_error(d, what)
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
        .map_err(tx_err(dialect, "BEGIN"))?;
        Ok(DieselBackend { dialect, runner: Runner::Tx(Arc::new(TxLevel::new(conn, false))) })
    }

    /// Takes the connection back after [`Transaction::commit`] or [`Transaction::rollback`]
    /// (from [`DieselBackend::from_connection`]); `C` is the type that was passed in. Fails while
    /// the transaction is open, if the type differs, or if the connection was already taken.
    pub fn into_connection<C: 'static>(&self) -> Result<C> {
        let Runner::Tx(tx) = &self.runner else {
            return Err(Error::transaction("not a transaction on a connection"));
        };
        let mut held = lock(&tx.held);
        if held.depth > 0 {
            return Err(Error::transaction("commit or roll back before taking the connection back"));
        }
        match &held.conn {
            Some(c) if c.as_any().is::<C>() => {}
            Some(_) => return Err(Error::transaction("the connection is of another type")),
            None => return Err(Error::transaction("the connection was already taken")),
        }
        let conn = held.conn.take().ok_or_else(|| Error::transaction("the connection was already taken"))?;
        conn.into_any()
            .downcast::<C>()
            .map(|b| *b)
            .map_err(|_| Error::transaction("the connection is of another type"))
    }
}

#[async_trait]
impl SqlBackend for DieselBackend {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Runs the job on a connection: a pooled one or the transaction's; for sync connections on
    /// a blocking thread.
    async fn run<T: Send + 'static, J: Job<T>>(&self, job: J) -> Result<Result<T, DbError>> {
        match &self.runner {
            Runner::Pool(pools) => {
                let pools = pools.clone();
                tokio::task::spawn_blocking(move || {
                    let mut conn = pools.get()?;
                    Ok(sql::ready(job(&mut SyncConn(&mut *conn))))
                })
                .await
                .map_err(worker_err)?
            }
            Runner::Tx(tx) => {
                let (shared, level, done) = tx.handle()?;
                tokio::task::spawn_blocking(move || {
                    let mut held = lock(&shared);
                    let conn = held.at(level, &done)?;
                    Ok(sql::ready(job(&mut SyncConn(conn))))
                })
                .await
                .map_err(worker_err)?
            }
            #[cfg(feature = "async")]
            Runner::AsyncPool(pools) => {
                let mut conn = pools.get().await?;
                Ok(job(&mut *conn).await)
            }
            #[cfg(feature = "async")]
            Runner::AsyncTx(tx) => {
                let (shared, level, done) = tx.handle()?;
                let mut held = shared.lock().await;
                let conn = held.at(level, &done)?;
                Ok(job(conn).await)
            }
        }
    }

    /// On SQLite pools this crate built, a point read on the caller's task when a connection is
    /// free and the database holds no lock against it ([`crate::PoolOptions::inline_reads`]).
    fn read_now(&self, stmt: &Stmt, _types: &[FieldType]) -> Option<Result<Rows, DbError>> {
        let Runner::Pool(pools) = &self.runner else { return None };
        pools.read_inline(stmt).map(|rows| rows.map_err(failure))
    }

    async fn begin_transaction(&self) -> Result<Self> {
        let begin = tx_err(self.dialect, "BEGIN");
        let runner = match &self.runner {
            Runner::Pool(pools) => {
                let pools = pools.clone();
                let conn = tokio::task::spawn_blocking(move || {
                    let mut conn = pools.get()?;
                    conn.begin().map_err(begin)?;
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
                    held.at(level, &done)?.begin().map_err(begin)?;
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
                conn.begin().await.map_err(|e| e.into_transaction_error(self.dialect, "BEGIN"))?;
                Runner::AsyncTx(Arc::new(crate::tx::AsyncTxLevel::new(conn, true)))
            }
            #[cfg(feature = "async")]
            Runner::AsyncTx(tx) => {
                let (shared, level, done) = tx.handle()?;
                let mut held = shared.lock().await;
                held.at(level, &done)?.begin().await.map_err(|e| e.into_transaction_error(self.dialect, "BEGIN"))?;
                held.depth += 1;
                let level = held.depth;
                drop(held);
                Runner::AsyncTx(Arc::new(crate::tx::AsyncTxLevel::nested(shared, level)))
            }
        };
        Ok(DieselBackend { dialect: self.dialect, runner })
    }

    /// Commits or rolls back this level (rolling back any savepoint still open inside it).
    async fn end_transaction(&self, commit: bool) -> Result<()> {
        let (d, what) = (self.dialect, if commit { "COMMIT" } else { "ROLLBACK" });
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
                        None => return Err(Error::transaction("the connection was taken")),
                    };
                    held.ended();
                    res.map_err(tx_err(d, what))
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
                    None => return Err(Error::transaction("the connection was taken")),
                };
                held.ended();
                res.map_err(|e| e.into_transaction_error(d, what))
            }
            _ => Err(Error::transaction("not in a transaction")),
        }
    }
}
