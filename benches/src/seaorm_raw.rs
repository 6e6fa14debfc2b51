//! The baseline on SeaORM: hand-written SQL through SeaORM's raw statements
//! (`Statement::from_sql_and_values` + `query_one_raw` / `execute_raw`) on a connection of its
//! own, rows decoded into typed structs. This is what an application on SeaORM writes when it
//! skips entities; the adapter adds its schema layer on top of the same calls.

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, TransactionTrait, Value};

use crate::diesel_raw::{mysql_seed, pg_seed, sqlite_seed};
use crate::raw::{Raw, sql_user_id};
use crate::rusqlite_raw::{SessionRow, UserRow, iso};

const USER_COLS: &str = r#""id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt""#;
const SESSION_COLS: &str =
    r#""id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId""#;
const VERIFICATION_COLS: &str = r#""id", "identifier", "value", "expiresAt", "createdAt", "updatedAt""#;

/// SeaORM raw statements on one connection of their own.
pub struct SeaOrmRaw {
    /// The connection (a pool of one).
    pub conn: DatabaseConnection,
    db: DbBackend,
}

impl SeaOrmRaw {
    /// Wraps a connection; on MySQL sets UTC and lifts the recursion limit the seeding needs.
    pub async fn new(conn: DatabaseConnection) -> Self {
        let db = conn.get_database_backend();
        if db == DbBackend::MySql {
            conn.execute_unprepared("SET time_zone = '+00:00'").await.expect("time zone");
            let _ = conn.execute_unprepared("SET SESSION max_recursive_iterations = 100000000").await;
            let _ = conn.execute_unprepared("SET SESSION cte_max_recursion_depth = 100000000").await;
        }
        SeaOrmRaw { conn, db }
    }

    /// `sql` written with `"quotes"` and `$n` placeholders, in this backend's spelling.
    fn stmt(&self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = match self.db {
            DbBackend::MySql => placeholders(&sql.replace('"', "`"), |_| "?".into()),
            DbBackend::Sqlite => placeholders(sql, |n| format!("?{n}")),
            _ => sql.to_string(),
        };
        Statement::from_sql_and_values(self.db, sql, values)
    }

    /// A date as this backend stores it: `timestamptz`, `datetime(3)` (UTC), or ISO text.
    fn date(&self, d: DateTime<Utc>) -> Value {
        match self.db {
            DbBackend::Postgres => d.into(),
            DbBackend::MySql => d.naive_utc().into(),
            _ => iso(d).into(),
        }
    }

    fn get_date(&self, row: &QueryResult, i: usize) -> DateTime<Utc> {
        match self.db {
            DbBackend::Postgres => row.try_get_by_index::<DateTime<Utc>>(i).expect("date"),
            DbBackend::MySql => row.try_get_by_index::<NaiveDateTime>(i).expect("date").and_utc(),
            _ => DateTime::parse_from_rfc3339(&row.try_get_by_index::<String>(i).expect("date"))
                .expect("ISO date")
                .with_timezone(&Utc),
        }
    }

    fn user(&self, row: &QueryResult, o: usize) -> UserRow {
        UserRow {
            id: row.try_get_by_index(o).expect("id"),
            name: row.try_get_by_index(o + 1).expect("name"),
            email: row.try_get_by_index(o + 2).expect("email"),
            email_verified: row.try_get_by_index(o + 3).expect("emailVerified"),
            image: row.try_get_by_index(o + 4).expect("image"),
            created_at: self.get_date(row, o + 5),
            updated_at: self.get_date(row, o + 6),
        }
    }

    fn session(&self, row: &QueryResult, o: usize) -> SessionRow {
        SessionRow {
            id: row.try_get_by_index(o).expect("id"),
            expires_at: self.get_date(row, o + 1),
            token: row.try_get_by_index(o + 2).expect("token"),
            created_at: self.get_date(row, o + 3),
            updated_at: self.get_date(row, o + 4),
            ip_address: row.try_get_by_index(o + 5).expect("ipAddress"),
            user_agent: row.try_get_by_index(o + 6).expect("userAgent"),
            user_id: row.try_get_by_index(o + 7).expect("userId"),
        }
    }

