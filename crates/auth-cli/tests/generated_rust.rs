//! The Rust that `generate` writes (diesel `schema.rs`, SeaORM entities and migration) compiles
//! and is rustfmt-clean, for every dialect.

use std::path::{Path, PathBuf};
use std::process::Command;

use auth_cli::generate::{Target, generate};
use auth_core::sql::Dialect;
use auth_core::{Field, FieldType, IdStrategy, Plugin, Schema, SchemaConfig};

/// A schema with every plugin, renamed tables and columns and every field type.
fn schema(id: IdStrategy) -> Schema {
    let mut cfg = SchemaConfig::default().table("user", "users").column(
        "user",
        "emailVerified",
        "email_verified",
    );
    for p in Plugin::ALL {
        cfg = cfg.plugin(p);
    }
    cfg.field(
        "user",
        Field::string("role").optional().default_value("user"),
    )
    .field(
        "user",
        Field::new("tags", FieldType::StringArray).optional(),
    )
    .field("user", Field::new("profile", FieldType::Json).optional())
    .field(
        "user",
        Field::new("loginCount", FieldType::Number)
            .bigint()
            .default_value(0i64),
    )
    .id_strategy(id)
    .build()
    .expect("valid schema")
}

fn write_project(dir: &Path, manifest_deps: &str, lib: &str, files: &[auth_cli::generate::File]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("src")).expect("project dir");
    let manifest = format!(
        "[package]\nname = \"generated-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{manifest_deps}\n\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("manifest");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The workspace's lock file pins the same versions, so the adapters' builds are reused.
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    for f in files {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, &f.text).expect("write");
    }
    std::fs::write(dir.join("src/lib.rs"), lib).expect("lib.rs");
}

fn check(dir: &Path) {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../generated-target");
    let out = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "generated code does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rustfmt_clean(files: &[auth_cli::generate::File], dir: &Path) {
    for f in files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "rs"))
    {
        let out = Command::new("rustfmt")
            .args(["--edition", "2024", "--check", "--config", "max_width=120"])
            .arg(dir.join(&f.path))
            .output()
            .expect("rustfmt runs");
        assert!(
            out.status.success(),
            "{} is not rustfmt-clean:\n{}",
            f.path.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn diesel_schema_compiles_for_every_dialect() {
    for (dialect, feature) in [
        (Dialect::Sqlite, "sqlite"),
        (Dialect::Postgres, "postgres"),
        (Dialect::Mysql, "mysql"),
    ] {
        for id in [IdStrategy::Native, IdStrategy::Serial] {
            let files = generate(Target::Diesel, dialect, &schema(id), "the test schema");
            let dir = tmp(&format!("gen-diesel-{feature}"));
            let deps = format!(
                "diesel = {{ version = \"2.3\", default-features = false, features = [\"{feature}\", \"serde_json\"] }}"
            );
            write_project(&dir, &deps, "pub mod schema;\n", &files);
            rustfmt_clean(&files, &dir);
            check(&dir);
        }
    }
}

#[test]
fn seaorm_entities_and_migration_compile() {
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        let files = generate(
            Target::Seaorm,
            dialect,
            &schema(IdStrategy::Native),
            "the test schema",
        );
        let dir = tmp("gen-seaorm");
        let deps = "sea-orm = { version = \"2.0\", default-features = false, features = [\"macros\", \"with-json\", \"with-chrono\"] }\n\
                    sea-orm-migration = { version = \"2.0\", default-features = false }\n\
                    async-trait = \"0.1\"";
        let lib = "pub mod entity;\n#[path = \"../migration/src/m00000000_000001_auth_schema.rs\"]\npub mod migration;\n";
        write_project(&dir, deps, lib, &files);
        rustfmt_clean(&files, &dir);
        check(&dir);
    }
}
