//! Database hooks: Better Auth's `databaseHooks` on the typed layer ([`crate::AuthStore`]).
//!
//! For `user`, `session`, `account` and `verification`, each of create, update and delete has
//! `before` hooks (which may change the data, cancel, or stop the operation with an error) and
//! `after` hooks (which see the stored row). Hooks run in the order they were added. `after`
//! hooks run once the write is committed: at once outside a transaction, after the commit inside
//! one, and never when the transaction rolls back.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::adapter::Adapter;
use crate::error::{Error, Result};
use crate::query::{CreateOptions, Query, Where};
use crate::value::Row;

/// The models that have hooks, Better Auth's core models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookModel {
    /// `user`.
    User,
    /// `session`.
    Session,
    /// `account`.
    Account,
    /// `verification`.
    Verification,
}

impl HookModel {
    /// The logical model name.
    pub fn name(self) -> &'static str {
        match self {
            HookModel::User => "user",
            HookModel::Session => "session",
            HookModel::Account => "account",
            HookModel::Verification => "verification",
        }
    }
}

/// What a create or update `before` hook decides.
#[derive(Debug, Clone, PartialEq)]
pub enum Before {
    /// Go on with the data as it is (Better Auth: return nothing or `true`).
    Continue,
    /// Merge these fields over the data and go on (Better Auth: return `{ data }`).
    Change(Row),
    /// Skip the operation without an error (Better Auth: return `false`): an update returns
    /// `None`, a create returns [`Error::Cancelled`].
    Cancel,
}

type BeforeWrite = Arc<dyn Fn(Row) -> BoxFuture<'static, Result<Before>> + Send + Sync>;
type BeforeDelete = Arc<dyn Fn(Row) -> BoxFuture<'static, Result<bool>> + Send + Sync>;
type After = Arc<dyn Fn(Row) -> BoxFuture<'static, Result<()>> + Send + Sync>;

#[derive(Clone)]
enum Hook {
    BeforeCreate(BeforeWrite),
    BeforeUpdate(BeforeWrite),
    BeforeDelete(BeforeDelete),
    After(Op, After),
}

/// The operation a hook belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Create,
    Update,
    Delete,
}

/// The database hooks of a store, configured once with it ([`crate::AuthDb::with_hooks`]).
///
/// ```
/// use auth_core::{Before, Error, HookModel, Hooks, Value, row};
///
/// let hooks = Hooks::new()
///     .before_create(HookModel::User, |user| async move {
///         match user.get("email").and_then(Value::as_str) {
///             Some(e) if e.ends_with("@example.com") => Ok(Before::Change(row! { "image" => "/default.png" })),
///             _ => Err(Error::Rejected("only @example.com addresses may sign up".into())),
///         }
///     })
///     .after_create(HookModel::Session, |session| async move {
///         println!("new session for {:?}", session.get("userId"));
///         Ok(())
///     });
/// assert!(hooks.has(HookModel::User));
/// ```
#[derive(Clone, Default)]
pub struct Hooks {
    entries: Vec<(HookModel, Hook)>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks").field("count", &self.entries.len()).finish()
    }
}

fn before_write<F, Fut>(f: F) -> BeforeWrite
where
    F: Fn(Row) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Before>> + Send + 'static,
{
    Arc::new(move |row| Box::pin(f(row)))
}

fn after<F, Fut>(f: F) -> After
where
    F: Fn(Row) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    Arc::new(move |row| Box::pin(f(row)))
}

impl Hooks {
    /// No hooks.
    pub const fn new() -> Self {
        Hooks { entries: Vec::new() }
    }

    /// Runs before a row of `model` is created, with the data about to be written (timestamps
    /// included); may change it, cancel, or fail.
    pub fn before_create<F, Fut>(mut self, model: HookModel, f: F) -> Self
    where
        F: Fn(Row) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Before>> + Send + 'static,
    {
        self.entries.push((model, Hook::BeforeCreate(before_write(f))));
        self
    }

