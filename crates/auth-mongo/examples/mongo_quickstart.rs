//! Quickstart for `auth-mongo`: sign a user up, create a session, look it up by its token,
//! and clean up.
//!
//! ```sh
//! cargo run -p auth-mongo --example mongo_quickstart      # mongodb://localhost:27017/auth_quickstart
//! DATABASE_URL='mongodb+srv://user:pass@cluster0.example.mongodb.net/myapp' \
//!   cargo run -p auth-mongo --example mongo_quickstart
//! ```
//!
//! The database is the URL's path, as in the schema CLI.

use auth_core::{AuthDb, AuthStore, Error, NewAccount, NewSession, NewUser, Schema};
use auth_mongo::mongodb::Client;
use chrono::{Duration, Utc};

#[tokio::main]
async fn main() -> auth_core::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "mongodb://localhost:27017/auth_quickstart".to_string());
    let db = connect(&url).await?;
    run(&db).await
}

/// Connects to `url` and uses the database named in its path.
pub async fn connect(url: &str) -> auth_core::Result<AuthDb> {
    // The driver's client is a pool; clones share it.
    let client = Client::with_uri_str(url).await.map_err(|e| Error::connection_from(e.to_string(), e))?;
    let database = client.default_database().map_or_else(|| "auth_quickstart".to_string(), |d| d.name().to_string());
    // Creates the missing collections and indexes.
    auth_mongo::from_client(client, &database, Schema::better_auth()).await
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

    // Every request: the session and its user, in one query (one aggregate with $lookup).
    let (found, owner) = db.find_session(&session.token).await?.expect("the session just created");
    assert_eq!(found.id, session.id);
    assert!(found.expires_at > Utc::now(), "not expired");
    println!("looked up the session: it belongs to {}", owner.email);

    // Clean up: expired sessions (what a scheduled job does), then the user (sessions and
    // accounts go with it: the adapter runs the cascade).
    let expired = db.delete_expired_sessions(Utc::now()).await?;
    db.delete_user(&user.id).await?;
    assert!(db.find_session(&session.token).await?.is_none());
    println!("cleaned up: {expired} expired session(s) deleted, user deleted with their sessions");
    println!("quickstart ok");
    Ok(())
}
