//! Collections and indexes: planning and creating them, and describing the live ones.

use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use auth_core::schema::live::{LiveIndex, LiveSchema, LiveTable};
use auth_core::schema::Index;
use auth_core::schema::diff::Difference;
use auth_core::{Model, Result, Schema};

use crate::convert::{code, map_err};

/// Server error codes that mean "already there".
const NAMESPACE_EXISTS: i32 = 48;
const INDEX_OPTIONS_CONFLICT: i32 = 85;

/// One step of a migration: what [`commands`] plans and [`run`] executes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// Create a collection.
    CreateCollection(String),
    /// Create an index on one field.
    CreateIndex {
        /// The collection.
        collection: String,
        /// The indexed field.
        field: String,
        /// Better Auth's index name (`user_email_uidx`).
        name: String,
        /// A unique index.
        unique: bool,
        /// Sparse: a unique index on an optional field (absent values do not collide).
        sparse: bool,
    },
}

impl Command {
    /// The command in MongoDB shell syntax, for review.
    pub fn shell(&self) -> String {
        match self {
            Command::CreateCollection(c) => format!("db.createCollection({c:?})"),
            Command::CreateIndex { collection, field, name, unique, sparse } => {
                let mut options = format!("name: {name:?}");
                if *unique {
                    options.push_str(", unique: true");
                }
                if *sparse {
                    options.push_str(", sparse: true");
                }
                format!("db.getCollection({collection:?}).createIndex({{ {field:?}: 1 }}, {{ {options} }})")
            }
        }
    }
}

fn create_index(model: &Model, index: &Index) -> Command {
    let optional = model.fields.iter().any(|f| f.column == index.column && !f.required);
    Command::CreateIndex {
        collection: model.table.clone(),
        field: index.column.clone(),
        name: index.name.clone(),
        unique: index.unique,
        sparse: index.unique && optional,
    }
}

/// The commands that close `differences`: a missing collection with all its indexes, a missing
/// index (unique indexes named as Better Auth names them, sparse when the field is optional;
/// plain ones such as `session_userId_idx`). Documents have no columns to add.
pub(crate) fn commands(schema: &Schema, differences: &[Difference]) -> Vec<Command> {
    let mut out = Vec::new();
    for d in differences {
        match d {
            Difference::MissingTable { model, .. } => {
                let Ok(m) = schema.model(model) else { continue };
                out.push(Command::CreateCollection(m.table.clone()));
                out.extend(m.indexes().iter().map(|i| create_index(m, i)));
            }
            Difference::MissingIndex { model, index, .. } => {
                if let Ok(m) = schema.model(model) {
                    out.push(create_index(m, index));
                }
            }
            _ => {}
        }
    }
    out
}

/// Runs `commands` in order. A collection or index that appeared meanwhile (another process
/// starting at the same time) is not an error.
pub(crate) async fn run(db: &Database, commands: &[Command]) -> Result<()> {
    for c in commands {
        match c {
            Command::CreateCollection(name) => match db.create_collection(name).await {
                Ok(()) => {}
                Err(e) if code(&e) == Some(NAMESPACE_EXISTS) => {}
                Err(e) => return Err(map_err(None, e)),
            },
            Command::CreateIndex { collection, field, name, unique, sparse } => {
                let options = IndexOptions::builder()
                    .name(name.clone())
                    .unique(unique.then_some(true))
                    .sparse(sparse.then_some(true))
                    .build();
                let mut keys = Document::new();
                keys.insert(field.clone(), 1);
                let im = IndexModel::builder().keys(keys).options(options).build();
                match db.collection::<Document>(collection).create_index(im).await {
                    Ok(_) => {}
                    Err(e) if code(&e) == Some(INDEX_OPTIONS_CONFLICT) => {}
                    Err(e) => return Err(map_err(None, e)),
                }
            }
        }
    }
    Ok(())
}

/// The live collections among `schema`'s tables, with their indexes (no columns: documents have
/// none).
pub(crate) async fn describe(db: &Database, schema: &Schema) -> Result<LiveSchema> {
    let existing: Vec<String> = db.list_collection_names().await.map_err(|e| map_err(None, e))?;
    let mut out = LiveSchema { tables: Vec::new(), has_columns: false };
    for model in schema.models() {
        if !existing.contains(&model.table) {
            continue;
        }
        let coll = db.collection::<Document>(&model.table);
        let specs: Vec<IndexModel> =
            coll.list_indexes().await.map_err(|e| map_err(Some(model), e))?.try_collect().await.map_err(|e| map_err(Some(model), e))?;
        let indexes = specs
            .into_iter()
            .map(|im| {
                let opts = im.options.unwrap_or_default();
                LiveIndex {
                    name: opts.name.unwrap_or_default(),
                    columns: im.keys.keys().cloned().collect(),
                    unique: opts.unique.unwrap_or(false),
                }
            })
            .collect();
        let has_rows = coll
            .find_one(doc! {})
            .projection(doc! { "_id": 1 })
            .await
            .map_err(|e| map_err(Some(model), e))?
            .is_some();
        out.tables.push(LiveTable { name: model.table.clone(), columns: Vec::new(), indexes, has_rows });
    }
    Ok(out)
}
