//! Everything the SQL adapters share (SQLite, PostgreSQL, MySQL/MariaDB): the statement builder
//! and DDL, the flows that carry out each [`crate::Backend`] operation, and the error
//! classification per dialect.
//!
//! An SQL adapter writes four things (see `docs/adapter-trait.md`): [`Connection`] for its
//! driver's connection, [`SqlBackend`] for its pool (which makes it a [`crate::Backend`]), the
//! conversion of [`crate::Value`]s to and from its driver's values, and the [`Facts`] of its
//! driver's errors.

mod backend;
mod connection;
mod ddl;
pub mod describe;
mod dialect;
mod error;
mod flow;
pub mod sqlite_url;
mod statement;

pub use backend::SqlBackend;
pub use connection::{Connection, Rows, ready};
pub use ddl::{create_index, create_indexes, create_schema, create_table, migration};
pub use dialect::Dialect;
pub use error::{DbError, Facts, Kind};
pub use flow::Job;
pub use statement::{
    JoinSlot, Layout, Stmt, count, delete, delete_by_id, insert, last_insert_id, lock_one, select, select_by_id, update,
    update_by_id,
};
