//! Sessions and verification values in secondary storage, with Better Auth 1.7's key names and
//! JSON values:
//!
//! | key | value |
//! |---|---|
//! | `<token>` | `{"session": {…}, "user": {…}}`, TTL until the session expires |
//! | `active-sessions-<userId>` | `[{"token": "…", "expiresAt": <ms>}, …]` by expiry, TTL until the last expires |
//! | `revoked-sessions-before-<userId>` | `<ms>`: sessions created before it are revoked |
//! | `verification:<identifier>` | the verification row, TTL until it expires |
//!
//! Dates inside values are ISO-8601 text with milliseconds and `Z`, as `JSON.stringify` writes
//! them; rows carry logical field names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{SecondaryConfig, SecondaryStorage};
use crate::adapter::Adapter;
use crate::codec::decode;
use crate::error::{Error, Result};
use crate::query::{Query, Where};
use crate::schema::{Model, Schema};
use crate::value::{Row, Value};

/// The key of a user's list of active sessions.
pub fn active_sessions_key(user_id: &str) -> String {
    format!("active-sessions-{user_id}")
}

/// The key of a user's "sessions created before this instant are revoked" marker.
pub fn revoked_before_key(user_id: &str) -> String {
    format!("revoked-sessions-before-{user_id}")
}

/// The key of the latest verification value of an identifier.
pub fn verification_key(identifier: &str) -> String {
    format!("verification:{identifier}")
}

/// One entry of `active-sessions-<userId>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ActiveRef {
    pub token: String,
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
}

/// Seconds from `now_ms` until `expires`, rounded down, never negative (Better Auth's
/// `getTTLSeconds`).
pub(crate) fn ttl_seconds(expires_ms: i64, now_ms: i64) -> u64 {
    u64::try_from((expires_ms - now_ms).div_euclid(1000)).unwrap_or(0)
}

pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn date_ms(row: &Row, field: &str) -> Option<i64> {
    row.get(field).and_then(Value::as_date).map(|d| d.timestamp_millis())
}

fn str_of<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

/// A row as JSON text.
fn encode_row(row: &Row) -> String {
    Value::Object(row.clone()).to_json().to_string()
}

/// A JSON object as a row of `model`: known fields decoded by their type (ISO dates to dates),
/// unknown ones kept as they are.
pub(crate) fn decode_row(model: &Model, json: serde_json::Value) -> Result<Row> {
    let serde_json::Value::Object(map) = json else {
        return Err(Error::backend_msg(format!("secondary storage: a `{}` value is not a JSON object", model.name)));
    };
    let mut row = Row::new();
    for (k, v) in map {
        let v = Value::from_json(v);
        let v = match model.field(&k) {
            Ok(field) => decode(model, field, v)?,
            Err(_) => v,
        };
        row.insert(k, v);
    }
    Ok(row)
}

/// Better Auth's `safeJSONParse`: `None` for text that is not JSON.
fn parse(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(text).ok()
}

pub(crate) async fn active_refs(st: &dyn SecondaryStorage, user_id: &str) -> Result<Vec<ActiveRef>> {
    let raw = st.get(&active_sessions_key(user_id)).await?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
}

/// Writes the list sorted by expiry with a TTL until the last one expires; deletes it when none
/// is live.
pub(crate) async fn set_active_refs(
    st: &dyn SecondaryStorage,
    user_id: &str,
    mut refs: Vec<ActiveRef>,
    now: i64,
) -> Result<()> {
    refs.sort_by_key(|r| r.expires_at);
    let ttl = ttl_seconds(refs.last().map_or(0, |r| r.expires_at), now);
    let key = active_sessions_key(user_id);
    if ttl > 0 {
        let text = serde_json::to_string(&refs).map_err(Error::backend)?;
        st.set(&key, &text, Some(ttl)).await
    } else {
        st.delete(&key).await
    }
}

