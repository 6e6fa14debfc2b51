//! Plain DDL for one dialect.

use auth_core::Schema;
use auth_core::sql::{self, Dialect};

use super::{File, Origin};

/// `schema.<dialect>.sql`: every table and index, idempotent (`IF NOT EXISTS`).
pub fn file(schema: &Schema, dialect: Dialect, origin: &Origin<'_>) -> File {
    File {
        path: format!("schema.{}.sql", dialect.name()).into(),
        text: up_sql(schema, dialect, origin, "sql"),
    }
}

/// The DDL as one script, with the generated-file header.
pub fn up_sql(schema: &Schema, dialect: Dialect, origin: &Origin<'_>, target: &str) -> String {
    script(&sql::create_schema(dialect, schema), origin, target)
}

/// Statements as a script, each ended by `;`, after the generated-file header.
pub fn script(statements: &[String], origin: &Origin<'_>, target: &str) -> String {
    let mut text = origin.header("--", target);
    for stmt in statements {
        text.push('\n');
        text.push_str(stmt);
        text.push_str(";\n");
    }
    text
}
