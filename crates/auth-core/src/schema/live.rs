//! What a live database holds, as a backend reports it (for schema checks and migrations).

/// A column of a live table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveColumn {
    /// Column name.
    pub name: String,
    /// The type as the database reports it, lower-cased (`text`, `timestamp with time zone`,
    /// `varchar(255)`); empty where the database has no column types (MongoDB).
    pub data_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
}

/// An index (or unique constraint) of a live table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveIndex {
    /// Index name.
    pub name: String,
    /// Indexed columns, in order.
    pub columns: Vec<String>,
    /// Unique index or unique constraint.
    pub unique: bool,
}

/// A live table (or collection).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveTable {
    /// Table name.
    pub name: String,
    /// Columns; empty for schemaless collections.
    pub columns: Vec<LiveColumn>,
    /// Indexes.
    pub indexes: Vec<LiveIndex>,
    /// Whether the table holds at least one row.
    pub has_rows: bool,
}

/// The tables of a live database that the schema cares about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveSchema {
    /// Tables, in any order.
    pub tables: Vec<LiveTable>,
    /// `false` for schemaless stores (MongoDB): only tables and indexes are compared.
    pub has_columns: bool,
}

impl LiveSchema {
    /// The table called `name` (SQL identifiers compared case-insensitively).
    pub fn table(&self, name: &str) -> Option<&LiveTable> {
        self.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

impl LiveTable {
    /// The column called `name`, compared case-insensitively.
    pub fn column(&self, name: &str) -> Option<&LiveColumn> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }
}
