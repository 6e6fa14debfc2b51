//! [`Driver`]: the driver calls the backend makes, each in the transaction's session when there
//! is one.

use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use mongodb::error::Result;
use mongodb::options::ReturnDocument;
use mongodb::{ClientSession, Collection};

/// Runs driver operations, inside `sess` when set (every operation of a transaction must use
/// the transaction's session).
pub(crate) struct Driver<'s> {
    /// The session of the current transaction, if any.
    pub sess: Option<&'s mut ClientSession>,
}

/// How [`Driver::find`] reads.
#[derive(Default)]
pub(crate) struct FindSpec {
    pub sort: Option<Document>,
    pub skip: Option<u64>,
    pub limit: Option<i64>,
    pub projection: Option<Document>,
}

impl Driver<'_> {
    pub async fn find(&mut self, coll: &Collection<Document>, filter: Document, spec: FindSpec) -> Result<Vec<Document>> {
        let action = coll
            .find(filter)
            .optional(spec.sort, |a, v| a.sort(v))
            .optional(spec.skip, |a, v| a.skip(v))
            .optional(spec.limit, |a, v| a.limit(v))
            .optional(spec.projection, |a, v| a.projection(v));
        match self.sess.as_deref_mut() {
            Some(s) => {
                let mut cursor = action.session(&mut *s).await?;
                let mut out = Vec::new();
                while let Some(d) = cursor.next(&mut *s).await {
                    out.push(d?);
                }
                Ok(out)
            }
            None => action.await?.try_collect().await,
        }
    }

    pub async fn aggregate(&mut self, coll: &Collection<Document>, pipeline: Vec<Document>) -> Result<Vec<Document>> {
        match self.sess.as_deref_mut() {
            Some(s) => {
                let mut cursor = coll.aggregate(pipeline).session(&mut *s).await?;
                let mut out = Vec::new();
                while let Some(d) = cursor.next(&mut *s).await {
                    out.push(d?);
                }
                Ok(out)
            }
            None => coll.aggregate(pipeline).await?.try_collect().await,
        }
    }

    /// Whether a document matches `filter`.
    pub async fn exists(&mut self, coll: &Collection<Document>, filter: Document) -> Result<bool> {
        let spec = FindSpec { limit: Some(1), projection: Some(doc! { "_id": 1 }), ..Default::default() };
        Ok(!self.find(coll, filter, spec).await?.is_empty())
    }

    pub async fn insert_one(&mut self, coll: &Collection<Document>, doc: &Document) -> Result<()> {
        match self.sess.as_deref_mut() {
            Some(s) => coll.insert_one(doc).session(s).await?,
            None => coll.insert_one(doc).await?,
        };
        Ok(())
    }

    pub async fn count(&mut self, coll: &Collection<Document>, filter: Document) -> Result<u64> {
        match self.sess.as_deref_mut() {
            Some(s) => coll.count_documents(filter).session(s).await,
            None => coll.count_documents(filter).await,
        }
    }

    /// Updates every match; returns the number matched.
    pub async fn update_many(&mut self, coll: &Collection<Document>, filter: Document, update: Document) -> Result<u64> {
        let r = match self.sess.as_deref_mut() {
            Some(s) => coll.update_many(filter, update).session(s).await?,
            None => coll.update_many(filter, update).await?,
        };
        Ok(r.matched_count)
    }

    /// Updates one match atomically and returns it as it is after the update.
    pub async fn find_one_and_update(
        &mut self,
        coll: &Collection<Document>,
        filter: Document,
        update: Document,
    ) -> Result<Option<Document>> {
        let action = coll.find_one_and_update(filter, update).return_document(ReturnDocument::After);
        match self.sess.as_deref_mut() {
            Some(s) => action.session(s).await,
            None => action.await,
        }
    }

    /// Deletes one match atomically and returns it.
    pub async fn find_one_and_delete(&mut self, coll: &Collection<Document>, filter: Document) -> Result<Option<Document>> {
        match self.sess.as_deref_mut() {
            Some(s) => coll.find_one_and_delete(filter).session(s).await,
            None => coll.find_one_and_delete(filter).await,
        }
    }

    /// Deletes every match; returns the number deleted.
    pub async fn delete_many(&mut self, coll: &Collection<Document>, filter: Document) -> Result<u64> {
        let r = match self.sess.as_deref_mut() {
            Some(s) => coll.delete_many(filter).session(s).await?,
            None => coll.delete_many(filter).await?,
        };
        Ok(r.deleted_count)
    }
}

/// Applies a builder step only when a value is present.
trait Optional: Sized {
    fn optional<V>(self, v: Option<V>, f: impl FnOnce(Self, V) -> Self) -> Self {
        match v {
            Some(v) => f(self, v),
            None => self,
        }
    }
}

impl<T> Optional for T {}
