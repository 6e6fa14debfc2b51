//! The adapter trait: model-level operations on rows of dynamic values, like Better Auth's.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;

use crate::backend::Capabilities;
use crate::error::{Error, Result};
use crate::query::{CreateOptions, Query, Where};
use crate::schema::Schema;
use crate::store::StoreConfig;
use crate::value::Row;

/// Work to run once the current transaction commits; see [`Adapter::after_commit`].
pub type Deferred = Box<dyn FnOnce() -> BoxFuture<'static, Result<()>> + Send>;

/// The body of a transaction, boxed so [`Adapter`] stays object-safe; see
/// [`AdapterExt::transaction`] for the convenient form.
pub type TxFn<'a> = Box<dyn FnOnce(Arc<dyn Adapter>) -> BoxFuture<'a, Result<()>> + Send + 'a>;

/// Model-level operations. Model and field names are logical (`user`, `emailVerified`); rows
/// come back with ids as strings and values decoded.
///
/// [`crate::AuthDb`] implements it over any [`crate::Backend`]; the typed auth operations in
/// [`crate::AuthStore`] are built on it.
#[async_trait]
pub trait Adapter: Send + Sync {
    /// The validated schema.
    fn schema(&self) -> &Schema;

    /// What the backend underneath stores natively.
    fn capabilities(&self) -> Capabilities;

    /// Inserts a row: id generated (unless `force_id`), defaults applied; returns the row.
    async fn create(&self, model: &str, data: Row, options: CreateOptions) -> Result<Row>;

    /// The first row matching the query (its `limit` and `offset` are ignored).
    async fn find_one(&self, model: &str, query: &Query) -> Result<Option<Row>>;

    /// Every row matching the query; no limit unless the query sets one.
    async fn find_many(&self, model: &str, query: &Query) -> Result<Vec<Row>>;

    /// How many rows match.
    async fn count(&self, model: &str, filter: &[Where]) -> Result<u64>;

    /// Updates at most one matching row and returns it; `None` when nothing matches or the
    /// filter is empty.
    async fn update(&self, model: &str, filter: &[Where], data: Row) -> Result<Option<Row>>;

    /// Updates every matching row; returns how many matched.
    async fn update_many(&self, model: &str, filter: &[Where], data: Row) -> Result<u64>;

    /// Deletes the matching rows; an empty filter deletes nothing.
    async fn delete(&self, model: &str, filter: &[Where]) -> Result<()>;

    /// Deletes every matching row; returns how many.
    async fn delete_many(&self, model: &str, filter: &[Where]) -> Result<u64>;

    /// Atomically deletes one matching row and returns it; under concurrency exactly one caller
    /// gets each row.
    async fn consume_one(&self, model: &str, filter: &[Where]) -> Result<Option<Row>>;

    /// Atomically adds `delta` to the number `field` of one row matching `filter` (the guard),
    /// also writing `set`; returns the row after the change, or `None` when the guard fails.
    async fn increment_one(
        &self,
        model: &str,
        filter: &[Where],
        field: &str,
        delta: i64,
        set: Row,
    ) -> Result<Option<Row>>;

    /// Runs `f` in a transaction: every write commits together, or none when `f` fails.
    /// Inside a transaction, this reuses it instead of nesting. Work queued with
    /// [`Adapter::after_commit`] runs after the commit, in order; the first error it returns is
    /// the transaction's result (the writes stay committed).
    async fn run_transaction(&self, f: TxFn<'_>) -> Result<()>;

    /// The typed layer's configuration: database hooks and secondary storage.
    fn store_config(&self) -> &StoreConfig {
        StoreConfig::none()
    }

    /// Runs `job` once the current transaction commits (Better Auth's
    /// `queueAfterTransactionHook`): at once outside a transaction, never when it rolls back.
    async fn after_commit(&self, job: Deferred) -> Result<()> {
        job().await
    }
}

/// Conveniences over any [`Adapter`].
pub trait AdapterExt: Adapter {
    /// Runs `f` with a transactional adapter and returns its value; an error rolls back.
    ///
    /// ```no_run
    /// # async fn demo(db: &auth_core::AuthDb) -> auth_core::Result<()> {
    /// use auth_core::{AdapterExt, AuthStore, NewUser};
    /// let user = db
    ///     .transaction(|tx| async move {
    ///         let user = tx.create_user(NewUser::new("Ada", "ada@example.com")).await?;
    ///         tx.link_account(auth_core::NewAccount::credential(&user.id, "hash")).await?;
    ///         Ok(user)
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    fn transaction<'a, T, F, Fut>(&'a self, f: F) -> BoxFuture<'a, Result<T>>
    where
        T: Send + 'a,
        F: FnOnce(Arc<dyn Adapter>) -> Fut + Send + 'a,
        Fut: Future<Output = Result<T>> + Send + 'a,
    {
        Box::pin(async move {
            let mut out = None;
            let slot = &mut out;
            self.run_transaction(Box::new(move |tx| {
                Box::pin(async move {
                    *slot = Some(f(tx).await?);
                    Ok(())
                })
            }))
            .await?;
            out.ok_or_else(|| Error::Transaction("transaction body did not run".into()))
        })
    }
}

impl<A: Adapter + ?Sized> AdapterExt for A {}
