//! The relational rules SQL databases enforce themselves: foreign keys on write, and the
//! `on_delete` rules (cascade, set null, restrict) on delete.

use std::future::Future;
use std::pin::Pin;

use mongodb::bson::{Bson, Document, doc};
use mongodb::Database;

use auth_core::backend::Written;
use auth_core::relations::{Referrer, Relations};
use auth_core::{Error, Model, OnDelete, Result};

use crate::convert::{key, map_err, row};
use crate::driver::{Driver, FindSpec};

/// Cascades deeper than this are refused (a reference cycle in the data).
const MAX_DEPTH: usize = 32;

/// Checks that every reference among `values` (field index, encoded value) points at an
/// existing document; [`Error::ForeignKeyViolation`] otherwise.
pub(crate) async fn check_references(
    driver: &mut Driver<'_>,
    db: &Database,
    relations: Relations<'_>,
    model: &Model,
    values: &[(usize, Bson)],
) -> Result<()> {
    for (idx, value) in values {
        if matches!(value, Bson::Null) {
            continue;
        }
        let Some((target, target_field)) = relations.target(model, *idx) else { continue };
        let mut filter = Document::new();
        filter.insert(key(target, target_field), doc! { "$eq": value.clone() });
        let coll = db.collection::<Document>(&target.table);
        if !driver.exists(&coll, filter).await.map_err(|e| map_err(Some(target), e))? {
            let field = model.fields[*idx].name.clone();
            return Err(Error::ForeignKeyViolation { model: model.name.clone(), field: Some(field) });
        }
    }
    Ok(())
}

/// Deletes the documents of `model` matching `filter` (at most one when `one`) after applying
/// the delete rules of every model that references it.
pub(crate) async fn delete(
    driver: &mut Driver<'_>,
    db: &Database,
    relations: Relations<'_>,
    model: &Model,
    filter: Document,
    one: bool,
    returning: bool,
) -> Result<Written> {
    let coll = db.collection::<Document>(&model.table);
    let referrers = relations.referrers(model);
    let err = |e| map_err(Some(model), e);
    if referrers.is_empty() {
        if one {
            let found = driver.find_one_and_delete(&coll, filter).await.map_err(err)?;
            return Ok(Written {
                count: u64::from(found.is_some()),
                row: found.filter(|_| returning).map(|d| row(model, &d)),
            });
        }
        return Ok(Written { count: driver.delete_many(&coll, filter).await.map_err(err)?, row: None });
    }
    let spec = FindSpec { limit: one.then_some(1), ..Default::default() };
    let docs = driver.find(&coll, filter, spec).await.map_err(err)?;
    if docs.is_empty() {
        return Ok(Written::default());
    }
    release(driver, db, relations, model, &docs, &referrers, 0).await?;
    let ids: Vec<Bson> = docs.iter().filter_map(|d| d.get("_id").cloned()).collect();
    let count = driver.delete_many(&coll, doc! { "_id": { "$in": ids } }).await.map_err(err)?;
    let row = (one && returning && count > 0).then(|| row(model, &docs[0]));
    Ok(Written { count, row })
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Applies the delete rules of `referrers` to the documents referencing `docs` (of `model`):
/// restrictions first, so that a refused delete changes nothing even without a transaction.
fn release<'a, 's: 'a>(
    driver: &'a mut Driver<'s>,
    db: &'a Database,
    relations: Relations<'a>,
    model: &'a Model,
    docs: &'a [Document],
    referrers: &'a [Referrer<'a>],
    depth: usize,
) -> BoxFut<'a, ()> {
    Box::pin(async move {
        if depth > MAX_DEPTH {
            return Err(Error::backend_msg(format!("cascading delete from `{}` is deeper than {MAX_DEPTH}", model.name)));
        }
        let mut ordered: Vec<&Referrer<'_>> = referrers.iter().collect();
        ordered.sort_by_key(|r| !matches!(r.on_delete, OnDelete::Restrict | OnDelete::NoAction));
        for r in ordered {
            let target_key = key(model, r.target);
            let values: Vec<Bson> =
                docs.iter().filter_map(|d| d.get(target_key)).filter(|v| !matches!(v, Bson::Null)).cloned().collect();
            if values.is_empty() {
                continue;
            }
            let child = r.model;
            let child_key = key(child, r.field).to_string();
            let mut filter = Document::new();
            filter.insert(child_key.clone(), doc! { "$in": values });
            let coll = db.collection::<Document>(&child.table);
            let err = |e| map_err(Some(child), e);
            match r.on_delete {
                OnDelete::Restrict | OnDelete::NoAction => {
                    if driver.exists(&coll, filter).await.map_err(err)? {
                        return Err(Error::ForeignKeyViolation {
                            model: child.name.clone(),
                            field: Some(child.fields[r.field].name.clone()),
                        });
                    }
                }
                OnDelete::SetNull => {
                    let mut unset = Document::new();
                    unset.insert(child_key, "");
                    driver.update_many(&coll, filter, doc! { "$unset": unset }).await.map_err(err)?;
                }
                OnDelete::Cascade => {
                    let grand = relations.referrers(child);
                    if grand.is_empty() {
                        driver.delete_many(&coll, filter).await.map_err(err)?;
                    } else {
                        let found = driver.find(&coll, filter, FindSpec::default()).await.map_err(err)?;
                        if found.is_empty() {
                            continue;
                        }
                        release(driver, db, relations, child, &found, &grand, depth + 1).await?;
                        let ids: Vec<Bson> = found.iter().filter_map(|d| d.get("_id").cloned()).collect();
                        driver.delete_many(&coll, doc! { "_id": { "$in": ids } }).await.map_err(err)?;
                    }
                }
            }
        }
        Ok(())
    })
}
