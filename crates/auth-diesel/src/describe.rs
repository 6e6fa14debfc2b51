//! Reading the live schema (tables, columns, indexes) for schema checks and migrations.

use diesel::result::QueryResult;

use auth_core::Value;
use auth_core::schema::live::{LiveColumn, LiveIndex, LiveSchema, LiveTable};
use auth_core::sql::{Dialect, Stmt};

use crate::conn::Exec;

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_json().to_string(),
    }
}

fn int(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => *b as i64,
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

async fn rows(c: &mut dyn Exec, sql: &str, params: Vec<Value>) -> QueryResult<Vec<Vec<Value>>> {
    c.query(Stmt { sql: sql.to_string(), params }).await
}

/// The live tables among `tables`, with columns, indexes and whether they hold rows.
pub(crate) async fn describe(c: &mut dyn Exec, tables: Vec<String>) -> QueryResult<LiveSchema> {
    let d = c.dialect();
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
            "SELECT l.name, l.\"unique\", i.name FROM pragma_index_list(?) l, pragma_index_info(l.name) i \
             ORDER BY l.name, i.seqno",
        ),
    };
    for name in &tables {
        let p = || vec![Value::String(name.clone())];
        let exists = rows(c, exists_sql, p()).await?;
        if int(exists.first().and_then(|r| r.first())) == 0 {
            continue;
        }
        let columns = rows(c, columns_sql, p()).await?
            .into_iter()
            .map(|r| LiveColumn {
                name: text(r.first()),
                data_type: text(r.get(1)).to_ascii_lowercase(),
                nullable: text(r.get(2)).eq_ignore_ascii_case("YES"),
            })
            .collect();
        let mut indexes: Vec<LiveIndex> = Vec::new();
        for r in rows(c, indexes_sql, p()).await? {
            let (index, unique, column) = (text(r.first()), int(r.get(1)) != 0, text(r.get(2)));
            match indexes.last_mut() {
                Some(last) if last.name == index => last.columns.push(column),
                _ => indexes.push(LiveIndex { name: index, columns: vec![column], unique }),
            }
        }
        let quoted = d.quote(name);
        let any = rows(c, &format!("SELECT COUNT(*) FROM (SELECT 1 FROM {quoted} LIMIT 1) x"), vec![]).await?;
        let has_rows = int(any.first().and_then(|r| r.first())) > 0;
        out.tables.push(LiveTable { name: name.clone(), columns, indexes, has_rows });
    }
    Ok(out)
}
