//! [`SeaOrmBackend`]: the [`Backend`] and [`Transaction`] on a SeaORM connection.

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryResult, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::Mutex;

use auth_core::backend::{Delete, Filter, Insert, Select, Set, Update, Written};
use auth_core::schema::diff::Difference;
use auth_core::schema::live::LiveSchema;
use auth_core::sql::{self, Dialect, Stmt};
use auth_core::{Backend, Capabilities, Error, Field, FieldType, Model, Record, Result, Schema, Transaction, Value};

use crate::convert::{map_err, row_values, to_sea};

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

/// Runs `$body` with `$c` bound to whatever executes statements for `$self`.
macro_rules! on_conn {
    ($self:expr, |$c:ident| $body:expr) => {
        match &$self.runner {
            Runner::Pool(pool) => {
                let $c = pool;
                $body
            }
            Runner::Shared(tx) => {
                let $c = &**tx;
                $body
            }
            Runner::Tx(tx) => {
                let guard = tx.lock().await;
                let $c = guard.as_ref().ok_or_else(finished)?;
                $body
            }
        }
    };
}

fn finished() -> Error {
    Error::Transaction("the transaction has finished".into())
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

/// All fields of `model`, in order.
fn all_columns(model: &Model) -> Vec<usize> {
    (0..model.fields.len()).collect()
}

/// Types of the SET parameters of an update, which come first.
fn set_hints(op: &Update<'_>) -> Vec<FieldType> {
    op.set
        .iter()
        .map(|(i, s)| match s {
            Set::Value(_) => op.model.fields[*i].ty,
            Set::Increment(_) => FieldType::Number,
        })
        .collect()
}

/// Statement execution shared by every runner; `C` is a pool or a transaction.
struct Exec<'a, C> {
    c: &'a C,
    d: Dialect,
    db: DbBackend,
}

impl<C: ConnectionTrait> Exec<'_, C> {
    /// The statement with its parameters converted; `hints` types the first parameters (for
    /// typed NULLs on PostgreSQL).
    fn statement(&self, stmt: Stmt, hints: &[FieldType]) -> Statement {
        let d = self.d;
        let values = stmt.params.into_iter().enumerate().map(|(i, v)| to_sea(d, v, hints.get(i).copied()));
        Statement::from_sql_and_values(self.db, stmt.sql, values)
    }

    async fn query(&self, model: Option<&Model>, stmt: Stmt, hints: &[FieldType]) -> Result<Vec<QueryResult>> {
        let st = self.statement(stmt, hints);
        self.c.query_all_raw(st).await.map_err(|e| map_err(self.d, model, e))
    }

    async fn execute(&self, model: Option<&Model>, stmt: Stmt, hints: &[FieldType]) -> Result<sea_orm::ExecResult> {
        let st = self.statement(stmt, hints);
        self.c.execute_raw(st).await.map_err(|e| map_err(self.d, model, e))
    }

    fn decode(&self, model: Option<&Model>, row: &QueryResult, types: &[FieldType]) -> Result<Vec<Value>> {
        row_values(self.d, row, types).map_err(|e| map_err(self.d, model, e))
    }

    /// Reads the first row of `stmt`, all fields of `model`.
    async fn first_row(&self, model: &Model, stmt: Stmt, hints: &[FieldType]) -> Result<Option<Vec<Value>>> {
        let rows = self.query(Some(model), stmt, hints).await?;
        rows.first().map(|r| self.decode(Some(model), r, &sql::all_types(model))).transpose()
    }

    /// The row whose id is `id`, all fields.
    async fn by_id(&self, model: &Model, id: Value) -> Result<Option<Vec<Value>>> {
        let op = Select {
            model,
            columns: all_columns(model),
            filter: sql::by_id(id),
            sort: None,
            limit: Some(1),
            offset: None,
            joins: vec![],
        };
        let (stmt, _) = sql::select(self.d, &op);
        self.first_row(model, stmt, &[]).await
    }

    async fn insert(&self, op: &Insert<'_>) -> Result<Vec<Value>> {
        let hints: Vec<FieldType> = op.values.iter().map(|(i, _)| op.model.fields[*i].ty).collect();
        let stmt = sql::insert(self.d, op);
        if self.d.returning() {
            return self
                .first_row(op.model, stmt, &hints)
                .await?
                .ok_or_else(|| Error::backend_msg("INSERT returned no row"));
        }
        let res = self.execute(Some(op.model), stmt, &hints).await?;
        let id = match op.values.iter().find(|(i, _)| *i == 0) {
            Some((_, v)) => v.clone(),
            None => Value::Int(i64::try_from(res.last_insert_id()).map_err(Error::backend)?),
        };
        self.by_id(op.model, id).await?.ok_or_else(|| Error::backend_msg("the inserted row cannot be read back"))
    }

    async fn select(&self, op: &Select<'_>) -> Result<Vec<Record>> {
        let (stmt, layout) = sql::select(self.d, op);
        let rows = self.query(Some(op.model), stmt, &[]).await?;
        rows.iter().map(|r| Ok(layout.record(self.decode(Some(op.model), r, &layout.types)?))).collect()
    }

    async fn count(&self, model: &Model, filter: &Filter) -> Result<u64> {
        let rows = self.query(Some(model), sql::count(self.d, model, filter), &[]).await?;
        let n = match rows.first() {
            Some(r) => self.decode(Some(model), r, &[FieldType::Number])?,
            None => vec![],
        };
        match n.first() {
            Some(Value::Int(n)) => Ok(u64::try_from(*n).unwrap_or_default()),
            _ => Err(Error::backend_msg("COUNT returned no number")),
        }
    }

    /// UPDATE or DELETE in one statement (with RETURNING when asked and available).
    async fn write(&self, model: &Model, stmt: Stmt, hints: &[FieldType], returning: bool) -> Result<Written> {
        if returning {
            let row = self.first_row(model, stmt, hints).await?;
            return Ok(Written { count: row.is_some() as u64, row });
        }
        let res = self.execute(Some(model), stmt, hints).await?;
        Ok(Written { count: res.rows_affected(), row: None })
    }

    /// MySQL's one-row update/delete with the row returned: lock one matching row, change it by
    /// id, read it back. Runs inside a transaction.
    async fn locked_one(&self, model: &Model, filter: &Filter, set: Option<&[(usize, Set)]>) -> Result<Written> {
        let Some(row) = self.first_row(model, sql::lock_one(self.d, model, filter), &[]).await? else {
            return Ok(Written::default());
        };
        let id = row.first().cloned().unwrap_or(Value::Null);
        let row = match set {
            Some(set) => {
                let op =
                    Update { model, filter: sql::by_id(id.clone()), set: set.to_vec(), one: false, returning: false };
                let hints = set_hints(&op);
                self.execute(Some(model), sql::update(self.d, &op), &hints).await?;
                self.by_id(model, id).await?
            }
            None => {
                let op = Delete { model, filter: sql::by_id(id), one: false, returning: false };
                self.execute(Some(model), sql::delete(self.d, &op), &[]).await?;
                Some(row)
            }
        };
        Ok(Written { count: 1, row })
    }

    /// DDL statements, one by one.
    async fn ddl(&self, statements: &[String]) -> Result<()> {
        for s in statements {
            self.c.execute_unprepared(s).await.map_err(|e| map_err(self.d, None, e))?;
        }
        Ok(())
    }
}

