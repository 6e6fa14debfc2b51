//! A database URL → the adapter that speaks it, within a bounded time, with one-line errors
//! that name the host and port.
//!
//! SQLite (`file:`, `sqlite:`, `sqlite://`, `:memory:`, a path) → rusqlite; `postgres://`,
//! `postgresql://`, `mysql://`, `mariadb://` → SeaORM (sqlx); `mongodb://host/db`,
//! `mongodb+srv://…/db` → the MongoDB driver (the database is the URL's path).

use std::time::Duration;

use auth_core::sql::Dialect;
use auth_core::sql::sqlite_url::{SqliteMode, SqliteUrl};
use auth_core::{AuthDb, Schema};
use auth_seaorm::sea_orm::{self, ConnectOptions, DatabaseConnection, DbErr, RuntimeErr};

/// Which kind of database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
    /// MongoDB.
    Mongo,
}

impl Kind {
    /// The kind of `url`, from its scheme.
    pub fn of(url: &str) -> Result<Kind, String> {
        match url
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("sqlite") | Some("file") => Ok(Kind::Sqlite),
            Some("postgres") | Some("postgresql") => Ok(Kind::Postgres),
            Some("mysql") | Some("mariadb") => Ok(Kind::Mysql),
            Some("mongodb") | Some("mongodb+srv") => Ok(Kind::Mongo),
            Some(other) => Err(format!(
                "unsupported database URL scheme `{other}://` (use sqlite, postgres, mysql or mongodb)"
            )),
        }
    }

    /// The product name, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Sqlite => "SQLite",
            Kind::Postgres => "PostgreSQL",
            Kind::Mysql => "MySQL",
            Kind::Mongo => "MongoDB",
        }
    }

    /// The SQL dialect, `None` for MongoDB.
    pub fn dialect(self) -> Option<Dialect> {
        match self {
            Kind::Sqlite => Some(Dialect::Sqlite),
            Kind::Postgres => Some(Dialect::Postgres),
            Kind::Mysql => Some(Dialect::Mysql),
            Kind::Mongo => None,
        }
    }
}

/// What the command will do to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only read (`check`, `status`, dry runs): SQLite files open read-only, and a missing file
    /// is an error, never a new database.
    Read,
    /// Read to plan a change (`migrate` before it asks): like `Read`, but a missing SQLite file
    /// is planned as an empty database, and created only when the change is applied.
    Plan,
    /// Change an existing database (`cleanup`): a missing SQLite file is an error.
    Update,
    /// Change the database, creating a missing SQLite file (unless the URL's `mode` says no).
    Create,
}

/// Time limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long to wait for a server to answer (`--connect-timeout`; the URL's
    /// `connect_timeout` seconds, or MongoDB's `connectTimeoutMS`, win).
    pub connect: Duration,
    /// How long a statement waits for a lock another session holds (`--lock-timeout`).
    pub lock: Duration,
}

/// An open database.
pub struct Opened {
    /// The adapter.
    pub db: AuthDb,
    /// What the URL named.
    pub kind: Kind,
    /// `host:port`, or the SQLite file.
    pub place: String,
    /// A SQLite file that does not exist yet (planned as empty; created when written).
    pub missing_file: bool,
    /// The SeaORM pool (PostgreSQL, MySQL), for questions the adapter does not ask.
    pub pool: Option<DatabaseConnection>,
}

/// A driver message as one line: the first line, without PostgreSQL's `at line N` (a line of
/// the server's own source code).
pub fn one_line(message: &str) -> String {
    let first = message.lines().next().unwrap_or("").trim();
    match first.rsplit_once(" at line ") {
        Some((head, n)) if n.chars().all(|c| c.is_ascii_digit()) => head.to_string(),
        _ => first.to_string(),
    }
}

/// `host:port` of a server URL (`scheme://user:pass@host:port/db?…`), with the default port.
pub fn host_port(url: &str, default_port: u16) -> Option<(String, u16)> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let first = hostport.split(',').next()?;
    if first.is_empty() {
        return None;
    }
    if let Some(v6) = first.strip_prefix('[') {
        let (host, port) = v6.split_once(']')?;
        let port = port
            .strip_prefix(':')
            .and_then(|p| p.parse().ok())
            .unwrap_or(default_port);
        return Some((host.to_string(), port));
    }
    match first.rsplit_once(':') {
        Some((h, p)) => Some((h.to_string(), p.parse().ok()?)),
        None => Some((first.to_string(), default_port)),
    }
}

/// A query parameter of `url`.
fn param<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// Fails fast, naming `place`, when nothing listens there.
async fn probe(kind: Kind, host: &str, port: u16, limit: Duration) -> Result<(), String> {
    let place = format!("{host}:{port}");
    match tokio::time::timeout(limit, tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "cannot connect to {} at {place}: {}",
            kind.label(),
            io_message(&e)
        )),
        Err(_) => Err(format!(
            "cannot connect to {} at {place}: no answer within {}",
            kind.label(),
            secs(limit)
        )),
    }
}

fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    s.split(" (os error").next().unwrap_or(&s).to_lowercase()
}

/// A duration as `5s` / `1.5s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s}s")
    }
}

/// Opens the database at `url`. Nothing is created unless `access` is [`Access::Create`].
pub async fn open(
    url: &str,
    schema: Schema,
    access: Access,
    limits: Limits,
) -> Result<Opened, String> {
    let kind = Kind::of(url)?;
    match kind {
        Kind::Sqlite => open_sqlite(url, schema, access, limits),
        Kind::Postgres | Kind::Mysql => open_sql_server(url, kind, schema, limits).await,
        Kind::Mongo => open_mongo(url, schema, limits).await,
    }
}

fn open_sqlite(
    url: &str,
    schema: Schema,
    access: Access,
    limits: Limits,
) -> Result<Opened, String> {
    let parsed = SqliteUrl::parse(url).map_err(|e| e.to_string())?;
    let place = parsed
        .path()
        .map_or(":memory:".to_string(), |p| p.display().to_string());
    let missing = parsed.is_new();
    let options = auth_rusqlite::SqliteOptions {
        busy_timeout: limits.lock,
        read_only: matches!(access, Access::Read | Access::Plan) && !missing,
        pool_size: 2,
        ..Default::default()
    };
    let (target, missing_file) = match (access, missing) {
        (Access::Read | Access::Update, true) => {
            return Err(format!("no SQLite database at {place}"));
        }
        (Access::Plan, true) if !matches!(parsed, SqliteUrl::File { mode: SqliteMode::Create, .. }) => {
            return Err(format!("no SQLite database at {place} (the URL's mode does not create one)"));
        }
        (Access::Plan, true) => (":memory:", true),
        _ => (url, false),
    };
    let backend =
        auth_rusqlite::SqliteBackend::open_with(target, &options).map_err(|e| e.to_string())?;
    let db = AuthDb::new(backend, schema).map_err(|e| e.to_string())?;
    Ok(Opened {
        db,
        kind: Kind::Sqlite,
        place,
        missing_file,
        pool: None,
    })
}

/// The one-line reason a SeaORM connect failed.
fn connect_error(e: &DbErr, limit: Duration) -> String {
    let runtime = match e {
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => Some(r),
        _ => None,
    };
    if let Some(RuntimeErr::SqlxError(sx)) = runtime {
        return match sx.as_ref() {
            sea_orm::sqlx::Error::Database(d) => d.message().to_string(),
            sea_orm::sqlx::Error::PoolTimedOut => format!("no connection within {}", secs(limit)),
            sea_orm::sqlx::Error::Io(io) => io_message(io),
            other => one_line(&other.to_string()),
        };
    }
    one_line(&e.to_string())
}

async fn open_sql_server(
    url: &str,
    kind: Kind,
    schema: Schema,
    limits: Limits,
) -> Result<Opened, String> {
    let (conn, place) = server_pool(url, kind, limits).await?;
    let backend =
        auth_seaorm::SeaOrmBackend::from_connection(conn.clone()).map_err(|e| e.to_string())?;
    let db = AuthDb::new(backend, schema).map_err(|e| e.to_string())?;
    Ok(Opened {
        db,
        kind,
        place,
        missing_file: false,
        pool: Some(conn),
    })
}

/// A small SeaORM pool on a PostgreSQL or MySQL server (`url` may name no database), with the
/// connect and lock limits, and its `host:port`.
pub async fn server_pool(
    url: &str,
    kind: Kind,
    limits: Limits,
) -> Result<(DatabaseConnection, String), String> {
    let url = url.replacen("mariadb://", "mysql://", 1);
    let default_port = if kind == Kind::Postgres { 5432 } else { 3306 };
    let connect = match param(&url, "connect_timeout") {
        Some(v) => Duration::from_secs(
            v.parse()
                .map_err(|_| format!("connect_timeout={v}: not a number of seconds"))?,
        ),
        None => limits.connect,
    };
    let place = host_port(&url, default_port);
    if let Some((host, port)) = &place {
        probe(kind, host, *port, connect).await?;
    }
    let place = place.map_or_else(|| "its socket".to_string(), |(h, p)| format!("{h}:{p}"));
    let mut o: ConnectOptions = auth_seaorm::options(&url);
    o.connect_timeout(connect)
        .acquire_timeout(connect)
        .max_connections(2)
        .min_connections(0);
    let lock_ms = limits.lock.as_millis().max(1);
    if kind == Kind::Postgres {
        o.set_application_name("auth-cli");
        o.map_sqlx_postgres_opts(move |p| p.options([("lock_timeout", format!("{lock_ms}ms"))]));
    } else {
        let secs = limits.lock.as_secs().max(1);
        o.map_sqlx_mysql_pool_opts(move |p| {
            p.after_connect(move |conn, _| {
                Box::pin(async move {
                    use sea_orm::sqlx::Executor;
                    conn.execute(
                        sea_orm::sqlx::query("SET SESSION lock_wait_timeout = ?").bind(secs),
                    )
                    .await
                    .map(|_| ())
                })
            })
        });
    }
    let conn = sea_orm::Database::connect(o).await.map_err(|e| {
        format!(
            "cannot connect to {} at {place}: {}",
            kind.label(),
            connect_error(&e, connect)
        )
    })?;
    Ok((conn, place))
}