    async fn one(&self, sql: &str, values: Vec<Value>) -> Option<QueryResult> {
        self.conn.query_one_raw(self.stmt(sql, values)).await.expect("query")
    }

    async fn all(&self, sql: &str, values: Vec<Value>) -> Vec<QueryResult> {
        self.conn.query_all_raw(self.stmt(sql, values)).await.expect("query")
    }

    async fn exec(&self, sql: &str, values: Vec<Value>) -> u64 {
        self.conn.execute_raw(self.stmt(sql, values)).await.expect("execute").rows_affected()
    }

    /// PostgreSQL and SQLite return the written row; MySQL reads it back by `key`.
    async fn write_returning(&self, sql: &str, cols: &str, values: Vec<Value>, read_back: (&str, Value)) -> Option<QueryResult> {
        if self.db == DbBackend::MySql {
            self.exec(sql, values).await;
            let (table_and_col, key) = read_back;
            return self.one(&format!("SELECT {cols} FROM {table_and_col} = $1"), vec![key]).await;
        }
        self.one(&format!("{sql} RETURNING {cols}"), values).await
    }

    async fn seed(&self, sql: String) {
        self.conn.execute_unprepared(&sql).await.expect("seed statement");
    }
}

/// Replaces `$1`, `$2`, ... with `f(n)`.
fn placeholders(sql: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut n = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                n.push(d);
                chars.next();
            }
            out.push_str(&f(&n));
        } else {
            out.push(c);
        }
    }
    out
}

impl Raw for SeaOrmRaw {
    fn user_id(&self, i: usize) -> String {
        sql_user_id(i)
    }

