//! The baseline: every benchmarked operation written by hand on a raw driver, plus the seeding
//! each backend needs.

use chrono::{DateTime, Utc};

/// Deterministic ids and keys of the seeded rows (SQL backends: 32-character strings).
pub fn sql_user_id(i: usize) -> String {
    format!("u{i:031}")
}

/// The seeded session number `i`'s id (SQL backends).
pub fn sql_session_id(i: usize) -> String {
    format!("s{i:031}")
}

/// The seeded user number `i`'s email.
pub fn email(i: usize) -> String {
    format!("user{i}@bench.test")
}

/// The seeded session number `i`'s token.
pub fn token(i: usize) -> String {
    format!("tok{i}")
}

/// The same operations as the adapter's, on a raw driver. Each returns something derived from
/// the rows so nothing is optimised away; seeding methods fill the shared tables.
#[allow(async_fn_in_trait)]
pub trait Raw {
    /// The id of seeded user `i` as this backend stores it.
    fn user_id(&self, i: usize) -> String;
    /// Inserts a user and returns it decoded.
    async fn create_user(&mut self, name: &str, email: &str, now: DateTime<Utc>) -> usize;
    /// Finds a user by email.
    async fn find_user_by_email(&mut self, email: &str) -> bool;
    /// Inserts a session and returns it decoded.
    async fn create_session(&mut self, user_id: &str, token: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> usize;
    /// The session by token with its user, one query.
    async fn find_session(&mut self, token: &str) -> bool;
    /// Sets a session's expiry (and `updatedAt`), returning the row.
    async fn update_session(&mut self, token: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool;
    /// A user's sessions, newest first.
    async fn list_sessions(&mut self, user_id: &str) -> usize;
    /// Deletes and returns one unexpired verification with this identifier and value.
    async fn consume_verification(&mut self, identifier: &str, value: &str, now: DateTime<Utc>) -> bool;
    /// Deletes the sessions that expired before `now`.
    async fn delete_expired(&mut self, now: DateTime<Utc>) -> u64;
    /// A user's unexpired sessions, latest expiry first, at most 5.
    async fn find_many(&mut self, user_id: &str, now: DateTime<Utc>) -> usize;

    /// Seeds users `from..to`.
    async fn seed_users(&mut self, from: usize, to: usize);
    /// Seeds live sessions `from..to`, session `i` belonging to user `i % users`.
    async fn seed_sessions(&mut self, from: usize, to: usize, users: usize);
    /// Seeds `n` expired sessions (ids and tokens from `tag`).
    async fn seed_expired(&mut self, tag: &str, n: usize, users: usize);
    /// Seeds verifications `{prefix}{i}` / `val{i}` for `i < n`, valid for an hour.
    async fn seed_verifications(&mut self, prefix: &str, n: usize);
    /// Makes the planner's statistics current (ANALYZE) after seeding.
    async fn analyze(&mut self);
}
