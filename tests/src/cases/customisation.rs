//! Custom table and column names, plural names, additional fields, plugin tables and cascades.

use auth_core::{
    Adapter, AuthStore, CreateOptions, Field, Join, NewSession, NewUser, Plugin, Query, Result, SchemaConfig, Value,
    Where, row,
};

use super::util::{id, in_minutes, make_user, s};
use crate::Ctx;

cases!("customisation": custom_table_names, custom_column_names, plural_table_names,
    additional_fields_with_defaults, additional_fields_update_and_filter, two_factor_plugin,
    passkey_plugin, organization_plugin_and_cascades, required_additional_field_is_enforced, nullable_reference_stays_null,
    set_null_reference);

async fn custom_table_names(ctx: Ctx) -> Result<()> {
    let cfg = SchemaConfig::default().table("user", "users").table("session", "user_sessions");
    let db = ctx.db_with(cfg).await?;
    assert_eq!(db.schema().model("user")?.table, "users");
    let uid = make_user(&db, "Tab").await?;
    db.create_session(NewSession::new(&uid, in_minutes(5))).await?;
    let q = Query::filter(vec![Where::eq("userId", uid.as_str())]).join(Join::new("user"));
    let row = db.find_one("session", &q).await?.expect("session");
    assert_eq!(s(row.get("user").and_then(Value::as_object).expect("user"), "name"), "Tab");
    Ok(())
}

async fn custom_column_names(ctx: Ctx) -> Result<()> {
    let cfg = SchemaConfig::default()
        .column("user", "email", "email_address")
        .column("user", "emailVerified", "email_verified")
        .column("session", "userId", "user_id");
    let db = ctx.db_with(cfg).await?;
    let user = db.create_user(NewUser::new("Col", "Col@Example.com")).await?;
    assert_eq!(user.email, "col@example.com");
    let found = db.find_user_by_email("col@example.com").await?.expect("found");
    assert_eq!(found.id, user.id);
    let sess = db.create_session(NewSession::new(&user.id, in_minutes(5))).await?;
    let (s2, u2) = db.find_session(&sess.token).await?.expect("found");
    assert_eq!((s2.user_id, u2.id), (user.id.clone(), user.id));
    Ok(())
}

async fn plural_table_names(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().plural(true)).await?;
    assert_eq!(db.schema().model("verification")?.table, "verifications");
    let uid = make_user(&db, "Plu").await?;
    db.create_session(NewSession::new(&uid, in_minutes(5))).await?;
    assert_eq!(db.count("session", &[]).await?, 1);
    Ok(())
}

fn seed_fields() -> SchemaConfig {
    SchemaConfig::default()
        .field("user", Field::string("role").optional().default_value("user").no_input())
        .field("user", Field::string("phoneNumber").optional().unique())
        .field("user", Field::string("subscriptionTier").default_value("free"))
}

async fn additional_fields_with_defaults(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(seed_fields()).await?;
    let user = db.create_user(NewUser::new("Add", "add@example.com")).await?;
    assert_eq!(user.extra.get("role"), Some(&Value::from("user")));
    assert_eq!(user.extra.get("subscriptionTier"), Some(&Value::from("free")));
    assert_eq!(user.extra.get("phoneNumber"), Some(&Value::Null));
    let pro = db.create_user(NewUser::new("Pro", "pro@example.com").with("subscriptionTier", "pro").with("phoneNumber", "+15550100")).await?;
    assert_eq!(pro.extra.get("subscriptionTier"), Some(&Value::from("pro")));
    let again = db.find_user_by_id(&pro.id).await?.expect("found");
    assert_eq!(again.extra.get("phoneNumber"), Some(&Value::from("+15550100")));
    Ok(())
}

async fn additional_fields_update_and_filter(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(seed_fields()).await?;
    let a = db.create_user(NewUser::new("Fa", "fa@example.com")).await?;
    db.create_user(NewUser::new("Fb", "fb@example.com")).await?;
    let up = db.update_user(&a.id, row! { "role" => "admin", "subscriptionTier" => "team" }).await?.expect("user");
    assert_eq!(up.extra.get("role"), Some(&Value::from("admin")));
    let admins = db.find_many("user", &Query::filter(vec![Where::eq("role", "admin")])).await?;
    assert_eq!(admins.len(), 1);
    assert_eq!(id(&admins[0]), a.id);
    let dup = db.create_user(NewUser::new("Fc", "fc@example.com").with("phoneNumber", "1")).await;
    assert!(dup.is_ok());
    let dup = db.create_user(NewUser::new("Fd", "fd@example.com").with("phoneNumber", "1")).await;
    assert!(matches!(dup, Err(auth_core::Error::UniqueViolation { .. })), "{dup:?}");
    Ok(())
}

async fn required_additional_field_is_enforced(ctx: Ctx) -> Result<()> {
    let cfg = SchemaConfig::default().field("user", Field::string("tenant"));
    let db = ctx.db_with(cfg).await?;
    let e = db.create_user(NewUser::new("Req", "req@example.com")).await;
    assert!(matches!(&e, Err(auth_core::Error::MissingField { field, .. }) if field == "tenant"), "{e:?}");
    assert_eq!(db.count("user", &[]).await?, 0);
    Ok(())
}

