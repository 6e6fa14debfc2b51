//! What a case gets: adapters on demand, and helpers for writing checks.

use std::sync::Arc;

use auth_core::{AuthDb, Capabilities, Result, SchemaConfig};

use crate::Factory;

/// The handle a case receives.
pub struct Ctx {
    factory: Arc<dyn Factory>,
    capabilities: Capabilities,
}

impl Ctx {
    pub(crate) fn new(factory: Arc<dyn Factory>, capabilities: Capabilities) -> Self {
        Ctx { factory, capabilities }
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
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}
