//! The auth schema a generated migration brings the database to, written into the migration
//! itself (one comment line), so that a later `generate` writes only what changed since — as
//! drizzle-kit keeps a snapshot beside each migration, without a file of its own.

use auth_core::Schema;
use auth_core::schema::diff::{Difference, diff};
use auth_core::schema::live::{LiveColumn, LiveIndex, LiveSchema, LiveTable};
use auth_core::sql::Dialect;
use serde_json::{Value as Json, json};

/// What starts the snapshot line, after the comment marker.
pub const MARK: &str = "auth-cli schema: ";

fn column_type(schema: &Schema, dialect: Dialect, field: &auth_core::Field) -> String {
    if field.name == "id" && schema.id_strategy().is_numeric() {
        return dialect
            .serial_id()
            .split(' ')
            .next()
            .unwrap_or("")
            .to_string();
    }
    dialect.column_type(field).to_string()
}

/// The snapshot of `schema` in `dialect`: tables, columns (type, nullable), indexes, as JSON.
pub fn of(schema: &Schema, dialect: Dialect) -> String {
    let tables: Vec<Json> = schema
        .models()
        .iter()
        .map(|m| {
            let columns: Vec<Json> = m
                .fields
                .iter()
                .map(|f| {
                    json!([
                        f.column,
                        column_type(schema, dialect, f),
                        !f.required && f.name != "id"
                    ])
                })
                .collect();
            let indexes: Vec<Json> = m
                .indexes()
                .iter()
                .map(|i| json!([i.name, i.column, i.unique]))
                .collect();
            json!({ "table": m.table, "columns": columns, "indexes": indexes })
        })
        .collect();
    json!({ "dialect": dialect.name(), "tables": tables }).to_string()
}

/// Reads a snapshot back as the live schema it describes (tables taken as empty).
pub fn parse(json: &str) -> Option<LiveSchema> {
    let v: Json = serde_json::from_str(json).ok()?;
    let mut tables = Vec::new();
    for t in v["tables"].as_array()? {
        let columns = t["columns"]
            .as_array()?
            .iter()
            .map(|c| {
                Some(LiveColumn {
                    name: c[0].as_str()?.into(),
                    data_type: c[1].as_str()?.into(),
                    nullable: c[2].as_bool()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let indexes = t["indexes"]
            .as_array()?
            .iter()
            .map(|i| {
                Some(LiveIndex {
                    name: i[0].as_str()?.into(),
                    columns: vec![i[1].as_str()?.into()],
                    unique: i[2].as_bool()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        tables.push(LiveTable {
            name: t["table"].as_str()?.into(),
            columns,
            indexes,
            has_rows: false,
        });
    }
    Some(LiveSchema {
        tables,
        has_columns: true,
    })
}

/// The snapshot in a generated file's text, if it has one.
pub fn find(text: &str) -> Option<LiveSchema> {
    text.lines()
        .find_map(|l| l.split_once(MARK).map(|(_, j)| j))
        .and_then(parse)
}

/// What changed since `previous`: the differences a new migration closes.
pub fn changes(schema: &Schema, dialect: Dialect, previous: &LiveSchema) -> Vec<Difference> {
    diff(schema, previous, |f, t| dialect.accepts(f, t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::{Field, Plugin, SchemaConfig};

    #[test]
    fn a_snapshot_reads_back_as_the_schema_it_was_made_from() {
        for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
            let schema = SchemaConfig::default()
                .plugin(Plugin::Organization)
                .build()
                .unwrap();
            let live = parse(&of(&schema, dialect)).unwrap();
            assert!(changes(&schema, dialect, &live).is_empty(), "{dialect:?}");
            let next = SchemaConfig::default()
                .plugin(Plugin::Organization)
                .plugin(Plugin::Passkey)
                .field("user", Field::string("nick").optional())
                .build()
                .unwrap();
            let d: Vec<String> = changes(&next, dialect, &live)
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(
                d,
                [
                    "missing column `user.nick` (field `user.nick`)",
                    "missing table `passkey` (model `passkey`)"
                ]
            );
        }
    }
}
