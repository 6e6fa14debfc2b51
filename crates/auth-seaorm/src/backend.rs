//! [`SeaOrmBackend`]: the [`SqlBackend`] on a SeaORM connection (and so the
//! [`auth_core::Backend`]). The flows come from `auth_core::sql`.

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend};
use tokio::sync::Mutex;

use auth_core::sql::{DbError, Dialect, Job, SqlBackend};
use auth_core::{Error, Result};

use crate::connection::{Conn, On};
use crate::convert::failure;

/// PostgreSQL, MySQL/MariaDB or SQLite as an auth backend, through SeaORM: a connection pool,
/// a transaction this adapter began, or a transaction the application began.
#[derive(Clone)]
pub struct SeaOrmBackend {
    runner: Runner,
    dialect: Dialect,
    db: DbBackend,
}

#[derive(Clone)]
enum Runner {
    /// The application's pool.
    Pool(DatabaseConnection),
    /// A transaction owned by the application; it commits or rolls it back.
    Shared(Arc<DatabaseTransaction>),
    /// A transaction this adapter began (`None` once committed or rolled back).
    Tx(Arc<Mutex<Option<DatabaseTransaction>>>),
}

fn finished() -> Error {
    Error::transaction("the transaction has finished")
}

fn dialect_of(db: DbBackend) -> Result<Dialect> {
    match db {
        DbBackend::Postgres => Ok(Dialect::Postgres),
        DbBackend::MySql => Ok(Dialect::Mysql),
        DbBackend::Sqlite => Ok(Dialect::Sqlite),
        #[allow(unreachable_patterns)]
        other => Err(Error::Unsupported(format!("SeaORM backend {other:?}"))),
    }
}

impl SeaOrmBackend {
    /// Uses a SeaORM connection (pool) the application already has.
    pub fn from_connection(conn: DatabaseConnection) -> Result<Self> {
        let db = conn.get_database_backend();
        Ok(SeaOrmBackend { runner: Runner::Pool(conn), dialect: dialect_of(db)?, db })
    }

    /// Runs every operation inside a transaction the application began; the application commits
    /// or rolls it back (after dropping every adapter that uses it). [`auth_core::Backend::begin`]
    /// on this backend opens a savepoint inside it.
    pub fn from_transaction(tx: Arc<DatabaseTransaction>) -> Result<Self> {
        let db = sea_orm::ConnectionTrait::get_database_backend(&*tx);
        Ok(SeaOrmBackend { runner: Runner::Shared(tx), dialect: dialect_of(db)?, db })
    }

    /// The SeaORM connection, unless this backend runs in a transaction.
    pub fn connection(&self) -> Option<&DatabaseConnection> {
        match &self.runner {
            Runner::Pool(c) => Some(c),
            _ => None,
        }
    }
}

#[async_trait]
impl SqlBackend for SeaOrmBackend {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn run<T: Send + 'static, J: Job<T>>(&self, job: J) -> Result<Result<T, DbError>> {
        let (d, db) = (self.dialect, self.db);
        Ok(match &self.runner {
            Runner::Pool(pool) => job(&mut Conn::new(On::Pool(pool), d, db)).await,
            Runner::Shared(tx) => job(&mut Conn::new(On::Tx(tx), d, db)).await,
            Runner::Tx(tx) => {
                let guard = tx.lock().await;
                let tx = guard.as_ref().ok_or_else(finished)?;
                job(&mut Conn::new(On::Tx(tx), d, db)).await
            }
        })
    }

    async fn begin_transaction(&self) -> Result<Self> {
        let on = match &self.runner {
            Runner::Pool(pool) => On::Pool(pool),
            // A savepoint inside the application's transaction.
            Runner::Shared(tx) => On::Tx(tx),
            Runner::Tx(_) => return Err(Error::transaction("already in a transaction")),
        };
        let what = if matches!(on, On::Pool(_)) { "BEGIN" } else { "SAVEPOINT" };
        let tx = on.begin().await.map_err(|e| failure(e).into_transaction_error(self.dialect, what))?;
        Ok(SeaOrmBackend { runner: Runner::Tx(Arc::new(Mutex::new(Some(tx)))), dialect: self.dialect, db: self.db })
    }

    async fn end_transaction(&self, commit: bool) -> Result<()> {
        let Runner::Tx(tx) = &self.runner else {
            return Err(Error::transaction("not a transaction this adapter began"));
        };
        let tx = tx.lock().await.take().ok_or_else(finished)?;
        let (what, r) = match commit {
            true => ("COMMIT", tx.commit().await),
            false => ("ROLLBACK", tx.rollback().await),
        };
        r.map_err(|e| failure(e).into_transaction_error(self.dialect, what))
    }
}
