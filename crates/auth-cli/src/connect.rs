//! A database URL → the adapter that speaks it.

use auth_core::{AuthDb, Schema};

/// Opens the database at `url` with the adapter for its scheme. Nothing is created.
///
/// `file:./dev.db`, `sqlite://…`, `:memory:` or a path → rusqlite; `postgres://…`,
/// `postgresql://…`, `mysql://…`, `mariadb://…` → SeaORM (sqlx); `mongodb://host/db` and
/// `mongodb+srv://…/db` → the MongoDB driver (the database is the URL's path).
pub async fn open(url: &str, schema: Schema) -> Result<AuthDb, String> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let db = match scheme.as_deref() {
        None | Some("sqlite") | Some("file") => AuthDb::new(
            auth_rusqlite::SqliteBackend::open(url).map_err(|e| e.to_string())?,
            schema,
        ),
        Some("postgres") | Some("postgresql") | Some("mysql") | Some("mariadb") => {
            let url = url.replacen("mariadb://", "mysql://", 1);
            AuthDb::new(
                auth_seaorm::SeaOrmBackend::open(&url)
                    .await
                    .map_err(|e| e.to_string())?,
                schema,
            )
        }
        Some("mongodb") | Some("mongodb+srv") => {
            let database = mongo_database(url)?;
            let backend = auth_mongo::MongoBackend::connect(url, &database)
                .await
                .map_err(|e| e.to_string())?;
            AuthDb::new(backend, schema)
        }
        Some(other) => {
            return Err(format!(
                "unsupported database URL scheme `{other}://` (use sqlite, postgres, mysql or mongodb)"
            ));
        }
    };
    db.map_err(|e| e.to_string())
}

/// The database named in a MongoDB URL's path (`mongodb://host:27017/myapp?…` → `myapp`).
fn mongo_database(url: &str) -> Result<String, String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.split_once('/').map(|(_, p)| p).unwrap_or("");
    let name = path.split(['?', '/']).next().unwrap_or("");
    if name.is_empty() {
        Err("name the database in the MongoDB URL: mongodb://host:27017/<database>".into())
    } else {
        Ok(name.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mongo_database_names() {
        assert_eq!(
            mongo_database("mongodb://h:1/app?w=1").as_deref(),
            Ok("app")
        );
        assert_eq!(
            mongo_database("mongodb+srv://u:p@c.example.net/prod").as_deref(),
            Ok("prod")
        );
        assert!(mongo_database("mongodb://h:1").is_err());
        assert!(mongo_database("mongodb://h:1/?w=1").is_err());
    }
}
