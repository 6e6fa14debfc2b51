//! SQL text with bound parameters for every normalised operation.
//!
//! Values are always bound, never spliced (an update that clears a column writes the keyword
//! `NULL`, so no driver has to type a NULL parameter); identifiers come from the validated schema
//! and are quoted. Dialect rules live here once: LIKE escaping, case-sensitive comparison on
//! MySQL, case-sensitive patterns on SQLite (GLOB), RETURNING or its absence. Statements on one
//! row by id take the id where they are built ([`select_by_id`], [`update_by_id`],
//! [`delete_by_id`]).

use super::Dialect;
use crate::backend::{Cond, Delete, Filter, Insert, Op, Select, Set, Update};
use crate::query::Direction;
use crate::schema::{FieldType, Model};
use crate::value::Value;

/// A statement: SQL text and its parameters in placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// The SQL text.
    pub sql: String,
    /// The parameters.
    pub params: Vec<Value>,
}

/// Where the values of a joined row sit in a flat result row of [`select`].
#[derive(Debug, Clone, PartialEq)]
pub struct JoinSlot {
    /// Index of the first joined column.
    pub start: usize,
    /// Number of joined columns.
    pub len: usize,
    /// Index of the column that is NULL exactly when no row was joined.
    pub presence: usize,
}

/// The output layout of a [`select`] statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Type of each output column, in order.
    pub types: Vec<FieldType>,
    /// Number of base columns (they come first).
    pub base: usize,
    /// Joined column ranges, one per join.
    pub joins: Vec<JoinSlot>,
}

impl Layout {
    /// Splits a flat result row into a [`crate::Record`].
    pub fn record(&self, mut values: Vec<Value>) -> crate::backend::Record {
        let joined = self
            .joins
            .iter()
            .map(|j| {
                if values.get(j.presence).is_none_or(Value::is_null) {
                    None
                } else {
                    values.get(j.start..j.start + j.len).map(<[Value]>::to_vec)
                }
            })
            .collect();
        values.truncate(self.base);
        crate::backend::Record { values, joined }
    }

    /// Splits flat result rows into records.
    pub fn records(&self, rows: Vec<Vec<Value>>) -> Vec<crate::backend::Record> {
        rows.into_iter().map(|r| self.record(r)).collect()
    }
}

struct Builder {
    d: Dialect,
    sql: String,
    params: Vec<Value>,
}

impl Builder {
    fn new(d: Dialect) -> Self {
        Builder { d, sql: String::with_capacity(128), params: Vec::new() }
    }

    fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    fn ident(&mut self, s: &str) {
        let q = self.d.quote(s);
        self.sql.push_str(&q);
    }

    fn col(&mut self, alias: Option<&str>, column: &str) {
        if let Some(a) = alias {
            self.push(a);
            self.push(".");
        }
        self.ident(column);
    }

    fn param(&mut self, v: Value) {
        self.params.push(v);
        match self.d {
            Dialect::Postgres => {
                let n = self.params.len();
                self.sql.push_str(&format!("${n}"));
            }
            _ => self.sql.push('?'),
        }
    }

    fn finish(self) -> Stmt {
        Stmt { sql: self.sql, params: self.params }
    }

    fn filter(&mut self, model: &Model, alias: Option<&str>, f: &Filter) {
        if f.is_empty() {
            return;
        }
        self.push(" WHERE ");
        self.conditions(model, alias, f);
    }

    fn conditions(&mut self, model: &Model, alias: Option<&str>, f: &Filter) {
        for (i, c) in f.and.iter().enumerate() {
            if i > 0 {
                self.push(" AND ");
            }
            self.cond(model, alias, c);
        }
        if !f.or.is_empty() {
            if !f.and.is_empty() {
                self.push(" AND ");
            }
            self.push("(");
            for (i, c) in f.or.iter().enumerate() {
                if i > 0 {
                    self.push(" OR ");
                }
                self.cond(model, alias, c);
            }
            self.push(")");
        }
    }

    /// The column as compared: lower-cased when insensitive.
    fn operand_col(&mut self, model: &Model, alias: Option<&str>, c: &Cond) {
        let field = &model.fields[c.field];
        if c.insensitive {
            // MySQL compares by collation (`_` before letters, accents and trailing spaces
            // ignored): compare the lowered bytes instead.
            if self.d == Dialect::Mysql {
                self.push("BINARY ");
            }
            self.push("LOWER(");
            self.col(alias, &field.column);
            self.push(")");
        } else {
            self.col(alias, &field.column);
        }
    }

