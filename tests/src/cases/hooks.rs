//! Database hooks on the typed layer, as Better Auth runs its `databaseHooks`: for user,
//! session, account and verification, create / update / delete each with `before` (change,
//! cancel, or stop with an error; nothing written) and `after` (the stored row, after commit).

use std::sync::{Arc, Mutex};

use auth_core::{
    Adapter, AdapterExt, AuthDb, AuthStore, Before, CreateOptions, Error, HookModel, Hooks, NewAccount, NewSession,
    NewUser, Result, Row, Value, row,
};

use super::util::in_minutes;
use crate::Ctx;

cases!("hooks": create_before_changes_data, create_before_error_writes_nothing, create_before_cancel_writes_nothing,
    create_hooks_chain_in_order, update_before_changes_data, update_before_sees_the_callers_changes,
    update_before_error_or_cancel_changes_nothing, delete_hooks_see_the_row, delete_before_cancel_or_error_keeps_the_row,
    delete_user_runs_the_hooks_of_every_row, delete_user_is_all_or_nothing, delete_many_runs_hooks_per_row,
    after_hooks_wait_for_commit, after_hooks_dropped_on_rollback, failed_write_runs_no_after_hook,
    after_hook_error_is_returned_and_the_write_kept, consume_verification_runs_delete_hooks, raw_adapter_runs_no_hooks);

const MODELS: [HookModel; 4] = [HookModel::User, HookModel::Session, HookModel::Account, HookModel::Verification];

/// What the hooks saw: `(event, row)` in order, e.g. `("user.create.after", row)`.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(String, Row)>>>);

impl Log {
    fn push(&self, event: String, row: Row) {
        self.0.lock().expect("log").push((event, row));
    }
    fn events(&self) -> Vec<String> {
        self.0.lock().expect("log").iter().map(|(e, _)| e.clone()).collect()
    }
    fn rows(&self, event: &str) -> Vec<Row> {
        self.0.lock().expect("log").iter().filter(|(e, _)| e == event).map(|(_, r)| r.clone()).collect()
    }
    fn count(&self, event: &str) -> usize {
        self.rows(event).len()
    }
    fn clear(&self) {
        self.0.lock().expect("log").clear();
    }
}

fn ev(model: HookModel, what: &str) -> String {
    format!("{}.{what}", model.name())
}

/// A before (create/update) hook that records and answers `answer`.
fn before(
    log: &Log,
    event: String,
    answer: impl Fn() -> Result<Before> + Send + Sync + 'static,
) -> impl Fn(Row) -> std::future::Ready<Result<Before>> + Send + Sync + 'static {
    let log = log.clone();
    move |row| {
        log.push(event.clone(), row);
        std::future::ready(answer())
    }
}

/// An after (or delete-before) hook that records and answers `answer`.
fn record<T: Send + 'static>(
    log: &Log,
    event: String,
    answer: impl Fn() -> Result<T> + Send + Sync + 'static,
) -> impl Fn(Row) -> std::future::Ready<Result<T>> + Send + Sync + 'static {
    let log = log.clone();
    move |row| {
        log.push(event.clone(), row);
        std::future::ready(answer())
    }
}

/// Hooks on every model and operation that only record.
fn recording(log: &Log) -> Hooks {
    let mut h = Hooks::new();
    for m in MODELS {
        h = h
            .before_create(m, before(log, ev(m, "create.before"), || Ok(Before::Continue)))
            .after_create(m, record(log, ev(m, "create.after"), || Ok(())))
            .before_update(m, before(log, ev(m, "update.before"), || Ok(Before::Continue)))
            .after_update(m, record(log, ev(m, "update.after"), || Ok(())))
            .before_delete(m, record(log, ev(m, "delete.before"), || Ok(true)))
            .after_delete(m, record(log, ev(m, "delete.after"), || Ok(())));
    }
    h
}

fn id_of(row: &Row) -> &str {
    row.get("id").and_then(Value::as_str).unwrap_or("<none>")
}

/// One row of a model through the typed layer: its key (email, token, account id, identifier)
/// and its id.
struct Made {
    key: String,
    id: String,
}

