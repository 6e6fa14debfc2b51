//! The conformance suite: one generic suite that every adapter × backend runs unchanged.
//!
//! An adapter crate adds this crate as a dev-dependency and writes a `harness = false` test:
//!
//! ```no_run
//! use auth_conformance::{Factory, Target};
//! # struct MyFactory;
//! # impl Factory for MyFactory {
//! #   fn target(&self) -> Target { unimplemented!() }
//! #   fn adapter(&self, _: auth_core::SchemaConfig)
//! #     -> futures::future::BoxFuture<'static, auth_core::Result<auth_core::AuthDb>> { unimplemented!() }
//! # }
//! fn main() -> std::process::ExitCode {
//!     auth_conformance::run(vec![std::sync::Arc::new(MyFactory)])
//! }
//! ```
//!
//! Each case is a named trial (`libtest-mimic`), registered only when the backend's
//! [`auth_core::Capabilities`] allow it; every case shows by name in the output.

mod cases;
mod context;
mod differential;
pub mod better_auth;
pub mod private_server;
pub mod reference;
pub mod scratch;
pub mod storage_suite;

use std::process::ExitCode;
use std::sync::Arc;

use futures::future::BoxFuture;
use libtest_mimic::{Arguments, Failed, Trial};

use auth_core::{AuthDb, Capabilities, Result, SchemaConfig};

pub use cases::{Case, all_cases};
pub use context::{Ctx, StorageFactory, StoreMode};

/// What a factory tests, or why it cannot.
#[derive(Debug, Clone)]
pub struct Target {
    /// `adapter/backend`, e.g. `rusqlite/sqlite`: the row of the conformance matrix.
    pub label: String,
    /// The backend's capabilities (decides which cases are registered).
    pub capabilities: Capabilities,
    /// `Some(reason)` when the backend cannot be reached; the reason names the variable to set.
    pub unavailable: Option<String>,
}

/// Makes isolated adapters for the cases of one adapter × backend.
pub trait Factory: Send + Sync + 'static {
    /// The matrix row and capabilities.
    fn target(&self) -> Target;

    /// A fresh adapter over `config`'s schema, its tables created, sharing no rows or tables
    /// with any other call (cases run in parallel).
    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>>;
}

/// The groups of the typed layer ([`auth_core::AuthStore`]): they run once more with secondary
/// storage, in both of its modes.
pub const TYPED_GROUPS: &[&str] = &["auth", "hooks"];

/// The runs of the typed-layer groups with secondary storage: trial prefix and mode.
const SECONDARY_RUNS: &[(&str, StoreMode)] =
    &[("secondary", StoreMode::Secondary), ("secondary-db", StoreMode::SecondaryAndDatabase)];

fn runtime() -> Arc<tokio::runtime::Runtime> {
    Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("the test runtime starts"),
    )
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// One trial: the case run on `factory` in `mode`, or an ignored (failing under CI) trial when
/// the backend is unavailable.
fn case_trial(
    rt: &Arc<tokio::runtime::Runtime>,
    factory: &Arc<dyn Factory>,
    target: &Target,
    name: String,
    case: &Case,
    mode: StoreMode,
    storage: &StorageFactory,
) -> Trial {
    let trial = match &target.unavailable {
        Some(why) => {
            let why = why.clone();
            Trial::test(name, move || Err(Failed::from(format!("backend unavailable: {why}")))).with_ignored_flag(!in_ci())
        }
        None => {
            let (rt, factory, caps, run, storage) =
                (rt.clone(), factory.clone(), target.capabilities, case.run, storage.clone());
            Trial::test(name, move || {
                let ctx = Ctx::new(factory, caps).with_mode(mode, storage);
                rt.block_on(run(ctx)).map_err(|e| Failed::from(format!("{e}")))
            })
        }
    };
    trial.with_kind(target.label.clone())
}

/// Every registered trial for these factories: each case, the typed-layer groups again with
/// in-process secondary storage (`secondary::…`, `secondary-db::…`), and the differential run.
pub fn trials(factories: Vec<Arc<dyn Factory>>) -> Vec<Trial> {
    let rt = runtime();
    let memory = context::memory();
    let mut out = Vec::new();
    for factory in factories {
        let target = factory.target();
        for case in all_cases() {
            if !(case.requires)(&target.capabilities) {
                continue;
            }
            let name = format!("{}::{}", case.group, case.name);
            out.push(case_trial(&rt, &factory, &target, name, &case, StoreMode::Database, &memory));
        }
        out.extend(secondary_trials(&rt, &factory, &target, &memory));
        let trial = match &target.unavailable {
            Some(why) => {
                let why = why.clone();
                Trial::test("differential::random_operations", move || {
                    Err(Failed::from(format!("backend unavailable: {why}")))
                })
                .with_ignored_flag(!in_ci())
            }
            None => {
                let (rt, factory) = (rt.clone(), factory.clone());
                Trial::test("differential::random_operations", move || {
                    differential::run(factory, &rt).map_err(Failed::from)
                })
            }
        };
        out.push(trial.with_kind(target.label.clone()));
    }
    out
}

fn secondary_trials(
    rt: &Arc<tokio::runtime::Runtime>,
    factory: &Arc<dyn Factory>,
    target: &Target,
    storage: &StorageFactory,
) -> Vec<Trial> {
    let mut out = Vec::new();
    for &(prefix, mode) in SECONDARY_RUNS {
        for case in all_cases() {
            if TYPED_GROUPS.contains(&case.group) && (case.requires)(&target.capabilities) {
                let name = format!("{prefix}::{}::{}", case.group, case.name);
                out.push(case_trial(rt, factory, target, name, &case, mode, storage));
            }
        }
    }
    out
}

/// The typed-layer groups ([`TYPED_GROUPS`]) on `factory` with the secondary storage
/// `storage` makes (a fresh one per adapter), in both secondary modes: how a
/// [`auth_core::SecondaryStorage`] implementation runs them against its own store.
pub fn typed_trials(factory: Arc<dyn Factory>, storage: StorageFactory) -> Vec<Trial> {
    let target = factory.target();
    secondary_trials(&runtime(), &factory, &target, &storage)
}

/// Runs the suite for these factories with libtest's command line; the test binary's `main`.
///
/// `AUTH_CONFORMANCE_ONLY=<label>[,<label>]` keeps only those matrix rows (used by
/// `cargo xtask conformance` to time each row on its own). An unreachable backend's cases are
/// reported as ignored, with the reason on stderr; with `CI=true` they fail.
pub fn run(factories: Vec<Arc<dyn Factory>>) -> ExitCode {
    let args = Arguments::from_args();
    let only = std::env::var("AUTH_CONFORMANCE_ONLY").unwrap_or_default();
    let keep: Vec<&str> = only.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    let mut chosen: Vec<Arc<dyn Factory>> = Vec::new();
    for f in factories {
        let t = f.target();
        if !keep.is_empty() && !keep.contains(&t.label.as_str()) {
            continue;
        }
        if let Some(why) = &t.unavailable {
            eprintln!("conformance: {} skipped ({why})", t.label);
        }
        chosen.push(Arc::new(Resolved { target: t, inner: f }));
    }
    libtest_mimic::run(&args, trials(chosen)).exit_code()
}

/// A factory whose target was computed once.
struct Resolved {
    target: Target,
    inner: Arc<dyn Factory>,
}

impl Factory for Resolved {
    fn target(&self) -> Target {
        self.target.clone()
    }

    fn adapter(&self, config: SchemaConfig) -> BoxFuture<'static, Result<AuthDb>> {
        self.inner.adapter(config)
    }
}
