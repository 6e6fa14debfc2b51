//! [`AuthStore`]: the typed auth operations an auth server needs, over any [`Adapter`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::adapter::Adapter;
use crate::error::{Error, Result};
use crate::id::random_id;
use crate::models::{Account, FromRow, NewAccount, NewSession, NewUser, Session, User, Verification};
use crate::query::{CreateOptions, Direction, Join, Query, Where};
use crate::value::{Row, Value};

fn rows<T: FromRow>(rows: Vec<Row>) -> Result<Vec<T>> {
    rows.into_iter().map(T::from_row).collect()
}

fn opt<T: FromRow>(row: Option<Row>) -> Result<Option<T>> {
    row.map(T::from_row).transpose()
}

fn put(row: &mut Row, field: &str, v: impl Into<Value>) {
    let v = v.into();
    if !v.is_null() {
        row.insert(field.into(), v);
    }
}

/// Typed auth operations, each in as few round trips as the backend allows.
#[async_trait]
pub trait AuthStore: Adapter {
    /// Creates a user; the email is stored lower-cased.
    async fn create_user(&self, user: NewUser) -> Result<User> {
        let mut row = user.extra;
        put(&mut row, "name", user.name);
        put(&mut row, "email", user.email.to_lowercase());
        put(&mut row, "emailVerified", user.email_verified);
        put(&mut row, "image", user.image);
        User::from_row(self.create("user", row, CreateOptions::default()).await?)
    }

    /// The user with this id.
    async fn find_user_by_id(&self, id: &str) -> Result<Option<User>> {
        opt(self.find_one("user", &Query::filter(vec![Where::eq("id", id)])).await?)
    }