    /// The value as compared. On MySQL a string is compared as `BINARY ?`: byte for byte, and —
    /// unlike `BINARY column` — the column's index still serves the comparison.
    fn operand_value(&mut self, model: &Model, c: &Cond, v: Value) {
        if c.insensitive {
            self.push("LOWER(");
            self.param(v);
            self.push(")");
        } else if self.d == Dialect::Mysql && model.fields[c.field].ty == FieldType::String {
            self.push("BINARY ");
            self.param(v);
        } else {
            self.param(v);
        }
    }

    fn cond(&mut self, model: &Model, alias: Option<&str>, c: &Cond) {
        let column = &model.fields[c.field].column;
        let cmp = match c.op {
            Op::IsNull | Op::NotNull => {
                self.push("(");
                self.col(alias, column);
                self.push(if c.op == Op::IsNull { " IS NULL)" } else { " IS NOT NULL)" });
                return;
            }
            Op::In | Op::NotIn => {
                self.push("(");
                self.operand_col(model, alias, c);
                self.push(if c.op == Op::In { " IN (" } else { " NOT IN (" });
                let items = match &c.value {
                    Value::List(items) => items.clone(),
                    v => vec![v.clone()],
                };
                for (i, v) in items.into_iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.operand_value(model, c, v);
                }
                self.push("))");
                return;
            }
            Op::Contains | Op::StartsWith | Op::EndsWith => {
                self.pattern(alias, column, c);
                return;
            }
            Op::Eq => " = ",
            Op::Ne => " <> ",
            Op::Lt => " < ",
            Op::Lte => " <= ",
            Op::Gt => " > ",
            Op::Gte => " >= ",
        };
        self.push("(");
        self.operand_col(model, alias, c);
        self.push(cmp);
        self.operand_value(model, c, c.value.clone());
        self.push(")");
    }

    fn pattern(&mut self, alias: Option<&str>, column: &str, c: &Cond) {
        let text = c.value.as_str().unwrap_or_default();
        let (pre, post) = match c.op {
            Op::Contains => (true, true),
            Op::StartsWith => (false, true),
            _ => (true, false),
        };
        if self.d == Dialect::Sqlite && !c.insensitive {
            // SQLite's LIKE ignores ASCII case; GLOB is case-sensitive.
            let mut p = String::with_capacity(text.len() + 2);
            if pre {
                p.push('*');
            }
            for ch in text.chars() {
                match ch {
                    '*' => p.push_str("[*]"),
                    '?' => p.push_str("[?]"),
                    '[' => p.push_str("[[]"),
                    _ => p.push(ch),
                }
            }
            if post {
                p.push('*');
            }
            self.push("(");
            self.col(alias, column);
            self.push(" GLOB ");
            self.param(Value::String(p));
            self.push(")");
            return;
        }
        let mut p = String::with_capacity(text.len() + 2);
        if pre {
            p.push('%');
        }
        for ch in text.chars() {
            if matches!(ch, '%' | '_' | '!') {
                p.push('!');
            }
            p.push(ch);
        }
        if post {
            p.push('%');
        }
        self.push("(");
        match (self.d, c.insensitive) {
            (Dialect::Postgres, true) => {
                self.col(alias, column);
                self.push(" ILIKE ");
            }
            (_, true) => {
                if self.d == Dialect::Mysql {
                    self.push("BINARY ");
                }
                self.push("LOWER(");
                self.col(alias, column);
                self.push(") LIKE LOWER(");
                self.param(Value::String(p));
                self.push(") ESCAPE '!')");
                return;
            }
            (Dialect::Mysql, false) => {
                self.col(alias, column);
                self.push(" LIKE BINARY ");
            }
            _ => {
                self.col(alias, column);
                self.push(" LIKE ");
            }
        }
        self.param(Value::String(p));
        self.push(" ESCAPE '!')");
    }

    fn limit(&mut self, limit: Option<u64>, offset: Option<u64>) {
        match (limit, offset) {
            (Some(l), _) => self.push(&format!(" LIMIT {l}")),
            (None, Some(_)) => match self.d {
                Dialect::Sqlite => self.push(" LIMIT -1"),
                Dialect::Mysql => self.push(" LIMIT 18446744073709551615"),
                Dialect::Postgres => {}
            },
            (None, None) => {}
        }
        if let Some(o) = offset {
            self.push(&format!(" OFFSET {o}"));
        }
    }

    fn column_list(&mut self, model: &Model, alias: Option<&str>, columns: &[usize]) {
        for (i, &c) in columns.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.col(alias, &model.fields[c].column);
        }
    }

    /// `SELECT <every field> FROM t`.
    fn select_all(&mut self, model: &Model) {
        self.push("SELECT ");
        let all: Vec<usize> = (0..model.fields.len()).collect();
        self.column_list(model, None, &all);
        self.push(" FROM ");
        self.ident(&model.table);
    }

    /// `UPDATE t SET c = v, …`.
    fn set(&mut self, model: &Model, set: &[(usize, Set)]) {
        self.push("UPDATE ");
        self.ident(&model.table);
        self.push(" SET ");
        for (i, (c, set)) in set.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            let column = &model.fields[*c].column;
            self.ident(column);
            self.push(" = ");
            match set {
                Set::Value(Value::Null) => self.push("NULL"),
                Set::Value(v) => self.param(v.clone()),
                Set::Increment(delta) => {
                    self.ident(column);
                    self.push(" + ");
                    self.param(Value::Int(*delta));
                }
            }
        }
    }

    /// ` WHERE "id" = ?`.
    fn where_id(&mut self, model: &Model, id: Value) {
        self.push(" WHERE ");
        self.ident(&model.fields[0].column);
        self.push(" = ");
        self.param(id);
    }

    fn returning_all(&mut self, model: &Model) {
        if self.d.returning() {
            self.push(" RETURNING ");
            let all: Vec<usize> = (0..model.fields.len()).collect();
            self.column_list(model, None, &all);
        }
    }

    /// The WHERE of an UPDATE or DELETE: every matching row, or with `one` one of them — on
    /// dialects with RETURNING picked atomically (the filter checked again on the locked row)
    /// and, with `returning`, returned.
    fn which(&mut self, model: &Model, f: &Filter, one: bool, returning: bool) {
        if !(one && self.d.returning()) {
            self.filter(model, None, f);
            if one {
                self.push(" LIMIT 1");
            }
            return;
        }
        self.push(" WHERE ");
        if !f.is_empty() {
            self.conditions(model, None, f);
            self.push(" AND ");
        }
        self.one_row(model, f);
        if returning {
            self.returning_all(model);
        }
    }

    /// `"id" IN (SELECT "id" FROM t WHERE filter LIMIT 1)`: picks one row atomically.
    fn one_row(&mut self, model: &Model, f: &Filter) {
        let id = &model.fields[0].column;
        self.ident(id);
        self.push(" IN (SELECT ");
        self.ident(id);
        self.push(" FROM ");
        self.ident(&model.table);
        self.filter(model, None, f);
        self.push(" LIMIT 1)");
    }
}

