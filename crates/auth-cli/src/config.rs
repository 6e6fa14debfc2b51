//! The schema configuration file (TOML) and the database URL (`--database-url`, `DATABASE_URL`,
//! or `.env`), as diesel_cli and sea-orm-cli read them.

use std::path::Path;

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

/// `--database-url`, else `DATABASE_URL` from the environment, else from `./.env`.
pub fn database_url(flag: Option<String>) -> Result<String, String> {
    if let Some(url) = flag.filter(|u| !u.is_empty()) {
        return Ok(url);
    }
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return Ok(url);
    }
    if let Ok(text) = std::fs::read_to_string(".env") {
        for line in text.lines() {
            let line = line.trim().trim_start_matches("export ").trim();
            if let Some(value) = line.strip_prefix("DATABASE_URL=") {
                return Ok(value
                    .trim()
                    .trim_matches('"')
                    .trim_matches('\'')
                    .to_string());
            }
        }
    }
    Err("no database URL: pass --database-url, or set DATABASE_URL (environment or .env)".into())
}