    async fn create_user(&mut self, name: &str, email: &str, now: DateTime<Utc>) -> usize {
        let id = auth_core::id::random_id();
        let values = vec![id.clone().into(), name.into(), email.into(), false.into(), self.date(now), self.date(now)];
        let sql = format!(r#"INSERT INTO "user" ({USER_COLS}) VALUES ($1, $2, $3, $4, NULL, $5, $6)"#);
        let row = self.write_returning(&sql, USER_COLS, values, (r#""user" WHERE "id""#, id.into())).await;
        self.user(&row.expect("inserted"), 0).id.len()
    }

    async fn find_user_by_email(&mut self, email: &str) -> bool {
        let row = self.one(&format!(r#"SELECT {USER_COLS} FROM "user" WHERE "email" = $1 LIMIT 1"#), vec![email.into()]).await;
        row.map(|r| self.user(&r, 0)).is_some()
    }

    async fn create_session(&mut self, user_id: &str, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> usize {
        let id = auth_core::id::random_id();
        let values =
            vec![id.clone().into(), self.date(expires), t.into(), self.date(now), self.date(now), user_id.into()];
        let sql = format!(r#"INSERT INTO "session" ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6)"#);
        let row = self.write_returning(&sql, SESSION_COLS, values, (r#""session" WHERE "id""#, id.into())).await;
        self.session(&row.expect("inserted"), 0).id.len()
    }

    async fn find_session(&mut self, t: &str) -> bool {
        let sql = r#"SELECT s."id", s."expiresAt", s."token", s."createdAt", s."updatedAt", s."ipAddress", s."userAgent", s."userId", u."id", u."name", u."email", u."emailVerified", u."image", u."createdAt", u."updatedAt" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE s."token" = $1 LIMIT 1"#;
        let row = self.one(sql, vec![t.into()]).await;
        row.map(|r| (self.session(&r, 0), self.user(&r, 8))).is_some()
    }

    async fn update_session(&mut self, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let sql = r#"UPDATE "session" SET "expiresAt" = $1, "updatedAt" = $2 WHERE "token" = $3"#;
        let values = vec![self.date(expires), self.date(now), t.into()];
        let row = self.write_returning(sql, SESSION_COLS, values, (r#""session" WHERE "token""#, t.into())).await;
        row.map(|r| self.session(&r, 0)).is_some()
    }

    async fn list_sessions(&mut self, user_id: &str) -> usize {
        let sql = format!(r#"SELECT {SESSION_COLS} FROM "session" WHERE "userId" = $1 ORDER BY "createdAt" DESC"#);
        self.all(&sql, vec![user_id.into()]).await.iter().map(|r| self.session(r, 0)).collect::<Vec<_>>().len()
    }

    async fn consume_verification(&mut self, identifier: &str, value: &str, now: DateTime<Utc>) -> bool {
        let values = vec![identifier.into(), value.into(), self.date(now)];
        if self.db == DbBackend::MySql {
            let tx = self.conn.begin().await.expect("begin");
            let select = format!(
                r#"SELECT {VERIFICATION_COLS} FROM "verification" WHERE "identifier" = $1 AND "value" = $2 AND "expiresAt" > $3 LIMIT 1 FOR UPDATE"#
            );
            let row = tx.query_one_raw(self.stmt(&select, values)).await.expect("select");
            if let Some(r) = &row {
                let id: String = r.try_get_by_index(0).expect("id");
                tx.execute_raw(self.stmt(r#"DELETE FROM "verification" WHERE "id" = $1"#, vec![id.into()]))
                    .await
                    .expect("delete");
            }
            tx.commit().await.expect("commit");
            return row.map(|r| self.get_date(&r, 3)).is_some();
        }
        let sql = format!(
            r#"DELETE FROM "verification" WHERE "id" = (SELECT "id" FROM "verification" WHERE "identifier" = $1 AND "value" = $2 AND "expiresAt" > $3 LIMIT 1) RETURNING {VERIFICATION_COLS}"#
        );
        self.one(&sql, values).await.map(|r| self.get_date(&r, 3)).is_some()
    }

    async fn delete_expired(&mut self, now: DateTime<Utc>) -> u64 {
        self.exec(r#"DELETE FROM "session" WHERE "expiresAt" < $1"#, vec![self.date(now)]).await
    }

    async fn find_many(&mut self, user_id: &str, now: DateTime<Utc>) -> usize {
        let sql = format!(
            r#"SELECT {SESSION_COLS} FROM "session" WHERE "userId" = $1 AND "expiresAt" > $2 ORDER BY "expiresAt" DESC LIMIT 5"#
        );
        self.all(&sql, vec![user_id.into(), self.date(now)]).await.iter().map(|r| self.session(r, 0)).collect::<Vec<_>>().len()
    }

    async fn seed_users(&mut self, from: usize, to: usize) {
        if from < to {
            self.seed(match self.db {
                DbBackend::Postgres => pg_seed::users(from, to),
                DbBackend::MySql => mysql_seed::users(from, to),
                _ => sqlite_seed::users(from, to),
            })
            .await;
        }
    }

    async fn seed_sessions(&mut self, from: usize, to: usize, users: usize) {
        if from < to {
            self.seed(match self.db {
                DbBackend::Postgres => pg_seed::sessions(from, to, users),
                DbBackend::MySql => mysql_seed::sessions(from, to, users),
                _ => sqlite_seed::sessions(from, to, users),
            })
            .await;
        }
    }

    async fn seed_expired(&mut self, tag: &str, n: usize, users: usize) {
        self.seed(match self.db {
            DbBackend::Postgres => pg_seed::expired(tag, n, users),
            DbBackend::MySql => mysql_seed::expired(tag, n, users),
            _ => sqlite_seed::expired(tag, n, users),
        })
        .await;
    }

    async fn seed_verifications(&mut self, prefix: &str, n: usize) {
        self.seed(match self.db {
            DbBackend::Postgres => pg_seed::verifications(prefix, n),
            DbBackend::MySql => mysql_seed::verifications(prefix, n),
            _ => sqlite_seed::verifications(prefix, n),
        })
        .await;
    }

    async fn analyze(&mut self) {
        let sql = match self.db {
            DbBackend::MySql => "ANALYZE TABLE `user`, `session`, `verification`",
            _ => "ANALYZE",
        };
        self.seed(sql.into()).await;
    }
}

