//! The schema model: which tables and fields exist, under which physical names.
//!
//! A [`Schema`] is built once from a [`SchemaConfig`] (core tables, enabled plugins, additional
//! fields, custom names, id strategy) and validated then; every later operation looks names up
//! here, so an unknown model or field is caught before any database is touched.

pub mod diff;
mod field;
pub mod live;
pub mod plan;
mod tables;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use field::{DefaultValue, Field, FieldType, OnDelete, Reference};
pub use tables::{Plugin, PluginSchema, core_models};

use crate::error::{Error, Result};
use crate::id::{IdGenerator, IdKind, IdStrategy};
use crate::value::Value;

/// Per-model customisation in a [`SchemaConfig`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The physical table (collection) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Column renames: logical field → column.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// Extra fields (Better Auth's `additionalFields`), merged over core and plugin fields.
    #[serde(default, alias = "additionalFields", skip_serializing_if = "BTreeMap::is_empty")]
    pub additional_fields: BTreeMap<String, Field>,
}

/// The user-facing schema configuration (also the CLI's TOML file).
///
/// ```
/// use auth_core::{Field, Plugin, Schema, SchemaConfig};
/// let schema = SchemaConfig::default()
///     .plugin(Plugin::TwoFactor)
///     .table("user", "users")
///     .field("user", Field::string("role").optional().default_value("user"))
///     .build()
///     .unwrap();
/// assert_eq!(schema.model("user").unwrap().table, "users");
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaConfig {
    /// Append `s` to every table name that is not set explicitly.
    #[serde(default)]
    pub plural: bool,
    /// Enabled plugins.
    #[serde(default)]
    pub plugins: Vec<Plugin>,
    /// The id strategy.
    #[serde(default)]
    pub id: IdKind,
    /// Per-model customisation, keyed by logical model name.
    #[serde(default)]
    pub models: BTreeMap<String, ModelConfig>,
    /// A custom id generator; overrides `id`.
    #[serde(skip)]
    pub generate_id: Option<IdGenerator>,
}

impl std::fmt::Debug for SchemaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaConfig")
            .field("plural", &self.plural)
            .field("plugins", &self.plugins)
            .field("id", &self.id)
            .field("models", &self.models)
            .field("generate_id", &self.generate_id.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl SchemaConfig {
    /// Enables a plugin.
    pub fn plugin(mut self, p: Plugin) -> Self {
        if !self.plugins.contains(&p) {
            self.plugins.push(p);
        }
        self
    }

    /// Renames a model's table.
    pub fn table(mut self, model: &str, table: &str) -> Self {
        self.models.entry(model.to_string()).or_default().table = Some(table.to_string());
        self
    }

    /// Renames a field's column.
    pub fn column(mut self, model: &str, field: &str, column: &str) -> Self {
        self.models
            .entry(model.to_string())
            .or_default()
            .columns
            .insert(field.to_string(), column.to_string());
        self
    }

    /// Adds (or overrides) a field of a model.
    pub fn field(mut self, model: &str, field: Field) -> Self {
        self.models
            .entry(model.to_string())
            .or_default()
            .additional_fields
            .insert(field.name.clone(), field);
        self
    }

    /// Plural table names (`users`, `sessions`, ...).
    pub fn plural(mut self, plural: bool) -> Self {
        self.plural = plural;
        self
    }

    /// Sets the id strategy.
    pub fn id_strategy(mut self, strategy: IdStrategy) -> Self {
        match strategy {
            IdStrategy::Custom(f) => self.generate_id = Some(f),
            IdStrategy::Random => self.id = IdKind::Random,
            IdStrategy::Uuid => self.id = IdKind::Uuid,
            IdStrategy::Serial => self.id = IdKind::Serial,
            IdStrategy::Native => self.id = IdKind::Native,
        }
        self
    }

    /// Merges and validates into a [`Schema`].
    pub fn build(&self) -> Result<Schema> {
        Schema::from_config(self)
    }
}

/// One model (table or collection) with physical names resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Logical name (`user`, `twoFactor`).
    pub name: String,
    /// Physical table (collection) name.
    pub table: String,
    /// Fields; `id` is always first.
    pub fields: Vec<Field>,
}

/// An index the schema asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// `<table>_<column>_idx`, or `_uidx` when unique; at most 63 bytes.
    pub name: String,
    /// The indexed column.
    pub column: String,
    /// A unique index.
    pub unique: bool,
}

impl Model {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Result<&Field> {
        self.fields.iter().find(|f| f.name == name).ok_or_else(|| Error::UnknownField {
            model: self.name.clone(),
            field: name.to_string(),
        })
    }

    /// The position of the field called `name`.
    pub fn field_index(&self, name: &str) -> Result<usize> {
        self.fields.iter().position(|f| f.name == name).ok_or_else(|| Error::UnknownField {
            model: self.name.clone(),
            field: name.to_string(),
        })
    }

    /// The primary key field.
    pub fn id(&self) -> &Field {
        &self.fields[0]
    }

