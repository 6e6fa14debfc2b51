//! Typed auth models over rows; extra (additional and plugin) fields are kept in `extra`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::value::{Row, Value};

/// Takes typed fields out of a row, naming the model in errors.
struct Take {
    model: &'static str,
    row: Row,
}

impl Take {
    fn wrong(&self, field: &str, expected: &str, got: &Value) -> Error {
        Error::WrongType {
            model: self.model.into(),
            field: field.into(),
            expected: expected.into(),
            got: got.kind().into(),
        }
    }

    fn opt_string(&mut self, f: &str) -> Result<Option<String>> {
        match self.row.remove(f).unwrap_or_default() {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            v => Err(self.wrong(f, "string", &v)),
        }
    }

    fn string(&mut self, f: &str) -> Result<String> {
        self.opt_string(f)?.ok_or_else(|| Error::MissingField { model: self.model.into(), field: f.into() })
    }

    fn opt_date(&mut self, f: &str) -> Result<Option<DateTime<Utc>>> {
        match self.row.remove(f).unwrap_or_default() {
            Value::Null => Ok(None),
            Value::Date(d) => Ok(Some(d)),
            v => Err(self.wrong(f, "date", &v)),
        }
    }

    fn date(&mut self, f: &str) -> Result<DateTime<Utc>> {
        self.opt_date(f)?.ok_or_else(|| Error::MissingField { model: self.model.into(), field: f.into() })
    }

    fn bool(&mut self, f: &str) -> Result<bool> {
        match self.row.remove(f).unwrap_or_default() {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(b),
            v => Err(self.wrong(f, "boolean", &v)),
        }
    }

    fn rest(self) -> Row {
        self.row
    }
}

/// Conversion from an adapter row.
pub trait FromRow: Sized {
    /// Builds the typed model; remaining fields go to `extra`.
    fn from_row(row: Row) -> Result<Self>;
}

/// A `user` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email, lower-cased.
    pub email: String,
    /// Whether the email is verified.
    pub email_verified: bool,
    /// Avatar URL.
    pub image: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// Additional and plugin fields.
    #[serde(flatten)]
    pub extra: Row,
}

impl FromRow for User {
    fn from_row(row: Row) -> Result<Self> {
        let mut t = Take { model: "user", row };
        Ok(User {
            id: t.string("id")?,
            name: t.string("name")?,
            email: t.string("email")?,
            email_verified: t.bool("emailVerified")?,
            image: t.opt_string("image")?,
            created_at: t.date("createdAt")?,
            updated_at: t.date("updatedAt")?,
            extra: t.rest(),
        })
    }
}

/// A `session` row. `Debug` hides the token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Id.
    pub id: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// The session token (a secret).
    pub token: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// Client IP.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Owner.
    pub user_id: String,
    /// Additional and plugin fields.
    #[serde(flatten)]
    pub extra: Row,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("expires_at", &self.expires_at)
            .field("token", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("ip_address", &self.ip_address)
            .finish_non_exhaustive()
    }
}

impl FromRow for Session {
    fn from_row(row: Row) -> Result<Self> {
        let mut t = Take { model: "session", row };
        Ok(Session {
            id: t.string("id")?,
            expires_at: t.date("expiresAt")?,
            token: t.string("token")?,
            created_at: t.date("createdAt")?,
            updated_at: t.date("updatedAt")?,
            ip_address: t.opt_string("ipAddress")?,
            user_agent: t.opt_string("userAgent")?,
            user_id: t.string("userId")?,
            extra: t.rest(),
        })
    }
}

