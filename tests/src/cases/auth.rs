//! The typed auth operations, end to end, as an auth server uses them.

use auth_core::{AuthStore, NewAccount, NewSession, NewUser, Result, row};
use chrono::Utc;

use super::util::in_minutes;
use crate::Ctx;

cases!("auth": sign_up_lowercases_email, find_user_by_id_and_email, update_user_fields, delete_user_cascades,
    session_lifecycle, find_session_with_user, list_and_delete_user_sessions, delete_expired_sessions,
    account_link_find_update_unlink, verification_lifecycle, consume_verification_once,
    delete_expired_verifications, secrets_are_not_in_debug_output);

async fn sign_up_lowercases_email(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Mixed", "MiXeD@Example.COM")).await?;
    assert_eq!(u.email, "mixed@example.com");
    assert!(!u.email_verified);
    assert_eq!(u.created_at, u.updated_at);
    Ok(())
}

async fn find_user_by_id_and_email(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Find", "find@example.com")).await?;
    assert_eq!(db.find_user_by_id(&u.id).await?, Some(u.clone()));
    assert_eq!(db.find_user_by_email("FIND@example.com").await?, Some(u));
    assert_eq!(db.find_user_by_email("missing@example.com").await?, None);
    Ok(())
}

async fn update_user_fields(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Up", "up@example.com")).await?;
    let v = db.update_user(&u.id, row! { "emailVerified" => true, "image" => "https://img", "email" => "NEW@example.com" }).await?.expect("user");
    assert!(v.email_verified);
    assert_eq!(v.image.as_deref(), Some("https://img"));
    assert_eq!(v.email, "new@example.com");
    assert!(v.updated_at >= u.updated_at);
    assert_eq!(db.update_user("ffffffffffffffffffffffff", row! { "name" => "x" }).await?, None);
    Ok(())
}

async fn delete_user_cascades(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Del", "del@example.com")).await?;
    let other = db.create_user(NewUser::new("Other", "other@example.com")).await?;
    db.create_session(NewSession::new(&u.id, in_minutes(5))).await?;
    db.create_session(NewSession::new(&other.id, in_minutes(5))).await?;
    db.link_account(NewAccount::credential(&u.id, "hash")).await?;
    db.delete_user(&u.id).await?;
    assert_eq!(db.find_user_by_id(&u.id).await?, None);
    assert!(db.list_sessions(&u.id).await?.is_empty(), "sessions go with the user");
    assert!(db.find_accounts(&u.id).await?.is_empty(), "accounts go with the user");
    assert_eq!(db.list_sessions(&other.id).await?.len(), 1, "other users keep theirs");
    Ok(())
}

async fn session_lifecycle(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Ses", "ses@example.com")).await?;
    let mut ns = NewSession::new(&u.id, in_minutes(60));
    ns.ip_address = Some("127.0.0.1".into());
    ns.user_agent = Some("test-agent".into());
    let s = db.create_session(ns).await?;
    assert_eq!(s.token.len(), 32);
    assert_eq!(s.ip_address.as_deref(), Some("127.0.0.1"));
    let later = in_minutes(120);
    let s2 = db.update_session(&s.token, row! { "expiresAt" => later }).await?.expect("session");
    assert_eq!(s2.expires_at, later);
    assert_eq!(s2.created_at, s.created_at);
    db.delete_session(&s.token).await?;
    assert_eq!(db.find_session(&s.token).await?, None);
    Ok(())
}

async fn find_session_with_user(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Look", "look@example.com")).await?;
    let mut ns = NewSession::new(&u.id, in_minutes(60));
    ns.token = Some("fixed-token".into());
    let s = db.create_session(ns).await?;
    let (found, user) = db.find_session("fixed-token").await?.expect("found");
    assert_eq!(found, s);
    assert_eq!(user, u);
    assert_eq!(db.find_session("other-token").await?, None);
    Ok(())
}

async fn list_and_delete_user_sessions(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("List", "list@example.com")).await?;
    for _ in 0..3 {
        db.create_session(NewSession::new(&u.id, in_minutes(60))).await?;
    }
    let list = db.list_sessions(&u.id).await?;
    assert_eq!(list.len(), 3);
    assert!(list.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
    assert_eq!(db.delete_user_sessions(&u.id).await?, 3);
    assert!(db.list_sessions(&u.id).await?.is_empty());
    Ok(())
}

