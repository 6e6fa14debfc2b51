//! Generating into the user's own project, as Better Auth's CLI adds its models to a Prisma
//! schema: diesel's `diesel.toml` (its `print_schema` file and migrations directory) or a
//! SeaORM project's `migration` crate and entity directory. The first run writes the whole auth
//! schema; a later run (a plugin or field added) writes only a new migration with what changed
//! since the last one auth-cli wrote (each carries a snapshot), and the entities or `table!`
//! blocks that changed. The user's own tables, migrations and modules stay as they are.

use std::path::{Path, PathBuf};

use auth_core::Schema;
use auth_core::schema::live::LiveSchema;
use auth_core::sql::Dialect;

use super::step::{self, Step};
use super::{File, Origin, diesel, merge, seaorm, snapshot};

/// What a run writes.
#[derive(Default)]
pub struct Output {
    /// Files auth-cli owns (new ones, or ones it wrote before), relative to the project root.
    pub files: Vec<File>,
    /// The user's files with auth-cli's lines merged in (the schema file, `lib.rs`, `mod.rs`).
    pub merged: Vec<File>,
    /// Files of the user's that hold an auth table of their own (written only with `--force`).
    pub conflicts: Vec<PathBuf>,
    /// What the new migration changes (empty: no new migration).
    pub changes: Vec<String>,
    /// Warnings about the migration.
    pub warnings: Vec<String>,
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The snapshot in the last file (by name) under `dir` whose name passes `keep`.
fn latest_snapshot(dir: &Path, keep: impl Fn(&Path) -> Option<PathBuf>) -> Option<LiveSchema> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| keep(&e.ok()?.path()))
        .collect();
    found.sort();
    found
        .iter()
        .rev()
        .find_map(|p| read(p).as_deref().and_then(snapshot::find))
}

/// The first migration, or what changed since `previous`; `None` when nothing did.
fn next_step(schema: &Schema, dialect: Dialect, previous: Option<&LiveSchema>) -> Option<Step> {
    match previous {
        None => Some(step::first(schema, dialect)),
        Some(p) => step::update(schema, dialect, p),
    }
}

fn describe(step: &Step, out: &mut Output) {
    out.changes = step.changes.iter().map(crate::commands::change).collect();
    out.warnings.clone_from(&step.warnings);
}

/// diesel.toml's `[print_schema] file` and `[migrations_directory] dir`, relative to the root.
fn diesel_paths(root: &Path) -> Result<(PathBuf, PathBuf), String> {
    let (mut schema, mut migrations) =
        (PathBuf::from("src/schema.rs"), PathBuf::from("migrations"));
    let path = root.join("diesel.toml");
    if let Some(text) = read(&path) {
        let v: toml::Table =
            toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
        if let Some(f) = v
            .get("print_schema")
            .and_then(|p| p.get("file"))
            .and_then(|f| f.as_str())
        {
            schema = PathBuf::from(f);
        }
        if let Some(d) = v
            .get("migrations_directory")
            .and_then(|p| p.get("dir"))
            .and_then(|d| d.as_str())
        {
            migrations = PathBuf::from(d);
        }
    }
    Ok((schema, migrations))
}

/// Into a diesel project at `root`.
pub fn diesel(
    root: &Path,
    schema: &Schema,
    dialect: Dialect,
    origin: &Origin<'_>,
    now: &str,
) -> Result<Output, String> {
    let (schema_file, migrations) = diesel_paths(root)?;
    let previous = latest_snapshot(&root.join(&migrations), |p| {
        Some(p.join("up.sql")).filter(|u| u.is_file())
    });
    let mut out = Output::default();
    if let Some(step) = next_step(schema, dialect, previous.as_ref()) {
        let dir = match previous {
            None => migrations.join(diesel::MIGRATION.trim_start_matches("migrations/")),
            Some(_) => migrations.join(format!("{now}-0000_auth_schema")),
        };
        let snap = snapshot::of(schema, dialect);
        out.files.push(File {
            path: dir.join("up.sql"),
            text: diesel::up_sql(&step.up, &snap, origin),
        });
        out.files.push(File {
            path: dir.join("down.sql"),
            text: super::sql::script(&step.down, origin, "diesel"),
        });
        describe(&step, &mut out);
    }
    let blocks = diesel::table_blocks(schema, dialect);
    let joins = diesel::joinables(schema);
    match read(&root.join(&schema_file)) {
        None => out.files.push(File {
            path: schema_file,
            text: diesel::schema_rs(schema, dialect, origin),
        }),
        Some(text) => {
            let known: Vec<String> = previous
                .iter()
                .flat_map(|p| p.tables.iter().map(|t| t.name.clone()))
                .collect();
            let theirs = !super::written_by_us(&text)
                && merge::tables(&text).iter().any(|t| {
                    blocks.iter().any(|(b, _, _)| b.eq_ignore_ascii_case(t))
                        && !known.iter().any(|k| k.eq_ignore_ascii_case(t))
                });
            if theirs {
                out.conflicts.push(schema_file.clone());
            }
            let merged = merge::merge(&text, &blocks, &joins);
            if merged != text {
                out.merged.push(File {
                    path: schema_file,
                    text: merged,
                });
            }
        }
    }
    Ok(out)
}

