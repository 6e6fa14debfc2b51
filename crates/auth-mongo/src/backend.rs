//! [`MongoBackend`]: the [`Backend`] and [`Transaction`] on the official `mongodb` driver.

use std::sync::Arc;

use async_trait::async_trait;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{Bson, Document, doc};
use mongodb::error::{ErrorKind, UNKNOWN_TRANSACTION_COMMIT_RESULT};
use mongodb::{Client, ClientSession, Database};
use tokio::sync::{Mutex, MutexGuard, OnceCell};

use auth_core::backend::{Count, Delete, Insert, Select, Set, Update, Written};
use auth_core::schema::diff::Difference;
use auth_core::schema::live::LiveSchema;
use auth_core::{Backend, Capabilities, Direction, Error, Model, Record, Result, Schema, Transaction, Value};

use crate::cascade;
use crate::convert::{from_bson, is_transient, is_transient_error, key, map_err, row, write_bson};
use crate::driver::{Driver, FindSpec};
use crate::filter;
use crate::schema;

/// What MongoDB stores natively: everything but numeric ids; ids are ObjectIds it makes.
pub const CAPABILITIES: Capabilities = Capabilities {
    native_dates: true,
    native_booleans: true,
    native_json: true,
    native_arrays: true,
    numeric_ids: false,
    native_ids: true,
    schemaless: true,
};

/// How often a transaction the adapter runs itself (a cascading delete) is retried after a
/// transient error.
const MAX_ATTEMPTS: u64 = 8;

/// MongoDB as an auth backend: a database of a [`Client`], or one transaction on it.
///
/// Cheap to clone; clones share the client (and its connection pool).
#[derive(Clone)]
pub struct MongoBackend {
    client: Client,
    db: Database,
    tx: Option<Arc<Mutex<Option<ClientSession>>>>,
    /// Whether the deployment runs transactions (a replica set, sharded cluster or load
    /// balancer), learned from `hello` on first need.
    transactions: Arc<OnceCell<bool>>,
}

impl std::fmt::Debug for MongoBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MongoBackend")
            .field("database", &self.db.name())
            .field("in_transaction", &self.tx.is_some())
            .finish()
    }
}

type Guard<'a> = Option<MutexGuard<'a, Option<ClientSession>>>;

/// The session of a locked transaction, or `None` outside transactions.
fn session<'a>(guard: &'a mut Guard<'_>) -> Result<Option<&'a mut ClientSession>> {
    match guard {
        Some(g) => g.as_mut().map(Some).ok_or_else(|| Error::transaction("the transaction has finished")),
        None => Ok(None),
    }
}

fn no_transactions(e: &mongodb::error::Error) -> bool {
    matches!(e.kind.as_ref(), ErrorKind::Transaction { message, .. } if message.contains("not supported"))
}

fn no_transactions_error() -> Error {
    Error::Unsupported(
        "MongoDB transactions need a replica set or a sharded cluster, and this deployment is a standalone \
         server: run it as a replica set (a single node is enough: `mongod --replSet rs0`, then `rs.initiate()`)"
            .into(),
    )
}

/// A short pause before retrying a transaction, growing with the attempt.
async fn backoff(attempt: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(2 * attempt * attempt)).await;
}

/// Commits, retrying while the outcome is unknown (as the driver documents).
async fn commit_session(s: &mut ClientSession) -> mongodb::error::Result<()> {
    let mut tries = 0;
    loop {
        match s.commit_transaction().await {
            Err(e) if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) && tries < 3 => tries += 1,
            r => return r,
        }
    }
}

impl MongoBackend {
    /// Uses database `database` of a client the application already has. What it needs of the
    /// schema (the id mode, references, delete rules) comes with every operation.
    pub fn new(client: Client, database: &str) -> Self {
        let db = client.database(database);
        MongoBackend { client, db, tx: None, transactions: Arc::new(OnceCell::new()) }
    }

