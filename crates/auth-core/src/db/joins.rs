//! Join planning: which caller [`Join`]s the backend reads in the base query (one-to-one, as
//! [`JoinOne`]s) and which need a second query for the children of every base row
//! (one-to-many), and matching those children to their parents.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::AuthDb;
use crate::backend::{Cond, Filter, JoinOne, Op, Select};
use crate::error::{Error, Result};
use crate::query::Join;
use crate::schema::Model;
use crate::value::Value;

/// One-to-many joins return at most this many rows per base row unless the join sets a limit.
pub const DEFAULT_JOIN_LIMIT: u64 = 100;

/// How one join is read.
pub(super) enum Plan<'a> {
    /// In the base query: one row or none.
    One(JoinOne<'a>),
    /// In a second query.
    Many(Many<'a>),
}

/// A one-to-many join: the rows of `model` whose `foreign` field holds a base row's `local`.
pub(super) struct Many<'a> {
    /// The joined model.
    pub model: &'a Model,
    /// Field of the base model holding the key.
    pub local: usize,
    /// Field of the joined model referring to it.
    pub foreign: usize,
    /// Joined fields to return, by index.
    pub columns: Vec<usize>,
    /// Rows per base row.
    pub limit: u64,
}

impl Plan<'_> {
    /// The field of the base model the join needs read.
    pub(super) fn local(&self) -> usize {
        match self {
            Plan::One(j) => j.local,
            Plan::Many(m) => m.local,
        }
    }
}

/// A key value as children are matched to their parents: the stored value of the referenced
/// field (an id, as text or an integer).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum JoinKey {
    Bool(bool),
    Int(i64),
    Text(String),
    Date(DateTime<Utc>),
}

impl JoinKey {
    /// The key of a stored value; `None` for null and for values no reference holds.
    pub(super) fn of(v: &Value) -> Option<JoinKey> {
        match v {
            Value::Bool(b) => Some(JoinKey::Bool(*b)),
            Value::Int(i) => Some(JoinKey::Int(*i)),
            Value::String(s) => Some(JoinKey::Text(s.clone())),
            Value::Date(d) => Some(JoinKey::Date(*d)),
            _ => None,
        }
    }
}

impl AuthDb {
    /// Plans `join` from `base`, through the reference between the two models.
    pub(super) fn plan_join<'a>(&'a self, base: &'a Model, join: &Join) -> Result<Plan<'a>> {
        let target = self.schema.model(&join.model)?;
        let columns = self.columns(target, join.select.as_ref())?;
        if let Some(local) =
            base.fields.iter().position(|f| f.references.as_ref().is_some_and(|r| r.model == target.name))
        {
            let r = base.fields[local].references.as_ref().map(|r| r.field.as_str()).unwrap_or("id");
            let foreign = target.field_index(r)?;
            return Ok(Plan::One(JoinOne { model: target, local, foreign, columns }));
        }
        if let Some(foreign) =
            target.fields.iter().position(|f| f.references.as_ref().is_some_and(|r| r.model == base.name))
        {
            let r = target.fields[foreign].references.as_ref().map(|r| r.field.as_str()).unwrap_or("id");
            let local = base.field_index(r)?;
            if target.fields[foreign].unique {
                return Ok(Plan::One(JoinOne { model: target, local, foreign, columns }));
            }
            let limit = join.limit.unwrap_or(DEFAULT_JOIN_LIMIT);
            return Ok(Plan::Many(Many { model: target, local, foreign, columns, limit }));
        }
        Err(Error::invalid_query(
            &base.name,
            format!("no reference between `{}` and `{}` to join on", base.name, target.name),
        ))
    }

    /// The children of the base rows whose keys are `parents`, decoded, at most `many.limit`
    /// per parent.
    pub(super) async fn children(&self, many: &Many<'_>, parents: Vec<Value>) -> Result<BTreeMap<JoinKey, Vec<Value>>> {
        let mut children: BTreeMap<JoinKey, Vec<Value>> = BTreeMap::new();
        if parents.is_empty() {
            return Ok(children);
        }
        let mut columns = many.columns.clone();
        if !columns.contains(&many.foreign) {
            columns.push(many.foreign);
        }
        let key_at = columns.iter().position(|&c| c == many.foreign).unwrap_or(0);
        let filter = Filter {
            and: vec![Cond { field: many.foreign, op: Op::In, value: Value::List(parents), insensitive: false }],
            or: vec![],
        };
        let select = Select {
            model: many.model,
            columns: columns.clone(),
            filter,
            sort: None,
            limit: None,
            offset: None,
            joins: vec![],
            relations: self.relations(),
        };
        for rec in self.backend.select(select).await? {
            let Some(key) = rec.values.get(key_at).and_then(JoinKey::of) else { continue };
            let list = children.entry(key).or_default();
            if (list.len() as u64) < many.limit {
                let mut child = self.decode_row(many.model, &columns, rec.values)?;
                child.retain(|k, _| many.columns.iter().any(|&c| many.model.fields[c].name == *k));
                list.push(Value::Object(child));
            }
        }
        Ok(children)
    }
}
