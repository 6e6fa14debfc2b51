//! Reading the live schema of a SQLite database with the shared catalogue queries.

use rusqlite::Connection;

use auth_core::schema::live::LiveSchema;
use auth_core::sql::{Dialect, describe};

use crate::backend::query;

/// The live tables among `tables`, with columns, indexes and whether they hold rows.
pub(crate) fn describe(conn: &mut Connection, tables: &[String]) -> rusqlite::Result<LiveSchema> {
    let d = Dialect::Sqlite;
    let mut out = LiveSchema { tables: Vec::new(), has_columns: true };
    for name in tables {
        let exists = query(conn, describe::exists(d, name), None)?;
        if describe::int(exists.first().and_then(|r| r.first())) == 0 {
            continue;
        }
        let columns = query(conn, describe::columns(d, name), None)?;
        let indexes = query(conn, describe::indexes(d, name), None)?;
        let rows = query(conn, describe::has_rows(d, name), None)?;
        out.tables.push(describe::live_table(name, columns, indexes, describe::int(rows.first().and_then(|r| r.first()))));
    }
    Ok(out)
}
