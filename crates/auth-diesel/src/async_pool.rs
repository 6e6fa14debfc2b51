//! diesel-async (feature `async`): deadpool pools of `AsyncPgConnection` and
//! `AsyncMysqlConnection`, run without blocking threads.

use async_trait::async_trait;
use diesel::result::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AnsiTransactionManager, AsyncConnection, AsyncMysqlConnection, AsyncPgConnection};
use diesel_async::{SimpleAsyncConnection, TransactionManager};

use auth_core::sql::{self, DbError, Dialect, Rows, Stmt};
use auth_core::{Error, FieldType};

use crate::convert::{DynRow, failure, pool_err};
use crate::query::DynQuery;

/// A deadpool pool of diesel-async PostgreSQL connections.
pub type AsyncPgPool = Pool<AsyncPgConnection>;
/// A deadpool pool of diesel-async MySQL / MariaDB connections.
pub type AsyncMysqlPool = Pool<AsyncMysqlConnection>;

/// A connection manager for [`AsyncMysqlPool`] whose connections run
/// `SET time_zone = '+00:00'` (so `DEFAULT CURRENT_TIMESTAMP(3)` is UTC):
/// `Pool::builder(auth_diesel::async_mysql_manager(url)).build()`.
pub fn async_mysql_manager(url: impl Into<String>) -> AsyncDieselConnectionManager<AsyncMysqlConnection> {
    let mut config = ManagerConfig::default();
    config.custom_setup = Box::new(|url| {
        let url = url.to_string();
        Box::pin(async move {
            let mut conn = AsyncMysqlConnection::establish(&url).await?;
            conn.batch_execute("SET time_zone = '+00:00'")
                .await
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
            Ok(conn)
        })
    });
    AsyncDieselConnectionManager::new_with_config(url, config)
}

/// A pooled diesel-async connection (a deadpool `Object`) as the shared flows drive it.
pub(crate) struct AsyncConn<O>(O);

macro_rules! async_connection {
    ($conn:ty, $query:path) => {
        #[async_trait]
        impl sql::Connection for AsyncConn<Object<$conn>> {
            async fn query(&mut self, stmt: Stmt, _types: &[FieldType]) -> Result<Rows, DbError> {
                let query = $query(stmt).map_err(failure)?;
                let rows: Vec<DynRow> = diesel_async::RunQueryDsl::load(query, &mut *self.0).await.map_err(failure)?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
            async fn execute(&mut self, stmt: Stmt) -> Result<u64, DbError> {
                let query = $query(stmt).map_err(failure)?;
                let n = diesel_async::RunQueryDsl::execute(query, &mut *self.0).await.map_err(failure)?;
                Ok(n as u64)
            }
            async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
                self.0.batch_execute(sql).await.map_err(failure)
            }
            async fn begin(&mut self) -> Result<(), DbError> {
                AnsiTransactionManager::begin_transaction(&mut *self.0).await.map_err(failure)
            }
            async fn commit(&mut self) -> Result<(), DbError> {
                AnsiTransactionManager::commit_transaction(&mut *self.0).await.map_err(failure)
            }
            async fn rollback(&mut self) -> Result<(), DbError> {
                AnsiTransactionManager::rollback_transaction(&mut *self.0).await.map_err(failure)
            }
        }
    };
}

async_connection!(AsyncPgConnection, DynQuery::pg);
async_connection!(AsyncMysqlConnection, DynQuery::mysql);

/// A diesel-async pool of one of the two backends.
#[derive(Clone)]
pub(crate) enum AsyncPools {
    Pg(AsyncPgPool),
    Mysql(AsyncMysqlPool),
}

impl AsyncPools {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            AsyncPools::Pg(_) => Dialect::Postgres,
            AsyncPools::Mysql(_) => Dialect::Mysql,
        }
    }

    /// Checks a connection out (waits as long as the pool's `wait` timeout allows).
    pub(crate) async fn get(&self) -> Result<Box<dyn sql::Connection>, Error> {
        Ok(match self {
            AsyncPools::Pg(p) => Box::new(AsyncConn(p.get().await.map_err(pool_err)?)),
            AsyncPools::Mysql(p) => Box::new(AsyncConn(p.get().await.map_err(pool_err)?)),
        })
    }
}
