//! `migrate`: plan (reading only), show the plan, ask (or `--yes`), apply with progress.
//! `--dry-run` prints the exact statements and changes nothing.

use std::process::ExitCode;

use auth_core::schema::plan::MigrationPlan;
use auth_seaorm::sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::{Ctx, change, drift};
use crate::config;
use crate::connect::{self, Access, Kind, Opened};
use crate::progress::{self, Probe};
use crate::style::{self, Style};

/// The plan as a script: the statements exactly as `migrate` runs them (in the transaction the
/// adapter opens, where the database has transactional DDL), the changes and refusals as
/// comments.
pub fn script(plan: &MigrationPlan, kind: Kind, place: &str) -> String {
    let c = if kind == Kind::Mongo { "//" } else { "--" };
    let mut out = format!(
        "{c} auth-cli migrate --dry-run: {} change(s) to {} at {place}; nothing was applied\n",
        plan.changes.len(),
        kind.label()
    );
    for d in &plan.changes {
        out.push_str(&format!("{c} {}\n", change(d)));
    }
    if plan.is_refused() {
        out.push_str(&format!(
            "{c} migrate refuses to run while these are left (make them by hand first):\n"
        ));
        for r in &plan.refused {
            out.push_str(&format!("{c}   {r}\n"));
        }
    }
    let (begin, end, sep) = match kind {
        Kind::Sqlite => (Some("BEGIN IMMEDIATE;"), Some("COMMIT;"), ";"),
        Kind::Postgres => (Some("BEGIN;"), Some("COMMIT;"), ";"),
        Kind::Mysql => {
            out.push_str("-- MySQL commits each DDL statement on its own: there is no surrounding transaction\n");
            (None, None, ";")
        }
        Kind::Mongo => (None, None, ""),
    };
    if plan.statements.is_empty() {
        return out;
    }
    if let Some(b) = begin {
        out.push_str(b);
        out.push('\n');
    }
    for s in &plan.statements {
        out.push_str(s);
        out.push_str(sep);
        out.push('\n');
    }
    if let Some(e) = end {
        out.push_str(e);
        out.push('\n');
    }
    out
}

/// A probe that says when the migration waits for a lock another session holds.
fn lock_probe(kind: Kind, pool: Option<DatabaseConnection>) -> Option<Probe> {
    let pool = pool?;
    let sql = match kind {
        Kind::Postgres => {
            "SELECT string_agg(DISTINCT b::text, ', ') FROM pg_stat_activity a, unnest(pg_blocking_pids(a.pid)) b \
             WHERE a.application_name = 'auth-cli' AND a.datname = current_database()"
        }
        Kind::Mysql => {
            "SELECT CAST(GROUP_CONCAT(DISTINCT ID) AS CHAR) FROM information_schema.PROCESSLIST \
             WHERE DB = DATABASE() AND STATE LIKE 'Waiting for%lock%'"
        }
        _ => return None,
    };
    Some(Box::new(move || {
        let pool = pool.clone();
        Box::pin(async move {
            let st = Statement::from_string(pool.get_database_backend(), sql);
            let row = pool.query_one_raw(st).await.ok()??;
            let who: Option<String> = row.try_get_by_index(0).ok()?;
            let who = who.filter(|w| !w.is_empty())?;
            Some(match kind {
                Kind::Postgres => format!("a lock held by another session (pid {who})"),
                _ => format!("a metadata lock (waiting connection {who})"),
            })
        })
    }))
}

/// The one-line message for a failed migration: for one that gave up waiting for a lock, what
/// happened and what to do.
fn failure(e: &auth_core::Error, kind: Kind, ctx: &Ctx) -> String {
    let e = connect::one_line(&e.to_string());
    let lock = [
        "lock timeout",
        "Lock wait timeout exceeded",
        "database is locked",
    ]
    .iter()
    .any(|m| e.contains(m));
    if !lock {
        return e;
    }
    let after = match kind {
        Kind::Mysql => {
            "MySQL had applied the statements before it; run migrate again when the other session is done"
        }
        _ => {
            "nothing was changed; run migrate again when the other session is done, or raise --lock-timeout"
        }
    };
    format!(
        "gave up after waiting {} for a lock another session holds on the auth tables: {after}",
        connect::secs(ctx.limits.lock)
    )
}

/// Runs `migrate`.
pub async fn migrate(ctx: Ctx, dry_run: bool, yes: bool) -> Result<ExitCode, String> {
    let url = config::require_database_url(ctx.url.as_deref())?;
    let opened = connect::open(&url, ctx.schema.clone(), Access::Plan, ctx.limits).await?;
    let probe = lock_probe(opened.kind, opened.pool.clone());
    let planned = progress::run("reading the schema", probe, opened.db.plan_migration()).await;
    let plan = planned.map_err(|e| failure(&e, opened.kind, &ctx))?;
    let (err, out) = (Style::detect(true), Style::detect(false));
    if plan.is_empty() {
        println!(
            "{} the database matches the schema",
            out.green("nothing to do:")
        );
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        print!("{}", script(&plan, opened.kind, &opened.place));
        return Ok(if plan.is_refused() {
            drift()
        } else {
            ExitCode::SUCCESS
        });
    }
    if opened.missing_file {
        eprintln!("{} is not there yet: migrate creates it", opened.place);
    }
    for d in &plan.changes {
        eprintln!("{} {}", err.yellow("->"), change(d));
    }
    if plan.is_refused() {
        for r in &plan.refused {
            eprintln!("{} {}\n   {}", err.red("x"), r.difference, r.reason);
        }
        return Err(format!(
            "migrate refused: {} change(s) above need to be made by hand first; nothing was changed",
            plan.refused.len()
        ));
    }
    let question = format!(
        "Apply {} change(s) to {} at {}?",
        plan.changes.len(),
        opened.kind.label(),
        opened.place
    );
    if !yes {
        if !style::interactive() {
            return Err(format!(
                "not a terminal, so not asking: pass --yes to apply {} change(s)",
                plan.changes.len()
            ));
        }
        if !style::confirm(&question) {
            println!("migration cancelled: nothing was changed");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let writer = match opened.kind {
        // The plan was read through a read-only connection: write through a new one.
        Kind::Sqlite => {
            let w = connect::open(&url, ctx.schema.clone(), Access::Create, ctx.limits).await?;
            let again =
                w.db.plan_migration()
                    .await
                    .map_err(|e| connect::one_line(&e.to_string()))?;
            if again.statements != plan.statements {
                return Err("the database changed while migrate was asking: run it again".into());
            }
            w
        }
        _ => opened,
    };
    let Opened { db, kind, pool, .. } = writer;
    let applied = progress::run("migrate", lock_probe(kind, pool), db.apply(&plan)).await;
    applied.map_err(|e| failure(&e, kind, &ctx))?;
    println!("{} {} change(s)", out.green("applied"), plan.changes.len());
    Ok(ExitCode::SUCCESS)
}