impl SeaOrmBackend {
    /// Uses a SeaORM connection (pool) the application already has.
    pub fn from_connection(conn: DatabaseConnection) -> Result<Self> {
        let db = conn.get_database_backend();
        Ok(SeaOrmBackend { runner: Runner::Pool(conn), dialect: dialect_of(db)?, db })
    }

    /// Runs every operation inside a transaction the application began; the application commits
    /// or rolls it back (after dropping every adapter that uses it). [`Backend::begin`] on this
    /// backend opens a savepoint inside it.
    pub fn from_transaction(tx: Arc<DatabaseTransaction>) -> Result<Self> {
        let db = tx.get_database_backend();
        Ok(SeaOrmBackend { runner: Runner::Shared(tx), dialect: dialect_of(db)?, db })
    }

    /// The SeaORM connection, unless this backend runs in a transaction.
    pub fn connection(&self) -> Option<&DatabaseConnection> {
        match &self.runner {
            Runner::Pool(c) => Some(c),
            _ => None,
        }
    }

    /// The SQL dialect in use.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn exec<'a, C: ConnectionTrait>(&self, c: &'a C) -> Exec<'a, C> {
        Exec { c, d: self.dialect, db: self.db }
    }

    /// Begins a transaction on the pool (IMMEDIATE on SQLite, so writers queue at BEGIN).
    async fn begin_on_pool(&self, pool: &DatabaseConnection) -> Result<DatabaseTransaction> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.dialect == Dialect::Sqlite).then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        pool.begin_with_options(options).await.map_err(|e| tx_err("BEGIN", self.dialect, e))
    }

    /// Runs a MySQL one-row update/delete in a transaction (the current one, or a new one).
    async fn locked_one(&self, model: &Model, filter: &Filter, set: Option<&[(usize, Set)]>) -> Result<Written> {
        match &self.runner {
            Runner::Pool(pool) => {
                let tx = self.begin_on_pool(pool).await?;
                match self.exec(&tx).locked_one(model, filter, set).await {
                    Ok(w) => {
                        tx.commit().await.map_err(|e| map_err(self.dialect, Some(model), e))?;
                        Ok(w)
                    }
                    Err(e) => {
                        // Dropping the transaction rolls it back too; report the first error.
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                }
            }
            _ => on_conn!(self, |c| self.exec(c).locked_one(model, filter, set).await),
        }
    }

    /// DDL: in one transaction where DDL is transactional (PostgreSQL, SQLite), one by one on
    /// MySQL (each statement commits).
    async fn ddl(&self, statements: Vec<String>) -> Result<()> {
        if statements.is_empty() {
            return Ok(());
        }
        match &self.runner {
            Runner::Pool(pool) if self.dialect != Dialect::Mysql => {
                let tx = self.begin_on_pool(pool).await?;
                self.exec(&tx).ddl(&statements).await?;
                tx.commit().await.map_err(|e| tx_err("COMMIT", self.dialect, e))
            }
            _ => on_conn!(self, |c| self.exec(c).ddl(&statements).await),
        }
    }

    async fn finish(&self, commit: bool) -> Result<()> {
        let Runner::Tx(tx) = &self.runner else {
            return Err(Error::Transaction("not a transaction this adapter began".into()));
        };
        let tx = tx.lock().await.take().ok_or_else(finished)?;
        if commit {
            tx.commit().await.map_err(|e| tx_err("COMMIT", self.dialect, e))
        } else {
            tx.rollback().await.map_err(|e| tx_err("ROLLBACK", self.dialect, e))
        }
    }
}