/// The user a session belongs to, for its cached value; a missing user is the foreign-key
/// error the database would give.
pub(crate) async fn session_user(db: &(impl Adapter + ?Sized), session: &Row) -> Result<Row> {
    let user_id = str_of(session, "userId").unwrap_or_default();
    db.find_one("user", &Query::filter(vec![Where::eq("id", user_id)]))
        .await?
        .ok_or_else(|| Error::ForeignKeyViolation { model: "session".into(), field: Some("userId".into()) })
}

/// Writes a session and its user under the token, and adds it to the user's active list
/// (Better Auth's `mirrorSessionToSecondaryStorage`).
pub(crate) async fn mirror(st: &dyn SecondaryStorage, session: &Row, user: &Row) -> Result<()> {
    let session = Value::Object(session.clone()).to_json();
    let user = Value::Object(user.clone()).to_json();
    write_session(st, session, user, true).await
}

/// Writes `{session, user}` under the session's token with a TTL until it expires (removing it
/// when expired) and refreshes its entry in the user's active list.
async fn write_session(st: &dyn SecondaryStorage, session: J, user: J, add_expired_ref: bool) -> Result<()> {
    let token = jstr(&session, "token").to_string();
    let user_id = jstr(&session, "userId").to_string();
    let expires = jdate(&session, "expiresAt").unwrap_or(0);
    let now = now_ms();
    let mut refs: Vec<ActiveRef> =
        active_refs(st, &user_id).await?.into_iter().filter(|r| r.expires_at > now && r.token != token).collect();
    let ttl = ttl_seconds(expires, now);
    if ttl > 0 || add_expired_ref {
        refs.push(ActiveRef { token: token.clone(), expires_at: expires });
    }
    set_active_refs(st, &user_id, refs, now).await?;
    if ttl > 0 {
        let value = serde_json::json!({ "session": session, "user": user }).to_string();
        st.set(&token, &value, Some(ttl)).await
    } else {
        st.delete(&token).await
    }
}

type J = serde_json::Value;

fn jstr<'a>(v: &'a J, field: &str) -> &'a str {
    v.get(field).and_then(J::as_str).unwrap_or_default()
}

/// A date inside a cached value (ISO text, or milliseconds) in milliseconds.
fn jdate(v: &J, field: &str) -> Option<i64> {
    match v.get(field)? {
        J::String(s) => crate::codec::parse_date(s).map(|d| d.timestamp_millis()),
        J::Number(n) => n.as_f64().map(|f| f as i64),
        _ => None,
    }
}

/// The cached `{session, user}` under `token`, unless absent, unreadable or revoked.
async fn cached(st: &dyn SecondaryStorage, token: &str) -> Result<Option<(J, J)>> {
    let Some(text) = st.get(token).await? else {
        return Ok(None);
    };
    let Some(J::Object(mut value)) = parse(&text) else {
        return Ok(None);
    };
    let (Some(session @ J::Object(_)), Some(user)) = (value.remove("session"), value.remove("user")) else {
        return Ok(None);
    };
    let before = st.get(&revoked_before_key(jstr(&session, "userId"))).await?;
    let before = before.and_then(|v| v.trim().parse::<f64>().ok());
    if let (Some(b), Some(created)) = (before, jdate(&session, "createdAt"))
        && (created as f64) < b
    {
        return Ok(None);
    }
    Ok(Some((session, user)))
}

/// The cached session under `token` and its user, as rows.
pub(crate) async fn find(schema: &Schema, st: &dyn SecondaryStorage, token: &str) -> Result<Option<(Row, Row)>> {
    let Some((session, user)) = cached(st, token).await? else {
        return Ok(None);
    };
    Ok(Some((decode_row(schema.model("session")?, session)?, decode_row(schema.model("user")?, user)?)))
}

