//! Differential testing: random rows and random operations run on the adapter and on the
//! reference evaluator ([`crate::reference`]); any difference fails, with the shrunk scenario.
//!
//! `AUTH_DIFFERENTIAL_CASES` sets the number of scenarios (default 32) and
//! `AUTH_DIFFERENTIAL_SEED` the seed (default fixed, so CI runs are reproducible).

use std::sync::Arc;

use auth_core::{
    Adapter, AuthDb, CreateOptions, Direction, Field, FieldType, Operator, Query, Row, SchemaConfig, Value, Where,
};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use crate::Factory;
use crate::reference::{matches, sort_key_cmp};

const STRINGS: &[&str] = &[
    "", "a", "A", "a ", "b", "ab", "Ab", "aB", "abc", "ABC", "a%b", "a_b", "%", "_", "\\", "a\\b", "*", "?", "[a]",
    ".*", "$ne", "'", "\"", "x y", "ü", "中文", "🚀", "ß", "zz", "Zz",
];
const INTS: &[i64] = &[i64::MIN, -1, 0, 1, 2, 10, i64::MAX];
const DATES: &[&str] = &[
    "1000-01-01T00:00:00.000Z",
    "1969-12-31T23:59:59.999Z",
    "2024-01-01T00:00:00.000Z",
    "2024-01-01T00:00:00.001Z",
    "9999-12-31T23:59:59.999Z",
];

fn date(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|d| d.to_utc()).unwrap_or_default()
}

/// One generated row.
#[derive(Debug, Clone)]
struct Seed {
    name: &'static str,
    image: Option<&'static str>,
    n: Option<i64>,
    flag: Option<bool>,
    when: Option<&'static str>,
}

