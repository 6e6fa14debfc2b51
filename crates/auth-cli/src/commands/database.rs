//! `database create` (as diesel_cli's `database setup` creates it) and `setup` (create, then
//! migrate).

use std::process::ExitCode;

use auth_seaorm::sea_orm::{ConnectionTrait, Statement};

use super::{Ctx, migrate};
use crate::config;
use crate::connect::{self, Access, Kind};

/// Creates the database the URL names when it does not exist: a SQLite file (in WAL mode), a
/// PostgreSQL or MySQL database (on the same server, through its maintenance database).
/// MongoDB creates a database with its first collection: nothing to do.
pub async fn create_database(ctx: &Ctx) -> Result<(), String> {
    let url = config::require_database_url(ctx.url.as_deref())?;
    let kind = Kind::of(&url)?;
    match kind {
        Kind::Sqlite => {
            let opened = connect::open(&url, ctx.schema.clone(), Access::Read, ctx.limits).await;
            if opened.is_ok() {
                println!("SQLite database {} exists", connect_place(&url));
                return Ok(());
            }
            let o = connect::open(&url, ctx.schema.clone(), Access::Create, ctx.limits).await?;
            println!("created SQLite database {}", o.place);
        }
        Kind::Postgres | Kind::Mysql => {
            let name = connect::database_name(&url)
                .ok_or("name the database in the URL: scheme://host/<database>")?;
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "database name `{name}`: use letters, digits, `_` and `-`"
                ));
            }
            let admin = connect::with_database(
                &url,
                if kind == Kind::Postgres {
                    "postgres"
                } else {
                    ""
                },
            );
            let (pool, place) = connect::server_pool(&admin, kind, ctx.limits).await?;
            let backend = pool.get_database_backend();
            let fail = |e: auth_seaorm::sea_orm::DbErr| {
                format!(
                    "cannot create database `{name}`: {}",
                    connect::one_line(&e.to_string())
                )
            };
            let exists = if kind == Kind::Postgres {
                let q = Statement::from_sql_and_values(
                    backend,
                    "SELECT 1 FROM pg_database WHERE datname = $1",
                    [name.clone().into()],
                );
                pool.query_one_raw(q).await.map_err(fail)?.is_some()
            } else {
                let q = Statement::from_sql_and_values(
                    backend,
                    "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                    [name.clone().into()],
                );
                pool.query_one_raw(q).await.map_err(fail)?.is_some()
            };
            if exists {
                println!("{} database `{name}` exists at {place}", kind.label());
                return Ok(());
            }
            let create = if kind == Kind::Postgres {
                format!("CREATE DATABASE \"{name}\"")
            } else {
                format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            };
            pool.execute_unprepared(&create).await.map_err(fail)?;
            println!("created {} database `{name}` at {place}", kind.label());
        }
        Kind::Mongo => println!(
            "MongoDB creates a database with its first collection: `auth-cli migrate` does"
        ),
    }
    Ok(())
}

fn connect_place(url: &str) -> String {
    auth_core::sql::sqlite_url::SqliteUrl::parse(url)
        .ok()
        .and_then(|u| u.path().map(|p| p.display().to_string()))
        .unwrap_or_else(|| url.to_string())
}

/// `setup`: creates the database, then migrates it.
pub async fn setup(ctx: Ctx, yes: bool) -> Result<ExitCode, String> {
    create_database(&ctx).await?;
    migrate(ctx, false, yes).await
}