    /// The user with this email (compared lower-cased).
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        opt(self.find_one("user", &Query::filter(vec![Where::eq("email", email.to_lowercase())])).await?)
    }

    /// Updates a user's fields (additional fields too); `None` when no such user.
    async fn update_user(&self, id: &str, mut changes: Row) -> Result<Option<User>> {
        if let Some(Value::String(e)) = changes.get_mut("email") {
            *e = e.to_lowercase();
        }
        opt(self.update("user", &[Where::eq("id", id)], changes).await?)
    }

    /// Deletes a user; their sessions and accounts go with them.
    async fn delete_user(&self, id: &str) -> Result<()> {
        self.delete("user", &[Where::eq("id", id)]).await
    }

    /// Creates a session (token generated unless given).
    async fn create_session(&self, s: NewSession) -> Result<Session> {
        let mut row = s.extra;
        put(&mut row, "userId", s.user_id);
        put(&mut row, "token", s.token.unwrap_or_else(random_id));
        put(&mut row, "expiresAt", s.expires_at);
        put(&mut row, "ipAddress", s.ip_address);
        put(&mut row, "userAgent", s.user_agent);
        Session::from_row(self.create("session", row, CreateOptions::default()).await?)
    }

    /// The session with this token together with its user, in one query. Expiry is the
    /// caller's to check.
    async fn find_session(&self, token: &str) -> Result<Option<(Session, User)>> {
        let q = Query::filter(vec![Where::eq("token", token)]).join(Join::new("user"));
        let Some(mut row) = self.find_one("session", &q).await? else { return Ok(None) };
        let user = match row.remove("user") {
            Some(Value::Object(u)) => User::from_row(u)?,
            _ => return Err(Error::NotFound { model: "user".into() }),
        };
        Ok(Some((Session::from_row(row)?, user)))
    }

    /// Updates the session with this token (`expiresAt`, additional fields, ...).
    async fn update_session(&self, token: &str, changes: Row) -> Result<Option<Session>> {
        opt(self.update("session", &[Where::eq("token", token)], changes).await?)
    }

    /// A user's sessions, newest first.
    async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>> {
        let q = Query::filter(vec![Where::eq("userId", user_id)]).sort_by("createdAt", Direction::Desc);
        rows(self.find_many("session", &q).await?)
    }

    /// Deletes the session with this token.
    async fn delete_session(&self, token: &str) -> Result<()> {
        self.delete("session", &[Where::eq("token", token)]).await
    }

    /// Deletes every session of a user; returns how many.
    async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        self.delete_many("session", &[Where::eq("userId", user_id)]).await
    }

    /// Deletes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        self.delete_many("session", &[Where::lt("expiresAt", now)]).await
    }

    /// Links an account to a user.
    async fn link_account(&self, a: NewAccount) -> Result<Account> {
        let mut row = a.extra;
        put(&mut row, "userId", a.user_id);
        put(&mut row, "accountId", a.account_id);
        put(&mut row, "providerId", a.provider_id);
        put(&mut row, "accessToken", a.access_token);
        put(&mut row, "refreshToken", a.refresh_token);
        put(&mut row, "idToken", a.id_token);
        put(&mut row, "accessTokenExpiresAt", a.access_token_expires_at);
        put(&mut row, "refreshTokenExpiresAt", a.refresh_token_expires_at);
        put(&mut row, "scope", a.scope);
        put(&mut row, "password", a.password);
        Account::from_row(self.create("account", row, CreateOptions::default()).await?)
    }

    /// The account of a provider with the provider's account id.
    async fn find_account(&self, provider_id: &str, account_id: &str) -> Result<Option<Account>> {
        let q = Query::filter(vec![Where::eq("providerId", provider_id), Where::eq("accountId", account_id)]);
        opt(self.find_one("account", &q).await?)
    }

    /// Every account of a user.
    async fn find_accounts(&self, user_id: &str) -> Result<Vec<Account>> {
        rows(self.find_many("account", &Query::filter(vec![Where::eq("userId", user_id)])).await?)
    }

    /// Updates an account (tokens, password, ...) by id.
    async fn update_account(&self, id: &str, changes: Row) -> Result<Option<Account>> {
        opt(self.update("account", &[Where::eq("id", id)], changes).await?)
    }

    /// Unlinks a provider's account; returns whether one was removed.
    async fn unlink_account(&self, provider_id: &str, account_id: &str) -> Result<bool> {
        let w = [Where::eq("providerId", provider_id), Where::eq("accountId", account_id)];
        Ok(self.delete_many("account", &w).await? > 0)
    }

    /// Stores a verification value.
    async fn create_verification(
        &self,
        identifier: &str,
        value: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<Verification> {
        let mut row = Row::new();
        put(&mut row, "identifier", identifier);
        put(&mut row, "value", value);
        put(&mut row, "expiresAt", expires_at);
        Verification::from_row(self.create("verification", row, CreateOptions::default()).await?)
    }

    /// The latest verification value for an identifier.
    async fn find_verification(&self, identifier: &str) -> Result<Option<Verification>> {
        let q = Query::filter(vec![Where::eq("identifier", identifier)]).sort_by("createdAt", Direction::Desc);
        opt(self.find_one("verification", &q).await?)
    }

    /// Atomically takes (deletes and returns) the verification with this identifier and value,
    /// if it has not expired by `now`; under concurrency exactly one caller gets it.
    async fn consume_verification(
        &self,
        identifier: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Verification>> {
        let w = [Where::eq("identifier", identifier), Where::eq("value", value), Where::gt("expiresAt", now)];
        opt(self.consume_one("verification", &w).await?)
    }

    /// Deletes a verification value by id.
    async fn delete_verification(&self, id: &str) -> Result<()> {
        self.delete("verification", &[Where::eq("id", id)]).await
    }

    /// Deletes verification values that expired before `now`; returns how many.
    async fn delete_expired_verifications(&self, now: DateTime<Utc>) -> Result<u64> {
        self.delete_many("verification", &[Where::lt("expiresAt", now)]).await
    }
}

impl<A: Adapter + ?Sized> AuthStore for A {}
