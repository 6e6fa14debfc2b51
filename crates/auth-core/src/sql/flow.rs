//! The statement sequences that carry out one [`crate::Backend`] operation on one
//! [`Connection`], written once for every SQL adapter: the statement with `RETURNING`, or, on
//! MySQL (none there), insert-then-read-back and lock-then-change in a transaction; counting;
//! DDL; describing the live schema.
//!
//! Each flow is built from the operation (borrowed) into a [`Job`] that owns what it needs, so
//! a sync driver can run it on the thread that holds its connection: its statements, and on
//! MySQL a copy of the model, to build the statements by id once the id is known.

use futures::future::BoxFuture;

use super::connection::end;
use super::statement::all_types;
use super::{Connection, DbError, Dialect, Layout, Rows, Stmt, describe};
use crate::backend::{Delete, Filter, Insert, Record, Set, Update, Written};
use crate::schema::live::LiveSchema;
use crate::schema::{FieldType, Model};
use crate::value::Value;

/// A flow ready to run on a connection; what [`super::SqlBackend::run`] runs.
pub trait Job<T>: for<'c> FnOnce(&'c mut dyn Connection) -> BoxFuture<'c, Result<T, DbError>> + Send + 'static {}

impl<T, F> Job<T> for F where
    F: for<'c> FnOnce(&'c mut dyn Connection) -> BoxFuture<'c, Result<T, DbError>> + Send + 'static
{
}

/// Names a closure as a [`Job`] (its type then guides the closure's signature).
fn job<T, F>(f: F) -> F
where
    F: for<'c> FnOnce(&'c mut dyn Connection) -> BoxFuture<'c, Result<T, DbError>> + Send + 'static,
{
    f
}

fn first(rows: Rows) -> Option<Vec<Value>> {
    rows.into_iter().next()
}

/// Inserts one row and returns it, all fields.
pub(super) fn insert(d: Dialect, op: &Insert<'_>) -> impl Job<Vec<Value>> {
    let stmt = super::insert(d, op);
    let types = all_types(op.model);
    let read_back =
        (!d.returning()).then(|| (op.model.clone(), op.values.iter().find(|(i, _)| *i == 0).map(|(_, v)| v.clone())));
    job(move |c| {
        Box::pin(async move {
            let Some((model, id)) = read_back else {
                return first(c.query(stmt, &types).await?).ok_or_else(|| DbError::message("INSERT returned no row"));
            };
            c.begin().await?;
            let r = insert_read_back(c, d, &model, stmt, id, &types).await;
            end(c, r).await?.ok_or_else(|| DbError::message("the inserted row cannot be read back"))
        })
    })
}

/// Without RETURNING: inserts, then reads the row back by its id — the one given, or the one
/// the database made. Run in a transaction (a savepoint inside one), so a concurrent delete (an
/// expiry cleanup) cannot remove the new row before it is read and turn a successful insert into
/// an error.
async fn insert_read_back(
    c: &mut dyn Connection,
    d: Dialect,
    model: &Model,
    insert: Stmt,
    id: Option<Value>,
    types: &[FieldType],
) -> Result<Option<Vec<Value>>, DbError> {
    c.execute(insert).await?;
    let id = match id {
        Some(id) => id,
        None => first(c.query(super::last_insert_id(), &[FieldType::Number]).await?)
            .and_then(|r| r.into_iter().next())
            .ok_or_else(|| DbError::message("the database returned no id for the inserted row"))?,
    };
    Ok(first(c.query(super::select_by_id(d, model, id), types).await?))
}

/// Reads rows, split into records by `layout`.
pub(super) fn select(stmt: Stmt, layout: Layout) -> impl Job<Vec<Record>> {
    job(move |c| {
        Box::pin(async move {
            let rows = c.query(stmt, &layout.types).await?;
            Ok(layout.records(rows))
        })
    })
}

/// Counts rows.
pub(super) fn count(stmt: Stmt) -> impl Job<u64> {
    job(move |c| {
        Box::pin(async move {
            match first(c.query(stmt, &[FieldType::Number]).await?).and_then(|r| r.into_iter().next()) {
                Some(Value::Int(n)) => Ok(u64::try_from(n).unwrap_or(0)),
                _ => Err(DbError::message("COUNT returned no number")),
            }
        })
    })
}

/// Updates rows; with `one`, one row picked and changed atomically (the filter re-checked on
/// the locked row) and, with `returning`, returned.
pub(super) fn update(d: Dialect, op: &Update<'_>) -> impl Job<Written> {
    let change = || Change::Update(op.set.clone());
    write_one_or_all(d, op.model, super::update(d, op), &op.filter, op.one, op.returning, change)
}