/// Merges `changes` into the cached session (Better Auth's `updateSession` on secondary
/// storage): a new TTL from its expiry, its entry in the active list refreshed; a session
/// updated to expire in the past is removed. `None` when the token is not cached.
pub(crate) async fn update(
    schema: &Schema,
    st: &dyn SecondaryStorage,
    token: &str,
    changes: &Row,
) -> Result<Option<Row>> {
    let Some((mut session, user)) = cached(st, token).await? else {
        return Ok(None);
    };
    let model = schema.model("session")?;
    for (k, v) in changes {
        if k == "id" || k == "token" {
            return Err(Error::invalid_query("session", format!("`{k}` cannot be changed")));
        }
        let v = crate::codec::canonical(model, model.field(k)?, v.clone(), false)?;
        if let J::Object(map) = &mut session {
            map.insert(k.clone(), v.to_json());
        }
    }
    let row = decode_row(model, session.clone())?;
    write_session(st, session, user, false).await?;
    Ok(Some(row))
}

/// Replaces the cached session under its token with `session` (the row as the database now
/// holds it), keeping the cached user; nothing when it is not cached.
pub(crate) async fn replace(st: &dyn SecondaryStorage, session: &Row) -> Result<()> {
    let token = str_of(session, "token").unwrap_or_default();
    let Some((_, user)) = cached(st, token).await? else {
        return Ok(());
    };
    write_session(st, Value::Object(session.clone()).to_json(), user, false).await
}

/// Removes a session and its entry in the user's active list (Better Auth's `deleteSession`).
pub(crate) async fn delete(st: &dyn SecondaryStorage, token: &str) -> Result<()> {
    if let Some(text) = st.get(token).await?
        && let Some(session) = parse(&text).and_then(|mut v| v.get_mut("session").map(J::take))
    {
        let user_id = jstr(&session, "userId");
        let now = now_ms();
        let refs =
            active_refs(st, user_id).await?.into_iter().filter(|r| r.expires_at > now && r.token != token).collect();
        set_active_refs(st, user_id, refs, now).await?;
    }
    st.delete(token).await
}

/// Revokes a user's cached sessions (Better Auth's `deleteCachedUserSessions`): marks every
/// session created before `revoked_at` as revoked (kept `marker_ttl` seconds), deletes the
/// tokens and drops them from the active list.
pub(crate) async fn revoke_user(
    st: &dyn SecondaryStorage,
    user_id: &str,
    refs: &[ActiveRef],
    revoked_at: i64,
    marker_ttl: u64,
) -> Result<()> {
    let key = revoked_before_key(user_id);
    let previous = st.get(&key).await?.and_then(|v| v.trim().parse::<f64>().ok()).unwrap_or(0.0);
    let at = (revoked_at as f64).max(previous);
    st.set(&key, &format!("{}", at as i64), Some(marker_ttl)).await?;
    for r in refs {
        st.delete(&r.token).await?;
    }
    let now = now_ms();
    let left = active_refs(st, user_id)
        .await?
        .into_iter()
        .filter(|r| r.expires_at > now && !refs.iter().any(|d| d.token == r.token))
        .collect();
    set_active_refs(st, user_id, left, now).await
}

