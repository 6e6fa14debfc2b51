//! The statement sequences of one adapter operation, written once over [`Exec`]: plain
//! queries, MySQL's insert-then-read and lock-then-change (no RETURNING there), and DDL.

use diesel::result::{Error as DieselError, QueryResult};

use auth_core::backend::{Select, Written};
use auth_core::sql::{self, Dialect, Stmt};
use auth_core::{Model, Value};

use crate::conn::{Exec, Rows, finish_tx};

/// Replaces the id placeholder (always the last parameter of a statement filtered by
/// [`sql::by_id`]) with `id`.
fn with_id(mut stmt: Stmt, id: Value) -> Stmt {
    if let Some(last) = stmt.params.last_mut() {
        *last = id;
    }
    stmt
}

/// Reads one row of `model`, all fields, by id (the id is bound later).
pub(crate) fn read_by_id(d: Dialect, model: &Model, relations: auth_core::relations::Relations<'_>) -> Stmt {
    let op = Select {
        model,
        columns: (0..model.fields.len()).collect(),
        filter: sql::by_id(Value::Null),
        sort: None,
        limit: Some(1),
        offset: None,
        joins: Vec::new(),
        relations,
    };
    sql::select(d, &op).0
}

pub(crate) fn first_row(rows: Rows) -> Option<Vec<Value>> {
    rows.into_iter().next()
}

pub(crate) async fn query(c: &mut dyn Exec, stmt: Stmt) -> QueryResult<Rows> {
    c.query(stmt).await
}

pub(crate) async fn execute(c: &mut dyn Exec, stmt: Stmt) -> QueryResult<u64> {
    Ok(c.execute(stmt).await? as u64)
}

/// Inserts, then reads the row back by id on the same connection: the id given in the values,
/// or `LAST_INSERT_ID()` for serial ids. Both in one transaction (a savepoint inside one), so a
/// concurrent delete (an expiry cleanup) cannot remove the new row before it is read: the insert
/// would have succeeded and still been reported as an error.
pub(crate) async fn insert_read_back(
    c: &mut dyn Exec,
    insert: Stmt,
    given_id: Option<Value>,
    read: Stmt,
) -> QueryResult<Option<Vec<Value>>> {
    async fn steps(c: &mut dyn Exec, insert: Stmt, given_id: Option<Value>, read: Stmt) -> QueryResult<Option<Vec<Value>>> {
        c.execute(insert).await?;
        let id = match given_id {
            Some(id) => id,
            None => {
                let last = Stmt { sql: "SELECT LAST_INSERT_ID()".into(), params: Vec::new() };
                first_row(c.query(last).await?).and_then(|r| r.into_iter().next()).ok_or(DieselError::NotFound)?
            }
        };
        Ok(first_row(c.query(with_id(read, id)).await?))
    }
    c.begin().await?;
    let r = steps(c, insert, given_id, read).await;
    finish_tx(c, r).await
}

/// In a transaction: locks one matching row (`SELECT … FOR UPDATE`), changes it by id, and
/// reads it back when `read` is given.
pub(crate) async fn update_locked(
    c: &mut dyn Exec,
    lock: Stmt,
    change: Stmt,
    read: Option<Stmt>,
) -> QueryResult<Written> {
    async fn steps(c: &mut dyn Exec, lock: Stmt, change: Stmt, read: Option<Stmt>) -> QueryResult<Written> {
        let Some(id) = first_row(c.query(lock).await?).and_then(|r| r.into_iter().next()) else {
            return Ok(Written::default());
        };
        let count = c.execute(with_id(change, id.clone())).await? as u64;
        let row = match read {
            Some(read) => first_row(c.query(with_id(read, id)).await?),
            None => None,
        };
        Ok(Written { count, row })
    }
    c.begin().await?;
    let r = steps(c, lock, change, read).await;
    finish_tx(c, r).await
}

/// In a transaction: locks one matching row (all fields: the row to return), deletes it by id.
pub(crate) async fn delete_locked(c: &mut dyn Exec, lock: Stmt, remove: Stmt, returning: bool) -> QueryResult<Written> {
    async fn steps(c: &mut dyn Exec, lock: Stmt, remove: Stmt, returning: bool) -> QueryResult<Written> {
        let Some(row) = first_row(c.query(lock).await?) else {
            return Ok(Written::default());
        };
        let id = row.first().cloned().unwrap_or(Value::Null);
        let count = c.execute(with_id(remove, id)).await? as u64;
        Ok(Written { count, row: returning.then_some(row) })
    }
    c.begin().await?;
    let r = steps(c, lock, remove, returning).await;
    finish_tx(c, r).await
}

/// Runs DDL statements, in one transaction where the database has transactional DDL (not
/// MySQL, where each statement commits).
pub(crate) async fn ddl(c: &mut dyn Exec, statements: Vec<String>) -> QueryResult<()> {
    async fn all(c: &mut dyn Exec, statements: Vec<String>) -> QueryResult<()> {
        for s in statements {
            c.batch(s).await?;
        }
        Ok(())
    }
    if c.dialect() == Dialect::Mysql {
        return all(c, statements).await;
    }
    c.begin().await?;
    let r = all(c, statements).await;
    finish_tx(c, r).await
}