/// Creates one row of `model` through the typed layer (a user first for the others).
async fn create(db: &AuthDb, model: HookModel, user_id: &str, n: &str) -> Result<Made> {
    Ok(match model {
        HookModel::User => {
            let email = format!("{n}@hooks.test");
            let u = db.create_user(NewUser::new(n, &email)).await?;
            Made { key: email, id: u.id }
        }
        HookModel::Session => {
            let mut s = NewSession::new(user_id, in_minutes(60));
            s.token = Some(format!("token-{n}"));
            let s = db.create_session(s).await?;
            Made { key: s.token, id: s.id }
        }
        HookModel::Account => {
            let a = db.link_account(NewAccount::new(user_id, "github", &format!("gh-{n}"))).await?;
            Made { key: a.account_id, id: a.id }
        }
        HookModel::Verification => {
            let identifier = format!("email:{n}");
            let v = db.create_verification(&identifier, "value", in_minutes(10)).await?;
            Made { key: identifier, id: v.id }
        }
    })
}

/// A typed model as a row (logical field names), for comparing with what hooks saw.
fn json_row(v: serde_json::Result<serde_json::Value>) -> Row {
    match v.map(Value::from_json) {
        Ok(Value::Object(r)) => r,
        _ => Row::new(),
    }
}

fn account_row(a: auth_core::Account) -> Row {
    let mut r = json_row(serde_json::to_value(&a));
    r.insert("accessToken".into(), a.access_token.into());
    r
}

/// The row of `model` with `key`, read back through the typed layer.
async fn find(db: &AuthDb, model: HookModel, key: &str) -> Result<Option<Row>> {
    Ok(match model {
        HookModel::User => db.find_user_by_email(key).await?.map(|u| json_row(serde_json::to_value(u))),
        HookModel::Session => db.find_session(key).await?.map(|(s, _)| json_row(serde_json::to_value(s))),
        HookModel::Account => db.find_account("github", key).await?.map(account_row),
        HookModel::Verification => db.find_verification(key).await?.map(|v| json_row(serde_json::to_value(v))),
    })
}

/// Updates the row with `made` through the typed layer with `changes`.
async fn update(db: &AuthDb, model: HookModel, made: &Made, changes: Row) -> Result<Option<Row>> {
    Ok(match model {
        HookModel::User => db.update_user(&made.id, changes).await?.map(|u| json_row(serde_json::to_value(u))),
        HookModel::Session => db.update_session(&made.key, changes).await?.map(|s| json_row(serde_json::to_value(s))),
        HookModel::Account => db.update_account(&made.id, changes).await?.map(account_row),
        HookModel::Verification => {
            db.update_verification(&made.key, changes).await?.map(|v| json_row(serde_json::to_value(v)))
        }
    })
}

/// Deletes the row with `made` through the typed layer.
async fn delete(db: &AuthDb, model: HookModel, made: &Made) -> Result<()> {
    match model {
        HookModel::User => db.delete_user(&made.id).await,
        HookModel::Session => db.delete_session(&made.key).await,
        HookModel::Account => db.unlink_account("github", &made.key).await.map(drop),
        HookModel::Verification => db.delete_verification_by_identifier(&made.key).await,
    }
}

/// A field each model's hooks change, and a value for it.
fn change_for(model: HookModel, v: &str) -> Row {
    match model {
        HookModel::User => row! { "name" => v },
        HookModel::Session => row! { "userAgent" => v },
        HookModel::Account => row! { "accessToken" => v },
        HookModel::Verification => row! { "value" => v },
    }
}

fn field_of(model: HookModel) -> &'static str {
    match model {
        HookModel::User => "name",
        HookModel::Session => "userAgent",
        HookModel::Account => "accessToken",
        HookModel::Verification => "value",
    }
}

fn get<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

/// A store with `hooks` and a user to own sessions and accounts.
async fn store(ctx: &Ctx, hooks: Hooks) -> Result<(AuthDb, String)> {
    let db = ctx.db().await?;
    let owner = db.create_user(NewUser::new("Owner", "owner@hooks.test")).await?;
    Ok((db.with_hooks(hooks), owner.id))
}

