//! The shared conformance suite on rusqlite: every case gets its own database file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use auth_conformance::{Factory, Target};
use auth_core::{AuthDb, Backend, Result, SchemaConfig};
use auth_rusqlite::SqliteBackend;
use futures::future::BoxFuture;

struct Sqlite {
    dir: PathBuf,
    next: AtomicU64,
}

impl Factory for Sqlite {
    fn target(&self) -> Target {
        let caps = SqliteBackend::open(":memory:").map(|b| b.capabilities());
        Target {
            label: "rusqlite/sqlite".into(),
            capabilities: caps.expect("SQLite opens in memory"),
            unavailable: None,
        }
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let path = self.dir.join(format!("case-{n}.db"));
        Box::pin(async move {
            let db = AuthDb::new(SqliteBackend::open(&path.to_string_lossy())?, config.build()?)?;
            db.create_schema().await?;
            Ok(db)
        })
    }
}

fn main() -> ExitCode {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("rusqlite-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let code = auth_conformance::run(vec![Arc::new(Sqlite { dir: dir.clone(), next: AtomicU64::new(0) })]);
    let _ = std::fs::remove_dir_all(&dir);
    code
}