    /// Connects to `uri` (`mongodb://…` or `mongodb+srv://…`) and uses database `database`.
    pub async fn connect(uri: &str, database: &str) -> Result<Self> {
        let client = Client::with_uri_str(uri).await.map_err(|e| map_err(None, e))?;
        Ok(Self::new(client, database))
    }

    /// The database in use.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The client in use.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Whether the deployment supports transactions: a standalone server does not (drivers
    /// cannot tell from the handshake alone, so ask `hello` once).
    async fn supports_transactions(&self) -> Result<bool> {
        let known = self
            .transactions
            .get_or_try_init(|| async {
                let hello = self.db.run_command(doc! { "hello": 1 }).await.map_err(|e| map_err(None, e))?;
                Ok::<bool, Error>(
                    hello.contains_key("setName")
                        || hello.get_str("msg").is_ok_and(|m| m == "isdbgrid")
                        || hello.contains_key("serviceId"),
                )
            })
            .await?;
        Ok(*known)
    }

    async fn lock(&self) -> Guard<'_> {
        match &self.tx {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    fn coll(&self, model: &Model) -> mongodb::Collection<Document> {
        self.db.collection::<Document>(&model.table)
    }

    /// A cascading delete in a transaction of its own, retried on transient errors; without
    /// transaction support (a standalone server), best effort without one.
    async fn delete_atomically(&self, op: &Delete<'_>, filter: Document) -> Result<Written> {
        let (db, relations, model, one, returning) = (&self.db, op.relations, op.model, op.one, op.returning);
        if !self.supports_transactions().await? {
            let mut driver = Driver { sess: None };
            return cascade::delete(&mut driver, db, relations, model, filter, one, returning).await;
        }
        let mut s = self.client.start_session().await.map_err(|e| map_err(None, e))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Err(e) = s.start_transaction().await {
                if no_transactions(&e) {
                    let mut driver = Driver { sess: None };
                    return cascade::delete(&mut driver, db, relations, model, filter, one, returning).await;
                }
                return Err(map_err(Some(model), e));
            }
            let mut driver = Driver { sess: Some(&mut s) };
            match cascade::delete(&mut driver, db, relations, model, filter.clone(), one, returning).await {
                Ok(w) => match commit_session(&mut s).await {
                    Ok(()) => return Ok(w),
                    Err(e) if is_transient(&e) && attempt < MAX_ATTEMPTS => backoff(attempt).await,
                    Err(e) => return Err(map_err(Some(model), e)),
                },
                Err(e) => {
                    let _ = s.abort_transaction().await;
                    if !(is_transient_error(&e) && attempt < MAX_ATTEMPTS) {
                        return Err(e);
                    }
                    backoff(attempt).await;
                }
            }
        }
    }

    async fn finish(&self, commit: bool) -> Result<()> {
        let Some(m) = &self.tx else {
            return Err(Error::transaction("not in a transaction"));
        };
        let mut s = m.lock().await.take().ok_or_else(|| Error::transaction("the transaction has finished"))?;
        if commit {
            commit_session(&mut s).await.map_err(|e| match map_err(None, e) {
                e @ (Error::UniqueViolation { .. } | Error::Connection { .. }) => e,
                e if is_transient_error(&e) => {
                    Error::transaction_from(format!("commit failed, retry the transaction: {e}"), e)
                }
                e => Error::transaction_from(format!("commit failed: {e}"), e),
            })
        } else {
            s.abort_transaction().await.map_err(|e| Error::transaction_from(format!("abort failed: {e}"), e))
        }
    }
}

#[async_trait]
impl Backend for MongoBackend {
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn name(&self) -> &str {
        "mongodb"
    }

