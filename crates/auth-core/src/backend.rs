//! The backend layer: the thin trait each adapter crate implements, and the normalised
//! operations it receives.
//!
//! By the time an operation reaches a [`Backend`], `auth-core` has validated every name, resolved
//! logical names to tables and columns, generated ids and defaults, coerced every value to what
//! the backend's [`Capabilities`] say it stores, and simplified the where clause (no empty lists,
//! no null comparisons left as `=`). A backend only translates and executes.
//!
//! Names here are the backend layer's; the caller layer ([`crate::query`]) has its own: an
//! [`Op`] is a normalised [`crate::Operator`], a [`Cond`] a normalised [`crate::Where`], a
//! [`Select`] a planned [`crate::Query`], a [`Record`] the positional row a [`crate::Row`] is
//! decoded from.

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::query::Direction;
use crate::relations::Relations;
use crate::schema::diff::Difference;
use crate::schema::live::LiveSchema;
use crate::schema::{Field, Model, Schema};
use crate::value::Value;

/// What a backend stores natively; `auth-core` encodes everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Dates as a native type (else ISO-8601 text with milliseconds and `Z`).
    pub native_dates: bool,
    /// Booleans as a native type (else integers 0/1).
    pub native_booleans: bool,
    /// JSON as a native type (else JSON text).
    pub native_json: bool,
    /// Arrays as native lists (else JSON, native or text).
    pub native_arrays: bool,
    /// Database-generated integer ids ([`crate::IdStrategy::Serial`]).
    pub numeric_ids: bool,
    /// The backend makes its own ids for [`crate::IdStrategy::Native`] (MongoDB ObjectIds).
    pub native_ids: bool,
    /// Rows have no fixed columns (MongoDB documents): schema checks compare tables and
    /// indexes only.
    pub schemaless: bool,
}

/// A comparison, after normalisation (backend layer; callers write [`crate::Operator`]s): `eq
/// null` has become [`Op::IsNull`], `ne null` [`Op::NotNull`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`.
    Eq,
    /// `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Lte,
    /// `>`.
    Gt,
    /// `>=`.
    Gte,
    /// In a non-empty list.
    In,
    /// Not in a non-empty list.
    NotIn,
    /// Contains, literally.
    Contains,
    /// Starts with, literally.
    StartsWith,
    /// Ends with, literally.
    EndsWith,
    /// IS NULL (value is `Null`).
    IsNull,
    /// IS NOT NULL (value is `Null`).
    NotNull,
}

/// One normalised condition on a column of the operation's model (backend layer; callers write
/// [`crate::Where`]s).
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    /// Index into the model's fields.
    pub field: usize,
    /// The comparison.
    pub op: Op,
    /// The operand, encoded for the backend (a `List` for `In` / `NotIn`).
    pub value: Value,
    /// Compare case-insensitively (only ever set for string fields).
    pub insensitive: bool,
}

/// A normalised where clause: `(and[0] AND and[1] ...) AND (or[0] OR or[1] ...)`; an empty
/// group is true.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    /// Conditions that must all hold.
    pub and: Vec<Cond>,
    /// Conditions of which one must hold (none when empty).
    pub or: Vec<Cond>,
}

impl Filter {
    /// `true` when every row matches.
    pub fn is_empty(&self) -> bool {
        self.and.is_empty() && self.or.is_empty()
    }
}

/// Insert one row. `values` holds every column that has a value, in field order.
#[derive(Debug)]
pub struct Insert<'a> {
    /// The model.
    pub model: &'a Model,
    /// (field index, encoded value); the id is absent when the database makes it.
    pub values: Vec<(usize, Value)>,
    /// Ids and references, for backends without foreign keys.
    pub relations: Relations<'a>,
}

/// A one-to-one join, executed in the same query (LEFT JOIN, `$lookup`).
#[derive(Debug)]
pub struct JoinOne<'a> {
    /// The joined model.
    pub model: &'a Model,
    /// Field of the base model holding the key.
    pub local: usize,
    /// Field of the joined model matched against it (unique there).
    pub foreign: usize,
    /// Joined fields to return, by index.
    pub columns: Vec<usize>,
}

/// Read rows (backend layer: a [`crate::Query`] with names resolved and joins planned).
#[derive(Debug)]
pub struct Select<'a> {
    /// The model.
    pub model: &'a Model,
    /// Fields to return, by index.
    pub columns: Vec<usize>,
    /// Which rows.
    pub filter: Filter,
    /// Order by one field.
    pub sort: Option<(usize, Direction)>,
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skip this many rows.
    pub offset: Option<u64>,
    /// One-to-one joins.
    pub joins: Vec<JoinOne<'a>>,
    /// Ids and references, for backends without foreign keys.
    pub relations: Relations<'a>,
}

