//! Collections and indexes: creating them and describing the live ones.

use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use auth_core::schema::live::{LiveIndex, LiveSchema, LiveTable};
use auth_core::{Result, Schema};

use crate::convert::{code, map_err};

/// Server error codes that mean "already there".
const NAMESPACE_EXISTS: i32 = 48;
const INDEX_OPTIONS_CONFLICT: i32 = 85;

/// Creates every missing collection and index of `schema`: unique indexes named as Better Auth
/// names them (`user_email_uidx`), sparse when the field is optional (absent values do not
/// collide), and the non-unique ones (`session_userId_idx`).
pub(crate) async fn create(db: &Database, schema: &Schema) -> Result<()> {
    let existing: Vec<String> = db.list_collection_names().await.map_err(|e| map_err(None, e))?;
    for model in schema.models() {
        if !existing.contains(&model.table) {
            match db.create_collection(&model.table).await {
                Ok(()) => {}
                Err(e) if code(&e) == Some(NAMESPACE_EXISTS) => {}
                Err(e) => return Err(map_err(Some(model), e)),
            }
        }
        let coll = db.collection::<Document>(&model.table);
        for index in model.indexes() {
            let optional = model.fields.iter().any(|f| f.column == index.column && !f.required);
            let options = IndexOptions::builder()
                .name(index.name.clone())
                .unique(index.unique.then_some(true))
                .sparse((index.unique && optional).then_some(true))
                .build();
            let mut keys = Document::new();
            keys.insert(index.column.clone(), 1);
            let im = IndexModel::builder().keys(keys).options(options).build();
            match coll.create_index(im).await {
                Ok(_) => {}
                Err(e) if code(&e) == Some(INDEX_OPTIONS_CONFLICT) => {}
                Err(e) => return Err(map_err(Some(model), e)),
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
