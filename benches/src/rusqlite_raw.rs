//! The baseline on rusqlite: `prepare_cached` statements, rows decoded into typed structs
//! (dates parsed with chrono, as the adapter does), called directly on the bench thread.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::raw::{Raw, email, sql_session_id, sql_user_id, token};

/// Dates as the adapter stores them on SQLite: ISO-8601 with milliseconds and `Z`.
pub fn iso(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn date(row: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let s: String = row.get(i)?;
    DateTime::parse_from_rfc3339(&s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

/// A user row, decoded.
#[allow(dead_code, missing_docs)]
#[derive(Debug)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub image: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A session row, decoded.
#[allow(dead_code, missing_docs)]
#[derive(Debug)]
pub struct SessionRow {
    pub id: String,
    pub expires_at: DateTime<Utc>,
    pub token: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub user_id: String,
}

const USER_COLS: &str = r#""id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt""#;
const SESSION_COLS: &str =
    r#""id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId""#;

fn user(row: &Row<'_>, o: usize) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: row.get(o)?,
        name: row.get(o + 1)?,
        email: row.get(o + 2)?,
        email_verified: row.get(o + 3)?,
        image: row.get(o + 4)?,
        created_at: date(row, o + 5)?,
        updated_at: date(row, o + 6)?,
    })
}

fn session(row: &Row<'_>, o: usize) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: row.get(o)?,
        expires_at: date(row, o + 1)?,
        token: row.get(o + 2)?,
        created_at: date(row, o + 3)?,
        updated_at: date(row, o + 4)?,
        ip_address: row.get(o + 5)?,
        user_agent: row.get(o + 6)?,
        user_id: row.get(o + 7)?,
    })
}

/// The find-by-token statement the baseline runs (also shown with `EXPLAIN QUERY PLAN`).
pub const FIND_SESSION: &str = r#"SELECT s."id", s."expiresAt", s."token", s."createdAt", s."updatedAt", s."ipAddress", s."userAgent", s."userId", u."id", u."name", u."email", u."emailVerified", u."image", u."createdAt", u."updatedAt" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE s."token" = ?1 LIMIT 1"#;

/// A rusqlite connection to the same database file the adapter uses.
pub struct RusqliteRaw {
    /// The connection (behind a mutex so a `spawn_blocking` variant can borrow it).
    pub conn: Arc<Mutex<Connection>>,
}

impl RusqliteRaw {
    /// Opens `path` with the adapter's settings (WAL, synchronous=NORMAL, foreign keys, stable
    /// query plans).
    pub fn open(path: &str) -> Self {
        let conn = Connection::open(path).expect("open sqlite");
        conn.busy_timeout(std::time::Duration::from_secs(5)).expect("busy timeout");
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .expect("pragmas");
        conn.set_prepared_statement_cache_capacity(64);
        // As the adapter: stable plans, or SQLite re-prepares the statements on every new value.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).expect("qpsg");
        RusqliteRaw { conn: Arc::new(Mutex::new(conn)) }
    }

    fn c(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().expect("sqlite mutex")
    }

    /// The find-by-token query, synchronously (used directly and from `spawn_blocking`).
    pub fn find_session_sync(conn: &Connection, t: &str) -> bool {
        let mut st = conn.prepare_cached(FIND_SESSION).expect("prepare");
        st.query_row([t], |r| Ok((session(r, 0)?, user(r, 8)?))).optional().expect("find session").is_some()
    }

    /// `EXPLAIN QUERY PLAN` of `sql` (parameters bound to `param`).
    pub fn explain(&self, sql: &str, param: &str) -> String {
        let c = self.c();
        let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("explain");
        let n = st.parameter_count();
        let ps: Vec<&str> = vec![param; n];
        let rows = st
            .query_map(rusqlite::params_from_iter(ps), |r| r.get::<_, String>(3))
            .expect("explain rows")
            .collect::<Result<Vec<_>, _>>()
            .expect("explain decode");
        rows.join("\n")
    }

    fn exec_seed(&self, sql: &str) {
        self.c().execute_batch(sql).expect("seed");
    }
}

impl Raw for RusqliteRaw {
    fn user_id(&self, i: usize) -> String {
        sql_user_id(i)
    }

    async fn create_user(&mut self, name: &str, email: &str, now: DateTime<Utc>) -> usize {
        let c = self.c();
        let mut st = c
            .prepare_cached(&format!(
                r#"INSERT INTO "user" ({USER_COLS}) VALUES (?1, ?2, ?3, 0, NULL, ?4, ?4) RETURNING {USER_COLS}"#
            ))
            .expect("prepare");
        let u = st.query_row(params![auth_core::id::random_id(), name, email, iso(now)], |r| user(r, 0)).expect("insert");
        u.id.len()
    }