/// Whether the typed layer runs `model`'s update hooks in this run: as Better Auth, it runs none
/// for verification values kept in secondary storage only (sessions there still get theirs).
fn update_hooked(ctx: &Ctx, model: HookModel) -> bool {
    ctx.in_database(model.name()) || model == HookModel::Session
}

async fn create_before_changes_data(ctx: Ctx) -> Result<()> {
    for m in MODELS {
        let log = Log::default();
        let changed = change_for(m, "from-hook");
        let hooks = Hooks::new()
            .before_create(m, before(&log, "before".into(), move || Ok(Before::Change(changed.clone()))))
            .after_create(m, record(&log, "after".into(), || Ok(())));
        let (db, owner) = store(&ctx, hooks).await?;
        log.clear();
        let made = create(&db, m, &owner, "changed").await?;
        let stored = find(&db, m, &made.key).await?.expect("created");
        assert_eq!(get(&stored, field_of(m)), Some("from-hook"), "{m:?}: the hook's change is stored");
        let seen = &log.rows("before")[0];
        assert!(seen.get("createdAt").and_then(Value::as_date).is_some(), "{m:?}: before hooks see createdAt");
        assert!(seen.get("updatedAt").and_then(Value::as_date).is_some(), "{m:?}: before hooks see updatedAt");
        assert!(!seen.contains_key("id") || m == HookModel::Session, "{m:?}: no id yet in the data");
        let after = &log.rows("after")[0];
        assert_eq!(id_of(after), made.id, "{m:?}: the after hook sees the stored row with its id");
        assert_eq!(get(after, field_of(m)), Some("from-hook"));
        assert_eq!(log.events(), ["before", "after"]);
    }
    Ok(())
}

async fn create_before_error_writes_nothing(ctx: Ctx) -> Result<()> {
    for m in MODELS {
        let log = Log::default();
        let hooks = Hooks::new()
            .before_create(m, before(&log, "before".into(), || Err(Error::Rejected("not allowed".into()))))
            .after_create(m, record(&log, "after".into(), || Ok(())));
        let (db, owner) = store(&ctx, hooks).await?;
        log.clear();
        let r = create(&db, m, &owner, "refused").await;
        assert!(matches!(&r, Err(Error::Rejected(why)) if why == "not allowed"), "{m:?}: {:?}", r.err());
        let key = match m {
            HookModel::User => "refused@hooks.test",
            HookModel::Session => "token-refused",
            HookModel::Account => "gh-refused",
            HookModel::Verification => "email:refused",
        };
        assert!(find(&db, m, key).await?.is_none(), "{m:?}: nothing written");
        if ctx.in_database(m.name()) {
            let expected = u64::from(m == HookModel::User);
            assert_eq!(db.count(m.name(), &[]).await?, expected, "{m:?}: no row in the database");
        }
        assert_eq!(log.events(), ["before"], "{m:?}: no after hook");
    }
    Ok(())
}

async fn create_before_cancel_writes_nothing(ctx: Ctx) -> Result<()> {
    for m in MODELS {
        let log = Log::default();
        let hooks = Hooks::new()
            .before_create(m, before(&log, "before".into(), || Ok(Before::Cancel)))
            .after_create(m, record(&log, "after".into(), || Ok(())));
        let (db, owner) = store(&ctx, hooks).await?;
        log.clear();
        let r = create(&db, m, &owner, "cancelled").await;
        assert!(
            matches!(&r, Err(Error::Cancelled { model, operation }) if model == m.name() && operation == "create"),
            "{m:?}: {:?}",
            r.err()
        );
        if ctx.in_database(m.name()) {
            assert_eq!(db.count(m.name(), &[]).await?, u64::from(m == HookModel::User), "{m:?}: no row");
        }
        assert_eq!(log.events(), ["before"], "{m:?}: no after hook");
    }
    Ok(())
}