/// An `account` row. Tokens and password are skipped by `Serialize` and hidden by `Debug`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Id.
    pub id: String,
    /// The provider's id of the account (the user id for credentials).
    pub account_id: String,
    /// `credential`, `github`, ...
    pub provider_id: String,
    /// Owner.
    pub user_id: String,
    /// OAuth access token.
    #[serde(skip_serializing, default)]
    pub access_token: Option<String>,
    /// OAuth refresh token.
    #[serde(skip_serializing, default)]
    pub refresh_token: Option<String>,
    /// OIDC id token.
    #[serde(skip_serializing, default)]
    pub id_token: Option<String>,
    /// Access token expiry.
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// Refresh token expiry.
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// Password hash (credential accounts).
    #[serde(skip_serializing, default)]
    pub password: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// Additional and plugin fields.
    #[serde(flatten)]
    pub extra: Row,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("provider_id", &self.provider_id)
            .field("user_id", &self.user_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl FromRow for Account {
    fn from_row(row: Row) -> Result<Self> {
        let mut t = Take { model: "account", row };
        Ok(Account {
            id: t.string("id")?,
            account_id: t.string("accountId")?,
            provider_id: t.string("providerId")?,
            user_id: t.string("userId")?,
            access_token: t.opt_string("accessToken")?,
            refresh_token: t.opt_string("refreshToken")?,
            id_token: t.opt_string("idToken")?,
            access_token_expires_at: t.opt_date("accessTokenExpiresAt")?,
            refresh_token_expires_at: t.opt_date("refreshTokenExpiresAt")?,
            scope: t.opt_string("scope")?,
            password: t.opt_string("password")?,
            created_at: t.date("createdAt")?,
            updated_at: t.date("updatedAt")?,
            extra: t.rest(),
        })
    }
}

/// A `verification` row. `Debug` hides the value.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// Id.
    pub id: String,
    /// What is being verified (an email, `reset-password:<token>`, ...).
    pub identifier: String,
    /// The secret value.
    pub value: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// Additional fields.
    #[serde(flatten)]
    pub extra: Row,
}

impl fmt::Debug for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verification")
            .field("id", &self.id)
            .field("identifier", &self.identifier)
            .field("value", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl FromRow for Verification {
    fn from_row(row: Row) -> Result<Self> {
        let mut t = Take { model: "verification", row };
        Ok(Verification {
            id: t.string("id")?,
            identifier: t.string("identifier")?,
            value: t.string("value")?,
            expires_at: t.date("expiresAt")?,
            created_at: t.date("createdAt")?,
            updated_at: t.date("updatedAt")?,
            extra: t.rest(),
        })
    }
}

/// Input of `create_user`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewUser {
    /// Display name.
    pub name: String,
    /// Email; stored lower-cased.
    pub email: String,
    /// Whether the email is verified.
    pub email_verified: bool,
    /// Avatar URL.
    pub image: Option<String>,
    /// Additional fields (defaults apply to those left out).
    pub extra: Row,
}

impl NewUser {
    /// A user with a name and an email.
    pub fn new(name: &str, email: &str) -> Self {
        NewUser { name: name.into(), email: email.into(), ..Default::default() }
    }

    /// Sets an additional field.
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(field.into(), value.into());
        self
    }
}

/// Input of `create_session`. `Debug` hides the token.
#[derive(Clone, PartialEq)]
pub struct NewSession {
    /// Owner.
    pub user_id: String,
    /// The token; 32 random characters when `None`.
    pub token: Option<String>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Client IP.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Additional fields.
    pub extra: Row,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl NewSession {
    /// A session of `user_id` expiring at `expires_at`, with a generated token.
    pub fn new(user_id: &str, expires_at: DateTime<Utc>) -> Self {
        NewSession {
            user_id: user_id.into(),
            token: None,
            expires_at,
            ip_address: None,
            user_agent: None,
            extra: Row::new(),
        }
    }
}

/// Input of `link_account`. `Debug` hides tokens and password.
#[derive(Clone, PartialEq, Default)]
pub struct NewAccount {
    /// Owner.
    pub user_id: String,
    /// The provider's account id.
    pub account_id: String,
    /// The provider.
    pub provider_id: String,
    /// OAuth access token.
    pub access_token: Option<String>,
    /// OAuth refresh token.
    pub refresh_token: Option<String>,
    /// OIDC id token.
    pub id_token: Option<String>,
    /// Access token expiry.
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// Refresh token expiry.
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// Password hash.
    pub password: Option<String>,
    /// Additional fields.
    pub extra: Row,
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("user_id", &self.user_id)
            .field("account_id", &self.account_id)
            .field("provider_id", &self.provider_id)
            .finish_non_exhaustive()
    }
}

impl NewAccount {
    /// An account of `user_id` at `provider_id` with the provider's `account_id`.
    pub fn new(user_id: &str, provider_id: &str, account_id: &str) -> Self {
        NewAccount {
            user_id: user_id.into(),
            provider_id: provider_id.into(),
            account_id: account_id.into(),
            ..Default::default()
        }
    }

    /// An email-and-password account, as Better Auth stores it (provider `credential`).
    pub fn credential(user_id: &str, password_hash: &str) -> Self {
        NewAccount { password: Some(password_hash.into()), ..NewAccount::new(user_id, "credential", user_id) }
    }
}
