//! Reading the live schema with the shared catalogue queries, for schema checks and migrations.

use diesel::result::QueryResult;

use auth_core::schema::live::LiveSchema;
use auth_core::sql::{Stmt, describe};

use crate::conn::Exec;

async fn first_int(c: &mut dyn Exec, stmt: Stmt) -> QueryResult<i64> {
    Ok(describe::int(c.query(stmt).await?.first().and_then(|r| r.first())))
}

/// The live tables among `tables`, with columns, indexes and whether they hold rows.
pub(crate) async fn describe(c: &mut dyn Exec, tables: Vec<String>) -> QueryResult<LiveSchema> {
    let d = c.dialect();
    let mut out = LiveSchema { tables: Vec::new(), has_columns: true };
    for name in &tables {
        if first_int(c, describe::exists(d, name)).await? == 0 {
            continue;
        }
        let columns = c.query(describe::columns(d, name)).await?;
        let indexes = c.query(describe::indexes(d, name)).await?;
        let has_rows = first_int(c, describe::has_rows(d, name)).await?;
        out.tables.push(describe::live_table(name, columns, indexes, has_rows));
    }
    Ok(out)
}