async fn create_hooks_chain_in_order(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let seen = log.clone();
    let hooks = Hooks::new()
        .before_create(HookModel::User, before(&log, "first".into(), || Ok(Before::Change(row! { "name" => "First" }))))
        .before_create(HookModel::User, move |row: Row| {
            seen.push("second".into(), row.clone());
            let image = format!("/{}.png", get(&row, "name").unwrap_or("?"));
            async move { Ok(Before::Change(row! { "image" => image })) }
        })
        .after_create(HookModel::User, record(&log, "after-1".into(), || Ok(())))
        .after_create(HookModel::User, record(&log, "after-2".into(), || Ok(())));
    let db = ctx.db().await?.with_hooks(hooks);
    let u = db.create_user(NewUser::new("Caller", "chain@hooks.test")).await?;
    assert_eq!(log.events(), ["first", "second", "after-1", "after-2"], "hooks run in the order they were added");
    assert_eq!(get(&log.rows("second")[0], "name"), Some("First"), "a create hook sees the changes of the ones before");
    assert_eq!((u.name.as_str(), u.image.as_deref()), ("First", Some("/First.png")));
    Ok(())
}

async fn update_before_changes_data(ctx: Ctx) -> Result<()> {
    for m in MODELS {
        let log = Log::default();
        let changed = change_for(m, "hooked-update");
        let hooks = Hooks::new()
            .before_update(m, before(&log, "before".into(), move || Ok(Before::Change(changed.clone()))))
            .after_update(m, record(&log, "after".into(), || Ok(())));
        let (db, owner) = store(&ctx, hooks).await?;
        let made = create(&db, m, &owner, "upd").await?;
        let caller = change_for(m, "from-caller");
        let updated = update(&db, m, &made, caller.clone()).await?.expect("updated");
        if !update_hooked(&ctx, m) {
            assert_eq!(get(&updated, field_of(m)), Some("from-caller"), "{m:?}: updated in secondary storage");
            assert_eq!(log.events(), Vec::<String>::new(), "{m:?}: as in Better Auth, no hooks there");
            continue;
        }
        assert_eq!(get(&updated, field_of(m)), Some("hooked-update"), "{m:?}: the hook's change wins");
        let stored = find(&db, m, &made.key).await?.expect("still there");
        assert_eq!(get(&stored, field_of(m)), Some("hooked-update"), "{m:?}: and is stored");
        assert_eq!(log.rows("before"), [caller], "{m:?}: the before hook sees the caller's changes");
        let after = &log.rows("after")[0];
        assert_eq!(get(after, field_of(m)), Some("hooked-update"), "{m:?}: the after hook sees the stored row");
        assert!(after.get("updatedAt").and_then(Value::as_date).is_some(), "{m:?}: a whole row");
    }
    Ok(())
}

async fn update_before_sees_the_callers_changes(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let hooks = Hooks::new()
        .before_update(HookModel::User, before(&log, "first".into(), || Ok(Before::Change(row! { "name" => "First" }))))
        .before_update(
            HookModel::User,
            before(&log, "second".into(), || Ok(Before::Change(row! { "image" => "/2.png" }))),
        );
    let db = ctx.db().await?.with_hooks(hooks);
    let u = db.create_user(NewUser::new("U", "upd-order@hooks.test")).await?;
    let v = db.update_user(&u.id, row! { "name" => "Caller" }).await?.expect("user");
    assert_eq!(
        log.rows("second"),
        [row! { "name" => "Caller" }],
        "as in Better Auth, each update hook sees the caller's changes"
    );
    assert_eq!((v.name.as_str(), v.image.as_deref()), ("First", Some("/2.png")), "the hooks' changes merge in order");
    Ok(())
}

