//! diesel: `migrations/<version>_auth_schema/{up,down}.sql` and `src/schema.rs` with `table!`.

use std::fmt::Write;

use auth_core::sql::Dialect;
use auth_core::{Field, FieldType, Model, Schema};

use super::names::snake;
use super::{File, Origin, sql};

/// The migration folder, as diesel_cli lays it out.
pub const MIGRATION: &str = "migrations/00000000000001_auth_schema";

/// The diesel files.
pub fn files(schema: &Schema, dialect: Dialect, origin: &Origin<'_>) -> Vec<File> {
    vec![
        File {
            path: format!("{MIGRATION}/up.sql").into(),
            text: sql::up_sql(schema, dialect, origin, "diesel"),
        },
        File {
            path: format!("{MIGRATION}/down.sql").into(),
            text: sql::down_sql(schema, dialect, origin, "diesel"),
        },
        File {
            path: "src/schema.rs".into(),
            text: schema_rs(schema, dialect, origin),
        },
    ]
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

fn schema_rs(schema: &Schema, dialect: Dialect, origin: &Origin<'_>) -> String {
    let mut out = origin.header("//", "diesel");
    for m in schema.models() {
        let ident = table_ident(m);
        out.push('\n');
        out.push_str("diesel::table! {\n");
        if ident != m.table {
            let _ = writeln!(out, "    #[sql_name = \"{}\"]", m.table);
        }
        let _ = writeln!(out, "    {ident} ({}) {{", snake(&m.id().name));
        for f in &m.fields {
            let col = snake(&f.name);
            if col != f.column {
                let _ = writeln!(out, "        #[sql_name = \"{}\"]", f.column);
            }
            let ty = sql_type(f, dialect);
            let ty = if f.required || f.name == "id" {
                ty.to_string()
            } else {
                format!("Nullable<{ty}>")
            };
            let _ = writeln!(out, "        {col} -> {ty},");
        }
        out.push_str("    }\n}\n");
    }
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
                    "diesel::joinable!({} -> {} ({}));\n",
                    table_ident(m),
                    table_ident(target),
                    snake(&refs[0].name)
                ));
            }
        }
    }
    if !joins.is_empty() {
        out.push('\n');
        joins.iter().for_each(|j| out.push_str(j));
    }
    out.push_str("\ndiesel::allow_tables_to_appear_in_same_query!(\n");
    for m in schema.models() {
        let _ = writeln!(out, "    {},", table_ident(m));
    }
    out.push_str(");\n");
    out
}
