//! Reading the live schema (tables, columns, indexes) for checks and migrations.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value as SeaValue};

use auth_core::schema::live::{LiveColumn, LiveIndex, LiveSchema, LiveTable};
use auth_core::sql::Dialect;

fn text(r: &QueryResult, i: usize) -> Result<String, DbErr> {
    match r.try_get_by_index::<Option<String>>(i) {
        Ok(s) => Ok(s.unwrap_or_default()),
        // Some servers report catalogue text as binary.
        Err(e) => r
            .try_get_by_index::<Option<Vec<u8>>>(i)
            .map(|b| String::from_utf8_lossy(&b.unwrap_or_default()).into_owned())
            .map_err(|_| e),
    }
}

fn int(r: &QueryResult, i: usize) -> Result<i64, DbErr> {
    if let Ok(v) = r.try_get_by_index::<Option<i64>>(i) {
        return Ok(v.unwrap_or_default());
    }
    if let Ok(v) = r.try_get_by_index::<Option<bool>>(i) {
        return Ok(v.unwrap_or_default() as i64);
    }
    if let Ok(v) = r.try_get_by_index::<Option<i32>>(i) {
        return Ok(v.unwrap_or_default().into());
    }
    r.try_get_by_index::<Option<u64>>(i).map(|v| v.unwrap_or_default() as i64)
}

async fn rows<C: ConnectionTrait>(
    c: &C,
    db: DbBackend,
    sql: &str,
    params: Vec<String>,
) -> Result<Vec<QueryResult>, DbErr> {
    let values = params.into_iter().map(|p| SeaValue::String(Some(p)));
    c.query_all_raw(Statement::from_sql_and_values(db, sql, values)).await
}

/// The live tables among `tables`, with columns, indexes and whether they hold rows.
pub(crate) async fn describe<C: ConnectionTrait>(
    c: &C,
    d: Dialect,
    db: DbBackend,
    tables: &[String],
) -> Result<LiveSchema, DbErr> {
    let mut out = LiveSchema { tables: Vec::new(), has_columns: true };
    let (exists_sql, columns_sql, indexes_sql) = match d {
        Dialect::Postgres => (
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
            "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            "SELECT i.relname::text, ix.indisunique, a.attname::text FROM pg_index ix \
             JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             WHERE n.nspname = current_schema() AND t.relname = $1 ORDER BY i.relname, k.ord",
        ),
        Dialect::Mysql => (
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            "SELECT CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR) \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            "SELECT CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE = 0 AS SIGNED), CAST(COLUMN_NAME AS CHAR) \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
             ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        ),
        Dialect::Sqlite => (
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
            "SELECT name, type, CASE WHEN \"notnull\" = 0 AND pk = 0 THEN 'YES' ELSE 'NO' END FROM pragma_table_info(?) ORDER BY cid",
            "SELECT l.name, l.\"unique\", i.name FROM pragma_index_list(?1) l, pragma_index_info(l.name) i \
             ORDER BY l.name, i.seqno",
        ),
    };
    for name in tables {
        let exists = rows(c, db, exists_sql, vec![name.clone()]).await?;
        if exists.first().map(|r| int(r, 0)).transpose()?.unwrap_or(0) == 0 {
            continue;
        }
        let mut columns = Vec::new();
        for r in rows(c, db, columns_sql, vec![name.clone()]).await? {
            columns.push(LiveColumn {
                name: text(&r, 0)?,
                data_type: text(&r, 1)?.to_ascii_lowercase(),
                nullable: text(&r, 2)?.eq_ignore_ascii_case("YES"),
            });
        }
        let mut indexes: Vec<LiveIndex> = Vec::new();
        for r in rows(c, db, indexes_sql, vec![name.clone()]).await? {
            let (index, unique, column) = (text(&r, 0)?, int(&r, 1)? != 0, text(&r, 2)?);
            match indexes.last_mut() {
                Some(last) if last.name == index => last.columns.push(column),
                _ => indexes.push(LiveIndex { name: index, columns: vec![column], unique }),
            }
        }
        let quoted = d.quote(name);
        let any = rows(c, db, &format!("SELECT COUNT(*) FROM (SELECT 1 FROM {quoted} LIMIT 1) x"), vec![]).await?;
        let has_rows = any.first().map(|r| int(r, 0)).transpose()?.unwrap_or(0) > 0;
        out.tables.push(LiveTable { name: name.clone(), columns, indexes, has_rows });
    }
    Ok(out)
}