/// `url` with its database (path) replaced by `db`, query string kept.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The database named in a server URL's path (percent-decoding left to the driver).
pub fn database_name(url: &str) -> Option<String> {
    let base = url.split('?').next().unwrap_or(url);
    let rest = base.split_once("://")?.1;
    let name = rest.split_once('/')?.1.split('/').next()?;
    (!name.is_empty()).then(|| name.to_string())
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

async fn open_mongo(url: &str, schema: Schema, limits: Limits) -> Result<Opened, String> {
    use auth_mongo::mongodb::bson::doc;
    use auth_mongo::mongodb::options::ClientOptions;
    let database = mongo_database(url)?;
    let srv = url.to_ascii_lowercase().starts_with("mongodb+srv://");
    let place = if srv {
        url.split_once("://")
            .and_then(|(_, r)| r.split(['/', '?']).next())
            .map_or(String::new(), |a| {
                a.rsplit_once('@').map_or(a, |(_, h)| h).to_string()
            })
    } else {
        let (host, port) = host_port(url, 27017).ok_or("no host in the MongoDB URL")?;
        let limit = param(url, "connectTimeoutMS")
            .and_then(|v| v.parse().ok())
            .map_or(limits.connect, Duration::from_millis);
        probe(Kind::Mongo, &host, port, limit).await?;
        format!("{host}:{port}")
    };
    let fail = |why: String| format!("cannot connect to MongoDB at {place}: {why}");
    let mut options = ClientOptions::parse(url)
        .await
        .map_err(|e| fail(mongo_message(&e)))?;
    options.server_selection_timeout = options.server_selection_timeout.or(Some(limits.connect));
    options.connect_timeout = options.connect_timeout.or(Some(limits.connect));
    let wait = options.server_selection_timeout.unwrap_or(limits.connect);
    let client =
        auth_mongo::mongodb::Client::with_options(options).map_err(|e| fail(mongo_message(&e)))?;
    match client
        .database(&database)
        .run_command(doc! { "ping": 1 })
        .await
    {
        Ok(_) => {}
        Err(e)
            if matches!(
                *e.kind,
                auth_mongo::mongodb::error::ErrorKind::ServerSelection { .. }
            ) =>
        {
            return Err(fail(format!("no server answered within {}", secs(wait))));
        }
        Err(e) => return Err(fail(mongo_message(&e))),
    }
    let backend = auth_mongo::MongoBackend::new(client, &database);
    let db = AuthDb::new(backend, schema).map_err(|e| e.to_string())?;
    Ok(Opened {
        db,
        kind: Kind::Mongo,
        place,
        missing_file: false,
        pool: None,
    })
}

/// The driver's message without its Debug dump of labels and topology.
fn mongo_message(e: &auth_mongo::mongodb::error::Error) -> String {
    let s = e.kind.to_string();
    one_line(
        s.split(", labels:")
            .next()
            .unwrap_or(&s)
            .trim_start_matches("Kind: "),
    )
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

    #[test]
    fn hosts_and_ports() {
        assert_eq!(
            host_port("postgres://u:p@db.local:6543/x?a=b", 5432),
            Some(("db.local".into(), 6543))
        );
        assert_eq!(
            host_port("postgres://db.local/x", 5432),
            Some(("db.local".into(), 5432))
        );
        assert_eq!(
            host_port("mysql://root@[::1]:3307/x", 3306),
            Some(("::1".into(), 3307))
        );
        assert_eq!(
            host_port("mongodb://a:1,b:2/x", 27017),
            Some(("a".into(), 1))
        );
        assert_eq!(host_port("postgres:///x?host=/run/postgresql", 5432), None);
    }

    #[test]
    fn database_names() {
        assert_eq!(
            database_name("postgres://u@h:1/app?x=1").as_deref(),
            Some("app")
        );
        assert_eq!(database_name("mysql://u@h:1/"), None);
        assert_eq!(
            with_database("postgres://u@h:1/app?x=1", "postgres"),
            "postgres://u@h:1/postgres?x=1"
        );
        assert_eq!(with_database("mysql://u@h", ""), "mysql://u@h/");
    }

    #[test]
    fn one_line_messages() {
        assert_eq!(
            one_line("database \"x\" does not exist at line 948"),
            "database \"x\" does not exist"
        );
        assert_eq!(one_line("first\nsecond"), "first");
        assert_eq!(one_line("kept at line four"), "kept at line four");
    }
}