    /// The indexes of this model, unique ones included, in field order.
    pub fn indexes(&self) -> Vec<Index> {
        self.fields
            .iter()
            .filter(|f| f.name != "id" && (f.unique || f.index))
            .map(|f| Index {
                name: index_name(&self.table, &f.column, f.unique),
                column: f.column.clone(),
                unique: f.unique,
            })
            .collect()
    }
}

/// Better Auth's index name: `<table>_<column>_idx` / `_uidx`, cut to 63 bytes.
pub fn index_name(table: &str, column: &str, unique: bool) -> String {
    let mut name = format!("{table}_{column}_{}", if unique { "uidx" } else { "idx" });
    name.truncate(63);
    name
}

/// A validated schema: every model with its fields, and the id strategy.
#[derive(Debug, Clone)]
pub struct Schema {
    models: Vec<Model>,
    id: IdStrategy,
}

impl Default for Schema {
    fn default() -> Self {
        Schema::better_auth()
    }
}

impl Schema {
    /// Better Auth's four core tables with default names and native ids.
    pub fn better_auth() -> Schema {
        let models = core_models()
            .into_iter()
            .map(|(name, fields)| Model { name: name.into(), table: name.into(), fields })
            .collect();
        Schema { models, id: IdStrategy::Native }
    }

    /// Merges a configuration over Better Auth's tables and validates the result.
    pub fn from_config(cfg: &SchemaConfig) -> Result<Schema> {
        let mut models: Vec<(String, Vec<Field>)> =
            core_models().into_iter().map(|(n, f)| (n.to_string(), f)).collect();
        let mut plugins = cfg.plugins.clone();
        plugins.sort();
        plugins.dedup();
        for plugin in plugins {
            let ext = plugin.schema();
            for (name, fields) in ext.models {
                models.push((name.to_string(), fields));
            }
            for (model, field) in ext.fields {
                merge_field(&mut models, model, field)?;
            }
        }
        for (model, mc) in &cfg.models {
            if !models.iter().any(|(n, _)| n == model) {
                return Err(Error::InvalidSchema(format!("configuration names unknown model `{model}`")));
            }
            for (name, field) in &mc.additional_fields {
                if name == "id" {
                    return Err(Error::InvalidSchema(format!("`{model}.id` cannot be redefined")));
                }
                let mut field = field.clone();
                field.name = name.clone();
                resolve_config_default(model, &mut field)?;
                merge_field(&mut models, model, field)?;
            }
        }
        let id = match &cfg.generate_id {
            Some(f) => IdStrategy::Custom(f.clone()),
            None => cfg.id.into(),
        };
        let mut out = Vec::with_capacity(models.len());
        for (name, mut fields) in models {
            let mc = cfg.models.get(&name);
            for f in &mut fields {
                if f.column.is_empty() {
                    f.column = f.name.clone();
                }
                if let Some(col) = mc.and_then(|m| m.columns.get(&f.name)) {
                    f.column = col.clone();
                }
                if id.is_numeric() && f.holds_id() {
                    f.ty = FieldType::Number;
                    f.bigint = true;
                }
            }
            if let Some(mc) = mc {
                for field in mc.columns.keys() {
                    if !fields.iter().any(|f| &f.name == field) {
                        return Err(Error::InvalidSchema(format!(
                            "column rename names unknown field `{name}.{field}`"
                        )));
                    }
                }
            }
            let table = match mc.and_then(|m| m.table.clone()) {
                Some(t) => t,
                None if cfg.plural => format!("{name}s"),
                None => name.clone(),
            };
            out.push(Model { name, table, fields });
        }
        let schema = Schema { models: out, id };
        schema.validate()?;
        Ok(schema)
    }