async fn update_before_error_or_cancel_changes_nothing(ctx: Ctx) -> Result<()> {
    for m in MODELS.into_iter().filter(|&m| update_hooked(&ctx, m)) {
        for cancel in [false, true] {
            let log = Log::default();
            let answer = move || if cancel { Ok(Before::Cancel) } else { Err(Error::Rejected("frozen".into())) };
            let hooks = Hooks::new()
                .before_update(m, before(&log, "before".into(), answer))
                .after_update(m, record(&log, "after".into(), || Ok(())));
            let (db, owner) = store(&ctx, hooks).await?;
            let made = create(&db, m, &owner, "frozen").await?;
            let before_row = find(&db, m, &made.key).await?.expect("created");
            let r = update(&db, m, &made, change_for(m, "changed")).await;
            if cancel {
                assert!(matches!(r, Ok(None)), "{m:?}: a cancelled update returns None: {r:?}");
            } else {
                assert!(matches!(&r, Err(Error::Rejected(w)) if w == "frozen"), "{m:?}: {r:?}");
            }
            assert_eq!(find(&db, m, &made.key).await?, Some(before_row), "{m:?}: nothing changed");
            assert_eq!(log.events(), ["before"], "{m:?}: no after hook");
        }
    }
    Ok(())
}

async fn delete_hooks_see_the_row(ctx: Ctx) -> Result<()> {
    for m in MODELS {
        let log = Log::default();
        let (db, owner) = store(&ctx, recording(&log)).await?;
        let made = create(&db, m, &owner, "gone").await?;
        log.clear();
        delete(&db, m, &made).await?;
        assert!(find(&db, m, &made.key).await?.is_none(), "{m:?}: deleted");
        if ctx.in_database(m.name()) {
            let before_rows = log.rows(&ev(m, "delete.before"));
            assert_eq!(before_rows.len(), 1, "{m:?}: {:?}", log.events());
            assert_eq!(id_of(&before_rows[0]), made.id, "{m:?}: the before hook sees the row");
            let after_rows = log.rows(&ev(m, "delete.after"));
            assert_eq!(after_rows.len(), 1, "{m:?}");
            assert_eq!(after_rows[0], before_rows[0], "{m:?}: the after hook sees the deleted row");
        } else {
            assert_eq!(
                log.count(&ev(m, "delete.before")),
                0,
                "{m:?}: as in Better Auth, no delete hooks in secondary storage"
            );
        }
        log.clear();
        delete(&db, m, &made).await?;
        assert_eq!(log.count(&ev(m, "delete.before")), 0, "{m:?}: nothing to delete, no hooks");
    }
    Ok(())
}

async fn delete_before_cancel_or_error_keeps_the_row(ctx: Ctx) -> Result<()> {
    for m in MODELS.into_iter().filter(|m| ctx.in_database(m.name())) {
        for cancel in [false, true] {
            let log = Log::default();
            let answer = move || if cancel { Ok(false) } else { Err(Error::Rejected("keep".into())) };
            let hooks = Hooks::new()
                .before_delete(m, record(&log, "before".into(), answer))
                .after_delete(m, record(&log, "after".into(), || Ok(())));
            let (db, owner) = store(&ctx, hooks).await?;
            let made = create(&db, m, &owner, "kept").await?;
            let r = delete(&db, m, &made).await;
            if cancel {
                assert!(r.is_ok(), "{m:?}: a cancelled delete is no error: {r:?}");
            } else {
                assert!(matches!(&r, Err(Error::Rejected(w)) if w == "keep"), "{m:?}: {r:?}");
            }
            assert!(find(&db, m, &made.key).await?.is_some(), "{m:?}: the row is still there");
            assert_eq!(log.events(), ["before"], "{m:?}: no after hook");
        }
    }
    Ok(())
}

async fn delete_user_runs_the_hooks_of_every_row(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let (db, owner) = store(&ctx, recording(&log)).await?;
    for n in ["a", "b"] {
        create(&db, HookModel::Session, &owner, n).await?;
        create(&db, HookModel::Account, &owner, n).await?;
    }
    log.clear();
    db.delete_user(&owner).await?;
    let sessions = if ctx.in_database("session") { 2 } else { 0 };
    for (m, n) in [(HookModel::Session, sessions), (HookModel::Account, 2), (HookModel::User, 1)] {
        assert_eq!(log.count(&ev(m, "delete.before")), n, "{m:?} before: {:?}", log.events());
        assert_eq!(log.count(&ev(m, "delete.after")), n, "{m:?} after");
    }
    let events = log.events();
    let last_before = events.iter().rposition(|e| e.ends_with("delete.before")).unwrap_or(0);
    let first_after = events.iter().position(|e| e.ends_with("delete.after")).unwrap_or(0);
    assert!(last_before < first_after, "after hooks run once everything is deleted: {events:?}");
    assert!(db.find_user_by_id(&owner).await?.is_none());
    assert!(db.list_sessions(&owner).await?.is_empty(), "the user's sessions are gone");
    assert!(db.find_accounts(&owner).await?.is_empty());
    Ok(())
}

