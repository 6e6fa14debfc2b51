//! diesel: `migrations/<version>_auth_schema/{up,down}.sql` and `src/schema.rs` with `table!`.

use std::fmt::Write;

use auth_core::sql::Dialect;
use auth_core::{Field, FieldType, Model, Schema};

use super::names::snake;
use super::{File, Origin, sql};

/// The first auth migration's folder, as diesel_cli lays them out (`<version>_<name>`; the
/// version sorts before any of the project's own).
pub const MIGRATION: &str = "migrations/00000000000001_auth_schema";

/// The diesel files for a project that has none yet: the migration folder and `src/schema.rs`.
pub fn files(schema: &Schema, dialect: Dialect, origin: &Origin<'_>) -> Vec<File> {
    let step = super::step::first(schema, dialect);
    let snapshot = super::snapshot::of(schema, dialect);
    vec![
        File {
            path: format!("{MIGRATION}/up.sql").into(),
            text: up_sql(&step.up, &snapshot, origin),
        },
        File {
            path: format!("{MIGRATION}/down.sql").into(),
            text: sql::script(&step.down, origin, "diesel"),
        },
        File {
            path: "src/schema.rs".into(),
            text: schema_rs(schema, dialect, origin),
        },
    ]
}

/// A migration's `up.sql`: the statements and the snapshot they bring the database to.
pub fn up_sql(up: &[String], snapshot: &str, origin: &Origin<'_>) -> String {
    let mut text = sql::script(up, origin, "diesel");
    text.push_str(&format!("\n-- {}{snapshot}\n", super::snapshot::MARK));
    text
}

fn sql_type(field: &Field, dialect: Dialect) -> &'static str {
    match (field.ty, dialect) {
        (FieldType::String, _) => "Text",
        (FieldType::Number, _) if field.bigint => "BigInt",
        (FieldType::Number, _) => "Integer",
        (FieldType::Boolean, _) => "Bool",
        (FieldType::Date, Dialect::Postgres) => "Timestamptz",
        (FieldType::Date, Dialect::Mysql) => "Datetime",
        (FieldType::Date, Dialect::Sqlite) => "Text",
        (_, Dialect::Postgres) => "Jsonb",
        (_, Dialect::Mysql) => "Json",
        (_, Dialect::Sqlite) => "Text",
    }
}

fn table_ident(m: &Model) -> String {
    snake(&m.table)
}

/// One `diesel::table!` block per model: (SQL table name, Rust name, block).
pub fn table_blocks(schema: &Schema, dialect: Dialect) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for m in schema.models() {
        let ident = table_ident(m);
        let mut block = String::from("diesel::table! {\n");
        if ident != m.table {
            let _ = writeln!(block, "    #[sql_name = \"{}\"]", m.table);
        }
        let _ = writeln!(block, "    {ident} ({}) {{", snake(&m.id().name));
        for f in &m.fields {
            let col = snake(&f.name);
            if col != f.column {
                let _ = writeln!(block, "        #[sql_name = \"{}\"]", f.column);
            }
            let ty = sql_type(f, dialect);
            let ty = if f.required || f.name == "id" {
                ty.to_string()
            } else {
                format!("Nullable<{ty}>")
            };
            let _ = writeln!(block, "        {col} -> {ty},");
        }
        block.push_str("    }\n}\n");
        out.push((m.table.clone(), ident, block));
    }
    out
}

/// `diesel::joinable!` for each single reference to another model's id.
pub fn joinables(schema: &Schema) -> Vec<String> {
    let mut joins = Vec::new();
    for m in schema.models() {
        for target in schema.models() {
            let refs: Vec<&Field> = m
                .fields
                .iter()
                .filter(|f| {
                    f.references
                        .as_ref()
                        .is_some_and(|r| r.model == target.name && r.field == "id")
                })
                .collect();
            if refs.len() == 1 && m.name != target.name {
                joins.push(format!(
                    "diesel::joinable!({} -> {} ({}));",
                    table_ident(m),
                    table_ident(target),
                    snake(&refs[0].name)
                ));
            }
        }
    }
    joins
}

/// `src/schema.rs` on its own: the blocks, the joins, every table allowed in one query.
pub fn schema_rs(schema: &Schema, dialect: Dialect, origin: &Origin<'_>) -> String {
    let mut out = origin.schema_header("//", "diesel");
    for (_, _, block) in table_blocks(schema, dialect) {
        out.push('\n');
        out.push_str(&block);
    }
    let joins = joinables(schema);
    if !joins.is_empty() {
        out.push('\n');
        joins.iter().for_each(|j| {
            out.push_str(j);
            out.push('\n');
        });
    }
    out.push_str("\ndiesel::allow_tables_to_appear_in_same_query!(\n");
    for m in schema.models() {
        let _ = writeln!(out, "    {},", table_ident(m));
    }
    out.push_str(");\n");
    out
}
