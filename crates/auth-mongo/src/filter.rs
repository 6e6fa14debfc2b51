//! A normalised [`Filter`] as a MongoDB query document.
//!
//! Every operand is data: equality uses `$eq` explicitly (so a value shaped like `{"$ne": null}`
//! is compared, not interpreted), and patterns are regexes built from escaped text only.
//! Comparisons with a value never match a missing or null field, as in SQL.

use mongodb::bson::{Bson, Document, Regex, doc};

use auth_core::backend::{Cond, Filter, Op};
use auth_core::{Error, Model, Result, Value};

use crate::convert::{filter_bson, key};

/// Start-of-text anchor (not start-of-line).
const START: &str = "\\A";
/// End-of-text anchor (not before a final newline, unlike `$`).
const END: &str = "\\z";

/// Escapes `text` so that a regex matches it literally: regex metacharacters get a backslash,
/// NUL becomes `\x00`.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '^' | '$' | '.' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}' | '#' | '-' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\x00"),
            c => out.push(c),
        }
    }
    out
}

/// A regex over escaped `text`, case-insensitive when asked.
fn regex(model: &Model, pattern: String, insensitive: bool) -> Result<Bson> {
    let pattern = pattern
        .try_into()
        .map_err(|_| Error::invalid_query(&model.name, "a pattern cannot hold a NUL character"))?;
    let options = if insensitive { "i" } else { "" };
    let options = options.try_into().map_err(|_| Error::invalid_query(&model.name, "bad regex options"))?;
    Ok(Bson::RegularExpression(Regex { pattern, options }))
}

/// The regex matching exactly `text` (anchored), for insensitive `eq`, `ne`, `in`, `not_in`.
fn exact(model: &Model, v: &Value, insensitive: bool) -> Result<Bson> {
    let text = v.as_str().ok_or_else(|| Error::invalid_query(&model.name, "case-insensitive comparison of a non-string"))?;
    regex(model, format!("{START}{}{END}", escape(text)), insensitive)
}

/// The query document for `filter`, or `None` when no document can match.
pub(crate) fn compile(model: &Model, filter: &Filter, object_ids: bool) -> Result<Option<Document>> {
    let mut parts: Vec<Document> = Vec::with_capacity(filter.and.len() + 1);
    for c in &filter.and {
        match cond(model, c, object_ids)? {
            Some(d) => parts.push(d),
            None => return Ok(None),
        }
    }
    if !filter.or.is_empty() {
        let mut any: Vec<Bson> = Vec::with_capacity(filter.or.len());
        for c in &filter.or {
            if let Some(d) = cond(model, c, object_ids)? {
                any.push(Bson::Document(d));
            }
        }
        match any.len() {
            0 => return Ok(None),
            1 => {
                if let Some(Bson::Document(d)) = any.pop() {
                    parts.push(d);
                }
            }
            _ => parts.push(doc! { "$or": any }),
        }
    }
    Ok(Some(match parts.len() {
        0 => Document::new(),
        1 => parts.pop().unwrap_or_default(),
        _ => doc! { "$and": parts },
    }))
}

