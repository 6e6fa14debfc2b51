//! [`AuthStore`]: the typed auth operations an auth server needs, over any [`Adapter`], with
//! Better Auth's database hooks and secondary storage when the store is configured with them
//! ([`StoreConfig`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::adapter::{Adapter, AdapterExt};
use crate::error::{Error, Result};
use crate::hooks::{self, HookModel, Hooks};
use crate::id::random_id;
use crate::models::{Account, FromRow, NewAccount, NewSession, NewUser, Session, User, Verification};
use crate::query::{Direction, Join, Query, Where};
use crate::secondary::sessions as cache;
use crate::secondary::{SecondaryConfig, SecondaryStorage};
use crate::value::{Row, Value, truncate_millis};

/// The typed layer's configuration, set once on the store ([`crate::AuthDb::with_hooks`],
/// [`crate::AuthDb::with_secondary_storage`]).
#[derive(Debug, Clone, Default)]
pub struct StoreConfig {
    /// Database hooks.
    pub hooks: Hooks,
    /// Secondary storage, when configured.
    pub secondary: Option<SecondaryConfig>,
}

static NONE: StoreConfig = StoreConfig { hooks: Hooks::new(), secondary: None };

impl StoreConfig {
    /// No hooks, no secondary storage.
    pub fn none() -> &'static StoreConfig {
        &NONE
    }

    /// Secondary storage, when sessions live there and not (only) in the database.
    fn sessions(&self) -> Option<&SecondaryConfig> {
        self.secondary.as_ref()
    }
}

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

/// `createdAt` and `updatedAt` set to now unless given, as Better Auth passes them to hooks.
fn stamp(row: &mut Row) {
    let now = Value::Date(truncate_millis(Utc::now()));
    for f in ["createdAt", "updatedAt"] {
        row.entry(f.into()).or_insert_with(|| now.clone());
    }
}

/// A session row written only to secondary storage: id, defaults and absent optional fields
/// filled in, every value checked against the schema (what the database would have done).
fn complete_session(db: &(impl Adapter + ?Sized), mut data: Row) -> Result<Row> {
    let model = db.schema().model("session")?;
    for name in data.keys() {
        model.field(name)?;
    }
    let mut row = Row::new();
    for (i, field) in model.fields.iter().enumerate() {
        let v = match data.remove(&field.name).filter(|v| !v.is_null()) {
            Some(v) => v,
            None if i == 0 => {
                Value::String(db.schema().id_strategy().generate("session", false).unwrap_or_else(random_id))
            }
            None => match &field.default {
                Some(crate::schema::DefaultValue::Value(v)) => v.clone(),
                Some(crate::schema::DefaultValue::Now) => Value::Date(truncate_millis(Utc::now())),
                None if field.required => {
                    return Err(Error::MissingField { model: "session".into(), field: field.name.clone() });
                }
                None => Value::Null,
            },
        };
        let v = crate::codec::canonical(model, field, v, false)?;
        row.insert(field.name.clone(), v);
    }
    Ok(row)
}

fn storage(sec: &SecondaryConfig) -> &dyn SecondaryStorage {
    sec.storage.as_ref()
}

/// Typed auth operations, each in as few round trips as the backend allows. With hooks
/// configured they run Better Auth's `databaseHooks`; with secondary storage they keep sessions
/// (and verification values) there as Better Auth does.
#[async_trait]
pub trait AuthStore: Adapter {
    /// Creates a user; the email is stored lower-cased.
    async fn create_user(&self, user: NewUser) -> Result<User> {
        let mut row = user.extra;
        put(&mut row, "name", user.name);
        put(&mut row, "email", user.email.to_lowercase());
        put(&mut row, "emailVerified", user.email_verified);
        put(&mut row, "image", user.image);
        stamp(&mut row);
        User::from_row(hooks::create(self, HookModel::User, row).await?)
    }

    /// The user with this id.
    async fn find_user_by_id(&self, id: &str) -> Result<Option<User>> {
        opt(self.find_one("user", &Query::filter(vec![Where::eq("id", id)])).await?)
    }

