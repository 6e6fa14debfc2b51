//! Transactions: commit together, roll back together, reuse instead of nesting.

use auth_core::{Adapter, AdapterExt, AuthStore, Error, NewAccount, NewUser, Result, row};

use super::util::make_user;
use crate::Ctx;

cases!("transactions": commit_writes_everything, error_rolls_back_everything, returns_the_body_value,
    nested_reuses_the_transaction, reads_inside_see_writes_inside, rollback_after_constraint_error);

async fn commit_writes_everything(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    db.transaction(|tx| async move {
        let u = tx.create_user(NewUser::new("T1", "t1@example.com")).await?;
        tx.link_account(NewAccount::credential(&u.id, "hash")).await?;
        Ok(())
    })
    .await?;
    assert_eq!(db.count("user", &[]).await?, 1);
    assert_eq!(db.count("account", &[]).await?, 1);
    Ok(())
}

async fn error_rolls_back_everything(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let keep = make_user(&db, "Keep").await?;
    let r: Result<()> = db
        .transaction(move |tx| async move {
            tx.create_user(NewUser::new("T2", "t2@example.com")).await?;
            tx.update_user(&keep, row! { "name" => "Changed" }).await?;
            tx.delete_many("verification", &[]).await?;
            Err(Error::backend_msg("boom"))
        })
        .await;
    assert!(r.is_err());
    assert_eq!(db.count("user", &[]).await?, 1);
    let users = db.find_many("user", &auth_core::Query::new()).await?;
    assert_eq!(super::util::s(&users[0], "name"), "Keep", "the update was rolled back");
    Ok(())
}

async fn returns_the_body_value(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let user = db.transaction(|tx| async move { tx.create_user(NewUser::new("T3", "t3@example.com")).await }).await?;
    assert_eq!(db.find_user_by_id(&user.id).await?.map(|u| u.name), Some("T3".into()));
    Ok(())
}

async fn nested_reuses_the_transaction(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let r: Result<()> = db
        .transaction(|tx| async move {
            tx.create_user(NewUser::new("Outer", "outer@example.com")).await?;
            let inner = tx.clone();
            inner
                .transaction(|tx2| async move {
                    tx2.create_user(NewUser::new("Inner", "inner@example.com")).await?;
                    Ok(())
                })
                .await?;
            assert_eq!(tx.count("user", &[]).await?, 2, "the inner write is visible in the outer transaction");
            Err(Error::backend_msg("roll back both"))
        })
        .await;
    assert!(r.is_err());
    assert_eq!(db.count("user", &[]).await?, 0, "inner writes roll back with the outer transaction");
    Ok(())
}

async fn reads_inside_see_writes_inside(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    db.transaction(|tx| async move {
        let u = tx.create_user(NewUser::new("Vis", "vis@example.com")).await?;
        let found = tx.find_user_by_email("vis@example.com").await?;
        assert_eq!(found.map(|f| f.id), Some(u.id));
        Ok(())
    })
    .await
}

async fn rollback_after_constraint_error(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    db.create_user(NewUser::new("Dup", "dup@example.com")).await?;
    let r = db
        .transaction(|tx| async move {
            tx.create_user(NewUser::new("New", "new@example.com")).await?;
            tx.create_user(NewUser::new("Dup2", "dup@example.com")).await?;
            Ok(())
        })
        .await;
    assert!(matches!(r, Err(Error::UniqueViolation { .. })), "{r:?}");
    assert_eq!(db.count("user", &[]).await?, 1, "the first write of the failed transaction is gone");
    Ok(())
}
