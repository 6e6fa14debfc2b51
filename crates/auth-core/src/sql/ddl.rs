//! CREATE TABLE / CREATE INDEX statements matching Better Auth's migrations.

use super::Dialect;
use crate::schema::diff::Difference;
use crate::schema::{DefaultValue, Field, FieldType, Index, Model, Schema};
use crate::value::Value;

/// Statements creating every table and index of `schema` that does not exist yet, referenced
/// tables (with their unique indexes, which references to non-id fields need) first. Running
/// them twice changes nothing: tables are `CREATE TABLE IF NOT EXISTS`; indexes are
/// `CREATE INDEX IF NOT EXISTS` on PostgreSQL and SQLite, and part of the `CREATE TABLE` on
/// MySQL, which has no `IF NOT EXISTS` for indexes (MySQL 8.0, 8.4 and 9.x reject it).
pub fn create_schema(dialect: Dialect, schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for m in schema.models_in_dependency_order() {
        out.push(create_table(dialect, schema, m));
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
    if dialect == Dialect::Mysql {
        for i in model.indexes() {
            let kind = if i.unique { "UNIQUE KEY" } else { "KEY" };
            cols.push(format!("{kind} {} ({})", q(&i.name), q(&i.column)));
        }
    }
    let suffix = if dialect == Dialect::Mysql { " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" } else { "" };
    format!("CREATE TABLE IF NOT EXISTS {} (\n  {}\n){suffix}", q(&model.table), cols.join(",\n  "))
}

/// The indexes of one model that [`create_table`] does not create itself: every index on
/// PostgreSQL and SQLite, none on MySQL (its `CREATE TABLE` holds them).
pub fn create_indexes(dialect: Dialect, model: &Model) -> Vec<String> {
    if dialect == Dialect::Mysql {
        return Vec::new();
    }
    model.indexes().iter().map(|i| create_index(dialect, &model.table, i)).collect()
}

/// One `CREATE [UNIQUE] INDEX`: `IF NOT EXISTS` on PostgreSQL and SQLite; on MySQL, whose 8.x
/// and 9.x releases have no such clause, callers look the index up first (the live schema).
pub fn create_index(dialect: Dialect, table: &str, index: &Index) -> String {
    format!(
        "CREATE {}INDEX {}{} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        if dialect == Dialect::Mysql { "" } else { "IF NOT EXISTS " },
        dialect.quote(&index.name),
        dialect.quote(table),
        dialect.quote(&index.column)
    )
}

/// Statements that close the safe `differences` (see [`Difference::is_safe`]): create missing
/// tables with their indexes, add missing columns, create missing indexes. Unsafe differences
/// produce nothing; callers refuse to migrate when any is present.
pub fn migration(dialect: Dialect, schema: &Schema, differences: &[Difference]) -> Vec<String> {
    let mut tables = Vec::new();
    let mut rest = Vec::new();
    for d in differences.iter().filter(|d| d.is_safe(schema)) {
        match d {
            Difference::MissingTable { model, .. } => {
                if let Ok(m) = schema.model(model) {
                    tables.push(create_table(dialect, schema, m));
                    tables.extend(create_indexes(dialect, m));
                }
            }
            Difference::MissingColumn { model, field, .. } => {
                if let Ok(m) = schema.model(model)
                    && let Ok(f) = m.field(field)
                {
                    rest.extend(add_column(dialect, schema, m, f));
                }
            }
            Difference::MissingIndex { table, index, .. } => rest.push(create_index(dialect, table, index)),
            Difference::TypeMismatch { .. } | Difference::Nullable { .. } => {}
        }
    }
    tables.extend(rest);
    tables
}

fn add_column(dialect: Dialect, schema: &Schema, model: &Model, field: &Field) -> Vec<String> {
    let q = |s: &str| dialect.quote(s);
    let mut col = format!("ALTER TABLE {} ADD COLUMN {} {}", q(&model.table), q(&field.column), dialect.column_type(field));
    if field.required {
        col.push_str(" NOT NULL");
        let default = match &field.default {
            Some(DefaultValue::Now) => Some(dialect.now_default().to_string()),
            // MySQL 8 takes a default on TEXT and JSON columns only as an expression (8.0.13+);
            // MariaDB takes both forms.
            Some(DefaultValue::Value(v))
                if dialect == Dialect::Mysql && matches!(dialect.column_type(field), "mediumtext" | "json") =>
            {
                Some(format!("({})", dialect.literal(v)))
            }
            Some(DefaultValue::Value(v)) => Some(dialect.literal(v)),
            // SQLite cannot add a NOT NULL column without a default, even to an empty table.
            None if dialect == Dialect::Sqlite => Some(dialect.literal(&zero(field))),
            None => None,
        };
        if let Some(d) = default {
            col.push_str(" DEFAULT ");
            col.push_str(&d);
        }
    }
    let mut out = vec![col];
    if let Some(r) = &field.references
        && let Ok(target) = schema.model(&r.model)
    {
        let target_col = target.field(&r.field).map(|f| f.column.as_str()).unwrap_or("id");
        let fk = format!(
            "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
            q(&field.column),
            q(&target.table),
            q(target_col),
            r.on_delete.sql()
        );
        match dialect {
            Dialect::Sqlite => {
                // SQLite adds a reference only inline, and only to a nullable column.
                if !field.required {
                    out[0].push_str(&format!(" REFERENCES {} ({}) ON DELETE {}", q(&target.table), q(target_col), r.on_delete.sql()));
                }
            }
            _ => out.push(format!("ALTER TABLE {} ADD {fk}", q(&model.table))),
        }
    }
    out
}

fn zero(field: &Field) -> Value {
    match field.ty {
        FieldType::Number => Value::Int(0),
        FieldType::Boolean => Value::Int(0),
        FieldType::Date => Value::from("1970-01-01T00:00:00.000Z"),
        FieldType::Json | FieldType::StringArray | FieldType::NumberArray => Value::from("[]"),
        FieldType::String => Value::from(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SchemaConfig;

    #[test]
    fn migration_adds_columns_with_literal_defaults_and_foreign_keys() {
        let schema = SchemaConfig::default()
            .field("user", Field::string("tier").default_value("it's"))
            .field("session", Field::string("orgId").optional().references("user", "id", crate::OnDelete::SetNull))
            .build()
            .unwrap();
        let diffs = vec![
            Difference::MissingColumn {
                model: "user".into(),
                field: "tier".into(),
                table: "user".into(),
                column: "tier".into(),
                table_has_rows: true,
            },
            Difference::MissingColumn {
                model: "session".into(),
                field: "orgId".into(),
                table: "session".into(),
                column: "orgId".into(),
                table_has_rows: true,
            },
        ];
        assert_eq!(
            migration(Dialect::Postgres, &schema, &diffs),
            [
                "ALTER TABLE \"user\" ADD COLUMN \"tier\" text NOT NULL DEFAULT 'it''s'",
                "ALTER TABLE \"session\" ADD COLUMN \"orgId\" text",
                "ALTER TABLE \"session\" ADD FOREIGN KEY (\"orgId\") REFERENCES \"user\" (\"id\") ON DELETE SET NULL",
            ]
        );
        assert_eq!(Dialect::Mysql.literal(&Value::from("a\\b'c")), "'a\\\\b''c'");
        assert_eq!(Dialect::Postgres.literal(&Value::Bool(true)), "true");
    }

    /// MySQL 8.0.13+ and MariaDB both document every statement: no `IF NOT EXISTS` but on
    /// `CREATE TABLE` (MySQL has no `CREATE INDEX IF NOT EXISTS`), defaults on TEXT and JSON
    /// columns as expressions (MySQL refuses literal ones there).
    #[test]
    fn mysql_statements_are_mysql_8s() {
        let mut cfg = SchemaConfig::default()
            .field("user", Field::string("role").default_value("user"))
            .field("user", Field::new("tags", FieldType::Json).default_value("[]"))
            .field("user", Field::string("code").unique())
            .field("session", Field::string("device").index());
        for p in crate::Plugin::ALL {
            cfg = cfg.plugin(p);
        }
        let schema = cfg.build().unwrap();
        let mut statements = create_schema(Dialect::Mysql, &schema);
        let diffs: Vec<Difference> = schema
            .models()
            .iter()
            .flat_map(|m| {
                let cols = m.fields.iter().skip(1).map(|f| Difference::MissingColumn {
                    model: m.name.clone(),
                    field: f.name.clone(),
                    table: m.table.clone(),
                    column: f.column.clone(),
                    table_has_rows: false,
                });
                let idx = m.indexes().into_iter().map(|index| Difference::MissingIndex {
                    model: m.name.clone(),
                    table: m.table.clone(),
                    index,
                });
                cols.chain(idx).collect::<Vec<_>>()
            })
            .collect();
        statements.extend(migration(Dialect::Mysql, &schema, &diffs));
        assert!(statements.iter().any(|s| s.contains("UNIQUE KEY `user_email_uidx` (`email`)")));
        assert!(statements.iter().any(|s| s == "CREATE UNIQUE INDEX `user_code_uidx` ON `user` (`code`)"));
        for s in &statements {
            let rest = s.strip_prefix("CREATE TABLE IF NOT EXISTS ").unwrap_or(s);
            assert!(!rest.contains("IF NOT EXISTS") && !rest.contains("IF EXISTS"), "{s}");
            for ty in ["mediumtext", "json"] {
                if let Some((_, after)) = s.split_once(&format!(" {ty} NOT NULL DEFAULT ")) {
                    assert!(after.starts_with('('), "an expression default on {ty}: {s}");
                }
            }
        }
        assert!(statements.contains(&"ALTER TABLE `user` ADD COLUMN `role` mediumtext NOT NULL DEFAULT ('user')".to_string()));
    }

    #[test]
    fn mysql_types_are_better_auths() {
        let s = Schema::better_auth();
        let ddl = create_table(Dialect::Mysql, &s, s.model("session").unwrap());
        assert!(ddl.contains("`id` varchar(36) NOT NULL PRIMARY KEY"), "{ddl}");
        assert!(ddl.contains("`token` varchar(255) NOT NULL"), "{ddl}");
        assert!(ddl.contains("`userId` varchar(36) NOT NULL"), "{ddl}");
        assert!(ddl.contains("`expiresAt` datetime(3) NOT NULL"), "{ddl}");
        assert!(ddl.contains("FOREIGN KEY (`userId`) REFERENCES `user` (`id`) ON DELETE CASCADE"), "{ddl}");
    }
}