    async fn insert(&self, op: Insert<'_>) -> Result<Vec<Value>> {
        let model = op.model;
        let object_ids = op.relations.native_ids();
        let mut doc = Document::new();
        let mut refs = Vec::new();
        for (idx, v) in &op.values {
            let Some(field) = model.fields.get(*idx) else { continue };
            if v.is_null() {
                continue;
            }
            let b = write_bson(model, field, v, object_ids)?;
            if field.references.is_some() {
                refs.push((*idx, b.clone()));
            }
            doc.insert(key(model, *idx), b);
        }
        if !doc.contains_key("_id") {
            let id = ObjectId::new();
            doc.insert("_id", if object_ids { Bson::ObjectId(id) } else { Bson::String(id.to_hex()) });
        }
        let mut guard = self.lock().await;
        let mut driver = Driver { sess: session(&mut guard)? };
        cascade::check_references(&mut driver, &self.db, op.relations, model, &refs).await?;
        driver.insert_one(&self.coll(model), &doc).await.map_err(|e| map_err(Some(model), e))?;
        Ok(row(model, &doc))
    }

    async fn select(&self, op: Select<'_>) -> Result<Vec<Record>> {
        let model = op.model;
        let Some(filter) = filter::compile(model, &op.filter, op.relations.native_ids())? else {
            return Ok(Vec::new());
        };
        if op.limit == Some(0) {
            return Ok(Vec::new());
        }
        let sort = op.sort.map(|(i, dir)| {
            let mut d = Document::new();
            d.insert(key(model, i), if dir == Direction::Desc { -1 } else { 1 });
            if i != 0 {
                d.insert("_id", 1);
            }
            d
        });
        let limit = op.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        let skip = op.offset.filter(|&o| o > 0);
        let coll = self.coll(model);
        let mut guard = self.lock().await;
        let mut driver = Driver { sess: session(&mut guard)? };
        let err = |e| map_err(Some(model), e);
        let docs = if op.joins.is_empty() {
            let mut projection = doc! { "_id": 1 };
            for &c in &op.columns {
                projection.insert(key(model, c), 1);
            }
            let spec = FindSpec { sort, skip, limit, projection: Some(projection) };
            driver.find(&coll, filter, spec).await.map_err(err)?
        } else {
            let mut pipeline = Vec::new();
            if !filter.is_empty() {
                pipeline.push(doc! { "$match": filter });
            }
            if let Some(sort) = sort {
                pipeline.push(doc! { "$sort": sort });
            }
            if let Some(skip) = skip {
                pipeline.push(doc! { "$skip": i64::try_from(skip).unwrap_or(i64::MAX) });
            }
            if let Some(limit) = limit {
                pipeline.push(doc! { "$limit": limit });
            }
            for (i, j) in op.joins.iter().enumerate() {
                pipeline.push(doc! { "$lookup": {
                    "from": j.model.table.as_str(),
                    "localField": key(model, j.local),
                    "foreignField": key(j.model, j.foreign),
                    "as": format!("__join{i}"),
                } });
            }
            driver.aggregate(&coll, pipeline).await.map_err(err)?
        };
        let records = docs
            .iter()
            .map(|d| {
                let values = op.columns.iter().map(|&c| from_bson(&model.fields[c], d.get(key(model, c)))).collect();
                let joined = op
                    .joins
                    .iter()
                    .enumerate()
                    .map(|(i, j)| {
                        if matches!(d.get(key(model, j.local)), None | Some(Bson::Null)) {
                            return None;
                        }
                        let first = match d.get(format!("__join{i}")) {
                            Some(Bson::Array(a)) => a.iter().find_map(|b| b.as_document()),
                            _ => None,
                        }?;
                        Some(j.columns.iter().map(|&c| from_bson(&j.model.fields[c], first.get(key(j.model, c)))).collect())
                    })
                    .collect();
                Record { values, joined }
            })
            .collect();
        Ok(records)
    }

    async fn count(&self, op: Count<'_>) -> Result<u64> {
        let model = op.model;
        let Some(filter) = filter::compile(model, &op.filter, op.relations.native_ids())? else { return Ok(0) };
        let mut guard = self.lock().await;
        let mut driver = Driver { sess: session(&mut guard)? };
        driver.count(&self.coll(model), filter).await.map_err(|e| map_err(Some(model), e))
    }