    /// The user with this email (compared lower-cased).
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        opt(self.find_one("user", &Query::filter(vec![Where::eq("email", email.to_lowercase())])).await?)
    }

    /// Updates a user's fields (additional fields too); `None` when no such user (or a hook
    /// cancelled). Cached sessions get the new user once the write is committed.
    async fn update_user(&self, id: &str, mut changes: Row) -> Result<Option<User>> {
        if let Some(Value::String(e)) = changes.get_mut("email") {
            *e = e.to_lowercase();
        }
        let Some(row) = hooks::update(self, HookModel::User, &[Where::eq("id", id)], changes).await? else {
            return Ok(None);
        };
        if let Some(sec) = self.store_config().sessions() {
            let (st, user) = (sec.storage.clone(), row.clone());
            self.after_commit(Box::new(move || Box::pin(async move { cache::refresh_user(st.as_ref(), &user).await })))
                .await?;
        }
        User::from_row(row).map(Some)
    }

    /// Deletes a user with their sessions and accounts (each through its delete hooks when
    /// any are configured, in one transaction); cached sessions are revoked once it commits.
    async fn delete_user(&self, id: &str) -> Result<()> {
        let config = self.store_config();
        let plain = config.secondary.is_none()
            && ![HookModel::User, HookModel::Session, HookModel::Account].iter().any(|&m| config.hooks.has(m));
        if plain {
            return self.delete("user", &[Where::eq("id", id)]).await;
        }
        let sec = config.secondary.clone();
        let refs = match &sec {
            Some(s) => cache::active_refs(storage(s), id).await?,
            None => Vec::new(),
        };
        let id = id.to_string();
        self.transaction(move |tx| async move {
            let by_user = [Where::eq("userId", id.as_str())];
            if sec.as_ref().is_none_or(|s| s.store_session_in_database) {
                hooks::delete(&*tx, HookModel::Session, &by_user, false).await?;
            }
            hooks::delete(&*tx, HookModel::Account, &by_user, false).await?;
            let deleted = hooks::delete(&*tx, HookModel::User, &[Where::eq("id", id.as_str())], true).await?;
            if let (Some(s), Some(n)) = (sec, deleted)
                && n > 0
            {
                let (st, ttl, at) = (s.storage.clone(), cache::marker_ttl(&s), cache::now_ms());
                tx.after_commit(Box::new(move || {
                    Box::pin(async move { cache::revoke_user(st.as_ref(), &id, &refs, at, ttl).await })
                }))
                .await?;
            }
            Ok(())
        })
        .await
    }

    /// Creates a session (token generated unless given). With secondary storage it is written
    /// there with its TTL and added to the user's active sessions (and to the database only with
    /// `store_session_in_database`).
    async fn create_session(&self, s: NewSession) -> Result<Session> {
        let mut row = s.extra;
        put(&mut row, "userId", s.user_id);
        put(&mut row, "token", s.token.unwrap_or_else(random_id));
        put(&mut row, "expiresAt", s.expires_at);
        put(&mut row, "ipAddress", s.ip_address);
        put(&mut row, "userAgent", s.user_agent);
        stamp(&mut row);
        let Some(sec) = self.store_config().sessions() else {
            return Session::from_row(hooks::create(self, HookModel::Session, row).await?);
        };
        if sec.store_session_in_database {
            let created = hooks::create(self, HookModel::Session, row).await?;
            let user = cache::session_user(self, &created).await?;
            let (st, session) = (sec.storage.clone(), created.clone());
            self.after_commit(Box::new(move || {
                Box::pin(async move { cache::mirror(st.as_ref(), &session, &user).await })
            }))
            .await?;
            return Session::from_row(created);
        }
        let hooks = &self.store_config().hooks;
        let Some(data) = hooks.before_create_data(HookModel::Session, row).await? else {
            return Err(Error::Cancelled { model: "session".into(), operation: "create".into() });
        };
        let session = complete_session(self, data)?;
        let user = cache::session_user(self, &session).await?;
        cache::mirror(storage(sec), &session, &user).await?;
        hooks.run_after_create(self, HookModel::Session, &session).await?;
        Session::from_row(session)
    }

    /// The session with this token together with its user, in one query (from secondary
    /// storage when configured). Expiry is the caller's to check.
    async fn find_session(&self, token: &str) -> Result<Option<(Session, User)>> {
        if let Some(sec) = self.store_config().sessions() {
            if let Some((session, user)) = cache::find(self.schema(), storage(sec), token).await? {
                return Ok(Some((Session::from_row(session)?, User::from_row(user)?)));
            }
            if !sec.store_session_in_database {
                return Ok(None);
            }
        }
        let q = Query::filter(vec![Where::eq("token", token)]).join(Join::new("user"));
        let Some(mut row) = self.find_one("session", &q).await? else {
            return Ok(None);
        };
        let user = match row.remove("user") {
            Some(Value::Object(u)) => User::from_row(u)?,
            _ => {
                return Err(Error::NotFound { model: "user".into() });
            }
        };
        Ok(Some((Session::from_row(row)?, user)))
    }

    /// Updates the session with this token (`expiresAt`, additional fields, ...); `None` when
    /// there is none (or a hook cancelled).
    async fn update_session(&self, token: &str, changes: Row) -> Result<Option<Session>> {
        let by_token = [Where::eq("token", token)];
        let Some(sec) = self.store_config().sessions() else {
            return opt(hooks::update(self, HookModel::Session, &by_token, changes).await?);
        };
        if sec.store_session_in_database {
            let Some(row) = hooks::update(self, HookModel::Session, &by_token, changes).await? else {
                return Ok(None);
            };
            let (st, written) = (sec.storage.clone(), row.clone());
            self.after_commit(Box::new(move || Box::pin(async move { cache::replace(st.as_ref(), &written).await })))
                .await?;
            return Session::from_row(row).map(Some);
        }
        let hooks = &self.store_config().hooks;
        let Some(mut data) = hooks.before_update_data(HookModel::Session, changes).await? else {
            return Ok(None);
        };
        data.entry("updatedAt".into()).or_insert_with(|| Value::Date(truncate_millis(Utc::now())));
        let Some(row) = cache::update(self.schema(), storage(sec), token, &data).await? else {
            return Ok(None);
        };
        hooks.run_after_update(self, HookModel::Session, &row).await?;
        Session::from_row(row).map(Some)
    }

    /// A user's sessions, newest first. With secondary storage: the live ones (from the store,
    /// or from the database with `store_session_in_database`).
    async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>> {
        let mut filter = vec![Where::eq("userId", user_id)];
        if let Some(sec) = self.store_config().sessions() {
            if !sec.store_session_in_database {
                return rows(cache::list(self.schema(), storage(sec), user_id).await?);
            }
            filter.push(Where::gt("expiresAt", Utc::now()));
        }
        let q = Query::filter(filter).sort_by("createdAt", Direction::Desc);
        rows(self.find_many("session", &q).await?)
    }

    /// Deletes the session with this token (revocation: from secondary storage too).
    async fn delete_session(&self, token: &str) -> Result<()> {
        let by_token = [Where::eq("token", token)];
        let Some(sec) = self.store_config().sessions() else {
            return hooks::delete(self, HookModel::Session, &by_token, true).await.map(drop);
        };
        if !sec.store_session_in_database {
            return cache::delete(storage(sec), token).await;
        }
        if hooks::delete(self, HookModel::Session, &by_token, true).await?.is_none() {
            return Ok(());
        }
        let (st, token) = (sec.storage.clone(), token.to_string());
        self.after_commit(Box::new(move || Box::pin(async move { cache::delete(st.as_ref(), &token).await }))).await
    }

    /// Deletes every session of a user; returns how many. With secondary storage the user's
    /// cached sessions are revoked (Better Auth's `revoked-sessions-before-<userId>` marker).
    async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        let by_user = [Where::eq("userId", user_id)];
        let Some(sec) = self.store_config().sessions() else {
            return Ok(hooks::delete(self, HookModel::Session, &by_user, false).await?.unwrap_or(0));
        };
        let refs = cache::active_refs(storage(sec), user_id).await?;
        let now = cache::now_ms();
        let count = if sec.store_session_in_database {
            match hooks::delete(self, HookModel::Session, &by_user, false).await? {
                Some(n) => n,
                None => return Ok(0),
            }
        } else {
            let mut live: Vec<&str> = refs.iter().filter(|r| r.expires_at > now).map(|r| r.token.as_str()).collect();
            live.sort_unstable();
            live.dedup();
            live.len() as u64
        };
        let (st, ttl, user_id) = (sec.storage.clone(), cache::marker_ttl(sec), user_id.to_string());
        self.after_commit(Box::new(move || {
            Box::pin(async move { cache::revoke_user(st.as_ref(), &user_id, &refs, now, ttl).await })
        }))
        .await?;
        Ok(count)
    }

    /// Deletes sessions in the database that expired before `now`; returns how many (entries in
    /// secondary storage expire by their TTL).
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
        stamp(&mut row);
        Account::from_row(hooks::create(self, HookModel::Account, row).await?)
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
        opt(hooks::update(self, HookModel::Account, &[Where::eq("id", id)], changes).await?)
    }

    /// Unlinks a provider's account; returns whether one was removed.
    async fn unlink_account(&self, provider_id: &str, account_id: &str) -> Result<bool> {
        let w = [Where::eq("providerId", provider_id), Where::eq("accountId", account_id)];
        Ok(hooks::delete(self, HookModel::Account, &w, false).await?.unwrap_or(0) > 0)
    }

    /// Stores a verification value (with secondary storage: under `verification:<identifier>`
    /// with its TTL, replacing the previous value, and in the database only with
    /// `store_verification_in_database`).
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
        stamp(&mut row);
        let Some(sec) = self.store_config().secondary.as_ref().filter(|s| !s.store_verification_in_database) else {
            let row = hooks::create(self, HookModel::Verification, row).await?;
            if let Some(sec) = &self.store_config().secondary {
                let (st, written) = (sec.storage.clone(), row.clone());
                self.after_commit(Box::new(move || {
                    Box::pin(async move { cache::put_verification(st.as_ref(), &written).await })
                }))
                .await?;
            }
            return Verification::from_row(row);
        };
        let hooks = &self.store_config().hooks;
        let Some(mut data) = hooks.before_create_data(HookModel::Verification, row).await? else {
            return Err(Error::Cancelled { model: "verification".into(), operation: "create".into() });
        };
        let model = self.schema().model("verification")?;
        data.entry("id".into()).or_insert_with(|| {
            Value::String(self.schema().id_strategy().generate("verification", false).unwrap_or_else(random_id))
        });
        for (k, v) in data.iter_mut() {
            let field = model.field(k)?;
            *v = crate::codec::canonical(model, field, std::mem::take(v), false)?;
        }
        cache::put_verification(storage(sec), &data).await?;
        hooks.run_after_create(self, HookModel::Verification, &data).await?;
        Verification::from_row(data)
    }

    /// The latest verification value for an identifier (from secondary storage first).
    async fn find_verification(&self, identifier: &str) -> Result<Option<Verification>> {
        if let Some(sec) = &self.store_config().secondary {
            if let Some(row) = cache::get_verification(self.schema(), storage(sec), identifier).await? {
                return Verification::from_row(row).map(Some);
            }
            if !sec.store_verification_in_database {
                return Ok(None);
            }
        }
        let q = Query::filter(vec![Where::eq("identifier", identifier)]).sort_by("createdAt", Direction::Desc);
        opt(self.find_one("verification", &q).await?)
    }

    /// Updates the latest verification value of an identifier (Better Auth's
    /// `updateVerificationByIdentifier`): in the database (with hooks) unless verification
    /// values live in secondary storage only, and in secondary storage when it holds the value.
    /// `None` when there is none.
    async fn update_verification(&self, identifier: &str, mut changes: Row) -> Result<Option<Verification>> {
        let secondary = self.store_config().secondary.clone();
        let Some(sec) = secondary else {
            return opt(hooks::update(self, HookModel::Verification, &[Where::eq("identifier", identifier)], changes).await?);
        };
        if sec.store_verification_in_database {
            let by_identifier = [Where::eq("identifier", identifier)];
            let Some(row) = hooks::update(self, HookModel::Verification, &by_identifier, changes).await? else {
                return Ok(None);
            };
            let (st, written, identifier) = (sec.storage.clone(), row.clone(), identifier.to_string());
            self.after_commit(Box::new(move || {
                Box::pin(async move { cache::replace_verification(st.as_ref(), &identifier, &written).await })
            }))
            .await?;
            return Verification::from_row(row).map(Some);
        }
        changes.entry("updatedAt".into()).or_insert_with(|| Value::Date(truncate_millis(Utc::now())));
        opt(cache::update_verification(self.schema(), storage(&sec), identifier, &changes).await?)
    }

    /// Atomically takes (deletes and returns) the verification with this identifier and value,
    /// if it has not expired by `now`; under concurrency exactly one caller gets it.
    async fn consume_verification(
        &self,
        identifier: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Verification>> {
        let secondary = self.store_config().secondary.clone();
        if let Some(sec) = secondary.as_ref().filter(|s| !s.store_verification_in_database) {
            return opt(cache::consume_verification(self.schema(), storage(sec), identifier, value, now).await?);
        }
        let w = [Where::eq("identifier", identifier), Where::eq("value", value), Where::gt("expiresAt", now)];
        let taken = hooks::consume(self, HookModel::Verification, &w).await?;
        if let (Some(sec), Some(_)) = (secondary, &taken) {
            let (st, key) = (sec.storage.clone(), cache::verification_key(identifier));
            self.after_commit(Box::new(move || Box::pin(async move { st.delete(&key).await }))).await?;
        }
        opt(taken)
    }

    /// Deletes a verification value by id. With secondary storage only (no
    /// `store_verification_in_database`), values are found by identifier: use
    /// [`AuthStore::delete_verification_by_identifier`].
    async fn delete_verification(&self, id: &str) -> Result<()> {
        let by_id = [Where::eq("id", id)];
        match &self.store_config().secondary {
            Some(sec) if !sec.store_verification_in_database => Err(Error::Unsupported(
                "verification values live in secondary storage only: delete them by identifier".into(),
            )),
            Some(sec) => {
                let row = self.find_one("verification", &Query::filter(by_id.to_vec())).await?;
                if hooks::delete(self, HookModel::Verification, &by_id, true).await?.is_some()
                    && let Some(identifier) = row.as_ref().and_then(|r| r.get("identifier")).and_then(Value::as_str)
                {
                    let st = storage(sec);
                    let cached = cache::get_verification(self.schema(), st, identifier).await?;
                    if cached.is_some_and(|c| c.get("id") == Some(&Value::from(id))) {
                        st.delete(&cache::verification_key(identifier)).await?;
                    }
                }
                Ok(())
            }
            None => hooks::delete(self, HookModel::Verification, &by_id, true).await.map(drop),
        }
    }

    /// Deletes every verification value of an identifier (Better Auth's
    /// `deleteVerificationByIdentifier`).
    async fn delete_verification_by_identifier(&self, identifier: &str) -> Result<()> {
        let secondary = self.store_config().secondary.clone();
        if let Some(sec) = &secondary {
            storage(sec).delete(&cache::verification_key(identifier)).await?;
        }
        if secondary.as_ref().is_none_or(|s| s.store_verification_in_database) {
            hooks::delete(self, HookModel::Verification, &[Where::eq("identifier", identifier)], false).await?;
        }
        Ok(())
    }

    /// Deletes verification values in the database that expired before `now`; returns how many.
    async fn delete_expired_verifications(&self, now: DateTime<Utc>) -> Result<u64> {
        let w = [Where::lt("expiresAt", now)];
        Ok(hooks::delete(self, HookModel::Verification, &w, false).await?.unwrap_or(0))
    }
}

impl<A: Adapter + ?Sized> AuthStore for A {}
