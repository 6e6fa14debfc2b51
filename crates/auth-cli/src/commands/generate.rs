//! `generate`: writes the generated files, never over a file auth-cli did not write (unless
//! `--force`), and leaves files whose content would not change untouched.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use auth_core::sql::Dialect;

use super::Ctx;
use crate::config;
use crate::connect::Kind;
use crate::generate::{self, File, Origin, Target, project, written_by_us};

/// What `generate` was asked for.
pub struct GenerateArgs {
    /// The tool the files are for.
    pub target: Target,
    /// `--dialect`, if given.
    pub dialect: Option<Dialect>,
    /// `--output`, if given.
    pub output: Option<PathBuf>,
    /// `--force`: overwrite files auth-cli did not write.
    pub force: bool,
}

/// The dialect: `--dialect`, else the database URL's (flag, `DATABASE_URL`, `.env`).
fn dialect(args: &GenerateArgs, ctx: &Ctx) -> Result<Dialect, String> {
    if let Some(d) = args.dialect {
        return Ok(d);
    }
    let missing = "pass --dialect postgres|mysql|sqlite (or a --database-url / DATABASE_URL that names the database)";
    let url = config::database_url(ctx.url.as_deref()).ok_or(missing)?;
    Kind::of(&url)?
        .dialect()
        .ok_or_else(|| format!("{missing}: a MongoDB URL has no SQL dialect"))
}

/// Writes `files` (auth-cli's own) and `merged` (the user's files with lines added) under
/// `root`: all or nothing when a file auth-cli did not write is in the way (`conflicts`, or an
/// existing file in `files` without auth-cli's header), unless `force`. Files whose content
/// would not change are left untouched.
fn write_all(
    root: &Path,
    files: &[File],
    merged: &[File],
    conflicts: &[PathBuf],
    force: bool,
) -> Result<(), String> {
    let mut foreign: Vec<String> = conflicts
        .iter()
        .map(|p| root.join(p).display().to_string())
        .collect();
    for f in files {
        let path = root.join(&f.path);
        let theirs =
            std::fs::read_to_string(&path).is_ok_and(|old| !written_by_us(&old) && old != f.text);
        if (theirs || (path.exists() && !path.is_file()))
            && !foreign.contains(&path.display().to_string())
        {
            foreign.push(path.display().to_string());
        }
    }
    if !foreign.is_empty() && !force {
        let (it, them) = if foreign.len() == 1 {
            ("it", "it")
        } else {
            ("them", "them")
        };
        return Err(format!(
            "not overwriting {} (auth-cli did not write {it}): move {them} away, choose another --output, or pass --force",
            foreign.join(", ")
        ));
    }
    for f in files.iter().chain(merged) {
        let path = root.join(&f.path);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == f.text) {
            eprintln!("unchanged {}", path.display());
            continue;
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &f.text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Runs `generate`.
pub fn generate(ctx: &Ctx, args: GenerateArgs) -> Result<ExitCode, String> {
    let dialect = if args.target == Target::Mongo {
        Dialect::Sqlite
    } else {
        dialect(&args, ctx)?
    };
    let origin = Origin {
        config: &ctx.origin,
        dialect: (args.target != Target::Mongo).then_some(dialect),
    };
    let single = |files: Vec<File>| -> Result<(), String> {
        let text: String = files.iter().map(|f| f.text.as_str()).collect();
        match &args.output {
            None => {
                print!("{text}");
                Ok(())
            }
            Some(path) => write_all(
                Path::new(""),
                &[File {
                    path: path.clone(),
                    text,
                }],
                &[],
                &[],
                args.force,
            ),
        }
    };
    let now = chrono::Utc::now();
    let root = args.output.clone().unwrap_or_else(|| PathBuf::from("."));
    let out = match args.target {
        Target::Sql | Target::Mongo => {
            single(generate::generate(
                args.target,
                dialect,
                &ctx.schema,
                &ctx.origin,
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        Target::Diesel => project::diesel(
            &root,
            &ctx.schema,
            dialect,
            &origin,
            &now.format("%Y-%m-%d-%H%M%S").to_string(),
        )?,
        Target::Seaorm => project::seaorm(
            &root,
            &ctx.schema,
            dialect,
            &origin,
            &now.format("%Y%m%d_%H%M%S").to_string(),
        )?,
    };
    write_all(&root, &out.files, &out.merged, &out.conflicts, args.force)?;
    if out.changes.is_empty() {
        eprintln!("no new migration: the last one auth-cli wrote already has this schema");
    }
    for c in &out.changes {
        eprintln!("migration: {c}");
    }
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    Ok(ExitCode::SUCCESS)
}