/// Types of all fields of a model, in field order.
pub fn all_types(model: &Model) -> Vec<FieldType> {
    model.fields.iter().map(|f| f.ty).collect()
}

/// SELECT with one-to-one LEFT JOINs; the [`Layout`] splits result rows into records.
pub fn select(d: Dialect, op: &Select<'_>) -> (Stmt, Layout) {
    let mut b = Builder::new(d);
    let mut types: Vec<FieldType> = op.columns.iter().map(|&c| op.model.fields[c].ty).collect();
    b.push("SELECT ");
    b.column_list(op.model, Some("b"), &op.columns);
    let mut slots = Vec::new();
    for (n, j) in op.joins.iter().enumerate() {
        let alias = format!("j{n}");
        let start = types.len();
        for &c in &j.columns {
            b.push(", ");
            b.col(Some(&alias), &j.model.fields[c].column);
            types.push(j.model.fields[c].ty);
        }
        b.push(", ");
        b.col(Some(&alias), &j.model.fields[j.foreign].column);
        types.push(j.model.fields[j.foreign].ty);
        slots.push(JoinSlot { start, len: j.columns.len(), presence: types.len() - 1 });
    }
    b.push(" FROM ");
    b.ident(&op.model.table);
    b.push(" b");
    for (n, j) in op.joins.iter().enumerate() {
        let alias = format!("j{n}");
        b.push(" LEFT JOIN ");
        b.ident(&j.model.table);
        b.push(&format!(" {alias} ON "));
        b.col(Some(&alias), &j.model.fields[j.foreign].column);
        b.push(" = ");
        b.col(Some("b"), &op.model.fields[j.local].column);
    }
    b.filter(op.model, Some("b"), &op.filter);
    if let Some((c, dir)) = op.sort {
        b.push(" ORDER BY ");
        let field = &op.model.fields[c];
        // Byte order for strings on every backend.
        match (d, field.ty) {
            (Dialect::Mysql, FieldType::String) => {
                b.push("BINARY ");
                b.col(Some("b"), &field.column);
            }
            (Dialect::Postgres, FieldType::String) => {
                b.col(Some("b"), &field.column);
                b.push(" COLLATE \"C\"");
            }
            _ => b.col(Some("b"), &field.column),
        }
        b.push(if dir == Direction::Desc { " DESC" } else { " ASC" });
        // Nulls sort before every value on every backend (PostgreSQL alone puts them last).
        if d == Dialect::Postgres && !field.required {
            b.push(if dir == Direction::Desc { " NULLS LAST" } else { " NULLS FIRST" });
        }
    }
    b.limit(op.limit, op.offset);
    (b.finish(), Layout { types, base: op.columns.len(), joins: slots })
}

