//! CREATE TABLE / CREATE INDEX statements matching Better Auth's migrations.

use super::Dialect;
use crate::schema::{DefaultValue, FieldType, Model, Schema};

/// Statements creating every table and index of `schema` that does not exist yet, referenced
/// tables first. Running them twice changes nothing.
pub fn create_schema(dialect: Dialect, schema: &Schema) -> Vec<String> {
    let models = schema.models_in_dependency_order();
    let mut out: Vec<String> = models.iter().map(|m| create_table(dialect, schema, m)).collect();
    for m in models {
        out.extend(create_indexes(dialect, m));
    }
    out
}

/// `CREATE TABLE IF NOT EXISTS` for one model.
pub fn create_table(dialect: Dialect, schema: &Schema, model: &Model) -> String {
    let q = |s: &str| dialect.quote(s);
    let mut cols = Vec::new();
    for field in &model.fields {
        let mut col = format!("{} ", q(&field.column));
        if field.name == "id" {
            if schema.id_strategy().is_numeric() {
                col.push_str(dialect.serial_id());
            } else {
                col.push_str(dialect.column_type(field));
                col.push_str(" NOT NULL PRIMARY KEY");
            }
            cols.push(col);
            continue;
        }
        col.push_str(dialect.column_type(field));
        if field.required {
            col.push_str(" NOT NULL");
        } else if dialect == Dialect::Mysql && field.ty == FieldType::Date {
            col.push_str(" NULL");
        }
        if field.ty == FieldType::Date && field.default == Some(DefaultValue::Now) {
            col.push_str(" DEFAULT ");
            col.push_str(dialect.now_default());
        }
        cols.push(col);
    }
    for field in &model.fields {
        if let Some(r) = &field.references
            && let Ok(target) = schema.model(&r.model)
        {
            let target_col = target.field(&r.field).map(|f| f.column.as_str()).unwrap_or("id");
            cols.push(format!(
                "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
                q(&field.column),
                q(&target.table),
                q(target_col),
                r.on_delete.sql()
            ));
        }
    }
    let suffix = if dialect == Dialect::Mysql { " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" } else { "" };
    format!("CREATE TABLE IF NOT EXISTS {} ({}){suffix}", q(&model.table), cols.join(", "))
}

/// `CREATE [UNIQUE] INDEX IF NOT EXISTS` for each index of one model.
pub fn create_indexes(dialect: Dialect, model: &Model) -> Vec<String> {
    model
        .indexes()
        .into_iter()
        .map(|i| {
            format!(
                "CREATE {}INDEX IF NOT EXISTS {} ON {} ({})",
                if i.unique { "UNIQUE " } else { "" },
                dialect.quote(&i.name),
                dialect.quote(&model.table),
                dialect.quote(&i.column)
            )
        })
        .collect()
}
