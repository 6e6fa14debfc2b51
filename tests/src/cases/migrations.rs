//! Schema checks and migrations on a live database: create what is missing, never alter.

use auth_core::schema::diff::Difference;
use auth_core::{Adapter, AuthStore, Field, NewUser, Plugin, Result, SchemaConfig, Value, row};

use crate::Ctx;

cases!("migrations": fresh_schema_checks_clean, migrate_creates_missing_tables, migrate_adds_optional_column,
    migrate_adds_missing_index, migrate_twice_is_a_no_op, required_column_on_table_with_rows_is_refused,
    dry_run_changes_nothing);

async fn fresh_schema_checks_clean(ctx: Ctx) -> Result<()> {
    let db = ctx.db_with(SchemaConfig::default().plugin(Plugin::Organization)).await?;
    let d = db.check_schema().await?;
    assert!(d.is_empty(), "a schema the adapter created has no differences: {d:?}");
    Ok(())
}

async fn migrate_creates_missing_tables(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let org = db.with_schema(SchemaConfig::default().plugin(Plugin::Organization).build()?)?;
    let before = org.check_schema().await?;
    let missing: Vec<&str> = before
        .iter()
        .filter_map(|d| match d {
            Difference::MissingTable { model, .. } => Some(model.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(missing, ["organization", "member", "invitation"]);
    let done = org.migrate(false).await?;
    assert_eq!(done.len(), before.len());
    assert!(org.check_schema().await?.is_empty());
    let o = org.create("organization", row! { "name" => "A", "slug" => "a", "createdAt" => chrono::Utc::now() }, Default::default()).await?;
    assert_eq!(o.get("slug"), Some(&Value::from("a")));
    let dup = org.create("organization", row! { "name" => "B", "slug" => "a", "createdAt" => chrono::Utc::now() }, Default::default()).await;
    assert!(matches!(dup, Err(auth_core::Error::UniqueViolation { .. })), "the unique index was created: {dup:?}");
    Ok(())
}

async fn migrate_adds_optional_column(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let u = db.create_user(NewUser::new("Old", "old@example.com")).await?;
    let cfg = SchemaConfig::default()
        .field("user", Field::string("nickname").optional())
        .field("user", Field::string("tier").default_value("free"));
    let next = db.with_schema(cfg.build()?)?;
    let d = next.check_schema().await?;
    let mut cols: Vec<&str> = d
        .iter()
        .filter_map(|d| match d {
            Difference::MissingColumn { field, .. } => Some(field.as_str()),
            _ => None,
        })
        .collect();
    cols.sort();
    assert_eq!(cols, if ctx.capabilities().schemaless { vec![] } else { vec!["nickname", "tier"] });
    next.migrate(false).await?;
    assert!(next.check_schema().await?.is_empty());
    let old = next.find_user_by_id(&u.id).await?.expect("the existing row is kept");
    assert_eq!(old.extra.get("nickname"), Some(&Value::Null));
    let fresh = next.create_user(NewUser::new("New", "new@example.com").with("nickname", "nn")).await?;
    assert_eq!(fresh.extra.get("nickname"), Some(&Value::from("nn")));
    assert_eq!(fresh.extra.get("tier"), Some(&Value::from("free")));
    Ok(())
}

async fn migrate_adds_missing_index(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let next = db.with_schema(SchemaConfig::default().field("user", Field::string("name").index()).build()?)?;
    let d = next.check_schema().await?;
    assert!(
        d.iter().any(|x| matches!(x, Difference::MissingIndex { index, .. } if index.name == "user_name_idx")),
        "{d:?}"
    );
    next.migrate(false).await?;
    assert!(next.check_schema().await?.is_empty());
    Ok(())
}

async fn migrate_twice_is_a_no_op(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let next = db.with_schema(SchemaConfig::default().plugin(Plugin::TwoFactor).build()?)?;
    assert!(!next.migrate(false).await?.is_empty());
    assert!(next.migrate(false).await?.is_empty(), "the second run has nothing to do");
    Ok(())
}

async fn required_column_on_table_with_rows_is_refused(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    db.create_user(NewUser::new("Has", "has@example.com")).await?;
    let cfg = SchemaConfig::default().plugin(Plugin::Passkey).field("user", Field::string("tenant"));
    let next = db.with_schema(cfg.build()?)?;
    if ctx.capabilities().schemaless {
        // No columns: the new field simply appears on new documents; the rest migrates.
        next.migrate(false).await?;
        return Ok(());
    }
    let e = next.migrate(false).await;
    assert!(matches!(&e, Err(auth_core::Error::UnsafeMigration(m)) if m.iter().any(|m| m.contains("tenant"))), "{e:?}");
    let after = next.check_schema().await?;
    assert!(
        after.iter().any(|x| matches!(x, Difference::MissingTable { model, .. } if model == "passkey")),
        "nothing was changed, not even the safe part"
    );
    Ok(())
}

async fn dry_run_changes_nothing(ctx: Ctx) -> Result<()> {
    let db = ctx.db().await?;
    let next = db.with_schema(SchemaConfig::default().plugin(Plugin::Passkey).build()?)?;
    let planned = next.migrate(true).await?;
    assert_eq!(planned.len(), next.check_schema().await?.len());
    assert!(!planned.is_empty());
    Ok(())
}
