//! `auth-core`: the database layer of an authentication system, modeled on Better Auth's.
//!
//! The map of the workspace:
//! - [`schema`]: Better Auth's tables (core and plugins), customisation, validation.
//! - [`Adapter`]: model-level operations on rows of [`Value`]s, with [`AdapterExt`] on top.
//! - [`AuthStore`]: typed auth operations (users, sessions, accounts, verifications), with
//!   database [`Hooks`] and [`SecondaryStorage`] as Better Auth has them.
//! - [`Backend`]: the thin physical trait each adapter crate implements; [`AuthDb`] turns any
//!   backend into an [`Adapter`] (ids, defaults, coercion, where normalisation, joins).
//! - [`sql`]: the statement builder and DDL shared by the SQL adapters.
//!
//! ```
//! use auth_core::{Query, Where};
//! let q = Query::filter(vec![Where::eq("email", "ada@example.com")]).limit(1);
//! assert_eq!(q.limit, Some(1));
//! ```

pub mod adapter;
pub mod backend;
pub mod codec;
pub mod db;
pub mod error;
pub mod hooks;
pub mod id;
pub mod models;
pub mod query;
pub mod schema;
pub mod secondary;
pub mod sql;
pub mod store;
pub mod value;

pub use adapter::{Adapter, AdapterExt, Deferred, TxFn};
pub use backend::{Backend, Capabilities, Record, Transaction};
pub use db::AuthDb;
pub use error::{Error, Result};
pub use hooks::{Before, HookModel, Hooks};
pub use id::{IdGenerator, IdKind, IdStrategy};
pub use models::{Account, FromRow, NewAccount, NewSession, NewUser, Session, User, Verification};
pub use query::{Connector, CreateOptions, Direction, Join, Mode, Operator, Query, Where};
pub use schema::{DefaultValue, Field, FieldType, Model, OnDelete, Plugin, Schema, SchemaConfig};
pub use secondary::{MemoryStorage, SecondaryConfig, SecondaryStorage};
pub use store::{AuthStore, StoreConfig};
pub use value::{Row, Value};

/// Builds a [`Row`] from `field => value` pairs.
///
/// ```
/// let row = auth_core::row! { "name" => "Ada", "age" => 36i64 };
/// assert_eq!(row.len(), 2);
/// ```
#[macro_export]
macro_rules! row {
    ($($k:expr => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut r = $crate::Row::new();
        $( r.insert(::std::string::String::from($k), $crate::Value::from($v)); )*
        r
    }};
}

/// The docs' code blocks, compiled as doctests so they cannot rot.
#[cfg(doctest)]
mod doc_tests {
    #[doc = include_str!("../../../docs/schema.md")]
    struct Schema;
    #[doc = include_str!("../../../docs/adapter-trait.md")]
    struct AdapterTrait;
}