    async fn update(&self, op: Update<'_>) -> Result<Written> {
        let model = op.model;
        let object_ids = op.relations.native_ids();
        let Some(filter) = filter::compile(model, &op.filter, object_ids)? else { return Ok(Written::default()) };
        let (mut set, mut unset, mut inc) = (Document::new(), Document::new(), Document::new());
        let mut refs = Vec::new();
        for (idx, s) in &op.set {
            let Some(field) = model.fields.get(*idx) else { continue };
            let k = key(model, *idx);
            match s {
                Set::Value(Value::Null) => {
                    unset.insert(k, "");
                }
                Set::Value(v) => {
                    let b = write_bson(model, field, v, object_ids)?;
                    if field.references.is_some() {
                        refs.push((*idx, b.clone()));
                    }
                    set.insert(k, b);
                }
                Set::Increment(d) => {
                    inc.insert(k, Bson::Int64(*d));
                }
            }
        }
        let mut update = Document::new();
        for (op_name, d) in [("$set", set), ("$unset", unset), ("$inc", inc)] {
            if !d.is_empty() {
                update.insert(op_name, d);
            }
        }
        let coll = self.coll(model);
        let err = |e| map_err(Some(model), e);
        let mut guard = self.lock().await;
        let mut driver = Driver { sess: session(&mut guard)? };
        if update.is_empty() {
            if op.one {
                let spec = FindSpec { limit: Some(1), ..Default::default() };
                let found = driver.find(&coll, filter, spec).await.map_err(err)?.into_iter().next();
                return Ok(Written {
                    count: u64::from(found.is_some()),
                    row: found.filter(|_| op.returning).map(|d| row(model, &d)),
                });
            }
            return Ok(Written { count: driver.count(&coll, filter).await.map_err(err)?, row: None });
        }
        cascade::check_references(&mut driver, &self.db, op.relations, model, &refs).await?;
        if op.one {
            let found = driver.find_one_and_update(&coll, filter, update).await.map_err(err)?;
            return Ok(Written {
                count: u64::from(found.is_some()),
                row: found.filter(|_| op.returning).map(|d| row(model, &d)),
            });
        }
        Ok(Written { count: driver.update_many(&coll, filter, update).await.map_err(err)?, row: None })
    }

    async fn delete(&self, op: Delete<'_>) -> Result<Written> {
        let model = op.model;
        let Some(filter) = filter::compile(model, &op.filter, op.relations.native_ids())? else {
            return Ok(Written::default());
        };
        let mut guard = self.lock().await;
        let sess = session(&mut guard)?;
        if sess.is_none() && !op.relations.referrers(model).is_empty() {
            drop(guard);
            return self.delete_atomically(&op, filter).await;
        }
        let mut driver = Driver { sess };
        cascade::delete(&mut driver, &self.db, op.relations, model, filter, op.one, op.returning).await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        if self.tx.is_some() {
            return Err(Error::transaction("already in a transaction"));
        }
        if !self.supports_transactions().await? {
            return Err(no_transactions_error());
        }
        let mut s = self.client.start_session().await.map_err(|e| map_err(None, e))?;
        s.start_transaction().await.map_err(|e| {
            if no_transactions(&e) {
                no_transactions_error()
            } else {
                Error::transaction_from(format!("cannot start a transaction: {e}"), e)
            }
        })?;
        let mut tx = self.clone();
        tx.tx = Some(Arc::new(Mutex::new(Some(s))));
        Ok(Box::new(tx))
    }

    async fn describe(&self, schema: &Schema) -> Result<LiveSchema> {
        schema::describe(&self.db, schema).await
    }

    fn migration_statements(&self, schema: &Schema, differences: &[Difference]) -> Vec<String> {
        schema::commands(schema, differences).iter().map(schema::Command::shell).collect()
    }

    async fn migrate(&self, schema: &Schema, differences: &[Difference]) -> Result<()> {
        if differences.is_empty() {
            return Ok(());
        }
        schema::run(&self.db, &schema::commands(schema, differences)).await
    }
}

#[async_trait]
impl Transaction for MongoBackend {
    async fn commit(&self) -> Result<()> {
        self.finish(true).await
    }

    async fn rollback(&self) -> Result<()> {
        self.finish(false).await
    }
}
