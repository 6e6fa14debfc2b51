//! What a case gets: adapters on demand, and helpers for writing checks.

use std::sync::Arc;

use auth_core::{AuthDb, Result, SchemaConfig};

use crate::Factory;

/// The handle a case receives.
pub struct Ctx {
    factory: Arc<dyn Factory>,
}

impl Ctx {
    pub(crate) fn new(factory: Arc<dyn Factory>) -> Self {
        Ctx { factory }
    }

    /// An adapter over Better Auth's default schema.
    pub async fn db(&self) -> Result<AuthDb> {
        self.factory.adapter(SchemaConfig::default()).await
    }

    /// An adapter over a custom schema.
    pub async fn db_with(&self, config: SchemaConfig) -> Result<AuthDb> {
        self.factory.adapter(config).await
    }

    /// The backend's capabilities.
    pub fn capabilities(&self) -> auth_core::Capabilities {
        self.factory.target().capabilities
    }
}