fn tx_err(what: &str, d: Dialect, e: DbErr) -> Error {
    match map_err(d, None, e) {
        e @ Error::Connection(_) => e,
        e => Error::Transaction(format!("{what} failed: {e}")),
    }
}

#[async_trait]
impl Backend for SeaOrmBackend {
    fn capabilities(&self) -> Capabilities {
        self.dialect.capabilities()
    }

    fn name(&self) -> &str {
        self.dialect.name()
    }

    async fn insert(&self, op: Insert<'_>) -> Result<Vec<Value>> {
        // Without RETURNING (MySQL) the row is read back after the insert: in a transaction, so
        // a concurrent delete (an expiry cleanup) cannot remove it in between and turn a
        // successful insert into an error.
        if let (Runner::Pool(pool), false) = (&self.runner, self.dialect.returning()) {
            let tx = self.begin_on_pool(pool).await?;
            return match self.exec(&tx).insert(&op).await {
                Ok(row) => {
                    tx.commit().await.map_err(|e| map_err(self.dialect, Some(op.model), e))?;
                    Ok(row)
                }
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            };
        }
        on_conn!(self, |c| self.exec(c).insert(&op).await)
    }

    async fn select(&self, op: Select<'_>) -> Result<Vec<Record>> {
        on_conn!(self, |c| self.exec(c).select(&op).await)
    }

    async fn count(&self, model: &Model, filter: Filter) -> Result<u64> {
        on_conn!(self, |c| self.exec(c).count(model, &filter).await)
    }

    async fn update(&self, op: Update<'_>) -> Result<Written> {
        if op.one && op.returning && !self.dialect.returning() {
            return self.locked_one(op.model, &op.filter, Some(&op.set)).await;
        }
        let hints = set_hints(&op);
        let stmt = sql::update(self.dialect, &op);
        let returning = op.one && op.returning;
        on_conn!(self, |c| self.exec(c).write(op.model, stmt, &hints, returning).await)
    }

    async fn delete(&self, op: Delete<'_>) -> Result<Written> {
        if op.one && op.returning && !self.dialect.returning() {
            return self.locked_one(op.model, &op.filter, None).await;
        }
        let stmt = sql::delete(self.dialect, &op);
        let returning = op.one && op.returning;
        on_conn!(self, |c| self.exec(c).write(op.model, stmt, &[], returning).await)
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let tx = match &self.runner {
            Runner::Pool(pool) => self.begin_on_pool(pool).await?,
            // A savepoint inside the application's transaction.
            Runner::Shared(tx) => tx.begin().await.map_err(|e| tx_err("SAVEPOINT", self.dialect, e))?,
            Runner::Tx(_) => return Err(Error::Transaction("already in a transaction".into())),
        };
        Ok(Box::new(SeaOrmBackend {
            runner: Runner::Tx(Arc::new(Mutex::new(Some(tx)))),
            dialect: self.dialect,
            db: self.db,
        }))
    }

    async fn describe(&self, schema: &Schema) -> Result<LiveSchema> {
        let tables: Vec<String> = schema.models().iter().map(|m| m.table.clone()).collect();
        let (d, db) = (self.dialect, self.db);
        on_conn!(self, |c| crate::describe::describe(c, d, db, &tables).await.map_err(|e| map_err(d, None, e)))
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
impl Transaction for SeaOrmBackend {
    async fn commit(&self) -> Result<()> {
        self.finish(true).await
    }

    async fn rollback(&self) -> Result<()> {
        self.finish(false).await
    }
}
