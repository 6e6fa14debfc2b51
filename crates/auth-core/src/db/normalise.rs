//! Where normalisation: the caller layer's [`Where`]s become the backend layer's [`Filter`] —
//! names resolved, values encoded, empty lists and null comparisons rewritten.

use super::AuthDb;
use crate::backend::{Cond, Filter, Op};
use crate::error::{Error, Result};
use crate::query::{Connector, Mode, Operator, Where};
use crate::schema::{FieldType, Model};
use crate::value::Value;

/// What one caller condition comes to.
enum Normalised {
    /// A condition the backend checks.
    Cond(Cond),
    /// True for every row (`not_in` an empty list): dropped from its group.
    Always,
    /// True for no row (`in` an empty list).
    Never,
}

impl AuthDb {
    /// Normalises a where clause; `None` when it can match no row.
    pub(super) fn filter(&self, model: &Model, wheres: &[Where]) -> Result<Option<Filter>> {
        let mut filter = Filter::default();
        let (mut or_seen, mut or_true) = (false, false);
        for w in wheres {
            let normalised = self.normalise(model, w)?;
            match (w.connector, normalised) {
                (Connector::And, Normalised::Cond(c)) => filter.and.push(c),
                (Connector::And, Normalised::Always) => {}
                (Connector::And, Normalised::Never) => return Ok(None),
                (Connector::Or, n) => {
                    or_seen = true;
                    match n {
                        Normalised::Cond(c) => filter.or.push(c),
                        Normalised::Always => or_true = true,
                        Normalised::Never => {}
                    }
                }
            }
        }
        if or_true {
            filter.or.clear();
        } else if or_seen && filter.or.is_empty() {
            return Ok(None);
        }
        Ok(Some(filter))
    }

    /// One condition.
    fn normalise(&self, model: &Model, w: &Where) -> Result<Normalised> {
        let idx = model.field_index(&w.field)?;
        let field = &model.fields[idx];
        let is_string = field.ty == FieldType::String && !field.holds_id();
        let insensitive = w.mode == Mode::Insensitive && is_string;
        let bad = |reason: String| Error::invalid_query(&model.name, reason);
        let (op, value) = match w.operator {
            Operator::Eq | Operator::Ne if w.value.is_null() => {
                (if w.operator == Operator::Eq { Op::IsNull } else { Op::NotNull }, Value::Null)
            }
            Operator::In | Operator::NotIn => {
                let Value::List(items) = &w.value else {
                    return Err(bad(format!("`in`/`not_in` on `{}` needs a list", w.field)));
                };
                if items.is_empty() {
                    return Ok(if w.operator == Operator::In { Normalised::Never } else { Normalised::Always });
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if item.is_null() {
                        return Err(bad(format!("null in the list of `{}`", w.field)));
                    }
                    out.push(self.encode_value(model, idx, item.clone())?);
                }
                (if w.operator == Operator::In { Op::In } else { Op::NotIn }, Value::List(out))
            }
            Operator::Contains | Operator::StartsWith | Operator::EndsWith => {
                if !is_string {
                    return Err(bad(format!("pattern operator on non-string field `{}`", w.field)));
                }
                let Value::String(_) = &w.value else {
                    return Err(bad(format!("pattern operator on `{}` needs a string", w.field)));
                };
                let op = match w.operator {
                    Operator::Contains => Op::Contains,
                    Operator::StartsWith => Op::StartsWith,
                    _ => Op::EndsWith,
                };
                (op, w.value.clone())
            }
            op => {
                if w.value.is_null() {
                    return Err(bad(format!("`{}` cannot be compared with null by {op:?}", w.field)));
                }
                let op = match op {
                    Operator::Eq => Op::Eq,
                    Operator::Ne => Op::Ne,
                    Operator::Lt => Op::Lt,
                    Operator::Lte => Op::Lte,
                    Operator::Gt => Op::Gt,
                    _ => Op::Gte,
                };
                (op, self.encode_value(model, idx, w.value.clone())?)
            }
        };
        Ok(Normalised::Cond(Cond { field: idx, op, value, insensitive }))
    }
}
