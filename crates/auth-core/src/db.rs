//! [`AuthDb`]: the backend-independent layer between callers and a [`Backend`].
//!
//! Like Better Auth's adapter factory, it does everything once for every backend: name lookup,
//! id generation, defaults and set-on-update fields, value coercion, where normalisation
//! ([`normalise`]) and join planning ([`joins`]). Backends receive only normalised operations on
//! physical tables.

mod joins;
mod normalise;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;

use crate::adapter::{Adapter, Deferred, TxFn};
use crate::backend::{Backend, Capabilities, Count, Delete, Insert, Select, Set, Transaction, Update};
use crate::codec::{canonical, decode, encode};
use crate::error::{Error, Result};
use crate::hooks::Hooks;
use crate::query::{CreateOptions, Query, Where};
use crate::relations::Relations;
use crate::schema::diff::{Difference, diff};
use crate::schema::plan::{MigrationPlan, Refusal};
use crate::schema::{DefaultValue, FieldType, Model, Schema};
use crate::secondary::SecondaryConfig;
use crate::store::StoreConfig;
use crate::value::{Row, Value, truncate_millis};

pub use joins::DEFAULT_JOIN_LIMIT;
use joins::{JoinKey, Plan};

/// The adapter every backend gets: a [`Backend`] plus a validated [`Schema`].
/// Cheap to clone; clones share the backend.
#[derive(Clone)]
pub struct AuthDb {
    backend: Arc<dyn Backend>,
    tx: Option<Arc<dyn Transaction>>,
    schema: Arc<Schema>,
    caps: Capabilities,
    config: Arc<StoreConfig>,
    /// Inside a transaction: the work to run after it commits.
    deferred: Option<Arc<Mutex<Vec<Deferred>>>>,
}

impl std::fmt::Debug for AuthDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthDb")
            .field("backend", &self.backend.name())
            .field("in_transaction", &self.tx.is_some())
            .finish()
    }
}

impl AuthDb {
    /// Wraps a backend; fails when the schema asks for what the backend cannot do.
    pub fn new(backend: impl Backend, schema: Schema) -> Result<Self> {
        Self::from_arc(Arc::new(backend), schema)
    }

    /// Wraps a shared backend.
    pub fn from_arc(backend: Arc<dyn Backend>, schema: Schema) -> Result<Self> {
        let caps = backend.capabilities();
        if schema.id_strategy().is_numeric() && !caps.numeric_ids {
            return Err(Error::InvalidSchema(format!(
                "serial (numeric) ids are not possible on {}: use random, uuid or native ids",
                backend.name()
            )));
        }
        Ok(AuthDb { backend, tx: None, schema: Arc::new(schema), caps, config: Arc::default(), deferred: None })
    }

    /// The same store with these database hooks (replacing any before), run by every typed
    /// operation of [`crate::AuthStore`].
    pub fn with_hooks(mut self, hooks: Hooks) -> Self {
        Arc::make_mut(&mut self.config).hooks = hooks;
        self
    }

    /// The same store with secondary storage, used by [`crate::AuthStore`] where Better Auth
    /// uses it (sessions, verification values).
    pub fn with_secondary_storage(mut self, secondary: SecondaryConfig) -> Self {
        Arc::make_mut(&mut self.config).secondary = Some(secondary);
        self
    }

    /// The same backend (and connections) under another schema, e.g. a newer configuration to
    /// check or migrate the database against.
    pub fn with_schema(&self, schema: Schema) -> Result<Self> {
        let mut db = Self::from_arc(self.backend.clone(), schema)?;
        db.tx = self.tx.clone();
        db.config = self.config.clone();
        db.deferred = self.deferred.clone();
        Ok(db)
    }