/// The user's live cached sessions, newest first (Better Auth's `listSessions` on secondary
/// storage: expired, duplicate, missing and revoked entries skipped).
pub(crate) async fn list(schema: &Schema, st: &dyn SecondaryStorage, user_id: &str) -> Result<Vec<Row>> {
    let now = now_ms();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for r in active_refs(st, user_id).await? {
        if r.expires_at <= now || seen.contains(&r.token) {
            continue;
        }
        seen.push(r.token.clone());
        if let Some((session, _)) = find(schema, st, &r.token).await? {
            out.push(session);
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(date_ms(s, "createdAt")));
    Ok(out)
}

/// Rewrites the user inside each of their cached sessions (Better Auth's
/// `refreshUserSessions`).
pub(crate) async fn refresh_user(st: &dyn SecondaryStorage, user: &Row) -> Result<()> {
    let Some(user_id) = str_of(user, "id") else {
        return Ok(());
    };
    let user = Value::Object(user.clone()).to_json();
    let now = now_ms();
    for r in active_refs(st, user_id).await?.into_iter().filter(|r| r.expires_at > now) {
        if let Some((session, _)) = cached(st, &r.token).await? {
            let ttl = ttl_seconds(jdate(&session, "expiresAt").unwrap_or(0), now);
            if ttl > 0 {
                let value = serde_json::json!({ "session": session, "user": user }).to_string();
                st.set(&r.token, &value, Some(ttl)).await?;
            }
        }
    }
    Ok(())
}

/// Writes a verification row under `verification:<identifier>` until it expires.
pub(crate) async fn put_verification(st: &dyn SecondaryStorage, row: &Row) -> Result<()> {
    let (Some(identifier), Some(expires)) = (str_of(row, "identifier"), date_ms(row, "expiresAt")) else {
        return Ok(());
    };
    let ttl = ttl_seconds(expires, now_ms());
    if ttl > 0 {
        st.set(&verification_key(identifier), &encode_row(row), Some(ttl)).await?;
    }
    Ok(())
}

/// The cached verification row of an identifier. Better Auth writes none of an `id` when the
/// database does not keep verification values; such a row gets an empty id.
pub(crate) async fn get_verification(
    schema: &Schema,
    st: &dyn SecondaryStorage,
    identifier: &str,
) -> Result<Option<Row>> {
    let Some(text) = st.get(&verification_key(identifier)).await? else {
        return Ok(None);
    };
    Ok(verification_row(schema, &text).ok())
}

fn verification_row(schema: &Schema, text: &str) -> Result<Row> {
    let json = parse(text).ok_or_else(|| Error::backend_msg("secondary storage: verification value is not JSON"))?;
    let mut row = decode_row(schema.model("verification")?, json)?;
    row.entry("id".into()).or_insert_with(|| Value::String(String::new()));
    let now = Value::Date(DateTime::<Utc>::from_timestamp_millis(now_ms()).unwrap_or_default());
    for f in ["createdAt", "updatedAt"] {
        row.entry(f.into()).or_insert_with(|| now.clone());
    }
    Ok(row)
}

/// Merges `changes` into the cached verification value of an identifier, keeping its TTL from
/// its (possibly new) expiry; `None` when nothing is cached.
pub(crate) async fn update_verification(
    schema: &Schema,
    st: &dyn SecondaryStorage,
    identifier: &str,
    changes: &Row,
) -> Result<Option<Row>> {
    let Some(mut row) = get_verification(schema, st, identifier).await? else { return Ok(None) };
    let model = schema.model("verification")?;
    for (k, v) in changes {
        row.insert(k.clone(), crate::codec::canonical(model, model.field(k)?, v.clone(), false)?);
    }
    put_verification(st, &row).await?;
    Ok(Some(row))
}

/// Replaces the cached value of an identifier with `row` (as the database now holds it), when
/// one is cached.
pub(crate) async fn replace_verification(st: &dyn SecondaryStorage, identifier: &str, row: &Row) -> Result<()> {
    if st.get(&verification_key(identifier)).await?.is_some() {
        put_verification(st, row).await?;
    }
    Ok(())
}

/// Takes a verification value from the cache when it has this value and has not expired by
/// `now`; of concurrent callers exactly one gets it.
pub(crate) async fn consume_verification(
    schema: &Schema,
    st: &dyn SecondaryStorage,
    identifier: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<Option<Row>> {
    let key = verification_key(identifier);
    let matches = |row: &Row| {
        str_of(row, "value") == Some(value) && row.get("expiresAt").and_then(Value::as_date).is_some_and(|e| e > now)
    };
    let Some(current) = get_verification(schema, st, identifier).await? else {
        return Ok(None);
    };
    if !matches(&current) {
        return Ok(None);
    }
    let Some(text) = st.get_and_delete(&key).await? else {
        return Ok(None);
    };
    let taken = verification_row(schema, &text)?;
    if matches(&taken) {
        return Ok(Some(taken));
    }
    // Replaced between the read and the take: put the newer value back.
    put_verification(st, &taken).await?;
    Ok(None)
}

/// Better Auth's marker TTL: the session lifetime, at least a day.
pub(crate) fn marker_ttl(sec: &SecondaryConfig) -> u64 {
    sec.session_expires_in.max(86_400)
}
