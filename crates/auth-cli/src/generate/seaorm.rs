//! SeaORM: a migration (`sea-orm-migration`) and one entity file per model.

use std::fmt::Write;

use auth_core::sql::{self, Dialect};
use auth_core::{Field, FieldType, Model, OnDelete, Schema};

use super::names::{pascal, snake};
use super::{File, Origin};

/// The migration's module name, as `sea-orm-cli migrate generate` names them.
pub const MIGRATION: &str = "m00000000_000001_auth_schema";

/// The SeaORM files: `migration/<name>.rs`, `entity/mod.rs`, `entity/prelude.rs`, `entity/<model>.rs`.
pub fn files(schema: &Schema, dialect: Dialect, origin: &Origin<'_>) -> Vec<File> {
    let mut out = vec![File {
        path: format!("migration/{MIGRATION}.rs").into(),
        text: migration(schema, dialect, origin),
    }];
    let mut module = origin.header("//!", "seaorm");
    module.push_str("\npub mod prelude;\n\n");
    let mut prelude = origin.header("//!", "seaorm");
    prelude.push('\n');
    // rustfmt orders `mod` and `use` items alphabetically: so do we.
    let mut models: Vec<&Model> = schema.models().iter().collect();
    models.sort_by_key(|m| snake(&m.name));
    for m in models {
        let _ = writeln!(module, "pub mod {};", snake(&m.name));
        let _ = writeln!(
            prelude,
            "pub use super::{}::Entity as {};",
            snake(&m.name),
            pascal(&m.name)
        );
        out.push(File {
            path: format!("entity/{}.rs", snake(&m.name)).into(),
            text: entity(schema, m, origin),
        });
    }
    out.push(File {
        path: "entity/mod.rs".into(),
        text: module,
    });
    out.push(File {
        path: "entity/prelude.rs".into(),
        text: prelude,
    });
    out
}

fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

fn migration(schema: &Schema, dialect: Dialect, origin: &Origin<'_>) -> String {
    let mut out = origin.header("//!", "seaorm");
    out.push_str("\nuse sea_orm_migration::prelude::*;\n\n");
    out.push_str("/// Creates the auth tables and indexes (idempotent).\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n");
    out.push_str("#[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n");
    out.push_str("    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n");
    out.push_str("        let db = manager.get_connection();\n        for statement in UP {\n            db.execute_unprepared(statement).await?;\n        }\n        Ok(())\n    }\n\n");
    out.push_str("    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n");
    out.push_str("        let db = manager.get_connection();\n        for statement in DOWN {\n            db.execute_unprepared(statement).await?;\n        }\n        Ok(())\n    }\n}\n\n");
    out.push_str("const UP: &[&str] = &[\n");
    for stmt in sql::create_schema(dialect, schema) {
        let _ = writeln!(out, "    {},", rust_string(&stmt));
    }
    out.push_str("];\n\nconst DOWN: &[&str] = &[\n");
    let mut models = schema.models_in_dependency_order();
    models.reverse();
    for m in models {
        let _ = writeln!(
            out,
            "    {},",
            rust_string(&format!("DROP TABLE IF EXISTS {}", dialect.quote(&m.table)))
        );
    }
    out.push_str("];\n");
    out
}

fn rust_type(f: &Field) -> String {
    let base = match f.ty {
        FieldType::String => "String",
        FieldType::Number if f.bigint => "i64",
        FieldType::Number => "i32",
        FieldType::Boolean => "bool",
        FieldType::Date => "DateTimeUtc",
        FieldType::Json | FieldType::StringArray | FieldType::NumberArray => "Json",
    };
    if f.required || f.name == "id" {
        base.to_string()
    } else {
        format!("Option<{base}>")
    }
}

fn on_delete(o: OnDelete) -> &'static str {
    match o {
        OnDelete::Cascade => "Cascade",
        OnDelete::SetNull => "SetNull",
        OnDelete::Restrict => "Restrict",
        OnDelete::NoAction => "NoAction",
    }
}

fn entity(schema: &Schema, m: &Model, origin: &Origin<'_>) -> String {
    let mut out = origin.header("//!", "seaorm");
    out.push_str("\nuse sea_orm::entity::prelude::*;\n\n");
    out.push_str("#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n");
    let _ = writeln!(out, "#[sea_orm(table_name = \"{}\")]", m.table);
    out.push_str("pub struct Model {\n");
    for f in &m.fields {
        let mut attrs = Vec::new();
        if f.name == "id" {
            attrs.push(if schema.id_strategy().is_numeric() {
                "primary_key".to_string()
            } else {
                "primary_key, auto_increment = false".to_string()
            });
        }
        if f.column != snake(&f.name) {
            attrs.push(format!("column_name = \"{}\"", f.column));
        }
        if f.unique {
            attrs.push("unique".into());
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[sea_orm({})]", attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {}: {},", snake(&f.name), rust_type(f));
    }
    out.push_str("}\n\n");
    // Relations: belongs_to for each reference, has_many for each model referencing this one.
    let mut relations = Vec::new();
    let mut related = Vec::new();
    for f in &m.fields {
        let Some(r) = &f.references else { continue };
        let Ok(target) = schema.model(&r.model) else {
            continue;
        };
        if target.name == m.name
            || m.fields
                .iter()
                .filter(|g| g.references.as_ref().is_some_and(|x| x.model == r.model))
                .count()
                > 1
        {
            continue;
        }
        let variant = pascal(&target.name);
        relations.push(format!(
            "    #[sea_orm(\n        belongs_to = \"super::{}::Entity\",\n        from = \"Column::{}\",\n        to = \"super::{}::Column::{}\",\n        on_delete = \"{}\"\n    )]\n    {variant},\n",
            snake(&target.name),
            pascal(&f.name),
            snake(&target.name),
            pascal(&r.field),
            on_delete(r.on_delete)
        ));
        related.push((snake(&target.name), variant));
    }
    for other in schema.models() {
        if other.name == m.name {
            continue;
        }
        let refs = other
            .fields
            .iter()
            .filter(|g| g.references.as_ref().is_some_and(|x| x.model == m.name))
            .count();
        if refs == 1 {
            let variant = pascal(&other.name);
            relations.push(format!(
                "    #[sea_orm(has_many = \"super::{}::Entity\")]\n    {variant},\n",
                snake(&other.name)
            ));
            related.push((snake(&other.name), variant));
        }
    }
    out.push_str("#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\n");
    if relations.is_empty() {
        out.push_str("pub enum Relation {}\n");
    } else {
        out.push_str("pub enum Relation {\n");
        relations.iter().for_each(|r| out.push_str(r));
        out.push_str("}\n");
    }
    for (module, variant) in related {
        let _ = write!(
            out,
            "\nimpl Related<super::{module}::Entity> for Entity {{\n    fn to() -> RelationDef {{\n        Relation::{variant}.def()\n    }}\n}}\n"
        );
    }
    out.push_str("\nimpl ActiveModelBehavior for ActiveModel {}\n");
    out
}