    /// Creates every missing table (collection) and index of the schema; changes nothing else.
    /// An existing index or unique constraint that serves a schema index, whatever its name,
    /// counts as present, so a database another tool laid out (Better Auth's own migration) is
    /// left exactly as it is.
    pub async fn create_schema(&self) -> Result<()> {
        let creatable = |d: &Difference| matches!(d, Difference::MissingTable { .. } | Difference::MissingIndex { .. });
        let missing: Vec<Difference> = self.check_schema().await?.into_iter().filter(creatable).collect();
        if missing.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.backend.migrate(&self.schema, &missing).await {
            // Another process starting at the same time may have created them first.
            if self.check_schema().await?.iter().any(creatable) {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Compares the configured schema with the live database: every missing table, column and
    /// index, and every type mismatch (the check the CLI's `check` runs; call it at start-up).
    pub async fn check_schema(&self) -> Result<Vec<Difference>> {
        let live = self.backend.describe(&self.schema).await?;
        Ok(diff(&self.schema, &live, |f, t| self.backend.accepts(f, t)))
    }

    /// What [`AuthDb::migrate`] would do, without doing it: the safe changes, the statements
    /// that make them, and the differences it refuses to close (with the reason).
    pub async fn plan_migration(&self) -> Result<MigrationPlan> {
        let mut plan = MigrationPlan::default();
        for d in self.check_schema().await? {
            match d.unsafe_reason(&self.schema) {
                Some(reason) => plan.refused.push(Refusal { difference: d, reason }),
                None => plan.changes.push(d),
            }
        }
        plan.statements = self.backend.migration_statements(&self.schema, &plan.changes);
        Ok(plan)
    }

    /// Makes the changes of `plan` (from [`AuthDb::plan_migration`]); refuses, changing nothing,
    /// when the plan refuses anything.
    pub async fn apply(&self, plan: &MigrationPlan) -> Result<()> {
        if plan.is_refused() {
            return Err(Error::UnsafeMigration(plan.refused.iter().map(ToString::to_string).collect()));
        }
        if !plan.changes.is_empty() {
            self.backend.migrate(&self.schema, &plan.changes).await?;
        }
        Ok(())
    }

    /// Creates what is missing (tables, columns, indexes) and returns what was missing; never
    /// alters or drops. When a difference cannot be closed safely (a type mismatch, a required
    /// column without default on a table with rows), nothing is changed and the error
    /// ([`Error::UnsafeMigration`]) names each one and why. With `dry_run`, only reports.
    pub async fn migrate(&self, dry_run: bool) -> Result<Vec<Difference>> {
        let plan = self.plan_migration().await?;
        if !dry_run || plan.is_refused() {
            self.apply(&plan).await?;
        }
        Ok(plan.changes)
    }

    /// The backend underneath.
    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    fn model(&self, name: &str) -> Result<&Model> {
        self.schema.model(name)
    }

    /// What backends without foreign keys need of the schema, for the operations it sends.
    fn relations(&self) -> Relations<'_> {
        Relations::new(&self.schema, self.caps)
    }

    fn numeric_ids(&self) -> bool {
        self.schema.id_strategy().is_numeric()
    }

    fn encode_value(&self, model: &Model, idx: usize, v: Value) -> Result<Value> {
        let field = &model.fields[idx];
        let v = canonical(model, field, v, self.numeric_ids())?;
        Ok(encode(field, v, self.caps))
    }

    fn columns(&self, model: &Model, select: Option<&Vec<String>>) -> Result<Vec<usize>> {
        match select {
            None => Ok((0..model.fields.len()).collect()),
            Some(names) => names.iter().map(|n| model.field_index(n)).collect(),
        }
    }

    fn decode_row(&self, model: &Model, columns: &[usize], values: Vec<Value>) -> Result<Row> {
        let mut row = Row::new();
        for (&i, v) in columns.iter().zip(values) {
            let field = &model.fields[i];
            row.insert(field.name.clone(), decode(model, field, v)?);
        }
        Ok(row)
    }

    fn default_value(d: &DefaultValue, now: chrono::DateTime<Utc>) -> Value {
        match d {
            DefaultValue::Now => Value::Date(now),
            DefaultValue::Value(v) => v.clone(),
        }
    }

    /// The SET list of an update: caller data plus set-on-update fields.
    fn set_list(&self, model: &Model, mut data: Row) -> Result<Vec<(usize, Set)>> {
        let now = truncate_millis(Utc::now());
        let mut set = Vec::new();
        for (i, field) in model.fields.iter().enumerate() {
            let v = match data.remove(&field.name) {
                Some(v) => v,
                None => match &field.on_update {
                    Some(d) => Self::default_value(d, now),
                    None => continue,
                },
            };
            if i == 0 {
                return Err(Error::invalid_query(&model.name, "the id cannot be updated"));
            }
            if v.is_null() && field.required {
                return Err(Error::MissingField { model: model.name.clone(), field: field.name.clone() });
            }
            set.push((i, Set::Value(self.encode_value(model, i, v)?)));
        }
        if let Some(name) = data.keys().next() {
            return Err(Error::UnknownField { model: model.name.clone(), field: name.clone() });
        }
        Ok(set)
    }

    async fn select_rows(&self, model: &Model, query: &Query, one: bool) -> Result<Vec<Row>> {
        let Some(filter) = self.filter(model, &query.filter)? else {
            return Ok(Vec::new());
        };
        let selected = self.columns(model, query.select.as_ref())?;
        let mut columns = selected.clone();
        let mut ones = Vec::new();
        let mut manys = Vec::new();
        for join in &query.join {
            let plan = self.plan_join(model, join)?;
            if !columns.contains(&plan.local()) {
                columns.push(plan.local());
            }
            match plan {
                Plan::One(j) => ones.push(j),
                Plan::Many(m) => manys.push(m),
            }
        }
        let sort = match &query.sort {
            Some((name, dir)) => Some((model.field_index(name)?, *dir)),
            None => None,
        };
        let join_columns: Vec<(&Model, Vec<usize>)> = ones.iter().map(|j| (j.model, j.columns.clone())).collect();
        let select = Select {
            model,
            columns: columns.clone(),
            filter,
            sort,
            limit: if one { Some(1) } else { query.limit },
            offset: if one { None } else { query.offset },
            joins: ones,
            relations: self.relations(),
        };
        let records = self.backend.select(select).await?;
        let mut rows = Vec::with_capacity(records.len());
        let mut keys: Vec<Vec<Value>> = Vec::with_capacity(records.len());
        for rec in records {
            keys.push(rec.values.clone());
            let mut row = self.decode_row(model, &columns, rec.values)?;
            for ((jm, jc), joined) in join_columns.iter().zip(rec.joined) {
                let v = match joined {
                    Some(values) => Value::Object(self.decode_row(jm, jc, values)?),
                    None => Value::Null,
                };
                row.insert(jm.name.clone(), v);
            }
            rows.push(row);
        }
        for many in manys {
            let pos = columns.iter().position(|&c| c == many.local).unwrap_or(0);
            let mut parents: Vec<Value> = keys.iter().map(|k| k[pos].clone()).filter(|v| !v.is_null()).collect();
            parents.dedup();
            let children = self.children(&many, parents).await?;
            for (row, key) in rows.iter_mut().zip(&keys) {
                let list = JoinKey::of(&key[pos]).and_then(|k| children.get(&k)).cloned().unwrap_or_default();
                row.insert(many.model.name.clone(), Value::List(list));
            }
        }
        if columns.len() != selected.len() {
            let keep: Vec<&str> = selected.iter().map(|&i| model.fields[i].name.as_str()).collect();
            let joined: Vec<&str> = query.join.iter().map(|j| j.model.as_str()).collect();
            for row in &mut rows {
                row.retain(|k, _| keep.contains(&k.as_str()) || joined.contains(&k.as_str()));
            }
        }
        Ok(rows)
    }

    fn full_row(&self, model: &Model, values: Vec<Value>) -> Result<Row> {
        let all: Vec<usize> = (0..model.fields.len()).collect();
        self.decode_row(model, &all, values)
    }
}

#[async_trait]
impl Adapter for AuthDb {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn store_config(&self) -> &StoreConfig {
        &self.config
    }

    async fn after_commit(&self, job: Deferred) -> Result<()> {
        match &self.deferred {
            Some(queue) => {
                queue.lock().map_err(|_| Error::transaction("poisoned"))?.push(job);
                Ok(())
            }
            None => job().await,
        }
    }

    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    async fn create(&self, model: &str, mut data: Row, options: CreateOptions) -> Result<Row> {
        let model = self.model(model)?;
        for name in data.keys() {
            model.field(name)?;
        }
        let now = truncate_millis(Utc::now());
        let mut values = Vec::with_capacity(model.fields.len());
        for (i, field) in model.fields.iter().enumerate() {
            // An explicit null on an optional field is stored as null (no default applied).
            let given = data.remove(&field.name);
            if given.as_ref().is_some_and(Value::is_null) && !field.required && i != 0 {
                continue;
            }
            let given = given.filter(|v| !v.is_null());
            let v = if i == 0 {
                match given.filter(|_| options.force_id) {
                    Some(id) => id,
                    None => match self.schema.id_strategy().generate(&model.name, self.caps.native_ids) {
                        Some(id) => Value::String(id),
                        None => continue,
                    },
                }
            } else {
                match (given, &field.default) {
                    (Some(v), _) => v,
                    (None, Some(d)) => Self::default_value(d, now),
                    (None, None) if field.required => {
                        return Err(Error::MissingField {
                            model: model.name.clone(),
                            field: field.name.clone(),
                        });
                    }
                    (None, None) => continue,
                }
            };
            if v.is_null() {
                continue;
            }
            values.push((i, self.encode_value(model, i, v)?));
        }
        let stored = self.backend.insert(Insert { model, values, relations: self.relations() }).await?;
        let mut row = self.full_row(model, stored)?;
        if let Some(select) = &options.select {
            for name in select {
                model.field(name)?;
            }
            row.retain(|k, _| select.contains(k));
        }
        Ok(row)
    }

    async fn find_one(&self, model: &str, query: &Query) -> Result<Option<Row>> {
        let model = self.model(model)?;
        Ok(self.select_rows(model, query, true).await?.into_iter().next())
    }

    async fn find_many(&self, model: &str, query: &Query) -> Result<Vec<Row>> {
        let model = self.model(model)?;
        self.select_rows(model, query, false).await
    }

    async fn count(&self, model: &str, filter: &[Where]) -> Result<u64> {
        let model = self.model(model)?;
        match self.filter(model, filter)? {
            Some(filter) => self.backend.count(Count { model, filter, relations: self.relations() }).await,
            None => Ok(0),
        }
    }

    async fn update(&self, model: &str, filter: &[Where], data: Row) -> Result<Option<Row>> {
        let model = self.model(model)?;
        let set = self.set_list(model, data)?;
        if filter.is_empty() {
            return Ok(None);
        }
        let Some(filter) = self.filter(model, filter)? else { return Ok(None) };
        if set.is_empty() {
            let all = (0..model.fields.len()).collect();
            let select = Select {
                model,
                columns: all,
                filter,
                sort: None,
                limit: Some(1),
                offset: None,
                joins: vec![],
                relations: self.relations(),
            };
            let found = self.backend.select(select).await?.into_iter().next();
            return found.map(|r| self.full_row(model, r.values)).transpose();
        }
        let update = Update { model, filter, set, one: true, returning: true, relations: self.relations() };
        let written = self.backend.update(update).await?;
        written.row.map(|r| self.full_row(model, r)).transpose()
    }

    async fn update_many(&self, model: &str, filter: &[Where], data: Row) -> Result<u64> {
        let model = self.model(model)?;
        let set = self.set_list(model, data)?;
        let Some(filter) = self.filter(model, filter)? else { return Ok(0) };
        if set.is_empty() {
            return self.backend.count(Count { model, filter, relations: self.relations() }).await;
        }
        let update = Update { model, filter, set, one: false, returning: false, relations: self.relations() };
        Ok(self.backend.update(update).await?.count)
    }

    async fn delete(&self, model: &str, filter: &[Where]) -> Result<()> {
        let model = self.model(model)?;
        if filter.is_empty() {
            return Ok(());
        }
        if let Some(filter) = self.filter(model, filter)? {
            let delete = Delete { model, filter, one: false, returning: false, relations: self.relations() };
            self.backend.delete(delete).await?;
        }
        Ok(())
    }

    async fn delete_many(&self, model: &str, filter: &[Where]) -> Result<u64> {
        let model = self.model(model)?;
        let Some(filter) = self.filter(model, filter)? else { return Ok(0) };
        let delete = Delete { model, filter, one: false, returning: false, relations: self.relations() };
        Ok(self.backend.delete(delete).await?.count)
    }

    async fn consume_one(&self, model: &str, filter: &[Where]) -> Result<Option<Row>> {
        let model = self.model(model)?;
        if filter.is_empty() {
            return Ok(None);
        }
        let Some(filter) = self.filter(model, filter)? else { return Ok(None) };
        let delete = Delete { model, filter, one: true, returning: true, relations: self.relations() };
        let written = self.backend.delete(delete).await?;
        written.row.map(|r| self.full_row(model, r)).transpose()
    }

    async fn increment_one(
        &self,
        model: &str,
        filter: &[Where],
        field: &str,
        delta: i64,
        set: Row,
    ) -> Result<Option<Row>> {
        let model = self.model(model)?;
        let idx = model.field_index(field)?;
        if model.fields[idx].ty != FieldType::Number || model.fields[idx].holds_id() {
            return Err(Error::invalid_query(&model.name, format!("`{field}` is not a number field")));
        }
        if set.contains_key(field) {
            return Err(Error::invalid_query(&model.name, format!("`{field}` is both set and incremented")));
        }
        let mut set = self.set_list(model, set)?;
        set.push((idx, Set::Increment(delta)));
        if filter.is_empty() {
            return Ok(None);
        }
        let Some(filter) = self.filter(model, filter)? else { return Ok(None) };
        let update = Update { model, filter, set, one: true, returning: true, relations: self.relations() };
        let written = self.backend.update(update).await?;
        written.row.map(|r| self.full_row(model, r)).transpose()
    }

    async fn run_transaction(&self, f: TxFn<'_>) -> Result<()> {
        if self.tx.is_some() {
            return f(Arc::new(self.clone())).await;
        }
        let tx: Arc<dyn Transaction> = Arc::from(self.backend.begin().await?);
        let deferred = Arc::new(Mutex::new(Vec::new()));
        let inner = AuthDb {
            backend: tx.clone(),
            tx: Some(tx.clone()),
            schema: self.schema.clone(),
            caps: self.caps,
            config: self.config.clone(),
            deferred: Some(deferred.clone()),
        };
        match f(Arc::new(inner)).await {
            Ok(()) => {
                tx.commit().await?;
                let jobs = std::mem::take(&mut *deferred.lock().map_err(|_| Error::transaction("poisoned"))?);
                for job in jobs {
                    job().await?;
                }
                Ok(())
            }
            Err(e) => {
                // The body's error says what went wrong; a rollback that fails as well (the
                // connection is gone) ends the transaction all the same.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }
}
