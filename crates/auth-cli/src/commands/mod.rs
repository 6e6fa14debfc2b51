//! The commands that act: generate files, migrate, check, report status, clean up, create the
//! database. Exit codes: 0 success, 1 drift (the database differs from the schema), 2 error.

mod check;
mod cleanup;
mod database;
mod generate;
mod migrate;
mod status;

use std::process::ExitCode;

use auth_core::Schema;
use auth_core::schema::diff::Difference;

use crate::connect::Limits;

pub use check::{Format, check};
pub use cleanup::cleanup;
pub use database::{create_database, setup};
pub use generate::{GenerateArgs, generate};
pub use migrate::migrate;
pub use status::status;

/// Exit code: the database differs from the schema.
pub const DRIFT: u8 = 1;
/// Exit code: the command failed.
pub const ERROR: u8 = 2;

/// What every database command gets.
pub struct Ctx {
    /// The configured schema.
    pub schema: Schema,
    /// Where the schema came from (`auth.toml`, Better Auth's defaults).
    pub origin: String,
    /// `--database-url`, if given.
    pub url: Option<String>,
    /// Time limits.
    pub limits: Limits,
}

/// A difference as the change that closes it.
pub fn change(d: &Difference) -> String {
    match d {
        Difference::MissingTable { table, .. } => format!("create table `{table}` and its indexes"),
        Difference::MissingColumn { table, column, .. } => format!("add column `{table}.{column}`"),
        Difference::MissingIndex { table, index, .. } => {
            format!(
                "create {}index `{}` on `{table}.{}`",
                if index.unique { "unique " } else { "" },
                index.name,
                index.column
            )
        }
        other => other.to_string(),
    }
}

fn drift() -> ExitCode {
    ExitCode::from(DRIFT)
}