async fn delete_expired_sessions(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Exp", "exp@example.com")).await?;
    for m in [-60, -1, 1, 60] {
        db.create_session(NewSession::new(&u.id, in_minutes(m))).await?;
    }
    // Sessions in secondary storage only expire by their TTL; the database has none.
    let in_db = if ctx.in_database("session") { 2 } else { 0 };
    assert_eq!(db.delete_expired_sessions(Utc::now()).await?, in_db);
    let left = db.list_sessions(&u.id).await?;
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|s| s.expires_at > Utc::now()));
    Ok(())
}

async fn account_link_find_update_unlink(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Acc", "acc@example.com")).await?;
    let mut na = NewAccount::new(&u.id, "github", "gh-42");
    na.access_token = Some("at".into());
    na.access_token_expires_at = Some(in_minutes(60));
    na.scope = Some("read:user".into());
    let a = db.link_account(na).await?;
    db.link_account(NewAccount::credential(&u.id, "argon2-hash")).await?;
    let found = db.find_account("github", "gh-42").await?.expect("found");
    assert_eq!(found, a);
    assert_eq!(found.access_token.as_deref(), Some("at"));
    assert_eq!(db.find_accounts(&u.id).await?.len(), 2);
    let up = db.update_account(&a.id, row! { "accessToken" => "at2", "refreshToken" => "rt" }).await?.expect("account");
    assert_eq!((up.access_token.as_deref(), up.refresh_token.as_deref()), (Some("at2"), Some("rt")));
    assert!(db.unlink_account("github", "gh-42").await?);
    assert!(!db.unlink_account("github", "gh-42").await?);
    assert_eq!(db.find_accounts(&u.id).await?.len(), 1);
    Ok(())
}

async fn verification_lifecycle(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let first = db.create_verification("email:v@x.io", "111", in_minutes(10)).await?;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = db.create_verification("email:v@x.io", "222", in_minutes(10)).await?;
    let latest = db.find_verification("email:v@x.io").await?.expect("found");
    assert_eq!(latest, second, "the latest value wins");
    if ctx.in_database("verification") {
        db.delete_verification(&second.id).await?;
        assert_eq!(db.find_verification("email:v@x.io").await?, Some(first));
    } else {
        // Secondary storage keeps the latest value per identifier, found by identifier only.
        assert!(matches!(db.delete_verification(&second.id).await, Err(auth_core::Error::Unsupported(_))));
    }
    db.delete_verification_by_identifier("email:v@x.io").await?;
    assert_eq!(db.find_verification("email:v@x.io").await?, None);
    Ok(())
}

async fn consume_verification_once(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    db.create_verification("reset:1", "tok", in_minutes(10)).await?;
    db.create_verification("reset:2", "old", in_minutes(-1)).await?;
    assert_eq!(db.consume_verification("reset:1", "wrong", Utc::now()).await?, None);
    let v = db.consume_verification("reset:1", "tok", Utc::now()).await?.expect("consumed");
    assert_eq!(v.value, "tok");
    assert_eq!(db.consume_verification("reset:1", "tok", Utc::now()).await?, None, "only once");
    assert_eq!(db.consume_verification("reset:2", "old", Utc::now()).await?, None, "expired values are not consumed");
    Ok(())
}

async fn delete_expired_verifications(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    db.create_verification("a", "1", in_minutes(-5)).await?;
    db.create_verification("b", "2", in_minutes(5)).await?;
    let in_db = u64::from(ctx.in_database("verification"));
    assert_eq!(db.delete_expired_verifications(Utc::now()).await?, in_db);
    assert!(db.find_verification("a").await?.is_none());
    assert!(db.find_verification("b").await?.is_some());
    Ok(())
}

async fn secrets_are_not_in_debug_output(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Sec", "sec@example.com")).await?;
    let mut ns = NewSession::new(&u.id, in_minutes(5));
    ns.token = Some("super-secret-token".into());
    let s = db.create_session(ns).await?;
    let a = db.link_account(NewAccount::credential(&u.id, "secret-hash")).await?;
    let v = db.create_verification("id", "secret-value", in_minutes(5)).await?;
    let text = format!("{s:?} {a:?} {v:?}");
    for secret in ["super-secret-token", "secret-hash", "secret-value"] {
        assert!(!text.contains(secret), "{secret} leaked into Debug output");
    }
    let json = serde_json::to_string(&a).map_err(auth_core::Error::backend)?;
    assert!(!json.contains("secret-hash"), "password leaked into serialized account");
    Ok(())
}
