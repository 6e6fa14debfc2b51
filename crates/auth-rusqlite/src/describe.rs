//! Reading the live schema of a SQLite database (for checks and migrations).

use rusqlite::Connection;

use auth_core::schema::live::{LiveColumn, LiveIndex, LiveSchema, LiveTable};

/// The live tables among `tables`, with columns, indexes and whether they hold rows.
pub(crate) fn describe(conn: &mut Connection, tables: &[String]) -> rusqlite::Result<LiveSchema> {
    let mut out = LiveSchema { tables: Vec::new(), has_columns: true };
    for name in tables {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE)",
            [name],
            |r| r.get(0),
        )?;
        if !exists {
            continue;
        }
        let quoted = format!("\"{name}\"");
        let mut columns = Vec::new();
        let mut stmt = conn.prepare(&format!("PRAGMA table_info({quoted})"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let notnull: i64 = r.get(3)?;
            let pk: i64 = r.get(5)?;
            columns.push(LiveColumn {
                name: r.get(1)?,
                data_type: r.get::<_, String>(2)?.to_ascii_lowercase(),
                nullable: notnull == 0 && pk == 0,
            });
        }
        let mut indexes = Vec::new();
        let mut stmt = conn.prepare(&format!("PRAGMA index_list({quoted})"))?;
        let list: Vec<(String, bool)> =
            stmt.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(2)? != 0)))?.collect::<Result<_, _>>()?;
        for (index, unique) in list {
            let mut stmt = conn.prepare(&format!("PRAGMA index_info(\"{}\")", index.replace('"', "\"\"")))?;
            let cols: Vec<String> = stmt.query_map([], |r| r.get(2))?.collect::<Result<_, _>>()?;
            indexes.push(LiveIndex { name: index, columns: cols, unique });
        }
        let has_rows: bool = conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {quoted})"), [], |r| r.get(0))?;
        out.tables.push(LiveTable { name: name.clone(), columns, indexes, has_rows });
    }
    Ok(out)
}