/// One generated operation.
#[derive(Debug, Clone)]
enum Op {
    Find { filter: Vec<Where>, sort: Option<(&'static str, Direction)>, limit: Option<u64>, offset: Option<u64>, select: bool },
    Count(Vec<Where>),
    UpdateMany(Vec<Where>, &'static str),
    Update(Vec<Where>, &'static str),
    DeleteMany(Vec<Where>),
    Consume(Vec<Where>),
}

fn seed() -> impl Strategy<Value = Seed> {
    (
        prop::sample::select(STRINGS),
        prop::option::of(prop::sample::select(STRINGS)),
        prop::option::of(prop::sample::select(INTS)),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(DATES)),
    )
        .prop_map(|(name, image, n, flag, when)| Seed { name, image, n, flag, when })
}

fn value_for(field: &'static str) -> BoxedStrategy<Value> {
    match field {
        "n" => prop::sample::select(INTS).prop_map(Value::Int).boxed(),
        "flag" => any::<bool>().prop_map(Value::Bool).boxed(),
        "when" => prop::sample::select(DATES).prop_map(|d| Value::Date(date(d))).boxed(),
        _ => prop::sample::select(STRINGS).prop_map(Value::from).boxed(),
    }
}

fn condition() -> BoxedStrategy<Where> {
    prop::sample::select(&["name", "image", "n", "flag", "when"][..]).prop_flat_map(|field| {
        let ops: Vec<Operator> = match field {
            "name" | "image" => vec![
                Operator::Eq, Operator::Ne, Operator::Lt, Operator::Lte, Operator::Gt, Operator::Gte, Operator::In,
                Operator::NotIn, Operator::Contains, Operator::StartsWith, Operator::EndsWith,
            ],
            "flag" => vec![Operator::Eq, Operator::Ne, Operator::In, Operator::NotIn],
            _ => vec![Operator::Eq, Operator::Ne, Operator::Lt, Operator::Lte, Operator::Gt, Operator::Gte, Operator::In, Operator::NotIn],
        };
        (
            prop::sample::select(ops),
            value_for(field),
            prop::collection::vec(value_for(field), 0..3),
            any::<bool>(),
            any::<bool>(),
            prop::bool::weighted(0.15),
        )
            .prop_map(move |(op, v, list, or, insensitive, null)| {
                let value = match op {
                    Operator::In | Operator::NotIn => Value::List(list),
                    Operator::Eq | Operator::Ne if null => Value::Null,
                    _ => v,
                };
                let mut w = Where::new(field, op, value);
                if or {
                    w = w.or();
                }
                if insensitive {
                    w = w.insensitive();
                }
                w
            })
    })
    .boxed()
}

fn op() -> impl Strategy<Value = Op> {
    let filter = prop::collection::vec(condition(), 0..4).boxed();
    let sort = prop::option::of((
        prop::sample::select(&["name", "image", "n", "flag", "when"][..]),
        prop::sample::select(&[Direction::Asc, Direction::Desc][..]),
    ));
    prop_oneof![
        4 => (filter.clone(), sort, prop::option::of(0u64..6), prop::option::of(0u64..4), any::<bool>())
            .prop_map(|(filter, sort, limit, offset, select)| Op::Find { filter, sort, limit, offset, select }),
        1 => filter.clone().prop_map(Op::Count),
        1 => (filter.clone(), prop::sample::select(STRINGS)).prop_map(|(f, s)| Op::UpdateMany(f, s)),
        1 => (filter.clone(), prop::sample::select(STRINGS)).prop_map(|(f, s)| Op::Update(f, s)),
        1 => filter.clone().prop_map(Op::DeleteMany),
        1 => filter.prop_map(Op::Consume),
    ]
}

fn scenario() -> impl Strategy<Value = (Vec<Seed>, Vec<Op>)> {
    (prop::collection::vec(seed(), 0..12), prop::collection::vec(op(), 1..6))
}

fn schema_config() -> SchemaConfig {
    SchemaConfig::default()
        .field("user", Field::new("n", FieldType::Number).optional().bigint())
        .field("user", Field::new("flag", FieldType::Boolean).optional())
        .field("user", Field::new("when", FieldType::Date).optional())
}

fn fail(msg: String) -> TestCaseError {
    TestCaseError::fail(msg)
}

/// Rows as the reference compares them: `updatedAt` (set by the library) left out.
fn comparable(mut rows: Vec<Row>) -> Vec<Row> {
    for r in &mut rows {
        r.remove("updatedAt");
    }
    rows.sort_by(|a, b| format!("{:?}", a.get("id")).cmp(&format!("{:?}", b.get("id"))));
    rows
}

async fn run_scenario(db: AuthDb, seeds: Vec<Seed>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let err = |e: auth_core::Error| fail(format!("adapter error: {e}"));
    let mut table: Vec<Row> = Vec::new();
    for (i, s) in seeds.iter().enumerate() {
        let mut data = Row::new();
        data.insert("name".into(), s.name.into());
        data.insert("email".into(), format!("r{i}@x.io").into());
        data.insert("image".into(), s.image.into());
        data.insert("n".into(), s.n.into());
        data.insert("flag".into(), s.flag.into());
        data.insert("when".into(), s.when.map(date).into());
        table.push(db.create("user", data, CreateOptions::default()).await.map_err(err)?);
    }
    for (step, op) in ops.into_iter().enumerate() {
        let expected: Vec<Row> = match &op {
            Op::Find { filter, .. } | Op::Count(filter) | Op::UpdateMany(filter, _) | Op::Update(filter, _) | Op::DeleteMany(filter) | Op::Consume(filter) => {
                table.iter().filter(|r| matches(r, filter)).cloned().collect()
            }
        };
        let ctx = |what: &str| format!("step {step} ({op:?}): {what}");
        match &op {
            Op::Find { filter, sort, limit, offset, select } => {
                let mut q = Query::filter(filter.clone());
                if let Some((f, d)) = sort {
                    q = q.sort_by(f, *d);
                }
                q.limit = *limit;
                q.offset = *offset;
                if *select {
                    q = q.select(&["id", "name", "n"]);
                }
                let got = db.find_many("user", &q).await.map_err(err)?;
                let project = |r: &Row| -> Row {
                    if *select { r.iter().filter(|(k, _)| ["id", "name", "n"].contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect() } else { r.clone() }
                };
                let mut want: Vec<Row> = expected.iter().map(project).collect();
                if let Some((f, d)) = sort {
                    want.sort_by(|a, b| sort_key_cmp(a, b, f, *d));
                }
                let skip = offset.unwrap_or(0) as usize;
                let window: Vec<Row> = want.iter().skip(skip).take(limit.map_or(usize::MAX, |l| l as usize)).cloned().collect();
                if got.len() != window.len() {
                    return Err(fail(ctx(&format!("{} rows, expected {}: got {got:?}, expected {window:?}", got.len(), window.len()))));
                }
                let got_c = comparable(got.clone());
                let want_all = comparable(want.clone());
                for r in &got_c {
                    if !want_all.contains(r) {
                        return Err(fail(ctx(&format!("row {r:?} does not match the filter"))));
                    }
                }
                if let Some((f, _)) = sort {
                    let keys = |rows: &[Row]| rows.iter().map(|r| format!("{:?}", r.get(*f))).collect::<Vec<_>>();
                    if keys(&got) != keys(&window) {
                        return Err(fail(ctx(&format!("order {:?}, expected {:?}", keys(&got), keys(&window)))));
                    }
                } else if limit.is_none() && offset.is_none() && got_c != comparable(window) {
                    return Err(fail(ctx("different rows")));
                }
            }
            Op::Count(filter) => {
                let n = db.count("user", filter).await.map_err(err)?;
                if n != expected.len() as u64 {
                    return Err(fail(ctx(&format!("count {n}, expected {}", expected.len()))));
                }
            }
            Op::UpdateMany(filter, name) => {
                let n = db.update_many("user", filter, auth_core::row! { "name" => *name }).await.map_err(err)?;
                if n != expected.len() as u64 {
                    return Err(fail(ctx(&format!("{n} updated, expected {}", expected.len()))));
                }
                for r in table.iter_mut().filter(|r| matches(r, filter)) {
                    r.insert("name".into(), Value::from(*name));
                }
            }
            Op::Update(filter, name) => {
                let got = db.update("user", filter, auth_core::row! { "name" => *name }).await.map_err(err)?;
                match (got, filter.is_empty() || expected.is_empty()) {
                    (None, true) => {}
                    (Some(row), false) => {
                        let id = row.get("id").cloned();
                        let Some(r) = table.iter_mut().find(|r| r.get("id").cloned() == id) else {
                            return Err(fail(ctx("updated an unknown row")));
                        };
                        if !matches(r, filter) {
                            return Err(fail(ctx("updated a row that does not match")));
                        }
                        r.insert("name".into(), Value::from(*name));
                    }
                    (got, _) => return Err(fail(ctx(&format!("update returned {got:?} with {} matching rows", expected.len())))),
                }
            }
            Op::DeleteMany(filter) => {
                let n = db.delete_many("user", filter).await.map_err(err)?;
                if n != expected.len() as u64 {
                    return Err(fail(ctx(&format!("{n} deleted, expected {}", expected.len()))));
                }
                table.retain(|r| !matches(r, filter));
            }
            Op::Consume(filter) => {
                let got = db.consume_one("user", filter).await.map_err(err)?;
                match (got, filter.is_empty() || expected.is_empty()) {
                    (None, true) => {}
                    (Some(row), false) => {
                        let id = row.get("id").cloned();
                        let before = table.len();
                        table.retain(|r| !(r.get("id").cloned() == id && matches(r, filter)));
                        if table.len() + 1 != before {
                            return Err(fail(ctx("consumed a row that does not match")));
                        }
                    }
                    (got, _) => return Err(fail(ctx(&format!("consume returned {got:?} with {} matching rows", expected.len())))),
                }
            }
        }
        let all = comparable(db.find_many("user", &Query::new()).await.map_err(err)?);
        if all != comparable(table.clone()) {
            return Err(fail(ctx(&format!("table differs after the step: {all:?} vs reference {:?}", comparable(table.clone())))));
        }
    }
    Ok(())
}

/// Runs the differential test on one factory; `Err` carries the shrunk failing scenario.
pub fn run(factory: Arc<dyn Factory>, rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let cases = std::env::var("AUTH_DIFFERENTIAL_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32);
    let seed: u64 = std::env::var("AUTH_DIFFERENTIAL_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(20261123);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 256, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    runner
        .run(&scenario(), |(seeds, ops)| {
            rt.block_on(async {
                let db = factory.adapter(schema_config()).await.map_err(|e| fail(format!("factory: {e}")))?;
                run_scenario(db, seeds, ops).await
            })
        })
        .map_err(|e| format!("{e} (seed {seed}; set AUTH_DIFFERENTIAL_SEED to reproduce)"))
}