/// One condition; `None` when it matches nothing (an id that cannot exist).
fn cond(model: &Model, c: &Cond, object_ids: bool) -> Result<Option<Document>> {
    let field = model
        .fields
        .get(c.field)
        .ok_or_else(|| Error::invalid_query(&model.name, format!("no field at index {}", c.field)))?;
    let k = key(model, c.field).to_string();
    let one = |op: &str, v: Bson| -> Option<Document> {
        let mut inner = Document::new();
        inner.insert(op, v);
        let mut d = Document::new();
        d.insert(k.clone(), inner);
        Some(d)
    };
    let ins = c.insensitive;
    let list = || -> Vec<&Value> {
        match &c.value {
            Value::List(l) => l.iter().collect(),
            v => vec![v],
        }
    };
    Ok(match c.op {
        Op::IsNull => one("$eq", Bson::Null),
        Op::NotNull => one("$ne", Bson::Null),
        Op::Eq if ins => one("$regex", exact(model, &c.value, true)?),
        Op::Eq => match filter_bson(field, &c.value, object_ids) {
            Some(v) => one("$eq", v),
            None => None,
        },
        Op::Ne if ins => {
            let mut inner = doc! { "$ne": Bson::Null };
            inner.insert("$not", exact(model, &c.value, true)?);
            let mut d = Document::new();
            d.insert(k.clone(), inner);
            Some(d)
        }
        Op::Ne => match filter_bson(field, &c.value, object_ids) {
            Some(v) => one("$nin", Bson::Array(vec![v, Bson::Null])),
            None => one("$ne", Bson::Null),
        },
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => {
            let op = match c.op {
                Op::Lt => "$lt",
                Op::Lte => "$lte",
                Op::Gt => "$gt",
                _ => "$gte",
            };
            if ins {
                // Compare lower-cased strings (ASCII folding, as `LOWER` in SQL); a missing or
                // null field never matches; `$literal` keeps a value like "$ne" from being read
                // as a field path.
                let text = c.value.as_str().ok_or_else(|| Error::invalid_query(&model.name, "case-insensitive comparison of a non-string"))?;
                let mut cmp = Document::new();
                cmp.insert(op, vec![Bson::Document(doc! { "$toLower": format!("${k}") }), Bson::Document(doc! { "$literal": text.to_ascii_lowercase() })]);
                return Ok(Some(doc! { "$and": [ { k.as_str(): { "$type": "string" } }, { "$expr": cmp } ] }));
            }
            match filter_bson(field, &c.value, object_ids) {
                Some(v) => one(op, v),
                None => None,
            }
        }
        Op::In => {
            let mut items = Vec::new();
            for v in list() {
                if ins {
                    items.push(exact(model, v, true)?);
                } else if let Some(b) = filter_bson(field, v, object_ids) {
                    items.push(b);
                }
            }
            if items.is_empty() { None } else { one("$in", Bson::Array(items)) }
        }
        Op::NotIn => {
            let mut items = Vec::new();
            for v in list() {
                if ins {
                    items.push(exact(model, v, true)?);
                } else if let Some(b) = filter_bson(field, v, object_ids) {
                    items.push(b);
                }
            }
            items.push(Bson::Null);
            one("$nin", Bson::Array(items))
        }
        Op::Contains | Op::StartsWith | Op::EndsWith => {
            let text = c
                .value
                .as_str()
                .ok_or_else(|| Error::invalid_query(&model.name, "a pattern operator needs a string"))?;
            let body = escape(text);
            let pattern = match c.op {
                Op::StartsWith => format!("{START}{body}"),
                Op::EndsWith => format!("{body}{END}"),
                _ => body,
            };
            one("$regex", regex(model, pattern, ins)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::Schema;

    fn user() -> Model {
        Schema::better_auth().model("user").expect("user").clone()
    }

    fn cond_of(op: Op, value: Value, insensitive: bool) -> Filter {
        Filter { and: vec![Cond { field: 1, op, value, insensitive }], or: vec![] }
    }

    fn pattern(d: &Document) -> (String, String) {
        let inner = d.get_document("name").expect("name");
        let b = inner.get("$regex").or_else(|| inner.get("$not")).expect("regex");
        match b {
            Bson::RegularExpression(r) => (r.pattern.to_string(), r.options.to_string()),
            other => panic!("not a regex: {other:?}"),
        }
    }

    #[test]
    fn metacharacters_are_escaped() {
        assert_eq!(escape("a.b*c"), "a\\.b\\*c");
        assert_eq!(escape("^(x)$"), "\\^\\(x\\)\\$");
        assert_eq!(escape("[a]{2}|b+?"), "\\[a\\]\\{2\\}\\|b\\+\\?");
        assert_eq!(escape("\\"), "\\\\");
        assert_eq!(escape("100%_'\""), "100%_'\"");
        assert_eq!(escape("zoë 🚀"), "zoë 🚀");
        assert_eq!(escape("a\0b"), "a\\x00b");
    }

    #[test]
    fn patterns_are_escaped_and_anchored() {
        let m = user();
        let d = compile(&m, &cond_of(Op::Contains, ".*".into(), false), true).unwrap().unwrap();
        assert_eq!(pattern(&d), ("\\.\\*".into(), "".into()));
        let d = compile(&m, &cond_of(Op::StartsWith, "a$".into(), true), true).unwrap().unwrap();
        assert_eq!(pattern(&d), ("\\Aa\\$".into(), "i".into()));
        let d = compile(&m, &cond_of(Op::EndsWith, "(x)".into(), false), true).unwrap().unwrap();
        assert_eq!(pattern(&d), ("\\(x\\)\\z".into(), "".into()));
        let d = compile(&m, &cond_of(Op::Eq, "A.b".into(), true), true).unwrap().unwrap();
        assert_eq!(pattern(&d), ("\\AA\\.b\\z".into(), "i".into()));
        let d = compile(&m, &cond_of(Op::Ne, "A.b".into(), true), true).unwrap().unwrap();
        assert_eq!(pattern(&d), ("\\AA\\.b\\z".into(), "i".into()));
    }

    #[test]
    fn operator_shaped_values_are_data() {
        let m = user();
        let d = compile(&m, &cond_of(Op::Eq, "{\"$ne\": null}".into(), false), true).unwrap().unwrap();
        assert_eq!(d, doc! { "name": { "$eq": "{\"$ne\": null}" } });
        let d = compile(&m, &cond_of(Op::Ne, "x".into(), false), true).unwrap().unwrap();
        assert_eq!(d, doc! { "name": { "$nin": ["x", Bson::Null] } });
    }

    #[test]
    fn invalid_object_ids_match_nothing() {
        let m = user();
        let f = Filter { and: vec![Cond { field: 0, op: Op::Eq, value: "nope".into(), insensitive: false }], or: vec![] };
        assert_eq!(compile(&m, &f, true).unwrap(), None);
        let f = Filter { and: vec![Cond { field: 0, op: Op::Eq, value: "nope".into(), insensitive: false }], or: vec![] };
        assert_eq!(compile(&m, &f, false).unwrap(), Some(doc! { "_id": { "$eq": "nope" } }));
        let ids = Value::List(vec!["nope".into(), "0123456789abcdef01234567".into()]);
        let f = Filter { and: vec![Cond { field: 0, op: Op::In, value: ids, insensitive: false }], or: vec![] };
        let d = compile(&m, &f, true).unwrap().unwrap();
        assert_eq!(d.get_document("_id").unwrap().get_array("$in").unwrap().len(), 1);
        let or = vec![
            Cond { field: 0, op: Op::Eq, value: "nope".into(), insensitive: false },
            Cond { field: 1, op: Op::Eq, value: "a".into(), insensitive: false },
        ];
        let d = compile(&m, &Filter { and: vec![], or }, true).unwrap().unwrap();
        assert_eq!(d, doc! { "name": { "$eq": "a" } });
    }

    #[test]
    fn empty_filter_matches_everything() {
        assert_eq!(compile(&user(), &Filter::default(), true).unwrap(), Some(Document::new()));
    }
}
