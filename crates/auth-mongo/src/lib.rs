//! `auth-mongo`: the auth adapter on MongoDB through the official `mongodb` driver (3.x).
//!
//! ```no_run
//! # async fn demo() -> auth_core::Result<()> {
//! use auth_core::{AuthStore, NewUser, Schema};
//! // From a URI (`mongodb+srv://` works too) ...
//! let db = auth_mongo::connect("mongodb://localhost:27017", "myapp", Schema::better_auth()).await?;
//! // ... or from the client the application already has.
//! let client = mongodb::Client::with_uri_str("mongodb://localhost:27017").await.expect("client");
//! let db = auth_mongo::from_client(client, "myapp", Schema::better_auth()).await?;
//! let user = db.create_user(NewUser::new("Ada", "ada@example.com")).await?;
//! # Ok(()) }
//! ```
//!
//! Documents look like the ones Better Auth 1.7's MongoDB adapter writes: `_id` is an ObjectId,
//! references (`userId`, `organizationId`, …) are ObjectIds too, and callers see both as 24-hex
//! strings. With a non-native id strategy (random, UUID, custom), ids and references are plain
//! strings. Dates are BSON dates, booleans BSON booleans, JSON embedded documents.
//!
//! What SQL databases do themselves, the adapter does: unique and plain indexes (created by
//! `create_schema`), foreign key checks on create and update, and the `on_delete` rules
//! (cascade, set null, restrict) in a transaction of their own when the deployment has
//! transactions (a replica set or sharded cluster).

mod backend;
mod cascade;
mod convert;
mod driver;
mod filter;
mod schema;

pub use backend::{CAPABILITIES, MongoBackend};
pub use mongodb;

use auth_core::{AuthDb, Result, Schema};

/// Connects to `uri`, uses database `database`, creates the schema's missing collections and
/// indexes, and returns the adapter.
pub async fn connect(uri: &str, database: &str, schema: Schema) -> Result<AuthDb> {
    let db = AuthDb::new(MongoBackend::connect(uri, database).await?, schema)?;
    db.create_schema().await?;
    Ok(db)
}

/// Uses database `database` of a client the application already has, creates the schema's
/// missing collections and indexes, and returns the adapter.
pub async fn from_client(client: mongodb::Client, database: &str, schema: Schema) -> Result<AuthDb> {
    let db = AuthDb::new(MongoBackend::new(client, database), schema)?;
    db.create_schema().await?;
    Ok(db)
}

/// `docs/mongodb.md`'s code blocks, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/mongodb.md")]
pub struct MongoDocs;

/// `docs/indexes.md`'s code blocks, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/indexes.md")]
pub struct IndexesDocs;
