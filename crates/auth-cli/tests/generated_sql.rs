//! `generate --adapter sql` output, applied with the database's own tool (a plain SQL script),
//! must hold every conformance case: the suite runs on databases created only from it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use auth_cli::generate::{Target, generate};
use auth_conformance::Factory;
use auth_core::sql::Dialect;
use auth_core::{AuthDb, Backend, Error, Result, SchemaConfig};
use auth_rusqlite::SqliteBackend;
use futures::future::BoxFuture;

struct GeneratedSqlite {
    dir: PathBuf,
    next: AtomicU64,
}

impl Factory for GeneratedSqlite {
    fn target(&self) -> auth_conformance::Target {
        auth_conformance::Target {
            label: "cli-sql/sqlite".into(),
            capabilities: SqliteBackend::open(":memory:")
                .map(|b| b.capabilities())
                .expect("in-memory SQLite"),
            unavailable: None,
        }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let path = self.dir.join(format!(
            "case-{}.db",
            self.next.fetch_add(1, Ordering::SeqCst)
        ));
        Box::pin(async move {
            let schema = config.build()?;
            let files = generate(
                Target::Sql,
                Dialect::Sqlite,
                &schema,
                "the conformance suite",
            );
            let conn = rusqlite::Connection::open(&path).map_err(Error::backend)?;
            conn.execute_batch(&files[0].text).map_err(Error::backend)?;
            drop(conn);
            AuthDb::new(SqliteBackend::open(&path.to_string_lossy())?, schema)
        })
    }
}

fn main() -> ExitCode {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-sql-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let code = auth_conformance::run(vec![Arc::new(GeneratedSqlite {
        dir: dir.clone(),
        next: AtomicU64::new(0),
    })]);
    let _ = std::fs::remove_dir_all(&dir);
    code
}
