//! diesel-async (feature `async`): deadpool pools of `AsyncPgConnection` and
//! `AsyncMysqlConnection`, run without blocking threads.

use async_trait::async_trait;
use diesel::result::{ConnectionError, QueryResult};
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AnsiTransactionManager, AsyncConnection, AsyncMysqlConnection, AsyncPgConnection};
use diesel_async::{SimpleAsyncConnection, TransactionManager};

use auth_core::Error;
use auth_core::sql::{Dialect, Stmt};

use crate::conn::{Exec, Rows};
use crate::convert::{DynRow, pool_err};
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

macro_rules! async_exec {
    ($conn:ty, $dialect:expr, $query:path) => {
        #[async_trait]
        impl Exec for $conn {
            fn dialect(&self) -> Dialect {
                $dialect
            }
            async fn query(&mut self, stmt: Stmt) -> QueryResult<Rows> {
                let rows: Vec<DynRow> = diesel_async::RunQueryDsl::load($query(stmt)?, self).await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
            async fn execute(&mut self, stmt: Stmt) -> QueryResult<usize> {
                diesel_async::RunQueryDsl::execute($query(stmt)?, self).await
            }
            async fn batch(&mut self, sql: String) -> QueryResult<()> {
                self.batch_execute(&sql).await
            }
            async fn begin(&mut self) -> QueryResult<()> {
                AnsiTransactionManager::begin_transaction(self).await
            }
            async fn commit(&mut self) -> QueryResult<()> {
                AnsiTransactionManager::commit_transaction(self).await
            }
            async fn rollback(&mut self) -> QueryResult<()> {
                AnsiTransactionManager::rollback_transaction(self).await
            }
        }

        #[async_trait]
        impl Exec for Object<$conn> {
            fn dialect(&self) -> Dialect {
                $dialect
            }
            async fn query(&mut self, stmt: Stmt) -> QueryResult<Rows> {
                Exec::query(&mut **self, stmt).await
            }
            async fn execute(&mut self, stmt: Stmt) -> QueryResult<usize> {
                Exec::execute(&mut **self, stmt).await
            }
            async fn batch(&mut self, sql: String) -> QueryResult<()> {
                Exec::batch(&mut **self, sql).await
            }
            async fn begin(&mut self) -> QueryResult<()> {
                Exec::begin(&mut **self).await
            }
            async fn commit(&mut self) -> QueryResult<()> {
                Exec::commit(&mut **self).await
            }
            async fn rollback(&mut self) -> QueryResult<()> {
                Exec::rollback(&mut **self).await
            }
        }
    };
}

async_exec!(AsyncPgConnection, Dialect::Postgres, DynQuery::pg);
async_exec!(AsyncMysqlConnection, Dialect::Mysql, DynQuery::mysql);

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
    pub(crate) async fn get(&self) -> Result<Box<dyn Exec>, Error> {
        Ok(match self {
            AsyncPools::Pg(p) => Box::new(p.get().await.map_err(pool_err)?),
            AsyncPools::Mysql(p) => Box::new(p.get().await.map_err(pool_err)?),
        })
    }
}
