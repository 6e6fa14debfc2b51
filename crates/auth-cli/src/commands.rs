//! The commands that act: write generated files, migrate, check, clean up.

use std::path::Path;
use std::process::ExitCode;

use auth_core::schema::diff::Difference;
use auth_core::sql::Dialect;
use auth_core::{Adapter, Query, Schema, Value, Where};

use crate::connect;
use crate::generate::{self, Target};

/// Writes the generated files (or prints a single-file output).
pub fn generate(
    schema: &Schema,
    origin: &str,
    target: Target,
    dialect: Dialect,
    output: Option<&Path>,
) -> Result<ExitCode, String> {
    let files = generate::generate(target, dialect, schema, origin);
    let single = matches!(target, Target::Sql | Target::Mongo);
    match (single, output) {
        (true, None) => {
            for f in &files {
                print!("{}", f.text);
            }
        }
        (true, Some(path)) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            let text: String = files.iter().map(|f| f.text.as_str()).collect();
            std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        (false, root) => {
            let root = root.unwrap_or(Path::new("."));
            for f in &files {
                let path = root.join(&f.path);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::write(&path, &f.text).map_err(|e| format!("{}: {e}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(d: &Difference) -> String {
    match d {
        Difference::MissingTable { table, .. } => format!("create table `{table}` and its indexes"),
        Difference::MissingColumn { table, column, .. } => format!("add column `{table}.{column}`"),
        Difference::MissingIndex { table, index, .. } => {
            format!("create index `{}` on `{table}`", index.name)
        }
        other => other.to_string(),
    }
}

/// Creates what is missing; a second run does nothing.
pub async fn migrate(url: &str, schema: Schema, dry_run: bool) -> Result<ExitCode, String> {
    let db = connect::open(url, schema).await?;
    eprintln!("reading the live schema ...");
    let planned = db.migrate(true).await.map_err(|e| e.to_string())?;
    if planned.is_empty() {
        println!("nothing to do: the database matches the schema");
        return Ok(ExitCode::SUCCESS);
    }
    for d in &planned {
        println!("{}{}", if dry_run { "would " } else { "" }, describe(d));
    }
    if dry_run {
        println!("dry run: {} change(s), nothing applied", planned.len());
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("applying {} change(s) ...", planned.len());
    let done = db.migrate(false).await.map_err(|e| e.to_string())?;
    println!("applied {} change(s)", done.len());
    Ok(ExitCode::SUCCESS)
}

/// Lists every difference; exit code 1 when there is any.
pub async fn check(url: &str, schema: Schema) -> Result<ExitCode, String> {
    let db = connect::open(url, schema).await?;
    let differences = db.check_schema().await.map_err(|e| e.to_string())?;
    if differences.is_empty() {
        println!("ok: the database matches the schema");
        return Ok(ExitCode::SUCCESS);
    }
    for d in &differences {
        println!("{d}");
    }
    println!(
        "{} difference(s); run `auth-cli migrate` to create what is missing",
        differences.len()
    );
    Ok(ExitCode::from(1))
}

/// Deletes expired sessions and verification values, `batch` rows at a time.
pub async fn cleanup(url: &str, schema: Schema, batch: u64) -> Result<ExitCode, String> {
    if batch == 0 {
        return Err("--batch-size must be at least 1".into());
    }
    let db = connect::open(url, schema).await?;
    let now = chrono::Utc::now();
    for model in ["session", "verification"] {
        let mut total = 0u64;
        loop {
            let q = Query::filter(vec![Where::lt("expiresAt", now)])
                .select(&["id"])
                .limit(batch);
            let ids: Vec<Value> = db
                .find_many(model, &q)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter_map(|mut r| r.remove("id"))
                .collect();
            if ids.is_empty() {
                break;
            }
            let n = ids.len() as u64;
            total += db
                .delete_many(model, &[Where::in_list("id", ids)])
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("{model}: {total} deleted so far");
            if n < batch {
                break;
            }
        }
        println!("{model}: deleted {total} expired row(s)");
    }
    Ok(ExitCode::SUCCESS)
}
