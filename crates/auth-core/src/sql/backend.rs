//! [`SqlBackend`]: what an SQL adapter writes about its pool, and the [`Backend`] every
//! `SqlBackend` is through the shared flows — object_store's `GetClient` / `GetClientExt`
//! pattern: the adapter implements the small trait, the logic lives once here.

use async_trait::async_trait;

use super::{DbError, Dialect, Job, Rows, Stmt, flow};
use crate::backend::{Backend, Capabilities, Count, Delete, Insert, Record, Select, Transaction, Update, Written};
use crate::error::Result;
use crate::schema::diff::Difference;
use crate::schema::live::LiveSchema;
use crate::schema::{Field, FieldType, Schema};
use crate::value::Value;

/// An SQL adapter's backend: a pool of its driver's connections, or one transaction on one of
/// them. Implementing it makes the type a [`Backend`] and a [`Transaction`]; every operation
/// runs as a flow of statements on one [`super::Connection`].
#[async_trait]
pub trait SqlBackend: Send + Sync + 'static {
    /// The SQL dialect of the database.
    fn dialect(&self) -> Dialect;

    /// Runs `job` on a connection: one checked out of the pool for it, or the transaction's.
    /// The outer error is about getting the connection (a pool timeout, a transaction that has
    /// finished); the inner one is the job's.
    async fn run<T: Send + 'static, J: Job<T>>(&self, job: J) -> Result<Result<T, DbError>>;

    /// Runs a single-row read on the caller's thread when that cannot wait (a connection is free
    /// and the database holds no lock against it); `None`: run it as a job instead.
    fn read_now(&self, stmt: &Stmt, types: &[FieldType]) -> Option<Result<Rows, DbError>> {
        let _ = (stmt, types);
        None
    }

    /// Begins a transaction: a backend whose jobs all run on one connection, inside it (inside a
    /// transaction, a savepoint).
    async fn begin_transaction(&self) -> Result<Self>
    where
        Self: Sized;

    /// Commits (`true`) or rolls back the transaction this backend runs in.
    async fn end_transaction(&self, commit: bool) -> Result<()>;
}

#[async_trait]
impl<B: SqlBackend> Backend for B {
    fn capabilities(&self) -> Capabilities {
        self.dialect().capabilities()
    }

    fn name(&self) -> &str {
        self.dialect().name()
    }

    async fn insert(&self, op: Insert<'_>) -> Result<Vec<Value>> {
        let d = self.dialect();
        self.run(flow::insert(d, &op)).await?.map_err(|e| e.into_error(d, Some(op.model)))
    }

    async fn select(&self, op: Select<'_>) -> Result<Vec<Record>> {
        let d = self.dialect();
        let (stmt, layout) = super::select(d, &op);
        let now = if op.limit == Some(1) { self.read_now(&stmt, &layout.types) } else { None };
        let records = match now {
            Some(rows) => rows.map(|rows| layout.records(rows)),
            None => self.run(flow::select(stmt, layout)).await?,
        };
        records.map_err(|e| e.into_error(d, Some(op.model)))
    }

    async fn count(&self, op: Count<'_>) -> Result<u64> {
        let d = self.dialect();
        self.run(flow::count(super::count(d, op.model, &op.filter))).await?.map_err(|e| e.into_error(d, Some(op.model)))
    }

    async fn update(&self, op: Update<'_>) -> Result<Written> {
        let d = self.dialect();
        self.run(flow::update(d, &op)).await?.map_err(|e| e.into_error(d, Some(op.model)))
    }

    async fn delete(&self, op: Delete<'_>) -> Result<Written> {
        let d = self.dialect();
        self.run(flow::delete(d, &op)).await?.map_err(|e| e.into_error(d, Some(op.model)))
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        Ok(Box::new(self.begin_transaction().await?))
    }

    async fn describe(&self, schema: &Schema) -> Result<LiveSchema> {
        let d = self.dialect();
        let tables = schema.models().iter().map(|m| m.table.clone()).collect();
        self.run(flow::describe(d, tables)).await?.map_err(|e| e.into_error(d, None))
    }

    fn accepts(&self, field: &Field, live_type: &str) -> bool {
        self.dialect().accepts(field, live_type)
    }

    fn migration_statements(&self, schema: &Schema, differences: &[Difference]) -> Vec<String> {
        super::migration(self.dialect(), schema, differences)
    }

    async fn migrate(&self, schema: &Schema, differences: &[Difference]) -> Result<()> {
        let d = self.dialect();
        self.run(flow::ddl(d, super::migration(d, schema, differences))).await?.map_err(|e| e.into_error(d, None))
    }
}

#[async_trait]
impl<B: SqlBackend> Transaction for B {
    async fn commit(&self) -> Result<()> {
        self.end_transaction(true).await
    }

    async fn rollback(&self) -> Result<()> {
        self.end_transaction(false).await
    }
}
