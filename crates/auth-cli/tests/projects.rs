//! `generate` into a small real diesel project and a small real SeaORM project, as a user runs
//! it: the auth tables join the project's own (its `diesel.toml` paths, its migration crate and
//! entity directory), the project compiles afterwards, the migrations run and leave a database
//! `check` finds clean, and a re-run after adding a plugin writes only the new migration and the
//! changed files. The projects build offline from the local cargo registry, in one cached target
//! directory shared by every run.

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;
use support::{cli, text};

fn project(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("project-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("project dir");
    dir
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
    std::fs::write(p, text).expect("write");
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `cargo check` of the project, offline, in the shared cached target directory.
fn compiles(dir: &Path) {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../generated-target");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if !dir.join("Cargo.lock").exists() {
        // The workspace's lock pins the versions the registry cache holds.
        let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    }
    let out = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--offline", "--workspace", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "{} does not compile:\n{}", dir.display(), String::from_utf8_lossy(&out.stderr));
}

fn generate(dir: &Path, adapter: &str) -> String {
    let out = cli(dir, &["generate", "--adapter", adapter, "--dialect", "sqlite"]);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs each migration's `up` SQL, in order, on a fresh SQLite file; then `check` must pass.
fn migrations_check_clean(dir: &Path, ups: &[String]) {
    let db = dir.join("check.db");
    let _ = std::fs::remove_file(&db);
    let conn = rusqlite::Connection::open(&db).expect("db");
    for up in ups {
        conn.execute_batch(up).expect("migration runs");
    }
    drop(conn);
    let out = cli(dir, &["check", "--database-url", "file:./check.db"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

const POSTS_SQL: &str = "CREATE TABLE posts (id INTEGER PRIMARY KEY NOT NULL, title TEXT NOT NULL);\n";
const DIESEL_SCHEMA: &str = "// @generated automatically by Diesel CLI.\n\ndiesel::table! {\n    posts (id) {\n        id -> Integer,\n        title -> Text,\n    }\n}\n";

#[test]
fn diesel_project() {
    let dir = project("diesel");
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"blog\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\ndiesel = { version = \"2.3\", default-features = false, features = [\"sqlite\"] }\n\n[workspace]\n",
    );
    write(&dir, "diesel.toml", "[print_schema]\nfile = \"src/db/schema.rs\"\n\n[migrations_directory]\ndir = \"db/migrations\"\n");
    write(&dir, "db/migrations/2024-01-01-000000_create_posts/up.sql", POSTS_SQL);
    write(&dir, "db/migrations/2024-01-01-000000_create_posts/down.sql", "DROP TABLE posts;\n");
    write(&dir, "src/db/schema.rs", DIESEL_SCHEMA);
    write(&dir, "src/db/mod.rs", "pub mod schema;\n");
    write(
        &dir,
        "src/lib.rs",
        "pub mod db;\n\nuse db::schema::posts;\nuse diesel::prelude::*;\n\npub fn titles(c: &mut SqliteConnection) -> QueryResult<Vec<String>> {\n    posts::table.select(posts::title).load(c)\n}\n",
    );
    compiles(&dir);

    let out = generate(&dir, "diesel");
    assert!(out.contains("migration: create table `user` and its indexes"), "{out}");
    let migrations = dir.join("db/migrations");
    assert_eq!(entries(&migrations), ["00000000000001_auth_schema", "2024-01-01-000000_create_posts"]);
    let schema = read(&dir, "src/db/schema.rs");
    assert!(schema.starts_with(DIESEL_SCHEMA.trim_end()), "the user's table is kept first: {schema}");
    assert!(schema.contains("    session (id) {") && schema.contains("diesel::joinable!(session -> user (user_id));"), "{schema}");
    assert!(schema.contains("diesel::allow_tables_to_appear_in_same_query!(\n    account,\n    posts,\n    session,\n    user,\n    verification,\n);"), "{schema}");
    // The project now queries its own and the auth tables together.
    write(
        &dir,
        "src/auth.rs",
        "use crate::db::schema::{session, user};\nuse diesel::prelude::*;\n\npub fn emails(c: &mut SqliteConnection) -> QueryResult<Vec<(String, String)>> {\n    session::table.inner_join(user::table).select((session::token, user::email)).load(c)\n}\n",
    );
    write(&dir, "src/lib.rs", &format!("pub mod auth;\n{}", read(&dir, "src/lib.rs")));
    compiles(&dir);
    let first_up = read(&dir, "db/migrations/00000000000001_auth_schema/up.sql");
    migrations_check_clean(&dir, &[first_up.clone(), POSTS_SQL.into()]);

    // A second run changes nothing.
    let out = generate(&dir, "diesel");
    assert!(out.contains("no new migration"), "{out}");
    assert_eq!(entries(&migrations).len(), 2);

    // A plugin later: one new migration with only the change, the new table! block.
    write(&dir, "auth.toml", "plugins = [\"two-factor\"]\n");
    let out = generate(&dir, "diesel");
    assert!(out.contains("migration: add column `user.twoFactorEnabled`"), "{out}");
    let names = entries(&migrations);
    assert_eq!(names.len(), 3, "{names:?}");
    let newest = names.iter().find(|n| n.ends_with("_auth_schema") && !n.starts_with("0000")).expect("a new migration");
    let up = read(&migrations, &format!("{newest}/up.sql"));
    assert!(up.contains("ALTER TABLE \"user\" ADD COLUMN \"twoFactorEnabled\"") && up.contains("CREATE TABLE IF NOT EXISTS \"twoFactor\""), "{up}");
    assert!(!up.contains("CREATE TABLE IF NOT EXISTS \"session\""), "only the change: {up}");
    assert_eq!(read(&dir, "db/migrations/00000000000001_auth_schema/up.sql"), first_up, "the first migration is left alone");
    let schema = read(&dir, "src/db/schema.rs");
    assert!(schema.contains("two_factor (id)") && schema.contains("posts (id)"), "{schema}");
    compiles(&dir);
    std::fs::write(dir.join("auth.toml"), "plugins = [\"two-factor\"]\n").expect("config");
    migrations_check_clean(&dir, &[first_up, POSTS_SQL.into(), up]);
}

#[test]
fn generate_never_overwrites_a_file_it_did_not_write() {
    let dir = project("overwrite");
    let own = "// my own schema\ndiesel::table! {\n    user (id) {\n        id -> Integer,\n    }\n}\n";
    write(&dir, "src/schema.rs", own);
    let out = cli(&dir, &["generate", "--adapter", "diesel", "--dialect", "postgres", "--output", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("not overwriting ./src/schema.rs") && text(&out).contains("--force"), "{}", text(&out));
    assert_eq!(read(&dir, "src/schema.rs"), own);
    assert!(!dir.join("migrations").exists(), "all or nothing");
    let out = cli(&dir, &["generate", "--adapter", "diesel", "--dialect", "postgres", "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(read(&dir, "src/schema.rs").contains("session (id)"));
    write(&dir, "auth.sql", "-- mine\n");
    let out = cli(&dir, &["generate", "--adapter", "sql", "--dialect", "mysql", "--output", "auth.sql"]);
    assert!(text(&out).contains("not overwriting auth.sql"), "{}", text(&out));
    // The dialect: required, unless a URL names it.
    let out = cli(&dir, &["generate", "--adapter", "sql"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("pass --dialect"), "{}", text(&out));
    let out = cli(&dir, &["generate", "--adapter", "sql", "--database-url", "mysql://root@localhost/app"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("ENGINE=InnoDB"), "{}", text(&out));
}

#[test]
fn seaorm_project() {
    let dir = project("seaorm");
    write(&dir, "Cargo.toml", "[workspace]\nmembers = [\".\", \"migration\"]\n\n[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nsea-orm = { version = \"2.0\", default-features = false, features = [\"macros\", \"with-json\", \"with-chrono\"] }\n");
    write(&dir, "migration/Cargo.toml", "[package]\nname = \"migration\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[lib]\npath = \"src/lib.rs\"\n\n[dependencies]\nasync-trait = \"0.1\"\nsea-orm-migration = { version = \"2.0\", default-features = false }\n");
    write(
        &dir,
        "migration/src/lib.rs",
        "pub use sea_orm_migration::prelude::*;\n\nmod m20240101_000001_create_post;\n\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m20240101_000001_create_post::Migration)]\n    }\n}\n",
    );
    write(
        &dir,
        "migration/src/m20240101_000001_create_post.rs",
        "use sea_orm_migration::prelude::*;\n\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n#[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n        manager.get_connection().execute_unprepared(\"CREATE TABLE post (id integer PRIMARY KEY)\").await.map(|_| ())\n    }\n}\n",
    );
    write(&dir, "src/entity/mod.rs", "pub mod prelude;\n\npub mod post;\n");
    write(&dir, "src/entity/prelude.rs", "pub use super::post::Entity as Post;\n");
    write(
        &dir,
        "src/entity/post.rs",
        "use sea_orm::entity::prelude::*;\n\n#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n#[sea_orm(table_name = \"post\")]\npub struct Model {\n    #[sea_orm(primary_key)]\n    pub id: i32,\n}\n\n#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {}\n\nimpl ActiveModelBehavior for ActiveModel {}\n",
    );
    write(&dir, "src/lib.rs", "pub mod entity;\n");
    compiles(&dir);

    let out = generate(&dir, "seaorm");
    assert!(out.contains("migration: create table `session` and its indexes"), "{out}");
    let lib = read(&dir, "migration/src/lib.rs");
    assert!(lib.contains("mod m20240101_000001_create_post;\nmod m00000000_000001_auth_schema;"), "{lib}");
    assert!(lib.contains("Box::new(m20240101_000001_create_post::Migration),\n            Box::new(m00000000_000001_auth_schema::Migration),"), "{lib}");
    let module = read(&dir, "src/entity/mod.rs");
    assert!(module.contains("pub mod post;") && module.contains("pub mod user;"), "{module}");
    assert!(read(&dir, "src/entity/prelude.rs").contains("pub use super::user::Entity as User;"));
    assert!(read(&dir, "src/entity/post.rs").contains("table_name = \"post\""), "the user's entity is kept");
    write(
        &dir,
        "src/lib.rs",
        "pub mod entity;\n\nuse entity::prelude::*;\nuse sea_orm::EntityTrait;\n\npub fn sessions_with_users() -> sea_orm::SelectTwo<Session, User> {\n    Session::find().find_also_related(User)\n}\n",
    );
    compiles(&dir);
    let session_rs = dir.join("src/entity/session.rs");
    let before = std::fs::metadata(&session_rs).and_then(|m| m.modified()).expect("mtime");

    // A plugin later: one new migration, registered; only the entities that changed rewritten.
    write(&dir, "auth.toml", "plugins = [\"two-factor\"]\n");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = generate(&dir, "seaorm");
    assert!(out.contains("unchanged ") && out.contains("session.rs"), "{out}");
    let names = entries(&dir.join("migration/src"));
    let newest = names.iter().find(|n| n.ends_with("_auth_schema.rs") && !n.starts_with("m0000")).expect("new migration").clone();
    let update = read(&dir, &format!("migration/src/{newest}"));
    assert!(update.contains("twoFactorEnabled") && !update.contains("CREATE TABLE IF NOT EXISTS \\\"session\\\""), "{update}");
    let lib = read(&dir, "migration/src/lib.rs");
    assert!(lib.contains(&format!("Box::new({}::Migration),", newest.trim_end_matches(".rs"))), "{lib}");
    assert!(dir.join("src/entity/two_factor.rs").exists());
    assert!(read(&dir, "src/entity/user.rs").contains("two_factor_enabled"));
    assert_eq!(std::fs::metadata(&session_rs).and_then(|m| m.modified()).expect("mtime"), before, "session.rs did not change");
    compiles(&dir);
    let again = generate(&dir, "seaorm");
    assert!(again.contains("no new migration"), "{again}");
}
