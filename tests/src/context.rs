//! What a case gets: adapters on demand, and helpers for writing checks.

use std::sync::Arc;

use auth_core::{AuthDb, Capabilities, MemoryStorage, Result, SchemaConfig, SecondaryConfig};

use crate::Factory;

/// Which secondary storage the typed-layer cases run with: none (the database alone), sessions
/// and verification values in secondary storage only (Better Auth's default with
/// `secondaryStorage`), or in both (`storeSessionInDatabase`, `verification.storeInDatabase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// No secondary storage.
    Database,
    /// Sessions and verification values in secondary storage only.
    Secondary,
    /// Sessions and verification values in secondary storage and in the database.
    SecondaryAndDatabase,
}

/// Makes the secondary storage of a run: a fresh store per adapter.
pub type StorageFactory = Arc<dyn Fn() -> Arc<dyn auth_core::SecondaryStorage> + Send + Sync>;

/// The handle a case receives.
pub struct Ctx {
    factory: Arc<dyn Factory>,
    capabilities: Capabilities,
    mode: StoreMode,
    storage: StorageFactory,
}

impl Ctx {
    pub(crate) fn new(factory: Arc<dyn Factory>, capabilities: Capabilities) -> Self {
        Ctx { factory, capabilities, mode: StoreMode::Database, storage: memory() }
    }

    /// The same context with the typed layer on secondary storage made by `storage`.
    pub(crate) fn with_mode(mut self, mode: StoreMode, storage: StorageFactory) -> Self {
        self.mode = mode;
        self.storage = storage;
        self
    }

    /// An adapter over Better Auth's default schema (with this run's secondary storage).
    pub async fn db(&self) -> Result<AuthDb> {
        self.db_with(SchemaConfig::default()).await
    }

    /// An adapter over a custom schema (with this run's secondary storage).
    pub async fn db_with(&self, config: SchemaConfig) -> Result<AuthDb> {
        let db = self.factory.adapter(config).await?;
        let in_db = self.mode == StoreMode::SecondaryAndDatabase;
        Ok(match self.mode {
            StoreMode::Database => db,
            _ => db.with_secondary_storage(
                SecondaryConfig::new((self.storage)())
                    .store_session_in_database(in_db)
                    .store_verification_in_database(in_db),
            ),
        })
    }

    /// A fresh secondary store of this run's kind (in process unless the run says otherwise).
    pub fn storage(&self) -> Arc<dyn auth_core::SecondaryStorage> {
        (self.storage)()
    }

    /// How the typed layer stores sessions and verification values in this run.
    pub fn mode(&self) -> StoreMode {
        self.mode
    }

    /// Whether rows of `model` reach the database in this run (sessions and verification values
    /// do not when they live in secondary storage only).
    pub fn in_database(&self, model: &str) -> bool {
        self.mode != StoreMode::Secondary || !matches!(model, "session" | "verification")
    }

    /// The backend's capabilities.
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}

/// A fresh [`MemoryStorage`] per adapter.
pub fn memory() -> StorageFactory {
    Arc::new(|| Arc::new(MemoryStorage::new()))
}
