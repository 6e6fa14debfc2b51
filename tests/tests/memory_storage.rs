//! The shared secondary-storage suite on [`auth_core::MemoryStorage`].

use std::process::ExitCode;
use std::sync::Arc;

use auth_conformance::storage_suite;
use auth_core::{MemoryStorage, SecondaryStorage};

fn main() -> ExitCode {
    let make: storage_suite::StoreMaker =
        Arc::new(|| Box::pin(async { Ok(Arc::new(MemoryStorage::new()) as Arc<dyn SecondaryStorage>) }));
    storage_suite::run("memory", make, None, Vec::new())
}
