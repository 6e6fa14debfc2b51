//! The SQL statement builder shared by every SQL adapter (SQLite, PostgreSQL, MySQL/MariaDB).

mod ddl;
pub mod describe;
mod dialect;
pub mod sqlite_url;
mod statement;

pub use ddl::{create_index, create_indexes, create_schema, create_table, migration};
pub use dialect::Dialect;
pub use statement::{JoinSlot, Layout, Stmt, all_types, by_id, count, delete, insert, lock_one, select, update};
