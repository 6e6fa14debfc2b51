//! The baseline on diesel: its typed DSL on static `table!` definitions, one connection of its
//! own (no pool, no blocking-thread hop), called directly on the bench thread.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::raw::{Raw, sql_user_id};

/// `table!`s of the auth tables on PostgreSQL (dates `timestamptz`).
pub mod pg_schema {
    #![allow(missing_docs)]
    diesel::table! {
        #[sql_name = "user"]
        users (id) {
            id -> Text,
            name -> Text,
            email -> Text,
            #[sql_name = "emailVerified"]
            email_verified -> Bool,
            image -> Nullable<Text>,
            #[sql_name = "createdAt"]
            created_at -> Timestamptz,
            #[sql_name = "updatedAt"]
            updated_at -> Timestamptz,
        }
    }
    diesel::table! {
        session (id) {
            id -> Text,
            #[sql_name = "expiresAt"]
            expires_at -> Timestamptz,
            token -> Text,
            #[sql_name = "createdAt"]
            created_at -> Timestamptz,
            #[sql_name = "updatedAt"]
            updated_at -> Timestamptz,
            #[sql_name = "ipAddress"]
            ip_address -> Nullable<Text>,
            #[sql_name = "userAgent"]
            user_agent -> Nullable<Text>,
            #[sql_name = "userId"]
            user_id -> Text,
        }
    }
    diesel::table! {
        verification (id) {
            id -> Text,
            identifier -> Text,
            value -> Text,
            #[sql_name = "expiresAt"]
            expires_at -> Timestamptz,
            #[sql_name = "createdAt"]
            created_at -> Timestamptz,
            #[sql_name = "updatedAt"]
            updated_at -> Timestamptz,
        }
    }
    diesel::joinable!(session -> users (user_id));
    diesel::allow_tables_to_appear_in_same_query!(users, session, verification);
}

/// `table!`s of the auth tables on SQLite (dates ISO-8601 text).
pub mod sqlite_schema {
    #![allow(missing_docs)]
    diesel::table! {
        #[sql_name = "user"]
        users (id) {
            id -> Text,
            name -> Text,
            email -> Text,
            #[sql_name = "emailVerified"]
            email_verified -> Bool,
            image -> Nullable<Text>,
            #[sql_name = "createdAt"]
            created_at -> Text,
            #[sql_name = "updatedAt"]
            updated_at -> Text,
        }
    }
    diesel::table! {
        session (id) {
            id -> Text,
            #[sql_name = "expiresAt"]
            expires_at -> Text,
            token -> Text,
            #[sql_name = "createdAt"]
            created_at -> Text,
            #[sql_name = "updatedAt"]
            updated_at -> Text,
            #[sql_name = "ipAddress"]
            ip_address -> Nullable<Text>,
            #[sql_name = "userAgent"]
            user_agent -> Nullable<Text>,
            #[sql_name = "userId"]
            user_id -> Text,
        }
    }
    diesel::table! {
        verification (id) {
            id -> Text,
            identifier -> Text,
            value -> Text,
            #[sql_name = "expiresAt"]
            expires_at -> Text,
            #[sql_name = "createdAt"]
            created_at -> Text,
            #[sql_name = "updatedAt"]
            updated_at -> Text,
        }
    }
    diesel::joinable!(session -> users (user_id));
    diesel::allow_tables_to_appear_in_same_query!(users, session, verification);
}

fn same(d: DateTime<Utc>) -> DateTime<Utc> {
    d
}

