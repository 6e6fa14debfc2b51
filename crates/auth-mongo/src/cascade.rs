//! The relational rules SQL databases enforce themselves: foreign keys on write, and the
//! `on_delete` rules (cascade, set null, restrict) on delete.

use std::future::Future;
use std::pin::Pin;

use mongodb::bson::{Bson, Document, doc};
use mongodb::Database;

use auth_core::backend::Written;
use auth_core::{Error, Model, OnDelete, Result};

use crate::convert::{key, key_of, map_err, row};
use crate::exec::{Exec, FindSpec};
use crate::schema::{Referrer, Registry};

/// Cascades deeper than this are refused (a reference cycle in the data).
const MAX_DEPTH: usize = 32;

/// Checks that every reference among `values` (field index, encoded value) points at an
/// existing document; [`Error::ForeignKeyViolation`] otherwise.
pub(crate) async fn check_references(
    ex: &mut Exec<'_>,
    db: &Database,
    reg: &Registry,
    model: &Model,
    values: &[(usize, Bson)],
) -> Result<()> {
    for (idx, value) in values {
        let field = &model.fields[*idx];
        let Some(r) = &field.references else { continue };
        if matches!(value, Bson::Null) {
            continue;
        }
        let Some(target) = reg.model(&r.model) else { continue };
        let Some(target_key) = key_of(&target, &r.field) else { continue };
        let mut filter = Document::new();
        filter.insert(target_key, doc! { "$eq": value.clone() });
        let coll = db.collection::<Document>(&target.table);
        if !ex.exists(&coll, filter).await.map_err(|e| map_err(Some(&target), e))? {
            return Err(Error::ForeignKeyViolation { model: model.name.clone(), field: Some(field.name.clone()) });
        }
    }
    Ok(())
}

/// Whether deleting rows of `model` has to look at other collections.
pub(crate) fn has_referrers(reg: &Registry, model: &Model) -> bool {
    !reg.referrers(&model.name).is_empty()
}

/// Deletes the documents of `model` matching `filter` (at most one when `one`) after applying
/// the delete rules of every model that references it.
pub(crate) async fn delete(
    ex: &mut Exec<'_>,
    db: &Database,
    reg: &Registry,
    model: &Model,
    filter: Document,
    one: bool,
    returning: bool,
) -> Result<Written> {
    let coll = db.collection::<Document>(&model.table);
    let referrers = reg.referrers(&model.name);
    let err = |e| map_err(Some(model), e);
    if referrers.is_empty() {
        if one {
            let found = ex.find_one_and_delete(&coll, filter).await.map_err(err)?;
            return Ok(Written {
                count: u64::from(found.is_some()),
                row: found.filter(|_| returning).map(|d| row(model, &d)),
            });
        }
        return Ok(Written { count: ex.delete_many(&coll, filter).await.map_err(err)?, row: None });
    }
    let spec = FindSpec { limit: one.then_some(1), ..Default::default() };
    let docs = ex.find(&coll, filter, spec).await.map_err(err)?;
    if docs.is_empty() {
        return Ok(Written::default());
    }
    release(ex, db, reg, model, &docs, &referrers, 0).await?;
    let ids: Vec<Bson> = docs.iter().filter_map(|d| d.get("_id").cloned()).collect();
    let count = ex.delete_many(&coll, doc! { "_id": { "$in": ids } }).await.map_err(err)?;
    let row = (one && returning && count > 0).then(|| row(model, &docs[0]));
    Ok(Written { count, row })
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Applies the delete rules of `referrers` to the documents referencing `docs` (of `model`):
/// restrictions first, so that a refused delete changes nothing even without a transaction.
fn release<'a, 's: 'a>(
    ex: &'a mut Exec<'s>,
    db: &'a Database,
    reg: &'a Registry,
    model: &'a Model,
    docs: &'a [Document],
    referrers: &'a [Referrer],
    depth: usize,
) -> BoxFut<'a, ()> {
    Box::pin(async move {
        if depth > MAX_DEPTH {
            return Err(Error::backend_msg(format!("cascading delete from `{}` is deeper than {MAX_DEPTH}", model.name)));
        }
        let mut ordered: Vec<&Referrer> = referrers.iter().collect();
        ordered.sort_by_key(|r| !matches!(r.on_delete, OnDelete::Restrict | OnDelete::NoAction));
        for r in ordered {
            let Some(target_key) = key_of(model, &r.target_field) else { continue };
            let values: Vec<Bson> =
                docs.iter().filter_map(|d| d.get(target_key)).filter(|v| !matches!(v, Bson::Null)).cloned().collect();
            if values.is_empty() {
                continue;
            }
            let child = &r.model;
            let child_key = key(child, r.field).to_string();
            let mut filter = Document::new();
            filter.insert(child_key.clone(), doc! { "$in": values });
            let coll = db.collection::<Document>(&child.table);
            let err = |e| map_err(Some(child), e);
            match r.on_delete {
                OnDelete::Restrict | OnDelete::NoAction => {
                    if ex.exists(&coll, filter).await.map_err(err)? {
                        return Err(Error::ForeignKeyViolation {
                            model: child.name.clone(),
                            field: Some(child.fields[r.field].name.clone()),
                        });
                    }
                }
                OnDelete::SetNull => {
                    let mut unset = Document::new();
                    unset.insert(child_key, "");
                    ex.update_many(&coll, filter, doc! { "$unset": unset }).await.map_err(err)?;
                }
                OnDelete::Cascade => {
                    let grand = reg.referrers(&child.name);
                    if grand.is_empty() {
                        ex.delete_many(&coll, filter).await.map_err(err)?;
                    } else {
                        let found = ex.find(&coll, filter, FindSpec::default()).await.map_err(err)?;
                        if found.is_empty() {
                            continue;
                        }
                        release(ex, db, reg, child, &found, &grand, depth + 1).await?;
                        let ids: Vec<Bson> = found.iter().filter_map(|d| d.get("_id").cloned()).collect();
                        ex.delete_many(&coll, doc! { "_id": { "$in": ids } }).await.map_err(err)?;
                    }
                }
            }
        }
        Ok(())
    })
}