    async fn find_user_by_email(&mut self, e: &str) -> bool {
        let c = self.c();
        let mut st =
            c.prepare_cached(&format!(r#"SELECT {USER_COLS} FROM "user" WHERE "email" = ?1 LIMIT 1"#)).expect("prepare");
        st.query_row([e], |r| user(r, 0)).optional().expect("find user").is_some()
    }

    async fn create_session(&mut self, user_id: &str, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> usize {
        let c = self.c();
        let mut st = c
            .prepare_cached(&format!(
                r#"INSERT INTO "session" ({SESSION_COLS}) VALUES (?1, ?2, ?3, ?4, ?4, NULL, NULL, ?5) RETURNING {SESSION_COLS}"#
            ))
            .expect("prepare");
        let s = st
            .query_row(params![auth_core::id::random_id(), iso(expires), t, iso(now), user_id], |r| session(r, 0))
            .expect("insert session");
        s.id.len()
    }

    async fn find_session(&mut self, t: &str) -> bool {
        Self::find_session_sync(&self.c(), t)
    }

    async fn update_session(&mut self, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let c = self.c();
        let mut st = c
            .prepare_cached(&format!(
                r#"UPDATE "session" SET "expiresAt" = ?1, "updatedAt" = ?2 WHERE "token" = ?3 RETURNING {SESSION_COLS}"#
            ))
            .expect("prepare");
        st.query_row(params![iso(expires), iso(now), t], |r| session(r, 0)).optional().expect("update").is_some()
    }

    async fn list_sessions(&mut self, user_id: &str) -> usize {
        let c = self.c();
        let mut st = c
            .prepare_cached(&format!(
                r#"SELECT {SESSION_COLS} FROM "session" WHERE "userId" = ?1 ORDER BY "createdAt" DESC"#
            ))
            .expect("prepare");
        st.query_map([user_id], |r| session(r, 0)).expect("list").count()
    }

    async fn consume_verification(&mut self, identifier: &str, value: &str, now: DateTime<Utc>) -> bool {
        let c = self.c();
        let mut st = c
            .prepare_cached(
                r#"DELETE FROM "verification" WHERE "id" = (SELECT "id" FROM "verification" WHERE "identifier" = ?1 AND "value" = ?2 AND "expiresAt" > ?3 LIMIT 1) RETURNING "id", "identifier", "value", "expiresAt", "createdAt", "updatedAt""#,
            )
            .expect("prepare");
        st.query_row(params![identifier, value, iso(now)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, date(r, 3)?, date(r, 4)?, date(r, 5)?))
        })
        .optional()
        .expect("consume")
        .is_some()
    }

    async fn delete_expired(&mut self, now: DateTime<Utc>) -> u64 {
        let c = self.c();
        let mut st = c.prepare_cached(r#"DELETE FROM "session" WHERE "expiresAt" < ?1"#).expect("prepare");
        st.execute([iso(now)]).expect("delete expired") as u64
    }

    async fn find_many(&mut self, user_id: &str, now: DateTime<Utc>) -> usize {
        let c = self.c();
        let mut st = c
            .prepare_cached(&format!(
                r#"SELECT {SESSION_COLS} FROM "session" WHERE "userId" = ?1 AND "expiresAt" > ?2 ORDER BY "expiresAt" DESC LIMIT 5"#
            ))
            .expect("prepare");
        st.query_map(params![user_id, iso(now)], |r| session(r, 0)).expect("find many").count()
    }

    async fn seed_users(&mut self, from: usize, to: usize) {
        let mut c = self.c();
        let tx = c.transaction().expect("tx");
        {
            let now = iso(Utc::now());
            let mut st = tx
                .prepare(&format!(r#"INSERT INTO "user" ({USER_COLS}) VALUES (?1, ?2, ?3, 0, NULL, ?4, ?4)"#))
                .expect("prepare");
            for i in from..to {
                st.execute(params![sql_user_id(i), format!("User {i}"), email(i), now]).expect("seed user");
            }
        }
        tx.commit().expect("commit");
    }

    async fn seed_sessions(&mut self, from: usize, to: usize, users: usize) {
        let mut c = self.c();
        let tx = c.transaction().expect("tx");
        {
            let now = Utc::now();
            let exp = iso(now + chrono::Duration::days(7));
            let mut st = tx
                .prepare(&format!(
                    r#"INSERT INTO "session" ({SESSION_COLS}) VALUES (?1, ?2, ?3, ?4, ?4, NULL, NULL, ?5)"#
                ))
                .expect("prepare");
            for i in from..to {
                let created = iso(now - chrono::Duration::seconds((to - i) as i64));
                st.execute(params![sql_session_id(i), exp, token(i), created, sql_user_id(i % users)]).expect("seed");
            }
        }
        tx.commit().expect("commit");
    }

    async fn seed_expired(&mut self, tag: &str, n: usize, users: usize) {
        let mut c = self.c();
        let tx = c.transaction().expect("tx");
        {
            let now = Utc::now();
            let exp = iso(now - chrono::Duration::days(1));
            let mut st = tx
                .prepare(&format!(
                    r#"INSERT INTO "session" ({SESSION_COLS}) VALUES (?1, ?2, ?3, ?4, ?4, NULL, NULL, ?5)"#
                ))
                .expect("prepare");
            for i in 0..n {
                st.execute(params![format!("x{tag}{i}"), exp, format!("exp{tag}_{i}"), iso(now), sql_user_id(i % users)])
                    .expect("seed expired");
            }
        }
        tx.commit().expect("commit");
    }

    async fn seed_verifications(&mut self, prefix: &str, n: usize) {
        let mut c = self.c();
        let tx = c.transaction().expect("tx");
        {
            let now = Utc::now();
            let mut st = tx
                .prepare(r#"INSERT INTO "verification" ("id", "identifier", "value", "expiresAt", "createdAt", "updatedAt") VALUES (?1, ?2, ?3, ?4, ?5, ?5)"#)
                .expect("prepare");
            for i in 0..n {
                st.execute(params![
                    format!("v{prefix}{i}"),
                    format!("{prefix}{i}"),
                    format!("val{i}"),
                    iso(now + chrono::Duration::hours(1)),
                    iso(now)
                ])
                .expect("seed verification");
            }
        }
        tx.commit().expect("commit");
    }

    async fn analyze(&mut self) {
        self.exec_seed("ANALYZE");
    }
}
