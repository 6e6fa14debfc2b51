//! The schema configuration file (TOML) and the database URL (`--database-url`, `DATABASE_URL`
//! from the environment or from `.env`), as diesel_cli and sea-orm-cli read them.

use std::path::{Path, PathBuf};

use auth_core::{Schema, SchemaConfig};

/// The default configuration file, read when present.
pub const DEFAULT_CONFIG: &str = "auth.toml";

/// Loads `path` (or `auth.toml` when present, or Better Auth's defaults) and validates it.
/// Returns the schema and a description of where it came from.
pub fn load(path: Option<&Path>) -> Result<(Schema, String), String> {
    let path = match path {
        Some(p) => Some(p.to_path_buf()),
        None => Some(Path::new(DEFAULT_CONFIG).to_path_buf()).filter(|p| p.exists()),
    };
    let Some(path) = path else {
        return Ok((Schema::better_auth(), "Better Auth's default schema".into()));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config: SchemaConfig =
        toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message().trim()))?;
    let schema = config
        .build()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((schema, name))
}

/// Loads the first `.env` found in the current directory or a parent into the environment, as
/// diesel_cli and sea-orm-cli do (dotenvy: `KEY = value`, quotes, `# comments`, `${VAR}`);
/// variables already set win. Returns the file read, if any; a malformed file is an error.
pub fn load_dotenv() -> Result<Option<PathBuf>, String> {
    match dotenvy::dotenv() {
        Ok(path) => Ok(Some(path)),
        Err(e) if e.not_found() => Ok(None),
        Err(dotenvy::Error::LineParse(line, at)) => {
            Err(format!(".env: cannot parse `{line}` (at character {at})"))
        }
        Err(e) => Err(format!(".env: {e}")),
    }
}

/// `--database-url`, else `DATABASE_URL` (environment or `.env`).
pub fn database_url(flag: Option<&str>) -> Option<String> {
    flag.filter(|u| !u.is_empty())
        .map(str::to_string)
        .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()))
}

/// Like [`database_url`], for commands that need one.
pub fn require_database_url(flag: Option<&str>) -> Result<String, String> {
    database_url(flag).ok_or_else(|| {
        "no database URL: pass --database-url, or set DATABASE_URL (environment or .env)".into()
    })
}
