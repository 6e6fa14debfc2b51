//! [`Relations`]: what a backend without foreign keys (MongoDB) needs to know of the schema
//! beyond the model of one operation. Backend layer; `auth-core` puts it in every operation it
//! sends, so no backend keeps a copy of the schema. SQL backends leave all of it to their foreign
//! keys and ignore it.

use crate::backend::Capabilities;
use crate::id::IdStrategy;
use crate::schema::{Model, OnDelete, Schema};

/// How ids are stored, what a reference points at, and which fields refer to a model.
#[derive(Debug, Clone, Copy)]
pub struct Relations<'a> {
    schema: &'a Schema,
    native_ids: bool,
}

/// A field of another model that refers to the model rows are deleted from, with what the
/// delete does to the rows that refer to them.
#[derive(Debug, Clone, Copy)]
pub struct Referrer<'a> {
    /// The referring model.
    pub model: &'a Model,
    /// Index of the referring field in [`Referrer::model`].
    pub field: usize,
    /// Index of the field it refers to in the model rows are deleted from (usually the id).
    pub target: usize,
    /// The delete rule.
    pub on_delete: OnDelete,
}

impl<'a> Relations<'a> {
    /// The relations of `schema` on a backend with `caps`.
    pub fn new(schema: &'a Schema, caps: Capabilities) -> Self {
        let native_ids = caps.native_ids && matches!(schema.id_strategy(), IdStrategy::Native);
        Relations { schema, native_ids }
    }

    /// `true` when ids and the fields that hold them ([`crate::Field::holds_id`]) are stored as
    /// the backend's own ids (ObjectIds); `false`: as the strings callers see.
    pub fn native_ids(&self) -> bool {
        self.native_ids
    }

    /// The model and field index that field `field` of `model` refers to, if it is a reference.
    pub fn target(&self, model: &Model, field: usize) -> Option<(&'a Model, usize)> {
        let r = model.fields.get(field)?.references.as_ref()?;
        let target = self.schema.model(&r.model).ok()?;
        Some((target, target.field_index(&r.field).ok()?))
    }

    /// Every field, of any model, that refers to `model`.
    pub fn referrers(&self, model: &Model) -> Vec<Referrer<'a>> {
        let mut out = Vec::new();
        for m in self.schema.models() {
            for (i, f) in m.fields.iter().enumerate() {
                let Some(r) = f.references.as_ref().filter(|r| r.model == model.name) else { continue };
                if let Ok(target) = model.field_index(&r.field) {
                    out.push(Referrer { model: m, field: i, target, on_delete: r.on_delete });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::Dialect;

    #[test]
    fn referrers_and_targets_come_from_the_schema() {
        let schema = Schema::better_auth();
        let mongo = Capabilities { native_ids: true, ..Dialect::Postgres.capabilities() };
        let r = Relations::new(&schema, mongo);
        assert!(r.native_ids());
        assert!(!Relations::new(&schema, Dialect::Postgres.capabilities()).native_ids());
        let user = schema.model("user").expect("user");
        let names: Vec<&str> = r.referrers(user).iter().map(|x| x.model.name.as_str()).collect();
        assert_eq!(names, ["session", "account"]);
        let session = schema.model("session").expect("session");
        let user_id = session.field_index("userId").expect("userId");
        let (target, field) = r.target(session, user_id).expect("a reference");
        assert_eq!((target.name.as_str(), field), ("user", 0));
        assert!(r.target(session, 0).is_none());
    }
}