macro_rules! dsl_baseline {
    ($name:ident, $conn:ty, $schema:ident, $date:ty, $conv:path, $seed:ident) => {
        /// The diesel-DSL baseline on one backend.
        pub struct $name {
            /// Its own connection.
            pub conn: $conn,
        }

        impl Raw for $name {
            fn user_id(&self, i: usize) -> String {
                sql_user_id(i)
            }

            async fn create_user(&mut self, name: &str, email: &str, now: DateTime<Utc>) -> usize {
                use $schema::users::dsl as u;
                let now = $conv(now);
                let row: (String, String, String, bool, Option<String>, $date, $date) = diesel::insert_into(u::users)
                    .values((
                        u::id.eq(auth_core::id::random_id()),
                        u::name.eq(name),
                        u::email.eq(email),
                        u::email_verified.eq(false),
                        u::created_at.eq(&now),
                        u::updated_at.eq(&now),
                    ))
                    .get_result(&mut self.conn)
                    .expect("insert user");
                row.0.len()
            }

            async fn find_user_by_email(&mut self, email: &str) -> bool {
                use $schema::users::dsl as u;
                u::users
                    .filter(u::email.eq(email))
                    .first::<(String, String, String, bool, Option<String>, $date, $date)>(&mut self.conn)
                    .optional()
                    .expect("find user")
                    .is_some()
            }

            async fn create_session(&mut self, user_id: &str, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> usize {
                use $schema::session::dsl as s;
                let now = $conv(now);
                let row: SessionTuple<$date> = diesel::insert_into(s::session)
                    .values((
                        s::id.eq(auth_core::id::random_id()),
                        s::expires_at.eq($conv(expires)),
                        s::token.eq(t),
                        s::created_at.eq(&now),
                        s::updated_at.eq(&now),
                        s::user_id.eq(user_id),
                    ))
                    .get_result(&mut self.conn)
                    .expect("insert session");
                row.0.len()
            }

            async fn find_session(&mut self, t: &str) -> bool {
                use $schema::session::dsl as s;
                use $schema::users;
                s::session
                    .inner_join(users::table)
                    .filter(s::token.eq(t))
                    .first::<(SessionTuple<$date>, (String, String, String, bool, Option<String>, $date, $date))>(
                        &mut self.conn,
                    )
                    .optional()
                    .expect("find session")
                    .is_some()
            }

            async fn update_session(&mut self, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool {
                use $schema::session::dsl as s;
                diesel::update(s::session.filter(s::token.eq(t)))
                    .set((s::expires_at.eq($conv(expires)), s::updated_at.eq($conv(now))))
                    .get_result::<SessionTuple<$date>>(&mut self.conn)
                    .optional()
                    .expect("update session")
                    .is_some()
            }

            async fn list_sessions(&mut self, user_id: &str) -> usize {
                use $schema::session::dsl as s;
                s::session
                    .filter(s::user_id.eq(user_id))
                    .order(s::created_at.desc())
                    .load::<SessionTuple<$date>>(&mut self.conn)
                    .expect("list sessions")
                    .len()
            }

            async fn consume_verification(&mut self, identifier: &str, value: &str, now: DateTime<Utc>) -> bool {
                use $schema::verification::dsl as v;
                let inner = diesel::alias!($schema::verification as inner);
                let one = inner
                    .select(inner.field(v::id))
                    .filter(inner.field(v::identifier).eq(identifier))
                    .filter(inner.field(v::value).eq(value))
                    .filter(inner.field(v::expires_at).gt($conv(now)))
                    .limit(1)
                    .single_value();
                diesel::delete(v::verification)
                    .filter(v::id.nullable().eq(one))
                    .get_result::<(String, String, String, $date, $date, $date)>(&mut self.conn)
                    .optional()
                    .expect("consume")
                    .is_some()
            }

            async fn delete_expired(&mut self, now: DateTime<Utc>) -> u64 {
                use $schema::session::dsl as s;
                diesel::delete(s::session.filter(s::expires_at.lt($conv(now))))
                    .execute(&mut self.conn)
                    .expect("delete expired") as u64
            }

            async fn find_many(&mut self, user_id: &str, now: DateTime<Utc>) -> usize {
                use $schema::session::dsl as s;
                s::session
                    .filter(s::user_id.eq(user_id))
                    .filter(s::expires_at.gt($conv(now)))
                    .order(s::expires_at.desc())
                    .limit(5)
                    .load::<SessionTuple<$date>>(&mut self.conn)
                    .expect("find many")
                    .len()
            }

            async fn seed_users(&mut self, from: usize, to: usize) {
                if from < to {
                    exec(&mut self.conn, &$seed::users(from, to));
                }
            }

            async fn seed_sessions(&mut self, from: usize, to: usize, users: usize) {
                if from < to {
                    exec(&mut self.conn, &$seed::sessions(from, to, users));
                }
            }

            async fn seed_expired(&mut self, tag: &str, n: usize, users: usize) {
                exec(&mut self.conn, &$seed::expired(tag, n, users));
            }

            async fn seed_verifications(&mut self, prefix: &str, n: usize) {
                exec(&mut self.conn, &$seed::verifications(prefix, n));
            }

            async fn analyze(&mut self) {
                exec(&mut self.conn, "ANALYZE");
            }
        }
    };
}

/// A session row as a tuple (id, expiresAt, token, createdAt, updatedAt, ipAddress, userAgent,
/// userId).
type SessionTuple<D> = (String, D, String, D, D, Option<String>, Option<String>, String);

fn exec<C: diesel::connection::SimpleConnection>(conn: &mut C, sql: &str) {
    conn.batch_execute(sql).expect("seed statement");
}

/// Seeding statements on PostgreSQL (`generate_series`).
pub mod pg_seed {
    /// Users `from..to`.
    pub fn users(from: usize, to: usize) -> String {
        format!(
            r#"INSERT INTO "user" ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt")
               SELECT 'u' || lpad(g::text, 31, '0'), 'User ' || g, 'user' || g || '@bench.test', false, NULL, now(), now()
               FROM generate_series({from}, {}) g"#,
            to - 1
        )
    }
    /// Live sessions `from..to`.
    pub fn sessions(from: usize, to: usize, users: usize) -> String {
        format!(
            r#"INSERT INTO "session" ("id", "expiresAt", "token", "createdAt", "updatedAt", "userId")
               SELECT 's' || lpad(g::text, 31, '0'), now() + interval '7 days', 'tok' || g,
                      now() - ({to} - g) * interval '1 second', now(), 'u' || lpad((g % {users})::text, 31, '0')
               FROM generate_series({from}, {}) g"#,
            to - 1
        )
    }
    /// `n` expired sessions.
    pub fn expired(tag: &str, n: usize, users: usize) -> String {
        format!(
            r#"INSERT INTO "session" ("id", "expiresAt", "token", "createdAt", "updatedAt", "userId")
               SELECT 'x{tag}' || g, now() - interval '1 day', 'exp{tag}_' || g, now(), now(),
                      'u' || lpad((g % {users})::text, 31, '0')
               FROM generate_series(0, {}) g"#,
            n - 1
        )
    }
    /// `n` verifications.
    pub fn verifications(prefix: &str, n: usize) -> String {
        format!(
            r#"INSERT INTO "verification" ("id", "identifier", "value", "expiresAt", "createdAt", "updatedAt")
               SELECT 'v{prefix}' || g, '{prefix}' || g, 'val' || g, now() + interval '1 hour', now(), now()
               FROM generate_series(0, {}) g"#,
            n - 1
        )
    }
}

/// Seeding statements on SQLite (recursive CTEs, ISO-8601 dates).
pub mod sqlite_seed {
    const D: &str = "'%Y-%m-%dT%H:%M:%fZ'";
    fn series(from: usize, to: usize) -> String {
        format!("WITH RECURSIVE c(g) AS (SELECT {from} UNION ALL SELECT g + 1 FROM c WHERE g < {}) ", to - 1)
    }
    /// Users `from..to`.
    pub fn users(from: usize, to: usize) -> String {
        format!(
            r#"{}INSERT INTO "user" ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt")
               SELECT printf('u%031d', g), 'User ' || g, 'user' || g || '@bench.test', 0, NULL, strftime({D}, 'now'), strftime({D}, 'now') FROM c"#,
            series(from, to)
        )
    }
    /// Live sessions `from..to`.
    pub fn sessions(from: usize, to: usize, users: usize) -> String {
        format!(
            r#"{}INSERT INTO "session" ("id", "expiresAt", "token", "createdAt", "updatedAt", "userId")
               SELECT printf('s%031d', g), strftime({D}, 'now', '+7 days'), 'tok' || g,
                      strftime({D}, 'now', '-' || ({to} - g) || ' seconds'), strftime({D}, 'now'), printf('u%031d', g % {users}) FROM c"#,
            series(from, to)
        )
    }
    /// `n` expired sessions.
    pub fn expired(tag: &str, n: usize, users: usize) -> String {
        format!(
            r#"{}INSERT INTO "session" ("id", "expiresAt", "token", "createdAt", "updatedAt", "userId")
               SELECT 'x{tag}' || g, strftime({D}, 'now', '-1 day'), 'exp{tag}_' || g, strftime({D}, 'now'), strftime({D}, 'now'),
                      printf('u%031d', g % {users}) FROM c"#,
            series(0, n)
        )
    }
    /// `n` verifications.
    pub fn verifications(prefix: &str, n: usize) -> String {
        format!(
            r#"{}INSERT INTO "verification" ("id", "identifier", "value", "expiresAt", "createdAt", "updatedAt")
               SELECT 'v{prefix}' || g, '{prefix}' || g, 'val' || g, strftime({D}, 'now', '+1 hour'), strftime({D}, 'now'), strftime({D}, 'now') FROM c"#,
            series(0, n)
        )
    }
}

dsl_baseline!(DieselPgRaw, diesel::PgConnection, pg_schema, DateTime<Utc>, same, pg_seed);
dsl_baseline!(DieselSqliteRaw, diesel::SqliteConnection, sqlite_schema, String, crate::rusqlite_raw::iso, sqlite_seed);

/// `table!`s of the auth tables on MySQL/MariaDB (dates `datetime(3)`, UTC).
pub mod mysql_schema {
    #![allow(missing_docs)]
    diesel::table! {
        #[sql_name = "user"]
        users (id) {
            id -> Varchar,
            name -> Text,
            email -> Varchar,
            #[sql_name = "emailVerified"]
            email_verified -> Bool,
            image -> Nullable<Text>,
            #[sql_name = "createdAt"]
            created_at -> Datetime,
            #[sql_name = "updatedAt"]
            updated_at -> Datetime,
        }
    }
    diesel::table! {
        session (id) {
            id -> Varchar,
            #[sql_name = "expiresAt"]
            expires_at -> Datetime,
            token -> Varchar,
            #[sql_name = "createdAt"]
            created_at -> Datetime,
            #[sql_name = "updatedAt"]
            updated_at -> Datetime,
            #[sql_name = "ipAddress"]
            ip_address -> Nullable<Text>,
            #[sql_name = "userAgent"]
            user_agent -> Nullable<Text>,
            #[sql_name = "userId"]
            user_id -> Varchar,
        }
    }
    diesel::table! {
        verification (id) {
            id -> Varchar,
            identifier -> Varchar,
            value -> Text,
            #[sql_name = "expiresAt"]
            expires_at -> Datetime,
            #[sql_name = "createdAt"]
            created_at -> Datetime,
            #[sql_name = "updatedAt"]
            updated_at -> Datetime,
        }
    }
    diesel::joinable!(session -> users (user_id));
    diesel::allow_tables_to_appear_in_same_query!(users, session, verification);
}

/// Seeding statements on MySQL/MariaDB (recursive CTEs).
pub mod mysql_seed {
    fn series(from: usize, to: usize) -> String {
        format!(
            "WITH RECURSIVE c(g) AS (SELECT {from} UNION ALL SELECT g + 1 FROM c WHERE g < {}) ",
            to - 1
        )
    }
    /// Users `from..to`.
    pub fn users(from: usize, to: usize) -> String {
        format!(
            "INSERT INTO `user` (`id`, `name`, `email`, `emailVerified`, `image`, `createdAt`, `updatedAt`) {}
             SELECT CONCAT('u', LPAD(g, 31, '0')), CONCAT('User ', g), CONCAT('user', g, '@bench.test'), 0, NULL, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM c",
            series(from, to)
        )
    }
    /// Live sessions `from..to`.
    pub fn sessions(from: usize, to: usize, users: usize) -> String {
        format!(
            "INSERT INTO `session` (`id`, `expiresAt`, `token`, `createdAt`, `updatedAt`, `userId`) {}
             SELECT CONCAT('s', LPAD(g, 31, '0')), UTC_TIMESTAMP(3) + INTERVAL 7 DAY, CONCAT('tok', g),
                    UTC_TIMESTAMP(3) - INTERVAL ({to} - g) SECOND, UTC_TIMESTAMP(3), CONCAT('u', LPAD(g % {users}, 31, '0')) FROM c",
            series(from, to)
        )
    }
    /// `n` expired sessions.
    pub fn expired(tag: &str, n: usize, users: usize) -> String {
        format!(
            "INSERT INTO `session` (`id`, `expiresAt`, `token`, `createdAt`, `updatedAt`, `userId`) {}
             SELECT CONCAT('x{tag}', g), UTC_TIMESTAMP(3) - INTERVAL 1 DAY, CONCAT('exp{tag}_', g), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3),
                    CONCAT('u', LPAD(g % {users}, 31, '0')) FROM c",
            series(0, n)
        )
    }
    /// `n` verifications.
    pub fn verifications(prefix: &str, n: usize) -> String {
        format!(
            "INSERT INTO `verification` (`id`, `identifier`, `value`, `expiresAt`, `createdAt`, `updatedAt`) {}
             SELECT CONCAT('v{prefix}', g), CONCAT('{prefix}', g), CONCAT('val', g), UTC_TIMESTAMP(3) + INTERVAL 1 HOUR, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM c",
            series(0, n)
        )
    }
}

fn naive(d: DateTime<Utc>) -> chrono::NaiveDateTime {
    d.naive_utc()
}

type MyUser = (String, String, String, bool, Option<String>, chrono::NaiveDateTime, chrono::NaiveDateTime);
type MyVerification =
    (String, String, String, chrono::NaiveDateTime, chrono::NaiveDateTime, chrono::NaiveDateTime);

/// The diesel-DSL baseline on MySQL/MariaDB: no RETURNING, so writes read the row back (as the
/// adapter does), and consuming locks the row in a transaction.
pub struct DieselMysqlRaw {
    /// Its own connection (`time_zone = '+00:00'`).
    pub conn: diesel::MysqlConnection,
}

impl Raw for DieselMysqlRaw {
    fn user_id(&self, i: usize) -> String {
        sql_user_id(i)
    }

    async fn create_user(&mut self, name: &str, email: &str, now: DateTime<Utc>) -> usize {
        use mysql_schema::users::dsl as u;
        let id = auth_core::id::random_id();
        diesel::insert_into(u::users)
            .values((
                u::id.eq(&id),
                u::name.eq(name),
                u::email.eq(email),
                u::email_verified.eq(false),
                u::created_at.eq(naive(now)),
                u::updated_at.eq(naive(now)),
            ))
            .execute(&mut self.conn)
            .expect("insert user");
        let row: MyUser = u::users.find(&id).first(&mut self.conn).expect("read back");
        row.0.len()
    }

    async fn find_user_by_email(&mut self, email: &str) -> bool {
        use mysql_schema::users::dsl as u;
        u::users.filter(u::email.eq(email)).first::<MyUser>(&mut self.conn).optional().expect("find").is_some()
    }

    async fn create_session(&mut self, user_id: &str, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> usize {
        use mysql_schema::session::dsl as s;
        let id = auth_core::id::random_id();
        diesel::insert_into(s::session)
            .values((
                s::id.eq(&id),
                s::expires_at.eq(naive(expires)),
                s::token.eq(t),
                s::created_at.eq(naive(now)),
                s::updated_at.eq(naive(now)),
                s::user_id.eq(user_id),
            ))
            .execute(&mut self.conn)
            .expect("insert session");
        let row: SessionTuple<chrono::NaiveDateTime> = s::session.find(&id).first(&mut self.conn).expect("read back");
        row.0.len()
    }

    async fn find_session(&mut self, t: &str) -> bool {
        use mysql_schema::session::dsl as s;
        s::session
            .inner_join(mysql_schema::users::table)
            .filter(s::token.eq(t))
            .first::<(SessionTuple<chrono::NaiveDateTime>, MyUser)>(&mut self.conn)
            .optional()
            .expect("find session")
            .is_some()
    }

    async fn update_session(&mut self, t: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        use mysql_schema::session::dsl as s;
        diesel::update(s::session.filter(s::token.eq(t)))
            .set((s::expires_at.eq(naive(expires)), s::updated_at.eq(naive(now))))
            .execute(&mut self.conn)
            .expect("update");
        s::session
            .filter(s::token.eq(t))
            .first::<SessionTuple<chrono::NaiveDateTime>>(&mut self.conn)
            .optional()
            .expect("read back")
            .is_some()
    }

    async fn list_sessions(&mut self, user_id: &str) -> usize {
        use mysql_schema::session::dsl as s;
        s::session
            .filter(s::user_id.eq(user_id))
            .order(s::created_at.desc())
            .load::<SessionTuple<chrono::NaiveDateTime>>(&mut self.conn)
            .expect("list")
            .len()
    }

    async fn consume_verification(&mut self, identifier: &str, value: &str, now: DateTime<Utc>) -> bool {
        use mysql_schema::verification::dsl as v;
        self.conn
            .transaction::<_, diesel::result::Error, _>(|c| {
                let row = v::verification
                    .filter(v::identifier.eq(identifier))
                    .filter(v::value.eq(value))
                    .filter(v::expires_at.gt(naive(now)))
                    .limit(1)
                    .for_update()
                    .first::<MyVerification>(c)
                    .optional()?;
                if let Some(r) = &row {
                    diesel::delete(v::verification.find(&r.0)).execute(c)?;
                }
                Ok(row.is_some())
            })
            .expect("consume")
    }

    async fn delete_expired(&mut self, now: DateTime<Utc>) -> u64 {
        use mysql_schema::session::dsl as s;
        diesel::delete(s::session.filter(s::expires_at.lt(naive(now)))).execute(&mut self.conn).expect("delete") as u64
    }

    async fn find_many(&mut self, user_id: &str, now: DateTime<Utc>) -> usize {
        use mysql_schema::session::dsl as s;
        s::session
            .filter(s::user_id.eq(user_id))
            .filter(s::expires_at.gt(naive(now)))
            .order(s::expires_at.desc())
            .limit(5)
            .load::<SessionTuple<chrono::NaiveDateTime>>(&mut self.conn)
            .expect("find many")
            .len()
    }

    async fn seed_users(&mut self, from: usize, to: usize) {
        if from < to {
            exec(&mut self.conn, &mysql_seed::users(from, to));
        }
    }

    async fn seed_sessions(&mut self, from: usize, to: usize, users: usize) {
        if from < to {
            exec(&mut self.conn, &mysql_seed::sessions(from, to, users));
        }
    }

    async fn seed_expired(&mut self, tag: &str, n: usize, users: usize) {
        exec(&mut self.conn, &mysql_seed::expired(tag, n, users));
    }

    async fn seed_verifications(&mut self, prefix: &str, n: usize) {
        exec(&mut self.conn, &mysql_seed::verifications(prefix, n));
    }

    async fn analyze(&mut self) {
        exec(&mut self.conn, "ANALYZE TABLE `user`, `session`, `verification`");
    }
}