/// SELECT COUNT(*).
pub fn count(d: Dialect, model: &Model, filter: &Filter) -> Stmt {
    let mut b = Builder::new(d);
    b.push("SELECT COUNT(*) FROM ");
    b.ident(&model.table);
    b.filter(model, None, filter);
    b.finish()
}

/// INSERT, with RETURNING of every field where the dialect has it.
pub fn insert(d: Dialect, op: &Insert<'_>) -> Stmt {
    let mut b = Builder::new(d);
    b.push("INSERT INTO ");
    b.ident(&op.model.table);
    if op.values.is_empty() {
        b.push(if d == Dialect::Mysql { " () VALUES ()" } else { " DEFAULT VALUES" });
    } else {
        b.push(" (");
        let cols: Vec<usize> = op.values.iter().map(|(c, _)| *c).collect();
        b.column_list(op.model, None, &cols);
        b.push(") VALUES (");
        for (i, (_, v)) in op.values.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.param(v.clone());
        }
        b.push(")");
    }
    b.returning_all(op.model);
    b.finish()
}

/// UPDATE. With `op.one` on dialects with RETURNING: one row, picked and changed in one
/// statement, the filter checked again on the locked row, and the row returned. On MySQL use
/// [`lock_one`] in a transaction, then [`update_by_id`] and [`select_by_id`].
pub fn update(d: Dialect, op: &Update<'_>) -> Stmt {
    let mut b = Builder::new(d);
    b.set(op.model, &op.set);
    b.which(op.model, &op.filter, op.one, op.returning);
    b.finish()
}

/// DELETE; with `op.one` on dialects with RETURNING, one row picked, deleted and returned in one
/// statement. On MySQL use [`lock_one`] in a transaction, then read and delete by id.
pub fn delete(d: Dialect, op: &Delete<'_>) -> Stmt {
    let mut b = Builder::new(d);
    b.push("DELETE FROM ");
    b.ident(&op.model.table);
    b.which(op.model, &op.filter, op.one, op.returning);
    b.finish()
}

/// `SELECT <all fields> ... LIMIT 1 FOR UPDATE`: locks one matching row (dialects without
/// RETURNING run it first, in a transaction).
pub fn lock_one(d: Dialect, model: &Model, filter: &Filter) -> Stmt {
    let mut b = Builder::new(d);
    b.select_all(model);
    b.filter(model, None, filter);
    b.push(" LIMIT 1");
    if d != Dialect::Sqlite {
        b.push(" FOR UPDATE");
    }
    b.finish()
}

/// `SELECT <all fields> … WHERE id = ?`: the row whose id is `id` (as stored).
pub fn select_by_id(d: Dialect, model: &Model, id: Value) -> Stmt {
    let mut b = Builder::new(d);
    b.select_all(model);
    b.where_id(model, id);
    b.finish()
}

/// `UPDATE … SET … WHERE id = ?`: changes the row whose id is `id`.
pub fn update_by_id(d: Dialect, model: &Model, set: &[(usize, Set)], id: Value) -> Stmt {
    let mut b = Builder::new(d);
    b.set(model, set);
    b.where_id(model, id);
    b.finish()
}

/// `DELETE … WHERE id = ?`: deletes the row whose id is `id`.
pub fn delete_by_id(d: Dialect, model: &Model, id: Value) -> Stmt {
    let mut b = Builder::new(d);
    b.push("DELETE FROM ");
    b.ident(&model.table);
    b.where_id(model, id);
    b.finish()
}

