//! [`SqliteBackend`]: the [`SqlBackend`] on rusqlite (and so the [`auth_core::Backend`]): a pool
//! of connections, or one transaction on one of them. The flows come from `auth_core::sql`.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Mutex;

use auth_core::sql::{self, DbError, Dialect, Job, Rows, SqlBackend, Stmt};
use auth_core::{Error, FieldType, Result};

use crate::connection::{Conn, rows};
use crate::convert::failure;
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
    /// The transaction's connection (`None` once committed or rolled back).
    Tx(Arc<Mutex<Option<Lease>>>),
}

fn finished() -> Error {
    Error::transaction("the transaction has finished")
}

impl SqliteBackend {
    pub(crate) fn from_pool(pool: Arc<Pool>) -> Self {
        SqliteBackend { runner: Runner::Pool(pool) }
    }
}

#[async_trait]
impl SqlBackend for SqliteBackend {
    fn dialect(&self) -> Dialect {
        D
    }

    /// Runs the job on a blocking thread: one hop per adapter call.
    async fn run<T: Send + 'static, J: Job<T>>(&self, job: J) -> Result<Result<T, DbError>> {
        let work = move |c: &mut rusqlite::Connection| sql::ready(job(&mut Conn::new(c)));
        match &self.runner {
            Runner::Pool(pool) => pool.acquire().await?.run(work).await,
            Runner::Tx(lease) => lease.lock().await.as_mut().ok_or_else(finished)?.run(work).await,
        }
    }

    /// A point read on the caller's task, outside transactions, when a connection is free and
    /// SQLite answers without waiting for a lock ([`crate::SqliteOptions::inline_reads`]).
    fn read_now(&self, stmt: &Stmt, types: &[FieldType]) -> Option<Result<Rows, DbError>> {
        let Runner::Pool(pool) = &self.runner else { return None };
        let mut lease = pool.try_acquire_inline()?;
        lease.run_inline(|c| rows(c, stmt.clone(), Some(types.len()))).map_err(failure).transpose()
    }

    async fn begin_transaction(&self) -> Result<Self> {
        let Runner::Pool(pool) = &self.runner else {
            return Err(Error::transaction("already in a transaction"));
        };
        let mut lease = pool.acquire().await?;
        lease
            .run(|c| c.execute_batch("BEGIN IMMEDIATE").map_err(failure))
            .await?
            .map_err(|e| e.into_transaction_error(D, "BEGIN"))?;
        Ok(SqliteBackend { runner: Runner::Tx(Arc::new(Mutex::new(Some(lease)))) })
    }

    async fn end_transaction(&self, commit: bool) -> Result<()> {
        let Runner::Tx(lease) = &self.runner else {
            return Err(Error::transaction("not in a transaction"));
        };
        let mut lease = lease.lock().await.take().ok_or_else(finished)?;
        let what = if commit { "COMMIT" } else { "ROLLBACK" };
        lease.run(move |c| c.execute_batch(what).map_err(failure)).await?.map_err(|e| e.into_transaction_error(D, what))
    }
}
