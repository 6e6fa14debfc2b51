//! Quickstart for `auth-seaorm`: sign a user up, create a session, look it up by its token,
//! and clean up — on PostgreSQL, MySQL/MariaDB or SQLite, whichever `DATABASE_URL` names.
//!
//! ```sh
//! cargo run -p auth-seaorm --example seaorm_quickstart      # postgres://postgres@localhost:5432/auth_test
//! DATABASE_URL=mysql://root@localhost:3306/auth_test cargo run -p auth-seaorm --example seaorm_quickstart
//! DATABASE_URL=sqlite://./quickstart.db cargo run -p auth-seaorm --example seaorm_quickstart
//! ```

use auth_core::{AuthDb, AuthStore, NewAccount, NewSession, NewUser, Schema};
use chrono::{Duration, Utc};

#[tokio::main]
async fn main() -> auth_core::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@localhost:5432/auth_test".to_string());
    // Opens a sqlx pool (`auth_seaorm::options(url)`), creates the missing tables and indexes. To
    // use the `DatabaseConnection` your application already has: `auth_seaorm::from_connection(conn, schema)`.
    let db = auth_seaorm::connect(&url, Schema::better_auth()).await?;
    run(&db).await
}

/// The flow every quickstart runs, on any adapter.
pub async fn run(db: &AuthDb) -> auth_core::Result<()> {
    // A leftover from an interrupted earlier run would make the sign-up a unique violation.
    if let Some(old) = db.find_user_by_email("ada@example.com").await? {
        db.delete_user(&old.id).await?;
    }

    // Sign up: the user and their email-and-password account (store a hash, never a password).
    let user = db.create_user(NewUser::new("Ada Lovelace", "Ada@Example.com")).await?;
    db.link_account(NewAccount::credential(&user.id, "$argon2id$v=19$m=19456,t=2,p=1$...")).await?;
    println!("signed up {} <{}> as {}", user.name, user.email, user.id);

    // Sign in: a session that expires in 7 days; the client keeps its token.
    let session = db.create_session(NewSession::new(&user.id, Utc::now() + Duration::days(7))).await?;
    println!("created a session expiring at {}", session.expires_at.format("%Y-%m-%d %H:%M:%S UTC"));

    // Every request: the session and its user, in one query.
    let (found, owner) = db.find_session(&session.token).await?.expect("the session just created");
    assert_eq!(found.id, session.id);
    assert!(found.expires_at > Utc::now(), "not expired");
    println!("looked up the session: it belongs to {}", owner.email);

    // Clean up: expired sessions (what a scheduled job does), then the user (sessions and
    // accounts go with it).
    let expired = db.delete_expired_sessions(Utc::now()).await?;
    db.delete_user(&user.id).await?;
    assert!(db.find_session(&session.token).await?.is_none());
    println!("cleaned up: {expired} expired session(s) deleted, user deleted with their sessions");
    println!("quickstart ok");
    Ok(())
}
