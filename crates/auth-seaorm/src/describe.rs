//! Reading the live schema with the shared catalogue queries, for schema checks and migrations.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use auth_core::schema::live::LiveSchema;
use auth_core::sql::{Dialect, Stmt, describe};
use auth_core::{FieldType, Value};

use crate::convert::{row_values, to_sea};

const TEXT: FieldType = FieldType::String;
const INT: FieldType = FieldType::Number;

async fn rows<C: ConnectionTrait>(c: &C, d: Dialect, db: DbBackend, stmt: Stmt, types: &[FieldType]) -> Result<Vec<Vec<Value>>, DbErr> {
    let values = stmt.params.into_iter().map(|v| to_sea(d, v, Some(TEXT)));
    let found = c.query_all_raw(Statement::from_sql_and_values(db, stmt.sql, values)).await?;
    found.iter().map(|r| row_values(d, r, types)).collect()
}

async fn first_int<C: ConnectionTrait>(c: &C, d: Dialect, db: DbBackend, stmt: Stmt) -> Result<i64, DbErr> {
    Ok(describe::int(rows(c, d, db, stmt, &[INT]).await?.first().and_then(|r| r.first())))
}

/// The live tables among `tables`, with columns, indexes and whether they hold rows.
pub(crate) async fn describe<C: ConnectionTrait>(
    c: &C,
    d: Dialect,
    db: DbBackend,
    tables: &[String],
) -> Result<LiveSchema, DbErr> {
    let mut out = LiveSchema { tables: Vec::new(), has_columns: true };
    for name in tables {
        if first_int(c, d, db, describe::exists(d, name)).await? == 0 {
            continue;
        }
        let columns = rows(c, d, db, describe::columns(d, name), &[TEXT, TEXT, TEXT]).await?;
        let indexes = rows(c, d, db, describe::indexes(d, name), &[TEXT, INT, TEXT]).await?;
        let has_rows = first_int(c, d, db, describe::has_rows(d, name)).await?;
        out.tables.push(describe::live_table(name, columns, indexes, has_rows));
    }
    Ok(out)
}
