//! `status`: each table of the schema, in place or with its pending changes, as `sea-orm-cli
//! migrate status` lists applied and pending migrations. It only reads.

use std::process::ExitCode;

use super::{Ctx, change};
use crate::config;
use crate::connect::{self, Access};
use crate::style::Style;

/// Runs `status`.
pub async fn status(ctx: Ctx) -> Result<ExitCode, String> {
    let url = config::require_database_url(ctx.url.as_deref())?;
    let opened = connect::open(&url, ctx.schema.clone(), Access::Plan, ctx.limits).await?;
    let plan = opened
        .db
        .plan_migration()
        .await
        .map_err(|e| connect::one_line(&e.to_string()))?;
    let s = Style::detect(false);
    println!(
        "{} at {} against {}:",
        opened.kind.label(),
        opened.place,
        ctx.origin
    );
    if opened.missing_file {
        println!("  (the file does not exist yet: `auth-cli migrate` creates it)");
    }
    for m in ctx.schema.models() {
        let pending: Vec<String> = plan
            .changes
            .iter()
            .filter(|d| d.table() == m.table)
            .map(change)
            .collect();
        let refused: Vec<String> = plan
            .refused
            .iter()
            .filter(|r| r.difference.table() == m.table)
            .map(ToString::to_string)
            .collect();
        if pending.is_empty() && refused.is_empty() {
            println!("  {}  {}", s.green("applied"), m.table);
        }
        for p in pending {
            println!("  {}  {} ({p})", s.yellow("pending"), m.table);
        }
        for r in refused {
            println!("  {}  {} ({r})", s.red("by hand"), m.table);
        }
    }
    match (plan.changes.len(), plan.refused.len()) {
        (0, 0) => println!("up to date"),
        (n, 0) => println!("{n} pending change(s): run `auth-cli migrate`"),
        (_, k) => println!("{k} change(s) to make by hand before `auth-cli migrate` runs"),
    }
    Ok(ExitCode::SUCCESS)
}