/// Count rows.
#[derive(Debug)]
pub struct Count<'a> {
    /// The model.
    pub model: &'a Model,
    /// Which rows.
    pub filter: Filter,
    /// Ids and references, for backends without foreign keys.
    pub relations: Relations<'a>,
}

/// A row read by [`Backend::select`] (backend layer: values by position, as stored; `auth-core`
/// decodes it into a [`crate::Row`] of named, caller-facing values).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Values of [`Select::columns`], in that order, as stored.
    pub values: Vec<Value>,
    /// Per join: the joined values (its `columns`), or `None` when no row matched.
    pub joined: Vec<Option<Vec<Value>>>,
}

/// The new value of a column in an [`Update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Set {
    /// Set to a value.
    Value(Value),
    /// `column = column + delta`, atomically.
    Increment(i64),
}

/// Update rows.
#[derive(Debug)]
pub struct Update<'a> {
    /// The model.
    pub model: &'a Model,
    /// Which rows (never empty when `one`).
    pub filter: Filter,
    /// (field index, new value).
    pub set: Vec<(usize, Set)>,
    /// At most one row, chosen and changed atomically.
    pub one: bool,
    /// Return the row after the change (only with `one`).
    pub returning: bool,
    /// Ids and references, for backends without foreign keys.
    pub relations: Relations<'a>,
}

/// Delete rows.
#[derive(Debug)]
pub struct Delete<'a> {
    /// The model.
    pub model: &'a Model,
    /// Which rows.
    pub filter: Filter,
    /// At most one row, chosen and deleted atomically.
    pub one: bool,
    /// Return the deleted row (only with `one`).
    pub returning: bool,
    /// Ids, references, and the rows that refer to deleted ones, for backends without foreign
    /// keys (they apply the `on_delete` rules themselves).
    pub relations: Relations<'a>,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Written {
    /// Rows matched (not merely changed).
    pub count: u64,
    /// All fields of the row, in field order, when `returning` was asked and a row matched.
    pub row: Option<Vec<Value>>,
}

/// The thin, physical adapter trait: everything an adapter crate implements.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// What this backend stores natively.
    fn capabilities(&self) -> Capabilities;

    /// A short name for messages (`sqlite`, `postgres`, ...).
    fn name(&self) -> &str;

    /// Inserts one row and returns all its fields, in field order, as stored.
    async fn insert(&self, op: Insert<'_>) -> Result<Vec<Value>>;

    /// Reads rows.
    async fn select(&self, op: Select<'_>) -> Result<Vec<Record>>;

    /// Counts rows.
    async fn count(&self, op: Count<'_>) -> Result<u64>;

    /// Updates rows.
    async fn update(&self, op: Update<'_>) -> Result<Written>;

    /// Deletes rows.
    async fn delete(&self, op: Delete<'_>) -> Result<Written>;

    /// Begins a transaction; its operations see and commit together.
    async fn begin(&self) -> Result<Box<dyn Transaction>>;

    /// The live tables (collections), columns and indexes of the tables `schema` names.
    async fn describe(&self, schema: &Schema) -> Result<LiveSchema> {
        let _ = schema;
        Err(Error::Unsupported(format!("{} cannot describe a live schema", self.name())))
    }

    /// Whether a live column of type `live_type` holds `field` (for schema checks).
    fn accepts(&self, field: &Field, live_type: &str) -> bool {
        let _ = (field, live_type);
        true
    }

    /// The statements [`Backend::migrate`] runs to close `differences`, as text for review
    /// (`migrate --dry-run`): SQL, or for MongoDB its commands in shell syntax.
    fn migration_statements(&self, schema: &Schema, differences: &[Difference]) -> Vec<String> {
        let _ = (schema, differences);
        Vec::new()
    }

    /// Closes the safe `differences` (creates tables, columns, indexes), all or nothing where
    /// the database allows; never alters or drops.
    async fn migrate(&self, schema: &Schema, differences: &[Difference]) -> Result<()> {
        let _ = (schema, differences);
        Err(Error::Unsupported(format!("{} cannot migrate", self.name())))
    }
}

/// A backend inside a transaction (backend layer; callers use [`crate::AdapterExt::transaction`]).
/// Dropped without `commit`, it rolls back.
#[async_trait]
pub trait Transaction: Backend {
    /// Makes every write of the transaction durable.
    async fn commit(&self) -> Result<()>;
    /// Discards every write of the transaction.
    async fn rollback(&self) -> Result<()>;
}
