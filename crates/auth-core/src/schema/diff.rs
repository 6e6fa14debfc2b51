//! Differences between the configured schema and a live database, and the safe changes that
//! close them.

use std::fmt;

use super::live::{LiveIndex, LiveSchema};
use super::{Field, Index, Schema};

/// One difference between the configured schema and the live database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A table the schema needs does not exist.
    MissingTable {
        /// The model.
        model: String,
        /// Its table.
        table: String,
    },
    /// A column the schema needs does not exist.
    MissingColumn {
        /// The model.
        model: String,
        /// The field.
        field: String,
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The table holds rows.
        table_has_rows: bool,
    },
    /// An index the schema needs does not exist. Whatever its name, a unique index or unique
    /// constraint on exactly the column satisfies a unique index; any index led by the column
    /// satisfies a plain one.
    MissingIndex {
        /// The model.
        model: String,
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// A column exists with a type that does not hold the field.
    TypeMismatch {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What the schema needs.
        expected: String,
        /// What the database has.
        found: String,
    },
    /// A required field sits in a nullable column.
    Nullable {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::MissingTable { table, model } => write!(f, "missing table `{table}` (model `{model}`)"),
            Difference::MissingColumn { table, column, model, field, .. } => {
                write!(f, "missing column `{table}.{column}` (field `{model}.{field}`)")
            }
            Difference::MissingIndex { table, index, .. } => write!(
                f,
                "missing {}index `{}` on `{table}.{}`",
                if index.unique { "unique " } else { "" },
                index.name,
                index.column
            ),
            Difference::TypeMismatch { table, column, expected, found } => {
                write!(f, "type mismatch on `{table}.{column}`: expected {expected}, found `{found}`")
            }
            Difference::Nullable { table, column } => {
                write!(f, "`{table}.{column}` is nullable but the field is required")
            }
        }
    }
}

impl Difference {
    /// `true` when `migrate` can close the difference without altering or dropping anything:
    /// a missing table or index, or a missing column that is optional, has a default, or goes
    /// into an empty table.
    pub fn is_safe(&self, schema: &Schema) -> bool {
        self.unsafe_reason(schema).is_none()
    }

    /// Why `migrate` will not close this difference itself, or `None` when it can.
    pub fn unsafe_reason(&self, schema: &Schema) -> Option<&'static str> {
        match self {
            Difference::MissingTable { .. } | Difference::MissingIndex { .. } => None,
            Difference::MissingColumn { model, field, table_has_rows, .. } => {
                let f = schema.model(model).and_then(|m| m.field(field));
                let fillable = !table_has_rows || f.is_ok_and(|f| !f.required || f.default.is_some());
                (!fillable).then_some(
                    "the field is required and has no default, and the table has rows: give the field a default or make it optional",
                )
            }
            Difference::TypeMismatch { .. } => {
                Some("migrate never changes an existing column's type: convert the column yourself")
            }
            Difference::Nullable { .. } => {
                Some("migrate never changes an existing column: fill its NULLs and add NOT NULL yourself, or make the field optional")
            }
        }
    }

    /// The table the difference is in.
    pub fn table(&self) -> &str {
        match self {
            Difference::MissingTable { table, .. }
            | Difference::MissingColumn { table, .. }
            | Difference::MissingIndex { table, .. }
            | Difference::TypeMismatch { table, .. }
            | Difference::Nullable { table, .. } => table,
        }
    }
}

/// Whether a live index serves `index`: a unique one must be a unique index (or constraint) on
/// exactly its column; a plain one is served by any index whose first column is its column.
fn serves(live: &LiveIndex, index: &Index) -> bool {
    let leads = live.columns.first().is_some_and(|c| c.eq_ignore_ascii_case(&index.column));
    if index.unique { live.unique && live.columns.len() == 1 && leads } else { leads }
}

/// Compares `schema` with `live`. `accepts(field, live_type)` says whether a live column type
/// holds a field (see [`crate::sql::Dialect::accepts`]). Indexes are created with their table,
/// so a missing table is reported alone.
pub fn diff(schema: &Schema, live: &LiveSchema, accepts: impl Fn(&Field, &str) -> bool) -> Vec<Difference> {
    let mut out = Vec::new();
    for model in schema.models_in_dependency_order() {
        let Some(table) = live.table(&model.table) else {
            out.push(Difference::MissingTable { model: model.name.clone(), table: model.table.clone() });
            continue;
        };
        if live.has_columns {
            for field in &model.fields {
                match table.column(&field.column) {
                    None => out.push(Difference::MissingColumn {
                        model: model.name.clone(),
                        field: field.name.clone(),
                        table: model.table.clone(),
                        column: field.column.clone(),
                        table_has_rows: table.has_rows,
                    }),
                    Some(col) => {
                        if !accepts(field, &col.data_type) {
                            out.push(Difference::TypeMismatch {
                                table: model.table.clone(),
                                column: field.column.clone(),
                                expected: field.ty.name().to_string(),
                                found: col.data_type.clone(),
                            });
                        }
                        if field.required && col.nullable && field.name != "id" {
                            out.push(Difference::Nullable { table: model.table.clone(), column: field.column.clone() });
                        }
                    }
                }
            }
        }
        for index in model.indexes() {
            if !table.indexes.iter().any(|i| serves(i, &index)) {
                out.push(Difference::MissingIndex { model: model.name.clone(), table: model.table.clone(), index });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::live::{LiveColumn, LiveIndex, LiveTable};
    use super::*;

    fn live_user(with_email: bool, rows: bool) -> LiveSchema {
        let mut columns: Vec<LiveColumn> = ["id", "name", "emailVerified", "image", "createdAt", "updatedAt"]
            .iter()
            .map(|c| LiveColumn { name: c.to_string(), data_type: "text".into(), nullable: *c == "image" })
            .collect();
        let mut indexes = vec![];
        if with_email {
            columns.push(LiveColumn { name: "email".into(), data_type: "integer".into(), nullable: false });
            indexes.push(LiveIndex { name: "user_email_key".into(), columns: vec!["email".into()], unique: true });
        }
        LiveSchema { tables: vec![LiveTable { name: "user".into(), columns, indexes, has_rows: rows }], has_columns: true }
    }

    #[test]
    fn reports_missing_tables_columns_indexes_and_types() {
        let schema = Schema::better_auth();
        let sqlite_text = |f: &Field, t: &str| f.ty != super::super::FieldType::String || t == "text";
        let d = diff(&schema, &live_user(false, true), sqlite_text);
        let text: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert!(text.contains(&"missing column `user.email` (field `user.email`)".to_string()), "{text:?}");
        assert!(text.contains(&"missing unique index `user_email_uidx` on `user.email`".to_string()));
        assert!(text.contains(&"missing table `session` (model `session`)".to_string()));
        assert!(!d[0].is_safe(&schema), "a required column without default on a table with rows");
        let d = diff(&schema, &live_user(true, false), sqlite_text);
        assert!(d.iter().any(|x| matches!(x, Difference::TypeMismatch { column, .. } if column == "email")));
        assert!(!d.iter().any(|x| matches!(x, Difference::MissingIndex { table, .. } if table == "user")),
            "a unique constraint under another name satisfies the unique index");
    }
}