/// Where a SeaORM project keeps its entities: an `entity` crate (`entity/src/lib.rs`), else
/// `src/entities/` or `src/entity/` (sea-orm-cli's `-o`), else `src/entity/`.
fn entity_dir(root: &Path) -> (String, &'static str) {
    if root.join("entity/src/lib.rs").is_file() {
        ("entity/src".into(), "lib.rs")
    } else if root.join("src/entities/mod.rs").is_file() {
        ("src/entities".into(), "mod.rs")
    } else {
        ("src/entity".into(), "mod.rs")
    }
}

/// Adds the lines in `wanted` that `text` lacks, after the last line starting like them (or at
/// the end).
fn add_lines(text: &str, wanted: &[String], prefix: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for w in wanted {
        if lines.iter().any(|l| l.trim() == w) {
            continue;
        }
        let at = lines
            .iter()
            .rposition(|l| l.trim_start().starts_with(prefix))
            .map_or(lines.len(), |i| i + 1);
        lines.insert(at, w.clone());
    }
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

/// `lib.rs` of a migration crate with `name` declared and listed last in `Migrator`.
fn register_migration(lib: &str, name: &str) -> Result<String, String> {
    let declared = add_lines(lib, &[format!("mod {name};")], "mod m");
    let start = declared
        .find("vec![")
        .ok_or("no `vec![` in the Migrator's migrations()")?
        + "vec![".len();
    let mut depth = 1;
    let end = declared[start..]
        .char_indices()
        .find_map(|(i, c)| {
            depth += match c {
                '[' => 1,
                ']' => -1,
                _ => 0,
            };
            (depth == 0).then_some(start + i)
        })
        .ok_or("unclosed `vec![` in the Migrator's migrations()")?;
    let mut entries: Vec<String> = declared[start..end]
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect();
    let ours = format!("Box::new({name}::Migration)");
    if !entries.contains(&ours) {
        entries.push(ours);
    }
    let list: String = entries
        .iter()
        .map(|e| format!("\n            {e},"))
        .collect();
    Ok(format!(
        "{}{list}\n        {}",
        &declared[..start],
        &declared[end..]
    ))
}

/// Into a SeaORM project at `root`.
pub fn seaorm(
    root: &Path,
    schema: &Schema,
    dialect: Dialect,
    origin: &Origin<'_>,
    now: &str,
) -> Result<Output, String> {
    let src = root.join("migration/src");
    let previous = latest_snapshot(&src, |p| {
        let name = p.file_name()?.to_str()?;
        (name.starts_with('m') && name.ends_with(".rs")).then(|| p.to_path_buf())
    });
    let mut out = Output::default();
    if let Some(step) = next_step(schema, dialect, previous.as_ref()) {
        let name = match previous {
            None => seaorm::MIGRATION.to_string(),
            Some(_) => format!("m{now}_auth_schema"),
        };
        let text = seaorm::migration(&step.up, &step.down, &snapshot::of(schema, dialect), origin);
        out.files.push(File {
            path: format!("migration/src/{name}.rs").into(),
            text,
        });
        match read(&src.join("lib.rs")) {
            Some(lib) => out.merged.push(File {
                path: "migration/src/lib.rs".into(),
                text: register_migration(&lib, &name)?,
            }),
            None => out.files.extend(seaorm::migration_crate(&name, origin)),
        }
        describe(&step, &mut out);
    }
    let (dir, module_file) = entity_dir(root);
    for f in seaorm::entities(schema, origin, &dir, module_file) {
        let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let existing = read(&root.join(&f.path));
        match existing {
            Some(text) if name == module_file || name == "prelude.rs" => {
                let (lines, prefix): (Vec<String>, &str) = if name == "prelude.rs" {
                    (
                        seaorm::entity_lines(schema)
                            .into_iter()
                            .map(|(_, _, u)| u)
                            .collect(),
                        "pub use",
                    )
                } else {
                    (
                        seaorm::entity_lines(schema)
                            .into_iter()
                            .map(|(_, m, _)| m)
                            .collect(),
                        "pub mod",
                    )
                };
                let merged = add_lines(&text, &lines, prefix);
                if merged != text {
                    out.merged.push(File {
                        path: f.path,
                        text: merged,
                    });
                }
            }
            Some(text) if !super::written_by_us(&text) && text != f.text => {
                out.conflicts.push(f.path.clone());
                out.files.push(f);
            }
            _ => out.files.push(f),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_join_the_migrator() {
        let lib = "pub use sea_orm_migration::prelude::*;\n\nmod m20220101_000001_create_table;\n\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m20220101_000001_create_table::Migration)]\n    }\n}\n";
        let once = register_migration(lib, "m00000000_000001_auth_schema").unwrap();
        assert!(
            once.contains(
                "mod m20220101_000001_create_table;\nmod m00000000_000001_auth_schema;\n"
            ),
            "{once}"
        );
        assert!(
            once.contains("vec![\n            Box::new(m20220101_000001_create_table::Migration),\n            Box::new(m00000000_000001_auth_schema::Migration),\n        ]"),
            "{once}"
        );
        assert_eq!(
            register_migration(&once, "m00000000_000001_auth_schema").unwrap(),
            once
        );
    }
}
