//! One field of a model: its logical name, column, type and attributes.

use serde::{Deserialize, Serialize};

use crate::value::Value;

/// The logical type of a field, as Better Auth declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldType {
    /// Text.
    #[serde(rename = "string")]
    String,
    /// A 64-bit integer (`integer`, or `bigint` when [`Field::bigint`]).
    #[serde(rename = "number")]
    Number,
    /// A boolean.
    #[serde(rename = "boolean")]
    Boolean,
    /// A UTC instant with millisecond precision.
    #[serde(rename = "date")]
    Date,
    /// Any JSON document.
    #[serde(rename = "json")]
    Json,
    /// A list of strings.
    #[serde(rename = "string[]")]
    StringArray,
    /// A list of numbers.
    #[serde(rename = "number[]")]
    NumberArray,
}

impl FieldType {
    /// The name Better Auth uses (`string`, `number[]`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Json => "json",
            FieldType::StringArray => "string[]",
            FieldType::NumberArray => "number[]",
        }
    }
}

/// What happens to referencing rows when the referenced row is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnDelete {
    /// Delete the referencing rows (Better Auth's default).
    #[default]
    Cascade,
    /// Set the referencing field to null.
    SetNull,
    /// Refuse the delete.
    Restrict,
    /// Refuse the delete at the end of the statement.
    NoAction,
}

impl OnDelete {
    /// The SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
            OnDelete::Restrict => "RESTRICT",
            OnDelete::NoAction => "NO ACTION",
        }
    }
}

/// A foreign key: this field holds the `field` of a row of `model`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The referenced model (logical name).
    pub model: String,
    /// The referenced field (logical name), usually `id`.
    #[serde(default = "id_field")]
    pub field: String,
    /// The delete rule.
    #[serde(default, rename = "on_delete", alias = "onDelete")]
    pub on_delete: OnDelete,
}

fn id_field() -> String {
    "id".to_string()
}

/// A default, applied by the library on create (and, for [`Field::on_update`], on update).
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// A constant.
    Value(Value),
    /// The current time.
    Now,
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Logical name (`emailVerified`); filled from the configuration key.
    #[serde(skip)]
    pub name: String,
    /// Column (or document key) name; defaults to the logical name.
    #[serde(default, rename = "field_name", alias = "fieldName", skip_serializing_if = "String::is_empty")]
    pub column: String,
    /// The value type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// NOT NULL, and required on create unless a default exists.
    #[serde(default = "yes")]
    pub required: bool,
    /// A unique index.
    #[serde(default)]
    pub unique: bool,
    /// A (non-unique) index.
    #[serde(default)]
    pub index: bool,
    /// Stored as `bigint` on SQL backends that distinguish.
    #[serde(default)]
    pub bigint: bool,
    /// Callers may set it (`false`: only defaults fill it).
    #[serde(default = "yes")]
    pub input: bool,
    /// Handed back to clients (informative; the typed layer hides it from `Serialize`).
    #[serde(default = "yes")]
    pub returned: bool,
    /// A foreign key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Reference>,
    /// The default on create.
    #[serde(skip)]
    pub default: Option<DefaultValue>,
    /// The value written on every update (Better Auth's `onUpdate`, e.g. `updatedAt`).
    #[serde(skip)]
    pub on_update: Option<DefaultValue>,
    /// Configuration spelling of a constant default.
    #[serde(default, rename = "default", skip_serializing)]
    pub(crate) default_config: Option<serde_json::Value>,
    /// Configuration spelling of a default of "now".
    #[serde(default, skip_serializing)]
    pub(crate) default_now: bool,
}

fn yes() -> bool {
    true
}

impl Field {
    /// A required field of type `ty`, stored in a column named like the field.
    pub fn new(name: &str, ty: FieldType) -> Self {
        Field {
            name: name.to_string(),
            column: name.to_string(),
            ty,
            required: true,
            unique: false,
            index: false,
            bigint: false,
            input: true,
            returned: true,
            references: None,
            default: None,
            on_update: None,
            default_config: None,
            default_now: false,
        }
    }

    /// A required string.
    pub fn string(name: &str) -> Self {
        Field::new(name, FieldType::String)
    }

    /// A required number.
    pub fn number(name: &str) -> Self {
        Field::new(name, FieldType::Number)
    }

    /// A required boolean.
    pub fn boolean(name: &str) -> Self {
        Field::new(name, FieldType::Boolean)
    }

    /// A required date.
    pub fn date(name: &str) -> Self {
        Field::new(name, FieldType::Date)
    }

    /// Makes the field optional (nullable).
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// Adds a unique index.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Adds an index.
    pub fn index(mut self) -> Self {
        self.index = true;
        self
    }

    /// Stores the number as `bigint`.
    pub fn bigint(mut self) -> Self {
        self.bigint = true;
        self
    }

    /// Sets a constant default.
    pub fn default_value(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(DefaultValue::Value(v.into()));
        self
    }

    /// Defaults to the current time on create.
    pub fn default_now(mut self) -> Self {
        self.default = Some(DefaultValue::Now);
        self
    }

    /// Sets the field to the current time on every update.
    pub fn on_update_now(mut self) -> Self {
        self.on_update = Some(DefaultValue::Now);
        self
    }

    /// Stores the field in column `column`.
    pub fn column(mut self, column: &str) -> Self {
        self.column = column.to_string();
        self
    }

    /// References `model.field` with the delete rule `on_delete`.
    pub fn references(mut self, model: &str, field: &str, on_delete: OnDelete) -> Self {
        self.references =
            Some(Reference { model: model.to_string(), field: field.to_string(), on_delete });
        self
    }

    /// Callers may not set this field.
    pub fn no_input(mut self) -> Self {
        self.input = false;
        self
    }

    /// This field is never handed back to clients.
    pub fn not_returned(mut self) -> Self {
        self.returned = false;
        self
    }

    /// `true` for the primary key and for fields that reference a primary key: the fields whose
    /// values are ids (ObjectIds on MongoDB, integers with serial ids).
    pub fn holds_id(&self) -> bool {
        self.name == "id" || self.references.as_ref().is_some_and(|r| r.field == "id")
    }
}
