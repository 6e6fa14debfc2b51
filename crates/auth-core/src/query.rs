//! The caller layer: what callers ask for — where clauses, sorting, paging, joins — by logical
//! model and field names. `auth-core` turns it into the backend layer's operations
//! ([`crate::backend`]).

use crate::value::Value;

/// A comparison operator of the where language (caller layer; normalised into a
/// [`crate::backend::Op`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// Equal (`eq null` is IS NULL).
    Eq,
    /// Not equal (`ne null` is IS NOT NULL).
    Ne,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// In a list (an empty list matches nothing).
    In,
    /// Not in a list (an empty list matches everything).
    NotIn,
    /// Contains the string, literally.
    Contains,
    /// Starts with the string, literally.
    StartsWith,
    /// Ends with the string, literally.
    EndsWith,
}

/// How a condition joins the others: AND conditions form one group, OR conditions another,
/// and the two groups are ANDed: `(a1 AND a2) AND (o1 OR o2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connector {
    /// Joins the AND group (the default).
    #[default]
    And,
    /// Joins the OR group.
    Or,
}

/// String comparison mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Case-sensitive on every backend (the default).
    #[default]
    Sensitive,
    /// Case-insensitive; applies to string values only.
    Insensitive,
}

/// One condition on a field (caller layer; normalised into a [`crate::backend::Cond`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    /// Logical field name.
    pub field: String,
    /// The operator.
    pub operator: Operator,
    /// The operand (a [`Value::List`] for `in` / `not_in`).
    pub value: Value,
    /// Which group the condition joins.
    pub connector: Connector,
    /// Case sensitivity for strings.
    pub mode: Mode,
}

macro_rules! where_ctor {
    ($($name:ident => $op:ident),* $(,)?) => {$(
        #[doc = concat!("`field ", stringify!($name), " value`.")]
        pub fn $name(field: &str, value: impl Into<Value>) -> Self {
            Where::new(field, Operator::$op, value)
        }
    )*};
}

impl Where {
    /// A condition with the AND connector and sensitive mode.
    pub fn new(field: &str, operator: Operator, value: impl Into<Value>) -> Self {
        Where {
            field: field.to_string(),
            operator,
            value: value.into(),
            connector: Connector::And,
            mode: Mode::Sensitive,
        }
    }

    where_ctor!(eq => Eq, ne => Ne, lt => Lt, lte => Lte, gt => Gt, gte => Gte, in_list => In,
        not_in => NotIn, contains => Contains, starts_with => StartsWith, ends_with => EndsWith);

    /// Moves the condition to the OR group.
    pub fn or(mut self) -> Self {
        self.connector = Connector::Or;
        self
    }

    /// Compares strings case-insensitively.
    pub fn insensitive(mut self) -> Self {
        self.mode = Mode::Insensitive;
        self
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// A join to a related model, found through the schema's references (caller layer; planned into
/// a [`crate::backend::JoinOne`] or a second read).
///
/// Backward (`session` → `user`, through `session.userId`) and unique forward joins give one row
/// or null; forward joins through a non-unique reference (`user` → `session`) give a list, at most
/// `limit` rows per base row (default 100).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Join {
    /// The joined model (logical name); also the key of the joined value in the result.
    pub model: String,
    /// Rows per base row for one-to-many joins.
    pub limit: Option<u64>,
    /// Fields of the joined rows to return (all when `None`).
    pub select: Option<Vec<String>>,
}

impl Join {
    /// Joins `model` with defaults.
    pub fn new(model: &str) -> Self {
        Join { model: model.to_string(), ..Join::default() }
    }

    /// Caps a one-to-many join.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Selects fields of the joined rows.
    pub fn select(mut self, fields: &[&str]) -> Self {
        self.select = Some(fields.iter().map(|s| s.to_string()).collect());
        self
    }
}

/// A read: where, select, sort, paging and joins (caller layer; planned into a
/// [`crate::backend::Select`]). `find_one` ignores `limit` and `offset`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// Conditions (all rows when empty).
    pub filter: Vec<Where>,
    /// Fields to return (all when `None`).
    pub select: Option<Vec<String>>,
    /// Sort by one field.
    pub sort: Option<(String, Direction)>,
    /// At most this many rows; no limit when `None` (there is no silent default).
    pub limit: Option<u64>,
    /// Skip this many rows.
    pub offset: Option<u64>,
    /// Related models to join.
    pub join: Vec<Join>,
}

impl Query {
    /// All rows.
    pub fn new() -> Self {
        Query::default()
    }

    /// Rows matching `filter`.
    pub fn filter(filter: Vec<Where>) -> Self {
        Query { filter, ..Query::default() }
    }

    /// Adds a condition.
    pub fn and(mut self, w: Where) -> Self {
        self.filter.push(w);
        self
    }

    /// Selects fields.
    pub fn select(mut self, fields: &[&str]) -> Self {
        self.select = Some(fields.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Sorts by a field.
    pub fn sort_by(mut self, field: &str, direction: Direction) -> Self {
        self.sort = Some((field.to_string(), direction));
        self
    }

    /// Caps the result.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Skips rows.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Joins a related model.
    pub fn join(mut self, join: Join) -> Self {
        self.join.push(join);
        self
    }
}

/// Options of `create`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreateOptions {
    /// Fields to return (all when `None`).
    pub select: Option<Vec<String>>,
    /// Keep an `id` given in the data instead of generating one.
    pub force_id: bool,
}
