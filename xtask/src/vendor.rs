//! `cargo xtask vendor <adapter> <dest>`: an adapter crate and `auth-core`, ready to live in
//! another project.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use toml_edit::{DocumentMut, Item, Table, Value};

use crate::root;

/// Copies `crates/auth-core` and `crates/auth-<adapter>` into `dest`, writing out inherited
/// settings and dropping the conformance tests (they need this workspace's suite).
pub fn run(adapter: &str, dest: &Path) -> Result<ExitCode, String> {
    let root = root();
    let name = format!("auth-{adapter}");
    let src = root.join("crates").join(&name);
    if !src.join("Cargo.toml").exists() {
        return Err(format!("no adapter crate `{name}` in crates/"));
    }
    let ws: DocumentMut = read(&root.join("Cargo.toml"))?;
    for krate in ["auth-core", name.as_str()] {
        let to = dest.join(krate);
        copy_dir(&root.join("crates").join(krate), &to, krate != "auth-core")?;
        let mut doc = read(&to.join("Cargo.toml"))?;
        inline(&mut doc, &ws)?;
        fs::write(to.join("Cargo.toml"), doc.to_string()).map_err(|e| format!("write: {e}"))?;
    }
    println!("vendored {name} and auth-core into {}", dest.display());
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> Result<DocumentMut, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse().map_err(|e| format!("{}: {e}", path.display()))
}

fn copy_dir(from: &Path, to: &Path, skip_tests: bool) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let (path, file) = (entry.path(), entry.file_name());
        if skip_tests && file == "tests" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(&file), false)?;
        } else {
            fs::copy(&path, to.join(&file)).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Replaces `x.workspace = true` with the workspace's values; `auth-core` becomes `../auth-core`.
fn inline(doc: &mut DocumentMut, ws: &DocumentMut) -> Result<(), String> {
    let ws_pkg = ws["workspace"]["package"].as_table().ok_or("no [workspace.package]")?.clone();
    let ws_deps = ws["workspace"]["dependencies"].as_table().ok_or("no [workspace.dependencies]")?.clone();
    if let Some(pkg) = doc["package"].as_table_mut() {
        let keys: Vec<String> = pkg.iter().map(|(k, _)| k.to_string()).collect();
        for k in keys {
            if is_inherited(&pkg[&k]) {
                pkg[&k] = ws_pkg.get(&k).cloned().ok_or_else(|| format!("workspace has no package.{k}"))?;
            }
        }
    }
    doc.remove("dev-dependencies");
    doc.remove("test");
    if let Some(deps) = doc["dependencies"].as_table_mut() {
        let keys: Vec<String> = deps.iter().map(|(k, _)| k.to_string()).collect();
        for k in keys {
            if !is_inherited(&deps[&k]) {
                continue;
            }
            let extra = deps[&k].as_table_like().map(|t| t.get("features").cloned()).unwrap_or(None);
            let mut spec = if k == "auth-core" {
                let mut t = toml_edit::InlineTable::new();
                t.insert("path", "../auth-core".into());
                t
            } else {
                match ws_deps.get(&k).and_then(Item::as_value) {
                    Some(Value::String(v)) => {
                        let mut t = toml_edit::InlineTable::new();
                        t.insert("version", v.value().as_str().into());
                        t
                    }
                    Some(Value::InlineTable(t)) => t.clone(),
                    _ => return Err(format!("workspace has no dependency `{k}`")),
                }
            };
            if let Some(Item::Value(Value::Array(more))) = extra {
                let mut all = spec.get("features").and_then(Value::as_array).cloned().unwrap_or_default();
                for f in more.iter() {
                    if !all.iter().any(|x| x.as_str() == f.as_str()) {
                        all.push(f.clone());
                    }
                }
                spec.insert("features", Value::Array(all));
            }
            deps[&k] = Item::Value(Value::InlineTable(spec));
        }
    }
    if doc.get("lints").is_some_and(is_inherited) {
        let lints = ws["workspace"]["lints"].as_table().ok_or("no [workspace.lints]")?.clone();
        let mut t = Table::new();
        for (k, v) in lints.iter() {
            t.insert(k, v.clone());
        }
        doc["lints"] = Item::Table(t);
    }
    Ok(())
}

fn is_inherited(item: &Item) -> bool {
    item.as_table_like().and_then(|t| t.get("workspace")).and_then(Item::as_bool).unwrap_or(false)
}
