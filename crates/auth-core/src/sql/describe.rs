//! Catalogue queries that read a live table's columns and indexes, and the assembly of their
//! rows into a [`LiveTable`], shared by the SQL adapters.
//!
//! Each query takes the table name as its one bound parameter. Result shapes:
//! [`exists`] and [`has_rows`] one integer; [`columns`] (name text, type text, nullable
//! `YES`/`NO` text); [`indexes`] (index name text, unique integer, column text), ordered by index
//! and position.

use super::{Dialect, Stmt};
use crate::schema::live::{LiveColumn, LiveIndex, LiveTable};
use crate::value::Value;

fn stmt(sql: &str, table: &str) -> Stmt {
    Stmt { sql: sql.to_string(), params: vec![Value::String(table.to_string())] }
}

/// Counts the tables called `table` (0 or 1).
pub fn exists(d: Dialect, table: &str) -> Stmt {
    let sql = match d {
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
        }
        Dialect::Mysql => {
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
        }
        Dialect::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
    };
    stmt(sql, table)
}

/// The columns of `table`: name, type as the database reports it, `YES` when nullable.
pub fn columns(d: Dialect, table: &str) -> Stmt {
    let sql = match d {
        Dialect::Postgres => {
            "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
        Dialect::Mysql => {
            "SELECT CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR) \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
        }
        Dialect::Sqlite => {
            "SELECT name, type, CASE WHEN \"notnull\" = 0 AND pk = 0 THEN 'YES' ELSE 'NO' END \
             FROM pragma_table_info(?) ORDER BY cid"
        }
    };
    stmt(sql, table)
}

/// The indexes (unique constraints included) of `table`: name, unique (0/1), column.
pub fn indexes(d: Dialect, table: &str) -> Stmt {
    let sql = match d {
        Dialect::Postgres => {
            "SELECT i.relname::text, ix.indisunique::int, a.attname::text FROM pg_index ix \
             JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             WHERE n.nspname = current_schema() AND t.relname = $1 ORDER BY i.relname, k.ord"
        }
        Dialect::Mysql => {
            "SELECT CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE = 0 AS SIGNED), CAST(COLUMN_NAME AS CHAR) \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
             ORDER BY INDEX_NAME, SEQ_IN_INDEX"
        }
        Dialect::Sqlite => {
            "SELECT l.name, l.\"unique\", i.name FROM pragma_index_list(?) l, pragma_index_info(l.name) i \
             ORDER BY l.name, i.seqno"
        }
    };
    stmt(sql, table)
}

/// 1 when `table` holds at least one row, else 0.
pub fn has_rows(d: Dialect, table: &str) -> Stmt {
    Stmt { sql: format!("SELECT COUNT(*) FROM (SELECT 1 FROM {} LIMIT 1) x", d.quote(table)), params: vec![] }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_json().to_string(),
    }
}

/// An integer cell (integers, booleans, digits).
pub fn int(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => *b as i64,
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// Builds the live table from the rows of [`columns`], [`indexes`] and [`has_rows`].
pub fn live_table(name: &str, columns: Vec<Vec<Value>>, indexes: Vec<Vec<Value>>, has_rows: i64) -> LiveTable {
    let columns = columns
        .into_iter()
        .map(|r| LiveColumn {
            name: text(r.first()),
            data_type: text(r.get(1)).to_ascii_lowercase(),
            nullable: text(r.get(2)).eq_ignore_ascii_case("YES"),
        })
        .collect();
    let mut out: Vec<LiveIndex> = Vec::new();
    for r in indexes {
        let (index, unique, column) = (text(r.first()), int(r.get(1)) != 0, text(r.get(2)));
        match out.last_mut() {
            Some(last) if last.name == index => last.columns.push(column),
            _ => out.push(LiveIndex { name: index, columns: vec![column], unique }),
        }
    }
    LiveTable { name: name.to_string(), columns, indexes: out, has_rows: has_rows > 0 }
}