async fn two_factor_plugin(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().plugin(Plugin::TwoFactor)).await?;
    let user = db.create_user(NewUser::new("Two", "two@example.com")).await?;
    assert_eq!(user.extra.get("twoFactorEnabled"), Some(&Value::Bool(false)));
    let tf = db
        .create("twoFactor", row! { "secret" => "s3cret", "backupCodes" => "a,b", "userId" => user.id.as_str() }, CreateOptions::default())
        .await?;
    assert_eq!(tf.get("verified"), Some(&Value::Bool(true)));
    assert_eq!(tf.get("failedVerificationCount"), Some(&Value::Int(0)));
    db.delete_user(&user.id).await?;
    assert_eq!(db.count("twoFactor", &[]).await?, 0, "two-factor rows go with the user");
    Ok(())
}

async fn passkey_plugin(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().plugin(Plugin::Passkey)).await?;
    let uid = make_user(&db, "Pk").await?;
    let data = row! {
        "publicKey" => "pk", "userId" => uid.as_str(), "credentialID" => "cred-1", "counter" => 0i64,
        "deviceType" => "singleDevice", "backedUp" => false,
    };
    let pk = db.create("passkey", data, CreateOptions::default()).await?;
    let bumped = db.increment_one("passkey", &[Where::eq("id", id(&pk))], "counter", 1, row! {}).await?.expect("row");
    assert_eq!(bumped.get("counter"), Some(&Value::Int(1)));
    let found = db.find_one("passkey", &Query::filter(vec![Where::eq("credentialID", "cred-1")])).await?;
    assert_eq!(found.as_ref().map(id), Some(id(&pk)));
    // Nothing to change (passkey has no set-on-update field): the row comes back as it is.
    let same = db.update("passkey", &[Where::eq("id", id(&pk))], row! {}).await?;
    assert_eq!(same, found);
    assert_eq!(db.update_many("passkey", &[Where::eq("credentialID", "cred-1")], row! {}).await?, 1);
    Ok(())
}

async fn organization_plugin_and_cascades(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().plugin(Plugin::Organization)).await?;
    let uid = make_user(&db, "Org").await?;
    let org = db
        .create("organization", row! { "name" => "Acme", "slug" => "acme", "createdAt" => chrono::Utc::now() }, CreateOptions::default())
        .await?;
    let oid = id(&org);
    let m = db.create("member", row! { "organizationId" => oid.as_str(), "userId" => uid.as_str(), "createdAt" => chrono::Utc::now() }, CreateOptions::default()).await?;
    assert_eq!(s(&m, "role"), "member");
    let inv = row! { "organizationId" => oid.as_str(), "email" => "x@y.io", "expiresAt" => in_minutes(60), "inviterId" => uid.as_str() };
    let inv = db.create("invitation", inv, CreateOptions::default()).await?;
    assert_eq!(s(&inv, "status"), "pending");
    let sess = db.create_session(NewSession::new(&uid, in_minutes(5))).await?;
    let up = db.update_session(&sess.token, row! { "activeOrganizationId" => oid.as_str() }).await?.expect("session");
    assert_eq!(up.extra.get("activeOrganizationId"), Some(&Value::from(oid.as_str())));
    let dup = db.create("organization", row! { "name" => "Other", "slug" => "acme", "createdAt" => chrono::Utc::now() }, CreateOptions::default()).await;
    assert!(matches!(dup, Err(auth_core::Error::UniqueViolation { .. })), "{dup:?}");
    db.delete("organization", &[Where::eq("id", oid.as_str())]).await?;
    assert_eq!(db.count("member", &[]).await?, 0, "members go with the organization");
    assert_eq!(db.count("invitation", &[]).await?, 0, "invitations go with the organization");
    Ok(())
}

fn impersonation() -> SchemaConfig {
    SchemaConfig::default().field("session", Field::string("impersonatedBy").optional().references("user", "id", auth_core::OnDelete::SetNull))
}

async fn nullable_reference_stays_null(ctx: Ctx) -> Result<()> {
    for strategy in [auth_core::IdStrategy::Native, auth_core::IdStrategy::Serial] {
        if strategy.is_numeric() && !ctx.capabilities().numeric_ids {
            continue;
        }
        let db = ctx.db_with(impersonation().id_strategy(strategy)).await?;
        let uid = make_user(&db, "Imp").await?;
        let data = row! { "userId" => uid.as_str(), "token" => "t", "expiresAt" => in_minutes(5), "impersonatedBy" => Value::Null };
        let sess = db.create("session", data, CreateOptions::default()).await?;
        assert_eq!(sess.get("impersonatedBy"), Some(&Value::Null));
        let again = db.find_one("session", &Query::filter(vec![Where::eq("id", id(&sess))])).await?.expect("row");
        assert_eq!(again.get("impersonatedBy"), Some(&Value::Null));
        assert_eq!(db.count("session", &[Where::eq("impersonatedBy", Value::Null)]).await?, 1);
    }
    Ok(())
}

async fn set_null_reference(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(impersonation()).await?;
    let admin = make_user(&db, "Admin").await?;
    let uid = make_user(&db, "Target").await?;
    let data = row! { "userId" => uid.as_str(), "token" => "t", "expiresAt" => in_minutes(5), "impersonatedBy" => admin.as_str() };
    let sess = db.create("session", data, CreateOptions::default()).await?;
    assert_eq!(s(&sess, "impersonatedBy"), admin);
    db.delete_user(&admin).await?;
    let after = db.find_one("session", &Query::filter(vec![Where::eq("token", "t")])).await?.expect("the session stays");
    assert_eq!(after.get("impersonatedBy"), Some(&Value::Null), "on delete set null");
    Ok(())
}