async fn delete_user_is_all_or_nothing(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let hooks = recording(&log)
        .before_delete(HookModel::User, record(&log, "refuse".into(), || Err(Error::Rejected("no".into()))));
    let (db, owner) = store(&ctx, hooks).await?;
    create(&db, HookModel::Session, &owner, "s").await?;
    create(&db, HookModel::Account, &owner, "a").await?;
    log.clear();
    let r = db.delete_user(&owner).await;
    assert!(matches!(&r, Err(Error::Rejected(w)) if w == "no"), "{r:?}");
    assert!(db.find_user_by_id(&owner).await?.is_some(), "the user stays");
    assert_eq!(db.list_sessions(&owner).await?.len(), 1, "the sessions deleted before the refusal are back");
    assert_eq!(db.find_accounts(&owner).await?.len(), 1, "the accounts deleted before the refusal are back");
    assert_eq!(log.events().iter().filter(|e| e.ends_with("delete.after")).count(), 0, "no after hook");
    Ok(())
}

async fn delete_many_runs_hooks_per_row(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let (db, owner) = store(&ctx, recording(&log)).await?;
    for n in ["1", "2", "3"] {
        create(&db, HookModel::Session, &owner, n).await?;
    }
    log.clear();
    assert_eq!(db.delete_user_sessions(&owner).await?, 3);
    let n = if ctx.in_database("session") { 3 } else { 0 };
    assert_eq!(log.count("session.delete.before"), n, "{:?}", log.events());
    assert_eq!(log.count("session.delete.after"), n);
    assert!(db.list_sessions(&owner).await?.is_empty());
    if ctx.in_database("session") {
        let refusing = Log::default();
        let hooks = Hooks::new().before_delete(HookModel::Session, {
            let seen = refusing.clone();
            move |row: Row| {
                seen.push("before".into(), row.clone());
                async move { Ok(get(&row, "token") != Some("token-2")) }
            }
        });
        let db = db.with_hooks(hooks);
        for n in ["1", "2", "3"] {
            create(&db, HookModel::Session, &owner, n).await?;
        }
        assert_eq!(db.delete_user_sessions(&owner).await?, 0, "one refusal cancels the whole delete");
        assert_eq!(db.list_sessions(&owner).await?.len(), 3, "nothing was deleted");
        let seen = refusing.rows("before");
        assert_eq!(
            seen.last().and_then(|r| get(r, "token")),
            Some("token-2"),
            "before hooks ran row by row until the refusal"
        );
    }
    Ok(())
}

async fn after_hooks_wait_for_commit(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let db = ctx.db().await?.with_hooks(recording(&log));
    let seen = log.clone();
    db.transaction(move |tx| async move {
        tx.create_user(NewUser::new("Tx", "tx@hooks.test")).await?;
        assert_eq!(seen.events(), ["user.create.before"], "inside the transaction the after hook waits");
        Ok(())
    })
    .await?;
    assert_eq!(log.events(), ["user.create.before", "user.create.after"], "it ran after the commit");
    assert_eq!(get(&log.rows("user.create.after")[0], "email"), Some("tx@hooks.test"));
    Ok(())
}

async fn after_hooks_dropped_on_rollback(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let db = ctx.db().await?.with_hooks(recording(&log));
    let r: Result<()> = db
        .transaction(|tx| async move {
            let u = tx.create_user(NewUser::new("Rb", "rb@hooks.test")).await?;
            tx.link_account(NewAccount::credential(&u.id, "hash")).await?;
            Err(Error::backend_msg("roll back"))
        })
        .await;
    assert!(r.is_err());
    assert_eq!(log.count("user.create.after") + log.count("account.create.after"), 0, "{:?}", log.events());
    assert_eq!(log.count("user.create.before"), 1);
    assert!(db.find_user_by_email("rb@hooks.test").await?.is_none());
    Ok(())
}

