//! `cleanup`: deletes expired sessions and verification values in bounded batches, printing
//! progress; `--dry-run` counts them and deletes nothing.

use std::process::ExitCode;

use auth_core::{Adapter, Query, Value, Where};

use super::Ctx;
use crate::config;
use crate::connect::{self, Access};

const MODELS: [&str; 2] = ["session", "verification"];

/// Runs `cleanup`.
pub async fn cleanup(ctx: Ctx, batch: u64, dry_run: bool) -> Result<ExitCode, String> {
    if batch == 0 {
        return Err("--batch-size must be at least 1".into());
    }
    let url = config::require_database_url(ctx.url.as_deref())?;
    let access = if dry_run {
        Access::Read
    } else {
        Access::Update
    };
    let db = connect::open(&url, ctx.schema, access, ctx.limits)
        .await?
        .db;
    let fail = |e: auth_core::Error| connect::one_line(&e.to_string());
    let now = chrono::Utc::now();
    for model in MODELS {
        let expired = vec![Where::lt("expiresAt", now)];
        if dry_run {
            let n = db.count(model, &expired).await.map_err(fail)?;
            println!("{model}: would delete {n} expired row(s)");
            continue;
        }
        let mut total = 0u64;
        loop {
            let q = Query::filter(expired.clone()).select(&["id"]).limit(batch);
            let ids: Vec<Value> = db
                .find_many(model, &q)
                .await
                .map_err(fail)?
                .into_iter()
                .filter_map(|mut r| r.remove("id"))
                .collect();
            if ids.is_empty() {
                break;
            }
            let n = ids.len() as u64;
            total += db
                .delete_many(model, &[Where::in_list("id", ids)])
                .await
                .map_err(fail)?;
            eprintln!("{model}: {total} deleted so far");
            if n < batch {
                break;
            }
        }
        println!("{model}: deleted {total} expired row(s)");
    }
    Ok(ExitCode::SUCCESS)
}
