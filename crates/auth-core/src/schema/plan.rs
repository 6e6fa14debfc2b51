//! What `migrate` would do to a live database: the changes it makes, the statements that make
//! them, and the differences it refuses to close.

use super::diff::Difference;

/// A difference `migrate` will not close itself, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The difference.
    pub difference: Difference,
    /// Why closing it could alter or lose data.
    pub reason: &'static str,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.difference, self.reason)
    }
}

/// A migration plan, from [`crate::AuthDb::plan_migration`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationPlan {
    /// The safe changes: missing tables, columns and indexes.
    pub changes: Vec<Difference>,
    /// The statements that make [`MigrationPlan::changes`], exactly as the backend runs them
    /// (SQL; for MongoDB the collection and index commands, in shell syntax).
    pub statements: Vec<String>,
    /// What `migrate` refuses to change. While any is left, `migrate` changes nothing.
    pub refused: Vec<Refusal>,
}

impl MigrationPlan {
    /// `true` when the database already matches the schema.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.refused.is_empty()
    }

    /// `true` when `migrate` would refuse to run.
    pub fn is_refused(&self) -> bool {
        !self.refused.is_empty()
    }
}