    fn validate(&self) -> Result<()> {
        let mut tables = BTreeMap::new();
        for m in &self.models {
            check_identifier(&m.table, &format!("table of model `{}`", m.name))?;
            if let Some(other) = tables.insert(m.table.to_lowercase(), &m.name) {
                return Err(Error::InvalidSchema(format!(
                    "models `{other}` and `{}` both use table `{}`",
                    m.name, m.table
                )));
            }
            let mut columns = BTreeMap::new();
            for f in &m.fields {
                check_identifier(&f.column, &format!("column of `{}.{}`", m.name, f.name))?;
                if let Some(other) = columns.insert(f.column.to_lowercase(), &f.name) {
                    return Err(Error::InvalidSchema(format!(
                        "fields `{}.{other}` and `{}.{}` both use column `{}`",
                        m.name, m.name, f.name, f.column
                    )));
                }
                if let Some(r) = &f.references {
                    let target = self.models.iter().find(|t| t.name == r.model).ok_or_else(|| {
                        Error::InvalidSchema(format!(
                            "`{}.{}` references unknown model `{}`",
                            m.name, f.name, r.model
                        ))
                    })?;
                    if target.field(&r.field).is_err() {
                        return Err(Error::InvalidSchema(format!(
                            "`{}.{}` references unknown field `{}.{}`",
                            m.name, f.name, r.model, r.field
                        )));
                    }
                }
                if let Some(DefaultValue::Value(v)) = &f.default
                    && !tables::default_fits(f.ty, v)
                {
                    return Err(Error::InvalidSchema(format!(
                        "default of `{}.{}` is a {}, the field is a {}",
                        m.name,
                        f.name,
                        v.kind(),
                        f.ty.name()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The model called `name` (logical name).
    pub fn model(&self, name: &str) -> Result<&Model> {
        self.models.iter().find(|m| m.name == name).ok_or_else(|| Error::UnknownModel(name.to_string()))
    }

    /// Every model: the core four first, then plugin models.
    pub fn models(&self) -> &[Model] {
        &self.models
    }

    /// How ids are made.
    pub fn id_strategy(&self) -> &IdStrategy {
        &self.id
    }

    /// The models in an order where every referenced model comes before those referencing it.
    pub fn models_in_dependency_order(&self) -> Vec<&Model> {
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut out = Vec::new();
        while out.len() < self.models.len() {
            let before = out.len();
            for m in &self.models {
                if done.contains(m.name.as_str()) {
                    continue;
                }
                let ready = m.fields.iter().filter_map(|f| f.references.as_ref()).all(|r| {
                    r.model == m.name || done.contains(r.model.as_str())
                });
                if ready {
                    done.insert(&m.name);
                    out.push(m);
                }
            }
            if out.len() == before {
                // A reference cycle: emit the rest in declaration order.
                out.extend(self.models.iter().filter(|m| !done.contains(m.name.as_str())));
                break;
            }
        }
        out
    }
}

fn merge_field(models: &mut [(String, Vec<Field>)], model: &str, field: Field) -> Result<()> {
    let (_, fields) = models
        .iter_mut()
        .find(|(n, _)| n == model)
        .ok_or_else(|| Error::InvalidSchema(format!("field `{}` added to unknown model `{model}`", field.name)))?;
    match fields.iter_mut().find(|f| f.name == field.name) {
        Some(existing) => *existing = field,
        None => fields.push(field),
    }
    Ok(())
}

fn resolve_config_default(model: &str, field: &mut Field) -> Result<()> {
    if field.default_now {
        field.default = Some(DefaultValue::Now);
    }
    if let Some(json) = field.default_config.take() {
        let v = match (field.ty, json) {
            (FieldType::Date, serde_json::Value::String(s)) => {
                let d = chrono::DateTime::parse_from_rfc3339(&s).map_err(|e| {
                    Error::InvalidSchema(format!("default of `{model}.{}`: {e}", field.name))
                })?;
                Value::Date(d.with_timezone(&chrono::Utc))
            }
            (FieldType::Json, j) => Value::Json(j),
            (_, j) => Value::from_json(j),
        };
        field.default = Some(DefaultValue::Value(v));
    }
    Ok(())
}

fn check_identifier(name: &str, what: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = name.len() <= 63
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidSchema(format!(
            "invalid identifier `{name}` for {what}: use letters, digits and `_`, at most 63 bytes"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_better_auth() {
        let s = Schema::better_auth();
        let names: Vec<_> = s.models().iter().map(|m| m.table.as_str()).collect();
        assert_eq!(names, ["user", "session", "account", "verification"]);
        let session = s.model("session").unwrap();
        let idx: Vec<_> = session.indexes().into_iter().map(|i| i.name).collect();
        assert_eq!(idx, ["session_token_uidx", "session_userId_idx"]);
    }

    #[test]
    fn plural_applies_once_and_explicit_names_win() {
        let s = SchemaConfig::default().plural(true).table("user", "people").build().unwrap();
        assert_eq!(s.model("user").unwrap().table, "people");
        assert_eq!(s.model("session").unwrap().table, "sessions");
    }

    #[test]
    fn invalid_configurations_name_the_culprit() {
        let e = SchemaConfig::default().table("user", "session").build().unwrap_err();
        assert!(e.to_string().contains("both use table `session`"), "{e}");
        let e = SchemaConfig::default().column("user", "name", "email").build().unwrap_err();
        assert!(e.to_string().contains("both use column `email`"), "{e}");
        let e = SchemaConfig::default().table("user", "us-ers").build().unwrap_err();
        assert!(e.to_string().contains("`us-ers`"), "{e}");
        let e = SchemaConfig::default()
            .field("session", Field::string("orgId").references("org", "id", OnDelete::Cascade))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("unknown model `org`"), "{e}");
    }

    #[test]
    fn toml_like_config_parses() {
        let cfg: SchemaConfig = serde_json::from_value(serde_json::json!({
            "plugins": ["two-factor"],
            "models": {"user": {"table": "users", "additional_fields": {
                "role": {"type": "string", "required": false, "default": "user"}
            }}}
        }))
        .unwrap();
        let s = cfg.build().unwrap();
        let role = s.model("user").unwrap().field("role").unwrap();
        assert_eq!(role.default, Some(DefaultValue::Value(Value::from("user"))));
        assert!(s.model("twoFactor").is_ok());
    }
}