async fn failed_write_runs_no_after_hook(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let db = ctx.db().await?.with_hooks(recording(&log));
    db.create_user(NewUser::new("Dup", "dup@hooks.test")).await?;
    log.clear();
    let r = db.create_user(NewUser::new("Dup2", "dup@hooks.test")).await;
    assert!(matches!(r, Err(Error::UniqueViolation { .. })), "{r:?}");
    assert_eq!(log.events(), ["user.create.before"], "the write failed: no after hook");
    let r = db.create_session(NewSession::new("ffffffffffffffffffffffff", in_minutes(5))).await;
    assert!(matches!(r, Err(Error::ForeignKeyViolation { .. })), "{r:?}");
    assert_eq!(log.count("session.create.after"), 0);
    Ok(())
}

async fn after_hook_error_is_returned_and_the_write_kept(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let hooks = Hooks::new()
        .after_create(HookModel::User, record(&log, "after".into(), || Err(Error::Rejected("late".into()))));
    let db = ctx.db().await?.with_hooks(hooks);
    let r = db.create_user(NewUser::new("Late", "late@hooks.test")).await;
    assert!(matches!(&r, Err(Error::Rejected(w)) if w == "late"), "{r:?}");
    assert!(db.find_user_by_email("late@hooks.test").await?.is_some(), "as in Better Auth, the write stands");
    let r = db.transaction(|tx| async move { tx.create_user(NewUser::new("Late2", "late2@hooks.test")).await }).await;
    assert!(matches!(&r, Err(Error::Rejected(_))), "after commit, the hook's error is the transaction's: {r:?}");
    assert!(db.find_user_by_email("late2@hooks.test").await?.is_some(), "and the commit stands");
    Ok(())
}

async fn consume_verification_runs_delete_hooks(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let refuse = Arc::new(Mutex::new(true));
    let gate = refuse.clone();
    let hooks = recording(&log).before_delete(HookModel::Verification, {
        let log = log.clone();
        move |row: Row| {
            log.push("gate".into(), row);
            let ok = !*gate.lock().expect("gate");
            async move { Ok(ok) }
        }
    });
    let db = ctx.db().await?.with_hooks(hooks);
    let v = db.create_verification("otp:1", "123456", in_minutes(5)).await?;
    log.clear();
    let now = chrono::Utc::now();
    if ctx.in_database("verification") {
        assert_eq!(db.consume_verification("otp:1", "123456", now).await?, None, "a before hook cancelled it");
        assert_eq!(id_of(&log.rows("gate")[0]), v.id, "the before hook sees the row about to be taken");
        *refuse.lock().expect("gate") = false;
        log.clear();
        let taken = db.consume_verification("otp:1", "123456", now).await?.expect("taken");
        assert_eq!(taken.id, v.id);
        assert_eq!(id_of(&log.rows("verification.delete.after")[0]), v.id, "the after hook sees the taken row");
        assert_eq!(db.consume_verification("otp:1", "123456", now).await?, None);
    } else {
        assert!(db.consume_verification("otp:1", "123456", now).await?.is_some());
        assert_eq!(log.events(), Vec::<String>::new(), "as in Better Auth, no hooks in secondary storage");
    }
    Ok(())
}

async fn raw_adapter_runs_no_hooks(ctx: Ctx) -> Result<()> {
    let log = Log::default();
    let db = ctx.db().await?.with_hooks(recording(&log));
    let u = db.create("user", row! { "name" => "Raw", "email" => "raw@hooks.test" }, CreateOptions::default()).await?;
    db.update("user", &[auth_core::Where::eq("id", id_of(&u))], row! { "name" => "Raw2" }).await?;
    db.delete("user", &[auth_core::Where::eq("id", id_of(&u))]).await?;
    assert_eq!(
        log.events(),
        Vec::<String>::new(),
        "hooks belong to the typed layer, as in Better Auth's internal adapter"
    );
    Ok(())
}
