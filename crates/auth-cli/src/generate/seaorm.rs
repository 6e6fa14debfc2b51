//! SeaORM: a migration (`sea-orm-migration`) and one entity file per model.

use std::fmt::Write;

use auth_core::sql::Dialect;
use auth_core::{Field, FieldType, Model, OnDelete, Schema};

use super::names::{pascal, snake};
use super::{File, Origin};

/// The first auth migration's module name (`m<date>_<time>_<name>`, as `sea-orm-cli migrate
/// generate` names them; all zeros, so it sorts before any of the project's own).
pub const MIGRATION: &str = "m00000000_000001_auth_schema";

/// The SeaORM files as `sea-orm-cli` lays them out, for a project that has none yet: the
/// migration crate (`migration/Cargo.toml`, `src/lib.rs`, `src/main.rs`, the migration) and
/// the entities under `src/entity/` (`mod.rs`, `prelude.rs`, one file per model).
pub fn files(schema: &Schema, dialect: Dialect, origin: &Origin<'_>) -> Vec<File> {
    let step = super::step::first(schema, dialect);
    let snapshot = super::snapshot::of(schema, dialect);
    let mut out = migration_crate(MIGRATION, origin);
    out.push(File {
        path: format!("migration/src/{MIGRATION}.rs").into(),
        text: migration(&step.up, &step.down, &snapshot, origin),
    });
    out.extend(entities(schema, origin, "src/entity", "mod.rs"));
    out
}

/// `sea-orm-cli migrate init`'s crate, with `first` as its one migration.
pub fn migration_crate(first: &str, origin: &Origin<'_>) -> Vec<File> {
    let manifest = format!(
        "{}\n[package]\nedition = \"2024\"\nname = \"migration\"\npublish = false\nversion = \"0.1.0\"\n\n[lib]\nname = \"migration\"\npath = \"src/lib.rs\"\n\n\
         [dependencies]\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\", \"rt-multi-thread\"] }}\n\n\
         [dependencies.sea-orm-migration]\nversion = \"2.0.0\"\nfeatures = [\n    # An async runtime and a driver, to run migrations from `cargo run` (sea-orm-cli's template):\n\
         \x20   # \"runtime-tokio-rustls\",\n    # \"sqlx-postgres\",\n]\n",
        origin.header("#", "seaorm")
    );
    let lib = format!(
        "{}\npub use sea_orm_migration::prelude::*;\n\nmod {first};\n\npub struct Migrator;\n\n#[async_trait::async_trait]\n\
         impl MigratorTrait for Migrator {{\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {{\n        vec![Box::new({first}::Migration)]\n    }}\n}}\n",
        origin.header("//!", "seaorm")
    );
    let main = format!(
        "{}\nuse sea_orm_migration::prelude::*;\n\n#[tokio::main]\nasync fn main() {{\n    cli::run_cli(migration::Migrator).await;\n}}\n",
        origin.header("//!", "seaorm")
    );
    vec![
        File {
            path: "migration/Cargo.toml".into(),
            text: manifest,
        },
        File {
            path: "migration/src/lib.rs".into(),
            text: lib,
        },
        File {
            path: "migration/src/main.rs".into(),
            text: main,
        },
    ]
}

/// The entity files under `dir`: one per model, the module file (`mod.rs`, or `lib.rs` for an
/// entity crate) and `prelude.rs`.
pub fn entities(schema: &Schema, origin: &Origin<'_>, dir: &str, module_file: &str) -> Vec<File> {
    let mut out = Vec::new();
    let mut module = origin.schema_header("//!", "seaorm");
    module.push_str("\npub mod prelude;\n\n");
    let mut prelude = origin.schema_header("//!", "seaorm");
    prelude.push('\n');
    for (m, line, use_line) in entity_lines(schema) {
        module.push_str(&line);
        module.push('\n');
        prelude.push_str(&use_line);
        prelude.push('\n');
        out.push(File {
            path: format!("{dir}/{}.rs", snake(&m.name)).into(),
            text: entity(schema, m, origin),
        });
    }
    out.push(File {
        path: format!("{dir}/{module_file}").into(),
        text: module,
    });
    out.push(File {
        path: format!("{dir}/prelude.rs").into(),
        text: prelude,
    });
    out
}

/// Per model, sorted as rustfmt orders them: the model, its `pub mod` line and its prelude
/// `pub use` line.
pub fn entity_lines(schema: &Schema) -> Vec<(&Model, String, String)> {
    let mut models: Vec<&Model> = schema.models().iter().collect();
    models.sort_by_key(|m| snake(&m.name));
    models
        .into_iter()
        .map(|m| {
            let module = snake(&m.name);
            (
                m,
                format!("pub mod {module};"),
                format!("pub use super::{module}::Entity as {};", pascal(&m.name)),
            )
        })
        .collect()
}

fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

/// A `sea-orm-migration` migration running `up` and `down`, carrying the snapshot.
pub fn migration(up: &[String], down: &[String], snapshot: &str, origin: &Origin<'_>) -> String {
    let mut out = origin.header("//!", "seaorm");
    let _ = writeln!(out, "//! {}{snapshot}", super::snapshot::MARK);
    out.push_str("\nuse sea_orm_migration::prelude::*;\n\n");
    out.push_str("/// The auth tables, columns and indexes.\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n");
    out.push_str("#[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n");
    out.push_str("    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n");
    out.push_str("        let db = manager.get_connection();\n        for statement in UP {\n            db.execute_unprepared(statement).await?;\n        }\n        Ok(())\n    }\n\n");
    out.push_str("    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n");
    out.push_str("        let db = manager.get_connection();\n        for statement in DOWN {\n            db.execute_unprepared(statement).await?;\n        }\n        Ok(())\n    }\n}\n\n");
    out.push_str("const UP: &[&str] = &[\n");
    for stmt in up {
        let _ = writeln!(out, "    {},", rust_string(stmt));
    }
    out.push_str("];\n\nconst DOWN: &[&str] = &[\n");
    for stmt in down {
        let _ = writeln!(out, "    {},", rust_string(stmt));
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
    let mut out = origin.schema_header("//!", "seaorm");
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