    /// Runs after a row of `model` was created, with the stored row.
    pub fn after_create<F, Fut>(mut self, model: HookModel, f: F) -> Self
    where
        F: Fn(Row) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.entries.push((model, Hook::After(Op::Create, after(f))));
        self
    }

    /// Runs before a row of `model` is updated, with the caller's changes (as Better Auth does,
    /// every update hook sees the caller's changes; the changes hooks return are merged in
    /// order); may change them, cancel, or fail.
    pub fn before_update<F, Fut>(mut self, model: HookModel, f: F) -> Self
    where
        F: Fn(Row) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Before>> + Send + 'static,
    {
        self.entries.push((model, Hook::BeforeUpdate(before_write(f))));
        self
    }

    /// Runs after a row of `model` was updated, with the row as stored.
    pub fn after_update<F, Fut>(mut self, model: HookModel, f: F) -> Self
    where
        F: Fn(Row) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.entries.push((model, Hook::After(Op::Update, after(f))));
        self
    }

    /// Runs before a row of `model` is deleted, once per row, with the row; `Ok(false)`
    /// cancels the whole delete, an error stops it.
    pub fn before_delete<F, Fut>(mut self, model: HookModel, f: F) -> Self
    where
        F: Fn(Row) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool>> + Send + 'static,
    {
        self.entries.push((model, Hook::BeforeDelete(Arc::new(move |row| Box::pin(f(row))))));
        self
    }

    /// Runs after a row of `model` was deleted, once per row, with the deleted row.
    pub fn after_delete<F, Fut>(mut self, model: HookModel, f: F) -> Self
    where
        F: Fn(Row) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.entries.push((model, Hook::After(Op::Delete, after(f))));
        self
    }

    /// Appends every hook of `other`, after these.
    pub fn extend(mut self, other: Hooks) -> Self {
        self.entries.extend(other.entries);
        self
    }

    /// Whether any hook is registered for `model`.
    pub fn has(&self, model: HookModel) -> bool {
        self.entries.iter().any(|(m, _)| *m == model)
    }

    fn has_delete(&self, model: HookModel) -> bool {
        self.entries.iter().any(|(m, h)| *m == model && matches!(h, Hook::BeforeDelete(_) | Hook::After(Op::Delete, _)))
    }

    fn of(&self, model: HookModel) -> impl Iterator<Item = &Hook> {
        self.entries.iter().filter(move |(m, _)| *m == model).map(|(_, h)| h)
    }

    /// Runs the create `before` hooks: each sees the data as changed by the ones before it.
    /// `None` when one cancelled.
    pub(crate) async fn before_create_data(&self, model: HookModel, mut data: Row) -> Result<Option<Row>> {
        for hook in self.of(model) {
            if let Hook::BeforeCreate(f) = hook {
                match f(data.clone()).await? {
                    Before::Continue => {}
                    Before::Change(changes) => data.extend(changes),
                    Before::Cancel => return Ok(None),
                }
            }
        }
        Ok(Some(data))
    }

    /// Runs the update `before` hooks: each sees the caller's changes; what they return is
    /// merged in order. `None` when one cancelled.
    pub(crate) async fn before_update_data(&self, model: HookModel, data: Row) -> Result<Option<Row>> {
        let mut out = data.clone();
        for hook in self.of(model) {
            if let Hook::BeforeUpdate(f) = hook {
                match f(data.clone()).await? {
                    Before::Continue => {}
                    Before::Change(changes) => out.extend(changes),
                    Before::Cancel => return Ok(None),
                }
            }
        }
        Ok(Some(out))
    }

    /// Runs the delete `before` hooks on each row; `false` when one cancelled.
    pub(crate) async fn before_delete_rows(&self, model: HookModel, rows: &[Row]) -> Result<bool> {
        for row in rows {
            for hook in self.of(model) {
                if let Hook::BeforeDelete(f) = hook
                    && !f(row.clone()).await?
                {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Queues the `after` hooks of `op` on each row to run once the write is committed.
    async fn run_after(&self, db: &(impl Adapter + ?Sized), model: HookModel, op: Op, rows: &[Row]) -> Result<()> {
        for row in rows {
            for hook in self.of(model) {
                if let Hook::After(o, f) = hook
                    && *o == op
                {
                    let (f, row) = (f.clone(), row.clone());
                    db.after_commit(Box::new(move || f(row))).await?;
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn run_after_create(
        &self,
        db: &(impl Adapter + ?Sized),
        model: HookModel,
        row: &Row,
    ) -> Result<()> {
        self.run_after(db, model, Op::Create, std::slice::from_ref(row)).await
    }

    pub(crate) async fn run_after_update(
        &self,
        db: &(impl Adapter + ?Sized),
        model: HookModel,
        row: &Row,
    ) -> Result<()> {
        self.run_after(db, model, Op::Update, std::slice::from_ref(row)).await
    }

    pub(crate) async fn run_after_delete(
        &self,
        db: &(impl Adapter + ?Sized),
        model: HookModel,
        rows: &[Row],
    ) -> Result<()> {
        self.run_after(db, model, Op::Delete, rows).await
    }
}

/// Better Auth's `createWithHooks` on the database: before hooks, insert (an `id` in the data
/// is kept), after hooks.
pub(crate) async fn create(db: &(impl Adapter + ?Sized), model: HookModel, data: Row) -> Result<Row> {
    let hooks = &db.store_config().hooks;
    let Some(data) = hooks.before_create_data(model, data).await? else {
        return Err(Error::Cancelled { model: model.name().into(), operation: "create".into() });
    };
    let row = db.create(model.name(), data, CreateOptions { force_id: true, ..Default::default() }).await?;
    hooks.run_after_create(db, model, &row).await?;
    Ok(row)
}

/// Better Auth's `updateWithHooks` on the database; `None` when nothing matched or a hook
/// cancelled.
pub(crate) async fn update(
    db: &(impl Adapter + ?Sized),
    model: HookModel,
    filter: &[Where],
    data: Row,
) -> Result<Option<Row>> {
    let hooks = &db.store_config().hooks;
    let Some(data) = hooks.before_update_data(model, data).await? else {
        return Ok(None);
    };
    let Some(row) = db.update(model.name(), filter, data).await? else {
        return Ok(None);
    };
    hooks.run_after_update(db, model, &row).await?;
    Ok(Some(row))
}

/// Better Auth's `deleteManyWithHooks` (and `deleteWithHooks` with `one`): the matching rows
/// are read first and every `before` hook runs on each before anything is deleted; `None` when
/// a hook cancelled. Without delete hooks it is a plain delete.
pub(crate) async fn delete(
    db: &(impl Adapter + ?Sized),
    model: HookModel,
    filter: &[Where],
    one: bool,
) -> Result<Option<u64>> {
    let hooks = &db.store_config().hooks;
    if !hooks.has_delete(model) {
        return db.delete_many(model.name(), filter).await.map(Some);
    }
    let mut query = Query::filter(filter.to_vec());
    if one {
        query = query.limit(1);
    }
    let rows = db.find_many(model.name(), &query).await?;
    if rows.is_empty() {
        return Ok(Some(0));
    }
    if !hooks.before_delete_rows(model, &rows).await? {
        return Ok(None);
    }
    let count = db.delete_many(model.name(), filter).await?;
    hooks.run_after_delete(db, model, &rows).await?;
    Ok(Some(count))
}

/// Better Auth's `consumeOneWithHooks`: `before` delete hooks on the row about to be taken, an
/// atomic take, `after` delete hooks on the row taken.
pub(crate) async fn consume(db: &(impl Adapter + ?Sized), model: HookModel, filter: &[Where]) -> Result<Option<Row>> {
    let hooks = &db.store_config().hooks;
    if hooks.has_delete(model)
        && let Some(row) = db.find_one(model.name(), &Query::filter(filter.to_vec())).await?
        && !hooks.before_delete_rows(model, std::slice::from_ref(&row)).await?
    {
        return Ok(None);
    }
    let Some(row) = db.consume_one(model.name(), filter).await? else {
        return Ok(None);
    };
    hooks.run_after_delete(db, model, std::slice::from_ref(&row)).await?;
    Ok(Some(row))
}