/// Deletes rows; with `one`, one row picked and deleted atomically and, with `returning`,
/// returned.
pub(super) fn delete(d: Dialect, op: &Delete<'_>) -> impl Job<Written> {
    write_one_or_all(d, op.model, super::delete(d, op), &op.filter, op.one, op.returning, || Change::Delete)
}

/// What a one-row write does to the row it locked (dialects without RETURNING).
enum Change {
    Update(Vec<(usize, Set)>),
    Delete,
}

/// `stmt`, an UPDATE or DELETE; or, for one row on a dialect without RETURNING, the lock and the
/// change by id in a transaction.
fn write_one_or_all(
    d: Dialect,
    model: &Model,
    stmt: Stmt,
    filter: &Filter,
    one: bool,
    returning: bool,
    change: impl FnOnce() -> Change,
) -> impl Job<Written> {
    let locked = (one && !d.returning()).then(|| (super::lock_one(d, model, filter), model.clone(), change()));
    let types = all_types(model);
    let returning = one && returning;
    job(move |c| {
        Box::pin(async move {
            let Some((lock, model, change)) = locked else {
                return write(c, stmt, &types, returning).await;
            };
            c.begin().await?;
            let r = change_locked(c, d, &model, lock, change, &types, returning).await;
            end(c, r).await
        })
    })
}

/// Locks one matching row (`SELECT … FOR UPDATE`, all fields), changes it by id, and returns it
/// when asked: read back after an update, as locked before a delete.
async fn change_locked(
    c: &mut dyn Connection,
    d: Dialect,
    model: &Model,
    lock: Stmt,
    change: Change,
    types: &[FieldType],
    returning: bool,
) -> Result<Written, DbError> {
    let Some(row) = first(c.query(lock, types).await?) else {
        return Ok(Written::default());
    };
    let id = row.first().cloned().unwrap_or(Value::Null);
    let row = match change {
        Change::Update(set) => {
            c.execute(super::update_by_id(d, model, &set, id.clone())).await?;
            match returning {
                true => first(c.query(super::select_by_id(d, model, id), types).await?),
                false => None,
            }
        }
        Change::Delete => {
            c.execute(super::delete_by_id(d, model, id)).await?;
            returning.then_some(row)
        }
    };
    Ok(Written { count: 1, row })
}

/// One UPDATE or DELETE statement: the row it returns, or the number of rows it matched.
async fn write(c: &mut dyn Connection, stmt: Stmt, types: &[FieldType], returning: bool) -> Result<Written, DbError> {
    if returning {
        let row = first(c.query(stmt, types).await?);
        return Ok(Written { count: u64::from(row.is_some()), row });
    }
    Ok(Written { count: c.execute(stmt).await?, row: None })
}

/// Runs DDL statements: all or nothing where DDL is transactional (not MySQL, where each
/// statement commits).
pub(super) fn ddl(d: Dialect, statements: Vec<String>) -> impl Job<()> {
    job(move |c| {
        Box::pin(async move {
            if statements.is_empty() {
                return Ok(());
            }
            let transactional = d != Dialect::Mysql;
            if transactional {
                c.begin().await?;
            }
            let mut r = Ok(());
            for s in &statements {
                r = c.batch(s).await;
                if r.is_err() {
                    break;
                }
            }
            if transactional { end(c, r).await } else { r }
        })
    })
}

/// The live tables among `tables`, with columns, indexes and whether they hold rows.
pub(super) fn describe(d: Dialect, tables: Vec<String>) -> impl Job<LiveSchema> {
    const TEXT: FieldType = FieldType::String;
    const INT: FieldType = FieldType::Number;
    job(move |c| {
        Box::pin(async move {
            let mut out = LiveSchema { tables: Vec::new(), has_columns: true };
            for name in &tables {
                let exists = c.query(describe::exists(d, name), &[INT]).await?;
                if describe::int(exists.first().and_then(|r| r.first())) == 0 {
                    continue;
                }
                let columns = c.query(describe::columns(d, name), &[TEXT, TEXT, TEXT]).await?;
                let indexes = c.query(describe::indexes(d, name), &[TEXT, INT, TEXT]).await?;
                let has_rows = c.query(describe::has_rows(d, name), &[INT]).await?;
                let has_rows = describe::int(has_rows.first().and_then(|r| r.first()));
                out.tables.push(describe::live_table(name, columns, indexes, has_rows));
            }
            Ok(out)
        })
    })
}
