//! `check`: every difference between the database and the schema, as text or JSON; exit code
//! 1 when there is any. It only reads.

use std::process::ExitCode;

use auth_core::schema::diff::Difference;
use auth_core::schema::plan::MigrationPlan;
use serde_json::{Value as Json, json};

use super::{Ctx, drift};
use crate::config;
use crate::connect::{self, Access};
use crate::style::Style;

/// How `check` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// One JSON object, for scripts and CI.
    Json,
}

fn kind(d: &Difference) -> &'static str {
    match d {
        Difference::MissingTable { .. } => "missing_table",
        Difference::MissingColumn { .. } => "missing_column",
        Difference::MissingIndex { .. } => "missing_index",
        Difference::TypeMismatch { .. } => "type_mismatch",
        Difference::Nullable { .. } => "nullable",
    }
}

fn entry(d: &Difference, reason: Option<&str>) -> Json {
    let mut o = json!({ "kind": kind(d), "table": d.table(), "message": d.to_string(), "migrate_fixes": reason.is_none() });
    match d {
        Difference::MissingColumn { column, .. }
        | Difference::TypeMismatch { column, .. }
        | Difference::Nullable { column, .. } => {
            o["column"] = json!(column);
        }
        Difference::MissingIndex { index, .. } => {
            o["column"] = json!(index.column);
            o["index"] = json!(index.name);
            o["unique"] = json!(index.unique);
        }
        Difference::MissingTable { .. } => {}
    }
    if let Some(r) = reason {
        o["reason"] = json!(r);
    }
    o
}

/// The JSON report of a plan.
pub fn report(plan: &MigrationPlan) -> Json {
    let mut differences: Vec<Json> = plan.changes.iter().map(|d| entry(d, None)).collect();
    differences.extend(
        plan.refused
            .iter()
            .map(|r| entry(&r.difference, Some(r.reason))),
    );
    let migrate = if plan.is_empty() {
        "nothing to do"
    } else if plan.is_refused() {
        "refuses"
    } else {
        "creates what is missing"
    };
    json!({ "ok": plan.is_empty(), "differences": differences, "migrate": migrate })
}

/// Runs `check`.
pub async fn check(ctx: Ctx, format: Format) -> Result<ExitCode, String> {
    let url = config::require_database_url(ctx.url.as_deref())?;
    let tables = ctx.schema.models().len();
    let opened = connect::open(&url, ctx.schema, Access::Read, ctx.limits).await?;
    let plan = opened
        .db
        .plan_migration()
        .await
        .map_err(|e| connect::one_line(&e.to_string()))?;
    let code = if plan.is_empty() {
        ExitCode::SUCCESS
    } else {
        drift()
    };
    if format == Format::Json {
        println!("{}", report(&plan));
        return Ok(code);
    }
    let s = Style::detect(false);
    if plan.is_empty() {
        println!(
            "{} the database matches the schema ({tables} tables, {})",
            s.green("ok:"),
            ctx.origin
        );
        return Ok(code);
    }
    for d in &plan.changes {
        println!("{}", s.yellow(&d.to_string()));
    }
    for r in &plan.refused {
        println!("{}", s.red(&r.difference.to_string()));
        println!("  {}", r.reason);
    }
    let n = plan.changes.len() + plan.refused.len();
    if plan.is_refused() {
        println!(
            "{n} difference(s); `auth-cli migrate` will not run until the {} in red {} made by hand",
            if plan.refused.len() == 1 {
                "change"
            } else {
                "changes"
            },
            if plan.refused.len() == 1 { "is" } else { "are" },
        );
    } else {
        println!("{n} difference(s): `auth-cli migrate` creates what is missing");
    }
    Ok(code)
}
