//! One migration's statements: the whole schema the first time, then only what changed since
//! the snapshot of the last migration auth-cli wrote.

use auth_core::Schema;
use auth_core::schema::diff::Difference;
use auth_core::schema::live::LiveSchema;
use auth_core::sql::{self, Dialect};

use super::snapshot;

/// The statements of one migration.
pub struct Step {
    /// Forward.
    pub up: Vec<String>,
    /// Back, in reverse order.
    pub down: Vec<String>,
    /// What it changes, for messages.
    pub changes: Vec<Difference>,
    /// Changes it cannot make (a column's type or nullability), and additions that fail on a
    /// table with rows.
    pub warnings: Vec<String>,
}

fn drop_table(dialect: Dialect, table: &str) -> String {
    format!("DROP TABLE IF EXISTS {}", dialect.quote(table))
}

/// The first migration: every table and index.
pub fn first(schema: &Schema, dialect: Dialect) -> Step {
    let mut models = schema.models_in_dependency_order();
    let changes = models
        .iter()
        .map(|m| Difference::MissingTable {
            model: m.name.clone(),
            table: m.table.clone(),
        })
        .collect();
    models.reverse();
    Step {
        up: sql::create_schema(dialect, schema),
        down: models
            .iter()
            .map(|m| drop_table(dialect, &m.table))
            .collect(),
        changes,
        warnings: Vec::new(),
    }
}

/// The migration from `previous` (a snapshot) to `schema`, or `None` when nothing changed.
pub fn update(schema: &Schema, dialect: Dialect, previous: &LiveSchema) -> Option<Step> {
    let all = snapshot::changes(schema, dialect, previous);
    if all.is_empty() {
        return None;
    }
    let mut changes = Vec::new();
    let mut warnings = Vec::new();
    let mut down = Vec::new();
    for d in all {
        let q = |s: &str| dialect.quote(s);
        match &d {
            Difference::MissingTable { table, .. } => down.push(drop_table(dialect, table)),
            Difference::MissingColumn {
                model,
                field,
                table,
                column,
                ..
            } => {
                let f = schema.model(model).and_then(|m| m.field(field));
                if f.is_ok_and(|f| f.required && f.default.is_none()) && dialect != Dialect::Sqlite
                {
                    warnings.push(format!("`{table}.{column}` is required without a default: the migration fails if `{table}` has rows"));
                }
                down.push(format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    q(table),
                    q(column)
                ));
            }
            Difference::MissingIndex { table, index, .. } => down.push(match dialect {
                Dialect::Mysql => format!("DROP INDEX {} ON {}", q(&index.name), q(table)),
                _ => format!("DROP INDEX IF EXISTS {}", q(&index.name)),
            }),
            Difference::TypeMismatch { .. } | Difference::Nullable { .. } => {
                warnings.push(format!("not in the migration, change it by hand: {d}"));
                continue;
            }
        }
        changes.push(d);
    }
    down.reverse();
    Some(Step {
        up: sql::migration(dialect, schema, &changes),
        down,
        changes,
        warnings,
    })
}
