//! MongoDB collections and indexes as JSON (applied by `migrate` on a `mongodb://` URL).

use auth_core::Schema;
use serde_json::json;

use super::{File, Origin};

/// `mongo-schema.json`: `{ "collections": [ { "name", "indexes": [ { "name", "key", "unique" } ] } ] }`.
pub fn file(schema: &Schema, origin: &Origin<'_>) -> File {
    let header = origin.header("", "mongo");
    let collections: Vec<_> = schema
        .models()
        .iter()
        .map(|m| {
            let indexes: Vec<_> = m
                .indexes()
                .into_iter()
                .map(|i| json!({ "name": i.name, "key": { i.column: 1 }, "unique": i.unique }))
                .collect();
            json!({ "name": m.table, "model": m.name, "indexes": indexes })
        })
        .collect();
    let doc = json!({ "generated": header.trim().replace('\n', " "), "collections": collections });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    File {
        path: "mongo-schema.json".into(),
        text,
    }
}