/// The id the last insert on this connection generated (MySQL, for serial ids): one signed
/// integer (`LAST_INSERT_ID()` itself is unsigned, which not every driver reads as a number).
pub fn last_insert_id() -> Stmt {
    Stmt { sql: "SELECT CAST(LAST_INSERT_ID() AS SIGNED)".into(), params: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Schema;

    fn filter(conds: Vec<Cond>) -> Filter {
        Filter { and: conds, or: vec![] }
    }

    #[test]
    fn patterns_escape_wildcards_per_dialect() {
        let schema = Schema::better_auth();
        let user = schema.model("user").unwrap();
        let name = user.field_index("name").unwrap();
        let f = filter(vec![Cond { field: name, op: Op::Contains, value: "5%_!*".into(), insensitive: false }]);
        let s = count(Dialect::Postgres, user, &f);
        assert_eq!(s.sql, "SELECT COUNT(*) FROM \"user\" WHERE (\"name\" LIKE $1 ESCAPE '!')");
        assert_eq!(s.params, vec![Value::from("%5!%!_!!*%")]);
        let s = count(Dialect::Sqlite, user, &f);
        assert_eq!(s.sql, "SELECT COUNT(*) FROM \"user\" WHERE (\"name\" GLOB ?)");
        assert_eq!(s.params, vec![Value::from("*5%_![*]*")]);
        let s = count(Dialect::Mysql, user, &f);
        assert_eq!(s.sql, "SELECT COUNT(*) FROM `user` WHERE (`name` LIKE BINARY ? ESCAPE '!')");
    }

    #[test]
    fn and_or_groups_are_parenthesised() {
        let schema = Schema::better_auth();
        let user = schema.model("user").unwrap();
        let c = |v: &str| Cond { field: 1, op: Op::Eq, value: v.into(), insensitive: false };
        let f = Filter { and: vec![c("a"), c("b")], or: vec![c("c"), c("d")] };
        let s = count(Dialect::Sqlite, user, &f);
        assert_eq!(
            s.sql,
            "SELECT COUNT(*) FROM \"user\" WHERE (\"name\" = ?) AND (\"name\" = ?) AND ((\"name\" = ?) OR (\"name\" = ?))"
        );
    }

    #[test]
    fn by_id_statements_bind_the_id_they_are_built_with() {
        let schema = Schema::better_auth();
        let v = schema.model("verification").unwrap();
        let set = [(1, Set::Value("i".into())), (2, Set::Value(Value::Null))];
        let s = update_by_id(Dialect::Mysql, v, &set, "v1".into());
        assert_eq!(s.sql, "UPDATE `verification` SET `identifier` = ?, `value` = NULL WHERE `id` = ?");
        assert_eq!(s.params, vec![Value::from("i"), Value::from("v1")]);
        let s = select_by_id(Dialect::Postgres, v, Value::Int(7));
        assert_eq!(
            s.sql,
            "SELECT \"id\", \"identifier\", \"value\", \"expiresAt\", \"createdAt\", \"updatedAt\" FROM \"verification\" WHERE \"id\" = $1"
        );
        assert_eq!(s.params, vec![Value::Int(7)]);
        let s = delete_by_id(Dialect::Sqlite, v, "v1".into());
        assert_eq!((s.sql.as_str(), s.params), ("DELETE FROM \"verification\" WHERE \"id\" = ?", vec![Value::from("v1")]));
    }

    #[test]
    fn update_one_rechecks_the_filter_and_returns_the_row() {
        let schema = Schema::better_auth();
        let v = schema.model("verification").unwrap();
        let op = Update {
            model: v,
            filter: filter(vec![Cond { field: 1, op: Op::Eq, value: "x".into(), insensitive: false }]),
            set: vec![(2, Set::Value("y".into()))],
            one: true,
            returning: true,
            relations: crate::relations::Relations::new(&schema, Dialect::Postgres.capabilities()),
        };
        let s = update(Dialect::Postgres, &op);
        assert_eq!(
            s.sql,
            "UPDATE \"verification\" SET \"value\" = $1 WHERE (\"identifier\" = $2) AND \"id\" IN \
             (SELECT \"id\" FROM \"verification\" WHERE (\"identifier\" = $3) LIMIT 1) RETURNING \
             \"id\", \"identifier\", \"value\", \"expiresAt\", \"createdAt\", \"updatedAt\""
        );
    }
}
