//! The cases, one module per concern. Each case is an `async fn(Ctx) -> Result<()>` that asserts
//! real values; a panic or an error fails it.

use futures::future::BoxFuture;

use auth_core::{Capabilities, Result};

use crate::Ctx;

/// One conformance case.
#[derive(Clone, Copy)]
pub struct Case {
    /// The group (module), e.g. `where`.
    pub group: &'static str,
    /// The case name.
    pub name: &'static str,
    /// Whether a backend with these capabilities can run it.
    pub requires: fn(&Capabilities) -> bool,
    /// The case.
    pub run: fn(Ctx) -> BoxFuture<'static, Result<()>>,
}

/// Registers the cases of a module: `cases!("group": a, b, c if |caps| caps.numeric_ids)`.
macro_rules! cases {
    ($group:literal: $($name:ident $(if $req:expr)?),* $(,)?) => {
        pub(crate) fn cases() -> Vec<super::Case> {
            vec![$(super::Case {
                group: $group,
                name: stringify!($name),
                requires: cases!(@req $($req)?),
                run: |ctx| Box::pin($name(ctx)),
            }),*]
        }
    };
    (@req) => { |_| true };
    (@req $req:expr) => { $req };
}

mod atomic;
mod auth;
mod basic;
mod customisation;
mod errors;
mod hooks;
mod ids;
mod joins;
mod migrations;
mod transactions;
mod values;
mod where_;

/// Every case, in a stable order.
pub fn all_cases() -> Vec<Case> {
    [
        basic::cases(),
        where_::cases(),
        values::cases(),
        joins::cases(),
        customisation::cases(),
        ids::cases(),
        errors::cases(),
        atomic::cases(),
        migrations::cases(),
        transactions::cases(),
        auth::cases(),
        hooks::cases(),
    ]
    .concat()
}

/// Shared helpers for cases.
pub(crate) mod util {
    use auth_core::{Adapter, CreateOptions, Result, Row, Value};
    use chrono::{DateTime, Duration, Utc};

    /// A user row with a unique email.
    pub fn user(name: &str) -> Row {
        auth_core::row! { "name" => name, "email" => format!("{}@example.com", name.to_lowercase()) }
    }

    /// Creates a user and returns its id.
    pub async fn make_user(db: &dyn Adapter, name: &str) -> Result<String> {
        let row = db.create("user", user(name), CreateOptions::default()).await?;
        Ok(id(&row))
    }

    /// Creates a session of `user_id` with `token`, expiring `minutes` from now.
    pub async fn make_session(db: &dyn Adapter, user_id: &str, token: &str, minutes: i64) -> Result<Row> {
        let row = auth_core::row! {
            "userId" => user_id, "token" => token, "expiresAt" => in_minutes(minutes),
        };
        db.create("session", row, CreateOptions::default()).await
    }

    /// The `id` of a row.
    pub fn id(row: &Row) -> String {
        row.get("id").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    /// A string field of a row.
    pub fn s<'a>(row: &'a Row, field: &str) -> &'a str {
        row.get(field).and_then(Value::as_str).unwrap_or("<missing>")
    }

    /// Now plus some minutes, at millisecond precision.
    pub fn in_minutes(m: i64) -> DateTime<Utc> {
        auth_core::value::truncate_millis(Utc::now() + Duration::minutes(m))
    }

    /// Sorted string values of `field` in `rows`.
    pub fn names(rows: &[Row], field: &str) -> Vec<String> {
        let mut v: Vec<String> = rows.iter().map(|r| s(r, field).to_string()).collect();
        v.sort();
        v
    }
}
